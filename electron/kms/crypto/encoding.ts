// Unambiguous binary encodings for authenticated data. Every string is length-prefixed, so no
// two different inputs encode to the same bytes — unlike the emulators' plain concatenation,
// under which {"ab":"c"} and {"a":"bc"} produce the same AAD.

const utf8 = new TextEncoder();

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: ReadonlyArray<Uint8Array>): Uint8Array {
  let length = 0;
  for (const p of parts) {
    length += p.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** count(u32) then, for each string, its UTF-8 length (u32) and bytes. */
export function encodeStringList(items: ReadonlyArray<string>): Uint8Array {
  const parts: Array<Uint8Array> = [u32(items.length)];
  for (const item of items) {
    const bytes = utf8.encode(item);
    parts.push(u32(bytes.length), bytes);
  }
  return concatBytes(...parts);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return a.length - b.length;
}

/**
 * The canonical encoding of an encryption context: pairs sorted by the UTF-8 bytes of the key,
 * then pair count (u32) and each key and value length-prefixed. An absent and an empty context
 * encode the same (four zero bytes), as in AWS KMS, where both mean "no context".
 */
export function encodeEncryptionContext(context: Readonly<Record<string, string>> | undefined): Uint8Array {
  const entries = Object.entries(context ?? {}).map(([k, v]) => [utf8.encode(k), utf8.encode(v)] as const);
  entries.sort((x, y) => compareBytes(x[0], y[0]));
  const parts: Array<Uint8Array> = [u32(entries.length)];
  for (const [k, v] of entries) {
    parts.push(u32(k.length), k, u32(v.length), v);
  }
  return concatBytes(...parts);
}
