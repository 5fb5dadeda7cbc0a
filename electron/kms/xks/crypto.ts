// The XKS proxy API's cryptography, exactly as AWS's specification defines it:
//
// - AES-GCM input AAD = u16be(len(additionalAuthenticatedData)) || additionalAuthenticatedData
//   || u8(len(ciphertextMetadata)) || ciphertextMetadata — the lengths included, so AAD and
//   metadata cannot be traded for one another (an absent field has length zero).
// - ciphertextMetadata (at most 20 bytes) is Strongroom's: a format byte and the key material
//   version (u32be), so a key rotated since keeps decrypting what older material encrypted.
// - ciphertextDataIntegrityValue = SHA-256(aad || metadata || iv || ciphertext || tag), no lengths
//   (Appendix C), computed before the proof decrypt.

import { createHash } from 'node:crypto';
import { aesGcmOpen, aesGcmSeal, GCM_NONCE_BYTES, GCM_TAG_BYTES, type AesKey } from '../crypto/aes-gcm.ts';
import { concatBytes } from '../crypto/encoding.ts';
import { randomBytesPooled } from '../crypto/random-pool.ts';

/** The largest AAD the length prefix (two bytes) can describe. */
export const XKS_MAX_AAD_BYTES = 0xffff;
/** The specification's bound on ciphertextMetadata. */
export const XKS_MAX_METADATA_BYTES = 20;
/** Strongroom's ciphertextMetadata format 1: [0x01, version u32be]. */
const METADATA_FORMAT_1 = 0x01;
const METADATA_1_BYTES = 5;

/** The AES-GCM AAD the specification builds from the request's AAD and the ciphertext metadata. */
export function xksGcmAad(aad: Uint8Array | undefined, metadata: Uint8Array | undefined): Uint8Array {
  const a = aad ?? new Uint8Array(0);
  const m = metadata ?? new Uint8Array(0);
  if (a.length > XKS_MAX_AAD_BYTES) {
    throw new RangeError(`additionalAuthenticatedData is ${a.length} bytes; its length prefix holds at most ${XKS_MAX_AAD_BYTES}.`);
  }
  if (m.length > XKS_MAX_METADATA_BYTES) {
    throw new RangeError(`ciphertextMetadata is ${m.length} bytes; the specification allows at most ${XKS_MAX_METADATA_BYTES}.`);
  }
  const head = new Uint8Array(2);
  new DataView(head.buffer).setUint16(0, a.length, false);
  return concatBytes(head, a, Uint8Array.of(m.length), m);
}

export function encodeMetadata(materialVersion: number): Uint8Array {
  const out = new Uint8Array(METADATA_1_BYTES);
  out[0] = METADATA_FORMAT_1;
  new DataView(out.buffer).setUint32(1, materialVersion, false);
  return out;
}

/** The material version a ciphertextMetadata names, or null when it is not one Strongroom wrote. */
export function decodeMetadata(metadata: Uint8Array): number | null {
  if (metadata.length !== METADATA_1_BYTES || metadata[0] !== METADATA_FORMAT_1) {
    return null;
  }
  return new DataView(metadata.buffer, metadata.byteOffset, metadata.byteLength).getUint32(1, false);
}

export type XksSealed = {
  readonly ciphertext: Uint8Array;
  readonly ciphertextMetadata: Uint8Array;
  readonly initializationVector: Uint8Array;
  readonly authenticationTag: Uint8Array;
};

export function xksSeal(key: AesKey, materialVersion: number, plaintext: Uint8Array, aad: Uint8Array | undefined): XksSealed {
  const metadata = encodeMetadata(materialVersion);
  const iv = randomBytesPooled(GCM_NONCE_BYTES);
  const { ciphertext, tag } = aesGcmSeal(key, iv, plaintext, xksGcmAad(aad, metadata));
  return { ciphertext, ciphertextMetadata: metadata, initializationVector: iv, authenticationTag: tag };
}

/** The plaintext, or null when anything fails to authenticate (or the IV is not one this proxy makes). */
export function xksOpen(key: AesKey, sealed: XksSealed, aad: Uint8Array | undefined): Uint8Array | null {
  if (sealed.initializationVector.length !== GCM_NONCE_BYTES || sealed.authenticationTag.length !== GCM_TAG_BYTES) {
    return null;
  }
  return aesGcmOpen(key, sealed.initializationVector, sealed.ciphertext, sealed.authenticationTag, xksGcmAad(aad, sealed.ciphertextMetadata));
}

/** Appendix C: SHA-256 over the decoded fields, concatenated without lengths. */
export function ciphertextDataIntegrityValue(aad: Uint8Array | undefined, sealed: XksSealed): Uint8Array {
  return createHash('sha256')
    .update(aad ?? new Uint8Array(0))
    .update(sealed.ciphertextMetadata)
    .update(sealed.initializationVector)
    .update(sealed.ciphertext)
    .update(sealed.authenticationTag)
    .digest();
}
