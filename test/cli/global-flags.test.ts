// Global flags anywhere on the line, as the README says and `aws` users type them: before the
// command (`strongroom --data-dir D list-keys`), after it, and as `--flag=value`. The environment
// names a decoy data directory, so a command that ignored --data-dir would fail (or create it).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, type CliRun, expectOk, expectUsageError } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';

const env = { STRONGROOM_PASSPHRASE: 'global flags test passphrase' };

function deniedAsAlice(r: CliRun): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/^An error occurred \(AccessDeniedException\) when calling the DescribeKey operation: User: arn:aws:iam::\d{12}:user\/alice /);
}

describe('global flags anywhere on the line', () => {
  let work: string;
  let data: string;
  let decoy: string;
  let keyId: string;
  const run = (...args: Array<string>) => cli(decoy, args, { env, cwd: work });

  beforeAll(() => {
    work = tempDir('strongroom-cli-globals-');
    data = join(work, 'data');
    decoy = join(work, 'decoy');
    expectOk(run('--data-dir', data, 'init', '--root-key', 'passphrase'));
    keyId = String((expectOk(run(`--data-dir=${data}`, 'create-key', '--description', 'globals')) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId);
    expectOk(run('create-user', '--data-dir', data, '--user-name', 'alice'));
  });

  it('--data-dir before the command, after it, and as --data-dir=D', () => {
    for (const args of [['--data-dir', data, 'list-keys'], [`--data-dir=${data}`, 'list-keys'], ['list-keys', '--data-dir', data], ['list-keys', `--data-dir=${data}`]]) {
      const keys = (expectOk(run(...args)) as { Keys: Array<{ KeyId: string }> }).Keys;
      expect(keys.map((k) => k.KeyId), args.join(' ')).toEqual([keyId]);
    }
    expect(existsSync(decoy)).toBe(false);
  });

  it('--output and --query before the command, between its flags, and with =', () => {
    const text = run('--output', 'text', '--data-dir', data, 'describe-key', '--key-id', keyId, '--query', 'KeyMetadata.KeyId');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(`${keyId}\n`);
    const eq = run('--output=text', `--query=KeyMetadata.KeyState`, 'describe-key', `--data-dir=${data}`, '--key-id', keyId);
    expect(eq.code, eq.stderr).toBe(0);
    expect(eq.stdout).toBe('Enabled\n');
  });

  it('--as before the command runs the operation as that principal', () => {
    // alice has no identity policy and the default key policy trusts only the account: refused as alice, allowed as root.
    deniedAsAlice(run('--as', 'alice', '--data-dir', data, 'describe-key', '--key-id', keyId));
    deniedAsAlice(run('--as=alice', `--data-dir=${data}`, 'describe-key', '--key-id', keyId));
    expectOk(run('--as', 'root', '--data-dir', data, 'describe-key', '--key-id', keyId));
  });

  it('a command with a subcommand: --data-dir before `ceremony run` and `audit verify` reaches the command', () => {
    const ceremony = run('--data-dir', join(work, 'srv'), 'ceremony', 'run', '--plan', join(work, 'missing-plan.json'), '--out-dir', join(work, 'out'), '--yes');
    expect(ceremony.code).toBe(1);
    expect(ceremony.stderr).toMatch(/Cannot read the ceremony plan .*missing-plan\.json/);
    expect(expectOk(run('--data-dir', data, 'audit', 'verify'))).toMatchObject({ Intact: true });
  });

  it('files after a global flag are still files', () => {
    writeFileSync(join(work, 'a.txt'), 'a');
    writeFileSync(join(work, 'b.txt'), 'b');
    const r = run('encrypt-file', 'a.txt', '--key-id', keyId, '--data-dir', data, 'b.txt');
    expect((expectOk(r) as { Files: Array<{ Input: string; Status: string }> }).Files.map((f) => [f.Input, f.Status])).toEqual([
      ['a.txt', 'Encrypted'],
      ['b.txt', 'Encrypted'],
    ]);
  });

  it('a global flag without its value, or given twice, is a usage error', () => {
    expect(expectUsageError(run('list-keys', '--data-dir', data, '--output'))).toMatch(/argument --output: expected one argument/);
    expect(expectUsageError(run('--output', '--data-dir', data, 'list-keys'))).toMatch(/argument --output: expected one argument/);
    expect(expectUsageError(run('--data-dir', data, 'list-keys', '--data-dir', data))).toMatch(/--data-dir was given more than once/);
  });
});
