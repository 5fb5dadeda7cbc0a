// The main process's wiring, with every Electron object injected (index.ts passes the real ones,
// tests pass fakes). Order matters: the scheme is registered, the sandbox forced and the data
// directory set before `ready`; the session, protocol, IPC and window after it.

import type { App, BrowserWindow, BrowserWindowConstructorOptions, Dialog, IpcMain, Protocol, Session, Shell, WebContents } from 'electron';
import { join } from 'node:path';
import { FILE_PROGRESS_CHANNEL, type AddedFile, type AppSettings } from '../../shared/api/bridge.ts';
import { createDispatcher, type Dispatcher } from '../bridge/dispatch.ts';
import { WORKSPACE_FILE } from '../kms/audit/workspace.ts';
import { FileService } from '../bridge/files.ts';
import { KMSInvalidStateException } from '../kms/errors.ts';
import { resolveDataDir } from '../kms/datadir.ts';
import { createEngineHost, type EngineHost } from '../bridge/engine-host.ts';
import { registerIpc, type FileIntake } from './ipc.ts';
import { APP_ENTRY_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './protocol.ts';
import { devServerUrl, hardenSession, hardenWebContents, originCheck, trustedOrigins } from './security.ts';
import { createMainWindow } from './window.ts';

export type AppDeps = {
  readonly app: Pick<
    App,
    'enableSandbox' | 'requestSingleInstanceLock' | 'on' | 'whenReady' | 'quit' | 'getAppPath' | 'setPath' | 'isPackaged'
  >;
  readonly protocol: Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle'>;
  readonly session: { readonly defaultSession: Session };
  readonly ipcMain: Pick<IpcMain, 'handle'>;
  readonly BrowserWindow: (new (options: BrowserWindowConstructorOptions) => BrowserWindow) & {
    getAllWindows(): BrowserWindow[];
  };
  /** Show in folder; absent in tests that do not exercise it. */
  readonly shell?: Pick<Shell, 'showItemInFolder'>;
  /** The open-file dialog behind pickFiles, the save dialog behind an audit export. */
  readonly dialog?: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>;
  readonly env: NodeJS.ProcessEnv;
  readonly platform: NodeJS.Platform;
  /** Builds the engine host; createEngineHost unless a test injects one. */
  readonly engineHost?: (dataDir: string) => EngineHost;
  readonly log?: (message: string, detail?: unknown) => void;
};

export type StartedApp = {
  readonly dataDir: string;
  /** Resolves once the window has been created (or at once when another instance is running). */
  readonly ready: Promise<void>;
  readonly engine: EngineHost | null;
};

/** The bridge's main-process side: one file service and one dispatcher over the engine host. */
export function createBridge(
  host: EngineHost,
  deps: Pick<AppDeps, 'shell' | 'dialog'> & { readonly dataDir: string; readonly send: (channel: string, payload: unknown) => void; readonly log?: (message: string, detail?: unknown) => void },
): { readonly dispatch: Dispatcher; readonly files: FileIntake; readonly service: FileService } {
  const engine = () => {
    const kms = host.engine();
    if (kms === null) {
      throw new KMSInvalidStateException('This installation is not unlocked, so files cannot be encrypted or decrypted yet.');
    }
    return kms;
  };
  const service = new FileService({ engine });
  service.onProgress((progress) => deps.send(FILE_PROGRESS_CHANNEL, progress));
  const settings = async (): Promise<AppSettings> => {
    const status = await host.status();
    return {
      rootKeyProvider: status.rootKeyProvider ?? null,
      rootKeyLocation: status.rootKeyLocation ?? null,
      unlocked: status.unlocked,
      dataDirectory: deps.dataDir,
      endpoint: { running: false, url: null },
      surface: 'electron',
    };
  };
  const dispatch = createDispatcher({
    status: () => host.status(),
    engine: () => host.engine(),
    setUp: (request) => host.setUp(request),
    unlock: (passphrase) => host.unlock(passphrase),
    files: service,
    settings,
    showInFolder: async (path) => {
      if (deps.shell === undefined) {
        return { shown: false };
      }
      deps.shell.showItemInFolder(path);
      return { shown: true };
    },
    exportDestination: async (suggestedName) => {
      if (deps.dialog === undefined) {
        return null;
      }
      const chosen = await deps.dialog.showSaveDialog({ defaultPath: suggestedName, properties: ['createDirectory', 'showOverwriteConfirmation'] });
      return chosen.canceled || chosen.filePath === undefined || chosen.filePath === '' ? null : chosen.filePath;
    },
    workspacePath: join(deps.dataDir, WORKSPACE_FILE),
    ...(deps.log === undefined ? {} : { log: deps.log }),
  });
  const files: FileIntake = {
    addPaths: async (paths): Promise<ReadonlyArray<AddedFile>> => service.add(paths),
    pickFiles: async (): Promise<ReadonlyArray<AddedFile>> => {
      if (deps.dialog === undefined) {
        return [];
      }
      const picked = await deps.dialog.showOpenDialog({ properties: ['openFile', 'multiSelections'] });
      return picked.canceled ? [] : service.add(picked.filePaths);
    },
  };
  return { dispatch, files, service };
}

export function startApp(deps: AppDeps): StartedApp {
  const { app } = deps;
  const log = deps.log ?? console.warn;

  // The data directory is Electron's userData folder (docs/architecture.md, Storage).
  // resolveDataDir gives the same folder by construction, and honours STRONGROOM_DATA_DIR as the
  // CLI does; setPath makes Electron agree when that override is set.
  const dataDir = resolveDataDir(undefined, deps.env);
  app.setPath('userData', dataDir);

  deps.protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
  app.enableSandbox();

  // One process owns the window and the engine; a second launch focuses the first.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return { dataDir, ready: Promise.resolve(), engine: null };
  }

  const isPackaged = app.isPackaged;
  const origins = trustedOrigins({ isPackaged, devServerUrl: deps.env.ELECTRON_RENDERER_URL });
  const isTrusted = originCheck(origins);
  const devUrl = devServerUrl({ isPackaged, devServerUrl: deps.env.ELECTRON_RENDERER_URL });
  const appPath = app.getAppPath();
  const host = (deps.engineHost ?? ((dir: string) => createEngineHost({ dataDir: dir, log })))(dataDir);

  app.on('web-contents-created', (_event: unknown, contents: WebContents) => {
    hardenWebContents(contents, isTrusted, log);
  });

  const openWindow = (): BrowserWindow =>
    createMainWindow({
      BrowserWindow: deps.BrowserWindow,
      preloadPath: join(appPath, 'out', 'preload', 'index.cjs'),
      url: devUrl ?? APP_ENTRY_URL,
      devTools: !isPackaged,
      log,
    });

  app.on('second-instance', () => {
    const [window] = deps.BrowserWindow.getAllWindows();
    if (window !== undefined) {
      if (window.isMinimized()) {
        window.restore();
      }
      window.focus();
    }
  });
  app.on('window-all-closed', () => {
    if (deps.platform !== 'darwin') {
      app.quit();
    }
  });
  let bridgeClose: (() => Promise<unknown>) | null = null;
  app.on('will-quit', () => {
    // The endpoint the window may have started stops taking requests with the app; the engine
    // closes now, not after the listener's callback, since Electron does not wait for promises here.
    void bridgeClose?.().catch((err: unknown) => log('Strongroom: the endpoint did not stop cleanly', err));
    host.close();
  });

  const ready = app.whenReady().then(() => {
    hardenSession(deps.session.defaultSession);
    deps.protocol.handle(APP_SCHEME, createAppProtocolHandler({ root: join(appPath, 'out', 'renderer') }));
    const bridge = createBridge(host, {
      dataDir,
      ...(deps.shell === undefined ? {} : { shell: deps.shell }),
      ...(deps.dialog === undefined ? {} : { dialog: deps.dialog }),
      send: (channel, payload) => {
        for (const window of deps.BrowserWindow.getAllWindows()) {
          window.webContents.send(channel, payload);
        }
      },
      log,
    });
    bridgeClose = bridge.dispatch.close;
    registerIpc(deps.ipcMain, bridge.dispatch, bridge.files, isTrusted, log);
    openWindow();
    app.on('activate', () => {
      if (deps.BrowserWindow.getAllWindows().length === 0) {
        openWindow();
      }
    });
  });
  return { dataDir, ready, engine: host };
}
