// SigV4 credentials of a logical external key store, in the shapes AWS KMS's CreateCustomKeyStore
// accepts (XksProxyAuthenticationCredential): an access key id of 20–30 characters from 'A'–'Z'
// and '2'–'7', and a secret access key of 43–64 characters from A–Z a–z 0–9 + / =. The id is
// random and says nothing about the secret (the specification requires both).

import { randomBytes } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** 26 base32 characters: 130 bits, inside the 20–30 the specification allows. */
export const XKS_ACCESS_KEY_ID_LENGTH = 26;
export const XKS_ACCESS_KEY_ID = /^[A-Z2-7]{20,30}$/;
export const XKS_SECRET = /^[A-Za-z0-9+/=]{43,64}$/;

export function newXksAccessKeyId(): string {
  let id = '';
  for (const b of randomBytes(XKS_ACCESS_KEY_ID_LENGTH)) {
    // 256 is a multiple of 32: the low five bits are uniform.
    id += BASE32[b & 31];
  }
  return id;
}

/** Base64 of 32 random bytes (256 bits, as the specification recommends): 44 characters. */
export function newXksSecret(): string {
  return randomBytes(32).toString('base64');
}

/** The logical key store's id: 'xks-' and 17 hex digits, as custom key store ids look. */
export function newXksKeyStoreId(): string {
  return `xks-${randomBytes(9).toString('hex').slice(0, 17)}`;
}
