// ExportKeyMaterial (issue 11, D23), on real SQLite files:
//
//  1. The BYOK bridge between two installations: GetParametersForImport in a second installation
//     (an EXTERNAL key created with XStrongroomKeyId = the first key's id) → ExportKeyMaterial in
//     the first with that public key and token → ImportKeyMaterial in the second. A ciphertext the
//     first made BEFORE the export decrypts in the second, and the other way round; an HMAC key's
//     MACs agree. Every wrapping algorithm.
//  2. OpenSSL, given the wrapped blob and the wrapping private key, recovers the very material: the
//     unwrapped bytes open a ciphertext blob the engine made (AES-256-GCM, docs/ciphertext-format.md)
//     and compute the engine's HMAC; an asymmetric key's unwrapped PKCS#8 yields (openssl pkey) the
//     public key GetPublicKey returns. The material itself is never printed.
//  3. Refusals — not exportable, no strongroom:ExportKeyMaterial (kms:* and "*" do not grant it),
//     an explicit deny, disabled and pending-deletion keys, bad and small wrapping keys, RSA
//     private keys without RSA_AES_KEY_WRAP — each with its AWS error, audited, and nothing changed.
//  4. The audit record of an export: key, wrapping algorithm, the SHA-256 of the wrapping public
//     key; never the material or the wrapped blob.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { constants, createDecipheriv, createHash, createHmac, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { operations, operationNames } from '../../shared/api/operations.ts';
import { OPENSSL, peerAvailable } from '../interop/peers.ts';
import { bytes, kmsError, newEngine, tempDir, text, type TestEngine } from '../support/engine.ts';
import { snapshotState } from '../support/snapshot.ts';

const ACCOUNT = '111122223333';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const keyArn = (keyId: string): string => `arn:aws:kms:local-1:${ACCOUNT}:key/${keyId}`;
const ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'] as const;

const OWNER = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };
const EXPORT = { Sid: 'Allow export', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'strongroom:ExportKeyMaterial', Resource: '*' };
const policy = (...statements: ReadonlyArray<Record<string, unknown>>): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const EXPORT_POLICY = policy(OWNER, EXPORT);

function rsa(bits: number): { publicDer: Uint8Array; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { publicDer: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })), privateKey };
}

let one: TestEngine;
let two: TestEngine;
beforeEach(async () => {
  one = await newEngine();
  two = await newEngine();
});
afterEach(() => {
  one.cleanup();
  two.cleanup();
});

async function exportableKey(t: TestEngine, input: Record<string, unknown> = {}): Promise<string> {
  return (await t.kms.invoke('CreateKey', { XStrongroomExportable: true, Policy: EXPORT_POLICY, ...input })).KeyMetadata.KeyId;
}

function lastRecord(t: TestEngine): Record<string, unknown> {
  const record = t.kms.audit.list({ MaxResults: 1 })[0]?.record;
  if (record === undefined) {
    throw new Error('no audit record');
  }
  return record as unknown as Record<string, unknown>;
}

/** Moves key `keyId` from installation one into installation two, as a user would with the two APIs. */
async function move(keyId: string, algorithm: (typeof ALGORITHMS)[number], input: Record<string, unknown> = {}): Promise<{ exported: string; imported: string }> {
  await two.kms.invoke('CreateKey', { Origin: 'EXTERNAL', XStrongroomKeyId: keyId, ...input });
  const params = await two.kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: algorithm, WrappingKeySpec: 'RSA_3072' });
  const out = await one.kms.invoke('ExportKeyMaterial', { KeyId: keyId, WrappingAlgorithm: algorithm, WrappingPublicKey: params.PublicKey, ImportToken: params.ImportToken });
  expect(out).toMatchObject({ KeyId: keyArn(keyId), WrappingAlgorithm: algorithm });
  // The token is passed through unchanged, so the caller has both files for import-key-material.
  expect(Buffer.from(out.ImportToken ?? new Uint8Array()).equals(Buffer.from(params.ImportToken))).toBe(true);
  const imported = await two.kms.invoke('ImportKeyMaterial', {
    KeyId: keyId,
    ImportToken: out.ImportToken,
    EncryptedKeyMaterial: out.EncryptedKeyMaterial,
    ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
  });
  return { exported: out.KeyMaterialId, imported: imported.KeyMaterialId };
}

