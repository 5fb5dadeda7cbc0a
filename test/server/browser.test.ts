// Browser mode end to end: the real server (electron/server/browser.ts) on a free loopback port,
// a real engine on a temp SQLite file (memory root key, tests only) behind the app's engine host,
// a fixture renderer folder (so this test needs no build), and the real client
// (renderer/src/bridge/browser-bridge.ts) running on Node's own WebSocket with the page's Origin.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHost, type EngineHost } from '../../electron/bridge/engine-host.ts';
import { CSP_HEADER, CSP_META } from '../../electron/bridge/csp.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { resolveStaticPath, rewriteCspMeta, stagingName, startBrowserServer, withConnectSrc, type BrowserServer } from '../../electron/server/browser.ts';
import { createBrowserBridge, SECRET_STORAGE_KEY, takeSecretFromPage, type BrowserBridge, type SocketFactory } from '../../renderer/src/bridge/browser-bridge.ts';
import { bridgeMemberNames, type AddedFile, type BridgeResult, type FileProgress, type StrongroomBridge } from '../../shared/api/bridge.ts';
import { BRIDGE_PROTOCOL, chunkHeader, parseMessage, SECRET_PROTOCOL_PREFIX, stringifyMessage, UPLOAD_BEGIN, UPLOAD_FINISH } from '../../shared/api/wire.ts';
import { tempDir } from '../support/engine.ts';

let base: string;
let dataDir: string;
let rendererDir: string;
let outputDir: string;
let stagingParent: string;
let host: EngineHost;
let server: BrowserServer;
let origin: string;
let secret: string;
/** How often anything asked the host for the engine: a refused connection must not move it. */
let engineCalls = 0;
const shown: Array<string> = [];
const logs: Array<string> = [];
const clients: Array<BrowserBridge> = [];
// The port is unknown when the refusal table is built; these stand in for it.
const PORT_PLACEHOLDER = 65000;

const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta http-equiv="Content-Security-Policy" content="${CSP_META.replace(/'/g, '&#39;')}">
    <meta charset="utf-8" />
    <title>Strongroom</title>
    <script type="module" crossorigin src="./assets/index-abc.js"></script>
  </head>
  <body><div id="root"></div></body>
</html>
`;

beforeAll(async () => {
  base = tempDir('strongroom-browser-');
  dataDir = join(base, 'data');
  rendererDir = join(base, 'renderer');
  outputDir = join(base, 'Strongroom files');
  stagingParent = join(base, 'staging');
  mkdirSync(dataDir);
  mkdirSync(stagingParent);
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), INDEX_HTML);
  writeFileSync(join(rendererDir, 'assets', 'index-abc.js'), 'console.log("app")');
  writeFileSync(join(rendererDir, 'assets', 'index-abc.css'), 'body{}');
  // Beside the served folder, and a link from inside it: neither may be reached.
  writeFileSync(join(base, 'secret.txt'), 'root key material');
  mkdirSync(join(base, 'renderer-evil'));
  writeFileSync(join(base, 'renderer-evil', 'x.js'), 'evil');
  symlinkSync(join(base, 'secret.txt'), join(rendererDir, 'assets', 'link.js'));

  const provider = new MemoryRootKeyProvider();
  (await Kms.init({ dataDir, provider, accountId: '111122223333', region: 'local-1' })).close();
  const real = createEngineHost({ dataDir, providerForKind: () => provider, log: () => {} });
  host = {
    status: () => real.status(),
    engine: () => {
      engineCalls++;
      return real.engine();
    },
    setUp: (request) => real.setUp(request),
    unlock: (passphrase) => real.unlock(passphrase),
    close: () => real.close(),
  };
  server = await startBrowserServer({
    dataDir,
    rendererDir,
    host,
    port: 0,
    outputDir,
    stagingParent,
    showInFolder: async (path) => {
      shown.push(path);
      return true;
    },
    log: (message) => logs.push(message),
  });
  origin = `http://127.0.0.1:${server.port}`;
  secret = new URL(server.url).hash.replace(/^#secret=/, '');
});

