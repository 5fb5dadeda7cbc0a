// Random bytes for the per-call hot path, drawn from a pool the CSPRNG refills.
//
// node:crypto's randomBytes costs ~5 µs per call here, whatever the size (OpenSSL's RAND_bytes
// per-call overhead) — as much as the AES-GCM seal it feeds. Node's randomUUID pools for the same
// reason. The pool is filled by randomFillSync (the same CSPRNG); every byte is handed out once
// and zeroed in the pool as it is taken, so the pool holds only bytes that are nobody's yet.

import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_BYTES = 8192;
/** Larger requests go straight to the CSPRNG: pooling pays only for small ones. */
const MAX_POOLED = 256;

const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** `size` fresh random bytes (a new buffer the caller owns) from the operating system's CSPRNG. */
export function randomBytesPooled(size: number): Buffer {
  if (size > MAX_POOLED) {
    return randomBytes(size);
  }
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.allocUnsafeSlow(size);
  pool.copy(out, 0, offset, offset + size);
  pool.fill(0, offset, offset + size);
  offset += size;
  return out;
}
