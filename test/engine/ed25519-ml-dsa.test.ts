// ECC_NIST_EDWARDS25519 and ML_DSA_44/65/87 keys through the engine: created, signed with and
// verified as AWS defines them (MessageType rules from AWS's Sign/Verify documentation), public
// keys as DER SubjectPublicKeyInfo that OpenSSL reads, signatures checked by @noble, and
// ECC_NIST_EDWARDS25519 as a GenerateDataKeyPair spec.
import { createHash, createPrivateKey, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytes, kmsError, newEngine, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
});
afterEach(() => t.cleanup());

async function signingKey(spec: 'ECC_NIST_EDWARDS25519' | 'ML_DSA_44' | 'ML_DSA_65' | 'ML_DSA_87'): Promise<string> {
  return (await t.kms.invoke('CreateKey', { KeySpec: spec, KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.KeyId;
}

describe('ECC_NIST_EDWARDS25519', () => {
  it('creates a SIGN_VERIFY key offering ED25519_SHA_512 and ED25519_PH_SHA_512; other usages are refused', async () => {
    const md = (await t.kms.invoke('CreateKey', { KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata;
    expect(md).toMatchObject({ KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] });
    expect(md.CurrentKeyMaterialId).toBeUndefined();
    expect((await kmsError(t.kms.invoke('CreateKey', { KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'KEY_AGREEMENT' }))).name).toBe('ValidationException');
  });

  it('GetPublicKey: DER SubjectPublicKeyInfo (RFC 8410) that OpenSSL reads as Ed25519', async () => {
    const keyId = await signingKey('ECC_NIST_EDWARDS25519');
    const pub = await t.kms.invoke('GetPublicKey', { KeyId: keyId });
    expect(pub).toMatchObject({ KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] });
    expect(pub.PublicKey.length).toBe(44);
    expect(Buffer.from(pub.PublicKey.subarray(0, 12)).toString('hex')).toBe('302a300506032b6570032100');
    expect(createPublicKey({ key: Buffer.from(pub.PublicKey), format: 'der', type: 'spki' }).asymmetricKeyType).toBe('ed25519');
  });

  it('ED25519_SHA_512 with RAW: pure Ed25519 that OpenSSL verifies; Verify accepts it and refuses a changed message', async () => {
    const keyId = await signingKey('ECC_NIST_EDWARDS25519');
    const publicKey = createPublicKey({ key: Buffer.from((await t.kms.invoke('GetPublicKey', { KeyId: keyId })).PublicKey), format: 'der', type: 'spki' });
    const message = bytes('sign me, Ed25519');
    const signed = await t.kms.invoke('Sign', { KeyId: keyId, Message: message, SigningAlgorithm: 'ED25519_SHA_512' });
    expect(signed.Signature.length).toBe(64);
    expect(nodeVerify(null, message, publicKey, signed.Signature)).toBe(true);
    expect((await t.kms.invoke('Verify', { KeyId: keyId, Message: message, Signature: signed.Signature, SigningAlgorithm: 'ED25519_SHA_512', MessageType: 'RAW' })).SignatureValid).toBe(true);
    const err = await kmsError(t.kms.invoke('Verify', { KeyId: keyId, Message: bytes('sign me, Ed25519!'), Signature: signed.Signature, SigningAlgorithm: 'ED25519_SHA_512' }));
    expect(err.name).toBe('KMSInvalidSignatureException');
  });

  it("ED25519_PH_SHA_512 with DIGEST: Ed25519ph over the caller's SHA-512 digest (hashed once more), as @noble/curves computes it", async () => {
    const keyId = await signingKey('ECC_NIST_EDWARDS25519');
    const spki = (await t.kms.invoke('GetPublicKey', { KeyId: keyId })).PublicKey;
    const digest = new Uint8Array(createHash('sha512').update('a large document').digest());
    const signed = await t.kms.invoke('Sign', { KeyId: keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ED25519_PH_SHA_512' });
    expect(ed25519ph.verify(signed.Signature, digest, spki.subarray(12), { zip215: false })).toBe(true);
    expect((await t.kms.invoke('Verify', { KeyId: keyId, Message: digest, MessageType: 'DIGEST', Signature: signed.Signature, SigningAlgorithm: 'ED25519_PH_SHA_512' })).SignatureValid).toBe(true);
  });

  it('MessageType rules: ED25519_SHA_512 requires RAW, ED25519_PH_SHA_512 requires DIGEST of 64 bytes (ValidationException)', async () => {
    const keyId = await signingKey('ECC_NIST_EDWARDS25519');
    const digest = new Uint8Array(64);
    const refused = [
      { Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ED25519_SHA_512' },
      { Message: digest, MessageType: 'EXTERNAL_MU', SigningAlgorithm: 'ED25519_SHA_512' },
      { Message: digest, SigningAlgorithm: 'ED25519_PH_SHA_512' },
      { Message: digest, MessageType: 'RAW', SigningAlgorithm: 'ED25519_PH_SHA_512' },
      { Message: new Uint8Array(32), MessageType: 'DIGEST', SigningAlgorithm: 'ED25519_PH_SHA_512' },
    ];
    for (const input of refused) {
      const err = await kmsError(t.kms.invoke('Sign', { KeyId: keyId, ...input }));
      expect(err.name, JSON.stringify({ ...input, Message: input.Message.length })).toBe('ValidationException');
      expect(err.message).toMatch(/ED25519/);
    }
    expect((await kmsError(t.kms.invoke('Sign', { KeyId: keyId, Message: digest, SigningAlgorithm: 'ECDSA_SHA_256' }))).name).toBe('InvalidKeyUsageException');
  });

  it('GenerateDataKeyPair ECC_NIST_EDWARDS25519: a PKCS#8 Ed25519 private key whose public half is the SPKI returned, sealed under the KMS key', async () => {
    const aes = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const pair = await t.kms.invoke('GenerateDataKeyPair', { KeyId: aes, KeyPairSpec: 'ECC_NIST_EDWARDS25519' });
    expect(pair.KeyPairSpec).toBe('ECC_NIST_EDWARDS25519');
    const privateKey = createPrivateKey({ key: Buffer.from(pair.PrivateKeyPlaintext), format: 'der', type: 'pkcs8' });
    expect(privateKey.asymmetricKeyType).toBe('ed25519');
    expect(Buffer.from(createPublicKey(privateKey).export({ type: 'spki', format: 'der' })).equals(Buffer.from(pair.PublicKey))).toBe(true);
    const opened = await t.kms.invoke('Decrypt', { CiphertextBlob: pair.PrivateKeyCiphertextBlob });
    expect(Buffer.from(opened.Plaintext).equals(Buffer.from(pair.PrivateKeyPlaintext))).toBe(true);
    const without = await t.kms.invoke('GenerateDataKeyPairWithoutPlaintext', { KeyId: aes, KeyPairSpec: 'ECC_NIST_EDWARDS25519' });
    expect(without.PublicKey.length).toBe(44);
  });
});

const ML_DSA = [
  ['ML_DSA_44', ml_dsa44, 2420, 1312],
  ['ML_DSA_65', ml_dsa65, 3309, 1952],
  ['ML_DSA_87', ml_dsa87, 4627, 2592],
] as const;

describe('ML_DSA_44 / ML_DSA_65 / ML_DSA_87', () => {
  for (const [spec, noble, signatureBytes, publicKeyBytes] of ML_DSA) {
    it(`${spec}: SIGN_VERIFY only with ML_DSA_SHAKE_256; GetPublicKey is an ML-DSA SubjectPublicKeyInfo; RAW signatures verify under @noble/post-quantum and OpenSSL`, async () => {
      const md = (await t.kms.invoke('CreateKey', { KeySpec: spec, KeyUsage: 'SIGN_VERIFY' })).KeyMetadata;
      expect(md.SigningAlgorithms).toEqual(['ML_DSA_SHAKE_256']);
      expect((await kmsError(t.kms.invoke('CreateKey', { KeySpec: spec, KeyUsage: 'ENCRYPT_DECRYPT' }))).name).toBe('ValidationException');
      const pub = await t.kms.invoke('GetPublicKey', { KeyId: md.KeyId });
      const publicKey = createPublicKey({ key: Buffer.from(pub.PublicKey), format: 'der', type: 'spki' });
      expect(publicKey.asymmetricKeyType).toBe(spec.toLowerCase().replaceAll('_', '-'));
      const raw = pub.PublicKey.subarray(pub.PublicKey.length - publicKeyBytes);
      const message = bytes(`a post-quantum signature with ${spec}`);
      const signed = await t.kms.invoke('Sign', { KeyId: md.KeyId, Message: message, SigningAlgorithm: 'ML_DSA_SHAKE_256' });
      expect(signed.Signature.length).toBe(signatureBytes);
      expect(noble.verify(signed.Signature, message, raw)).toBe(true);
      expect(nodeVerify(null, message, publicKey, signed.Signature)).toBe(true);
      expect((await t.kms.invoke('Verify', { KeyId: md.KeyId, Message: message, Signature: signed.Signature, SigningAlgorithm: 'ML_DSA_SHAKE_256' })).SignatureValid).toBe(true);
    });

    it(`${spec}: EXTERNAL_MU — Sign over the 64-byte μ gives a signature of the message itself; Verify with μ accepts a RAW signature`, async () => {
      const keyId = await signingKey(spec);
      const spki = (await t.kms.invoke('GetPublicKey', { KeyId: keyId })).PublicKey;
      const publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      const message = new Uint8Array(10_000).fill(7);
      const tr = createHash('shake256', { outputLength: 64 }).update(spki.subarray(spki.length - publicKeyBytes)).digest();
      const mu = new Uint8Array(createHash('shake256', { outputLength: 64 }).update(tr).update(Buffer.of(0, 0)).update(message).digest());
      const signed = await t.kms.invoke('Sign', { KeyId: keyId, Message: mu, MessageType: 'EXTERNAL_MU', SigningAlgorithm: 'ML_DSA_SHAKE_256' });
      expect(nodeVerify(null, message, publicKey, signed.Signature)).toBe(true);
      const small = bytes('small');
      const rawSigned = await t.kms.invoke('Sign', { KeyId: keyId, Message: small, SigningAlgorithm: 'ML_DSA_SHAKE_256' });
      const smallMu = new Uint8Array(createHash('shake256', { outputLength: 64 }).update(tr).update(Buffer.of(0, 0)).update(small).digest());
      expect((await t.kms.invoke('Verify', { KeyId: keyId, Message: smallMu, MessageType: 'EXTERNAL_MU', Signature: rawSigned.Signature, SigningAlgorithm: 'ML_DSA_SHAKE_256' })).SignatureValid).toBe(true);
      expect((await kmsError(t.kms.invoke('Verify', { KeyId: keyId, Message: mu, MessageType: 'EXTERNAL_MU', Signature: rawSigned.Signature, SigningAlgorithm: 'ML_DSA_SHAKE_256' }))).name).toBe('KMSInvalidSignatureException');
    });
  }

  it('MessageType rules: EXTERNAL_MU must be 64 bytes; DIGEST is not an ML-DSA form (ValidationException)', async () => {
    const keyId = await signingKey('ML_DSA_44');
    for (const input of [
      { Message: new Uint8Array(32), MessageType: 'EXTERNAL_MU' },
      { Message: new Uint8Array(64), MessageType: 'DIGEST' },
    ]) {
      const err = await kmsError(t.kms.invoke('Sign', { KeyId: keyId, SigningAlgorithm: 'ML_DSA_SHAKE_256', ...input }));
      expect(err.name, input.MessageType).toBe('ValidationException');
      expect(err.message).toMatch(/EXTERNAL_MU/);
    }
    const ecc = (await t.kms.invoke('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.KeyId;
    expect((await kmsError(t.kms.invoke('Sign', { KeyId: ecc, Message: new Uint8Array(64), MessageType: 'EXTERNAL_MU', SigningAlgorithm: 'ECDSA_SHA_256' }))).name).toBe('InvalidKeyUsageException');
  });
});
