// Unwrapping key material a user imports (BYOK, docs/aws-kms.md §3.9), exactly as AWS's
// documentation tells them to wrap it with OpenSSL:
//
//   RSAES_OAEP_SHA_1 / _SHA_256      the material, RSA-OAEP encrypted under the wrapping public
//                                    key (MGF1 with the same hash, empty label).
//   RSA_AES_KEY_WRAP_SHA_1 / _SHA_256 an ephemeral AES key RSA-OAEP encrypted under the wrapping
//                                    key (modulus-length bytes), followed by the material wrapped
//                                    under that AES key with AES Key Wrap with Padding (RFC 5649,
//                                    OpenSSL's id-aesNNN-wrap-pad).
//
// ExportKeyMaterial (D23) wraps with the same two schemes, under a public key from AWS's (or
// another Strongroom's) GetParametersForImport: wrapMaterialForImport below.
//
// Everything comes from OpenSSL through node:crypto. A failure of any step is one answer, null,
// so the caller's error cannot tell an attacker which step failed.

import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import type { WrappingAlgorithm, WrappingKeySpec } from '../../../shared/api/operations.ts';
import { wipe } from './wipe.ts';

/** The wrapping algorithms Strongroom accepts; AWS removed RSAES_PKCS1_V1_5, and SM2PKE is China-only. */
export const SUPPORTED_WRAPPING_ALGORITHMS = [
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_1',
  'RSA_AES_KEY_WRAP_SHA_256',
] as const satisfies ReadonlyArray<WrappingAlgorithm>;
export type SupportedWrappingAlgorithm = (typeof SUPPORTED_WRAPPING_ALGORITHMS)[number];

export const SUPPORTED_WRAPPING_KEY_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096'] as const satisfies ReadonlyArray<WrappingKeySpec>;
export type SupportedWrappingKeySpec = (typeof SUPPORTED_WRAPPING_KEY_SPECS)[number];

const MODULUS_BITS: Readonly<Record<SupportedWrappingKeySpec, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

/** RFC 5649's alternative initial value, which OpenSSL's *-wrap-pad ciphers expect as the IV. */
const KWP_IV = Buffer.from('a65959a6', 'hex');

export function isSupportedWrappingAlgorithm(a: WrappingAlgorithm): a is SupportedWrappingAlgorithm {
  return (SUPPORTED_WRAPPING_ALGORITHMS as ReadonlyArray<string>).includes(a);
}

/** A stored algorithm name read back, or null if this build does not know it. */
export function asSupportedWrappingAlgorithm(name: string): SupportedWrappingAlgorithm | null {
  return SUPPORTED_WRAPPING_ALGORITHMS.find((a) => a === name) ?? null;
}

export function isSupportedWrappingKeySpec(s: WrappingKeySpec): s is SupportedWrappingKeySpec {
  return (SUPPORTED_WRAPPING_KEY_SPECS as ReadonlyArray<string>).includes(s);
}

/** A fresh RSA wrapping key pair: PKCS#8 DER private key (to be wrapped at rest) and SPKI DER public key. */
export function generateWrappingKeyPair(spec: SupportedWrappingKeySpec): { privateKeyDer: Uint8Array; publicKeyDer: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: MODULUS_BITS[spec],
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  return { privateKeyDer: new Uint8Array(privateKey), publicKeyDer: new Uint8Array(publicKey) };
}

function oaepHash(algorithm: SupportedWrappingAlgorithm): 'sha1' | 'sha256' {
  return algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
}

function rsaOaepDecrypt(key: KeyObject, hash: 'sha1' | 'sha256', ciphertext: Uint8Array): Uint8Array | null {
  try {
    return new Uint8Array(privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext));
  } catch {
    return null;
  }
}

function aesKeyUnwrapWithPadding(kek: Uint8Array, wrapped: Uint8Array): Uint8Array | null {
  const cipher = kek.length === 16 ? 'id-aes128-wrap-pad' : kek.length === 24 ? 'id-aes192-wrap-pad' : kek.length === 32 ? 'id-aes256-wrap-pad' : null;
  if (cipher === null) {
    return null;
  }
  try {
    const decipher = createDecipheriv(cipher, kek, KWP_IV);
    return new Uint8Array(Buffer.concat([decipher.update(wrapped), decipher.final()]));
  } catch {
    return null;
  }
}

