// The symmetric ciphertext blob, format version 1 (docs/ciphertext-format.md):
//
//   offset  size  field
//   0       1     format version, 0x01
//   1       16    key id (the key's UUID as 16 bytes)
//   17      4     key material version, unsigned big-endian (1 = the key's first material)
//   21      12    AES-GCM nonce (random)
//   33      n     AES-256-GCM ciphertext (n = plaintext length)
//   33+n    16    AES-GCM tag
//
// AAD = bytes 0–20 (the header) followed by the canonical encryption-context encoding, so the
// key id, the material version and every context pair are authenticated. Overhead: 49 bytes, so
// a 4096-byte plaintext yields 4145 bytes, well under KMS's 6144-byte CiphertextBlob limit.

import { randomBytesPooled } from './random-pool.ts';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES, aesGcmOpen, aesGcmSeal, type AesKey } from './aes-gcm.ts';
import { concatBytes, encodeEncryptionContext } from './encoding.ts';

export const BLOB_FORMAT_V1 = 0x01;
const HEADER_BYTES = 1 + 16 + 4;
export const BLOB_OVERHEAD_BYTES = HEADER_BYTES + GCM_NONCE_BYTES + GCM_TAG_BYTES;

export type BlobHeader = { readonly keyId: string; readonly keyVersion: number };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function uuidToBytes(id: string): Uint8Array {
  if (!UUID.test(id)) {
    throw new RangeError(`expected a lowercase UUID key id, got '${id}'`);
  }
  return Uint8Array.from(Buffer.from(id.replaceAll('-', ''), 'hex'));
}

function bytesToUuid(b: Uint8Array): string {
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function encodeHeader(h: BlobHeader): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  out[0] = BLOB_FORMAT_V1;
  out.set(uuidToBytes(h.keyId), 1);
  new DataView(out.buffer).setUint32(17, h.keyVersion, false);
  return out;
}

/** Reads the header without decrypting; null if the bytes are not a version-1 blob. */
export function parseBlobHeader(blob: Uint8Array): BlobHeader | null {
  if (blob.length < BLOB_OVERHEAD_BYTES || blob[0] !== BLOB_FORMAT_V1) {
    return null;
  }
  const keyVersion = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(17, false);
  if (keyVersion === 0) {
    return null;
  }
  return { keyId: bytesToUuid(blob.subarray(1, 17)), keyVersion };
}

/** The AES-GCM step of a blob, in software (node:crypto) or inside a PKCS#11 token. */
export type GcmSeal = (nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) => { ciphertext: Uint8Array; tag: Uint8Array };
export type GcmOpen = (nonce: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array) => Uint8Array | null;

/**
 * Builds a blob with `seal` doing the AES-GCM: the same header, random 96-bit nonce, AAD and
 * layout whoever holds the key (a custom key store's token seals with this too).
 */
export function sealBlobWith(
  header: BlobHeader,
  plaintext: Uint8Array,
  context: Readonly<Record<string, string>> | undefined,
  seal: GcmSeal,
): Uint8Array {
  const head = encodeHeader(header);
  const nonce = randomBytesPooled(GCM_NONCE_BYTES);
  const { ciphertext, tag } = seal(nonce, plaintext, concatBytes(head, encodeEncryptionContext(context)));
  return concatBytes(head, nonce, ciphertext, tag);
}

/** Opens a blob whose header was already parsed with `open` doing the AES-GCM; null if authentication fails. */
export function openBlobWith(blob: Uint8Array, context: Readonly<Record<string, string>> | undefined, open: GcmOpen): Uint8Array | null {
  const head = blob.subarray(0, HEADER_BYTES);
  const nonce = blob.subarray(HEADER_BYTES, HEADER_BYTES + GCM_NONCE_BYTES);
  const ciphertext = blob.subarray(HEADER_BYTES + GCM_NONCE_BYTES, blob.length - GCM_TAG_BYTES);
  const tag = blob.subarray(blob.length - GCM_TAG_BYTES);
  return open(nonce, ciphertext, tag, concatBytes(head, encodeEncryptionContext(context)));
}

export function sealBlob(
  header: BlobHeader,
  material: AesKey,
  plaintext: Uint8Array,
  context: Readonly<Record<string, string>> | undefined,
): Uint8Array {
  return sealBlobWith(header, plaintext, context, (nonce, data, aad) => aesGcmSeal(material, nonce, data, aad));
}

/** Decrypts a blob whose header was already parsed; null if authentication fails. */
export function openBlob(
  blob: Uint8Array,
  material: AesKey,
  context: Readonly<Record<string, string>> | undefined,
): Uint8Array | null {
  return openBlobWith(blob, context, (nonce, ciphertext, tag, aad) => aesGcmOpen(material, nonce, ciphertext, tag, aad));
}
