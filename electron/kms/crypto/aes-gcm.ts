// AES-GCM from node:crypto (OpenSSL). The one implementation every other module uses: key
// material wrapping, ciphertext blobs, and (later) file encryption frames.
//
// Deliberately narrower than GCM allows: nonces are exactly 96 bits and tags exactly 128 bits.
// Other nonce lengths go through GHASH, which weakens GCM's nonce-collision bound (NIST SP
// 800-38D recommends 96-bit IVs), and shorter tags weaken forgery resistance. Strongroom, AWS
// KMS and the AWS Encryption SDK use only 96/128, so anything else is refused (RangeError).

import { createCipheriv, createDecipheriv, KeyObject } from 'node:crypto';

export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;

/**
 * Raw key bytes, or a KeyObject for a key used on every call (the root key): OpenSSL then imports
 * it once instead of per call, which profiling showed as a large share of each operation.
 */
export type AesKey = Uint8Array | KeyObject;

function cipherName(key: AesKey): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  const length = key instanceof KeyObject ? (key.symmetricKeySize ?? 0) : key.length;
  switch (length) {
    case 16:
      return 'aes-128-gcm';
    case 24:
      return 'aes-192-gcm';
    case 32:
      return 'aes-256-gcm';
    default:
      throw new RangeError(`AES key must be 16, 24 or 32 bytes, got length=${length}`);
  }
}

function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== GCM_NONCE_BYTES) {
    throw new RangeError(`AES-GCM nonce must be ${GCM_NONCE_BYTES} bytes, got length=${nonce.length}`);
  }
}

export type GcmSealed = { readonly ciphertext: Uint8Array; readonly tag: Uint8Array };

/**
 * Encrypts and authenticates. The nonce must never repeat under one key: callers use 96-bit
 * random nonces, safe for far more messages per key than a desktop will ever produce (2^32).
 */
export function aesGcmSeal(key: AesKey, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): GcmSealed {
  checkNonce(nonce);
  const cipher = createCipheriv(cipherName(key), key, nonce, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  const ciphertext = tail.length === 0 ? head : Buffer.concat([head, tail]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

/**
 * Verifies and decrypts. Returns null when authentication fails (wrong key, nonce, AAD, tag or
 * a modified ciphertext); no plaintext is returned unless the tag verified.
 */
export function aesGcmOpen(
  key: AesKey,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Uint8Array | null {
  checkNonce(nonce);
  if (tag.length !== GCM_TAG_BYTES) {
    return null;
  }
  try {
    const decipher = createDecipheriv(cipherName(key), key, nonce, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const head = decipher.update(ciphertext);
    const tail = decipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    return null;
  }
}
