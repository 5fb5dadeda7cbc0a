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

import { createHash } from 'node:crypto';

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
