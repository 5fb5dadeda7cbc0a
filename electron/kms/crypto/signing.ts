// Sign and Verify for the AWS signing algorithms (docs/aws-kms.md §3.3, §4). RAW messages are
// hashed and signed by OpenSSL (node:crypto) in one step. DIGEST messages arrive already hashed,
// which node:crypto cannot sign without hashing again, so:
//   ECDSA             @noble/curves with prehash off (its DER and low-S handling configured to
//                     match OpenSSL's: DER signatures, high S accepted);
//   RSASSA-PKCS1-v1_5 the DigestInfo of RFC 8017 §9.2 under OpenSSL's PKCS#1 type-1 padding
//                     (privateEncrypt / publicDecrypt) — exactly what RSA_sign does;
//   RSASSA-PSS        EMSA-PSS (RFC 8017 §9.1) encoded over node:crypto's hashes and MGF1, then
//                     OpenSSL's raw RSA (with its blinding). Salt length = digest length, as AWS.
// The Wycheproof suites run every vector through both paths, and OpenSSL verifies the output of
// both (test/crypto). Ed25519 and ML-DSA have their own modules (ed25519.ts, ml-dsa.ts).

import {
  constants,
  createHash,
  randomBytes,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import type * as NistModule from '@noble/curves/nist.js';
import type * as Secp256k1Module from '@noble/curves/secp256k1.js';
import { signEd25519, verifyEd25519 } from './ed25519.ts';
import { curveOf } from './key-pairs.ts';
import { lazyModule } from '../lazy-module.ts';
import type { NamedCurve, SigningAlgorithm } from './key-specs.ts';
import { signMlDsa, verifyMlDsa } from './ml-dsa.ts';

export type Hash = 'sha256' | 'sha384' | 'sha512';
export type MessageType = 'RAW' | 'DIGEST' | 'EXTERNAL_MU';
/** RSA and ECDSA: a hash, then the signature scheme. */
type HashThenSign = Extract<SigningAlgorithm, `RSASSA_${string}` | `ECDSA_${string}`>;
export type SupportedSigningAlgorithm = HashThenSign | 'ED25519_SHA_512' | 'ED25519_PH_SHA_512' | 'ML_DSA_SHAKE_256';

const HASH_BYTES: Readonly<Record<Hash, number>> = { sha256: 32, sha384: 48, sha512: 64 };

// RFC 8017 §9.2, note 1: the DER DigestInfo header in front of each hash.
const DIGEST_INFO: Readonly<Record<Hash, Buffer>> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

const nist = lazyModule<typeof NistModule>('@noble/curves/nist.js');
const koblitz = lazyModule<typeof Secp256k1Module>('@noble/curves/secp256k1.js');
const NOBLE: Readonly<Record<NamedCurve, () => typeof NistModule.p256>> = {
  prime256v1: () => nist().p256,
  secp384r1: () => nist().p384,
  secp521r1: () => nist().p521,
  secp256k1: () => koblitz().secp256k1,
};

export function hashOf(algorithm: HashThenSign | 'ED25519_PH_SHA_512'): Hash {
  return algorithm.endsWith('_256') ? 'sha256' : algorithm.endsWith('_384') ? 'sha384' : 'sha512';
}

/** DIGEST messages must be exactly as long as the algorithm's hash (SHA-512's 64 bytes for ED25519_PH_SHA_512). */
export function digestBytes(algorithm: HashThenSign | 'ED25519_PH_SHA_512'): number {
  return HASH_BYTES[hashOf(algorithm)];
}

type Family = 'pss' | 'pkcs1' | 'ecdsa';
function familyOf(algorithm: HashThenSign): Family {
  return algorithm.startsWith('RSASSA_PSS') ? 'pss' : algorithm.startsWith('RSASSA_PKCS1') ? 'pkcs1' : 'ecdsa';
}

function rsaOptions(key: KeyObject, family: Family, hash: Hash) {
  return family === 'pss'
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[hash] }
    : { key, padding: constants.RSA_PKCS1_PADDING };
}

function modulusBits(key: KeyObject): number {
  return key.asymmetricKeyDetails?.modulusLength ?? 0;
}

function mgf1(hash: Hash, seed: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  const counter = Buffer.alloc(4);
  for (let i = 0, offset = 0; offset < length; i++) {
    counter.writeUInt32BE(i);
    const block = createHash(hash).update(seed).update(counter).digest();
    offset += block.copy(out, offset);
  }
  return out;
}

