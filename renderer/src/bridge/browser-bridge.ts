// window.strongroom's browser-mode twin: the same StrongroomBridge, carried by a WebSocket to the
// server `strongroom ui` runs (electron/server/browser.ts). Its methods are generated from the
// shared operation list, so it has exactly the members the preload has; every call resolves with
// a BridgeResult, never rejects — a lost or refused connection is an ok:false result too.
//
// The per-launch secret arrives in the URL fragment (never sent to the server, never in a
// Referer); it is taken at start-up, kept in sessionStorage (so a reload still connects, and no
// other tab or site can read it) and removed from the address bar, where the app's router wants
// the fragment for its own routes. It is offered as a WebSocket subprotocol: the one thing the
// browser's WebSocket API lets a page add to the handshake.
//
// Dropped files are uploaded in 1 MiB chunks, each read and sent only after the one before was
// written to disk on the server: memory stays flat whatever the file's size.

import { bridgeOperationNames, methodNameOf, type AddedFile, type BridgeResult, type FileProgress, type StrongroomBridge } from '../../../shared/api/bridge.ts';
import { isKmsErrorName, type ErrorShape, type KmsErrorName } from '../../../shared/api/errors.ts';
import {
  BRIDGE_PATH,
  BRIDGE_PROTOCOL,
  CHUNK_HEADER_BYTES,
  chunkHeader,
  parseMessage,
  SECRET_FRAGMENT_KEY,
  SECRET_PATTERN,
  SECRET_PROTOCOL_PREFIX,
  stringifyMessage,
  UPLOAD_ABORT,
  UPLOAD_BEGIN,
  UPLOAD_CHUNK_BYTES,
  UPLOAD_FINISH,
} from '../../../shared/api/wire.ts';

/** Opens a WebSocket: the browser's own unless a test passes another (Node's, with an Origin). */
export type SocketFactory = (url: string, protocols: Array<string>) => WebSocket;

export type BrowserBridgeOptions = {
  /** ws://127.0.0.1:PORT/bridge (bridgeUrlFor(location)). */
  readonly url: string;
  /** The page's secret, or null when it was opened without one (every call then says how to fix it). */
  readonly secret: string | null;
  readonly connect?: SocketFactory;
};

export type BrowserBridge = {
  readonly bridge: StrongroomBridge;
  /** Closes the connection; calls still waiting resolve with an error. */
  close(): void;
};

/** Where the secret is kept between reloads of this tab. */
export const SECRET_STORAGE_KEY = 'strongroom.bridgeSecret';

const failed = (name: KmsErrorName, message: string): { readonly ok: false; readonly error: ErrorShape } => ({ ok: false, error: { name, message } });

const NO_SECRET = failed(
  'AccessDeniedException',
  'This page was opened without its access secret, so it cannot reach Strongroom. Open the address `strongroom ui` printed (it ends with #secret=…).',
);
const REFUSED = failed(
  'AccessDeniedException',
  'Strongroom refused or could not take the connection. If `strongroom ui` was restarted, open the new address it printed; otherwise start it again.',
);
const LOST = failed('KMSInternalException', 'The connection to Strongroom was lost: is `strongroom ui` still running? Start it again and open the address it prints.');
const CLOSED = failed('KMSInternalException', 'This page closed its connection to Strongroom; reload the page.');

