import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { createMainWindow, mainWindowOptions } from '../../electron/main/window.ts';
import { FakeBrowserWindow } from './fakes.ts';

const Window = FakeBrowserWindow as unknown as new (options: BrowserWindowConstructorOptions) => BrowserWindow;

describe('main window', () => {
  it('states every security-relevant webPreference explicitly', () => {
    const prefs = mainWindowOptions('/app/out/preload/index.cjs', false).webPreferences;
    expect(prefs).toBeDefined();
    expect(prefs?.contextIsolation).toBe(true);
    expect(prefs?.sandbox).toBe(true);
    expect(prefs?.nodeIntegration).toBe(false);
    expect(prefs?.nodeIntegrationInWorker).toBe(false);
    expect(prefs?.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs?.webSecurity).toBe(true);
    expect(prefs?.allowRunningInsecureContent).toBe(false);
    expect(prefs?.experimentalFeatures).toBe(false);
    expect(prefs?.webviewTag).toBe(false);
    expect(prefs?.devTools).toBe(false);
    expect(prefs?.preload).toBe('/app/out/preload/index.cjs');
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('additionalArguments');
  });

  it('keeps DevTools for unpackaged runs only', () => {
    expect(mainWindowOptions('/p.cjs', true).webPreferences?.devTools).toBe(true);
    expect(mainWindowOptions('/p.cjs', false).webPreferences?.devTools).toBe(false);
  });

  it('points at a CommonJS preload, as a sandboxed preload must be', () => {
    const window = createMainWindow({ BrowserWindow: Window, preloadPath: '/app/out/preload/index.cjs', url: 'app://strongroom/index.html', devTools: false });
    const fake = window as unknown as FakeBrowserWindow;
    expect(fake.options.webPreferences?.preload).toMatch(/\.cjs$/);
  });

  it('loads the given URL and shows the window only when it is ready', () => {
    const window = createMainWindow({ BrowserWindow: Window, preloadPath: '/p.cjs', url: 'app://strongroom/index.html', devTools: false });
    const fake = window as unknown as FakeBrowserWindow;
    expect(fake.loaded).toEqual(['app://strongroom/index.html']);
    expect(fake.options.show).toBe(false);
    expect(fake.shown).toBe(false);
    fake.emit('ready-to-show');
    expect(fake.shown).toBe(true);
  });

  it('logs a failed load instead of leaving an unhandled rejection', async () => {
    const logged: string[] = [];
    class FailingWindow extends FakeBrowserWindow {
      override loadURL(url: string): Promise<void> {
        this.loaded.push(url);
        return Promise.reject(new Error('ERR_FILE_NOT_FOUND'));
      }
    }
    createMainWindow({
      BrowserWindow: FailingWindow as unknown as new (options: BrowserWindowConstructorOptions) => BrowserWindow,
      preloadPath: '/p.cjs',
      url: 'app://strongroom/index.html',
      devTools: false,
      log: (message) => logged.push(message),
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged).toEqual(['Strongroom: could not load app://strongroom/index.html']);
  });
});
