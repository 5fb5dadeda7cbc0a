// Ed25519 (pure and prehashed) and ML-DSA signing, held to implementations and data nobody here
// wrote: RFC 8032's test vectors (§7.1 Ed25519, §7.3 Ed25519ph), @noble/curves, and for ML-DSA
// @noble/post-quantum against OpenSSL (node:crypto) in both directions. Wycheproof publishes
// Ed25519 and ML-DSA files, but /work/shared/vectors/wycheproof holds none of them (see its README).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519, ed25519ph } from '@noble/curves/ed25519.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { describe, expect, it } from 'vitest';
import { signMessage, verifySignature } from '../../electron/kms/crypto/signing.ts';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function edPrivateKey(seedHex: string, publicHex: string): KeyObject {
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(seedHex, 'hex').toString('base64url'), x: Buffer.from(publicHex, 'hex').toString('base64url') },
    format: 'jwk',
  });
}

function flipped(signature: Uint8Array): Uint8Array {
  const copy = new Uint8Array(signature);
  copy[copy.length >> 1] = (copy[copy.length >> 1] ?? 0) ^ 0x01;
  return copy;
}

describe('ED25519_SHA_512 (RAW): pure Ed25519, RFC 8032 §5.1', () => {
  it('reproduces RFC 8032 §7.1 TEST 1 and TEST 2 exactly (Ed25519 is deterministic)', () => {
    const cases = [
      {
        sk: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
        pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
        msg: '',
        sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      },
      {
        sk: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
        pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
        msg: '72',
        sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
      },
    ];
    for (const c of cases) {
      const key = edPrivateKey(c.sk, c.pk);
      const signature = signMessage('ED25519_SHA_512', key, hex(c.msg), 'RAW');
      expect(toHex(signature)).toBe(c.sig);
      expect(verifySignature('ED25519_SHA_512', createPublicKey(key), hex(c.msg), 'RAW', signature)).toBe(true);
      expect(verifySignature('ED25519_SHA_512', createPublicKey(key), hex(c.msg), 'RAW', flipped(signature))).toBe(false);
    }
  });

  it('agrees with @noble/curves on fresh keys, both ways', () => {
    for (let i = 0; i < 10; i++) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const seed = new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url'));
      const message = new Uint8Array(Buffer.from(`message ${i}`.repeat(i + 1)));
      const ours = signMessage('ED25519_SHA_512', privateKey, message, 'RAW');
      expect(ed25519.verify(ours, message, ed25519.getPublicKey(seed), { zip215: false })).toBe(true);
      expect(verifySignature('ED25519_SHA_512', publicKey, message, 'RAW', ed25519.sign(message, seed))).toBe(true);
    }
  });
});

describe("ED25519_PH_SHA_512 (DIGEST): Ed25519ph over the caller's SHA-512 digest, which KMS hashes once more (AWS's MessageType documentation)", () => {
  it('reproduces RFC 8032 §7.3 (TEST abc) when the "digest" given is the RFC\'s message', () => {
    const key = edPrivateKey('833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42', 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf');
    // Ed25519ph signs PH(M) = SHA-512(M); AWS's DIGEST input is M here, so the RFC's M = "abc".
    const signature = signMessage('ED25519_PH_SHA_512', key, hex('616263'), 'DIGEST');
    expect(toHex(signature)).toBe(
      '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406',
    );
    expect(verifySignature('ED25519_PH_SHA_512', createPublicKey(key), hex('616263'), 'DIGEST', signature)).toBe(true);
  });

  it("a signature over the caller's 64-byte digest D is @noble/curves' ed25519ph over D (SHA-512 applied again), both ways", () => {
    for (let i = 0; i < 10; i++) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const seed = new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url'));
      const digest = new Uint8Array(createHash('sha512').update(`document ${i}`).digest());
      const ours = signMessage('ED25519_PH_SHA_512', privateKey, digest, 'DIGEST');
      expect(ed25519ph.verify(ours, digest, ed25519ph.getPublicKey(seed), { zip215: false })).toBe(true);
      // Not pure Ed25519 over the digest: the prehash and the dom2 prefix differ.
      expect(nodeVerify(null, digest, publicKey, ours)).toBe(false);
      expect(verifySignature('ED25519_PH_SHA_512', publicKey, digest, 'DIGEST', ed25519ph.sign(digest, seed))).toBe(true);
      expect(verifySignature('ED25519_PH_SHA_512', publicKey, digest, 'DIGEST', flipped(ours))).toBe(false);
    }
  });
});

