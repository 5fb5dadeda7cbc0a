// Key material kept imported in OpenSSL between calls: unwrapping a version's material and
// importing it (AES-GCM under the root key, then createSecretKey / a PKCS#8 parse) costs as much
// as the operation that uses it — for an RSA or EC private key several times more. A bounded
// cache keeps the KeyObjects, never the raw bytes.
//
// Why it cannot serve stale material: an entry is used only when the wrapped bytes it was made
// from equal the version's wrapped bytes read from the database in this very call (the read is
// one indexed lookup), so a rolled-back import, a restored database or another process's change
// is never masked. Why it holds nothing of a key that can no longer be used: the repository
// reports every write to a key's state or material (disable, scheduled deletion, deletion,
// rotation, imported material stored, deleted or expired), and the engine forgets that key's
// entries; a custom key store disconnecting or the engine closing empties the cache.

import type { KeyObject } from 'node:crypto';
import { LruMap } from '../lru-map.ts';

export const MATERIAL_CACHE_ENTRIES = 1024;

type Entry = { readonly keyId: string; readonly wrapped: Uint8Array; readonly key: KeyObject };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export class MaterialCache {
  readonly #entries: LruMap<string, Entry>;

  constructor(limit: number = MATERIAL_CACHE_ENTRIES) {
    this.#entries = new LruMap(limit);
  }

  /** The imported material of `keyId`'s `version`, if it was made from exactly `wrapped`. */
  get(keyId: string, version: number, wrapped: Uint8Array): KeyObject | null {
    const id = `${keyId}:${version}`;
    const entry = this.#entries.get(id);
    if (entry === undefined) {
      return null;
    }
    if (!sameBytes(entry.wrapped, wrapped)) {
      this.#entries.delete(id);
      return null;
    }
    return entry.key;
  }

  set(keyId: string, version: number, wrapped: Uint8Array, key: KeyObject): void {
    this.#entries.set(`${keyId}:${version}`, { keyId, wrapped: Uint8Array.from(wrapped), key });
  }

  /** Drops every version of one key (its state or material changed). */
  forgetKey(keyId: string): void {
    for (const [id, entry] of this.#entries.entries()) {
      if (entry.keyId === keyId) {
        this.#entries.delete(id);
      }
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  /** The keys that have material in the cache (for tests and diagnostics; never the material). */
  keyIds(): ReadonlySet<string> {
    return new Set([...this.#entries.entries()].map(([, e]) => e.keyId));
  }
}
