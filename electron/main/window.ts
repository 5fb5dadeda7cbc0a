// The one application window. Every security-relevant webPreference is stated explicitly, even
// where it is Electron's default, so a review diff shows any change (docs/security.md lists them).

import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';

export type MainWindowDeps = {
  readonly BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
  /** Absolute path of the bundled CommonJS preload (out/preload/index.cjs). */
  readonly preloadPath: string;
  /** app://strongroom/index.html, or the dev server's URL when running unpackaged. */
  readonly url: string;
  /** DevTools only in unpackaged runs. */
  readonly devTools: boolean;
  readonly log?: (message: string, detail?: unknown) => void;
};

export function mainWindowOptions(preloadPath: string, devTools: boolean): BrowserWindowConstructorOptions {
  return {
    width: 960,
    height: 680,
    minWidth: 560,
    minHeight: 420,
    title: 'Strongroom',
    show: false,
    backgroundColor: '#f6f7f9',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      // Linux spellchecking downloads dictionaries from Google; nothing typed here needs it.
      spellcheck: false,
      devTools,
    },
  };
}

export function createMainWindow(deps: MainWindowDeps): BrowserWindow {
  const log = deps.log ?? console.error;
  const window = new deps.BrowserWindow(mainWindowOptions(deps.preloadPath, deps.devTools));
  window.once('ready-to-show', () => {
    window.show();
  });
  window.loadURL(deps.url).catch((err: unknown) => {
    log(`Strongroom: could not load ${deps.url}`, err);
  });
  return window;
}
