// Section 7 of `npm run bench`: the CLI as a user runs it, a fresh Node process per call, against
// a bare `node -e ''` start measured in the same run, the cases alternating (A B C D A B C D …)
// so machine load falls on all of them alike; medians.
//
//   list-keys on a keychain installation           target ≤ 2.0 × node -e ''
//   encrypt 4 KB (fileb://) on a keychain one      target ≤ 2.5 × node -e ''
//     both as a user runs them (the session's first call started the installation's agent,
//     D30), and both with the agent off (every call opens the installation: a first call)
//   encrypt 4 KB, passphrase installation, a call after the unlock (through its agent)
//                                                  target ≤ 1.0 × the keychain encrypt
//
// The keychain installation needs a Secret Service. Without one, and with dbus-daemon and
// gnome-keyring-daemon installed, the bench starts a private, throwaway pair (as test/run.mjs
// does) for the CLI processes only; otherwise those lines are skipped with a note.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCliBundle } from './measure.ts';
import { atMost, type TargetRow } from './targets.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'electron/cli/bin.cjs');
const PASSPHRASE = 'benchmark passphrase';

type Case = { readonly label: string; readonly args: ReadonlyArray<string>; readonly env: NodeJS.ProcessEnv; readonly times: Array<number> };

function median(xs: ReadonlyArray<number>): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function run(c: Case): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.args, { env: c.env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${c.label}: ${r.stderr.trim()}`);
  }
  return ms;
}

function cli(env: NodeJS.ProcessEnv, args: ReadonlyArray<string>): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`strongroom ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  return r.stdout;
}

const secretServiceWorks = (env: NodeJS.ProcessEnv): boolean =>
  spawnSync('secret-tool', ['store', '--label', 'strongroom bench probe', 'service', 'strongroom-bench-probe', 'account', 'probe'], { env, input: 'x', timeout: 10_000 }).status === 0 &&
  spawnSync('secret-tool', ['clear', 'service', 'strongroom-bench-probe', 'account', 'probe'], { env, timeout: 10_000 }).status === 0;

/** A Secret Service for the CLI processes: the session's own, or a private throwaway one. */
async function secretService(): Promise<{ env: NodeJS.ProcessEnv; note: string; stop: () => void } | null> {
  if (secretServiceWorks(process.env)) {
    return { env: process.env, note: "the session's Secret Service", stop: () => {} };
  }
  const base = mkdtempSync(join(tmpdir(), 'strongroom-bench-keyring-'));
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: join(base, 'data'), XDG_RUNTIME_DIR: join(base, 'run') };
  mkdirSync(join(base, 'data'), { mode: 0o700 });
  mkdirSync(join(base, 'run'), { mode: 0o700 });
  const children: Array<ChildProcess> = [];
  const stop = (): void => {
    for (const c of children.reverse()) {
      c.kill('SIGTERM');
    }
    rmSync(base, { recursive: true, force: true });
  };
  try {
    const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(bus);
    bus.on('error', () => {});
    const address = await new Promise<string>((resolve, reject) => {
      let out = '';
      bus.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) {
          resolve(out.trim());
        }
      });
      bus.on('exit', () => reject(new Error('dbus-daemon exited')));
      bus.on('error', reject);
    });
    env.DBUS_SESSION_BUS_ADDRESS = address;
    const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(keyring);
    keyring.on('error', () => {});
    keyring.stdin?.end(randomBytes(18).toString('base64'));
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 250));
      if (secretServiceWorks(env)) {
        return { env, note: 'a private gnome-keyring started for the bench', stop };
      }
    }
  } catch {
    // Not installed or not startable: reported below.
  }
  stop();
  return null;
}

function installation(env: NodeJS.ProcessEnv, initArgs: ReadonlyArray<string>): { env: NodeJS.ProcessEnv; keyId: string; file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-bench-cli-'));
  const withDir = { ...env, STRONGROOM_DATA_DIR: dir };
  cli(withDir, ['init', ...initArgs]);
  const keyId = cli(withDir, ['create-key', '--query', 'KeyMetadata.KeyId', '--output', 'text']).trim();
  const file = join(dir, 'plain-4k.bin');
  writeFileSync(file, randomBytes(4096));
  return { env: withDir, keyId, file, dir };
}

const encryptArgs = (keyId: string, file: string): Array<string> => [BIN, 'encrypt', '--key-id', keyId, '--plaintext', `fileb://${file}`, '--query', 'CiphertextBlob', '--output', 'text'];