afterAll(async () => {
  for (const c of clients) {
    c.close();
  }
  await server.close();
  host.close();
  rmSync(base, { recursive: true, force: true });
});

/** Node's WebSocket, sending the Origin a page served by this server sends. */
const socketFrom =
  (pageOrigin: string | null): SocketFactory =>
  (url, protocols) =>
    new WebSocket(url, { protocols, headers: pageOrigin === null ? {} : { Origin: pageOrigin } } as unknown as Array<string>);

function client(options: { secret?: string | null; origin?: string | null } = {}): StrongroomBridge {
  const made = createBrowserBridge({
    url: `ws://127.0.0.1:${server.port}/bridge`,
    secret: options.secret === undefined ? secret : options.secret,
    connect: socketFrom(options.origin === undefined ? origin : options.origin),
  });
  clients.push(made);
  return made.bridge;
}

function value<T>(result: BridgeResult<T>): T {
  if (!result.ok) {
    throw new Error(`expected ok, got ${result.error.name}: ${result.error.message}`);
  }
  return result.value;
}

/** A GET (or other method) with the request target sent exactly as given. */
function raw(path: string, options: { method?: string; host?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: options.method ?? 'GET', headers: { Host: options.host ?? `127.0.0.1:${server.port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket handshake by hand: the status the server answered (101 when it upgraded). */
function handshake(headers: Record<string, string | undefined>, path = '/bridge'): Promise<number> {
  const sent: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    Host: `127.0.0.1:${server.port}`,
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    Origin: origin,
    'Sec-WebSocket-Protocol': `${BRIDGE_PROTOCOL}, ${SECRET_PROTOCOL_PREFIX}${secret}`,
    ...headers,
  })) {
    if (v !== undefined) {
      sent[k] = v;
    }
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: sent });
    req.on('upgrade', (res, socket) => {
      expect(res.headers['sec-websocket-protocol']).toBe(BRIDGE_PROTOCOL);
      socket.destroy();
      resolve(101);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw bridge socket, for messages the client would never send. */
async function rawSocket(): Promise<{ send: (data: string | ArrayBuffer) => void; next: () => Promise<unknown>; close: () => void }> {
  const ws = socketFrom(origin)(`ws://127.0.0.1:${server.port}/bridge`, [BRIDGE_PROTOCOL, `${SECRET_PROTOCOL_PREFIX}${secret}`]);
  const queue: Array<unknown> = [];
  const waiting: Array<(v: unknown) => void> = [];
  ws.addEventListener('message', (event: MessageEvent) => {
    const message = parseMessage(event.data as string);
    const w = waiting.shift();
    if (w !== undefined) {
      w(message);
    } else {
      queue.push(message);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('close', () => reject(new Error('closed before open')));
  });
  return {
    send: (data) => ws.send(data),
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve))),
    close: () => ws.close(),
  };
}

const auditCount = (): number => {
  const kms = host.engine();
  if (kms === null) {
    throw new Error('the engine is not open');
  }
  return kms.audit.count();
};

