// The audit hash chain. Each record's hash covers the previous record's hash, its own sequence
// number and its canonical JSON text:
//
//   hash(seq) = SHA-256( "strongroom-audit-v1" || prev_hash (32 bytes) || seq (u64 big-endian)
//                        || UTF-8(canonical record JSON) )
//
// with prev_hash of record 1 being 32 zero bytes. The domain label keeps these hashes from
// colliding with any other SHA-256 use; the sequence number is hashed so a record cannot be
// moved to another position (or renumbered) without its hash changing; the fixed-size fields
// before the variable-length text make the encoding unambiguous.

import { createHash, hash } from 'node:crypto';

export const CHAIN_LABEL = 'strongroom-audit-v1';
export const HASH_LENGTH = 32;
/** prev_hash of the first record. */
export const GENESIS_HASH: Uint8Array = new Uint8Array(HASH_LENGTH);

const LABEL_BYTES = new TextEncoder().encode(CHAIN_LABEL);

function seqBytes(seq: number): Uint8Array {
  // Two 32-bit halves rather than setBigUint64: no BigInt per record on the verify hot path.
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(seq / 0x1_0000_0000), false);
  view.setUint32(4, seq >>> 0, false);
  return out;
}

/**
 * The chain hash of the record at `seq` whose predecessor's hash is `prevHash`.
 * @throws RangeError if prevHash is not 32 bytes or seq is not a positive safe integer.
 */
export function chainHash(prevHash: Uint8Array, seq: number, canonicalRecord: string): Uint8Array {
  if (prevHash.length !== HASH_LENGTH) {
    throw new RangeError(`prev_hash must be ${HASH_LENGTH} bytes, got ${prevHash.length}.`);
  }
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new RangeError(`Audit sequence numbers start at 1; got ${seq}.`);
  }
  const digest = createHash('sha256')
    .update(LABEL_BYTES)
    .update(prevHash)
    .update(seqBytes(seq))
    .update(canonicalRecord, 'utf8')
    .digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** Byte equality. Hashes here are public, so no constant-time comparison is needed. */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

export function hashHex(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex');
}

// The verify hot path: one reused buffer holds label || prev_hash || seq || record and is hashed
// in one call, with hashes as hex text (reading hashes from SQLite as text instead of as Buffers
// is most of what makes verifying a million records take seconds rather than tens of seconds).
let scratch = Buffer.alloc(64 * 1024);
const RECORD_OFFSET = LABEL_BYTES.length + HASH_LENGTH + 8;
scratch.set(LABEL_BYTES, 0);

/**
 * chainHash() as lowercase hex, from the previous hash as hex. Same bytes hashed, same result.
 * @throws RangeError for a seq that is not a positive safe integer or a prev hash that is not 64 hex digits.
 */
export function chainHashHex(prevHashHex: string, seq: number, canonicalRecord: string): string {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new RangeError(`Audit sequence numbers start at 1; got ${seq}.`);
  }
  const maxBytes = RECORD_OFFSET + canonicalRecord.length * 3;
  if (maxBytes > scratch.length) {
    const grown = Buffer.alloc(Math.max(maxBytes, scratch.length * 2));
    grown.set(LABEL_BYTES, 0);
    scratch = grown;
  }
  if (prevHashHex.length !== HASH_LENGTH * 2 || scratch.write(prevHashHex, LABEL_BYTES.length, 'hex') !== HASH_LENGTH) {
    throw new RangeError(`prev_hash must be ${HASH_LENGTH} bytes of hex, got '${prevHashHex.slice(0, 80)}'.`);
  }
  const seqAt = LABEL_BYTES.length + HASH_LENGTH;
  scratch.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), seqAt);
  scratch.writeUInt32BE(seq >>> 0, seqAt + 4);
  const length = RECORD_OFFSET + scratch.write(canonicalRecord, RECORD_OFFSET, 'utf8');
  return hash('sha256', scratch.subarray(0, length), 'hex');
}
