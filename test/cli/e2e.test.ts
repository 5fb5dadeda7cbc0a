// The CLI spawned as a user runs it: a fresh Node process per command, a real data directory,
// the root key in the real keychain (gnome-keyring in the private D-Bus session `npm test`
// starts), outputs checked against the AWS CLI's JSON shapes, and errors with their AWS names.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeychainRootKey } from '../../electron/kms/rootkey/keychain.ts';
import { keychainRequired, probeKeychain } from '../rootkey/helpers.ts';
import { cli as spawnCli } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';

const cli = (dataDir: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) => spawnCli(dataDir, args, { env });

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;
const ARN = /^arn:aws:kms:local-1:\d{12}:key\/[0-9a-f-]{36}$/;
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

const keychainProblem = await probeKeychain();
const withKeychain = keychainProblem === null || keychainRequired ? describe : describe.skip;

withKeychain('strongroom CLI end to end, root key in the OS keychain', () => {
  let dir: string;
  let installationId = '';
  beforeAll(() => {
    dir = tempDir('strongroom-cli-e2e-');
  });
  afterAll(async () => {
    if (installationId !== '') {
      await deleteKeychainRootKey(installationId);
    }
  });

  it('runs the issue flow: init → create-key → create-alias → encrypt → decrypt → re-encrypt → generate-data-key → schedule-key-deletion', () => {
    expect(keychainProblem).toBeNull();
    const init = cli(dir, ['init']);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    const inst = init.json();
    installationId = String(inst.InstallationId);
    expect(inst).toMatchObject({ RootKeyProvider: 'keychain', Region: 'local-1' });
    expect(String(inst.RootKeyLocation)).toContain('Secret Service');

    const created = cli(dir, ['create-key', '--description', 'e2e key', '--tags', 'TagKey=team,TagValue=blue']);
    expect(created.code).toBe(0);
    const md = created.json().KeyMetadata as Record<string, unknown>;
    expect(Object.keys(created.json())).toEqual(['KeyMetadata']);
    expect(md).toMatchObject({ Description: 'e2e key', KeyState: 'Enabled', Enabled: true, KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', Origin: 'AWS_KMS', KeyManager: 'CUSTOMER', MultiRegion: false });
    expect(md.Arn).toMatch(ARN);
    expect(md.CreationDate).toMatch(ISO);
    const keyId = String(md.KeyId);

    const alias = cli(dir, ['create-alias', '--alias-name', 'alias/e2e', '--target-key-id', keyId]);
    expect([alias.code, alias.stdout, alias.stderr]).toEqual([0, '', '']);

    const plainFile = join(dir, 'plain.txt');
    writeFileSync(plainFile, 'the e2e secret');
    const enc = cli(dir, ['encrypt', '--key-id', 'alias/e2e', '--plaintext', `fileb://${plainFile}`, '--encryption-context', 'purpose=e2e,team=blue']);
    expect(enc.code).toBe(0);
    expect(Object.keys(enc.json()).sort()).toEqual(['CiphertextBlob', 'EncryptionAlgorithm', 'KeyId']);
    expect(enc.json()).toMatchObject({ KeyId: md.Arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    expect(String(enc.json().CiphertextBlob)).toMatch(B64);
    const blobFile = join(dir, 'secret.enc');
    writeFileSync(blobFile, Buffer.from(String(enc.json().CiphertextBlob), 'base64'));

    const dec = cli(dir, ['decrypt', '--ciphertext-blob', `fileb://${blobFile}`, '--encryption-context', 'team=blue,purpose=e2e', '--query', 'Plaintext', '--output', 'text']);
    expect(dec.code).toBe(0);
    expect(Buffer.from(dec.stdout.trim(), 'base64').toString()).toBe('the e2e secret');
    const decJson = cli(dir, ['decrypt', '--ciphertext-blob', `fileb://${blobFile}`, '--encryption-context', 'team=blue,purpose=e2e']).json();
    expect(Object.keys(decJson).sort()).toEqual(['EncryptionAlgorithm', 'KeyId', 'KeyMaterialId', 'Plaintext']);

    const second = String((cli(dir, ['create-key']).json().KeyMetadata as Record<string, unknown>).KeyId);
    const re = cli(dir, ['re-encrypt', '--ciphertext-blob', `fileb://${blobFile}`, '--source-encryption-context', 'purpose=e2e,team=blue', '--destination-key-id', second]);
    expect(re.code).toBe(0);
    expect(re.json()).toMatchObject({ SourceKeyId: md.Arn, SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT', DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    expect(String(re.json().KeyId)).toContain(second);
    writeFileSync(blobFile, Buffer.from(String(re.json().CiphertextBlob), 'base64'));
    const back = cli(dir, ['decrypt', '--ciphertext-blob', `fileb://${blobFile}`, '--query', 'Plaintext', '--output', 'text']);
    expect(Buffer.from(back.stdout.trim(), 'base64').toString()).toBe('the e2e secret');

    const dk = cli(dir, ['generate-data-key', '--key-id', 'alias/e2e', '--key-spec', 'AES_256']);
    expect(dk.code).toBe(0);
    expect(Object.keys(dk.json()).sort()).toEqual(['CiphertextBlob', 'KeyId', 'KeyMaterialId', 'Plaintext']);
    expect(Buffer.from(String(dk.json().Plaintext), 'base64')).toHaveLength(32);

    const del = cli(dir, ['schedule-key-deletion', '--key-id', keyId, '--pending-window-in-days', '7']);
    expect(del.code).toBe(0);
    expect(del.json()).toMatchObject({ KeyId: md.Arn, KeyState: 'PendingDeletion', PendingWindowInDays: 7 });
    expect(del.json().DeletionDate).toMatch(ISO);

    const status = cli(dir, ['status']);
    expect(status.code).toBe(0);
    expect(status.json()).toMatchObject({ Initialized: true, Unlocked: true, RootKeyProvider: 'keychain', KeyCount: 2 });
    const verify = cli(dir, ['audit', 'verify']);
    expect(verify.code).toBe(0);
    expect(verify.json()).toMatchObject({ Intact: true });
  });

  it('answers bad input with the AWS error, exit 1, and keeps working with nothing changed', () => {
    const keyId = String((cli(dir, ['create-key']).json().KeyMetadata as Record<string, unknown>).KeyId);
    const dbBefore = readFileSync(join(dir, 'strongroom.db')).length;
    const big = join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(4097, 1));
    const cases: Array<[Array<string>, string, RegExp]> = [
      [['encrypt', '--key-id', keyId, '--plaintext', 'not*base64'], 'SerializationException', /not valid base64/],
      [['encrypt', '--key-id', keyId, '--plaintext', `fileb://${big}`], 'ValidationException', /length less than or equal to 4096/],
      [['encrypt', '--key-id', '00000000-0000-4000-8000-000000000000', '--plaintext', 'aGk='], 'NotFoundException', /does not exist/],
      [['create-alias', '--alias-name', 'alias/aws/reserved', '--target-key-id', keyId], 'NotAuthorizedException', /reserved/],
      [['create-alias', '--alias-name', 'no-prefix', '--target-key-id', keyId], 'ValidationException', /alias\//],
    ];
    for (const [args, name, message] of cases) {
      const r = cli(dir, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^An error occurred \\(${name}\\) when calling the \\w+ operation: `));
      expect(r.stderr).toMatch(message);
      expect(cli(dir, ['describe-key', '--key-id', keyId]).code).toBe(0);
    }
    const enc = cli(dir, ['encrypt', '--key-id', keyId, '--plaintext', 'aGk=', '--encryption-context', 'a=b']).json();
    const blob = join(dir, 'ctx.enc');
    writeFileSync(blob, Buffer.from(String(enc.CiphertextBlob), 'base64'));
    const wrong = cli(dir, ['decrypt', '--ciphertext-blob', `fileb://${blob}`, '--encryption-context', 'a=c']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^An error occurred \(InvalidCiphertextException\) when calling the Decrypt operation: .*encryption context/);
    expect(cli(dir, ['list-aliases', '--query', 'Aliases[].AliasName']).json()).toEqual(['alias/e2e']);
    expect(readFileSync(join(dir, 'strongroom.db')).length).toBeGreaterThanOrEqual(dbBefore);
    const errors = cli(dir, ['audit', 'list', '--errors-only', '--limit', '10']).json().Records as Array<{ Record: { errorCode: string } }>;
    expect(errors.map((e) => e.Record.errorCode)).toEqual([
      'InvalidCiphertextException',
      'ValidationException',
      'NotAuthorizedException',
      'NotFoundException',
      'ValidationException',
      'SerializationException',
    ]);
    expect(cli(dir, ['audit', 'verify']).code).toBe(0);
  });

  it('reports usage errors with exit 2 and lists flags in --help', () => {
    const missing = cli(dir, ['encrypt', '--plaintext', 'aGk=']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/the following arguments are required: --key-id/);
    expect(cli(dir, ['encrypt', '--key-id', 'k', '--plaintext', 'aGk=', '--bogus']).code).toBe(2);
    expect(cli(dir, ['frobnicate']).code).toBe(2);
    const help = cli(dir, ['encrypt', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--key-id\s+\(required\)/);
    expect(help.stdout).toMatch(/--plaintext\s+\(required\) blob.*1–4096 bytes/);
    const top = cli(dir, ['--help']);
    expect(top.code).toBe(0);
    for (const command of ['create-key', 'encrypt', 'generate-data-key-without-plaintext', 'audit verify', 'init']) {
      expect(top.stdout).toContain(command);
    }
  });

  it('audit verify finds an edited record and says where', async () => {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(dir, 'strongroom.db'));
    db.prepare('UPDATE audit_log SET record = replace(record, ?, ?) WHERE seq = 3').run('"CreateAlias"', '"DeleteAlias"');
    db.close();
    const r = cli(dir, ['audit', 'verify']);
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ Intact: false, Problem: { Seq: 3, Kind: 'edited' } });
    expect(r.stderr).toMatch(/record 3/);
  });
});

describe('strongroom CLI without an installation', () => {
  it('says so, creates nothing, and exits 1', () => {
    const dir = join(tempDir('strongroom-cli-none-'), 'missing');
    const r = cli(dir, ['list-keys']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NotInitialized.*strongroom init/);
    const s = cli(dir, ['status']);
    expect(s.code).toBe(1);
    expect(s.json()).toMatchObject({ Initialized: false });
  });

  it('refuses the in-memory provider and a second init', () => {
    const dir = tempDir('strongroom-cli-init-');
    expect(cli(dir, ['init', '--root-key', 'memory']).code).toBe(2);
    const env = { STRONGROOM_PASSPHRASE: 'a good long passphrase' };
    expect(cli(dir, ['init', '--root-key', 'passphrase'], env).code).toBe(0);
    const again = cli(dir, ['init', '--root-key', 'passphrase'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/AlreadyInitialized/);
    const wrong = cli(dir, ['list-keys'], { STRONGROOM_PASSPHRASE: 'the wrong passphrase' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/WrongPassphrase/);
    expect(cli(dir, ['list-keys'], env).code).toBe(0);
  });
});