describe('browser mode: the pages', () => {
  it('serves index.html with the app’s CSP, its connect-src narrowed to this server’s socket, in the header and the <meta>', async () => {
    const expected = withConnectSrc(CSP_HEADER, `ws://127.0.0.1:${server.port}`);
    for (const path of ['/', '/index.html', '/?x=1']) {
      const res = await raw(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(expected);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.body).toContain('<div id="root"></div>');
      // The build's <meta> said connect-src 'none', which would block the socket whatever the header says.
      expect(res.body).not.toContain('connect-src &#39;none&#39;');
      expect(res.body).toContain(`connect-src ws://127.0.0.1:${server.port}; media-src`);
    }
    expect(expected).toContain(`connect-src ws://127.0.0.1:${server.port};`);
    expect(expected).not.toMatch(/connect-src 'none'/);
    // Everything else is the app's own policy, unchanged.
    expect(expected.replace(/connect-src [^;]+/, '')).toBe(CSP_HEADER.replace(/connect-src [^;]+/, ''));
  });

  it('serves assets with their types; HEAD has no body; other methods are refused', async () => {
    const js = await raw('/assets/index-abc.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log("app")');
    expect((await raw('/assets/index-abc.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await raw('/assets/index-abc.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await raw('/', { method: 'POST' })).status).toBe(405);
    expect((await raw('/missing.js')).status).toBe(404);
    expect((await raw('/assets')).status).toBe(404);
  });

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/assets%5c..%5c..%5csecret.txt',
    '/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/../renderer-evil/x.js',
    '/%2e%2e/renderer-evil/x.js',
    '//etc/passwd',
    '/index.html%00.js',
    '/assets/link.js',
  ])('refuses %s', async (path) => {
    const res = await raw(path);
    expect([403, 404]).toContain(res.status);
    expect(res.body).not.toContain('root key material');
    expect(res.body).not.toContain('evil');
  });

  it('resolves request targets only inside the root', () => {
    expect(resolveStaticPath('/srv/r', '/')).toBe('/srv/r/index.html');
    expect(resolveStaticPath('/srv/r', '/assets/a.js?v=1')).toBe('/srv/r/assets/a.js');
    expect(resolveStaticPath('/srv/r', 'http://127.0.0.1/x')).toBeNull();
    expect(resolveStaticPath('/srv/r', '/%E0%A4%A')).toBeNull();
  });

  it('answers only to its own Host name (no DNS rebinding)', async () => {
    for (const name of [`localhost:${server.port}`, `evil.example:${server.port}`, '127.0.0.1']) {
      const res = await raw('/', { host: name });
      expect(res.status, name).toBe(421);
      expect(res.body).not.toContain('root');
    }
  });

  it('listens on 127.0.0.1 only: not on ::1, not on any other address of this machine', async () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/#secret=[A-Za-z0-9_-]{43}$`));
    const reachable = (address: string): Promise<boolean> =>
      new Promise((resolve) => {
        const socket = tcpConnect({ host: address, port: server.port, timeout: 2000 });
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
        socket.once('timeout', () => {
          socket.destroy();
          resolve(false);
        });
      });
    expect(await reachable('127.0.0.1')).toBe(true);
    const others = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((i) => !i.internal)
      .map((i) => i.address);
    for (const address of ['::1', ...others]) {
      expect(await reachable(address), address).toBe(false);
    }
  });
});

