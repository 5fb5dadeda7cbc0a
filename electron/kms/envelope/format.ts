// The AWS Encryption SDK message format, byte by byte (docs/file-format.md; the AWS Encryption SDK specification,
// message-format): header serialization and parsing (v1 and v2), the encryption-context serialization, frame
// IVs and body AAD. Everything is big-endian. Parsing works on a growing buffer and reports
// "need more bytes" rather than reading a stream itself, so the reader can feed it any chunking.

import { setOwnMember } from '../../../shared/api/own-member.ts';
import { InvalidCiphertextException, type KmsError } from '../errors.ts';
import { suiteById, type Suite } from './suites.ts';

export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const FINAL_FRAME_MARKER = 0xffff_ffff;
export const PUBLIC_KEY_CONTEXT_KEY = 'aws-crypto-public-key';
export const RESERVED_CONTEXT_PREFIX = 'aws-crypto-';
/** The provider id of EDKs wrapped by a KMS key (the provider info is the key's ARN). */
export const KMS_PROVIDER_ID = 'aws-kms';
/** The raw RSA keyring namespace Strongroom uses for recipients; the key name is the key's ARN. */
export const RSA_RECIPIENT_NAMESPACE = 'strongroom-rsa-oaep-sha256';

export const FRAME_AAD = Buffer.from('AWSKMSEncryptionClient Frame', 'ascii');
export const FINAL_FRAME_AAD = Buffer.from('AWSKMSEncryptionClient Final Frame', 'ascii');
export const SINGLE_BLOCK_AAD = Buffer.from('AWSKMSEncryptionClient Single Block', 'ascii');

export type EncryptedDataKey = {
  readonly providerId: string;
  /** Bytes: an ARN for KMS, a key name and IV for raw AES, a key name for raw RSA. */
  readonly providerInfo: Uint8Array;
  readonly ciphertext: Uint8Array;
};

export type Header = {
  readonly version: 1 | 2;
  readonly suite: Suite;
  readonly messageId: Uint8Array;
  readonly context: Readonly<Record<string, string>>;
  readonly edks: ReadonlyArray<EncryptedDataKey>;
  readonly contentType: 1 | 2;
  readonly frameLength: number;
  /** v2: the commit key. */
  readonly suiteData: Uint8Array | null;
  /** The header body exactly as read or written: what the header tag authenticates. */
  readonly bodyBytes: Uint8Array;
  /** v1: the header IV field (decryptors use the bytes found); v2: 12 zero bytes. */
  readonly headerIv: Uint8Array;
  readonly headerTag: Uint8Array;
  /** Every header byte (body and authentication): the start of what the footer signs. */
  readonly bytes: Uint8Array;
};

/** Thrown by the parser when the buffer ends before the structure does. */
export class NeedMoreBytes extends Error {}

function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * Pairs sorted by the UTF-8 bytes of their keys, as the format requires; 'locale' is the order
 * the JavaScript SDK's raw AES keyring uses by default (localeCompare), needed only to read its files.
 */
function sortedPairs(context: Readonly<Record<string, string>>, order: 'utf8' | 'locale'): Array<readonly [Buffer, Buffer]> {
  const bytes = (a: string, b: string) => Buffer.compare(utf8(a), utf8(b));
  const compare = order === 'utf8' ? bytes : (a: string, b: string) => a.localeCompare(b) || bytes(a, b);
  return Object.entries(context)
    .sort(([a], [b]) => compare(a, b))
    .map(([k, v]) => [utf8(k), utf8(v)] as const);
}

/** The serialized encryption context: count ‖ (len ‖ key ‖ len ‖ value)*; empty for an empty context. */
export function serializeContext(context: Readonly<Record<string, string>>, order: 'utf8' | 'locale' = 'utf8'): Buffer {
  const pairs = sortedPairs(context, order);
  if (pairs.length === 0) {
    return Buffer.alloc(0);
  }
  const parts: Array<Buffer> = [u16(pairs.length)];
  for (const [k, v] of pairs) {
    if (k.length > 0xffff || v.length > 0xffff) {
      throw new InvalidCiphertextException('An encryption context key or value is longer than 65,535 bytes, which the message format cannot hold.');
    }
    parts.push(u16(k.length), k, u16(v.length), v);
  }
  const out = Buffer.concat(parts);
  if (out.length > 0xffff) {
    throw new InvalidCiphertextException(`The encryption context serializes to ${out.length} bytes; the message format holds at most 65,535.`);
  }
  return out;
}