describe('the BYOK bridge between two installations', () => {
  for (const algorithm of ALGORITHMS) {
    it(`a symmetric key moved with ${algorithm} decrypts what the first installation encrypted before the export`, async () => {
      const keyId = await exportableKey(one);
      expect((await one.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.XStrongroomExportable).toBe(true);
      const before = await one.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes(`written before export (${algorithm})`), EncryptionContext: { purpose: 'byok' } });
      const { exported, imported } = await move(keyId, algorithm);
      expect(imported).toBe(exported);
      expect((await one.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.CurrentKeyMaterialId).toBe(exported);
      const opened = await two.kms.invoke('Decrypt', { CiphertextBlob: before.CiphertextBlob, EncryptionContext: { purpose: 'byok' } });
      expect(text(opened.Plaintext)).toBe(`written before export (${algorithm})`);
      expect(opened.KeyId).toBe(keyArn(keyId));
      // And back: the second installation's ciphertexts open in the first.
      const after = await two.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('written after import') });
      expect(text((await one.kms.invoke('Decrypt', { CiphertextBlob: after.CiphertextBlob })).Plaintext)).toBe('written after import');
      // The second copy is not exportable unless it was created so.
      expect((await two.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata).toMatchObject({ Origin: 'EXTERNAL', KeyState: 'Enabled' });
      expect((await two.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.XStrongroomExportable).toBeUndefined();
    });
  }

  it('an HMAC key moved across computes the same MACs', async () => {
    const keyId = await exportableKey(one, { KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const message = bytes('mac me');
    const mac = (await one.kms.invoke('GenerateMac', { KeyId: keyId, Message: message, MacAlgorithm: 'HMAC_SHA_384' })).Mac;
    await move(keyId, 'RSA_AES_KEY_WRAP_SHA_256', { KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const again = (await two.kms.invoke('GenerateMac', { KeyId: keyId, Message: message, MacAlgorithm: 'HMAC_SHA_384' })).Mac;
    expect(Buffer.from(again).equals(Buffer.from(mac))).toBe(true);
    expect((await two.kms.invoke('VerifyMac', { KeyId: keyId, Message: message, Mac: mac, MacAlgorithm: 'HMAC_SHA_384' })).MacValid).toBe(true);
  });

  it('without XStrongroomKeyId the imported key has another id, and the old ciphertexts do not open there (AWS semantics)', async () => {
    const keyId = await exportableKey(one);
    const before = await one.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') });
    const other = (await two.kms.invoke('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    const params = await two.kms.invoke('GetParametersForImport', { KeyId: other, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const out = await one.kms.invoke('ExportKeyMaterial', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: params.PublicKey });
    expect(out.ImportToken).toBeUndefined();
    await two.kms.invoke('ImportKeyMaterial', { KeyId: other, ImportToken: params.ImportToken, EncryptedKeyMaterial: out.EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    // The blob names a key id the second installation does not have: refused as AWS refuses it.
    expect((await kmsError(two.kms.invoke('Decrypt', { CiphertextBlob: before.CiphertextBlob }))).name).toBe('AccessDeniedException');
  });

  it('XStrongroomKeyId is for EXTERNAL keys only, and never takes an id already in use', async () => {
    const keyId = await exportableKey(one);
    expect((await kmsError(two.kms.invoke('CreateKey', { XStrongroomKeyId: keyId }))).name).toBe('ValidationException');
    await two.kms.invoke('CreateKey', { Origin: 'EXTERNAL', XStrongroomKeyId: keyId });
    expect((await kmsError(two.kms.invoke('CreateKey', { Origin: 'EXTERNAL', XStrongroomKeyId: keyId }))).name).toBe('AlreadyExistsException');
    expect((await kmsError(two.kms.invoke('CreateKey', { Origin: 'EXTERNAL', XStrongroomKeyId: 'not-a-uuid' }))).name).toBe('ValidationException');
  });

  it('a rotated key: the current material alone opens only the newest ciphertexts; moving every material in order opens them all', async () => {
    const keyId = await exportableKey(one);
    const blobs: Array<Uint8Array> = [];
    for (let version = 1; version <= 3; version++) {
      blobs.push((await one.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes(`version ${version}`) })).CiphertextBlob);
      if (version < 3) {
        await one.kms.invoke('RotateKeyOnDemand', { KeyId: keyId });
      }
    }
    const materials = (await one.kms.invoke('ListKeyRotations', { KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).Rotations.map((r) => r.KeyMaterialId ?? '');
    expect(materials).toHaveLength(3);
    const wrappingFor = async (materialId?: string) => {
      const params = await two.kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
      const out = await one.kms.invoke('ExportKeyMaterial', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: params.PublicKey, ...(materialId === undefined ? {} : { KeyMaterialId: materialId }) });
      return { ImportToken: params.ImportToken, EncryptedKeyMaterial: out.EncryptedKeyMaterial, materialId: out.KeyMaterialId };
    };
    await two.kms.invoke('CreateKey', { Origin: 'EXTERNAL', XStrongroomKeyId: keyId });
    // Oldest first: the first import becomes version 1 and current; each next one waits for
    // RotateKeyOnDemand, which makes it the next version — the same numbers the blobs carry.
    for (const [i, materialId] of materials.entries()) {
      const wrapped = await wrappingFor(materialId);
      expect(wrapped.materialId).toBe(materialId);
      await two.kms.invoke('ImportKeyMaterial', { KeyId: keyId, ImportToken: wrapped.ImportToken, EncryptedKeyMaterial: wrapped.EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', ImportType: 'NEW_KEY_MATERIAL' });
      if (i > 0) {
        await two.kms.invoke('RotateKeyOnDemand', { KeyId: keyId });
      }
    }
    for (const [i, blob] of blobs.entries()) {
      expect(text((await two.kms.invoke('Decrypt', { CiphertextBlob: blob })).Plaintext)).toBe(`version ${i + 1}`);
    }
    expect((await two.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.CurrentKeyMaterialId).toBe(materials[2]);
    // Without KeyMaterialId the export is the current material.
    expect((await wrappingFor()).materialId).toBe(materials[2]);
    expect((await kmsError(one.kms.invoke('ExportKeyMaterial', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: rsa(2048).publicDer, KeyMaterialId: 'a'.repeat(64) }))).name).toBe('NotFoundException');
  });

  it('an EXTERNAL key created exportable re-exports its imported material', async () => {
    const keyId = await exportableKey(one);
    await move(keyId, 'RSAES_OAEP_SHA_256', { XStrongroomExportable: true, Policy: EXPORT_POLICY });
    const wrapping = rsa(2048);
    const out = await two.kms.invoke('ExportKeyMaterial', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: wrapping.publicDer });
    expect(out.KeySpec).toBe('SYMMETRIC_DEFAULT');
  });
});

// --- OpenSSL recovers the same material ------------------------------------------------------------

const withOpenssl = peerAvailable(OPENSSL) ? describe : describe.skip;

/** Unwraps EncryptedKeyMaterial with the openssl command line only (pkeyutl, enc). */
function opensslUnwrap(dir: string, algorithm: (typeof ALGORITHMS)[number], privatePem: string, modulusBytes: number, wrapped: Uint8Array): Buffer {
  const md = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  const keyFile = join(dir, 'wrapping-private.pem');
  writeFileSync(keyFile, privatePem, { mode: 0o600 });
  const run = (args: ReadonlyArray<string>, input: Uint8Array): Buffer => {
    const r = spawnSync(OPENSSL, args, { input });
    if (r.status !== 0) {
      throw new Error(`openssl ${args.join(' ')}: ${r.stderr.toString()}`);
    }
    return r.stdout;
  };
  const oaep = (data: Uint8Array): Buffer =>
    run(['pkeyutl', '-decrypt', '-inkey', keyFile, '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${md}`, '-pkeyopt', `rsa_mgf1_md:${md}`], data);
  if (algorithm === 'RSAES_OAEP_SHA_1' || algorithm === 'RSAES_OAEP_SHA_256') {
    return oaep(wrapped);
  }
  const aesKey = oaep(wrapped.subarray(0, modulusBytes));
  // OpenSSL 3's enc accepts the wrap-pad mode (RFC 5649's IV A65959A6).
  return run(['enc', '-d', '-id-aes256-wrap-pad', '-K', aesKey.toString('hex'), '-iv', 'A65959A6'], wrapped.subarray(modulusBytes));
}

withOpenssl('OpenSSL unwraps the exported blob to the key’s material', () => {
  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: the unwrapped bytes open the engine's ciphertext and compute its HMAC`, async () => {
      const dir = tempDir('strongroom-export-openssl-');
      const wrapping = rsa(3072);
      const pem = wrapping.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

      // A symmetric key: decrypt a ciphertext blob by hand (docs/ciphertext-format.md).
      const keyId = await exportableKey(one);
      const blob = Buffer.from((await one.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('known plaintext') })).CiphertextBlob);
      const out = await one.kms.invoke('ExportKeyMaterial', { KeyId: keyId, WrappingAlgorithm: algorithm, WrappingPublicKey: wrapping.publicDer });
      const material = opensslUnwrap(dir, algorithm, pem, 384, out.EncryptedKeyMaterial);
      expect(material.length).toBe(32);
      const aad = Buffer.concat([blob.subarray(0, 21), Buffer.alloc(4)]); // header + the empty context's encoding
      const decipher = createDecipheriv('aes-256-gcm', material, blob.subarray(21, 33));
      decipher.setAAD(aad);
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      const plain = Buffer.concat([decipher.update(blob.subarray(33, blob.length - 16)), decipher.final()]);
      expect(plain.toString()).toBe('known plaintext');

      // An HMAC key: node:crypto's HMAC with the unwrapped bytes equals GenerateMac.
      const macKey = await exportableKey(one, { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
      const mac = (await one.kms.invoke('GenerateMac', { KeyId: macKey, Message: bytes('message'), MacAlgorithm: 'HMAC_SHA_256' })).Mac;
      const macOut = await one.kms.invoke('ExportKeyMaterial', { KeyId: macKey, WrappingAlgorithm: algorithm, WrappingPublicKey: wrapping.publicDer });
      expect(macOut.KeySpec).toBe('HMAC_256');
      const macMaterial = opensslUnwrap(dir, algorithm, pem, 384, macOut.EncryptedKeyMaterial);
      expect(createHmac('sha256', macMaterial).update('message').digest().equals(Buffer.from(mac))).toBe(true);
    });
  }
});

withOpenssl('OpenSSL reads an exported asymmetric key as the PKCS#8 private key AWS imports', () => {
  const cases = [
    { spec: 'ECC_NIST_P256', usage: 'SIGN_VERIFY', algorithm: 'RSAES_OAEP_SHA_256' },
    { spec: 'ECC_SECG_P256K1', usage: 'SIGN_VERIFY', algorithm: 'RSA_AES_KEY_WRAP_SHA_1' },
    { spec: 'ECC_NIST_P384', usage: 'KEY_AGREEMENT', algorithm: 'RSA_AES_KEY_WRAP_SHA_256' },
    { spec: 'RSA_3072', usage: 'ENCRYPT_DECRYPT', algorithm: 'RSA_AES_KEY_WRAP_SHA_256' },
  ] as const;
  for (const c of cases) {
    it(`${c.spec} with ${c.algorithm}: openssl pkey derives the very public key GetPublicKey returns`, async () => {
      const dir = tempDir('strongroom-export-pkcs8-');
      const wrapping = rsa(3072);
      const pem = wrapping.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const keyId = await exportableKey(one, { KeySpec: c.spec, KeyUsage: c.usage });
      const out = await one.kms.invoke('ExportKeyMaterial', { KeyId: keyId, WrappingAlgorithm: c.algorithm, WrappingPublicKey: wrapping.publicDer });
      expect(out.KeySpec).toBe(c.spec);
      const pkcs8 = opensslUnwrap(dir, c.algorithm, pem, 384, out.EncryptedKeyMaterial);
      const derived = spawnSync(OPENSSL, ['pkey', '-inform', 'DER', '-pubout', '-outform', 'DER'], { input: pkcs8 });
      expect(derived.status, derived.stderr.toString()).toBe(0);
      const expected = (await one.kms.invoke('GetPublicKey', { KeyId: keyId })).PublicKey;
      expect(derived.stdout.equals(Buffer.from(expected))).toBe(true);
    });
  }
});

// --- Refusals ------------------------------------------------------------------------------------

describe('refusals: the AWS error, one audit record, nothing changed', () => {
  const wrapping = rsa(2048);

  async function refused(request: Record<string, unknown>, error: string, message: RegExp): Promise<void> {
    const db = new Database(join(one.dir, DATABASE_FILE), { readonly: true });
    const before = snapshotState(db);
    const err = await kmsError(one.kms.invoke('ExportKeyMaterial', request));
    expect(err.name).toBe(error);
    expect(err.message).toMatch(message);
    expect(snapshotState(db)).toBe(before);
    db.close();
    const record = lastRecord(one);
    expect(record).toMatchObject({ eventName: 'ExportKeyMaterial', errorCode: error, errorMessage: err.message });
    expect(record.requestParameters).toMatchObject({ keyId: request.KeyId, wrappingAlgorithm: request.WrappingAlgorithm });
  }

  it('a key not created exportable', async () => {
    const keyId = (await one.kms.invoke('CreateKey', { Policy: EXPORT_POLICY })).KeyMetadata.KeyId;
    expect((await one.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.XStrongroomExportable).toBeUndefined();
    await refused({ KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: wrapping.publicDer }, 'UnsupportedOperationException', /was not created exportable, and never can be/);
  });

  it('the default policy: kms:* does not grant strongroom:ExportKeyMaterial', async () => {
    const keyId = (await one.kms.invoke('CreateKey', { XStrongroomExportable: true })).KeyMetadata.KeyId;
    await refused(
      { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: wrapping.publicDer },
      'AccessDeniedException',
      new RegExp(`^User: ${ROOT} is not authorized to perform: strongroom:ExportKeyMaterial on resource: ${keyArn(keyId)} because no resource-based policy allows the strongroom:ExportKeyMaterial action$`),
    );
    const simulated = await one.kms.invoke('SimulatePolicy', { Principal: 'root', Action: 'strongroom:ExportKeyMaterial', KeyId: keyId });
    expect(simulated.Decision).toBe('ImplicitDeny');
  });

  it('Action "*" and NotAction do not grant it either; strongroom:* does', async () => {
    for (const statement of [{ ...OWNER, Action: '*' }, { ...OWNER, Action: undefined, NotAction: 'kms:Decrypt' }]) {
      const keyId = (await one.kms.invoke('CreateKey', { XStrongroomExportable: true, Policy: policy(OWNER, statement), BypassPolicyLockoutSafetyCheck: true })).KeyMetadata.KeyId;
      await refused({ KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: wrapping.publicDer }, 'AccessDeniedException', /strongroom:ExportKeyMaterial/);
    }
    const keyId = (await one.kms.invoke('CreateKey', { XStrongroomExportable: true, Policy: policy(OWNER, { ...EXPORT, Action: 'strongroom:*' }) })).KeyMetadata.KeyId;
    expect((await one.kms.invoke('SimulatePolicy', { Principal: 'root', Action: 'strongroom:ExportKeyMaterial', KeyId: keyId })).Decision).toBe('Allow');
    await one.kms.invoke('ExportKeyMaterial', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: wrapping.publicDer });
  });

  it('policies name the action exactly: strongroom:ExportKeyMaterial and strongroom:* validate, other strongroom: names do not', async () => {
    for (const action of ['strongroom:Foo', 'strongroom:SimulatePolicy', 'strongroom:Encrypt']) {
      const err = await kmsError(one.kms.invoke('CreateKey', { XStrongroomExportable: true, Policy: policy(OWNER, { ...EXPORT, Action: action }) }));
      expect(err.name, action).toBe('MalformedPolicyDocumentException');
      expect(err.message, action).toMatch(/matches no KMS action/);
    }
    for (const action of ['strongroom:ExportKeyMaterial', 'strongroom:*', 'STRONGROOM:exportkeymaterial', 'strongroom:Export*']) {
      await one.kms.invoke('CreateKey', { XStrongroomExportable: true, Policy: policy(OWNER, { ...EXPORT, Action: action }) });
    }
  });

  it('an explicit deny (Deny kms:* too) wins over the export statement', async () => {
    const keyId = await exportableKey(one, { Policy: policy(OWNER, EXPORT, { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { StringEquals: { 'kms:WrappingAlgorithm': 'RSAES_OAEP_SHA_1' } } }) });
    await refused({ KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_1', WrappingPublicKey: wrapping.publicDer }, 'AccessDeniedException', /with an explicit deny in a resource-based policy$/);
    await one.kms.invoke('ExportKeyMaterial', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: wrapping.publicDer });
  });

  it('a user whose identity policy allows "*" on a key that delegates to the account; an identity policy naming the action does', async () => {
    one.kms.createPrincipal('user', 'alice');
    one.kms.putIdentityPolicy('user', 'alice', 'admin', policy({ Effect: 'Allow', Action: '*', Resource: '*' }));
    const keyId = await exportableKey(one);
    const asAlice = { caller: one.kms.callerFor('alice', 'test') };
    const request = { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: wrapping.publicDer };
    const err = await kmsError(one.kms.invoke('ExportKeyMaterial', request, asAlice));
    expect(err.name).toBe('AccessDeniedException');
    // The key policy's export statement names the account root, so it delegates: an identity
    // policy naming the action explicitly completes it.
    one.kms.putIdentityPolicy('user', 'alice', 'export', policy({ Effect: 'Allow', Action: 'strongroom:ExportKeyMaterial', Resource: keyArn(keyId) }));
    expect((await one.kms.invoke('ExportKeyMaterial', request, asAlice)).KeyId).toBe(keyArn(keyId));
  });

  it('disabled and pending-deletion keys', async () => {
    const disabled = await exportableKey(one);
    await one.kms.invoke('DisableKey', { KeyId: disabled });
    await refused({ KeyId: disabled, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: wrapping.publicDer }, 'KMSInvalidStateException', /is disabled\.$/);
    const deleting = await exportableKey(one);
    await one.kms.invoke('ScheduleKeyDeletion', { KeyId: deleting, PendingWindowInDays: 7 });
    await refused({ KeyId: deleting, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: wrapping.publicDer }, 'KMSInvalidStateException', /is pending deletion\.$/);
    const pending = await exportableKey(one, { Origin: 'EXTERNAL' });
    await refused({ KeyId: pending, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: wrapping.publicDer }, 'KMSInvalidStateException', /is pending import\.$/);
  });

  it('wrapping keys that are not RSA SPKI of 2048–4096 bits, and retired algorithms', async () => {
    const keyId = await exportableKey(one);
    const request = (publicKey: Uint8Array, algorithm = 'RSAES_OAEP_SHA_256') => ({ KeyId: keyId, WrappingAlgorithm: algorithm, WrappingPublicKey: publicKey });
    await refused(request(bytes('not a key')), 'ValidationException', /WrappingPublicKey is not a DER SubjectPublicKeyInfo/);
    await refused(request(rsa(1024).publicDer), 'ValidationException', /is a 1024-bit RSA key; a wrapping key must be 2048 to 4096 bits/);
    const ec = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }));
    await refused(request(ec), 'ValidationException', /is a ec key; the wrapping algorithms take an RSA public key/);
    await refused(request(wrapping.publicDer, 'RSAES_PKCS1_V1_5'), 'ValidationException', /RSAES_PKCS1_V1_5 is not supported/);
  });

  it('asymmetric keys: RSA private keys only with RSA_AES_KEY_WRAP (AWS’s rule), and nothing too large for direct OAEP', async () => {
    const rsaKey = await exportableKey(one, { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
    await refused({ KeyId: rsaKey, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: wrapping.publicDer }, 'ValidationException', /AWS KMS imports RSA private keys only with RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256/);
    // A P-521 PKCS#8 key (~240 bytes) does not fit RSA-OAEP-SHA-256 under a 2048-bit key (190 bytes).
    const p521 = await exportableKey(one, { KeySpec: 'ECC_NIST_P521', KeyUsage: 'SIGN_VERIFY' });
    await refused({ KeyId: p521, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: wrapping.publicDer }, 'ValidationException', /is too large for RSAES_OAEP_SHA_256 under this wrapping key; use RSA_AES_KEY_WRAP_SHA_256/);
  });
});

describe('exportable is fixed at creation', () => {
  it('only CreateKey takes XStrongroomExportable: no operation can change it later', () => {
    const taking = operationNames.filter((n) => 'XStrongroomExportable' in operations[n].input.members);
    expect(taking).toEqual(['CreateKey']);
  });
});

describe('the audit record of an export', () => {
  it('names the key, the wrapping algorithm and the wrapping key’s SHA-256, never the material or the wrapped blob', async () => {
    const keyId = await exportableKey(one, { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const wrapping = rsa(2048);
    const out = await one.kms.invoke('ExportKeyMaterial', { KeyId: keyId, WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256', WrappingPublicKey: wrapping.publicDer, ImportToken: bytes('token') });
    const record = lastRecord(one);
    expect(record).toMatchObject({
      eventName: 'ExportKeyMaterial',
      readOnly: true,
      requestParameters: { keyId, wrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256' },
      additionalEventData: { wrappingPublicKeySha256: createHash('sha256').update(wrapping.publicDer).digest('hex') },
      resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: keyArn(keyId) }],
    });
    expect(record.errorCode).toBeUndefined();
    const material = nodeUnwrap(wrapping.privateKey, out.EncryptedKeyMaterial);
    const json = JSON.stringify(record);
    for (const secret of [material, Buffer.from(out.EncryptedKeyMaterial)]) {
      for (const encoded of [secret.toString('hex'), secret.toString('base64'), secret.toString('base64url')]) {
        expect(json.includes(encoded)).toBe(false);
      }
    }
  });
});

/** The test's own unwrap (node:crypto), only to have the material's encodings to scan for. */
function nodeUnwrap(privateKey: KeyObject, wrapped: Uint8Array): Buffer {
  const kek = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrapped.subarray(0, 256));
  const d = createDecipheriv('id-aes256-wrap-pad', kek, Buffer.from('a65959a6', 'hex'));
  return Buffer.concat([d.update(wrapped.subarray(256)), d.final()]);
}
