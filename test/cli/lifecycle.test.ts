// Key lifecycle from the command line, in seconds instead of years: a developer installation,
// `strongroom dev clock advance`, rotation by the clock and on demand, deletion with the material
// gone from the files, import with material wrapped by OpenSSL — every step audited.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeychainRootKey } from '../../electron/kms/rootkey/keychain.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { OPENSSL } from '../interop/peers.ts';
import { keychainRequired, probeKeychain } from '../rootkey/helpers.ts';
import { cli, expectOk } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';

const ok = expectOk;


const keychainProblem = await probeKeychain();
const withKeychain = keychainProblem === null || keychainRequired ? describe : describe.skip;

withKeychain('key lifecycle from the CLI with the developer clock', () => {
  let dir: string;
  const installations: Array<string> = [];
  beforeAll(() => {
    dir = tempDir('strongroom-cli-lifecycle-');
  });
  afterAll(async () => {
    for (const id of installations) {
      await deleteKeychainRootKey(id);
    }
  });

  it('rotates by the clock and on demand, deletes for real, and audits every clock change', () => {
    expect(keychainProblem).toBeNull();
    const init = cli(dir, ['init', '--developer']);
    expect(init.code).toBe(0);
    expect(init.stderr).toContain('developer installation');
    installations.push(String(init.json().InstallationId));
    expect(init.json().Developer).toBe(true);

    const keyId = String((ok(cli(dir, ['create-key'])).KeyMetadata as Record<string, unknown>).KeyId);
    writeFileSync(join(dir, 'plain.txt'), 'written in year one');
    const v1 = String(ok(cli(dir, ['encrypt', '--key-id', keyId, '--plaintext', `fileb://${join(dir, 'plain.txt')}`])).CiphertextBlob);
    ok(cli(dir, ['enable-key-rotation', '--key-id', keyId, '--rotation-period-in-days', '90']));
    const status = ok(cli(dir, ['get-key-rotation-status', '--key-id', keyId]));
    expect(status).toMatchObject({ KeyId: keyId, KeyRotationEnabled: true, RotationPeriodInDays: 90 });

    const moved = ok(cli(dir, ['dev', 'clock', 'advance', '91d']));
    expect(moved).toMatchObject({ KeysRotated: 1, KeysDeleted: 0, OffsetSeconds: 91 * 86_400 });
    const rotations = ok(cli(dir, ['list-key-rotations', '--key-id', keyId])).Rotations as Array<Record<string, unknown>>;
    expect(rotations).toHaveLength(1);
    expect(rotations[0]).toMatchObject({ RotationType: 'AUTOMATIC', KeyMaterialState: 'CURRENT' });
    // Rotated by the advance, on the moved clock (a real clock underneath, so a few ms later).
    const lag = Date.parse(String(rotations[0]?.RotationDate)) - Date.parse(String(moved.Now));
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(5_000);

    ok(cli(dir, ['rotate-key-on-demand', '--key-id', keyId]));
    writeFileSync(join(dir, 'v1.bin'), Buffer.from(v1, 'base64'));
    const dec = ok(cli(dir, ['decrypt', '--ciphertext-blob', `fileb://${join(dir, 'v1.bin')}`]));
    expect(Buffer.from(String(dec.Plaintext), 'base64').toString()).toBe('written in year one');

    const peek = new Database(join(dir, DATABASE_FILE), { readonly: true });
    const wrapped = (peek.prepare('SELECT wrapped FROM key_material WHERE key_id = ?').all(keyId) as Array<{ wrapped: Buffer }>).map((r) => r.wrapped);
    peek.close();
    expect(wrapped).toHaveLength(3);

    ok(cli(dir, ['schedule-key-deletion', '--key-id', keyId, '--pending-window-in-days', '7']));
    expect(ok(cli(dir, ['dev', 'clock', 'advance', '6d23h']))).toMatchObject({ KeysDeleted: 0 });
    expect(ok(cli(dir, ['dev', 'clock', 'advance', '1h']))).toMatchObject({ KeysDeleted: 1 });
    const gone = cli(dir, ['describe-key', '--key-id', keyId]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('(NotFoundException)');
    const undecryptable = cli(dir, ['decrypt', '--ciphertext-blob', `fileb://${join(dir, 'v1.bin')}`]);
    expect(undecryptable.stderr).toContain('(AccessDeniedException)');
    for (const name of readdirSync(dir).filter((n) => n.startsWith(DATABASE_FILE))) {
      const file = readFileSync(join(dir, name));
      for (const w of wrapped) {
        expect(file.includes(w), `a version's wrapped material is still in ${name}`).toBe(false);
      }
    }

    const clock = ok(cli(dir, ['audit', 'list', '--event-name', 'AdvanceClock']));
    expect((clock.Records as Array<unknown>)).toHaveLength(3);
    expect(ok(cli(dir, ['audit', 'list', '--event-name', 'RotateKey'])).Records).toHaveLength(1);
    expect(ok(cli(dir, ['audit', 'list', '--event-name', 'DeleteKey'])).Records).toHaveLength(1);
    expect(ok(cli(dir, ['audit', 'verify']))).toMatchObject({ Intact: true });
    expect(ok(cli(dir, ['dev', 'clock', 'show']))).toMatchObject({ Developer: true, OffsetSeconds: 98 * 86_400 });
  });

  it('imports material wrapped by OpenSSL with the AWS CLI’s command lines, and expires it by the clock', () => {
    const work = tempDir('strongroom-cli-byok-');
    const created = ok(cli(dir, ['create-key', '--origin', 'EXTERNAL'])).KeyMetadata as Record<string, unknown>;
    const keyId = String(created.KeyId);
    expect(created.KeyState).toBe('PendingImport');
    const token = cli(dir, ['get-parameters-for-import', '--key-id', keyId, '--wrapping-algorithm', 'RSA_AES_KEY_WRAP_SHA_256', '--wrapping-key-spec', 'RSA_2048', '--query', 'ImportToken', '--output', 'text']);
    writeFileSync(join(work, 'ImportToken.bin'), Buffer.from(token.stdout.trim(), 'base64'));
    // A second call gives a second, equally valid pair; use its public key with the first token and the import fails.
    const pub = cli(dir, ['get-parameters-for-import', '--key-id', keyId, '--wrapping-algorithm', 'RSA_AES_KEY_WRAP_SHA_256', '--wrapping-key-spec', 'RSA_2048', '--query', 'PublicKey', '--output', 'text']);
    writeFileSync(join(work, 'WrappingPublicKey.bin'), Buffer.from(pub.stdout.trim(), 'base64'));
    const oaep = ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256'];
    const sh = (args: ReadonlyArray<string>): void => {
      const r = spawnSync(OPENSSL, args, { cwd: work, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    };
    sh(['rand', '-out', 'PlaintextKeyMaterial.bin', '32']);
    sh(['rand', '-out', 'aes-key.bin', '32']);
    const aesHex = readFileSync(join(work, 'aes-key.bin')).toString('hex');
    sh(['enc', '-id-aes256-wrap-pad', '-K', aesHex, '-iv', 'A65959A6', '-in', 'PlaintextKeyMaterial.bin', '-out', 'key-material-wrapped.bin']);
    sh(['pkeyutl', '-encrypt', '-in', 'aes-key.bin', '-out', 'aes-key-wrapped.bin', '-inkey', 'WrappingPublicKey.bin', '-keyform', 'DER', '-pubin', ...oaep]);
    writeFileSync(join(work, 'EncryptedKeyMaterial.bin'), Buffer.concat([readFileSync(join(work, 'aes-key-wrapped.bin')), readFileSync(join(work, 'key-material-wrapped.bin'))]));
    const mismatched = cli(dir, ['import-key-material', '--key-id', keyId, '--encrypted-key-material', 'fileb://EncryptedKeyMaterial.bin', '--import-token', 'fileb://ImportToken.bin', '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE'], { cwd: work });
    expect(mismatched.stderr).toContain('(InvalidCiphertextException)');

    const pair = cli(dir, ['get-parameters-for-import', '--key-id', keyId, '--wrapping-algorithm', 'RSA_AES_KEY_WRAP_SHA_256', '--wrapping-key-spec', 'RSA_2048']).json();
    writeFileSync(join(work, 'ImportToken.bin'), Buffer.from(String(pair.ImportToken), 'base64'));
    writeFileSync(join(work, 'WrappingPublicKey.bin'), Buffer.from(String(pair.PublicKey), 'base64'));
    sh(['pkeyutl', '-encrypt', '-in', 'aes-key.bin', '-out', 'aes-key-wrapped.bin', '-inkey', 'WrappingPublicKey.bin', '-keyform', 'DER', '-pubin', ...oaep]);
    writeFileSync(join(work, 'EncryptedKeyMaterial.bin'), Buffer.concat([readFileSync(join(work, 'aes-key-wrapped.bin')), readFileSync(join(work, 'key-material-wrapped.bin'))]));
    const show = ok(cli(dir, ['dev', 'clock', 'show']));
    const validTo = new Date(Date.parse(String(show.Now)) + 10 * 86_400_000).toISOString();
    const imported = ok(cli(dir, ['import-key-material', '--key-id', keyId, '--encrypted-key-material', 'fileb://EncryptedKeyMaterial.bin', '--import-token', 'fileb://ImportToken.bin', '--valid-to', validTo], { cwd: work }));
    expect(imported.KeyMaterialId).toMatch(/^[0-9a-f]{64}$/);
    expect((ok(cli(dir, ['describe-key', '--key-id', keyId])).KeyMetadata as Record<string, unknown>).KeyState).toBe('Enabled');

    expect(ok(cli(dir, ['dev', 'clock', 'advance', '10d']))).toMatchObject({ KeyMaterialExpired: 1 });
    expect((ok(cli(dir, ['describe-key', '--key-id', keyId])).KeyMetadata as Record<string, unknown>).KeyState).toBe('PendingImport');
    const refused = cli(dir, ['import-key-material', '--key-id', keyId, '--encrypted-key-material', 'fileb://EncryptedKeyMaterial.bin', '--import-token', 'fileb://ImportToken.bin', '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE'], { cwd: work });
    expect(refused.stderr).toContain('(ExpiredImportTokenException)');
  });

  it('refuses time travel on an installation not created with --developer', () => {
    const plain = tempDir('strongroom-cli-plain-');
    const init = cli(plain, ['init']);
    expect(init.code).toBe(0);
    installations.push(String(init.json().InstallationId));
    const r = cli(plain, ['dev', 'clock', 'advance', '1d']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(UnsupportedOperationException)');
    expect(r.stderr).toContain('--developer');
    const bad = cli(plain, ['dev', 'clock', 'advance', '1y']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("invalid duration '1y'");
    expect(ok(cli(plain, ['audit', 'list', '--event-name', 'AdvanceClock'])).Records).toHaveLength(1);
  });
});
