// The key check value: a fingerprint of the root key stored beside the installation row, so a
// wrong, replaced or foreign root key is detected at open (docs/architecture.md, invariant 4)
// instead of surfacing later as "every ciphertext is invalid". It is an HMAC under the key, not a
// hash of it, so the stored value says nothing about the key to someone who can read SQLite.

import { createHmac, timingSafeEqual } from 'node:crypto';

/** Fixed, versioned label: a new check scheme gets a new label, never a silent change. */
export const ROOT_KEY_CHECK_LABEL = 'strongroom/root-key-check/v1';

/** HMAC-SHA256(rootKey, label): 32 bytes. */
export function rootKeyCheck(rootKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', rootKey).update(ROOT_KEY_CHECK_LABEL, 'utf8').digest());
}

/** True when `rootKey` produces `stored`. Constant-time, so the comparison leaks no prefix length. */
export function rootKeyCheckMatches(rootKey: Uint8Array, stored: Uint8Array): boolean {
  const actual = rootKeyCheck(rootKey);
  // timingSafeEqual throws on different lengths; a stored value of the wrong length is simply
  // a mismatch (a damaged or foreign row), and its length is not a secret.
  if (actual.length !== stored.length) {
    return false;
  }
  return timingSafeEqual(actual, stored);
}