export type HeaderFields = {
  readonly suite: Suite;
  readonly messageId: Uint8Array;
  readonly context: Readonly<Record<string, string>>;
  readonly edks: ReadonlyArray<EncryptedDataKey>;
  readonly frameLength: number;
  readonly commitKey: Uint8Array | null;
};

/** The header body Strongroom writes: v2 for committing suites, v1 otherwise; always framed. */
export function serializeHeaderBody(h: HeaderFields): Buffer {
  const aad = serializeContext(h.context);
  const edkParts: Array<Buffer> = [u16(h.edks.length)];
  for (const e of h.edks) {
    const id = utf8(e.providerId);
    edkParts.push(u16(id.length), id, u16(e.providerInfo.length), Buffer.from(e.providerInfo), u16(e.ciphertext.length), Buffer.from(e.ciphertext));
  }
  const suiteId = u16(h.suite.id);
  if (h.suite.messageVersion === 2) {
    if (h.commitKey === null) {
      throw new Error('a committing suite needs its commit key');
    }
    return Buffer.concat([Buffer.from([2]), suiteId, Buffer.from(h.messageId), u16(aad.length), aad, ...edkParts, Buffer.from([2]), u32(h.frameLength), Buffer.from(h.commitKey)]);
  }
  return Buffer.concat([Buffer.from([1, 0x80]), suiteId, Buffer.from(h.messageId), u16(aad.length), aad, ...edkParts, Buffer.from([2]), Buffer.alloc(4), Buffer.from([IV_BYTES]), u32(h.frameLength)]);
}

/** A cursor over a buffer that throws NeedMoreBytes at its end. */
export class Cursor {
  readonly buf: Buffer;
  pos: number;
  constructor(buf: Buffer, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }
  need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new NeedMoreBytes();
    }
  }
  bytes(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw malformed('a length larger than 2^53');
    }
    return Number(v);
  }
}

export function malformed(what: string): KmsError {
  return new InvalidCiphertextException(`Not a valid AWS Encryption SDK message: ${what}.`);
}

function parseContext(bytes: Buffer): Record<string, string> {
  if (bytes.length === 0) {
    return {};
  }
  const c = new Cursor(bytes);
  const out: Record<string, string> = {};
  try {
    const count = c.u16();
    if (count === 0) {
      throw malformed('the encryption context has a pair count of 0 but is not empty');
    }
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let i = 0; i < count; i++) {
      const key = decoder.decode(c.bytes(c.u16()));
      const value = decoder.decode(c.bytes(c.u16()));
      if (Object.hasOwn(out, key)) {
        throw malformed(`the encryption context repeats the key '${key}'`);
      }
      setOwnMember(out, key, value);
    }
  } catch (err) {
    if (err instanceof NeedMoreBytes) {
      throw malformed('the encryption context is shorter than its pair count says');
    }
    if (err instanceof TypeError) {
      throw malformed('the encryption context is not valid UTF-8');
    }
    throw err;
  }
  if (c.pos !== bytes.length) {
    throw malformed('the encryption context has trailing bytes');
  }
  return out;
}

export type ParseLimits = { readonly maxEdks: number; readonly maxFrameLength: number };

/**
 * Parses a header at the start of `buf`. @throws NeedMoreBytes when `buf` is too short,
 * InvalidCiphertextException when it is not a valid header.
 */