/**
 * Recovers the material from EncryptedKeyMaterial with the wrapping private key (PKCS#8 DER).
 * Returns null when it does not unwrap: wrong public key, wrong algorithm, or modified bytes.
 */
export function unwrapImportedMaterial(
  algorithm: SupportedWrappingAlgorithm,
  privateKeyDer: Uint8Array,
  encrypted: Uint8Array,
): Uint8Array | null {
  const key = createPrivateKey({ key: Buffer.from(privateKeyDer), format: 'der', type: 'pkcs8' });
  const hash = oaepHash(algorithm);
  if (algorithm === 'RSAES_OAEP_SHA_1' || algorithm === 'RSAES_OAEP_SHA_256') {
    return rsaOaepDecrypt(key, hash, encrypted);
  }
  const modulusBytes = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  if (encrypted.length <= modulusBytes) {
    return null;
  }
  const kek = rsaOaepDecrypt(key, hash, encrypted.subarray(0, modulusBytes));
  if (kek === null) {
    return null;
  }
  try {
    return aesKeyUnwrapWithPadding(kek, encrypted.subarray(modulusBytes));
  } finally {
    wipe(kek);
  }
}

/** AES Key Wrap with Padding (RFC 5649) under a 256-bit key: OpenSSL's id-aes256-wrap-pad. */
function aesKeyWrapWithPadding(kek: Uint8Array, material: Uint8Array): Uint8Array {
  const cipher = createCipheriv('id-aes256-wrap-pad', kek, KWP_IV);
  return new Uint8Array(Buffer.concat([cipher.update(material), cipher.final()]));
}

/** Why a wrapping public key is refused, or null when it is an RSA key of a size AWS issues. */
export function wrappingPublicKeyProblem(publicKeyDer: Uint8Array): string | null {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  } catch {
    return 'is not a DER SubjectPublicKeyInfo public key (pass the PublicKey GetParametersForImport returned: its base64 text or the decoded bytes)';
  }
  if (key.asymmetricKeyType !== 'rsa') {
    return `is a ${key.asymmetricKeyType ?? 'unknown'} key; the wrapping algorithms take an RSA public key (RSA_2048, RSA_3072 or RSA_4096)`;
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048 || bits > 4096) {
    return `is a ${bits}-bit RSA key; a wrapping key must be 2048 to 4096 bits (RSA_2048, RSA_3072 or RSA_4096)`;
  }
  return null;
}

/**
 * The most bytes RSAES_OAEP_* can wrap directly under this public key (RFC 8017: k − 2·hLen − 2);
 * larger material (private keys) needs RSA_AES_KEY_WRAP_*.
 */
export function oaepCapacity(algorithm: SupportedWrappingAlgorithm, publicKeyDer: Uint8Array): number {
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  const modulusBytes = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  return modulusBytes - 2 * (oaepHash(algorithm) === 'sha1' ? 20 : 32) - 2;
}

/**
 * Wraps key material exactly as AWS's ImportKeyMaterial expects it (the inverse of
 * unwrapImportedMaterial): RSA-OAEP of the material, or RSA-OAEP of a fresh AES-256 key followed
 * by the material under AES-KWP. The caller has checked the key with wrappingPublicKeyProblem.
 */
export function wrapMaterialForImport(algorithm: SupportedWrappingAlgorithm, publicKeyDer: Uint8Array, material: Uint8Array): Uint8Array {
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  const hash = oaepHash(algorithm);
  const oaep = (data: Uint8Array): Uint8Array =>
    new Uint8Array(publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data));
  if (algorithm === 'RSAES_OAEP_SHA_1' || algorithm === 'RSAES_OAEP_SHA_256') {
    return oaep(material);
  }
  const kek = new Uint8Array(randomBytes(32));
  try {
    const wrappedKek = oaep(kek);
    const wrapped = aesKeyWrapWithPadding(kek, material);
    const out = new Uint8Array(wrappedKek.length + wrapped.length);
    out.set(wrappedKek, 0);
    out.set(wrapped, wrappedKek.length);
    return out;
  } finally {
    wipe(kek);
  }
}
