// encrypt-file with no key named uses the managed default key of file encryption,
// alias/aws/strongroom-files: made on first use (KeyManager AWS), used through the files service
// (kms:ViaService strongroom-files.<region>.amazonaws.com, records invokedBy the service), and
// refused to anyone calling KMS with it directly — with and without the unlock agent.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAgent } from '../../electron/cli/agent.ts';
import { cli, expectOk } from '../support/cli.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const tempDir = tempDirsRemovedAfterAll();
const env = { STRONGROOM_PASSPHRASE: 'files managed key test passphrase' };

describe('encrypt-file without --key-id', () => {
  let dir: string;
  const run = (...args: Array<string>) => cli(dir, args, { env });

  beforeAll(() => {
    dir = tempDir('strongroom-cli-files-managed-');
    expectOk(run('init', '--root-key', 'passphrase', '--account-id', '111122223333'), { allowStderr: true });
  });
  afterAll(() => undefined);

  it('seals under alias/aws/strongroom-files through the files service and opens again', () => {
    const file = join(dir, 'note.txt');
    writeFileSync(file, 'a file under the managed key');
    const sealed = expectOk(run('encrypt-file', file));
    const outcome = (sealed.Files as Array<Record<string, unknown>> | undefined)?.[0] ?? sealed;
    const key = expectOk(run('describe-key', '--key-id', 'alias/aws/strongroom-files')).KeyMetadata as Record<string, unknown>;
    expect(key).toMatchObject({ KeyManager: 'AWS', KeyState: 'Enabled' });
    expect(JSON.stringify(outcome)).toContain(String(key.Arn));

    writeFileSync(file, 'overwritten');
    expectOk(run('decrypt-file', `${file}.strongroom`, '--output-dir', tempDir('strongroom-cli-files-out-')), { allowStderr: true });

    const records = (name: string) =>
      (expectOk(run('audit', 'list', '--event-name', name)).Records as Array<{ Record: { userIdentity: { invokedBy?: string }; sourceIPAddress: string; errorCode?: string } }>).map((r) => r.Record);
    expect(records('GenerateDataKey').map((r) => r.userIdentity.invokedBy)).toEqual(['strongroom-files.amazonaws.com']);
    expect(records('Decrypt').filter((r) => r.errorCode === undefined).map((r) => r.sourceIPAddress)).toEqual(['strongroom-files.amazonaws.com']);

    // Directly, not through file encryption, nobody may use it — not even the owner.
    const direct = run('generate-data-key', '--key-id', 'alias/aws/strongroom-files', '--key-spec', 'AES_256');
    expect(direct.code).toBe(1);
    expect(direct.stderr).toContain('(AccessDeniedException)');
  });

  it('decrypts what it sealed (the round trip, by content)', () => {
    const file = join(dir, 'again.txt');
    writeFileSync(file, 'round trip under the managed key');
    expectOk(run('encrypt-file', file));
    const out = tempDir('strongroom-cli-files-out2-');
    expectOk(run('decrypt-file', `${file}.strongroom`, '--output-dir', out), { allowStderr: true });
    expect(readFileSync(join(out, 'again.txt'), 'utf8')).toBe('round trip under the managed key');
  });
});

describe('encrypt-file without --key-id through the unlock agent', () => {
  it('seals and opens through the agent, which calls through the files service only', async () => {
    const dir = join(tempDir('strongroom-cli-files-agent-'), 'data');
    const runtime = tempDir('strongroom-cli-files-agent-run-');
    chmodSync(runtime, 0o700);
    const agentEnv = { XDG_RUNTIME_DIR: runtime, STRONGROOM_AGENT: 'on' };
    const withPass = { ...agentEnv, ...env };
    expectOk(cli(dir, ['init', '--root-key', 'passphrase'], { env: withPass }), { allowStderr: true });
    try {
      // A direct call unlocks and starts the agent; the file commands below have no passphrase.
      expectOk(cli(dir, ['list-keys'], { env: withPass }));
      let running = false;
      for (let i = 0; i < 100 && !running; i++) {
        running = expectOk(cli(dir, ['agent', 'status'], { env: agentEnv })).Running === true;
        if (!running) {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(running).toBe(true);
      const file = join(tempDir('strongroom-cli-files-agent-in-'), 'via-agent.txt');
      writeFileSync(file, 'sealed through the agent');
      expectOk(cli(dir, ['encrypt-file', file], { env: { ...agentEnv, STRONGROOM_PASSPHRASE: '' } }));
      const out = tempDir('strongroom-cli-files-agent-out-');
      expectOk(cli(dir, ['decrypt-file', `${file}.strongroom`, '--output-dir', out], { env: { ...agentEnv, STRONGROOM_PASSPHRASE: '' } }), { allowStderr: true });
      expect(readFileSync(join(out, 'via-agent.txt'), 'utf8')).toBe('sealed through the agent');
      // The agent calls through the files service only: a client claiming to be Secrets Manager is refused.
      const conn = await connectAgent(dir, { ...process.env, ...agentEnv });
      expect(conn).not.toBeNull();
      const claimed = await conn?.call('ListKeys', {}, undefined, 'secretsmanager');
      conn?.close();
      expect(claimed).toMatchObject({ error: { kind: 'refused', name: 'AgentRefused' } });
    } finally {
      cli(dir, ['agent', 'stop'], { env: agentEnv });
    }
  });
});
