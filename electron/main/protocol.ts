// The renderer is served from a custom, privileged scheme (app://strongroom/…), never file://
// (Electron's security checklist, items 7 and 18; docs/security.md). The handler maps URL paths to
// files under the renderer build directory and refuses anything that would resolve outside it.
// Every response carries the CSP header. Path checks and content types are
// electron/bridge/static-files.ts, shared with browser mode. Nothing in this file imports electron:
// index.ts passes the handler to protocol.handle, and tests call it with plain Requests.

import { readFile as fsReadFile } from 'node:fs/promises';
import { CSP_HEADER } from '../bridge/csp.ts';
import { contentTypeFor, resolveUnder } from '../bridge/static-files.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'strongroom';
/** The renderer's origin, as Chromium reports it for a standard scheme. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Privileges for protocol.registerSchemesAsPrivileged: a standard, secure origin (so relative
 * URLs, module scripts and same-origin checks work as on https). Never bypassCSP; no service
 * workers, no CORS from other origins, no streaming.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const;

export type ProtocolHandlerOptions = {
  /** The renderer build directory (out/renderer). */
  readonly root: string;
  /** Reads a file; fs/promises readFile unless a test injects one. */
  readonly readFile?: (path: string) => Promise<Uint8Array>;
};

function securityHeaders(contentType: string): Headers {
  return new Headers({
    'Content-Type': contentType,
    'Content-Security-Policy': CSP_HEADER,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
}

function refuse(status: number, text: string): Response {
  return new Response(text, { status, headers: securityHeaders('text/plain; charset=utf-8') });
}

/**
 * The file under `root` that `url` names, or null when the URL is not ours or its path would
 * leave `root` (`..` segments, encoded or not, backslashes, NUL bytes, absolute paths).
 */
export function resolveAppPath(root: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST || parsed.username !== '' || parsed.password !== '') {
    return null;
  }
  return resolveUnder(root, parsed.pathname);
}

/** The function to pass to protocol.handle(APP_SCHEME, …). */
export function createAppProtocolHandler(options: ProtocolHandlerOptions): (request: Request) => Promise<Response> {
  const read = options.readFile ?? ((path: string) => fsReadFile(path));
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return refuse(405, 'Method not allowed');
    }
    const path = resolveAppPath(options.root, request.url);
    if (path === null) {
      return refuse(403, 'Forbidden');
    }
    let body: Uint8Array;
    try {
      body = await read(path);
    } catch {
      return refuse(404, 'Not found');
    }
    const headers = securityHeaders(contentTypeFor(path));
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
  };
}
