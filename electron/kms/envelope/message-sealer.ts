// Writing one message: the data key (from the first keyring, wrapped by every other), the header,
// and each frame sealed with AES-GCM under the message's content key (docs/file-format.md, "What Strongroom writes"). The
// frame loop and the signature are the caller's: encryptStream (message.ts) feeds any chunking
// and signs in its own thread; the file pipeline (file-pipeline.ts) seals frames straight into
// its output buffers and signs on a worker thread. Both seal through here, so the bytes are the same.

import { createCipheriv, createSecretKey, randomBytes, type CipherGCMTypes, type KeyObject } from 'node:crypto';
import { ValidationException } from '../errors.ts';
import { bodyAad, FINAL_FRAME_MARKER, frameIv, IV_BYTES, PUBLIC_KEY_CONTEXT_KEY, RESERVED_CONTEXT_PREFIX, serializeHeaderBody, TAG_BYTES, type HeaderFields } from './format.ts';
import type { Keyring } from './keyrings.ts';
import { deriveKeys, HEADER_IV, newSigningKey } from './message-crypto.ts';
import { SIGNED_SUITE, suiteById, type Suite, type SuiteId } from './suites.ts';

/** The frame length Strongroom writes unless told otherwise (chosen by `npm run bench`; see D19). */
export const DEFAULT_FRAME_LENGTH = 256 * 1024;
/** The largest frame a reader accepts: bounds the memory one frame can make us hold. */
export const MAX_FRAME_LENGTH = 16 * 1024 * 1024;
export const MAX_SEQUENCE = 0xffff_fffe;
/** Sequence number and IV before a frame's ciphertext; the tag after it. */
export const FRAME_OVERHEAD = 4 + IV_BYTES + TAG_BYTES;
/** The final frame adds its marker and its length. */
export const FINAL_FRAME_OVERHEAD = FRAME_OVERHEAD + 8;

export type Sink = (chunk: Buffer) => void | Promise<void>;

export type EncryptOptions = {
  /** The first keyring generates the data key; every other one wraps it too (one EDK each). */
  readonly keyrings: ReadonlyArray<Keyring>;
  readonly context?: Readonly<Record<string, string>>;
  readonly suiteId?: SuiteId;
  readonly frameLength?: number;
};

/**
 * What a message held: its header's fields but the key commitment (checked while decrypting,
 * of no use after), and what its body carried. The context is as stored, including
 * aws-crypto-public-key for signed suites.
 */
export type MessageInfo = Omit<HeaderFields, 'commitKey'> & {
  readonly plaintextBytes: number;
  readonly frames: number;
};

/**
 * Frees the memory of a buffer node:crypto returned (and nothing else holds) now, instead of at
 * the next garbage collection. V8 collects such buffers only once 64 MiB of them have piled up,
 * and glibc hands the freed pages back to the kernel, so every frame used to land in freshly
 * faulted pages: 60–190 thousand page faults and ~2 s of system time per GiB, and 60–100 MiB of
 * RSS (D32). Detaching the ArrayBuffer (transfer to length 0) releases its backing store at once
 * and malloc reuses it for the next frame. Buffers that share an ArrayBuffer are left alone.
 */
export function releaseBuffer(buffer: Buffer): void {
  const own = buffer.buffer;
  if (buffer.byteOffset === 0 && own.byteLength === buffer.length && own instanceof ArrayBuffer && !own.detached) {
    own.transfer(0);
  }
}

/**
 * Keeps freed frame buffers in the process's heap instead of handing them back to the kernel at
 * every free. glibc trims the heap's top (brk) once more than M_TRIM_THRESHOLD (128 KiB until
 * raised) is free there, so a frame's 256 KiB freed and allocated again cost a trim and fresh page
 * faults each time: 2,128 brk calls and ~2 s of system time per GiB decrypted, or none, depending
 * on what the process had allocated before (the CLI's bundle and its sources differed). Freeing one
 * buffer that malloc placed with mmap raises both thresholds for the rest of the process (the mmap
 * threshold to its size, the trim threshold to twice that: glibc's documented dynamic threshold).
 * Elsewhere (musl, macOS, Windows) this is one short-lived allocation.
 */
let heapKept = false;
export function keepFreedFramesInHeap(): void {
  if (!heapKept) {
    heapKept = true;
    releaseBuffer(Buffer.allocUnsafeSlow(8 * 1024 * 1024));
  }
}

export function gcmName(keyBytes: number): CipherGCMTypes {
  return keyBytes === 16 ? 'aes-128-gcm' : keyBytes === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
}

function checkContext(context: Readonly<Record<string, string>>): void {
  for (const key of Object.keys(context)) {
    if (key.startsWith(RESERVED_CONTEXT_PREFIX)) {
      throw new ValidationException(`Encryption context keys starting with '${RESERVED_CONTEXT_PREFIX}' are reserved for the message format; rename '${key}'.`);
    }
  }
}

/** The footer: u16 signature length ‖ DER signature. */
export function footer(signature: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + signature.length);
  out.writeUInt16BE(signature.length, 0);
  out.set(signature, 2);
  return out;
}

