// How the renderer bundle is served, whichever host serves it: the app:// protocol handler in
// the Electron main process (electron/main/protocol.ts) and browser mode's static server
// (electron/server/browser.ts). Both map a URL path to a file under the build directory with the
// same checks, and send the same content types.

import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file under `root` that a percent-encoded URL path names ('/' is index.html), or null when
 * it would leave `root` (`..` or `.` segments, encoded or not, backslashes, NUL bytes) or is
 * malformed. Shared by the app:// handler and browser mode's static server.
 */
export function resolveUnder(root: string, encodedPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(encodedPath);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) {
    return null;
  }
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) {
    return null;
  }
  const relativePath = segments.length === 0 ? 'index.html' : segments.join('/');
  const base = resolve(root);
  const target = resolve(base, relativePath);
  const fromBase = relative(base, target);
  if (fromBase === '' || fromBase === '..' || fromBase.startsWith(`..${sep}`) || isAbsolute(fromBase)) {
    return null;
  }
  return target;
}
