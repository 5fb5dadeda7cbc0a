// Browser mode: the renderer served on 127.0.0.1 with the bridge carried by a WebSocket, for a
// user without the Electron binary (`strongroom ui`) and for the UI tests (Chromium). The same
// operation list, validation and results as Electron's IPC: every call goes through
// createDispatcher (electron/bridge/dispatch.ts), and values cross with the shared wire codec.
//
// Who may call. Anything on this machine can reach a loopback port, and any web page the user
// visits can ask the browser to open a WebSocket to it, so the upgrade is refused (403, before any
// handler runs) unless all of these hold:
//   - the Host header names this server exactly (`127.0.0.1:PORT`: no DNS rebinding),
//   - the Origin header is exactly `http://127.0.0.1:PORT` (a page elsewhere cannot forge it; a
//     missing Origin means a non-browser client, which must then still know the secret),
//   - the per-launch secret (32 random bytes) is offered as a subprotocol, compared in constant
//     time. It reaches the page in the URL fragment (`/#secret=…`), which browsers never send to
//     the server nor in a Referer; the page moves it to sessionStorage and out of the address bar.
//
// File intake. The browser cannot hand over a path, so each dropped file is uploaded in 1 MiB
// binary chunks, each acknowledged (bounded memory on both sides), into a per-launch private
// staging folder (mkdtemp, 0700; files 0600), then registered with FileService under its original
// name. Outputs go to one output folder (the user's `--output-dir`, else ~/Strongroom files): a
// file job never writes beside a staging file the user cannot see.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdtemp, mkdir, open, readFile, realpath, rm, stat, type FileHandle } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { AddedFile, AppSettings, BridgeResult, FileProgress, InstallationStatus, SetUpRequest } from '../../shared/api/bridge.ts';
import type { ErrorShape } from '../../shared/api/errors.ts';
import { int, str, struct } from '../../shared/api/schema.ts';
import {
  BRIDGE_PATH,
  BRIDGE_PROTOCOL,
  MAX_FRAME_BYTES,
  parseChunk,
  parseMessage,
  SECRET_FRAGMENT_KEY,
  SECRET_PROTOCOL_PREFIX,
  stringifyMessage,
  UPLOAD_ABORT,
  UPLOAD_BEGIN,
  UPLOAD_FINISH,
  UPLOAD_ID_PATTERN,
  WireError,
  type WireEvent,
  type WireResponse,
} from '../../shared/api/wire.ts';
import { createDispatcher } from '../bridge/dispatch.ts';
import { FileService, freePath } from '../bridge/files.ts';
import { openInFileManager } from './desktop-open.ts';
import { WORKSPACE_FILE } from '../kms/audit/workspace.ts';
import type { Kms } from '../kms/engine.ts';
import { KMSInvalidStateException, LimitExceededException, NotFoundException, SerializationException, toKmsError, ValidationException } from '../kms/errors.ts';
import { processFolderPrefix, removeStrayFolders } from '../kms/storage/stray-folders.ts';
import { validateRequest } from '../kms/validate.ts';
import { CSP_HEADER, CSP_META } from '../bridge/csp.ts';
import { contentTypeFor, resolveUnder } from '../bridge/static-files.ts';

/** The part of the engine host (electron/bridge/engine-host.ts) the server uses. */
export type BrowserEngineHost = {
  status(): Promise<InstallationStatus>;
  engine(): Kms | null;
  /** First-run setup and unlocking from the page (engine-host.ts); absent in hosts that cannot. */
  setUp?(request: SetUpRequest): Promise<InstallationStatus>;
  unlock?(passphrase: string): Promise<InstallationStatus>;
};

export type BrowserServerOptions = {
  /** The data directory, as the user set it (shown in settings, redacted from error messages). */
  readonly dataDir: string;
  /** The built renderer (out/renderer). */
  readonly rendererDir: string;
  readonly host: BrowserEngineHost;
  /** 0 (the default) picks a free port. There is no host option: the server binds 127.0.0.1 only. */
  readonly port?: number;
  /** Where file jobs write their outputs; defaultOutputDir() when absent. Created (0700) if missing. */
  readonly outputDir?: string;
  /** Where the per-launch staging folder is made; the system temp folder when absent. */
  readonly stagingParent?: string;
  /** The inspection workspace (imported audit exports); audit-workspace.db in the data directory when absent. */
  readonly workspacePath?: string;
  /** Shows a file in the system file manager (ShowInFolder); openInFileManager when absent. */
  readonly showInFolder?: (path: string) => Promise<boolean>;
  readonly log?: (message: string, detail?: unknown) => void;
};

