// encrypt-file and decrypt-file from the command line: several files at once, per-file results,
// --output-dir and --force, sharing a file with another installation through its RSA public key,
// authorization (--as) and the audit records each file leaves.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, type CliRun, expectOk } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';

const ok = expectOk;


const env = { STRONGROOM_PASSPHRASE: 'file encryption test passphrase' };

type FileEntry = { Input: string; Output?: string; Status: string; Bytes?: number; AlgorithmSuite?: string; EncryptionContext?: Record<string, string>; Error?: { Name: string; Message: string } };
const files = (r: CliRun) => (r.json() as { Files: Array<FileEntry> }).Files;
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('encrypt-file and decrypt-file', () => {
  let work: string;
  let alice: string;
  let bob: string;
  let keyArn: string;
  const asAlice = (...args: Array<string>) => cli(alice, args, { env, cwd: work });
  const asBob = (...args: Array<string>) => cli(bob, args, { env, cwd: work });

  beforeAll(() => {
    work = tempDir('strongroom-cli-files-');
    alice = join(work, 'alice-data');
    bob = join(work, 'bob-data');
    ok(asAlice('init', '--root-key', 'passphrase'));
    ok(asBob('init', '--root-key', 'passphrase'));
    keyArn = String((ok(asAlice('create-key', '--description', 'files')) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn);
    ok(asAlice('create-alias', '--alias-name', 'alias/files', '--target-key-id', keyArn));
  });

  it('encrypts several files, reports each, and decrypts them byte for byte into another folder', () => {
    writeFileSync(join(work, 'notes.txt'), 'meeting notes\n');
    writeFileSync(join(work, 'empty.bin'), '');
    writeFileSync(join(work, 'photo.raw'), Buffer.alloc(700_000, 7));
    const before = ['notes.txt', 'empty.bin', 'photo.raw'].map((f) => sha(join(work, f)));
    const enc = asAlice('encrypt-file', 'notes.txt', 'empty.bin', 'photo.raw', '--key-id', 'alias/files', '--encryption-context', 'project=apollo,owner=alice');
    expect(enc.code).toBe(0);
    expect(files(enc).map((f) => [f.Input, f.Output, f.Status, f.Bytes, f.AlgorithmSuite])).toEqual([
      ['notes.txt', 'notes.txt.strongroom', 'Encrypted', 14, '0x0578'],
      ['empty.bin', 'empty.bin.strongroom', 'Encrypted', 0, '0x0578'],
      ['photo.raw', 'photo.raw.strongroom', 'Encrypted', 700_000, '0x0578'],
    ]);
    mkdirSync(join(work, 'out'));
    const dec = asAlice('decrypt-file', 'notes.txt.strongroom', 'empty.bin.strongroom', 'photo.raw.strongroom', '--output-dir', 'out');
    expect(dec.code).toBe(0);
    expect(files(dec).map((f) => [f.Output, f.Status, f.EncryptionContext])).toEqual([
      ['out/notes.txt', 'Decrypted', { project: 'apollo', owner: 'alice' }],
      ['out/empty.bin', 'Decrypted', { project: 'apollo', owner: 'alice' }],
      ['out/photo.raw', 'Decrypted', { project: 'apollo', owner: 'alice' }],
    ]);
    expect(['notes.txt', 'empty.bin', 'photo.raw'].map((f) => sha(join(work, 'out', f)))).toEqual(before);
    // The inputs were never touched.
    expect(['notes.txt', 'empty.bin', 'photo.raw'].map((f) => sha(join(work, f)))).toEqual(before);
    // Each file is one GenerateDataKey to encrypt and one Decrypt to open, with the file's context.
    const records = (ok(asAlice('audit', 'list', '--limit', '6')) as { Records: Array<{ Record: { eventName: string; requestParameters: { encryptionContext?: Record<string, string> } } }> }).Records.map((r) => r.Record);
    expect(records.map((r) => r.eventName)).toEqual(['Decrypt', 'Decrypt', 'Decrypt', 'GenerateDataKey', 'GenerateDataKey', 'GenerateDataKey']);
    expect(records[0]?.requestParameters.encryptionContext).toMatchObject({ project: 'apollo', owner: 'alice' });
    expect(Object.keys(records[0]?.requestParameters.encryptionContext ?? {})).toContain('aws-crypto-public-key');
  });

  it('never overwrites without --force, and reports each file’s failure while doing the others', () => {
    writeFileSync(join(work, 'a.txt'), 'first');
    writeFileSync(join(work, 'b.txt'), 'second');
    expect(files(asAlice('encrypt-file', 'a.txt', '--key-id', keyArn, '--no-signing'))[0]?.AlgorithmSuite).toBe('0x0478');
    const again = asAlice('encrypt-file', 'a.txt', 'b.txt', '--key-id', keyArn);
    expect(again.code).toBe(1);
    expect(files(again).map((f) => f.Status)).toEqual(['Failed', 'Encrypted']);
    expect(again.stderr).toMatch(/a\.txt: \(ValidationException\) a\.txt\.strongroom already exists; pass --force to replace it\./);
    const forced = asAlice('encrypt-file', 'a.txt', '--key-id', keyArn, '--force');
    expect(forced.code).toBe(0);
    const missing = asAlice('decrypt-file', 'nope.strongroom');
    expect(missing.code).toBe(1);
    expect(files(missing)[0]?.Error).toEqual({ Name: 'NotFoundException', Message: 'nope.strongroom does not exist.' });
    expect(readdirSync(work).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('makes a missing --output-dir (owner-only), and says in plain words when it cannot', () => {
    writeFileSync(join(work, 'report.txt'), 'the report');
    const enc = asAlice('encrypt-file', 'report.txt', '--key-id', keyArn, '--output-dir', 'new/enc');
    expect(enc.code, enc.stderr).toBe(0);
    expect(enc.stderr).toBe('strongroom encrypt-file: made the output folder new/enc (readable by you only)\n');
    expect(files(enc)[0]).toMatchObject({ Output: 'new/enc/report.txt.strongroom', Status: 'Encrypted' });
    expect(statSync(join(work, 'new/enc')).mode & 0o777).toBe(0o700);
    const dec = asAlice('decrypt-file', 'new/enc/report.txt.strongroom', '--output-dir', 'missing/');
    expect(dec.code, dec.stderr).toBe(0);
    expect(readFileSync(join(work, 'missing', 'report.txt'), 'utf8')).toBe('the report');
    expect(statSync(join(work, 'missing')).mode & 0o777).toBe(0o700);
    // A file where the folder should be, and a folder under a file: usage errors naming the folder, no staging name, no ENOENT.
    for (const dir of ['report.txt', 'report.txt/sub']) {
      const r = asAlice('decrypt-file', 'new/enc/report.txt.strongroom', '--output-dir', dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(dir === 'report.txt' ? /^strongroom: error: argument --output-dir: report\.txt is a file, not a folder/ : /^strongroom: error: argument --output-dir: the folder report\.txt\/sub does not exist and cannot be made: part of the path is a file, not a folder/);
      expect(r.stderr).not.toMatch(/partial|ENOENT|ENOTDIR/);
    }
  });

  it('shares a file with another installation through its RSA public key, without sharing a secret', () => {
    const bobKey = String((ok(asBob('create-key', '--key-spec', 'RSA_3072', '--key-usage', 'ENCRYPT_DECRYPT')) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn);
    const pub = asBob('get-public-key', '--key-id', bobKey);
    writeFileSync(join(work, 'bob.pub.json'), pub.stdout);
    writeFileSync(join(work, 'for-bob.txt'), 'the quarterly figures');
    const enc = asAlice('encrypt-file', 'for-bob.txt', '--key-id', keyArn, '--recipient-public-key', 'bob.pub.json', '--output-dir', 'out');
    expect(enc.code).toBe(0);
    expect(files(enc)[0]).toMatchObject({ Output: 'out/for-bob.txt.strongroom' });
    mkdirSync(join(work, 'bob-out'));
    const dec = asBob('decrypt-file', 'out/for-bob.txt.strongroom', '--output-dir', 'bob-out');
    expect(dec.stderr).toBe('');
    expect(readFileSync(join(work, 'bob-out', 'for-bob.txt'), 'utf8')).toBe('the quarterly figures');
    // Alice can still open her own copy with her KMS key.
    mkdirSync(join(work, 'alice-out'));
    ok(asAlice('decrypt-file', 'out/for-bob.txt.strongroom', '--output-dir', 'alice-out'));
    // A third installation with neither key is told whose keys it needs.
    const carol = join(work, 'carol-data');
    ok(cli(carol, ['init', '--root-key', 'passphrase'], { env, cwd: work }));
    mkdirSync(join(work, 'carol-out'));
    const denied = cli(carol, ['decrypt-file', 'out/for-bob.txt.strongroom', '--output-dir', 'carol-out'], { env, cwd: work });
    expect(denied.code).toBe(1);
    expect(files(denied)[0]?.Error?.Message).toMatch(/wrapped for aws-kms arn:aws:kms:.*, strongroom-rsa-oaep-sha256 arn:aws:kms:.*; none of them is a key here/);
  });

  it('applies access control: a user without permission on the key gets AccessDenied for its file', () => {
    ok(asAlice('create-user', '--user-name', 'intern'));
    writeFileSync(join(work, 'secret.txt'), 'salaries');
    const r = asAlice('encrypt-file', 'secret.txt', '--key-id', keyArn, '--as', 'intern');
    expect(r.code).toBe(1);
    expect(files(r)[0]?.Error?.Name).toBe('AccessDeniedException');
    expect(existsSync(join(work, 'secret.txt.strongroom'))).toBe(false);
  });
});
