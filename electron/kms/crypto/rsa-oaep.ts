// RSAES-OAEP for asymmetric ENCRYPT_DECRYPT keys (RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256; MGF1
// with the same hash, empty label), by OpenSSL. The plaintext limit is AWS's and OAEP's:
// modulus bytes − 2 × hash bytes − 2 (RSA_2048: 214 / 190; RSA_3072: 342 / 318; RSA_4096: 470 / 446).

import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';

export type OaepAlgorithm = 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256';

function hash(algorithm: OaepAlgorithm): { name: 'sha1' | 'sha256'; bytes: number } {
  return algorithm === 'RSAES_OAEP_SHA_1' ? { name: 'sha1', bytes: 20 } : { name: 'sha256', bytes: 32 };
}

export function oaepMaxPlaintext(modulusBits: number, algorithm: OaepAlgorithm): number {
  return modulusBits / 8 - 2 * hash(algorithm).bytes - 2;
}

export function oaepEncrypt(algorithm: OaepAlgorithm, key: KeyObject, plaintext: Uint8Array): Uint8Array {
  return new Uint8Array(publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash(algorithm).name }, plaintext));
}

/** The plaintext, or null when the ciphertext does not decrypt under this key and algorithm. */
export function oaepDecrypt(algorithm: OaepAlgorithm, key: KeyObject, ciphertext: Uint8Array): Uint8Array | null {
  try {
    return new Uint8Array(privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash(algorithm).name }, ciphertext));
  } catch {
    return null;
  }
}
