// Key material at rest: every version of every key is AES-256-GCM encrypted under the root key
// before it reaches SQLite, with the key id, version and purpose bound as AAD — so a wrapped
// blob copied onto another key's row, or another version, fails to unwrap instead of being
// silently used. Stored layout: nonce (12) || ciphertext || tag (16).

import { randomBytesPooled } from './random-pool.ts';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES, aesGcmOpen, aesGcmSeal, type AesKey } from './aes-gcm.ts';
import { concatBytes, encodeStringList } from './encoding.ts';

const WRAP_LABEL = 'strongroom/key-material/v1';

export type MaterialBinding = {
  readonly keyId: string;
  readonly version: number;
  /** What the material is for, e.g. 'SYMMETRIC_DEFAULT:ENCRYPT_DECRYPT'. */
  readonly purpose: string;
};

function aad(b: MaterialBinding): Uint8Array {
  return encodeStringList([WRAP_LABEL, b.keyId, String(b.version), b.purpose]);
}

export function wrapMaterial(rootKey: AesKey, binding: MaterialBinding, material: Uint8Array): Uint8Array {
  const nonce = randomBytesPooled(GCM_NONCE_BYTES);
  const { ciphertext, tag } = aesGcmSeal(rootKey, nonce, material, aad(binding));
  return concatBytes(nonce, ciphertext, tag);
}

/** Returns the material, or null when the wrapped bytes do not authenticate for this binding. */
export function unwrapMaterial(rootKey: AesKey, binding: MaterialBinding, wrapped: Uint8Array): Uint8Array | null {
  if (wrapped.length < GCM_NONCE_BYTES + GCM_TAG_BYTES) {
    return null;
  }
  return aesGcmOpen(
    rootKey,
    wrapped.subarray(0, GCM_NONCE_BYTES),
    wrapped.subarray(GCM_NONCE_BYTES, wrapped.length - GCM_TAG_BYTES),
    wrapped.subarray(wrapped.length - GCM_TAG_BYTES),
    aad(binding),
  );
}
