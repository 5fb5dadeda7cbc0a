// The decryptor's input queue: chunks as they were read, handed out as contiguous slices.

/** A FIFO of byte chunks that hands out contiguous slices, joining chunks only where it must. */
export class ChunkQueue {
  #chunks: Array<Buffer> = [];
  #length = 0;
  get length(): number {
    return this.#length;
  }
  push(chunk: Uint8Array): void {
    if (chunk.length > 0) {
      this.#chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.#length += chunk.length;
    }
  }
  /** The first n bytes, contiguous, without consuming them; null if fewer are queued. */
  peek(n: number): Buffer | null {
    if (n > this.#length) {
      return null;
    }
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= n) {
      return first.subarray(0, n);
    }
    // Join just enough leading chunks to hold n bytes.
    let joined = 0;
    let count = 0;
    while (joined < n) {
      joined += this.#chunks[count]?.length ?? 0;
      count++;
    }
    const merged = Buffer.concat(this.#chunks.slice(0, count), joined);
    this.#chunks.splice(0, count, merged);
    return merged.subarray(0, n);
  }
  skip(n: number): void {
    this.#length -= n;
    while (n > 0) {
      const first = this.#chunks[0];
      if (first === undefined) {
        return;
      }
      if (first.length <= n) {
        n -= first.length;
        this.#chunks.shift();
      } else {
        this.#chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }
  all(): Buffer {
    return this.peek(this.#length) ?? Buffer.alloc(0);
  }
}
