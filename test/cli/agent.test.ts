// The unlock agent of a passphrase installation (D30), with real processes: a CLI call that
// unlocks starts it; later calls without the passphrase go through it and are audited exactly as
// direct calls; what is not private is not used; a wrong secret is refused; it expires.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentPaths, decodeReply, type AgentReply } from '../../electron/cli/agent.ts';
import { cli, expectOk, STRONGROOM_BIN, type CliRun } from '../support/cli.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const PASSPHRASE = 'agent test passphrase';
const tempDir = tempDirsRemovedAfterAll();

type Setup = { dataDir: string; env: NodeJS.ProcessEnv };
const running: Array<Setup> = [];

/** A passphrase installation with one key, and an env whose calls may start and use an agent. */
function installation(extraEnv: NodeJS.ProcessEnv = {}): Setup & { keyId: string } {
  const dataDir = join(tempDir('strongroom-agent-'), 'data');
  const runtime = tempDir('strongroom-agent-run-');
  chmodSync(runtime, 0o700);
  const env = { XDG_RUNTIME_DIR: runtime, STRONGROOM_AGENT: 'on', ...extraEnv };
  expectOk(cli(dataDir, ['init', '--root-key', 'passphrase'], { env: { ...env, STRONGROOM_PASSPHRASE: PASSPHRASE } }));
  const setup = { dataDir, env };
  running.push(setup);
  // CreateKey unlocks with the passphrase: this direct call starts the agent.
  const keyId = String((expectOk(cli(dataDir, ['create-key'], { env: { ...env, STRONGROOM_PASSPHRASE: PASSPHRASE } })).KeyMetadata as { KeyId: string }).KeyId);
  return { ...setup, keyId };
}