async function agentStarted(env: NodeJS.ProcessEnv): Promise<void> {
  for (let i = 0; i < 100 && !(JSON.parse(cli(env, ['agent', 'status'])) as { Running: boolean }).Running; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function cliStartBench(runs: number): Promise<Array<TargetRow>> {
  const rows: Array<TargetRow> = [];
  await buildCliBundle();
  console.log(`\nCLI wall time as a user runs it: a fresh process per call, cases alternating, median of ${runs} runs`);
  const service = await secretService();
  if (service === null) {
    console.log('  No Secret Service, and none could be started (Debian: gnome-keyring dbus dbus-x11 libsecret-tools): keychain lines skipped.');
  } else {
    console.log(`  keychain: ${service.note}`);
  }
  const cleanup: Array<() => void> = [];
  try {
    const base = service?.env ?? process.env;
    const bare: Case = { label: "node -e ''", args: ['-e', ''], env: base, times: [] };
    const version: Case = { label: 'strongroom --version', args: [BIN, '--version'], env: base, times: [] };
    const cases: Array<Case> = [bare, version];
    let listKeys: Case | null = null;
    let encrypt: Case | null = null;
    let listKeysDirect: Case | null = null;
    let encryptDirect: Case | null = null;
    if (service !== null) {
      const kc = installation({ ...service.env, STRONGROOM_AGENT: 'off' }, []);
      const direct = kc.env;
      // As a user runs it (STRONGROOM_AGENT unset): the session's first call started the agent.
      const session = { ...kc.env };
      delete session.STRONGROOM_AGENT;
      cleanup.push(() => {
        spawnSync(process.execPath, [BIN, 'agent', 'stop'], { env: session });
        const id = (JSON.parse(cli(direct, ['status'])) as { InstallationId: string }).InstallationId;
        spawnSync('secret-tool', ['clear', 'service', 'Strongroom', 'account', `root-key:${id}`], { env: direct });
        rmSync(kc.dir, { recursive: true, force: true });
      });
      cli(session, ['list-keys']);
      await agentStarted(session);
      listKeys = { label: 'strongroom list-keys (keychain)', args: [BIN, 'list-keys'], env: session, times: [] };
      encrypt = { label: 'strongroom encrypt 4 KB (keychain)', args: encryptArgs(kc.keyId, kc.file), env: session, times: [] };
      listKeysDirect = { label: 'strongroom list-keys (keychain, no agent: a first call)', args: [BIN, 'list-keys'], env: direct, times: [] };
      encryptDirect = { label: 'strongroom encrypt 4 KB (keychain, no agent: a first call)', args: encryptArgs(kc.keyId, kc.file), env: direct, times: [] };
      cases.push(listKeys, encrypt, listKeysDirect, encryptDirect);
    }
    // The passphrase installation's calls after the unlock: the unlock (create-key) started its agent.
    const pp = installation({ ...base, STRONGROOM_PASSPHRASE: PASSPHRASE, STRONGROOM_AGENT: 'on', STRONGROOM_AGENT_IDLE_SECONDS: '120' }, ['--root-key', 'passphrase']);
    const ppEnv = { ...pp.env };
    delete ppEnv.STRONGROOM_PASSPHRASE;
    cleanup.push(() => {
      spawnSync(process.execPath, [BIN, 'agent', 'stop'], { env: ppEnv });
      rmSync(pp.dir, { recursive: true, force: true });
    });
    await agentStarted(ppEnv);
    const agentCall: Case = { label: 'strongroom encrypt 4 KB (passphrase, after the unlock)', args: encryptArgs(pp.keyId, pp.file), env: ppEnv, times: [] };
    const kdfCall: Case = { label: 'strongroom encrypt 4 KB (passphrase, STRONGROOM_AGENT=off)', args: encryptArgs(pp.keyId, pp.file), env: { ...pp.env, STRONGROOM_AGENT: 'off' }, times: [] };
    cases.push(agentCall, kdfCall);

    for (const c of cases) {
      run(c); // warm-up: page cache and compile cache
    }
    for (let i = 0; i < runs; i++) {
      for (const c of cases) {
        c.times.push(run(c));
      }
    }
    const node = median(bare.times);
    const line = (c: Case, ratio: string): void => console.log(`  ${c.label.padEnd(58)} ${median(c.times).toFixed(0).padStart(6)} ms  ${ratio}`);
    line(bare, '(baseline)');
    line(version, `${(median(version.times) / node).toFixed(2)} × node`);
    const verdict = (r: number, target: number, of: string, label?: string): string => {
      if (label !== undefined) {
        rows.push(atMost(label, r, `× ${of}`, target));
      }
      return `${r.toFixed(2)} × ${of} (target ≤ ${target.toFixed(1)} ×: ${r <= target ? 'met' : 'NOT met'})`;
    };
    if (listKeys !== null && encrypt !== null && listKeysDirect !== null && encryptDirect !== null) {
      line(listKeys, verdict(median(listKeys.times) / node, 2.0, 'node', 'CLI list-keys, keychain (agent)'));
      line(encrypt, verdict(median(encrypt.times) / node, 2.5, 'node', 'CLI encrypt 4 KB, keychain (agent)'));
      line(listKeysDirect, verdict(median(listKeysDirect.times) / node, 2.0, 'node', 'CLI list-keys, keychain, first call (no agent)'));
      line(encryptDirect, verdict(median(encryptDirect.times) / node, 2.5, 'node', 'CLI encrypt 4 KB, keychain, first call (no agent)'));
      line(agentCall, `${verdict(median(agentCall.times) / median(encrypt.times), 1.0, 'the keychain encrypt', 'CLI encrypt, passphrase after unlock')}; ${(median(agentCall.times) / median(encryptDirect.times)).toFixed(2)} × its first call`);
    } else {
      line(agentCall, `${(median(agentCall.times) / node).toFixed(2)} × node`);
    }
    line(kdfCall, `${(median(kdfCall.times) / node).toFixed(2)} × node (scrypt on every call, by design of that setting)`);
  } finally {
    for (const c of cleanup) {
      c();
    }
    service?.stop();
  }
  return rows;
}