describe('browser mode: who may connect', () => {
  beforeAll(async () => {
    // The engine is open, so a dispatch would show as an audit record and an engine lookup.
    expect(value(await client().status()).unlocked).toBe(true);
  });

  it('upgrades the page’s own handshake, selecting only the bridge protocol (never echoing the secret)', async () => {
    expect(await handshake({})).toBe(101);
  });

  it.each([
    ['another site', { Origin: 'https://evil.example' }],
    ['localhost instead of 127.0.0.1', { Origin: `http://localhost:${PORT_PLACEHOLDER}` }],
    ['another port', { Origin: `http://127.0.0.1:${PORT_PLACEHOLDER + 1}` }],
    ['https', { Origin: `https://127.0.0.1:${PORT_PLACEHOLDER}` }],
    ['a trailing slash', { Origin: `http://127.0.0.1:${PORT_PLACEHOLDER}/` }],
    ['null (a sandboxed frame or file://)', { Origin: 'null' }],
    ['no Origin', { Origin: undefined }],
    ['a wrong secret', { 'Sec-WebSocket-Protocol': `${BRIDGE_PROTOCOL}, ${SECRET_PROTOCOL_PREFIX}${'A'.repeat(43)}` }],
    ['no secret', { 'Sec-WebSocket-Protocol': BRIDGE_PROTOCOL }],
    ['no protocols at all', { 'Sec-WebSocket-Protocol': undefined }],
    ['the secret twice, one wrong', { 'Sec-WebSocket-Protocol': `${BRIDGE_PROTOCOL}, ${SECRET_PROTOCOL_PREFIX}SECRET, ${SECRET_PROTOCOL_PREFIX}${'B'.repeat(43)}` }],
    ['the secret without the bridge protocol', { 'Sec-WebSocket-Protocol': `${SECRET_PROTOCOL_PREFIX}SECRET` }],
    ['a foreign Host', { Host: `evil.example:${PORT_PLACEHOLDER}` }],
  ])('refuses %s with 403, running nothing', async (_what, headers) => {
    const fixed: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(headers)) {
      fixed[k] = v?.replace(String(PORT_PLACEHOLDER + 1), String(server.port + 1)).replace(String(PORT_PLACEHOLDER), String(server.port)).replace('SECRET', secret);
    }
    const records = auditCount();
    const lookups = engineCalls;
    expect(await handshake(fixed)).toBe(403);
    expect(auditCount()).toBe(records);
    expect(engineCalls - lookups).toBe(1); // auditCount()'s own lookup
    expect(logs.at(-1)).toMatch(/^Strongroom: refused a bridge connection/);
    expect(logs.join('\n')).not.toContain(secret);
  });

  it('refuses other paths', async () => {
    expect(await handshake({}, '/bridge/x')).toBe(404);
    expect(await handshake({}, '/')).toBe(404);
  });

  it('gives the client a clear refusal for a wrong secret, a missing secret or a foreign Origin; nothing is dispatched', async () => {
    const records = auditCount();
    const wrong = await client({ secret: 'A'.repeat(43) }).listKeys({});
    expect(wrong).toMatchObject({ ok: false, error: { name: 'AccessDeniedException' } });
    const none = await client({ secret: null }).listKeys({});
    expect(none).toMatchObject({ ok: false, error: { name: 'AccessDeniedException', message: expect.stringContaining('#secret=') } });
    const foreign = await client({ origin: 'http://evil.example' }).createKey({});
    expect(foreign).toMatchObject({ ok: false, error: { name: 'AccessDeniedException' } });
    const noOrigin = await client({ origin: null }).createKey({});
    expect(noOrigin).toMatchObject({ ok: false, error: { name: 'AccessDeniedException' } });
    expect(auditCount()).toBe(records);
  });
});