async function agentRunning(s: Setup, want = true): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((expectOk(cli(s.dataDir, ['agent', 'status'], { env: s.env })).Running === true) === want) {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the agent did not ${want ? 'start' : 'stop'} within 10 s`);
}

const withoutPassphrase = (s: Setup, args: ReadonlyArray<string>): CliRun => cli(s.dataDir, args, { env: s.env });

function rawRequest(socketPath: string, line: string): Promise<AgentReply | null> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(data === '' ? null : decodeReply(data.split('\n')[0] ?? '')));
    socket.write(`${line}\n`);
  });
}

afterEach(() => {
  for (const s of running.splice(0)) {
    cli(s.dataDir, ['agent', 'stop'], { env: s.env });
  }
});

describe('the unlock agent of a passphrase installation', () => {
  it('serves later calls without the passphrase, audited exactly as the direct call', async () => {
    const s = installation();
    await agentRunning(s);
    const direct = expectOk(cli(s.dataDir, ['describe-key', '--key-id', s.keyId], { env: { ...s.env, STRONGROOM_AGENT: 'off', STRONGROOM_PASSPHRASE: PASSPHRASE } }));
    const viaAgent = expectOk(withoutPassphrase(s, ['describe-key', '--key-id', s.keyId]));
    expect(viaAgent).toEqual(direct); // dates printed alike: they crossed the socket as dates
    // Bytes cross as bytes: the blobs print as base64 and round-trip through the direct path.
    const sealed = expectOk(withoutPassphrase(s, ['encrypt', '--key-id', s.keyId, '--plaintext', 'aGVsbG8gYWdlbnQ=']));
    expect(sealed.CiphertextBlob).toEqual(expect.stringMatching(/^[A-Za-z0-9+/]+=*$/));
    const opened = expectOk(cli(s.dataDir, ['decrypt', '--ciphertext-blob', String(sealed.CiphertextBlob)], { env: { ...s.env, STRONGROOM_AGENT: 'off', STRONGROOM_PASSPHRASE: PASSPHRASE } }));
    expect(opened.Plaintext).toBe('aGVsbG8gYWdlbnQ=');
    expect(expectOk(withoutPassphrase(s, ['decrypt', '--ciphertext-blob', String(sealed.CiphertextBlob)])).Plaintext).toBe('aGVsbG8gYWdlbnQ=');
    // The same call without an agent fails: the agent is what served it.
    expect(cli(s.dataDir, ['describe-key', '--key-id', s.keyId], { env: { ...s.env, STRONGROOM_AGENT: 'off' } }).stderr).toMatch(/RootKeyUnavailable/);

    const records = (expectOk(withoutPassphrase(s, ['audit', 'list', '--event-name', 'DescribeKey'])).Records as Array<{ Record: Record<string, unknown> }>).map((r) => r.Record);
    expect(records).toHaveLength(2); // one each: the agent call and the direct one; the refused call never opened
    const [agentRecord, directRecord] = records;
    const same = (r: Record<string, unknown> | undefined) => {
      const { eventID: _e, requestID: _r, eventTime: _t, ...rest } = r ?? {};
      return rest;
    };
    expect(same(agentRecord)).toEqual(same(directRecord));
    expect(agentRecord?.userAgent).toMatch(/^strongroom-cli\//);

    // Errors come back as the direct call reports them.
    const missing = withoutPassphrase(s, ['describe-key', '--key-id', 'alias/none']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^An error occurred \(NotFoundException\) when calling the DescribeKey operation: /);
    const nobody = withoutPassphrase(s, ['list-aliases', '--as', 'nobody']);
    expect(nobody.stderr).toMatch(/^An error occurred \(NotFoundException\) when calling the ListAliases operation: .*nobody/);
  });

  it('serves encrypt-file and decrypt-file without the passphrase (no KDF per file), as the same audited calls', async () => {
    const s = installation();
    await agentRunning(s);
    const dir = tempDir('strongroom-agent-files-');
    const plain = join(dir, 'note.txt');
    writeFileSync(plain, 'a file the agent keys\n'.repeat(1000));
    const sealed = expectOk(withoutPassphrase(s, ['encrypt-file', plain, '--key-id', s.keyId, '--encryption-context', 'purpose=agent']));
    expect((sealed.Files as Array<{ Status: string }>)[0]?.Status).toBe('Encrypted');
    rmSync(plain);
    // Read back without the agent, with the passphrase: the agent's file is an ordinary message.
    const direct = expectOk(cli(s.dataDir, ['decrypt-file', `${plain}.strongroom`], { env: { ...s.env, STRONGROOM_AGENT: 'off', STRONGROOM_PASSPHRASE: PASSPHRASE } }));
    expect((direct.Files as Array<{ EncryptionContext: unknown }>)[0]?.EncryptionContext).toEqual({ purpose: 'agent' });
    expect(readFileSync(plain, 'utf8')).toBe('a file the agent keys\n'.repeat(1000));
    rmSync(plain);
    // And through the agent again; a key another installation would name is refused as the direct call refuses it.
    expectOk(withoutPassphrase(s, ['decrypt-file', `${plain}.strongroom`]));
    expect(readFileSync(plain, 'utf8')).toBe('a file the agent keys\n'.repeat(1000));
    const refused = withoutPassphrase(s, ['encrypt-file', plain, '--key-id', 'alias/none', '--force']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\(NotFoundException\)/);

    const audited = (name: string) =>
      (expectOk(withoutPassphrase(s, ['audit', 'list', '--event-name', name])).Records as Array<{ Record: { userAgent?: string; errorCode?: string } }>).map((r) => r.Record);
    expect(audited('GenerateDataKey').map((r) => r.errorCode ?? 'ok').sort()).toEqual(['NotFoundException', 'ok']);
    expect(audited('Decrypt')).toHaveLength(2);
    expect(audited('GenerateDataKey').every((r) => /^strongroom-cli\//.test(r.userAgent ?? ''))).toBe(true);
  });

  it('keeps its folder, socket and secret private, refuses a wrong secret, and is not used when anything is not private', async () => {
    const s = installation();
    await agentRunning(s);
    const paths = agentPaths(s.dataDir, s.env);
    expect(statSync(paths.dir).mode & 0o777).toBe(0o700);
    expect(statSync(paths.socket).mode & 0o777).toBe(0o600);
    expect(statSync(paths.secret).mode & 0o777).toBe(0o600);

    const refused = await rawRequest(paths.socket, JSON.stringify({ secret: 'not the secret', operation: 'ListKeys', input: {} }));
    expect(refused).toEqual({ error: expect.objectContaining({ kind: 'refused', name: 'AgentRefused' }) });
    expect(withoutPassphrase(s, ['list-keys']).code).toBe(0); // still serving the right secret

    chmodSync(paths.secret, 0o644);
    expect(withoutPassphrase(s, ['list-keys']).stderr).toMatch(/RootKeyUnavailable/);
    chmodSync(paths.secret, 0o600);
    chmodSync(paths.dir, 0o755);
    expect(withoutPassphrase(s, ['list-keys']).stderr).toMatch(/RootKeyUnavailable/);
    chmodSync(paths.dir, 0o700);
    expect(withoutPassphrase(s, ['list-keys']).code).toBe(0);
  });

  it('expires after the idle time, and stops on `agent stop`', async () => {
    const s = installation({ STRONGROOM_AGENT_IDLE_SECONDS: '1' });
    await agentRunning(s);
    await agentRunning(s, false);
    const paths = agentPaths(s.dataDir, s.env);
    expect(existsSync(paths.socket)).toBe(false);
    expect(existsSync(paths.secret)).toBe(false);
    expect(withoutPassphrase(s, ['list-keys']).stderr).toMatch(/RootKeyUnavailable/);

    const t = installation();
    await agentRunning(t);
    expect(expectOk(cli(t.dataDir, ['agent', 'stop'], { env: t.env }))).toEqual({ Stopped: true });
    await agentRunning(t, false);
    expect(withoutPassphrase(t, ['list-keys']).stderr).toMatch(/RootKeyUnavailable/);
  });

  it('runs once per installation however many first calls start one at the same moment', async () => {
    const s = installation();
    await agentRunning(s);
    expectOk(cli(s.dataDir, ['agent', 'stop'], { env: s.env }));
    await agentRunning(s, false);
    // Three agents started together, as three first calls that unlocked at once would start them.
    const agents = Array.from({ length: 3 }, () => {
      const child = spawn(process.execPath, [STRONGROOM_BIN, 'agent', 'run', '--data-dir', s.dataDir], { stdio: ['pipe', 'ignore', 'ignore'], env: { ...process.env, ...s.env } });
      child.stdin.end(PASSPHRASE);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      return { child, exited };
    });
    await agentRunning(s);
    const settled = await Promise.all(agents.map((a) => Promise.race([a.exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('running'), 3000))])));
    expect(settled.filter((x) => x === 'running')).toHaveLength(1);
    expect(withoutPassphrase(s, ['list-keys']).code).toBe(0);
    expect(expectOk(cli(s.dataDir, ['agent', 'stop'], { env: s.env }))).toEqual({ Stopped: true });
    await Promise.all(agents.map((a) => a.exited));
    const paths = agentPaths(s.dataDir, s.env);
    expect([paths.socket, paths.secret, paths.lock].filter((f) => existsSync(f))).toEqual([]);
  });

  it('is not started with STRONGROOM_AGENT=off', async () => {
    const s = installation({ STRONGROOM_AGENT: 'off' });
    await new Promise((r) => setTimeout(r, 1500)); // time enough for a started agent to listen
    expect(existsSync(agentPaths(s.dataDir, s.env).socket)).toBe(false);
    expect(expectOk(cli(s.dataDir, ['agent', 'status'], { env: s.env }))).toEqual({ Running: false });
  });
});

describe('the agent of a keychain installation', () => {
  it('is started by the first call by default, and serves later calls even when the keychain cannot be reached', async () => {
    const dataDir = join(tempDir('strongroom-agent-kc-'), 'data');
    const runtime = tempDir('strongroom-agent-kc-run-');
    chmodSync(runtime, 0o700);
    // STRONGROOM_AGENT unset (the test runner sets it to off for every other test).
    const env = { XDG_RUNTIME_DIR: runtime, STRONGROOM_AGENT: '' };
    expectOk(cli(dataDir, ['init'], { env }));
    const s = { dataDir, env };
    running.push(s);
    const keyId = String((expectOk(cli(dataDir, ['create-key'], { env })).KeyMetadata as { KeyId: string }).KeyId);
    await agentRunning(s);
    // No Secret Service for this call: only the agent, which unlocked at its start, can answer it.
    const noKeychain = { ...env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/strongroom-test-bus' };
    expect(expectOk(cli(dataDir, ['describe-key', '--key-id', keyId], { env: noKeychain })).KeyMetadata).toMatchObject({ KeyId: keyId });
    expect(cli(dataDir, ['describe-key', '--key-id', keyId], { env: { ...noKeychain, STRONGROOM_AGENT: 'off' } }).code).not.toBe(0);
  });
});