export type MessageSealer = {
  readonly suite: Suite;
  readonly frameLength: number;
  /** The header bytes, body and tag: the first bytes of the message and of what the footer signs. */
  readonly header: Buffer;
  /** The per-message ECDSA key of a signed suite (null for unsigned suites). */
  readonly signingKey: KeyObject | null;
  /** Seals the next frame: its prefix, ciphertext and tag, in order. */
  seal(plaintext: Buffer, final: boolean): [Buffer, Buffer, Buffer];
  /** Seals the next frame into `out` at `offset`; returns the bytes written (plaintext + overhead). */
  sealInto(plaintext: Buffer, final: boolean, out: Buffer, offset: number): number;
  info(): MessageInfo;
};

/** Makes the data key, the EDKs and the header of a new message, ready to seal frames. */
export async function beginMessage(options: EncryptOptions): Promise<MessageSealer> {
  const suite = suiteById(options.suiteId ?? SIGNED_SUITE);
  if (suite === null || !suite.committing) {
    throw new ValidationException('Strongroom writes only the committing suites 0x0578 (signed, the default) and 0x0478 (unsigned).');
  }
  const frameLength = options.frameLength ?? DEFAULT_FRAME_LENGTH;
  if (!Number.isInteger(frameLength) || frameLength < 1 || frameLength > MAX_FRAME_LENGTH) {
    throw new ValidationException(`The frame length must be 1 to ${MAX_FRAME_LENGTH} bytes.`);
  }
  if (options.keyrings.length === 0) {
    throw new ValidationException('Encrypting needs a key: give a KMS key (--key-id) or a recipient (--recipient-public-key).');
  }
  const userContext = options.context ?? {};
  checkContext(userContext);
  let signingKey: KeyObject | null = null;
  let context: Readonly<Record<string, string>> = userContext;
  if (suite.signature !== null) {
    const signing = newSigningKey(suite.signature.curve);
    signingKey = signing.privateKey;
    context = { ...userContext, [PUBLIC_KEY_CONTEXT_KEY]: signing.publicKeyBase64 };
  }
  // The first keyring makes the data key if it can (a KMS key: GenerateDataKey); with only
  // recipients, the data key is made here and wrapped for each of them.
  const [first] = options.keyrings;
  const generated = (await first?.generate?.(suite, context)) ?? null;
  const dataKey = Buffer.from(generated?.dataKey ?? randomBytes(suite.keyBytes));
  const edks = [...(generated === null ? [] : [generated.edk])];
  for (const keyring of options.keyrings.slice(generated === null ? 0 : 1)) {
    edks.push(await keyring.wrap(dataKey, suite, context));
  }
  const messageId = randomBytes(32);
  const derived = deriveKeys(suite, dataKey, messageId);
  dataKey.fill(0);
  // One OpenSSL key object per message: setting up a cipher from raw bytes costs ~20 µs a frame,
  // from a key object ~3 µs. The raw bytes are wiped now; the key object is freed with the message.
  const contentKey = createSecretKey(derived.contentKey);
  derived.contentKey.fill(0);
  const algorithm = gcmName(suite.keyBytes);
  const bodyBytes = serializeHeaderBody({ suite, messageId, context, edks, frameLength, commitKey: derived.commitKey });
  const headerCipher = createCipheriv(algorithm, contentKey, HEADER_IV);
  headerCipher.setAAD(bodyBytes);
  headerCipher.final();
  const header = Buffer.concat([bodyBytes, headerCipher.getAuthTag()]);

  let sequence = 0;
  let plaintextBytes = 0;
  const next = (plaintext: Buffer, final: boolean) => {
    sequence++;
    if (sequence > MAX_SEQUENCE) {
      throw new ValidationException(`The input needs more than ${MAX_SEQUENCE} frames at ${frameLength}-byte frames; choose a larger frame length.`);
    }
    plaintextBytes += plaintext.length;
    const iv = frameIv(sequence);
    const c = createCipheriv(algorithm, contentKey, iv);
    c.setAAD(bodyAad(messageId, final ? 'final' : 'frame', sequence, plaintext.length));
    const prefix = Buffer.allocUnsafe(final ? 4 + 4 + IV_BYTES + 4 : 4 + IV_BYTES);
    let at = 0;
    if (final) {
      at = prefix.writeUInt32BE(FINAL_FRAME_MARKER, 0);
    }
    at = prefix.writeUInt32BE(sequence, at);
    at += iv.copy(prefix, at);
    if (final) {
      prefix.writeUInt32BE(plaintext.length, at);
    }
    return { c, prefix };
  };
  return {
    suite,
    frameLength,
    header,
    signingKey,
    seal(plaintext, final) {
      const { c, prefix } = next(plaintext, final);
      const ciphertext = c.update(plaintext);
      c.final();
      return [prefix, ciphertext, c.getAuthTag()];
    },
    sealInto(plaintext, final, out, offset) {
      const { c, prefix } = next(plaintext, final);
      let at = offset + prefix.copy(out, offset);
      // node:crypto has no update-into: the ciphertext comes back in a fresh buffer, copied once
      // and freed at once (see releaseBuffer).
      const ciphertext = c.update(plaintext);
      at += ciphertext.copy(out, at);
      releaseBuffer(ciphertext);
      c.final();
      at += c.getAuthTag().copy(out, at);
      return at - offset;
    },
    info: () => ({ suite, messageId, context, edks, frameLength, plaintextBytes, frames: sequence }),
  };
}
