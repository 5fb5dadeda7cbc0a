// Asymmetric, HMAC and key-agreement keys through the engine, checked bit for bit by OpenSSL
// (spawned): it verifies every signing algorithm's signatures with the key from GetPublicKey,
// encrypts with that key for Decrypt, derives the same ECDH secret, computes the same HMAC over
// imported material, and verifies what a data key pair's private key signs.
import Database from 'better-sqlite3';
import { ECDH, constants, createPrivateKey, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, sign as nodeSign } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeySpec, KeyUsage } from '../../shared/api/operations.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { OPENSSL, peerAvailable, run } from '../interop/peers.ts';
import { bytes, kmsError, newEngine, tempDir, text, type TestEngine } from '../support/engine.ts';
import { snapshotState } from '../support/snapshot.ts';

let t: TestEngine;
let work: string;
beforeAll(async () => {
  t = await newEngine();
  work = tempDir('strongroom-openssl-');
});
afterAll(() => {
  t.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const withOpenssl = peerAvailable(OPENSSL) ? describe : describe.skip;

async function openssl(args: ReadonlyArray<string>): Promise<string> {
  const r = await run(OPENSSL, args, { cwd: work });
  if (r.code !== 0) {
    throw new Error(`openssl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  }
  return r.stdout;
}

async function createKey(KeySpec: KeySpec, KeyUsage: KeyUsage): Promise<string> {
  return (await t.kms.invoke('CreateKey', { KeySpec, KeyUsage })).KeyMetadata.KeyId;
}

/** Writes a key's public key (from GetPublicKey) as PEM and returns the file name. */
async function publicKeyFile(keyId: string, name: string): Promise<string> {
  const der = (await t.kms.invoke('GetPublicKey', { KeyId: keyId })).PublicKey;
  writeFileSync(join(work, name), createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }));
  return name;
}

const sha = (algorithm: string): string => `-sha${algorithm.slice(-3)}`;

withOpenssl('OpenSSL verifies Strongroom’s signatures', () => {
  const cases: ReadonlyArray<[KeySpec, ReadonlyArray<string>]> = [
    ['RSA_2048', ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512', 'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512']],
    ['RSA_3072', ['RSASSA_PSS_SHA_384']],
    ['RSA_4096', ['RSASSA_PKCS1_V1_5_SHA_512']],
    ['ECC_NIST_P256', ['ECDSA_SHA_256']],
    ['ECC_NIST_P384', ['ECDSA_SHA_384']],
    ['ECC_NIST_P521', ['ECDSA_SHA_512']],
    ['ECC_SECG_P256K1', ['ECDSA_SHA_256']],
  ];
  for (const [spec, algorithms] of cases) {
    it(`${spec}: ${algorithms.join(', ')}, RAW and DIGEST`, async () => {
      const keyId = await createKey(spec, 'SIGN_VERIFY');
      const md = (await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata;
      expect(md.SigningAlgorithms).toEqual(expect.arrayContaining([...algorithms]));
      expect(md.EncryptionAlgorithms).toBeUndefined();
      const pub = await publicKeyFile(keyId, `${spec}.pem`);
      const message = randomBytes(300);
      writeFileSync(join(work, 'message.bin'), message);
      for (const algorithm of algorithms) {
        const hash = `sha${algorithm.slice(-3)}`;
        const digest = new Uint8Array(await import('node:crypto').then((c) => c.createHash(hash).update(message).digest()));
        const pss = algorithm.startsWith('RSASSA_PSS') ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:-1'] : [];
        for (const [type, input] of [['RAW', message], ['DIGEST', digest]] as const) {
          const signed = await t.kms.invoke('Sign', { KeyId: keyId, Message: input, MessageType: type, SigningAlgorithm: algorithm as 'ECDSA_SHA_256' });
          expect(signed.SigningAlgorithm).toBe(algorithm);
          writeFileSync(join(work, 'sig.bin'), signed.Signature);
          expect(await openssl(['dgst', sha(algorithm), '-verify', pub, ...pss, '-signature', 'sig.bin', 'message.bin'])).toContain('Verified OK');
          // Either message type verifies either signature.
          for (const [vType, vInput] of [['RAW', message], ['DIGEST', digest]] as const) {
            const verified = await t.kms.invoke('Verify', { KeyId: keyId, Message: vInput, MessageType: vType, Signature: signed.Signature, SigningAlgorithm: algorithm as 'ECDSA_SHA_256' });
            expect(verified).toEqual({ KeyId: md.Arn, SignatureValid: true, SigningAlgorithm: algorithm });
          }
          const tampered = Uint8Array.from(signed.Signature);
          tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 1;
          expect((await kmsError(t.kms.invoke('Verify', { KeyId: keyId, Message: message, Signature: tampered, SigningAlgorithm: algorithm as 'ECDSA_SHA_256' }))).name).toBe('KMSInvalidSignatureException');
        }
      }
    });
  }
});

withOpenssl('RSA encryption, ECDH and HMAC against OpenSSL', () => {
  it('OpenSSL encrypts with GetPublicKey’s key (OAEP SHA-1 and SHA-256) and Decrypt recovers it; the plaintext limits are AWS’s', async () => {
    const keyId = await createKey('RSA_2048', 'ENCRYPT_DECRYPT');
    const md = (await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata;
    expect(md.EncryptionAlgorithms).toEqual(['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    const pub = await publicKeyFile(keyId, 'rsa-enc.pem');
    for (const [algorithm, md2, limit] of [['RSAES_OAEP_SHA_1', 'sha1', 214], ['RSAES_OAEP_SHA_256', 'sha256', 190]] as const) {
      const secret = randomBytes(limit);
      writeFileSync(join(work, 'secret.bin'), secret);
      await openssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', pub, '-in', 'secret.bin', '-out', 'secret.enc',
        '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${md2}`, '-pkeyopt', `rsa_mgf1_md:${md2}`]);
      const dec = await t.kms.invoke('Decrypt', { KeyId: keyId, CiphertextBlob: readFileSync(join(work, 'secret.enc')), EncryptionAlgorithm: algorithm });
      expect(Buffer.from(dec.Plaintext).equals(secret)).toBe(true);
      expect(dec.EncryptionAlgorithm).toBe(algorithm);
      const enc = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: secret, EncryptionAlgorithm: algorithm });
      expect(enc.EncryptionAlgorithm).toBe(algorithm);
      expect(enc.CiphertextBlob).toHaveLength(256);
      const over = await kmsError(t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: randomBytes(limit + 1), EncryptionAlgorithm: algorithm }));
      expect(over.name).toBe('ValidationException');
      expect(over.message).toContain(`at most ${limit} bytes`);
    }
    const symmetric = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const sealed = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('re-encrypt me'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    const moved = await t.kms.invoke('ReEncrypt', { CiphertextBlob: sealed.CiphertextBlob, SourceKeyId: keyId, SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', DestinationKeyId: symmetric });
    expect(moved.SourceEncryptionAlgorithm).toBe('RSAES_OAEP_SHA_256');
    expect(text((await t.kms.invoke('Decrypt', { CiphertextBlob: moved.CiphertextBlob })).Plaintext)).toBe('re-encrypt me');
    expect((await kmsError(t.kms.invoke('Decrypt', { CiphertextBlob: sealed.CiphertextBlob }))).name).toBe('InvalidCiphertextException');
    expect((await kmsError(t.kms.invoke('Decrypt', { KeyId: keyId, CiphertextBlob: sealed.CiphertextBlob }))).name).toBe('InvalidKeyUsageException');
    expect((await kmsError(t.kms.invoke('Decrypt', { KeyId: keyId, CiphertextBlob: sealed.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }))).name).toBe('InvalidCiphertextException');
  });

  for (const [spec, curve] of [['ECC_NIST_P256', 'P-256'], ['ECC_NIST_P384', 'P-384'], ['ECC_NIST_P521', 'P-521']] as const) {
    it(`${spec}: DeriveSharedSecret equals openssl pkeyutl -derive`, async () => {
      const keyId = await createKey(spec, 'KEY_AGREEMENT');
      expect((await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyAgreementAlgorithms).toEqual(['ECDH']);
      const kmsPub = await publicKeyFile(keyId, `${spec}-agree.pem`);
      await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-out', 'peer.pem']);
      await openssl(['pkey', '-in', 'peer.pem', '-pubout', '-outform', 'DER', '-out', 'peer.der']);
      await openssl(['pkeyutl', '-derive', '-inkey', 'peer.pem', '-peerkey', kmsPub, '-out', 'shared.bin']);
      const derived = await t.kms.invoke('DeriveSharedSecret', { KeyId: keyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: readFileSync(join(work, 'peer.der')) });
      expect(Buffer.from(derived.SharedSecret).equals(readFileSync(join(work, 'shared.bin')))).toBe(true);
      expect(derived).toMatchObject({ KeyAgreementAlgorithm: 'ECDH', KeyOrigin: 'AWS_KMS' });
    });
  }

  for (const [spec, algorithm, bits] of [['HMAC_224', 'HMAC_SHA_224', 224], ['HMAC_256', 'HMAC_SHA_256', 256], ['HMAC_384', 'HMAC_SHA_384', 384], ['HMAC_512', 'HMAC_SHA_512', 512]] as const) {
    it(`${spec}: GenerateMac over imported material equals openssl dgst -mac HMAC`, async () => {
      const keyId = (await t.kms.invoke('CreateKey', { KeySpec: spec, KeyUsage: 'GENERATE_VERIFY_MAC', Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
      const material = randomBytes(bits / 8);
      const params = await t.kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
      const wrapping = createPublicKey({ key: Buffer.from(params.PublicKey), format: 'der', type: 'spki' });
      const EncryptedKeyMaterial = publicEncrypt({ key: wrapping, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
      await t.kms.invoke('ImportKeyMaterial', { KeyId: keyId, ImportToken: params.ImportToken, EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
      const message = randomBytes(1000);
      writeFileSync(join(work, 'mac-message.bin'), message);
      const out = await openssl(['dgst', `-sha${bits}`, '-mac', 'HMAC', '-macopt', `hexkey:${material.toString('hex')}`, 'mac-message.bin']);
      const mac = await t.kms.invoke('GenerateMac', { KeyId: keyId, Message: message, MacAlgorithm: algorithm });
      expect(out.trim().split(/[= ]+/).at(-1)).toBe(Buffer.from(mac.Mac).toString('hex'));
      expect(await t.kms.invoke('VerifyMac', { KeyId: keyId, Message: message, MacAlgorithm: algorithm, Mac: mac.Mac })).toMatchObject({ MacValid: true, MacAlgorithm: algorithm });
      expect((await kmsError(t.kms.invoke('VerifyMac', { KeyId: keyId, Message: message, MacAlgorithm: algorithm, Mac: mac.Mac.subarray(0, 16) }))).name).toBe('KMSInvalidMacException');
    });
  }

  for (const pairSpec of ['RSA_2048', 'ECC_NIST_P256', 'ECC_SECG_P256K1'] as const) {
    it(`GenerateDataKeyPair ${pairSpec}: the private key, decrypted, signs what OpenSSL verifies with the public key`, async () => {
      const wrapKey = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
      const pair = await t.kms.invoke('GenerateDataKeyPair', { KeyId: wrapKey, KeyPairSpec: pairSpec, EncryptionContext: { purpose: 'pair' } });
      expect(pair.KeyPairSpec).toBe(pairSpec);
      const decrypted = await t.kms.invoke('Decrypt', { CiphertextBlob: pair.PrivateKeyCiphertextBlob, EncryptionContext: { purpose: 'pair' } });
      expect(Buffer.from(decrypted.Plaintext).equals(Buffer.from(pair.PrivateKeyPlaintext))).toBe(true);
      const privateKey = createPrivateKey({ key: Buffer.from(decrypted.Plaintext), format: 'der', type: 'pkcs8' });
      const message = bytes(`signed by a ${pairSpec} data key pair`);
      writeFileSync(join(work, 'pair-message.bin'), message);
      writeFileSync(join(work, 'pair-sig.bin'), nodeSign('sha256', message, privateKey));
      writeFileSync(join(work, 'pair-pub.der'), pair.PublicKey);
      expect(await openssl(['dgst', '-sha256', '-verify', 'pair-pub.der', '-keyform', 'DER', '-signature', 'pair-sig.bin', 'pair-message.bin'])).toContain('Verified OK');
      const without = await t.kms.invoke('GenerateDataKeyPairWithoutPlaintext', { KeyId: wrapKey, KeyPairSpec: pairSpec });
      expect(without).not.toHaveProperty('PrivateKeyPlaintext');
      const other = createPrivateKey({ key: Buffer.from((await t.kms.invoke('Decrypt', { CiphertextBlob: without.PrivateKeyCiphertextBlob })).Plaintext), format: 'der', type: 'pkcs8' });
      expect(Buffer.from(createPublicKey(other).export({ type: 'spki', format: 'der' })).equals(Buffer.from(without.PublicKey))).toBe(true);
    });
  }
});

describe('wrong keys, algorithms and inputs get AWS errors and change nothing', () => {
  it('rejects every mismatch with the AWS error', async () => {
    const rsaSign = await createKey('RSA_2048', 'SIGN_VERIFY');
    const rsaEnc = await createKey('RSA_2048', 'ENCRYPT_DECRYPT');
    const p256 = await createKey('ECC_NIST_P256', 'SIGN_VERIFY');
    const agree = await createKey('ECC_NIST_P256', 'KEY_AGREEMENT');
    const hmacKey = await createKey('HMAC_256', 'GENERATE_VERIFY_MAC');
    const symmetric = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const p384Pub = (await t.kms.invoke('GetPublicKey', { KeyId: await createKey('ECC_NIST_P384', 'SIGN_VERIFY') })).PublicKey;
    const rsaPub = (await t.kms.invoke('GetPublicKey', { KeyId: rsaEnc })).PublicKey;
    const db = new Database(join(t.dir, DATABASE_FILE), { readonly: true });
    const before = snapshotState(db);
    const name = async (p: Promise<unknown>) => (await kmsError(p)).name;
    const msg = bytes('m');
    expect(await name(t.kms.invoke('Sign', { KeyId: rsaEnc, Message: msg, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }))).toBe('InvalidKeyUsageException');
    expect(await name(t.kms.invoke('Sign', { KeyId: p256, Message: msg, SigningAlgorithm: 'ECDSA_SHA_384' }))).toBe('InvalidKeyUsageException');
    expect(await name(t.kms.invoke('Sign', { KeyId: rsaSign, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' }))).toBe('InvalidKeyUsageException');
    expect(await name(t.kms.invoke('Sign', { KeyId: symmetric, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' }))).toBe('InvalidKeyUsageException');
    expect(await name(t.kms.invoke('Sign', { KeyId: p256, Message: new Uint8Array(4097), SigningAlgorithm: 'ECDSA_SHA_256' }))).toBe('ValidationException');
    const digest = await kmsError(t.kms.invoke('Sign', { KeyId: p256, Message: new Uint8Array(31), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));
    expect([digest.name, digest.message]).toEqual(['ValidationException', expect.stringContaining('32-byte hash')]);
    expect(await name(t.kms.invoke('Sign', { KeyId: p256, Message: msg, MessageType: 'EXTERNAL_MU', SigningAlgorithm: 'ECDSA_SHA_256' }))).toBe('InvalidKeyUsageException');
    expect(await name(t.kms.invoke('Encrypt', { KeyId: hmacKey, Plaintext: msg }))).toBe('InvalidKeyUsageException');
    expect(await name(t.kms.invoke('Encrypt', { KeyId: rsaEnc, Plaintext: msg }))).toBe('InvalidKeyUsageException');
    expect(await name(t.kms.invoke('Encrypt', { KeyId: rsaEnc, Plaintext: msg, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256', EncryptionContext: { a: 'b' } }))).toBe('ValidationException');
    expect(await name(t.kms.invoke('GenerateMac', { KeyId: hmacKey, Message: msg, MacAlgorithm: 'HMAC_SHA_512' }))).toBe('InvalidKeyUsageException');
    expect(await name(t.kms.invoke('GenerateMac', { KeyId: symmetric, Message: msg, MacAlgorithm: 'HMAC_SHA_256' }))).toBe('InvalidKeyUsageException');
    expect(await name(t.kms.invoke('GenerateDataKey', { KeyId: rsaEnc, KeySpec: 'AES_256' }))).toBe('InvalidKeyUsageException');
    expect(await name(t.kms.invoke('GenerateDataKeyPair', { KeyId: rsaEnc, KeyPairSpec: 'RSA_2048' }))).toBe('InvalidKeyUsageException');
    expect(await name(t.kms.invoke('GenerateDataKeyPair', { KeyId: symmetric, KeyPairSpec: 'SM2' }))).toBe('UnsupportedOperationException');
    expect(await name(t.kms.invoke('GetPublicKey', { KeyId: hmacKey }))).toBe('UnsupportedOperationException');
    expect(await name(t.kms.invoke('DeriveSharedSecret', { KeyId: p256, KeyAgreementAlgorithm: 'ECDH', PublicKey: msg }))).toBe('InvalidKeyUsageException');
    const notDer = await kmsError(t.kms.invoke('DeriveSharedSecret', { KeyId: agree, KeyAgreementAlgorithm: 'ECDH', PublicKey: bytes('-----BEGIN PUBLIC KEY-----') }));
    expect([notDer.name, notDer.message]).toEqual(['ValidationException', expect.stringContaining('SubjectPublicKeyInfo')]);
    expect(await name(t.kms.invoke('DeriveSharedSecret', { KeyId: agree, KeyAgreementAlgorithm: 'ECDH', PublicKey: p384Pub }))).toBe('InvalidKeyUsageException');
    expect(await name(t.kms.invoke('DeriveSharedSecret', { KeyId: agree, KeyAgreementAlgorithm: 'ECDH', PublicKey: rsaPub }))).toBe('InvalidKeyUsageException');
    for (const [KeySpec, KeyUsage] of [['ECC_NIST_P256', 'ENCRYPT_DECRYPT'], ['ECC_SECG_P256K1', 'KEY_AGREEMENT'], ['HMAC_256', 'ENCRYPT_DECRYPT'], ['RSA_2048', 'GENERATE_VERIFY_MAC']] as const) {
      expect(await name(t.kms.invoke('CreateKey', { KeySpec, KeyUsage }))).toBe('ValidationException');
    }
    expect(await name(t.kms.invoke('CreateKey', { KeySpec: 'HMAC_256' }))).toBe('ValidationException');
    expect(await name(t.kms.invoke('EnableKeyRotation', { KeyId: rsaSign }))).toBe('UnsupportedOperationException');
    // Nothing stored changed (the audit log aside, which snapshotState leaves out).
    expect(snapshotState(db)).toEqual(before);
    db.close();
  });

  it('DeriveSharedSecret takes a peer key in DER, compressed or not, and nothing looser', async () => {
    const keyId = await createKey('ECC_NIST_P256', 'KEY_AGREEMENT');
    const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const der = peer.publicKey.export({ type: 'spki', format: 'der' });
    const plain = await t.kms.invoke('DeriveSharedSecret', { KeyId: keyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: der });
    const point = der.subarray(der.length - 65);
    const compressed = ECDH.convertKey(point, 'prime256v1', undefined, undefined, 'compressed') as Buffer;
    // SEQUENCE { the same AlgorithmIdentifier, BIT STRING { 0, compressed point } }
    const algorithm = der.subarray(2, der.length - 68);
    const body = Buffer.concat([algorithm, Buffer.of(0x03, compressed.length + 1, 0), compressed]);
    const compressedDer = Buffer.concat([Buffer.of(0x30, body.length), body]);
    const viaCompressed = await t.kms.invoke('DeriveSharedSecret', { KeyId: keyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: compressedDer });
    expect(Buffer.from(viaCompressed.SharedSecret).equals(Buffer.from(plain.SharedSecret))).toBe(true);
    for (const loose of [Buffer.concat([der, Buffer.of(0)]), Buffer.concat([Buffer.of(0x30, 0x81, der[1] ?? 0), der.subarray(2)])]) {
      expect((await kmsError(t.kms.invoke('DeriveSharedSecret', { KeyId: keyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: loose }))).name).toBe('ValidationException');
    }
  });

  it('audits Sign without the message, and Verify failures with their error', async () => {
    const keyId = await createKey('ECC_NIST_P256', 'SIGN_VERIFY');
    await t.kms.invoke('Sign', { KeyId: keyId, Message: bytes('top secret message'), SigningAlgorithm: 'ECDSA_SHA_256' });
    const record = t.kms.audit.list({ EventName: 'Sign', MaxResults: 1 })[0]?.record;
    expect(record?.requestParameters).toEqual({ keyId, signingAlgorithm: 'ECDSA_SHA_256' });
    expect(JSON.stringify(record)).not.toContain('top secret');
    await kmsError(t.kms.invoke('Verify', { KeyId: keyId, Message: bytes('x'), Signature: new Uint8Array(70), SigningAlgorithm: 'ECDSA_SHA_256' }));
    expect(t.kms.audit.list({ EventName: 'Verify', MaxResults: 1 })[0]?.record.errorCode).toBe('KMSInvalidSignatureException');
  });
});