/** The bridge socket's address for a page served by the browser-mode server. */
export function bridgeUrlFor(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${BRIDGE_PATH}`;
}

export type PageLike = {
  readonly location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  readonly history?: Pick<History, 'replaceState' | 'state'>;
  /** A getter: reading sessionStorage throws where the browser disables storage. */
  readonly storage?: () => Pick<Storage, 'getItem' | 'setItem'>;
};

/**
 * The secret from `#secret=…` (then kept in sessionStorage and taken out of the address bar), else
 * the one this tab kept before a reload, else null.
 */
export function takeSecretFromPage(page: PageLike): string | null {
  const storage = (): Pick<Storage, 'getItem' | 'setItem'> | null => {
    try {
      return page.storage?.() ?? null;
    } catch {
      return null;
    }
  };
  const fromHash = new URLSearchParams(page.location.hash.replace(/^#/, '')).get(SECRET_FRAGMENT_KEY);
  if (fromHash !== null && SECRET_PATTERN.test(fromHash)) {
    try {
      storage()?.setItem(SECRET_STORAGE_KEY, fromHash);
    } catch {
      // Without storage a reload needs the printed address again; the page still works now.
    }
    try {
      // Out of the address bar (bookmarks, copies, screen shares) and out of the router's way.
      page.history?.replaceState(page.history.state, '', `${page.location.pathname}${page.location.search}`);
    } catch {
      // Keeping the fragment is harmless: it never leaves the browser.
    }
    return fromHash;
  }
  try {
    const kept = storage()?.getItem(SECRET_STORAGE_KEY) ?? null;
    return kept !== null && SECRET_PATTERN.test(kept) ? kept : null;
  } catch {
    return null;
  }
}

/** A server answer that is not a BridgeResult is a fault, not something to hand to a screen. */
function asResult(value: unknown): BridgeResult<unknown> | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const r = value as { ok?: unknown; value?: unknown; error?: unknown };
  if (r.ok === true) {
    return { ok: true, value: r.value };
  }
  const e = r.error as { name?: unknown; message?: unknown } | null | undefined;
  if (r.ok === false && typeof e === 'object' && e !== null && typeof e.name === 'string' && typeof e.message === 'string') {
    return failed(isKmsErrorName(e.name) ? e.name : 'KMSInternalException', e.message);
  }
  return null;
}

class ConnectionFailure extends Error {
  readonly result: { readonly ok: false; readonly error: ErrorShape };
  constructor(result: { readonly ok: false; readonly error: ErrorShape }) {
    super(result.error.message);
    this.result = result;
  }
}

export function createBrowserBridge(options: BrowserBridgeOptions): BrowserBridge {
  const connect: SocketFactory = options.connect ?? ((url, protocols) => new WebSocket(url, protocols));
  const pending = new Map<number, (result: BridgeResult<unknown>) => void>();
  const listeners = new Set<(progress: FileProgress) => void>();
  let socket: Promise<WebSocket> | null = null;
  let current: WebSocket | null = null;
  let closedByPage = false;
  let lastId = 0;

  const takeId = (): number => {
    lastId = lastId >= 0xffff_ffff ? 1 : lastId + 1;
    return lastId;
  };

  const failPending = (result: { readonly ok: false; readonly error: ErrorShape }): void => {
    const waiting = [...pending.values()];
    pending.clear();
    for (const resolve of waiting) {
      resolve(result);
    }
  };

  const onMessage = (data: unknown): void => {
    if (typeof data !== 'string') {
      return;
    }
    let message: unknown;
    try {
      message = parseMessage(data);
    } catch {
      return;
    }
    const m = (typeof message === 'object' && message !== null ? message : {}) as { id?: unknown; result?: unknown; event?: unknown; progress?: unknown };
    if (m.event === 'fileProgress' && typeof m.progress === 'object' && m.progress !== null) {
      for (const listener of [...listeners]) {
        try {
          listener(m.progress as FileProgress);
        } catch {
          // One screen's failing listener must not stop the others hearing progress.
        }
      }
      return;
    }
    if (typeof m.id === 'number') {
      const resolve = pending.get(m.id);
      if (resolve !== undefined) {
        pending.delete(m.id);
        resolve(asResult(m.result) ?? failed('KMSInternalException', 'Strongroom sent an answer this page does not understand; reload the page.'));
      }
    }
  };

  /** The open socket; one connection at a time, opened again on the next call after a loss. */
  const open = (): Promise<WebSocket> => {
    if (closedByPage) {
      return Promise.reject(new ConnectionFailure(CLOSED));
    }
    if (options.secret === null) {
      return Promise.reject(new ConnectionFailure(NO_SECRET));
    }
    const secret = options.secret;
    socket ??= new Promise<WebSocket>((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = connect(options.url, [BRIDGE_PROTOCOL, `${SECRET_PROTOCOL_PREFIX}${secret}`]);
      } catch {
        socket = null;
        reject(new ConnectionFailure(REFUSED));
        return;
      }
      current = ws;
      ws.binaryType = 'arraybuffer';
      let opened = false;
      ws.addEventListener('open', () => {
        opened = true;
        resolve(ws);
      });
      ws.addEventListener('message', (event: MessageEvent) => onMessage(event.data));
      ws.addEventListener('close', () => {
        socket = null;
        current = null;
        // A handshake the server refused looks, to a page, like any failed connection.
        const why = closedByPage ? CLOSED : opened ? LOST : REFUSED;
        reject(new ConnectionFailure(why));
        failPending(why);
      });
    });
    return socket;
  };

  const send = async (id: number, data: string | ArrayBuffer): Promise<BridgeResult<unknown>> => {
    let ws: WebSocket;
    try {
      ws = await open();
    } catch (err) {
      return err instanceof ConnectionFailure ? err.result : REFUSED;
    }
    return new Promise((resolve) => {
      pending.set(id, resolve);
      try {
        ws.send(data);
      } catch {
        pending.delete(id);
        resolve(LOST);
      }
    });
  };

  const request = (op: string, input: unknown): Promise<BridgeResult<unknown>> => {
    const id = takeId();
    let text: string;
    try {
      text = stringifyMessage({ id, op, input });
    } catch (err) {
      return Promise.resolve(failed('SerializationException', err instanceof Error ? err.message : 'The input cannot cross the bridge.'));
    }
    return send(id, text);
  };

  /** One file: begin, chunks (each acknowledged before the next is read), finish. */
  const upload = async (file: File): Promise<BridgeResult<AddedFile>> => {
    const begun = await request(UPLOAD_BEGIN, { Name: file.name, Size: file.size });
    if (!begun.ok) {
      return begun;
    }
    const uploadId = (begun.value as { UploadId: string }).UploadId;
    for (let offset = 0; offset < file.size; offset += UPLOAD_CHUNK_BYTES) {
      let bytes: ArrayBuffer;
      try {
        bytes = await file.slice(offset, Math.min(file.size, offset + UPLOAD_CHUNK_BYTES)).arrayBuffer();
      } catch {
        await request(UPLOAD_ABORT, { UploadId: uploadId });
        return failed('NotFoundException', `${file.name} could not be read: it was changed, moved or deleted after it was dropped.`);
      }
      const id = takeId();
      const frame = new Uint8Array(new ArrayBuffer(CHUNK_HEADER_BYTES + bytes.byteLength));
      frame.set(chunkHeader(id, uploadId), 0);
      frame.set(new Uint8Array(bytes), CHUNK_HEADER_BYTES);
      const sent = await send(id, frame.buffer);
      if (!sent.ok) {
        await request(UPLOAD_ABORT, { UploadId: uploadId });
        return sent;
      }
    }
    return (await request(UPLOAD_FINISH, { UploadId: uploadId })) as BridgeResult<AddedFile>;
  };

  const addFiles = async (files: ReadonlyArray<File>): Promise<BridgeResult<ReadonlyArray<AddedFile>>> => {
    const list: ReadonlyArray<unknown> = Array.isArray(files) ? files : [];
    if (list.length === 0 || !list.every((f) => typeof Blob !== 'undefined' && f instanceof Blob && typeof (f as { name?: unknown }).name === 'string')) {
      return failed('ValidationException', 'addFiles takes the File objects of a drop or an <input type=file>, at least one.');
    }
    const added: Array<AddedFile> = [];
    // One after another: the server writes one file at a time anyway, and a failure stops the rest.
    for (const file of list as ReadonlyArray<File>) {
      const result = await upload(file);
      if (!result.ok) {
        return result;
      }
      added.push(result.value);
    }
    return { ok: true, value: added };
  };

  const pickFiles = async (): Promise<BridgeResult<ReadonlyArray<AddedFile>>> =>
    failed(
      'UnsupportedOperationException',
      'In a browser Strongroom cannot open the system file dialog: use the page’s own file picker (an <input type="file">) or drop the files on the window.',
    );

  const onFileProgress = (listener: (progress: FileProgress) => void): (() => void) => {
    listeners.add(listener);
    // Progress is pushed on the connection: open it now, so events flow even before any call.
    open().catch(() => {});
    return () => {
      listeners.delete(listener);
    };
  };

  const members: Record<string, unknown> = {};
  for (const name of bridgeOperationNames) {
    members[methodNameOf(name)] = (input?: unknown) => request(name, input);
  }
  members.addFiles = addFiles;
  members.pickFiles = pickFiles;
  members.onFileProgress = onFileProgress;

  return {
    // Frozen like the preload's contextBridge object: screens cannot swap a method.
    bridge: Object.freeze(members) as unknown as StrongroomBridge,
    close() {
      closedByPage = true;
      current?.close(1000, 'The page closed the bridge.');
      failPending(CLOSED);
    },
  };
}