/** H = Hash(0x00 × 8 ‖ mHash ‖ salt), the value EMSA-PSS signs. */
function pssHash(hash: Hash, mHash: Uint8Array, salt: Uint8Array): Buffer {
  return createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with sLen = hLen. */
function emsaPssEncode(hash: Hash, mHash: Uint8Array, emBits: number): Buffer {
  const hLen = HASH_BYTES[hash];
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(hLen);
  const h = pssHash(hash, mHash, salt);
  const db = Buffer.alloc(emLen - hLen - 1);
  db[emLen - 2 * hLen - 2] = 0x01;
  salt.copy(db, emLen - 2 * hLen - 1);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) {
    db[i] = (db[i] ?? 0) ^ (mask[i] ?? 0);
  }
  db[0] = (db[0] ?? 0) & (0xff >> (8 * emLen - emBits));
  return Buffer.concat([db, h, Buffer.of(0xbc)]);
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with sLen = hLen. */
function emsaPssVerify(hash: Hash, mHash: Uint8Array, em: Uint8Array, emBits: number): boolean {
  const hLen = HASH_BYTES[hash];
  const emLen = Math.ceil(emBits / 8);
  // OpenSSL's raw RSA output is modulus-length; when emBits is a multiple of 8 minus nothing
  // (never for 2048/3072/4096) the extra leading byte would have to be zero.
  const body = em.length === emLen + 1 && em[0] === 0 ? em.subarray(1) : em;
  if (body.length !== emLen || emLen < 2 * hLen + 2 || body[emLen - 1] !== 0xbc) {
    return false;
  }
  const topMask = 0xff >> (8 * emLen - emBits);
  const maskedDb = body.subarray(0, emLen - hLen - 1);
  const h = body.subarray(emLen - hLen - 1, emLen - 1);
  if (((maskedDb[0] ?? 0) & ~topMask) !== 0) {
    return false;
  }
  const db = mgf1(hash, h, maskedDb.length);
  for (let i = 0; i < db.length; i++) {
    db[i] = (db[i] ?? 0) ^ (maskedDb[i] ?? 0);
  }
  db[0] = (db[0] ?? 0) & topMask;
  const separator = emLen - 2 * hLen - 2;
  for (let i = 0; i < separator; i++) {
    if (db[i] !== 0) {
      return false;
    }
  }
  if (db[separator] !== 0x01) {
    return false;
  }
  return timingSafeEqual(h, pssHash(hash, mHash, db.subarray(separator + 1)));
}

/** The EC private scalar and public point in the byte forms @noble/curves takes. */
function ecScalar(key: KeyObject, curve: NamedCurve): Uint8Array {
  const d = key.export({ format: 'jwk' }).d ?? '';
  const bytes = Buffer.from(d, 'base64url');
  const size = NOBLE[curve]().lengths.secretKey ?? bytes.length;
  return bytes.length === size ? new Uint8Array(bytes) : new Uint8Array(Buffer.concat([Buffer.alloc(size - bytes.length), bytes]));
}

function ecPoint(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  return new Uint8Array(Buffer.concat([Buffer.of(0x04), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]));
}

/**
 * Signs `message` (RAW), the digest given (DIGEST) or an ML-DSA μ (EXTERNAL_MU). The key must
 * suit the algorithm and the message type must be one the algorithm takes (operations/signing.ts).
 */
export function signMessage(algorithm: SupportedSigningAlgorithm, privateKey: KeyObject, message: Uint8Array, type: MessageType): Uint8Array {
  if (algorithm === 'ED25519_SHA_512' || algorithm === 'ED25519_PH_SHA_512') {
    return signEd25519(privateKey, message, algorithm === 'ED25519_PH_SHA_512');
  }
  if (algorithm === 'ML_DSA_SHAKE_256') {
    return signMlDsa(privateKey, message, type === 'EXTERNAL_MU');
  }
  const hash = hashOf(algorithm);
  const family = familyOf(algorithm);
  if (type === 'RAW') {
    return new Uint8Array(
      family === 'ecdsa' ? nodeSign(hash, message, { key: privateKey, dsaEncoding: 'der' }) : nodeSign(hash, message, rsaOptions(privateKey, family, hash)),
    );
  }
  if (family === 'pkcs1') {
    return new Uint8Array(privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([DIGEST_INFO[hash], message])));
  }
  if (family === 'pss') {
    const em = emsaPssEncode(hash, message, modulusBits(privateKey) - 1);
    return new Uint8Array(privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, em));
  }
  const curve = curveOf(privateKey);
  if (curve === null) {
    throw new Error('ECDSA needs an EC private key');
  }
  const d = ecScalar(privateKey, curve);
  try {
    return NOBLE[curve]().sign(message, d, { prehash: false, format: 'der', lowS: false });
  } finally {
    d.fill(0);
  }
}

/** True when `signature` is a valid signature of the message or digest; false for anything else. */
export function verifySignature(
  algorithm: SupportedSigningAlgorithm,
  publicKey: KeyObject,
  message: Uint8Array,
  type: MessageType,
  signature: Uint8Array,
): boolean {
  if (algorithm === 'ED25519_SHA_512' || algorithm === 'ED25519_PH_SHA_512') {
    return verifyEd25519(publicKey, message, algorithm === 'ED25519_PH_SHA_512', signature);
  }
  if (algorithm === 'ML_DSA_SHAKE_256') {
    return verifyMlDsa(publicKey, message, type === 'EXTERNAL_MU', signature);
  }
  const hash = hashOf(algorithm);
  const family = familyOf(algorithm);
  try {
    if (type === 'RAW') {
      return family === 'ecdsa'
        ? nodeVerify(hash, message, { key: publicKey, dsaEncoding: 'der' }, signature)
        : nodeVerify(hash, message, rsaOptions(publicKey, family, hash), signature);
    }
    if (family !== 'ecdsa') {
      // A signature is exactly as long as the modulus; OpenSSL would accept some shorter forms.
      if (signature.length !== Math.ceil(modulusBits(publicKey) / 8)) {
        return false;
      }
      if (family === 'pkcs1') {
        const expected = Buffer.concat([DIGEST_INFO[hash], message]);
        const recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
        return recovered.length === expected.length && timingSafeEqual(recovered, expected);
      }
      const em = publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
      return emsaPssVerify(hash, message, em, modulusBits(publicKey) - 1);
    }
    const curve = curveOf(publicKey);
    return curve !== null && NOBLE[curve]().verify(signature, message, ecPoint(publicKey), { prehash: false, format: 'der', lowS: false });
  } catch {
    return false;
  }
}
