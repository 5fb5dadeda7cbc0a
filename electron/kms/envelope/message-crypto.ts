// The cryptography of one message (docs/file-format.md): deriving the content key (and the
// commit key) from the data key, authenticating the header, and the per-message ECDSA key whose
// compressed public point travels in the encryption context. node:crypto only.

import { createPublicKey, ECDH, generateKeyPairSync, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { InvalidCiphertextException } from '../errors.ts';
import { IV_BYTES } from './format.ts';
import type { Suite } from './suites.ts';

export type DerivedKeys = { readonly contentKey: Buffer; readonly commitKey: Buffer | null };

/** The content key (and, for committing suites, the commit key) of a message. */
export function deriveKeys(suite: Suite, dataKey: Uint8Array, messageId: Uint8Array): DerivedKeys {
  if (dataKey.length !== suite.keyBytes) {
    throw new InvalidCiphertextException(`The data key is ${dataKey.length} bytes; suite ${suite.name} needs ${suite.keyBytes}.`);
  }
  const id = Buffer.alloc(2);
  id.writeUInt16BE(suite.id);
  switch (suite.kdf) {
    case 'identity':
      return { contentKey: Buffer.from(dataKey), commitKey: null };
    case 'hkdf-v1':
      return {
        contentKey: Buffer.from(hkdfSync(suite.kdfHash ?? 'sha256', dataKey, Buffer.alloc(0), Buffer.concat([id, Buffer.from(messageId)]), suite.keyBytes)),
        commitKey: null,
      };
    case 'hkdf-commit':
      // One extract (salt = message id), two expands: the key (suite id ‖ DERIVEKEY) and the commitment.
      return {
        contentKey: Buffer.from(hkdfSync('sha512', dataKey, messageId, Buffer.concat([id, Buffer.from('DERIVEKEY', 'ascii')]), 32)),
        commitKey: Buffer.from(hkdfSync('sha512', dataKey, messageId, Buffer.from('COMMITKEY', 'ascii'), 32)),
      };
  }
}

/** Checks a header's commit key in constant time before anything is decrypted with the key. */
export function checkCommitment(expected: Uint8Array | null, found: Uint8Array | null): void {
  if (expected === null) {
    return;
  }
  if (found === null || found.length !== expected.length || !timingSafeEqual(expected, found)) {
    throw new InvalidCiphertextException('The message does not commit to this data key (commitment mismatch): it was altered, or built to decrypt differently under different keys.');
  }
}

export const HEADER_IV = Buffer.alloc(IV_BYTES);

type CurveName = 'P-256' | 'P-384';
const OPENSSL_CURVE: Readonly<Record<CurveName, string>> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1' };

/** A fresh per-message signing key and its public point, compressed, in standard Base64. */
export function newSigningKey(curve: CurveName): { readonly privateKey: KeyObject; readonly publicKeyBase64: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: OPENSSL_CURVE[curve] });
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x ?? '', 'base64url');
  const y = Buffer.from(jwk.y ?? '', 'base64url');
  const compressed = Buffer.concat([Buffer.from([(y[y.length - 1] ?? 0) & 1 ? 3 : 2]), x]);
  return { privateKey, publicKeyBase64: compressed.toString('base64') };
}

/** The verification key named by a message's aws-crypto-public-key (a compressed point). */
export function verificationKey(curve: CurveName, base64: string): KeyObject {
  const point = Buffer.from(base64, 'base64');
  const size = curve === 'P-256' ? 32 : 48;
  if (point.length !== size + 1 || (point[0] !== 2 && point[0] !== 3) || point.toString('base64') !== base64) {
    throw new InvalidCiphertextException(`The message's signing public key is not a compressed ${curve} point in Base64.`);
  }
  let uncompressed: Buffer;
  try {
    // ECDH.convertKey decompresses, and refuses a point that is not on the curve.
    uncompressed = ECDH.convertKey(point, OPENSSL_CURVE[curve], undefined, undefined, 'uncompressed') as Buffer;
  } catch {
    throw new InvalidCiphertextException(`The message's signing public key is not a point on ${curve}.`);
  }
  return createPublicKey({
    key: { kty: 'EC', crv: curve, x: uncompressed.subarray(1, 1 + size).toString('base64url'), y: uncompressed.subarray(1 + size).toString('base64url') },
    format: 'jwk',
  });
}
