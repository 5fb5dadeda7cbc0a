// Ed25519 signatures for ECC_NIST_EDWARDS25519 keys, as AWS KMS defines its two algorithms
// (the MessageType documentation of Sign and Verify in AWS's service model):
//   ED25519_SHA_512     pure Ed25519 (RFC 8032 §5.1) over the RAW message — OpenSSL (node:crypto);
//   ED25519_PH_SHA_512  Ed25519ph (RFC 8032 §5.1, phflag 1, empty context) whose input is the
//                       caller's DIGEST: KMS "still performs the SHA-512 prehash", so the 64 bytes
//                       given are hashed once more. node:crypto does not offer Ed25519ph, so this
//                       is @noble/curves' ed25519ph, held to RFC 8032 §7.3's vector (test/crypto).
// Verification is strict RFC 8032 (no ZIP-215 leniency), as OpenSSL verifies pure Ed25519.

import { sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type * as Ed25519Module from '@noble/curves/ed25519.js';
import { lazyModule } from '../lazy-module.ts';
import { wipe } from './wipe.ts';

const curves = lazyModule<typeof Ed25519Module>('@noble/curves/ed25519.js');

/** The 32-byte seed (RFC 8032's private key) of an Ed25519 KeyObject. The caller wipes it. */
function seedOf(privateKey: KeyObject): Uint8Array {
  return new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url'));
}

function publicBytes(publicKey: KeyObject): Uint8Array {
  return new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url'));
}

/** Signs `message` with pure Ed25519, or with Ed25519ph when `prehashed` (message = the caller's digest). */
export function signEd25519(privateKey: KeyObject, message: Uint8Array, prehashed: boolean): Uint8Array {
  if (!prehashed) {
    return new Uint8Array(nodeSign(null, message, privateKey));
  }
  const seed = seedOf(privateKey);
  try {
    return curves().ed25519ph.sign(message, seed);
  } finally {
    wipe(seed);
  }
}

/** True when `signature` is a valid Ed25519 (or, `prehashed`, Ed25519ph) signature of `message`. */
export function verifyEd25519(publicKey: KeyObject, message: Uint8Array, prehashed: boolean, signature: Uint8Array): boolean {
  if (signature.length !== 64) {
    return false;
  }
  try {
    return prehashed
      ? curves().ed25519ph.verify(signature, message, publicBytes(publicKey), { zip215: false })
      : nodeVerify(null, message, publicKey, signature);
  } catch {
    return false;
  }
}
