// The browser-mode bridge's wire: how StrongroomBridge calls, results and progress events cross
// the loopback WebSocket between the renderer (renderer/src/bridge/browser-bridge.ts) and the
// server (electron/server/browser.ts). Electron's IPC copies values with structured clone, which
// keeps Uint8Array and Date; JSON keeps neither, so this codec tags them — {"$bytes": base64} and
// {"$date": ISO-8601} — and escapes any real object key that starts with '$' (to '$$…'), so a
// caller's own data (an encryption context key "$bytes", say) can never be read back as a tag.
// Both directions are strict: anything JSON cannot carry faithfully is refused with a WireError
// rather than silently changed (NaN becoming null, a Map becoming {}).
// No Node and no DOM APIs here: both sides import it.

import { decodeBase64, encodeBase64 } from './base64.ts';
import type { BridgeResult, FileProgress } from './bridge.ts';

/** The WebSocket's path on the browser-mode server. */
export const BRIDGE_PATH = '/bridge';
/** The subprotocol the server selects; the client offers it with the secret's. */
export const BRIDGE_PROTOCOL = 'strongroom.bridge.v1';
/**
 * The per-launch secret travels as a second offered subprotocol, `strongroom.secret.<secret>`:
 * the browser's WebSocket API cannot set other headers, a subprotocol is checked before the
 * upgrade (so nothing runs for a wrong one), and the server never echoes it back.
 */
export const SECRET_PROTOCOL_PREFIX = 'strongroom.secret.';
/** 32 random bytes in unpadded base64url: only characters a subprotocol token may hold. */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** The URL fragment key that carries the secret (`http://127.0.0.1:PORT/#secret=…`). */
export const SECRET_FRAGMENT_KEY = 'secret';

/**
 * Uploads (browser-mode file intake). Not bridge operations: the client's addFiles() uses them,
 * and their names cannot collide with the PascalCase operation list.
 *   upload.begin  { Name, Size }  → { UploadId }   a private staging file is created
 *   (binary frames)                → { Received }   one per chunk, in order, each acknowledged
 *   upload.finish { UploadId }     → AddedFile      the size is checked; the file gets its id
 *   upload.abort  { UploadId }     → { Aborted }    the staging file is removed
 */
export const UPLOAD_BEGIN = 'upload.begin';
export const UPLOAD_FINISH = 'upload.finish';
export const UPLOAD_ABORT = 'upload.abort';
/** The client sends files in chunks of this size (the last may be shorter). */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;
export const UPLOAD_ID_PATTERN = /^u-[0-9a-f]{16}$/;
const UPLOAD_ID_LENGTH = 18;
/**
 * A chunk frame: the request id (uint32, big-endian), the upload id (18 ASCII bytes), then the
 * file's bytes. Binary frames avoid base64's third more bytes and its copies on both sides.
 */
export const CHUNK_HEADER_BYTES = 4 + UPLOAD_ID_LENGTH;
/** The largest frame either side accepts: a chunk with its header, or a JSON request. */
export const MAX_FRAME_BYTES = 2 * 1024 * 1024;

/** Server → client: the answer to one request. `id` is null when the request had no usable id. */
export type WireResponse = { readonly id: number | null; readonly result: BridgeResult<unknown> };
/** Server → client, unasked: a file job's progress. */
export type WireEvent = { readonly event: 'fileProgress'; readonly progress: FileProgress };
/** Client → server. */
export type WireRequest = { readonly id: number; readonly op: string; readonly input?: unknown };

