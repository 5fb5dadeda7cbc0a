// Streaming encryption and decryption of AWS Encryption SDK messages (docs/file-format.md).
// Encryption writes v2 messages with a committing suite, framed; decryption reads every suite and
// both message versions, enforces key commitment whenever the suite has it, checks frame order,
// IVs, the final frame and the footer signature, and refuses truncation and trailing bytes.
// Memory stays constant: a frame (or two) at a time, whatever the message size. Nothing
// decrypted is handed to `write` before its frame's tag has verified; for signed suites the
// caller must still treat the output as provisional until this resolves (the signature covers
// the whole message), which is why files are written to a staging file and renamed only then.

import { createDecipheriv, createSecretKey, createSign, type KeyObject } from 'node:crypto';
import { InvalidCiphertextException, KmsError } from '../errors.ts';
import {
  bodyAad,
  FINAL_FRAME_MARKER,
  frameIv,
  IV_BYTES,
  malformed,
  NeedMoreBytes,
  parseHeader,
  PUBLIC_KEY_CONTEXT_KEY,
  RSA_RECIPIENT_NAMESPACE,
  KMS_PROVIDER_ID,
  TAG_BYTES,
  type Header,
  type ParseLimits,
} from './format.ts';
import { ChunkQueue } from './chunk-queue.ts';
import type { Keyring, KeyringProblem } from './keyrings.ts';
import { refusalOf } from './refusal.ts';
import { checkCommitment, deriveKeys, verificationKey } from './message-crypto.ts';
import { localDigest, type MessageDigest } from './message-digest.ts';
import { beginMessage, footer, gcmName, MAX_FRAME_LENGTH, type EncryptOptions, type MessageInfo, type Sink } from './message-sealer.ts';

export { DEFAULT_FRAME_LENGTH, MAX_FRAME_LENGTH, type EncryptOptions, type MessageInfo, type Sink } from './message-sealer.ts';
export const DEFAULT_LIMITS: ParseLimits = { maxEdks: 64, maxFrameLength: MAX_FRAME_LENGTH };
const MAX_HEADER_BYTES = 4 * 1024 * 1024;

/**
 * Bytes from an unauthenticated header, made safe to show: every byte outside printable ASCII
 * (control characters, terminal escapes, non-ASCII) is written as \xNN, so a crafted file cannot
 * write to the user's terminal through an error message.
 */
function printableBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function printable(text: string): string {
  return printableBytes(Buffer.from(text, 'utf8'));
}

function printableInfo(info: Uint8Array): string {
  return printableBytes(info);
}

/** Encrypts `source` into an ESDK message written to `sink`, one frame at a time. */
export async function encryptStream(source: AsyncIterable<Uint8Array>, sink: Sink, options: EncryptOptions): Promise<MessageInfo> {
  const sealer = await beginMessage(options);
  const { frameLength } = sealer;
  const signer = sealer.suite.signature === null ? null : createSign(sealer.suite.signature.hash);
  const emit = async (bytes: Buffer) => {
    signer?.update(bytes);
    await sink(bytes);
  };
  await emit(sealer.header);
  const seal = async (plaintext: Buffer, final: boolean) => {
    // The pieces go out as they are: joining them would copy every byte once more.
    for (const piece of sealer.seal(plaintext, final)) {
      await emit(piece);
    }
  };

  // A full frame is held back until more input shows it is not the last, so an input that is
  // an exact multiple of the frame length ends with a full final frame, as the spec prefers.
  // Whole frames inside an input chunk are encrypted from the chunk itself, without a copy.
  let held: Buffer | null = null;
  const full = async (frame: Buffer) => {
    if (held !== null) {
      await seal(held, false);
    }
    held = frame;
  };
  let partial = Buffer.allocUnsafe(frameLength);
  let filled = 0;
  for await (const chunk of source) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let offset = 0;
    while (offset < bytes.length) {
      if (filled === 0 && bytes.length - offset >= frameLength) {
        await full(bytes.subarray(offset, offset + frameLength));
        offset += frameLength;
        continue;
      }
      const n = Math.min(frameLength - filled, bytes.length - offset);
      bytes.copy(partial, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === frameLength) {
        await full(partial);
        partial = Buffer.allocUnsafe(frameLength);
        filled = 0;
      }
    }
  }
  const last: Buffer | null = held;
  if (filled > 0 || last === null) {
    if (last !== null) {
      await seal(last, false);
    }
    await seal(partial.subarray(0, filled), true);
  } else {
    await seal(last, true);
  }
  if (signer !== null && sealer.signingKey !== null) {
    await sink(footer(signer.sign({ key: sealer.signingKey, dsaEncoding: 'der' })));
  }
  return sealer.info();
}