export function parseHeader(buf: Buffer, limits: ParseLimits): Header {
  const c = new Cursor(buf);
  const version = c.u8();
  if (version !== 1 && version !== 2) {
    const text = buf.subarray(0, Math.min(buf.length, 4)).toString('latin1');
    throw malformed(/^(AY|AgV4|AgR4)/.test(text) ? 'it looks Base64-encoded; decode it first' : `it starts with byte 0x${version.toString(16).padStart(2, '0')}, not a message version (1 or 2)`);
  }
  if (version === 1 && c.u8() !== 0x80) {
    throw malformed('the v1 message type is not 0x80');
  }
  const suite = suiteById(c.u16());
  if (suite === null) {
    throw malformed(`unknown algorithm suite 0x${buf.readUInt16BE(version === 1 ? 2 : 1).toString(16).padStart(4, '0')}`);
  }
  if (suite.messageVersion !== version) {
    throw malformed(`suite ${suite.name} cannot appear in a version ${version} header`);
  }
  const messageId = c.bytes(version === 1 ? 16 : 32);
  const context = parseContext(c.bytes(c.u16()));
  const edkCount = c.u16();
  if (edkCount === 0) {
    throw malformed('it has no encrypted data keys');
  }
  if (edkCount > limits.maxEdks) {
    throw malformed(`it has ${edkCount} encrypted data keys; at most ${limits.maxEdks} are accepted`);
  }
  const edks: Array<EncryptedDataKey> = [];
  for (let i = 0; i < edkCount; i++) {
    const providerId = new TextDecoder().decode(c.bytes(c.u16()));
    const providerInfo = c.bytes(c.u16());
    const ciphertext = c.bytes(c.u16());
    edks.push({ providerId, providerInfo, ciphertext });
  }
  const contentType = c.u8();
  if (contentType !== 1 && contentType !== 2) {
    throw malformed(`content type ${contentType} is neither framed (2) nor non-framed (1)`);
  }
  let frameLength: number;
  let suiteData: Buffer | null = null;
  if (version === 1) {
    if (!c.bytes(4).equals(Buffer.alloc(4))) {
      throw malformed('the reserved header bytes are not zero');
    }
    if (c.u8() !== IV_BYTES) {
      throw malformed('the IV length is not 12');
    }
    frameLength = c.u32();
  } else {
    if (contentType !== 2) {
      throw malformed('a version 2 message must be framed');
    }
    frameLength = c.u32();
    suiteData = c.bytes(32);
  }
  if (contentType === 2 && (frameLength === 0 || frameLength > limits.maxFrameLength)) {
    throw malformed(frameLength === 0 ? 'the frame length is 0' : `the frame length ${frameLength} exceeds the ${limits.maxFrameLength}-byte limit`);
  }
  if (contentType === 1 && frameLength !== 0) {
    throw malformed('a non-framed message must declare frame length 0');
  }
  const bodyEnd = c.pos;
  const headerIv = version === 1 ? c.bytes(IV_BYTES) : Buffer.alloc(IV_BYTES);
  const headerTag = c.bytes(TAG_BYTES);
  return {
    version,
    suite,
    messageId,
    context,
    edks,
    contentType,
    frameLength,
    suiteData,
    bodyBytes: buf.subarray(0, bodyEnd),
    headerIv,
    headerTag,
    bytes: buf.subarray(0, c.pos),
  };
}

/** The deterministic frame IV: 8 zero bytes ‖ u32 sequence number. */
export function frameIv(sequence: number): Buffer {
  const iv = Buffer.alloc(IV_BYTES);
  iv.writeUInt32BE(sequence, 8);
  return iv;
}

/** Body AAD: message id ‖ content string ‖ u32 sequence ‖ u64 plaintext length. */
export function bodyAad(messageId: Uint8Array, kind: 'frame' | 'final' | 'single', sequence: number, length: number): Buffer {
  const label = kind === 'frame' ? FRAME_AAD : kind === 'final' ? FINAL_FRAME_AAD : SINGLE_BLOCK_AAD;
  const tail = Buffer.alloc(12);
  tail.writeUInt32BE(sequence, 0);
  tail.writeBigUInt64BE(BigInt(length), 4);
  return Buffer.concat([Buffer.from(messageId), label, tail]);
}
