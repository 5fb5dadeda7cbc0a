/**
 * Overwrites secret bytes with zeros once they are no longer needed. JavaScript gives no
 * guarantee that no other copy exists (the GC may have moved it), so this narrows the window a
 * secret sits in memory; it does not close it.
 */
export function wipe(...arrays: ReadonlyArray<Uint8Array | null | undefined>): void {
  for (const a of arrays) {
    a?.fill(0);
  }
}
