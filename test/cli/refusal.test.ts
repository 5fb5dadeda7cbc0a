// A decrypt refused by policy says so (issue 23): AccessDeniedException from `decrypt` and
// `decrypt-file` alike — never InvalidCiphertextException with the denial inside — naming the key
// by its alias and the statement that denied, directly and through the unlock agent; a really
// damaged file is still InvalidCiphertextException.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type CliRun, expectOk } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';

const PASSPHRASE = 'refusal test passphrase';
const ACCOUNT = '555566667777';

type FileEntry = { Status: string; Error?: { Name: string; Message: string } };
const fileResults = (r: CliRun) => (r.json() as { Files: Array<FileEntry> }).Files;

describe('a decrypt refused by the key policy', () => {
  let work: string;
  let keyArn: string;
  const runtime = tempDir('strongroom-refusal-run-');
  chmodSync(runtime, 0o700);
  const direct = (...args: Array<string>) => cli(join(work, 'data'), args, { env: { STRONGROOM_PASSPHRASE: PASSPHRASE }, cwd: work });
  const viaAgent = (...args: Array<string>) =>
    cli(join(work, 'data'), args, { env: { STRONGROOM_PASSPHRASE: PASSPHRASE, STRONGROOM_AGENT: 'on', XDG_RUNTIME_DIR: runtime }, cwd: work });

  beforeAll(() => {
    work = tempDir('strongroom-refusal-');
    expectOk(direct('init', '--root-key', 'passphrase', '--account-id', ACCOUNT));
    keyArn = String((expectOk(direct('create-key', '--description', 'payroll')).KeyMetadata as { Arn: string }).Arn);
    expectOk(direct('create-alias', '--alias-name', 'alias/payroll', '--target-key-id', keyArn));
    writeFileSync(join(work, 'salaries.csv'), 'alice,100\n');
    writeFileSync(join(work, 'note.txt'), 'secret note');
    expectOk(direct('encrypt-file', 'salaries.csv', '--key-id', 'alias/payroll'));
    const blob = String(expectOk(direct('encrypt', '--key-id', 'alias/payroll', '--plaintext', `fileb://${join(work, 'note.txt')}`)).CiphertextBlob);
    writeFileSync(join(work, 'note.bin'), Buffer.from(blob, 'base64'));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'NoDecrypt', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    };
    writeFileSync(join(work, 'deny.json'), JSON.stringify(policy));
    expectOk(direct('put-key-policy', '--key-id', keyArn, '--policy-name', 'default', '--policy', `file://${join(work, 'deny.json')}`));
  }, 180_000);
  afterAll(() => {
    viaAgent('agent', 'stop');
  });

  for (const [how, run] of [
    ['directly', (...a: Array<string>) => direct(...a)],
    ['through the agent', (...a: Array<string>) => viaAgent(...a)],
  ] as const) {
    it(`decrypt-file says AccessDeniedException with the alias and the statement (${how})`, () => {
      const r = run('decrypt-file', 'salaries.csv.strongroom', '--output-dir', 'out');
      expect(r.code, r.stderr).toBe(1);
      const [entry] = fileResults(r);
      expect(entry?.Status).toBe('Failed');
      expect(entry?.Error?.Name).toBe('AccessDeniedException');
      const message = entry?.Error?.Message ?? '';
      expect(message).toContain(`alias/payroll (${keyArn}) refused to open this file's data key.`);
      expect(message).toContain("Denied by the key policy's Statement[1] (Sid 'NoDecrypt').");
      // AWS's own words stay in it, for whoever searches for them.
      expect(message).toContain(`is not authorized to perform: kms:Decrypt on resource: ${keyArn} with an explicit deny`);
      expect(message).not.toContain('InvalidCiphertext');
      expect(r.stderr).toContain('(AccessDeniedException)');
    });

    it(`decrypt keeps AWS's line and adds which key and statement (${how})`, () => {
      const r = run('decrypt', '--ciphertext-blob', `fileb://${join(work, 'note.bin')}`);
      expect(r.code).toBe(1);
      const lines = r.stderr.split('\n');
      expect(lines[0]).toMatch(/^An error occurred \(AccessDeniedException\) when calling the Decrypt operation: User: arn:aws:iam::555566667777:root is not authorized to perform: kms:Decrypt on resource: \S+ with an explicit deny in a resource-based policy$/);
      expect(lines[1]).toBe(`Why: alias/payroll (${keyArn}): Denied by the key policy's Statement[1] (Sid 'NoDecrypt').`);
      expect(lines.slice(2)).toEqual(['']);
    });
  }

  it('once the policy allows again, a damaged file is still InvalidCiphertextException', () => {
    const allow = { Version: '2012-10-17', Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
    writeFileSync(join(work, 'allow.json'), JSON.stringify(allow));
    expectOk(direct('put-key-policy', '--key-id', keyArn, '--policy-name', 'default', '--policy', `file://${join(work, 'allow.json')}`));
    expect(fileResults(direct('decrypt-file', 'salaries.csv.strongroom', '--output-dir', 'out'))[0]?.Status).toBe('Decrypted');
    const sealed = readFileSync(join(work, 'salaries.csv.strongroom'));
    const at = sealed.length - 40;
    sealed.writeUInt8(sealed.readUInt8(at) ^ 1, at);
    writeFileSync(join(work, 'damaged.strongroom'), sealed);
    const [entry] = fileResults(direct('decrypt-file', 'damaged.strongroom', '--output-dir', 'out'));
    expect(entry?.Error?.Name).toBe('InvalidCiphertextException');
  });
});
