// Imported key material (BYOK): material wrapped by OpenSSL exactly as AWS's documentation
// instructs for each wrapping algorithm, imported, used; the token, re-import and expiry rules
// with AWS's errors; and deleted material gone from the database file.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WrappingAlgorithm, WrappingKeySpec } from '../../shared/api/operations.ts';
import { DAY_MS } from '../../electron/kms/clock.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { OPENSSL, peerAvailable, run } from '../interop/peers.ts';
import { bytes, kmsError, newEngine, tempDir, text, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
});
afterEach(() => t.cleanup());

const withOpenssl = peerAvailable(OPENSSL) ? describe : describe.skip;

async function openssl(args: ReadonlyArray<string>): Promise<void> {
  const r = await run(OPENSSL, args);
  if (r.code !== 0) {
    throw new Error(`openssl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  }
}

/**
 * Wraps `material` the way AWS's "Encrypt key material" instructions do with OpenSSL 3:
 * pkeyutl -encrypt with OAEP options, and for RSA_AES_KEY_WRAP an ephemeral AES-256 key that wraps
 * the material with `enc -id-aes256-wrap-pad` and is itself OAEP-encrypted in front of it.
 */
async function wrapWithOpenssl(algorithm: WrappingAlgorithm, publicKeyDer: Uint8Array, material: Uint8Array): Promise<Uint8Array> {
  const dir = tempDir('strongroom-byok-');
  try {
    return await wrapIn(dir, algorithm, publicKeyDer, material);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function wrapIn(dir: string, algorithm: WrappingAlgorithm, publicKeyDer: Uint8Array, material: Uint8Array): Promise<Uint8Array> {
  const pub = join(dir, 'WrappingPublicKey.bin');
  writeFileSync(pub, publicKeyDer);
  const hash = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  const oaep = ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${hash}`, '-pkeyopt', `rsa_mgf1_md:${hash}`];
  const plain = join(dir, 'PlaintextKeyMaterial.bin');
  writeFileSync(plain, material);
  const out = join(dir, 'EncryptedKeyMaterial.bin');
  if (algorithm === 'RSAES_OAEP_SHA_1' || algorithm === 'RSAES_OAEP_SHA_256') {
    await openssl(['pkeyutl', '-encrypt', '-in', plain, '-out', out, '-inkey', pub, '-keyform', 'DER', '-pubin', ...oaep]);
    return readFileSync(out);
  }
  const aesKey = join(dir, 'aes-key.bin');
  await openssl(['rand', '-out', aesKey, '32']);
  const aesHex = readFileSync(aesKey).toString('hex');
  const wrappedMaterial = join(dir, 'key-material-wrapped.bin');
  await openssl(['enc', '-id-aes256-wrap-pad', '-K', aesHex, '-iv', 'A65959A6', '-in', plain, '-out', wrappedMaterial]);
  const wrappedAes = join(dir, 'aes-key-wrapped.bin');
  await openssl(['pkeyutl', '-encrypt', '-in', aesKey, '-out', wrappedAes, '-inkey', pub, '-keyform', 'DER', '-pubin', ...oaep]);
  return Buffer.concat([readFileSync(wrappedAes), readFileSync(wrappedMaterial)]);
}

async function externalKey(): Promise<string> {
  const md = (await t.kms.invoke('CreateKey', { Origin: 'EXTERNAL', Description: 'byok' })).KeyMetadata;
  expect(md).toMatchObject({ Origin: 'EXTERNAL', KeyState: 'PendingImport', Enabled: false });
  expect(md.CurrentKeyMaterialId).toBeUndefined();
  return md.KeyId;
}

async function importMaterial(
  keyId: string,
  material: Uint8Array,
  options: { algorithm?: WrappingAlgorithm; spec?: WrappingKeySpec; extra?: Record<string, unknown> } = {},
): Promise<{ KeyId: string; KeyMaterialId: string }> {
  const algorithm = options.algorithm ?? 'RSAES_OAEP_SHA_256';
  const params = await t.kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: algorithm, WrappingKeySpec: options.spec ?? 'RSA_2048' });
  const encrypted = await wrapWithOpenssl(algorithm, params.PublicKey, material);
  return t.kms.invoke('ImportKeyMaterial', {
    KeyId: keyId,
    ImportToken: params.ImportToken,
    EncryptedKeyMaterial: encrypted,
    ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    ...options.extra,
  });
}