/** A value JSON cannot carry faithfully, or a message that is not one of ours. */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** Deep enough for every request and result shape; a cycle or a hostile nest stops here. */
const MAX_DEPTH = 64;

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A value as plain JSON data, with bytes and dates tagged. @throws WireError */
export function encodeWire(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) {
    throw new WireError(`A value is nested more than ${MAX_DEPTH} levels deep (or refers to itself).`);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return value;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new WireError(`${String(value)} is not a number JSON can carry.`);
      }
      return value;
    case 'object':
      break;
    default:
      throw new WireError(`A ${typeof value} cannot cross the bridge.`);
  }
  if (value === null) {
    return null;
  }
  if (value instanceof Uint8Array) {
    return { $bytes: encodeBase64(value) };
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw new WireError('An invalid Date cannot cross the bridge.');
    }
    return { $date: value.toISOString() };
  }
  if (Array.isArray(value)) {
    return value.map((v: unknown) => {
      if (v === undefined) {
        throw new WireError('An array holds undefined, which JSON would turn into null.');
      }
      return encodeWire(v, depth + 1);
    });
  }
  if (!isPlainObject(value)) {
    throw new WireError(`A ${value.constructor?.name ?? 'non-plain object'} cannot cross the bridge: pass plain data.`);
  }
  const entries: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) {
      entries.push([k.startsWith('$') ? `$${k}` : k, encodeWire(v, depth + 1)]);
    }
  }
  return Object.fromEntries(entries);
}

function decodeTag(tag: string, body: unknown): Uint8Array | Date {
  if (typeof body !== 'string') {
    throw new WireError(`${tag} must hold a string.`);
  }
  if (tag === '$bytes') {
    const bytes = decodeBase64(body);
    if (bytes === null) {
      throw new WireError('$bytes must hold padded standard base64.');
    }
    // Node's decoder gives a Buffer (perhaps a slice of a shared pool); the other side gets what
    // structured clone would give: a plain Uint8Array of its own.
    return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes);
  }
  if (tag === '$date') {
    // toISOString's own form only: Date.parse would also take locale-dependent strings.
    const date = new Date(body);
    if (!/^[+-]?\d{4,6}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(body) || Number.isNaN(date.getTime())) {
      throw new WireError('$date must hold an ISO-8601 UTC time (as Date.toISOString writes it).');
    }
    return date;
  }
  throw new WireError(`${tag.slice(0, 40)} is not a tag of the Strongroom wire.`);
}

/** Parsed JSON back to values: tags become Uint8Array and Date, '$$' keys lose one '$'. @throws WireError */
export function decodeWire(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) {
    throw new WireError(`A value is nested more than ${MAX_DEPTH} levels deep.`);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((v: unknown) => decodeWire(v, depth + 1));
  }
  const keys = Object.keys(value);
  const tags = keys.filter((k) => k.startsWith('$') && !k.startsWith('$$'));
  if (tags.length > 0) {
    const [tag] = tags;
    if (keys.length !== 1 || tag === undefined) {
      throw new WireError('A tagged value ($bytes, $date) must be an object with that one key.');
    }
    return decodeTag(tag, (value as Record<string, unknown>)[tag]);
  }
  // fromEntries defines each key as an own property: a "__proto__" key stays data, never a prototype.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.startsWith('$$') ? k.slice(1) : k, decodeWire(v, depth + 1)]));
}

/** One message as the text of a WebSocket frame. @throws WireError */
export function stringifyMessage(message: WireRequest | WireResponse | WireEvent): string {
  return JSON.stringify(encodeWire(message));
}

/** A text frame back to a value (still to be checked for its shape). @throws WireError */
export function parseMessage(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WireError('The message is not JSON.');
  }
  return decodeWire(parsed);
}

/** A chunk frame's header. */
export function chunkHeader(id: number, uploadId: string): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff || !UPLOAD_ID_PATTERN.test(uploadId)) {
    throw new WireError('A chunk needs a request id (uint32) and an upload id.');
  }
  const header = new Uint8Array(new ArrayBuffer(CHUNK_HEADER_BYTES));
  new DataView(header.buffer).setUint32(0, id, false);
  for (let i = 0; i < UPLOAD_ID_LENGTH; i++) {
    header[4 + i] = uploadId.charCodeAt(i);
  }
  return header;
}

/** A chunk frame's parts, or null when it is too short or its upload id is malformed. */
export function parseChunk(frame: Uint8Array): { readonly id: number; readonly uploadId: string; readonly data: Uint8Array } | null {
  if (frame.length < CHUNK_HEADER_BYTES) {
    return null;
  }
  const id = new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0, false);
  const uploadId = String.fromCharCode(...frame.subarray(4, CHUNK_HEADER_BYTES));
  if (!UPLOAD_ID_PATTERN.test(uploadId)) {
    return null;
  }
  return { id, uploadId, data: frame.subarray(CHUNK_HEADER_BYTES) };
}