export type BrowserServer = {
  /** The page's address with the secret in its fragment: give it only to the user. */
  readonly url: string;
  readonly port: number;
  readonly outputDir: string;
  /** Closes every connection and the listener, removes the staging folder. The host stays open (its owner closes it). */
  close(): Promise<void>;
};

export const LOOPBACK = '127.0.0.1';

/** The upload staging folder's name: `strongroom-uploads-<pid>-<random>` (storage/stray-folders.ts). */
const STAGING_PREFIX = 'strongroom-uploads-';

/** ~/Strongroom files: outputs of browser-mode file jobs unless `--output-dir` says otherwise. */
export function defaultOutputDir(): string {
  return join(homedir(), 'Strongroom files');
}

/** At most this many uploads open at once on one connection (each holds a file handle). */
const MAX_OPEN_UPLOADS = 8;
/** Chunk bytes accepted but not yet written, per connection, before the socket is paused. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;
/** A file name's longest form in bytes (the common file-system limit). */
const MAX_NAME_BYTES = 255;

const uploadBegin = struct({ Name: str({ required: true, min: 1, max: 1024 }), Size: int({ required: true, min: 0, max: Number.MAX_SAFE_INTEGER }) });
const uploadRef = struct({ UploadId: str({ required: true, pattern: UPLOAD_ID_PATTERN }) });

// ---------------------------------------------------------------------------------------------
// Policy and paths

/** A CSP with its connect-src replaced (or added): browser mode's page talks to its own socket only. */
export function withConnectSrc(policy: string, sources: string): string {
  let replaced = false;
  const directives = policy
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d !== '')
    .map((d) => {
      if (d.split(/\s+/)[0]?.toLowerCase() === 'connect-src') {
        replaced = true;
        return `connect-src ${sources}`;
      }
      return d;
    });
  return [...directives, ...(replaced ? [] : [`connect-src ${sources}`])].join('; ');
}

const escapeAttribute = (text: string): string => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * index.html carries the app's CSP as a <meta> too (electron.vite.config.ts), with connect-src
 * 'none'. A page enforces every policy it is given, so that tag would block the bridge's socket
 * whatever the header says: it is replaced by the browser-mode policy, kept as defence in depth.
 */