describe('browser mode: the bridge', () => {
  it('has exactly the members of window.strongroom, generated from the operation list, frozen', () => {
    const bridge = client();
    expect(Object.keys(bridge).sort()).toEqual([...bridgeMemberNames()].sort());
    for (const name of bridgeMemberNames()) {
      expect(typeof (bridge as unknown as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('creates a key and round-trips bytes through Encrypt and Decrypt, with dates as Dates', async () => {
    const bridge = client();
    const created = value(await bridge.createKey({ Description: 'browser mode' }));
    expect(created.KeyMetadata.CreationDate).toBeInstanceOf(Date);
    const keyId = created.KeyMetadata.KeyId;
    const plaintext = new Uint8Array(randomBytes(300));
    const encrypted = value(await bridge.encrypt({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: { $bytes: 'not a tag', purpose: 'test' } }));
    expect(encrypted.CiphertextBlob).toBeInstanceOf(Uint8Array);
    expect(encrypted.KeyId).toContain(keyId);
    const decrypted = value(await bridge.decrypt({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { $bytes: 'not a tag', purpose: 'test' } }));
    expect(decrypted.Plaintext).toEqual(plaintext);
    // The context key that looks like a tag was the caller's data all along.
    const wrongContext = await bridge.decrypt({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { purpose: 'test' } });
    expect(wrongContext).toMatchObject({ ok: false, error: { name: 'InvalidCiphertextException' } });
  });

  it('answers an invalid input with ValidationException, and a value JSON cannot carry with SerializationException', async () => {
    const bridge = client();
    const keyId = value(await bridge.createKey({})).KeyMetadata.KeyId;
    const tooBig = await bridge.encrypt({ KeyId: keyId, Plaintext: new Uint8Array(5000) });
    expect(tooBig).toMatchObject({ ok: false, error: { name: 'ValidationException' } });
    const badJob = await bridge.encryptFiles({ FileIds: ['not-an-id'], KeyIds: [keyId] });
    expect(badJob).toMatchObject({ ok: false, error: { name: 'ValidationException' } });
    const nan = await bridge.listKeys({ Limit: Number.NaN });
    expect(nan).toMatchObject({ ok: false, error: { name: 'SerializationException' } });
  });

  it('refuses an unknown operation, a malformed message and a forged tag, and keeps the connection', async () => {
    const socket = await rawSocket();
    const records = auditCount();
    socket.send(stringifyMessage({ id: 7, op: 'DeleteEverything', input: {} }));
    expect(await socket.next()).toMatchObject({ id: 7, result: { ok: false, error: { name: 'ValidationException', message: expect.stringContaining('not an operation') } } });
    socket.send('{not json');
    expect(await socket.next()).toMatchObject({ id: null, result: { ok: false, error: { name: 'SerializationException' } } });
    socket.send(JSON.stringify({ id: 8, op: 'Encrypt', input: { KeyId: 'x', Plaintext: { $bytes: '***' } } }));
    expect(await socket.next()).toMatchObject({ id: null, result: { ok: false, error: { name: 'SerializationException' } } });
    socket.send(JSON.stringify({ op: 'ListKeys' }));
    expect(await socket.next()).toMatchObject({ id: null, result: { ok: false, error: { name: 'SerializationException' } } });
    socket.send(new Uint8Array([1, 2, 3]).buffer);
    expect(await socket.next()).toMatchObject({ id: null, result: { ok: false, error: { name: 'SerializationException' } } });
    // Still usable afterwards, and only the one real operation was audited.
    socket.send(stringifyMessage({ id: 9, op: 'ListAliases', input: {} }));
    expect(await socket.next()).toMatchObject({ id: 9, result: { ok: true } });
    // Only ListAliases ran: DeleteEverything is no operation, and the forged Encrypt never parsed.
    expect(auditCount() - records).toBe(1);
    socket.close();
  });

  it('describes itself as browser mode, and says the browser has no file dialog', async () => {
    const bridge = client();
    const settings = value(await bridge.getSettings());
    expect(settings).toMatchObject({ surface: 'browser', unlocked: true, dataDirectory: dataDir, endpoint: { running: false, url: null }, outputDirectory: outputDir });
    expect(await bridge.pickFiles()).toMatchObject({ ok: false, error: { name: 'UnsupportedOperationException', message: expect.stringContaining('type="file"') } });
    expect(await bridge.addFiles([])).toMatchObject({ ok: false, error: { name: 'ValidationException' } });
  });
});

describe('browser mode: audit export', () => {
  it('writes an export into the output folder under a free name, and says where it is', async () => {
    const bridge = client();
    const first = value(await bridge.exportAudit({ Layout: 'jsonl' }));
    const second = value(await bridge.exportAudit({ Layout: 'jsonl' }));
    if ('cancelled' in first || 'cancelled' in second) {
      throw new Error('browser mode never cancels an export');
    }
    expect(first.file.name).toMatch(/^strongroom-audit-\d{12}-\d{4}-\d{2}-\d{2}\.jsonl$/);
    expect(second.file.name).toBe(first.file.name.replace(/\.jsonl$/, ' (2).jsonl'));
    const written = readFileSync(join(server.outputDir, first.file.name));
    expect(createHash('sha256').update(written).digest('hex')).toBe(first.sha256);
    expect(value(await bridge.showInFolder({ FileId: first.file.fileId }))).toMatchObject({ location: server.outputDir });
    // The workspace imports what the export wrote.
    expect(value(await bridge.importAudit({ FileIds: [first.file.fileId] })).imported[0]).toMatchObject({ records: first.records, added: first.records });
  });
});

describe('browser mode: files', () => {
  it('uploads a dropped file in chunks, encrypts it into the output folder with progress, and decrypts it back', async () => {
    const bridge = client();
    const events: Array<FileProgress> = [];
    const unsubscribe = bridge.onFileProgress((p) => events.push(p));
    const keyId = value(await bridge.createKey({ Description: 'files' })).KeyMetadata.KeyId;
    const content = new Uint8Array(randomBytes(2 * 1024 * 1024 + 12345)); // three chunks
    const dropped = new File([content], 'report 2026.pdf', { type: 'application/pdf' });
    const [added] = value(await bridge.addFiles([dropped]));
    expect(added).toMatchObject({ name: 'report 2026.pdf', size: content.length, encrypted: false });
    expect(added?.fileId).toMatch(/^f-[0-9a-f]{16}$/);

    // The staging copy is private and complete.
    const [stagingDir] = readdirSync(stagingParent);
    expect(stagingDir).toMatch(/^strongroom-uploads-/);
    const stagingPath = join(stagingParent, stagingDir ?? '');
    expect(statSync(stagingPath).mode & 0o777).toBe(0o700);
    const [uploadDir] = readdirSync(stagingPath);
    const staged = join(stagingPath, uploadDir ?? '', 'report 2026.pdf');
    expect(statSync(staged).mode & 0o777).toBe(0o600);
    expect(readFileSync(staged).equals(Buffer.from(content))).toBe(true);

    const job = value(await bridge.encryptFiles({ FileIds: [added?.fileId ?? ''], KeyIds: [keyId], FrameLength: 65536 }));
    const done = await waitForJob(events, job.jobId);
    expect(done).toMatchObject({ state: 'done', name: 'report 2026.pdf', outputName: 'report 2026.pdf.strongroom', bytesDone: content.length });
    expect(events.some((e) => e.jobId === job.jobId && e.state === 'running' && e.bytesDone > 0 && e.bytesDone < content.length)).toBe(true);
    const encryptedPath = join(outputDir, 'report 2026.pdf.strongroom');
    expect(existsSync(encryptedPath)).toBe(true);
    expect(statSync(outputDir).mode & 0o777).toBe(0o700);

    // Show in folder: outputs only, and the page learns the output folder (the user's own setting).
    expect(value(await bridge.showInFolder({ FileId: done.outputId ?? '' }))).toEqual({ shown: true, location: outputDir });
    expect(shown.at(-1)).toBe(encryptedPath);
    expect(value(await bridge.showInFolder({ FileId: added?.fileId ?? '' }))).toEqual({ shown: false });
    expect(shown.at(-1)).toBe(encryptedPath);

    // Decrypt the output (an id the job gave) into the output folder, byte for byte.
    const back = value(await bridge.decryptFiles({ FileIds: [done.outputId ?? ''] }));
    expect(await waitForJob(events, back.jobId)).toMatchObject({ state: 'done', outputName: 'report 2026.pdf' });
    expect(readFileSync(join(outputDir, 'report 2026.pdf')).equals(Buffer.from(content))).toBe(true);

    // The same file again: the existing output is never written over; the second copy gets a free name.
    const first = readFileSync(encryptedPath);
    const again = value(await bridge.encryptFiles({ FileIds: [added?.fileId ?? ''], KeyIds: [keyId] }));
    expect(await waitForJob(events, again.jobId)).toMatchObject({ state: 'done', outputName: 'report 2026.pdf (2).strongroom' });
    expect(readFileSync(encryptedPath).equals(first)).toBe(true);
    // A job that fails (the staged plaintext is not an encrypted file) names no staging path.
    const failed = await waitForJob(events, value(await bridge.decryptFiles({ FileIds: [added?.fileId ?? ''] })).jobId);
    expect(failed).toMatchObject({ state: 'failed', error: { name: expect.stringMatching(/Exception$/) as unknown } });
    expect(failed.error?.message).not.toContain(stagingParent);
    unsubscribe();
  });

  it('uploads an encrypted file (recognized as such) and an empty one, keeping odd names readable', async () => {
    const bridge = client();
    const result = value(
      await bridge.addFiles([new File([], 'empty.txt'), new File([new Uint8Array([0x02, 0x05])], 'x.strongroom'), new File(['hello'], 'a/../b\\c.txt')]),
    );
    expect(result.map((f: AddedFile) => [f.name, f.size, f.encrypted])).toEqual([
      ['empty.txt', 0, false],
      ['x.strongroom', 2, true],
      ['a/../b\\c.txt', 5, false],
    ]);
    expect(stagingName('a/../b\\c.txt', 'linux')).toBe('a_.._b_c.txt');
    expect(stagingName('con:x?.txt. ', 'win32')).toBe('con_x_.txt');
    expect(stagingName('NUL.txt', 'win32')).toBe('_NUL.txt');
    expect(stagingName('NUL.txt', 'linux')).toBe('NUL.txt');
    expect(() => stagingName('..', 'linux')).toThrow(/cannot be used/);
    expect(() => stagingName('é'.repeat(200), 'linux')).toThrow(/longer than 255 bytes/);
    expect(await bridge.addFiles([new File(['x'], '..')])).toMatchObject({ ok: false, error: { name: 'ValidationException' } });
  });

  it('refuses an upload that sends more or fewer bytes than it announced, and removes its staging copy', async () => {
    const socket = await rawSocket();
    const staging = join(stagingParent, readdirSync(stagingParent)[0] ?? '');
    const before = readdirSync(staging).length;

    socket.send(stringifyMessage({ id: 1, op: UPLOAD_BEGIN, input: { Name: 'short.bin', Size: 10 } }));
    const begun = (await socket.next()) as { result: { value: { UploadId: string } } };
    const shortId = begun.result.value.UploadId;
    const frame = (id: number, uploadId: string, bytes: number): ArrayBuffer => {
      const out = new Uint8Array(22 + bytes);
      out.set(chunkHeader(id, uploadId));
      return out.buffer;
    };
    socket.send(frame(2, shortId, 4));
    expect(await socket.next()).toEqual({ id: 2, result: { ok: true, value: { Received: 4 } } });
    socket.send(stringifyMessage({ id: 3, op: UPLOAD_FINISH, input: { UploadId: shortId } }));
    expect(await socket.next()).toMatchObject({ id: 3, result: { ok: false, error: { name: 'ValidationException', message: expect.stringContaining('4 of its 10 bytes') } } });

    socket.send(stringifyMessage({ id: 4, op: UPLOAD_BEGIN, input: { Name: 'long.bin', Size: 3 } }));
    const longId = ((await socket.next()) as { result: { value: { UploadId: string } } }).result.value.UploadId;
    socket.send(frame(5, longId, 4));
    expect(await socket.next()).toMatchObject({ id: 5, result: { ok: false, error: { name: 'ValidationException', message: expect.stringContaining('more than the 3 bytes') } } });
    socket.send(frame(6, longId, 1));
    expect(await socket.next()).toMatchObject({ id: 6, result: { ok: false, error: { name: 'NotFoundException' } } });

    socket.send(stringifyMessage({ id: 7, op: UPLOAD_BEGIN, input: { Name: 'x', Size: -1 } }));
    expect(await socket.next()).toMatchObject({ id: 7, result: { ok: false, error: { name: 'ValidationException' } } });
    expect(readdirSync(staging).length).toBe(before);

    // A connection that goes away mid-upload leaves nothing behind.
    socket.send(stringifyMessage({ id: 8, op: UPLOAD_BEGIN, input: { Name: 'half.bin', Size: 100 } }));
    await socket.next();
    expect(readdirSync(staging).length).toBe(before + 1);
    socket.close();
    await until(() => readdirSync(staging).length === before);
  });

  it('writes chunks in order even from a client that does not wait for acknowledgements (the socket is paused, not buffered without end)', async () => {
    const socket = await rawSocket();
    const chunks = 20;
    const size = chunks * 1024 * 1024;
    socket.send(stringifyMessage({ id: 1, op: UPLOAD_BEGIN, input: { Name: 'flood.bin', Size: size } }));
    const uploadId = ((await socket.next()) as { result: { value: { UploadId: string } } }).result.value.UploadId;
    for (let i = 0; i < chunks; i++) {
      const frame = new Uint8Array(22 + 1024 * 1024).fill(i);
      frame.set(chunkHeader(100 + i, uploadId));
      socket.send(frame.buffer);
    }
    for (let i = 0; i < chunks; i++) {
      expect(await socket.next()).toEqual({ id: 100 + i, result: { ok: true, value: { Received: (i + 1) * 1024 * 1024 } } });
    }
    socket.send(stringifyMessage({ id: 2, op: UPLOAD_FINISH, input: { UploadId: uploadId } }));
    const added = (await socket.next()) as { result: { ok: boolean; value: AddedFile } };
    expect(added.result.value).toMatchObject({ name: 'flood.bin', size, encrypted: false });
    const staging = join(stagingParent, readdirSync(stagingParent)[0] ?? '', uploadId, 'flood.bin');
    const written = readFileSync(staging);
    for (let i = 0; i < chunks; i++) {
      expect(written[i * 1024 * 1024], `chunk ${i}`).toBe(i);
    }
    socket.close();
  });
});

describe('browser mode: the page’s secret', () => {
  const page = (hash: string, store: Map<string, string>) => {
    const replaced: Array<string> = [];
    return {
      replaced,
      page: {
        location: { hash, pathname: '/', search: '' },
        history: { state: null, replaceState: (_s: unknown, _t: string, url?: string | URL | null) => void replaced.push(String(url)) },
        storage: () => ({ getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) }),
      },
    };
  };

  it('takes it from the fragment, keeps it for reloads and clears the address bar for the router', () => {
    const store = new Map<string, string>();
    const s = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJK-_0123';
    const first = page(`#secret=${s}`, store);
    expect(takeSecretFromPage(first.page)).toBe(s);
    expect(first.replaced).toEqual(['/']);
    expect(store.get(SECRET_STORAGE_KEY)).toBe(s);
    const reload = page('#/keys', store);
    expect(takeSecretFromPage(reload.page)).toBe(s);
    expect(reload.replaced).toEqual([]);
    expect(takeSecretFromPage(page('#secret=short', new Map()).page)).toBeNull();
    expect(takeSecretFromPage({ location: { hash: '', pathname: '/', search: '' }, storage: () => { throw new Error('storage disabled'); } })).toBeNull();
  });
});

describe('browser mode: closing', () => {
  it('ends connections (waiting calls resolve with an error), refuses new ones and removes the staging folder', async () => {
    const other = await startBrowserServer({ dataDir, rendererDir, host, outputDir, stagingParent, log: () => {}, showInFolder: async () => false });
    const otherSecret = new URL(other.url).hash.replace(/^#secret=/, '');
    const made = createBrowserBridge({ url: `ws://127.0.0.1:${other.port}/bridge`, secret: otherSecret, connect: socketFrom(`http://127.0.0.1:${other.port}`) });
    expect(value(await made.bridge.addFiles([new File(['hello'], 'hello.txt')]))).toHaveLength(1);
    const staging = readdirSync(stagingParent).filter((d) => d.startsWith('strongroom-uploads-'));
    expect(staging.length).toBe(2);
    await other.close();
    expect(readdirSync(stagingParent).filter((d) => d.startsWith('strongroom-uploads-')).length).toBe(1);
    const after = await made.bridge.listKeys({});
    expect(after).toMatchObject({ ok: false, error: { name: 'AccessDeniedException' } });
    made.close();
    expect(await made.bridge.listKeys({})).toMatchObject({ ok: false, error: { name: 'KMSInternalException', message: expect.stringContaining('reload') } });
  });

  it('rewrites only the CSP <meta>', () => {
    const html = '<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="connect-src &#39;none&#39;"><meta name="referrer" content="no-referrer">';
    expect(rewriteCspMeta(html, "connect-src ws://127.0.0.1:1")).toBe(
      '<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="connect-src ws://127.0.0.1:1"><meta name="referrer" content="no-referrer">',
    );
    expect(withConnectSrc("default-src 'none'", 'ws://x')).toBe("default-src 'none'; connect-src ws://x");
  });
});

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) {
      throw new Error('timed out waiting');
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function waitForJob(events: ReadonlyArray<FileProgress>, jobId: string): Promise<FileProgress> {
  const final = (e: FileProgress): boolean => e.jobId === jobId && (e.state === 'done' || e.state === 'failed' || e.state === 'cancelled');
  await until(() => events.some(final));
  const last = events.find(final);
  if (last === undefined) {
    throw new Error('no final event');
  }
  return last;
}
