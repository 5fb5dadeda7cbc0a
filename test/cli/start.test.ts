// What a CLI call loads: the prebuilt bundle (what ships) while it is current, as CommonJS only
// (no ES module, which would start Node's ES module loader), and for a plain KMS call neither the heavy packages (AWS SigV4, elliptic curves, PKCS#11, QR codes, BIP-39,
// WebSocket) nor the server, ceremony, backup, audit or file modules. Every module the process
// loads is recorded by a loader hook (test/support/record-loads.mjs), not guessed.
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliManifest } from '../../scripts/build-cli.ts';
import { deleteKeychainRootKey } from '../../electron/kms/rootkey/keychain.ts';
import { keychainRequired, probeKeychain } from '../rootkey/helpers.ts';
import { STRONGROOM_BIN, expectOk } from '../support/cli.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOOK = fileURLToPath(new URL('../support/record-loads.mjs', import.meta.url));
const MANIFEST = join(ROOT, 'out/cli/manifest.json');
const PASSPHRASE = 'start test passphrase';
const tempDir = tempDirsRemovedAfterAll();

const HEAVY_PACKAGES = ['@smithy/', '@noble/', 'pkcs11js', 'qrcode', 'pngjs', '@scure/bip39', 'shamir-secret-sharing', '/ws/', '@aws-sdk/', '@jmespath-community/'];
// Node's own modules that only some operations use (electron/kms/lazy-builtins.ts): ~10 ms a call.
const LAZY_BUILTINS = ['node:fs/promises', 'node:zlib', 'node:net', 'node:string_decoder', 'node:readline', 'node:child_process'];
// Modules of the CLI's other commands and the servers. (The engine itself still loads whole: its
// envelope and PKCS#11 modules come with it, their packages only on use.)
const LAZY_SOURCES = [/^electron\/server\//, /^electron\/cli\/(ceremony|backup|audit|files|export-key|ui|agent-server)/];

function bundleIsCurrent(): boolean {
  try {
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as CliManifest;
    return manifest.inputs.every((i) => {
      const s = statSync(join(ROOT, i.path));
      return s.size === i.size && s.mtimeMs === i.mtimeMs;
    });
  } catch {
    return false;
  }
}

type Loads = { code: number | null; stderr: string; stdout: string; loaded: Array<string>; esModules: Array<string> };

/** Runs a node command line with the recording hook; returns the URLs of every module loaded, and of those loaded as ES modules. */
function loadsOf(args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Loads {
  const record = join(tempDir('strongroom-loads-'), 'loads.txt');
  const r = spawnSync(process.execPath, ['--import', HOOK, ...args], { env: { ...process.env, ...env, STRONGROOM_RECORD_LOADS: record }, encoding: 'utf8' });
  const lines = readFileSync(record, 'utf8').split('\n').filter((l) => l !== '');
  const entries = lines.map((l) => ({ format: l.slice(0, l.indexOf(' ')), url: l.slice(l.indexOf(' ') + 1) }));
  return {
    code: r.status,
    stderr: r.stderr,
    stdout: r.stdout,
    loaded: entries.map((e) => e.url),
    esModules: entries.filter((e) => e.format.startsWith('module')).map((e) => e.url),
  };
}

/** The repository files behind the loaded modules: bundle chunks mapped back to their sources. */
function sourcesBehind(loaded: ReadonlyArray<string>, manifest: CliManifest | null): Array<string> {
  const out: Array<string> = [];
  for (const url of loaded) {
    if (!url.startsWith('file://')) {
      continue;
    }
    const path = fileURLToPath(url);
    if (!path.startsWith(ROOT) || path.includes('/node_modules/')) {
      continue;
    }
    const rel = path.slice(ROOT.length);
    if (rel.startsWith('out/cli/')) {
      out.push(...(manifest?.chunks[rel.slice('out/cli/'.length)] ?? [`unknown chunk ${rel}`]));
    } else {
      out.push(rel);
    }
  }
  return out;
}

let dataDir = '';
let manifest: CliManifest | null = null;

beforeAll(() => {
  // Tests cover what ships: the bundle `npm ci` builds. A source edited since then makes it
  // stale (bin.cjs would run the sources), so build it again here first.
  if (!bundleIsCurrent()) {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build-cli.ts')], { encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
  }
  manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as CliManifest;
  dataDir = join(tempDir('strongroom-start-'), 'data');
  const env = { STRONGROOM_DATA_DIR: dataDir, STRONGROOM_PASSPHRASE: PASSPHRASE };
  for (const args of [['init', '--root-key', 'passphrase'], ['create-key']]) {
    const r = spawnSync(process.execPath, [STRONGROOM_BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }
});

describe('CLI start', () => {
  it('the recorder sees a package when one is loaded, and an ES module as one (so the absence checks below can fail)', () => {
    const r = loadsOf(['--input-type=module', '-e', "await import('@noble/curves/nist.js'); await import('qrcode');"], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.loaded.some((u) => u.includes('/node_modules/@noble/curves/'))).toBe(true);
    expect(r.loaded.some((u) => u.includes('/node_modules/qrcode/'))).toBe(true);
    expect(r.esModules.some((u) => u.includes('/node_modules/@noble/curves/'))).toBe(true); // @noble is ES only
    expect(r.esModules.some((u) => u.includes('/node_modules/qrcode/'))).toBe(false); // qrcode is CommonJS
  });

  it.each<[string, NodeJS.ProcessEnv]>([
    ['the bundle', {}],
    ['the TypeScript sources', { STRONGROOM_CLI_SOURCE: '1' }],
  ])('list-keys from %s loads no heavy package and no module of another command', (_what, extraEnv) => {
    const r = loadsOf([STRONGROOM_BIN, 'list-keys'], { STRONGROOM_DATA_DIR: dataDir, STRONGROOM_PASSPHRASE: PASSPHRASE, ...extraEnv });
    expectOk({ ...r, json: () => JSON.parse(r.stdout) as Record<string, unknown> });
    const fromBundle = r.loaded.some((u) => u.endsWith('/out/cli/main.cjs'));
    expect(fromBundle).toBe(extraEnv.STRONGROOM_CLI_SOURCE === undefined);
    if (fromBundle) {
      expect(r.loaded.filter((u) => u.endsWith('.ts'))).toEqual([]); // nothing stripped at run time
      expect(r.esModules).toEqual([]); // CommonJS throughout: the ES module loader never starts
    }
    expect(r.loaded.filter((u) => HEAVY_PACKAGES.some((p) => u.includes(`/node_modules/${p.replace(/^\//, '')}`)))).toEqual([]);
    expect(r.loaded.filter((u) => LAZY_BUILTINS.includes(u))).toEqual([]);
    expect(r.loaded.filter((u) => u.includes('/node_modules/keytar/'))).toEqual([]); // a passphrase installation never touches the keychain
    const sources = sourcesBehind(r.loaded, manifest);
    expect(sources).toContain('electron/kms/engine.ts');
    expect(sources.filter((s) => LAZY_SOURCES.some((re) => re.test(s)))).toEqual([]);
  });

  it('encrypt-file and decrypt-file through the agent load the envelope code but not the engine', async () => {
    const runtime = tempDir('strongroom-start-run-');
    chmodSync(runtime, 0o700);
    const env = { STRONGROOM_DATA_DIR: dataDir, XDG_RUNTIME_DIR: runtime, STRONGROOM_AGENT: 'on' };
    const run = (args: ReadonlyArray<string>, extra: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [STRONGROOM_BIN, ...args], { env: { ...process.env, ...env, ...extra }, encoding: 'utf8' });
    try {
      const keyId = String((JSON.parse(run(['list-keys'], { STRONGROOM_PASSPHRASE: PASSPHRASE }).stdout) as { Keys: Array<{ KeyId: string }> }).Keys[0]?.KeyId);
      for (let i = 0; i < 100 && (JSON.parse(run(['agent', 'status']).stdout) as { Running: boolean }).Running !== true; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const plain = join(tempDir('strongroom-start-files-'), 'note.txt');
      writeFileSync(plain, 'through the agent');
      for (const args of [['encrypt-file', plain, '--key-id', keyId], ['decrypt-file', `${plain}.strongroom`, '--force']]) {
        const r = loadsOf([STRONGROOM_BIN, ...args], env); // no passphrase: only the agent can serve it
        expectOk({ ...r, json: () => JSON.parse(r.stdout) as Record<string, unknown> });
        const sources = sourcesBehind(r.loaded, manifest);
        expect(sources).toEqual(expect.arrayContaining(['electron/cli/files.ts', 'electron/kms/envelope/file-pipeline.ts']));
        expect(sources).not.toContain('electron/kms/engine.ts');
        expect(r.loaded.filter((u) => u.includes('/node_modules/better-sqlite3/'))).toEqual([]);
      }
      expect(readFileSync(plain, 'utf8')).toBe('through the agent');
    } finally {
      run(['agent', 'stop']);
    }
  });

  it.each<[string, NodeJS.ProcessEnv]>([
    ['the bundle', {}],
    ['the TypeScript sources', { STRONGROOM_CLI_SOURCE: '1' }],
  ])('--query loads the JMESPath library, only then (from %s), and as CommonJS from the bundle', (_what, extraEnv) => {
    const r = loadsOf([STRONGROOM_BIN, 'list-keys', '--query', 'length(Keys)'], { STRONGROOM_DATA_DIR: dataDir, STRONGROOM_PASSPHRASE: PASSPHRASE, ...extraEnv });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('1\n');
    expect(r.loaded.some((u) => u.includes('/node_modules/@jmespath-community/jmespath/'))).toBe(true);
    if (extraEnv.STRONGROOM_CLI_SOURCE === undefined) {
      expect(r.esModules).toEqual([]);
    }
  });

  it('help (an operation’s, a local command’s, a mistyped command’s) never loads the engine', () => {
    for (const args of [['help', 'encrypt'], ['audit', 'query', '--help'], ['encrypt-file', '-h'], ['lsit-keys']]) {
      const r = loadsOf([STRONGROOM_BIN, ...args], { STRONGROOM_DATA_DIR: dataDir });
      expect(r.code, r.stderr).toBe(args[0] === 'lsit-keys' ? 2 : 0);
      expect(sourcesBehind(r.loaded, manifest), args.join(' ')).not.toContain('electron/kms/engine.ts');
    }
  });

  it('a command loads what it needs when it runs: serve loads the endpoint and SigV4', () => {
    const r = loadsOf([STRONGROOM_BIN, 'serve', '--port', 'x'], { STRONGROOM_DATA_DIR: dataDir });
    expect(r.code).toBe(2);
    // SigV4 is the endpoint's own canonicaliser since issue 19 (D10), no longer @smithy's signer.
    expect(sourcesBehind(r.loaded, manifest)).toEqual(expect.arrayContaining(['electron/server/endpoint.ts', 'electron/server/sigv4.ts']));
  });

  it('the bundle finds the files its sources find next to them (import.meta.url stands for the chunk in out/cli/)', () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const extraEnv of [{}, { STRONGROOM_CLI_SOURCE: '1' }]) {
      const r = loadsOf([STRONGROOM_BIN, '--version'], extraEnv);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(`strongroom ${version}`);
      expect(r.loaded.some((u) => u.endsWith('/out/cli/main.cjs'))).toBe(!('STRONGROOM_CLI_SOURCE' in extraEnv));
    }
  });
});

// Where a keychain is promised (CI, `npm test`) this fails rather than skips, as test/cli/e2e.test.ts.
const keychainProblem = await probeKeychain();
describe.skipIf(keychainProblem !== null && !keychainRequired)('CLI start, keychain installation', () => {
  const installationIds: Array<string> = [];
  afterAll(async () => {
    for (const id of installationIds) {
      await deleteKeychainRootKey(id);
    }
  });

  it('list-keys opens the keychain session before it loads the engine (the two overlap)', () => {
    const env = { STRONGROOM_DATA_DIR: join(tempDir('strongroom-start-kc-'), 'data'), STRONGROOM_AGENT: 'off' };
    for (const args of [['init'], ['create-key']]) {
      const r = spawnSync(process.execPath, [STRONGROOM_BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      if (args[0] === 'init') {
        installationIds.push(String((JSON.parse(r.stdout) as { InstallationId: string }).InstallationId));
      }
    }
    const r = loadsOf([STRONGROOM_BIN, 'list-keys'], env);
    expectOk({ ...r, json: () => JSON.parse(r.stdout) as Record<string, unknown> });
    const keytar = r.loaded.findIndex((u) => u.includes('/node_modules/keytar/'));
    const engine = r.loaded.findIndex((u) => sourcesBehind([u], manifest).includes('electron/kms/engine.ts'));
    expect(keytar).toBeGreaterThanOrEqual(0);
    expect(engine).toBeGreaterThanOrEqual(0);
    expect(keytar).toBeLessThan(engine);
  });
});