withOpenssl('importing key material wrapped by OpenSSL', () => {
  const cases: ReadonlyArray<[WrappingAlgorithm, WrappingKeySpec]> = [
    ['RSAES_OAEP_SHA_1', 'RSA_2048'],
    ['RSAES_OAEP_SHA_256', 'RSA_2048'],
    ['RSA_AES_KEY_WRAP_SHA_1', 'RSA_3072'],
    ['RSA_AES_KEY_WRAP_SHA_256', 'RSA_4096'],
  ];
  for (const [algorithm, spec] of cases) {
    it(`${algorithm} with ${spec}: imports, enables the key, encrypts and decrypts`, async () => {
      const keyId = await externalKey();
      expect((await kmsError(t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') }))).name).toBe('KMSInvalidStateException');
      const params = await t.kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: algorithm, WrappingKeySpec: spec });
      expect(params.KeyId).toBe(`arn:aws:kms:local-1:111122223333:key/${keyId}`);
      expect(params.ParametersValidTo).toEqual(new Date(t.clock.now() + DAY_MS));
      const material = randomBytes(32);
      const encrypted = await wrapWithOpenssl(algorithm, params.PublicKey, material);
      const imported = await t.kms.invoke('ImportKeyMaterial', {
        KeyId: keyId,
        ImportToken: params.ImportToken,
        EncryptedKeyMaterial: encrypted,
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      });
      expect(imported.KeyId).toBe(params.KeyId);
      expect(imported.KeyMaterialId).toMatch(/^[0-9a-f]{64}$/);
      const md = (await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata;
      expect(md).toMatchObject({ KeyState: 'Enabled', Enabled: true, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', CurrentKeyMaterialId: imported.KeyMaterialId });
      expect(md.ValidTo).toBeUndefined();
      const enc = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes(`imported via ${algorithm}`) });
      const dec = await t.kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob });
      expect(text(dec.Plaintext)).toBe(`imported via ${algorithm}`);
      expect(dec.KeyMaterialId).toBe(imported.KeyMaterialId);
    });
  }

  it('deleting material makes the key PendingImport; only the same material restores it', async () => {
    const keyId = await externalKey();
    const material = randomBytes(32);
    const first = await importMaterial(keyId, material);
    const enc = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('survives deletion') });
    const deleted = await t.kms.invoke('DeleteImportedKeyMaterial', { KeyId: keyId });
    expect(deleted).toEqual({ KeyId: `arn:aws:kms:local-1:111122223333:key/${keyId}`, KeyMaterialId: first.KeyMaterialId });
    expect((await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('PendingImport');
    expect((await kmsError(t.kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob }))).name).toBe('KMSInvalidStateException');

    const other = randomBytes(32);
    const wrong = await kmsError(importMaterial(keyId, other));
    expect(wrong.name).toBe('IncorrectKeyMaterialException');
    expect(wrong.message).toContain(first.KeyMaterialId);
    expect((await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('PendingImport');

    const again = await importMaterial(keyId, material);
    expect(again.KeyMaterialId).toBe(first.KeyMaterialId);
    expect(text((await t.kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob })).Plaintext)).toBe('survives deletion');
  });

  it('deleted imported material is gone from the database and its WAL', async () => {
    const keyId = await externalKey();
    await importMaterial(keyId, randomBytes(32));
    const peek = new Database(join(t.dir, DATABASE_FILE), { readonly: true });
    const wrapped = (peek.prepare('SELECT wrapped FROM key_material WHERE key_id = ?').get(keyId) as { wrapped: Buffer }).wrapped;
    peek.close();
    expect(wrapped.length).toBeGreaterThan(32);
    await t.kms.invoke('DeleteImportedKeyMaterial', { KeyId: keyId });
    for (const name of readdirSync(t.dir)) {
      expect(readFileSync(join(t.dir, name)).includes(wrapped), `wrapped material still in ${name}`).toBe(false);
    }
  });

  it('an expired token is ExpiredImportTokenException; another key’s token is InvalidImportTokenException', async () => {
    const keyId = await externalKey();
    const otherKey = await externalKey();
    const params = await t.kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const encrypted = await wrapWithOpenssl('RSAES_OAEP_SHA_256', params.PublicKey, randomBytes(32));
    const request = { ImportToken: params.ImportToken, EncryptedKeyMaterial: encrypted, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' };
    expect((await kmsError(t.kms.invoke('ImportKeyMaterial', { KeyId: otherKey, ...request }))).name).toBe('InvalidImportTokenException');
    const tampered = Uint8Array.from(params.ImportToken);
    tampered[10] = (tampered[10] ?? 0) ^ 1;
    expect((await kmsError(t.kms.invoke('ImportKeyMaterial', { KeyId: keyId, ...request, ImportToken: tampered }))).name).toBe('InvalidImportTokenException');
    t.clock.advance(DAY_MS);
    // Expired tokens' wrapping keys are destroyed by the scheduled work; the answer stays the same.
    t.kms.runScheduledWork();
    const expired = await kmsError(t.kms.invoke('ImportKeyMaterial', { KeyId: keyId, ...request }));
    expect(expired.name).toBe('ExpiredImportTokenException');
    expect(expired.message).toContain('GetParametersForImport');
    const db = new Database(join(t.dir, DATABASE_FILE), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM import_tokens').get()).toEqual({ n: 0 });
    db.close();
  });

  it('material wrapped with the wrong algorithm or key is InvalidCiphertextException; wrong length IncorrectKeyMaterialException', async () => {
    const keyId = await externalKey();
    const params = await t.kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const base = { KeyId: keyId, ImportToken: params.ImportToken, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' };
    const sha1 = await wrapWithOpenssl('RSAES_OAEP_SHA_1', params.PublicKey, randomBytes(32));
    expect((await kmsError(t.kms.invoke('ImportKeyMaterial', { ...base, EncryptedKeyMaterial: sha1 }))).name).toBe('InvalidCiphertextException');
    const short = await wrapWithOpenssl('RSAES_OAEP_SHA_256', params.PublicKey, randomBytes(16));
    const err = await kmsError(t.kms.invoke('ImportKeyMaterial', { ...base, EncryptedKeyMaterial: short }));
    expect(err.name).toBe('IncorrectKeyMaterialException');
    expect(err.message).toContain('32 bytes');
    expect((await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('PendingImport');
  });

  it('ValidTo: required for expiring material, in the future, at most 365 days; the clock expires it into PendingImport', async () => {
    const keyId = await externalKey();
    const material = randomBytes(32);
    const now = t.clock.now();
    const at = (ms: number) => ({ extra: { ExpirationModel: undefined, ValidTo: new Date(ms) } });
    expect((await kmsError(importMaterial(keyId, material, { extra: { ExpirationModel: undefined } }))).message).toContain('ValidTo is required');
    expect((await kmsError(importMaterial(keyId, material, at(now)))).name).toBe('ValidationException');
    expect((await kmsError(importMaterial(keyId, material, at(now + 366 * DAY_MS)))).name).toBe('ValidationException');
    expect((await kmsError(importMaterial(keyId, material, { extra: { ValidTo: new Date(now + DAY_MS) } }))).message).toContain('omit ValidTo');

    const validTo = now + 2 * DAY_MS;
    const imported = await importMaterial(keyId, material, at(validTo));
    expect((await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata).toMatchObject({
      KeyState: 'Enabled',
      ValidTo: new Date(validTo),
      ExpirationModel: 'KEY_MATERIAL_EXPIRES',
    });
    const enc = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('until Tuesday') });

    t.clock.advance(2 * DAY_MS - 1);
    expect(t.kms.runScheduledWork().expired).toBe(0);
    t.clock.advance(1);
    expect(t.kms.runScheduledWork()).toEqual({ rotated: 0, expired: 1, deleted: 0 });
    const md = (await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata;
    expect(md.KeyState).toBe('PendingImport');
    expect(md.ValidTo).toBeUndefined();
    expect((await kmsError(t.kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob }))).name).toBe('KMSInvalidStateException');
    const events = t.kms.audit.list({ EventName: 'DeleteExpiredKeyMaterial' });
    expect(events[0]?.record).toMatchObject({ eventType: 'AwsServiceEvent', serviceEventDetails: { keyId, keyMaterialId: imported.KeyMaterialId } });

    await importMaterial(keyId, material);
    expect(text((await t.kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob })).Plaintext)).toBe('until Tuesday');
  });

  it('rotates imported material on demand: NEW_KEY_MATERIAL waits as PENDING_ROTATION until RotateKeyOnDemand', async () => {
    const keyId = await externalKey();
    const first = await importMaterial(keyId, randomBytes(32));
    const v1 = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('first material') });
    expect((await kmsError(t.kms.invoke('RotateKeyOnDemand', { KeyId: keyId }))).name).toBe('KMSInvalidStateException');
    const second = await importMaterial(keyId, randomBytes(32), { extra: { ImportType: 'NEW_KEY_MATERIAL', KeyMaterialDescription: 'second' } });
    const pending = (await t.kms.invoke('ListKeyRotations', { KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).Rotations;
    expect(pending.map((r) => [r.KeyMaterialId, r.KeyMaterialState, r.ImportState])).toEqual([
      [first.KeyMaterialId, 'CURRENT', 'IMPORTED'],
      [second.KeyMaterialId, 'PENDING_ROTATION', 'IMPORTED'],
    ]);
    expect(pending[1]).toMatchObject({ KeyMaterialDescription: 'second', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    expect((await kmsError(importMaterial(keyId, randomBytes(32), { extra: { ImportType: 'NEW_KEY_MATERIAL' } }))).name).toBe('KMSInvalidStateException');

    await t.kms.invoke('RotateKeyOnDemand', { KeyId: keyId });
    const v2 = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('second material') });
    expect((await t.kms.invoke('Decrypt', { CiphertextBlob: v1.CiphertextBlob })).KeyMaterialId).toBe(first.KeyMaterialId);
    expect((await t.kms.invoke('Decrypt', { CiphertextBlob: v2.CiphertextBlob })).KeyMaterialId).toBe(second.KeyMaterialId);
    const rotations = (await t.kms.invoke('ListKeyRotations', { KeyId: keyId })).Rotations;
    expect(rotations).toEqual([
      expect.objectContaining({ KeyMaterialId: second.KeyMaterialId, KeyMaterialState: 'CURRENT', RotationType: 'ON_DEMAND', ImportState: 'IMPORTED' }),
    ]);
    // Imported keys never rotate automatically.
    expect((await kmsError(t.kms.invoke('EnableKeyRotation', { KeyId: keyId }))).name).toBe('UnsupportedOperationException');
  });
});