export function rewriteCspMeta(html: string, metaPolicy: string): string {
  return html.replace(/<meta\b[^>]*>/gi, (tag) =>
    /http-equiv\s*=\s*["']?content-security-policy/i.test(tag) ? `<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(metaPolicy)}">` : tag,
  );
}

/** Is `path` the folder `root` or inside it? */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * The file under `root` that a request target names, or null when it would leave `root` (`..`
 * segments, encoded or not, backslashes, NUL bytes) or is not an origin-form path.
 */
export function resolveStaticPath(root: string, target: string): string | null {
  if (!target.startsWith('/') || target.startsWith('//')) {
    return null;
  }
  return resolveUnder(root, target.split(/[?#]/, 1)[0] ?? '');
}

/**
 * A dropped file's name as a staging file name: path separators and characters the platform
 * forbids become '_', so the output (named after the input) keeps the user's name as far as
 * possible. Refused when nothing usable is left or it is too long for a file system.
 */
export function stagingName(name: string, platform: NodeJS.Platform = process.platform): string {
  // eslint-disable-next-line no-control-regex
  const forbidden = platform === 'win32' ? /[\u0000-\u001f<>:"/\\|?*]/g : /[\u0000-\u001f/\\]/g;
  let safe = name.replace(forbidden, '_');
  if (platform === 'win32') {
    // Windows drops trailing dots and spaces itself, which would change the name under us.
    safe = safe.replace(/[. ]+$/, '');
    // Device names (NUL, COM1, …) are not files on Windows, whatever the extension.
    if (/^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i.test(safe)) {
      safe = `_${safe}`;
    }
  }
  if (safe === '' || safe === '.' || safe === '..') {
    throw new ValidationException(`${JSON.stringify(name.slice(0, 80))} cannot be used as a file name.`);
  }
  if (new TextEncoder().encode(safe).length > MAX_NAME_BYTES) {
    throw new ValidationException(`The file name ${JSON.stringify(name.slice(0, 80))}… is longer than ${MAX_NAME_BYTES} bytes; rename the file and drop it again.`);
  }
  return safe;
}

// ---------------------------------------------------------------------------------------------
// The server

type Upload = {
  readonly dir: string;
  readonly path: string;
  readonly name: string;
  readonly size: number;
  readonly handle: FileHandle;
  received: number;
  /** Chunks and finish/abort run one after another, in arrival order. */
  chain: Promise<void>;
  closed: boolean;
};

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

function plainText(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const log = options.log ?? console.warn;
  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new ValidationException(`Port ${String(requestedPort)} is not a port number (0–65535; 0 picks a free port).`);
  }
  const rendererDir = resolve(options.rendererDir);
  const rendererReal = await realpath(rendererDir).catch(() => {
    throw new ValidationException(`The renderer folder ${rendererDir} does not exist: build it with \`npm run build\`.`);
  });
  const outputDir = resolve(options.outputDir ?? defaultOutputDir());
  // Decrypted plaintext lands here: a new folder is the user's alone.
  mkdirSync(outputDir, { recursive: true, mode: 0o700 });
  // A crashed earlier run left its uploads (plaintext of dropped files): they go first.
  const stagingParent = options.stagingParent ?? tmpdir();
  for (const stray of removeStrayFolders(stagingParent, STAGING_PREFIX)) {
    log(`Removed ${stray}, the upload folder of an earlier run that did not stop cleanly.`);
  }
  const stagingDir = await mkdtemp(join(stagingParent, processFolderPrefix(STAGING_PREFIX)));
  const showInFolder = options.showInFolder ?? ((path: string) => openInFileManager(path));

  const secret = randomBytes(32).toString('base64url');
  const secretDigest = sha256(secret);

  const engine = (): Kms => {
    const kms = options.host.engine();
    if (kms === null) {
      throw new KMSInvalidStateException('This installation is not unlocked, so files cannot be encrypted or decrypted yet.');
    }
    return kms;
  };
  // Outputs go to the output folder: the inputs are staging copies the user never sees.
  const files = new FileService({ engine, outputDir: () => outputDir });

  // settings() is synchronous; GetSettings refreshes this first (see call below).
  let lastStatus: InstallationStatus | null = null;
  const status = async (): Promise<InstallationStatus> => {
    lastStatus = await options.host.status();
    return lastStatus;
  };
  let port = 0;
  const settings = (): AppSettings => ({
    rootKeyProvider: lastStatus?.rootKeyProvider ?? null,
    rootKeyLocation: lastStatus?.rootKeyLocation ?? null,
    unlocked: lastStatus?.unlocked ?? false,
    dataDirectory: options.dataDir,
    endpoint: { running: false, url: null },
    surface: 'browser',
    outputDirectory: outputDir,
  });
  // Setting up or unlocking changes what Settings shows: the status they answer is kept as status()'s is.
  const setUp = options.host.setUp?.bind(options.host);
  const unlock = options.host.unlock?.bind(options.host);
  const dispatch = createDispatcher({
    status,
    engine: () => options.host.engine(),
    ...(setUp === undefined ? {} : { setUp: async (request: SetUpRequest) => (lastStatus = await setUp(request)) }),
    ...(unlock === undefined ? {} : { unlock: async (passphrase: string) => (lastStatus = await unlock(passphrase)) }),
    files,
    settings,
    // Only outputs, which are in the user's own output folder (--output-dir, or the default
    // `strongroom ui` printed): that folder may be told, so a page whose file manager did not
    // open can still say where the file is. A staging copy's place is never told.
    showInFolder: async (path) => (isInside(outputDir, path) ? { shown: await showInFolder(path), location: outputDir } : { shown: false }),
    // A page cannot show a save dialog for a path on this machine: exports go to the output
    // folder under a free name, and the page says where it went, as it does for any output.
    exportDestination: async (suggestedName) => freePath(join(outputDir, suggestedName)),
    workspacePath: options.workspacePath ?? join(options.dataDir, WORKSPACE_FILE),
    log,
  });

  // The renderer never receives a path it did not get from the user (docs/architecture.md,
  // invariant 2): staging paths shrink to the file's name, the data directory to words. The output
  // folder is the user's own setting and stays.
  const escapedStaging = stagingDir.replace(/[.*+?^$()|[\]{}\\]/g, '\\$&');
  const stagingPrefix = new RegExp(`${escapedStaging}[\\\\/]u-[0-9a-f]{16}[\\\\/]`, 'g');
  const redact = (message: string): string => {
    const named = message.replace(stagingPrefix, '').split(stagingDir).join('the upload folder');
    return options.dataDir.length > 1 ? named.split(options.dataDir).join('the data directory') : named;
  };
  const redactError = (error: ErrorShape): ErrorShape => ({ name: error.name, message: redact(error.message) });
  const failure = (err: unknown): BridgeResult<never> => {
    if (err instanceof WireError) {
      return { ok: false, error: new SerializationException(err.message).toShape() };
    }
    const error = toKmsError(err);
    if (error.name === 'KMSInternalException') {
      log('Strongroom: a browser-mode request failed', err);
    }
    return { ok: false, error: redactError(error.toShape()) };
  };

  /** One bridge operation, as Electron's IPC would run it. */
  const call = async (op: string, input: unknown): Promise<BridgeResult<unknown>> => {
    if (op === 'GetSettings') {
      await status();
    }
    const result = await dispatch(op, input);
    if (!result.ok) {
      return { ok: false, error: redactError(result.error) };
    }
    return result;
  };

  const origin = (): string => `http://${LOOPBACK}:${port}`;
  const hostHeader = (): string => `${LOOPBACK}:${port}`;
  const pagePolicy = (): string => withConnectSrc(CSP_HEADER, `ws://${LOOPBACK}:${port}`);
  const metaPolicy = (): string => withConnectSrc(CSP_META, `ws://${LOOPBACK}:${port}`);
  const securityHeaders = (): Record<string, string> => ({
    'Content-Security-Policy': pagePolicy(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
  });

  const serveStatic = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = securityHeaders();
    if (req.headers.host !== hostHeader()) {
      plainText(res, 421, `This server answers only as ${hostHeader()}.`, headers);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plainText(res, 405, 'Method not allowed', { ...headers, Allow: 'GET, HEAD' });
      return;
    }
    const path = resolveStaticPath(rendererDir, req.url ?? '');
    if (path === null) {
      plainText(res, 403, 'Forbidden', headers);
      return;
    }
    let body: Buffer;
    try {
      // A link inside the build pointing elsewhere is refused like a `..`.
      const real = await realpath(path);
      if (!isInside(rendererReal, real) || !(await stat(real)).isFile()) {
        plainText(res, isInside(rendererReal, real) ? 404 : 403, isInside(rendererReal, real) ? 'Not found' : 'Forbidden', headers);
        return;
      }
      body = await readFile(real);
    } catch {
      plainText(res, 404, 'Not found', headers);
      return;
    }
    const type = contentTypeFor(path);
    if (type.startsWith('text/html')) {
      body = Buffer.from(rewriteCspMeta(body.toString('utf8'), metaPolicy()), 'utf8');
    }
    res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': String(body.length) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  /** Why an upgrade is refused, or null when it may proceed. Runs before anything else does. */
  const refusal = (req: IncomingMessage): { status: number; reason: string } | null => {
    if ((req.url ?? '').split('?', 1)[0] !== BRIDGE_PATH) {
      return { status: 404, reason: 'not the bridge path' };
    }
    if (req.headers.host !== hostHeader()) {
      return { status: 403, reason: `Host ${JSON.stringify(req.headers.host ?? null)}` };
    }
    if (req.headers.origin !== origin()) {
      return { status: 403, reason: `Origin ${JSON.stringify(req.headers.origin ?? null)}` };
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const secrets = offered.filter((p) => p.startsWith(SECRET_PROTOCOL_PREFIX));
    const candidate = secrets.length === 1 ? (secrets[0] ?? '').slice(SECRET_PROTOCOL_PREFIX.length) : '';
    // Digests have equal length whatever was sent, so the comparison's time says nothing.
    const secretOk = timingSafeEqual(sha256(candidate), secretDigest) && secrets.length === 1;
    if (!secretOk || !offered.includes(BRIDGE_PROTOCOL)) {
      return { status: 403, reason: secrets.length === 0 ? 'no secret' : 'wrong secret' };
    }
    return null;
  };

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    // Never the secret's protocol: only ours is selected and echoed.
    handleProtocols: (protocols) => (protocols.has(BRIDGE_PROTOCOL) ? BRIDGE_PROTOCOL : false),
    perMessageDeflate: false,
  });

  // Jobs seen, so close() can cancel those still running (cancel() of a finished one is a no-op).
  const jobs = new Set<string>();
  const broadcast = (progress: FileProgress): void => {
    jobs.add(progress.jobId);
    const safe: FileProgress = progress.error === undefined ? progress : { ...progress, error: redactError(progress.error) };
    const event: WireEvent = { event: 'fileProgress', progress: safe };
    let text: string;
    try {
      text = stringifyMessage(event);
    } catch (err) {
      log('Strongroom: a progress event could not be encoded', err);
      return;
    }
    for (const ws of sockets) {
      if (ws.readyState === ws.OPEN) {
        ws.send(text);
      }
    }
  };
  const unsubscribe = files.onProgress(broadcast);

  const connection = (ws: WebSocket): void => {
    sockets.add(ws);
    const uploads = new Map<string, Upload>();
    let pendingBytes = 0;

    const reply = (id: number | null, result: BridgeResult<unknown>): void => {
      if (ws.readyState !== ws.OPEN) {
        return;
      }
      let text: string;
      try {
        text = stringifyMessage({ id, result } satisfies WireResponse);
      } catch (err) {
        text = stringifyMessage({ id, result: failure(err) });
      }
      ws.send(text);
    };

    const dropUpload = async (upload: Upload): Promise<void> => {
      if (!upload.closed) {
        upload.closed = true;
        await upload.handle.close().catch(() => {});
      }
      await rm(upload.dir, { recursive: true, force: true });
    };

    const begin = async (input: unknown): Promise<{ UploadId: string }> => {
      const { Name, Size } = validateRequest(uploadBegin, input, 'bytes');
      if (uploads.size >= MAX_OPEN_UPLOADS) {
        throw new LimitExceededException(`At most ${MAX_OPEN_UPLOADS} files upload at once; wait for one to finish.`);
      }
      const name = stagingName(Name);
      const uploadId = `u-${randomBytes(8).toString('hex')}`;
      const dir = join(stagingDir, uploadId);
      await mkdir(dir, { mode: 0o700 });
      const path = join(dir, name);
      const handle = await open(path, 'wx', 0o600);
      uploads.set(uploadId, { dir, path, name: Name, size: Size, handle, received: 0, chain: Promise.resolve(), closed: false });
      return { UploadId: uploadId };
    };

    const uploadFor = (input: unknown): { readonly id: string; readonly upload: Upload } => {
      const { UploadId } = validateRequest(uploadRef, input, 'bytes');
      const upload = uploads.get(UploadId);
      if (upload === undefined) {
        throw new NotFoundException(`Upload ${UploadId} is not open on this connection.`);
      }
      return { id: UploadId, upload };
    };

    /** Runs `step` after the upload's earlier chunks; the reply goes out when it is done. */
    const queue = <T>(upload: Upload, step: () => Promise<T>): Promise<T> => {
      const run = upload.chain.then(step);
      upload.chain = run.then(
        () => {},
        () => {},
      );
      return run;
    };

    const finish = (input: unknown): Promise<AddedFile> => {
      const { id, upload } = uploadFor(input);
      return queue(upload, async () => {
        uploads.delete(id);
        upload.closed = true;
        await upload.handle.close();
        if (upload.received !== upload.size) {
          await dropUpload(upload);
          throw new ValidationException(`${upload.name} arrived with ${upload.received} of its ${upload.size} bytes; drop it again.`);
        }
        const [added] = files.add([upload.path], [upload.name]);
        if (added === undefined) {
          throw new ValidationException(`${upload.name} could not be added.`);
        }
        return added;
      });
    };

    const abort = (input: unknown): Promise<{ Aborted: boolean }> => {
      const { id, upload } = uploadFor(input);
      return queue(upload, async () => {
        uploads.delete(id);
        await dropUpload(upload);
        return { Aborted: true };
      });
    };

    const chunk = (frame: Buffer): void => {
      const parsed = parseChunk(frame);
      if (parsed === null) {
        reply(null, failure(new SerializationException('A binary frame must be an upload chunk (request id, upload id, bytes).')));
        return;
      }
      const upload = uploads.get(parsed.uploadId);
      if (upload === undefined) {
        reply(parsed.id, failure(new NotFoundException(`Upload ${parsed.uploadId} is not open on this connection.`)));
        return;
      }
      const length = parsed.data.length;
      pendingBytes += length;
      // A client that does not wait for acknowledgements is slowed down, not buffered without end.
      if (pendingBytes > MAX_PENDING_BYTES && !ws.isPaused) {
        ws.pause();
      }
      queue(upload, async () => {
        if (upload.closed) {
          throw new NotFoundException(`Upload ${parsed.uploadId} is no longer open.`);
        }
        if (upload.received + length > upload.size) {
          uploads.delete(parsed.uploadId);
          await dropUpload(upload);
          throw new ValidationException(`${upload.name} sent more than the ${upload.size} bytes it announced; drop it again.`);
        }
        let written = 0;
        while (written < length) {
          const { bytesWritten } = await upload.handle.write(parsed.data, written, length - written, upload.received + written);
          written += bytesWritten;
        }
        upload.received += length;
        return { Received: upload.received };
      })
        .then(
          (value) => reply(parsed.id, { ok: true, value }),
          (err: unknown) => reply(parsed.id, failure(err)),
        )
        .finally(() => {
          pendingBytes -= length;
          if (pendingBytes <= MAX_PENDING_BYTES / 2 && ws.isPaused) {
            ws.resume();
          }
        });
    };

    const request = async (text: string): Promise<void> => {
      let message: unknown;
      try {
        message = parseMessage(text);
      } catch (err) {
        reply(null, failure(err));
        return;
      }
      const { id, op, input } = (typeof message === 'object' && message !== null ? message : {}) as { id?: unknown; op?: unknown; input?: unknown };
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffff_ffff || typeof op !== 'string') {
        reply(null, failure(new SerializationException('A request is { "id": <uint32>, "op": <operation name>, "input": {…} }.')));
        return;
      }
      try {
        switch (op) {
          case UPLOAD_BEGIN:
            reply(id, { ok: true, value: await begin(input) });
            return;
          case UPLOAD_FINISH:
            reply(id, { ok: true, value: await finish(input) });
            return;
          case UPLOAD_ABORT:
            reply(id, { ok: true, value: await abort(input) });
            return;
          default:
            // Everything else is a bridge operation or refused as unknown by the dispatcher.
            reply(id, await call(op, input));
        }
      } catch (err) {
        reply(id, failure(err));
      }
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (isBinary) {
        chunk(bytes);
      } else {
        void request(bytes.toString('utf8'));
      }
    });
    ws.on('error', (err) => log('Strongroom: a bridge connection failed', err));
    ws.on('close', () => {
      sockets.delete(ws);
      // Half-sent files are of no use to anyone: their staging copies go.
      for (const upload of uploads.values()) {
        void queue(upload, () => dropUpload(upload));
      }
      uploads.clear();
    });
  };

  const server = createServer((req, res) => {
    serveStatic(req, res).catch((err: unknown) => {
      log('Strongroom: a page request failed', err);
      if (!res.headersSent) {
        plainText(res, 500, 'Internal error', securityHeaders());
      } else {
        res.destroy();
      }
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refused = refusal(req);
    if (refused !== null) {
      // Logged without the offered protocols: a wrong secret may be a near miss of the right one.
      log(`Strongroom: refused a bridge connection (${refused.reason})`);
      // A client that resets mid-refusal is no fault of ours (and must not crash the process).
      socket.on('error', () => {});
      const text = refused.status === 404 ? 'Not found' : 'Forbidden';
      socket.once('finish', () => socket.destroy());
      socket.end(`HTTP/1.1 ${refused.status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, connection);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new ValidationException(`Port ${requestedPort} is in use: pick another with --port, or 0 for any free port.`) : err);
    });
    // Loopback only, always: there is no option to bind anywhere else.
    server.listen(requestedPort, LOOPBACK, () => resolveListen());
  }).catch(async (err: unknown) => {
    unsubscribe();
    await rm(stagingDir, { recursive: true, force: true });
    throw err;
  });
  port = (server.address() as AddressInfo).port;
  server.on('error', (err) => log('Strongroom: the browser-mode server failed', err));

  let closing: Promise<void> | null = null;
  return {
    url: `${origin()}/#${SECRET_FRAGMENT_KEY}=${secret}`,
    port,
    outputDir,
    close() {
      closing ??= (async () => {
        unsubscribe();
        for (const ws of sockets) {
          ws.close(1001, 'Strongroom is stopping.');
        }
        wss.close();
        const closed = new Promise<void>((done) => server.close(() => done()));
        server.closeAllConnections();
        // A page gets a moment to answer the close frame; one that does not is cut off (ws
        // itself would wait 30 s).
        await Promise.race([closed, new Promise<void>((done) => setTimeout(done, 1000).unref())]);
        for (const ws of sockets) {
          ws.terminate();
        }
        await closed;
        // A job still running would read a staging file about to go: stop it (its own staging
        // output is removed by the job) and wait until it has.
        for (const jobId of jobs) {
          files.cancel(jobId);
        }
        await files.idle();
        await dispatch.close();
        await rm(stagingDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
