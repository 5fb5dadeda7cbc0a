// Navigation, window-opening, webview and permission guards (Electron's security checklist, items 5
// and 11–14; docs/security.md), and the origin check every IPC handler starts with (item 17).
// Origins are compared after parsing, never with startsWith. Only types come from electron: the
// objects are injected.

import type { Session, WebContents } from 'electron';
import { APP_ORIGIN } from './protocol.ts';

/**
 * scheme://host[:port] of a URL, or null when it has none. Computed by hand because Node's URL
 * reports origin "null" for schemes it does not know (app:), while Chromium, which registered
 * app: as a standard scheme, reports app://strongroom.
 */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.host === '' || parsed.username !== '' || parsed.password !== '') {
    return null;
  }
  return `${parsed.protocol}//${parsed.host}`;
}

export type OriginCheck = (url: string) => boolean;

/**
 * The origins whose pages may use the bridge: app://strongroom, plus the electron-vite dev
 * server when running unpackaged with ELECTRON_RENDERER_URL set to a loopback http URL. A
 * packaged app ignores that variable, so no environment can point the window at another page.
 */
export function trustedOrigins(options: { readonly isPackaged: boolean; readonly devServerUrl: string | undefined }): ReadonlySet<string> {
  const origins = new Set<string>([APP_ORIGIN]);
  const dev = devServerUrl(options);
  if (dev !== null) {
    const origin = originOf(dev);
    if (origin !== null) {
      origins.add(origin);
    }
  }
  return origins;
}

/** The dev server URL to load instead of app://, or null (packaged, unset, or not loopback http). */
export function devServerUrl(options: { readonly isPackaged: boolean; readonly devServerUrl: string | undefined }): string | null {
  if (options.isPackaged || options.devServerUrl === undefined || options.devServerUrl === '') {
    return null;
  }
  let parsed: URL;
  try {
    parsed = new URL(options.devServerUrl);
  } catch {
    return null;
  }
  const loopback = parsed.hostname === 'localhost' || parsed.hostname === '127.0.0.1' || parsed.hostname === '[::1]';
  return parsed.protocol === 'http:' && loopback ? parsed.href : null;
}

export function originCheck(origins: ReadonlySet<string>): OriginCheck {
  return (url) => {
    const origin = originOf(url);
    return origin !== null && origins.has(origin);
  };
}

/**
 * Guards one webContents: navigation and redirects only within a trusted origin, no new windows
 * (links are not opened anywhere, not even in the user's browser, for now), no webviews.
 * Registered for every webContents from app.on('web-contents-created').
 */
export function hardenWebContents(contents: WebContents, isTrusted: OriginCheck, log: (message: string) => void = console.warn): void {
  const guard = (kind: string) => (event: { readonly url: string; preventDefault(): void }) => {
    if (!isTrusted(event.url)) {
      event.preventDefault();
      log(`Strongroom: blocked ${kind} to ${JSON.stringify(event.url)}`);
    }
  };
  contents.on('will-navigate', guard('navigation'));
  contents.on('will-frame-navigate', guard('frame navigation'));
  contents.on('will-redirect', guard('redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('Strongroom: blocked a <webview>');
  });
  contents.setWindowOpenHandler((details) => {
    log(`Strongroom: blocked a new window for ${JSON.stringify(details.url)}`);
    return { action: 'deny' };
  });
}

/** Denies every permission request and check (camera, notifications, clipboard-read, HID…). */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => {
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
