// A Map that holds at most `limit` entries and drops the least recently used one first: the
// engine's key-material cache and the endpoint's SigV4 signing keys both keep work this way.
// Map iterates in insertion order, so re-inserting an entry on use keeps the eviction candidate
// first.

export class LruMap<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The value for `key`, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** Stores `value` as the most recently used, dropping the least recently used beyond the limit. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#limit) {
        break;
      }
      this.#entries.delete(oldest);
    }
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Every entry, least recently used first; deleting while iterating is safe. */
  entries(): IterableIterator<[K, V]> {
    return this.#entries.entries();
  }
}