const ML_DSA = [
  ['ml-dsa-44', ml_dsa44, 2420],
  ['ml-dsa-65', ml_dsa65, 3309],
  ['ml-dsa-87', ml_dsa87, 4627],
] as const;

/** μ = SHAKE256(tr ‖ 0 ‖ |ctx| ‖ ctx ‖ M, 64) with tr = SHAKE256(pk, 64) and an empty context (FIPS 204 Algorithm 2 / §6.2). */
function externalMu(publicKeyRaw: Uint8Array, message: Uint8Array): Uint8Array {
  const tr = createHash('shake256', { outputLength: 64 }).update(publicKeyRaw).digest();
  return new Uint8Array(createHash('shake256', { outputLength: 64 }).update(tr).update(Buffer.of(0, 0)).update(message).digest());
}

describe('ML_DSA_SHAKE_256: FIPS 204 ML-DSA with an empty context (RAW) or the 64-byte μ (EXTERNAL_MU)', () => {
  for (const [name, noble, signatureBytes] of ML_DSA) {
    it(`${name}: RAW signatures verify under @noble/post-quantum, and noble's under ours`, () => {
      const { privateKey, publicKey } = generateKeyPairSync(name);
      const jwk = privateKey.export({ format: 'jwk' }) as { priv?: string; pub?: string };
      const keys = noble.keygen(new Uint8Array(Buffer.from(jwk.priv ?? '', 'base64url')));
      expect(toHex(keys.publicKey)).toBe(Buffer.from(jwk.pub ?? '', 'base64url').toString('hex'));
      const message = new Uint8Array(Buffer.from(`post-quantum ${name}`));
      const ours = signMessage('ML_DSA_SHAKE_256', privateKey, message, 'RAW');
      expect(ours.length).toBe(signatureBytes);
      expect(noble.verify(ours, message, keys.publicKey)).toBe(true);
      expect(verifySignature('ML_DSA_SHAKE_256', publicKey, message, 'RAW', noble.sign(message, keys.secretKey))).toBe(true);
      expect(verifySignature('ML_DSA_SHAKE_256', publicKey, message, 'RAW', flipped(ours))).toBe(false);
    });

    it(`${name}: EXTERNAL_MU — a signature over μ verifies as OpenSSL's RAW signature of the message, and the reverse`, () => {
      const { privateKey, publicKey } = generateKeyPairSync(name);
      const pub = new Uint8Array(Buffer.from((publicKey.export({ format: 'jwk' }) as { pub?: string }).pub ?? '', 'base64url'));
      const message = new Uint8Array(Buffer.from(`a message far larger than 4096 bytes would be hashed to μ by the caller: ${name}`));
      const mu = externalMu(pub, message);
      const ours = signMessage('ML_DSA_SHAKE_256', privateKey, mu, 'EXTERNAL_MU');
      expect(nodeVerify(null, message, publicKey, ours)).toBe(true);
      const openssl = nodeSign(null, message, privateKey);
      expect(verifySignature('ML_DSA_SHAKE_256', publicKey, mu, 'EXTERNAL_MU', openssl)).toBe(true);
      expect(verifySignature('ML_DSA_SHAKE_256', publicKey, externalMu(pub, new Uint8Array(Buffer.from('another message'))), 'EXTERNAL_MU', openssl)).toBe(false);
    });
  }
});
