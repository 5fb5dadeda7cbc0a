// Fakes of the Electron objects the main-process glue touches. Each records what was done to it,
// so tests can assert the secure settings and drive the registered handlers.

import type { BrowserWindowConstructorOptions, IpcMainInvokeEvent, Session, WebContents } from 'electron';

type Listener = (...args: never[]) => unknown;

export class FakeEmitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    const list = this.listeners.get(event) ?? [];
    list.push(listener);
    this.listeners.set(event, list);
    return this;
  }
  once(event: string, listener: Listener): this {
    return this.on(event, listener);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      (listener as (...a: unknown[]) => unknown)(...args);
    }
  }
  count(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

export type NavigationEvent = { readonly url: string; prevented: boolean; preventDefault(): void };

export function navigationEvent(url: string): NavigationEvent {
  return {
    url,
    prevented: false,
    preventDefault() {
      this.prevented = true;
    },
  };
}

export class FakeWebContents extends FakeEmitter {
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  asWebContents(): WebContents {
    return this as unknown as WebContents;
  }
}

export class FakeSession {
  requestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | null = null;
  checkHandler: ((contents: unknown, permission: string, origin: string, details: unknown) => boolean) | null = null;
  deviceHandler: ((details: unknown) => boolean) | null = null;
  setPermissionRequestHandler(h: FakeSession['requestHandler']): void {
    this.requestHandler = h;
  }
  setPermissionCheckHandler(h: FakeSession['checkHandler']): void {
    this.checkHandler = h;
  }
  setDevicePermissionHandler(h: FakeSession['deviceHandler']): void {
    this.deviceHandler = h;
  }
  asSession(): Session {
    return this as unknown as Session;
  }
}

export class FakeBrowserWindow extends FakeEmitter {
  static readonly created: FakeBrowserWindow[] = [];
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.created;
  }
  readonly options: BrowserWindowConstructorOptions;
  readonly webContents = new FakeWebContents();
  readonly loaded: string[] = [];
  shown = false;
  focused = false;
  constructor(options: BrowserWindowConstructorOptions) {
    super();
    this.options = options;
    FakeBrowserWindow.created.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    return Promise.resolve();
  }
  show(): void {
    this.shown = true;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  focus(): void {
    this.focused = true;
  }
}

export type InvokeListener = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;

export class FakeIpcMain {
  readonly handlers = new Map<string, InvokeListener>();
  handle(channel: string, listener: InvokeListener): void {
    if (this.handlers.has(channel)) {
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    }
    this.handlers.set(channel, listener);
  }
  /** Calls a registered handler as if a frame at `frameUrl` (or a destroyed frame) had invoked it. */
  invoke(channel: string, frameUrl: string | null, ...args: unknown[]): Promise<unknown> {
    const listener = this.handlers.get(channel);
    if (listener === undefined) {
      throw new Error(`no handler for ${channel}`);
    }
    return listener(senderEvent(frameUrl), ...args);
  }
}

export function senderEvent(frameUrl: string | null): IpcMainInvokeEvent {
  return { senderFrame: frameUrl === null ? null : { url: frameUrl } } as unknown as IpcMainInvokeEvent;
}
