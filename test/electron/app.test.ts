// The real entry point (electron/main/index.ts) against a mocked `electron` module: what it does
// before `ready`, what it registers after, and the status call end to end on an empty data dir.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADD_PATHS_CHANNEL, bridgeOperationNames, channelOf, PICK_FILES_CHANNEL } from '../../shared/api/bridge.ts';
import { CSP_HEADER } from '../../electron/bridge/csp.ts';
import { FakeBrowserWindow, FakeEmitter, FakeWebContents, navigationEvent, type FakeIpcMain, type FakeSession } from './fakes.ts';

const electron = vi.hoisted(() => {
  const calls: string[] = [];
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });
  return { calls, ready, resolveReady: () => resolveReady() };
});

const fakes = vi.hoisted(() => ({
  app: null as unknown as FakeApp,
  ipcMain: null as unknown as FakeIpcMain,
  session: null as unknown as FakeSession,
  schemes: [] as unknown[],
  protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
}));

class FakeApp extends FakeEmitter {
  isPackaged = true;
  paths = new Map<string, string>();
  sandboxed = false;
  enableSandbox(): void {
    electron.calls.push('enableSandbox');
    this.sandboxed = true;
  }
  setPath(name: string, path: string): void {
    electron.calls.push(`setPath:${name}`);
    this.paths.set(name, path);
  }
  requestSingleInstanceLock(): boolean {
    return true;
  }
  whenReady(): Promise<void> {
    return electron.ready;
  }
  getAppPath(): string {
    return '/opt/Strongroom/resources/app.asar';
  }
  quit(): void {
    electron.calls.push('quit');
  }
  exit(): void {}
}

vi.mock('electron', async () => {
  const f = await import('./fakes.ts');
  fakes.app = new FakeApp();
  fakes.ipcMain = new f.FakeIpcMain();
  fakes.session = new f.FakeSession();
  return {
    app: fakes.app,
    BrowserWindow: f.FakeBrowserWindow,
    ipcMain: fakes.ipcMain,
    session: { defaultSession: fakes.session },
    shell: {
      showItemInFolder(path: string) {
        electron.calls.push(`showItemInFolder:${path}`);
      },
    },
    dialog: {
      showOpenDialog() {
        return Promise.resolve({ canceled: true, filePaths: [] });
      },
      showSaveDialog() {
        electron.calls.push('showSaveDialog');
        return Promise.resolve({ canceled: true });
      },
    },
    protocol: {
      registerSchemesAsPrivileged(schemes: unknown[]) {
        electron.calls.push('registerSchemesAsPrivileged');
        fakes.schemes.push(...schemes);
      },
      handle(scheme: string, handler: (request: Request) => Promise<Response>) {
        electron.calls.push(`protocol.handle:${scheme}`);
        fakes.protocolHandlers.set(scheme, handler);
      },
    },
  };
});

let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'strongroom-main-'));
  vi.stubEnv('STRONGROOM_DATA_DIR', dataDir);
  vi.stubEnv('ELECTRON_RENDERER_URL', 'https://evil.example/');
  await import('../../electron/main/index.ts');
});

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('main process entry (electron mocked)', () => {
  it('before ready: sets userData to the data dir, registers app:// as privileged, forces the sandbox', () => {
    expect(electron.calls).toEqual(['setPath:userData', 'registerSchemesAsPrivileged', 'enableSandbox']);
    expect(fakes.app.paths.get('userData')).toBe(dataDir);
    expect(fakes.schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(FakeBrowserWindow.created).toHaveLength(0);
  });

  it('after ready: session denied, protocol and IPC registered, one secure window on app://', async () => {
    electron.resolveReady();
    await electron.ready;
    await new Promise((resolve) => setImmediate(resolve));

    expect(fakes.session.requestHandler).not.toBeNull();
    expect(fakes.session.checkHandler?.({}, 'media', 'app://strongroom', {})).toBe(false);
    expect(fakes.protocolHandlers.has('app')).toBe(true);
    expect([...fakes.ipcMain.handlers.keys()]).toEqual([...bridgeOperationNames.map(channelOf), ADD_PATHS_CHANNEL, PICK_FILES_CHANNEL]);

    expect(FakeBrowserWindow.created).toHaveLength(1);
    const [window] = FakeBrowserWindow.created;
    const prefs = window?.options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, devTools: false });
    expect(prefs?.preload).toBe(join('/opt/Strongroom/resources/app.asar', 'out', 'preload', 'index.cjs'));
    // A packaged app ignores ELECTRON_RENDERER_URL: never file://, never a remote page.
    expect(window?.loaded).toEqual(['app://strongroom/index.html']);
  });

  it('hardens every web contents created', () => {
    const contents = new FakeWebContents();
    fakes.app.emit('web-contents-created', {}, contents);
    const away = navigationEvent('https://evil.example/');
    contents.emit('will-navigate', away);
    expect(away.prevented).toBe(true);
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('serves the renderer with the CSP header and refuses traversal', async () => {
    const handler = fakes.protocolHandlers.get('app');
    const traversal = await handler?.(new Request('app://strongroom/..%2f..%2fetc%2fpasswd'));
    expect(traversal?.status).toBe(403);
    expect(traversal?.headers.get('content-security-policy')).toBe(CSP_HEADER);
  });

  it('answers status on an uninitialized data dir with "run strongroom init", creating nothing', async () => {
    const result = await fakes.ipcMain.invoke(channelOf('Status'), 'app://strongroom/index.html');
    expect(result).toEqual({
      ok: true,
      value: { initialized: false, unlocked: false, problem: { code: 'NotInitialized', message: expect.stringContaining('strongroom init') } },
    });
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('asks where to save an audit export only once there is a log to export', async () => {
    const result = await fakes.ipcMain.invoke(channelOf('ExportAudit'), 'app://strongroom/index.html', { Layout: 'jsonl' });
    expect(result).toMatchObject({ ok: false, error: { name: 'KMSInvalidStateException', message: expect.stringContaining('strongroom init') as unknown } });
    expect(electron.calls).not.toContain('showSaveDialog');
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('refuses status from a foreign origin', async () => {
    const result = await fakes.ipcMain.invoke(channelOf('Status'), 'https://evil.example/');
    expect(result).toMatchObject({ ok: false, error: { name: 'AccessDeniedException' } });
  });

  it('closes the engine at quit', () => {
    expect(fakes.app.count('will-quit')).toBe(1);
    fakes.app.emit('will-quit');
  });
});
