// The Content-Security-Policy of the renderer, in one place: the app:// protocol handler sends it
// as a response header, and electron.vite.config.ts writes it into index.html as a <meta> tag
// (defence in depth, and the only policy a page gets if it is ever opened some other way).
// Production allows nothing but this origin's own scripts, styles, images and fonts. The dev
// server (`electron-vite dev`) needs inline scripts (React Refresh preamble) and a websocket
// (HMR), so it gets its own looser policy, never used in a build.

const PRODUCTION: ReadonlyArray<string> = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // No data: images: the renderer draws its charts as inline SVG and has no embedded images.
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'none'",
  "media-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "manifest-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
];

const DEVELOPMENT: ReadonlyArray<string> = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ws://localhost:* ws://127.0.0.1:* ws://[::1]:*",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
];

/** Directives a <meta> policy may not carry (browsers ignore them there and warn). */
const HEADER_ONLY: ReadonlyArray<string> = ["frame-ancestors 'none'"];

/** The production policy as a response header. */
export const CSP_HEADER = [...PRODUCTION, ...HEADER_ONLY].join('; ');

/** The production policy for index.html's <meta http-equiv> tag. */
export const CSP_META = PRODUCTION.join('; ');

/** The dev-server policy (electron-vite dev only), as a <meta> tag. */
export const CSP_META_DEV = DEVELOPMENT.join('; ');
