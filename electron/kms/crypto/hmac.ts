// GenerateMac / VerifyMac: HMAC (RFC 2104) by OpenSSL over exactly the bytes given; verification
// compares in constant time and rejects truncated MACs (AWS accepts only the full length).

import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { MacAlgorithm } from './key-specs.ts';

const HASH: Readonly<Record<MacAlgorithm, string>> = {
  HMAC_SHA_224: 'sha224',
  HMAC_SHA_256: 'sha256',
  HMAC_SHA_384: 'sha384',
  HMAC_SHA_512: 'sha512',
};

export function generateMac(algorithm: MacAlgorithm, key: KeyObject | Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(HASH[algorithm], key).update(message).digest());
}

export function verifyMac(algorithm: MacAlgorithm, key: KeyObject | Uint8Array, message: Uint8Array, mac: Uint8Array): boolean {
  const expected = generateMac(algorithm, key, message);
  return mac.length === expected.length && timingSafeEqual(mac, expected);
}