describe('import parameters', () => {
  it('are only for EXTERNAL keys, with the wrapping algorithms and key specs AWS still offers', async () => {
    const kmsKey = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const refused = await kmsError(t.kms.invoke('GetParametersForImport', { KeyId: kmsKey, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
    expect(refused.name).toBe('UnsupportedOperationException');
    expect(refused.message).toContain('origin is AWS_KMS');
    expect((await kmsError(t.kms.invoke('DeleteImportedKeyMaterial', { KeyId: kmsKey }))).name).toBe('UnsupportedOperationException');
    const keyId = (await t.kms.invoke('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    for (const [WrappingAlgorithm, WrappingKeySpec] of [['RSAES_PKCS1_V1_5', 'RSA_2048'], ['SM2PKE', 'SM2'], ['RSAES_OAEP_SHA_256', 'SM2']]) {
      expect((await kmsError(t.kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm, WrappingKeySpec }))).name).toBe('UnsupportedOperationException');
    }
    expect((await kmsError(t.kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSA_OAEP', WrappingKeySpec: 'RSA_2048' }))).name).toBe('ValidationException');
    // Deleting material from a key that never had any changes nothing.
    expect(await t.kms.invoke('DeleteImportedKeyMaterial', { KeyId: keyId })).toEqual({ KeyId: `arn:aws:kms:local-1:111122223333:key/${keyId}` });
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    expect((await kmsError(t.kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }))).name).toBe('KMSInvalidStateException');
  });
});
