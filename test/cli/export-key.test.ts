// `strongroom export-key` between two installations made by the real CLI, as a user moving a key
// would: GetParametersForImport in the second (public key saved as base64 text, the token as
// bytes, as the AWS CLI writes them), export-key in the first with those files and --out, then
// import-key-material in the second with fileb:// — and a ciphertext the first made before the
// export decrypts in the second. Refusals exit 1 with AWS's error line; every call is audited.
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, expectOk } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';

const ok = expectOk;


const env = { STRONGROOM_PASSPHRASE: 'export key test passphrase' };

describe('export-key', () => {
  let work: string;
  let one: string;
  let two: string;
  const inOne = (...args: Array<string>) => cli(one, args, { env, cwd: work });
  const inTwo = (...args: Array<string>) => cli(two, args, { env, cwd: work });
  let accountRoot: string;

  beforeAll(() => {
    work = tempDir('strongroom-cli-export-');
    one = join(work, 'one');
    two = join(work, 'two');
    const installation = ok(inOne('init', '--root-key', 'passphrase'));
    ok(inTwo('init', '--root-key', 'passphrase'));
    accountRoot = `arn:aws:iam::${String(installation.AccountId)}:root`;
    writeFileSync(
      join(work, 'export-policy.json'),
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: accountRoot }, Action: 'kms:*', Resource: '*' },
          { Sid: 'Allow export', Effect: 'Allow', Principal: { AWS: accountRoot }, Action: 'strongroom:ExportKeyMaterial', Resource: '*' },
        ],
      }),
    );
  });

  it('moves a key into another installation: a ciphertext made before the export decrypts there', () => {
    const created = ok(inOne('create-key', '--x-strongroom-exportable', '--policy', 'file://export-policy.json')) as { KeyMetadata: { KeyId: string; XStrongroomExportable?: boolean } };
    const keyId = created.KeyMetadata.KeyId;
    expect(created.KeyMetadata.XStrongroomExportable).toBe(true);
    const blob = String(ok(inOne('encrypt', '--key-id', keyId, '--plaintext', Buffer.from('made before the export').toString('base64'))).CiphertextBlob);

    ok(inTwo('create-key', '--origin', 'EXTERNAL', '--x-strongroom-key-id', keyId));
    const params = ok(inTwo('get-parameters-for-import', '--key-id', keyId, '--wrapping-algorithm', 'RSA_AES_KEY_WRAP_SHA_256', '--wrapping-key-spec', 'RSA_4096'));
    writeFileSync(join(work, 'PublicKey.b64'), `${String(params.PublicKey)}\n`);
    writeFileSync(join(work, 'ImportToken.bin'), Buffer.from(String(params.ImportToken), 'base64'));

    const exported = inOne('export-key', '--key-id', keyId, '--wrapping-public-key', 'PublicKey.b64', '--wrapping-algorithm', 'RSA_AES_KEY_WRAP_SHA_256', '--import-token', 'ImportToken.bin', '--out', 'EncryptedKeyMaterial.bin');
    const shown = ok(exported);
    expect(shown).toMatchObject({ KeyId: expect.stringContaining(keyId), KeySpec: 'SYMMETRIC_DEFAULT', WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256', EncryptedKeyMaterialFile: 'EncryptedKeyMaterial.bin', ImportTokenFile: 'ImportToken.bin' });
    expect(shown.EncryptedKeyMaterial).toBeUndefined();
    // 512 bytes of RSA-OAEP (4096-bit key) and 40 of AES-KWP around 32 bytes of material.
    expect(readFileSync(join(work, 'EncryptedKeyMaterial.bin')).length).toBe(512 + 40);

    const imported = ok(inTwo('import-key-material', '--key-id', keyId, '--import-token', 'fileb://ImportToken.bin', '--encrypted-key-material', 'fileb://EncryptedKeyMaterial.bin', '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE'));
    expect(imported.KeyMaterialId).toBe(shown.KeyMaterialId);
    const opened = ok(inTwo('decrypt', '--ciphertext-blob', blob));
    expect(Buffer.from(String(opened.Plaintext), 'base64').toString()).toBe('made before the export');

    // --out never replaces a file unless --force.
    const again = inOne('export-key', '--key-id', keyId, '--wrapping-public-key', 'PublicKey.b64', '--wrapping-algorithm', 'RSA_AES_KEY_WRAP_SHA_256', '--import-token', 'ImportToken.bin', '--out', 'EncryptedKeyMaterial.bin');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/--out EncryptedKeyMaterial\.bin exists; pass --force to replace it/);
    ok(inOne('export-key', '--key-id', keyId, '--wrapping-public-key', 'PublicKey.b64', '--wrapping-algorithm', 'RSA_AES_KEY_WRAP_SHA_256', '--import-token', 'ImportToken.bin', '--out', 'EncryptedKeyMaterial.bin', '--force'));

    // Audited in the first installation, with the wrapping key's fingerprint.
    const records = ok(inOne('audit', 'query', '--event-name', 'ExportKeyMaterial')) as { Records: Array<{ record: Record<string, unknown> }> };
    expect(records.Records.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(records)).toContain('wrappingPublicKeySha256');
  });

  it('without --out prints the wrapped material and the token as base64, like export-key-material', () => {
    const keyId = String((ok(inOne('create-key', '--key-spec', 'HMAC_256', '--key-usage', 'GENERATE_VERIFY_MAC', '--x-strongroom-exportable', '--policy', 'file://export-policy.json')) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId);
    const printed = ok(inOne('export-key', '--key-id', keyId, '--wrapping-public-key', 'PublicKey.b64', '--wrapping-algorithm', 'RSAES_OAEP_SHA_256', '--import-token', 'ImportToken.bin'));
    expect(printed).toMatchObject({ KeySpec: 'HMAC_256', WrappingAlgorithm: 'RSAES_OAEP_SHA_256' });
    expect(Buffer.from(String(printed.EncryptedKeyMaterial), 'base64').length).toBe(512);
    expect(printed.ImportToken).toBe(readFileSync(join(work, 'ImportToken.bin')).toString('base64'));
    // An HMAC key's KeyMetadata has no CurrentKeyMaterialId (AWS reports it for symmetric encryption keys only): the export names it.
    const current = String(printed.KeyMaterialId);
    expect(current).toMatch(/^[0-9a-f]{64}$/);
    expect(ok(inOne('export-key', '--key-id', keyId, '--wrapping-public-key', 'PublicKey.b64', '--wrapping-algorithm', 'RSAES_OAEP_SHA_256', '--import-token', 'ImportToken.bin', '--key-material-id', current)).KeyMaterialId).toBe(current);
    const generated = ok(inOne('export-key-material', '--key-id', keyId, '--wrapping-algorithm', 'RSAES_OAEP_SHA_1', '--wrapping-public-key', 'file://PublicKey.b64'));
    expect(generated).toMatchObject({ KeySpec: 'HMAC_256', WrappingAlgorithm: 'RSAES_OAEP_SHA_1' });
  });

  it('refuses with AWS’s error line: not exportable, not allowed by the policy, a bad wrapping key', () => {
    const plain = String((ok(inOne('create-key', '--policy', 'file://export-policy.json')) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId);
    const args = (keyId: string, pub = 'PublicKey.b64') => ['export-key', '--key-id', keyId, '--wrapping-public-key', pub, '--wrapping-algorithm', 'RSAES_OAEP_SHA_256', '--import-token', 'ImportToken.bin'];
    const notExportable = inOne(...args(plain));
    expect(notExportable.code).toBe(1);
    expect(notExportable.stderr).toMatch(/^An error occurred \(UnsupportedOperationException\) when calling the ExportKeyMaterial operation: .* was not created exportable/);

    const defaultPolicy = String((ok(inOne('create-key', '--x-strongroom-exportable')) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId);
    const denied = inOne(...args(defaultPolicy));
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(new RegExp(`^An error occurred \\(AccessDeniedException\\) when calling the ExportKeyMaterial operation: User: ${accountRoot} is not authorized to perform: strongroom:ExportKeyMaterial on resource: \\S+${defaultPolicy} because no resource-based policy allows the strongroom:ExportKeyMaterial action`));

    writeFileSync(join(work, 'not-a-key.b64'), Buffer.from('not a key').toString('base64'));
    const exportable = String((ok(inOne('create-key', '--x-strongroom-exportable', '--policy', 'file://export-policy.json')) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId);
    const bad = inOne(...args(exportable, 'not-a-key.b64'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\(ValidationException\).*WrappingPublicKey is not a DER SubjectPublicKeyInfo/);

    const missing = inOne('export-key', '--key-id', exportable, '--wrapping-algorithm', 'RSAES_OAEP_SHA_256', '--import-token', 'ImportToken.bin');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/the following arguments are required: --wrapping-public-key/);

    const failures = ok(inOne('audit', 'query', '--event-name', 'ExportKeyMaterial', '--outcome', 'failure')) as { Records: Array<unknown> };
    expect(failures.Records).toHaveLength(3);
  });

  it('has help', () => {
    const help = inOne('export-key', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--wrapping-public-key');
  });
});