export type DecryptOptions = {
  /** Tried in order; the first that opens an EDK gives the data key. */
  readonly keyrings: ReadonlyArray<Keyring>;
  readonly limits?: ParseLimits;
  /** Refuse signed messages right after the header (the spec's fail-fast mode). */
  readonly unsignedOnly?: boolean;
  /** Refuse messages without key commitment (v1 suites). Default false: files from older SDKs read. */
  readonly requireCommitment?: boolean;
};

/** Where a signed message's hash is computed: in this thread by default; the file pipeline passes a worker. */
export type DigestFactory = (hash: 'sha256' | 'sha384', mode: 'sign' | 'verify') => MessageDigest;

/** Decrypts an ESDK message from `source`, writing each frame's plaintext to `sink` once it authenticates. */
export async function decryptStream(source: AsyncIterable<Uint8Array>, sink: Sink, options: DecryptOptions, digestFor: DigestFactory = localDigest): Promise<MessageInfo> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const q = new ChunkQueue();
  let header: Header | null = null;
  let key: KeyObject | null = null;
  let verifier: MessageDigest | null = null;
  let verifyKey: KeyObject | null = null;
  let expected = 1;
  let plaintextBytes = 0;
  let state: 'header' | 'body' | 'footer' | 'done' = 'header';
  let inFinalFrame = false;

  const openHeader = async (h: Header): Promise<void> => {
    if (options.requireCommitment === true && !h.suite.committing) {
      throw new InvalidCiphertextException(`The message uses suite ${h.suite.name}, which does not commit to its key; this decryption requires key commitment.`);
    }
    const signedKey = h.context[PUBLIC_KEY_CONTEXT_KEY];
    if (h.suite.signature !== null) {
      if (options.unsignedOnly === true) {
        throw new InvalidCiphertextException(`The message is signed (suite ${h.suite.name}) and only unsigned messages were to be accepted.`);
      }
      if (signedKey === undefined) {
        throw malformed(`suite ${h.suite.name} is signed but the encryption context has no ${PUBLIC_KEY_CONTEXT_KEY}`);
      }
      verifyKey = verificationKey(h.suite.signature.curve, signedKey);
      verifier = digestFor(h.suite.signature.hash, 'verify');
      verifier.update(h.bytes);
    } else if (signedKey !== undefined) {
      throw malformed(`suite ${h.suite.name} is unsigned but the encryption context carries ${PUBLIC_KEY_CONTEXT_KEY}`);
    }
    const problems: Array<KeyringProblem> = [];
    let dataKey: Uint8Array | null = null;
    for (const keyring of options.keyrings) {
      dataKey = await keyring.unwrap(h.edks, h.suite, h.context, problems);
      if (dataKey !== null) {
        break;
      }
    }
    if (dataKey === null) {
      const refusal = refusalOf(problems);
      if (refusal !== null) {
        throw refusal;
      }
      const named = h.edks.map((e) => `${printable(e.providerId)}${e.providerId === KMS_PROVIDER_ID || e.providerId === RSA_RECIPIENT_NAMESPACE ? ` ${printableInfo(e.providerInfo)}` : ''}`);
      throw new InvalidCiphertextException(
        problems.length > 0
          ? `No key could open the message's data key: ${problems.map((p) => p.text.replace(/\.+$/, '')).join('; ')}.`
          : `The message's data key is wrapped for ${named.join(', ')}; none of them is a key here (${options.keyrings.map((k) => k.label).join(', ')}).`,
      );
    }
    const derived = deriveKeys(h.suite, dataKey, h.messageId);
    dataKey.fill(0);
    checkCommitment(derived.commitKey, h.suiteData);
    const contentKey = createSecretKey(derived.contentKey);
    derived.contentKey.fill(0);
    const d = createDecipheriv(gcmName(h.suite.keyBytes), contentKey, h.headerIv);
    d.setAAD(h.bodyBytes);
    d.setAuthTag(h.headerTag);
    try {
      d.final();
    } catch {
      throw new InvalidCiphertextException('The message header does not authenticate: a header field was changed.');
    }
    key = contentKey;
  };

  const openFrame = (bytes: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, kind: 'frame' | 'final' | 'single', sequence: number): Buffer => {
    const h = header as Header;
    if (kind !== 'single' && !iv.equals(frameIv(sequence))) {
      throw new InvalidCiphertextException(`Frame ${sequence} has an IV other than the one its sequence number gives: the message was altered.`);
    }
    const d = createDecipheriv(gcmName(h.suite.keyBytes), key as KeyObject, iv);
    d.setAAD(bodyAad(h.messageId, kind, sequence, ciphertext.length));
    d.setAuthTag(tag);
    const plaintext = d.update(ciphertext);
    try {
      d.final();
    } catch {
      plaintext.fill(0);
      throw new InvalidCiphertextException(`${kind === 'single' ? 'The message body' : `Frame ${sequence}${kind === 'final' ? ' (the final frame)' : ''}`} does not authenticate: it was altered or reordered.`);
    }
    (verifier as MessageDigest | null)?.update(bytes);
    return plaintext;
  };

  /** Consumes what it can from the queue; returns when it needs more input. */
  const step = async (): Promise<boolean> => {
    if (state === 'header') {
      let h: Header;
      try {
        h = parseHeader(q.all(), limits);
      } catch (err) {
        if (err instanceof NeedMoreBytes) {
          if (q.length > MAX_HEADER_BYTES) {
            throw malformed(`the header is larger than ${MAX_HEADER_BYTES} bytes`);
          }
          return false;
        }
        throw err;
      }
      header = h;
      await openHeader(h);
      q.skip(h.bytes.length);
      state = 'body';
      return true;
    }
    const h = header as Header;
    if (state === 'body') {
      if (h.contentType === 1) {
        const fixed = q.peek(IV_BYTES + 8);
        if (fixed === null) {
          return false;
        }
        const length = Number(fixed.readBigUInt64BE(IV_BYTES));
        if (length > limits.maxFrameLength) {
          throw malformed(`the non-framed body is ${length} bytes; at most ${limits.maxFrameLength} are accepted`);
        }
        const all = q.peek(IV_BYTES + 8 + length + TAG_BYTES);
        if (all === null) {
          return false;
        }
        const plaintext = openFrame(all, all.subarray(0, IV_BYTES), all.subarray(IV_BYTES + 8, IV_BYTES + 8 + length), all.subarray(IV_BYTES + 8 + length), 'single', 1);
        q.skip(all.length);
        plaintextBytes += plaintext.length;
        await sink(plaintext);
        state = h.suite.signature === null ? 'done' : 'footer';
        return true;
      }
      const lead = q.peek(4);
      if (lead === null) {
        return false;
      }
      if (lead.readUInt32BE(0) !== FINAL_FRAME_MARKER) {
        if (lead.readUInt32BE(0) !== expected) {
          throw new InvalidCiphertextException(`Frame ${expected} was expected but frame ${lead.readUInt32BE(0)} came: frames were removed, repeated or reordered.`);
        }
        const total = 4 + IV_BYTES + h.frameLength + TAG_BYTES;
        const frame = q.peek(total);
        if (frame === null) {
          return false;
        }
        const sequence = frame.readUInt32BE(0);
        if (sequence !== expected) {
          throw new InvalidCiphertextException(`Frame ${expected} was expected but frame ${sequence} came: frames were removed, repeated or reordered.`);
        }
        const plaintext = openFrame(frame, frame.subarray(4, 4 + IV_BYTES), frame.subarray(4 + IV_BYTES, 4 + IV_BYTES + h.frameLength), frame.subarray(total - TAG_BYTES), 'frame', sequence);
        q.skip(total);
        expected++;
        plaintextBytes += plaintext.length;
        await sink(plaintext);
        return true;
      }
      inFinalFrame = true;
      const fixed = q.peek(4 + 4 + IV_BYTES + 4);
      if (fixed === null) {
        return false;
      }
      const sequence = fixed.readUInt32BE(4);
      const length = fixed.readUInt32BE(4 + 4 + IV_BYTES);
      if (sequence !== expected) {
        throw new InvalidCiphertextException(`The final frame is numbered ${sequence} but frame ${expected} was expected: frames were removed or added.`);
      }
      if (length > h.frameLength) {
        throw malformed(`the final frame holds ${length} bytes, more than the frame length ${h.frameLength}`);
      }
      const total = fixed.length + length + TAG_BYTES;
      const frame = q.peek(total);
      if (frame === null) {
        return false;
      }
      const plaintext = openFrame(frame, frame.subarray(8, 8 + IV_BYTES), frame.subarray(fixed.length, fixed.length + length), frame.subarray(total - TAG_BYTES), 'final', sequence);
      q.skip(total);
      plaintextBytes += plaintext.length;
      await sink(plaintext);
      state = h.suite.signature === null ? 'done' : 'footer';
      return true;
    }
    if (state === 'footer') {
      const lengthBytes = q.peek(2);
      if (lengthBytes === null) {
        return false;
      }
      const footerBytes = q.peek(2 + lengthBytes.readUInt16BE(0));
      if (footerBytes === null) {
        return false;
      }
      const ok = (await (verifier as MessageDigest | null)?.verify(verifyKey as KeyObject, footerBytes.subarray(2))) ?? false;
      if (!ok) {
        throw new InvalidCiphertextException('The message signature does not verify: the message was altered after it was signed.');
      }
      q.skip(footerBytes.length);
      state = 'done';
      return true;
    }
    if (q.length > 0) {
      throw malformed(`${q.length} ${q.length === 1 ? 'byte follows' : 'bytes follow'} the end of the message`);
    }
    return false;
  };

  try {
    for await (const chunk of source) {
      q.push(chunk);
      while (await step()) {
        // keep consuming
      }
    }
    while (await step()) {
      // drain what the last chunk completed
    }
    if ((state as string) !== 'done') {
      const where =
        (state as string) === 'header'
          ? 'inside the header'
          : (state as string) === 'footer'
            ? 'before the signature is complete'
            : inFinalFrame
              ? `inside the final frame (frame ${expected})`
              : `inside frame ${expected}, before the final frame`;
      throw new InvalidCiphertextException(`The message is truncated: it ends ${where}.`);
    }
  } catch (err) {
    await (verifier as MessageDigest | null)?.close();
    // Format and key errors are KmsErrors already; I/O errors of the source (a missing or
    // unreadable file) pass through as they are.
    if (err instanceof KmsError || (err as NodeJS.ErrnoException).code !== undefined) {
      throw err;
    }
    throw new InvalidCiphertextException(`The message could not be read: ${(err as Error).message}`, { cause: err });
  }
  await (verifier as MessageDigest | null)?.close();
  const h = header as unknown as Header;
  return { suite: h.suite, messageId: h.messageId, context: h.context, edks: h.edks, frameLength: h.frameLength, plaintextBytes, frames: expected };
}
