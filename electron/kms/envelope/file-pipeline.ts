// The file pipeline (D32): how encryptFile / decryptFile keep both cores busy with constant memory.
//
// Encrypting: the input is read into two buffers in turn (one read in flight while the other is
// sealed); frames are sealed straight into one of a few output buffers, which is written at its
// own offset of the staging file (several writes in flight on libuv's threads) and, for a signed
// suite, hashed in place by a worker thread. An output buffer is reused once its write and its
// hashing are done. Nothing is allocated per frame except what node:crypto returns.
//
// Decrypting: the reader parses the header first to learn the frame length, then reads whole
// frames at a time into shared buffers, so decryptStream (message.ts, the one parser) finds every
// frame in one piece and the worker hashes the ciphertext where it lies. Plaintext is handed on
// only after its frame authenticates (decryptStream's rule) and written at its offset; writes in
// flight are bounded. A shared buffer is reused only after the parser has moved two reads past it
// and the worker has hashed everything that pointed into it.

import { open, type FileHandle } from 'node:fs/promises';
import type { StagedOutput } from '../storage/atomic-file.ts';
import { NeedMoreBytes, parseHeader } from './format.ts';
import { localDigest, workerDigest, type MessageDigest } from './message-digest.ts';
import { beginMessage, footer, FRAME_OVERHEAD, keepFreedFramesInHeap, releaseBuffer, type EncryptOptions, type MessageInfo } from './message-sealer.ts';
import { DEFAULT_LIMITS, decryptStream, type DecryptOptions } from './message.ts';

export type Progress = (done: number, total: number) => void;

const MiB = 1024 * 1024;
/** Plaintext per read when encrypting, ciphertext per read when decrypting (rounded to whole frames). */
const BLOCK_BYTES = 1 * MiB;
const OUTPUT_BUFFERS = 3;
const INPUT_BUFFERS = 4;
/** Plaintext gathered into one write when decrypting (a frame's is often smaller). */
const WRITE_BATCH_BYTES = 1 * MiB;
/** Plaintext written but not yet on its way to disk, at most (decryption). */
const MAX_WRITES_IN_FLIGHT = 4 * MiB;
/** Below this a worker thread costs more to start (~30 ms) than hashing in this thread does. */
const WORKER_MIN_BYTES = 8 * MiB;

/** Reads into `buf` from `position` until it is full or the file ends; returns the bytes read. */
async function readFull(file: FileHandle, buf: Uint8Array, position: number, length = buf.length): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buf, done, length - done, position + done);
    if (bytesRead === 0) {
      break;
    }
    done += bytesRead;
  }
  return done;
}

/** A fixed set of buffers handed out in turn; each one returns once its holder releases it. */
class BufferRing {
  readonly buffers: ReadonlyArray<Buffer>;
  readonly shared: ReadonlyArray<SharedArrayBuffer>;
  readonly #free: Array<Promise<void>>;
  #next = 0;

  /** `shared`: in SharedArrayBuffers a worker can read (copying into them is slower: only when a worker hashes). */
  constructor(count: number, bytes: number, shared: boolean) {
    this.shared = shared ? Array.from({ length: count }, () => new SharedArrayBuffer(bytes)) : [];
    this.buffers = shared ? this.shared.map((s) => Buffer.from(s)) : Array.from({ length: count }, () => Buffer.allocUnsafeSlow(bytes));
    this.#free = this.buffers.map(() => Promise.resolve());
  }

  /** The next buffer in turn, once it is free; `until` says when it may be handed out again. */
  async take(): Promise<{ readonly buffer: Buffer; readonly index: number; readonly release: (until: Promise<unknown>) => void }> {
    const index = this.#next;
    this.#next = (this.#next + 1) % this.buffers.length;
    await this.#free[index];
    return {
      buffer: this.buffers[index] as Buffer,
      index,
      release: (until) => {
        // A failed write or hash surfaces where it is awaited; here it only frees the buffer.
        this.#free[index] = until.then(
          () => undefined,
          () => undefined,
        );
      },
    };
  }
}

/** Encrypts the file `input` into `out` through the pipeline above. */
export async function encryptFileInto(input: string, out: StagedOutput, options: EncryptOptions, onProgress?: Progress): Promise<MessageInfo> {
  keepFreedFramesInHeap();
  const file = await open(input, 'r');
  let digest: MessageDigest | null = null;
  try {
    const total = (await file.stat()).size;
    const sealer = await beginMessage(options);
    const frame = sealer.frameLength;
    const framesPerBlock = Math.max(1, Math.floor(BLOCK_BYTES / frame));
    const blockBytes = framesPerBlock * frame;
    const signature = sealer.suite.signature;
    const onWorker = signature !== null && total >= WORKER_MIN_BYTES;
    const outputs = new BufferRing(OUTPUT_BUFFERS, framesPerBlock * (frame + FRAME_OVERHEAD) + 8, onWorker);
    const inputs = [Buffer.allocUnsafeSlow(blockBytes), Buffer.allocUnsafeSlow(blockBytes)] as const;
    if (signature !== null) {
      digest = onWorker ? workerDigest(signature.hash, 'sign', outputs.shared) : localDigest(signature.hash, 'sign');
    }
    digest?.update(sealer.header);
    const headerWritten = out.write(sealer.header);
    const writes: Array<Promise<void>> = [headerWritten];

    let position = 0;
    let turn = 0;
    let current: { buffer: Buffer; length: number } = { buffer: inputs[0], length: await readFull(file, inputs[0], 0) };
    position += current.length;
    onProgress?.(position, total);
    for (;;) {
      // Read the next block while this one is sealed: only a full block can have more after it.
      const nextBuffer = inputs[++turn % 2] as Buffer;
      const reading = current.length === blockBytes ? readFull(file, nextBuffer, position) : Promise.resolve(0);
      const target = await outputs.take();
      const frames = Math.max(1, Math.ceil(current.length / frame));
      let at = 0;
      for (let i = 0; i < frames - 1; i++) {
        at += sealer.sealInto(current.buffer.subarray(i * frame, (i + 1) * frame), false, target.buffer, at);
      }
      const nextLength = await reading;
      const last = current.buffer.subarray((frames - 1) * frame, current.length);
      at += sealer.sealInto(last, nextLength === 0, target.buffer, at);
      const sealed = target.buffer.subarray(0, at);
      const written = out.write(sealed);
      writes.push(written);
      const hashed = digest === null ? Promise.resolve() : digest.hashed(digest.update(sealed));
      target.release(Promise.all([written, hashed]));
      if (writes.length > OUTPUT_BUFFERS) {
        await writes.shift();
      }
      if (nextLength === 0) {
        break;
      }
      current = { buffer: nextBuffer, length: nextLength };
      position += nextLength;
      onProgress?.(position, total);
    }
    if (digest !== null && sealer.signingKey !== null) {
      writes.push(out.write(footer(await digest.sign(sealer.signingKey))));
    }
    await Promise.all(writes);
    return sealer.info();
  } finally {
    await digest?.close();
    await file.close();
  }
}

/**
 * The ciphertext of `input` in pieces that keep frames whole: the header alone, then blocks of
 * whole frames in shared buffers. If the header does not parse, the bytes go on as they are read
 * and decryptStream says what is wrong with them.
 */
type Shared = { ring: BufferRing | null; digest: MessageDigest | null };

async function* frameAlignedChunks(file: FileHandle, total: number, shared: Shared, onWorker: boolean, onProgress?: Progress): AsyncGenerator<Buffer> {
  let head = Buffer.allocUnsafe(Math.min(64 * 1024, Math.max(total, 1)));
  let headLength = await readFull(file, head, 0);
  let headerBytes = 0;
  let frameRecord = 0;
  for (;;) {
    try {
      const h = parseHeader(head.subarray(0, headLength), DEFAULT_LIMITS);
      headerBytes = h.bytes.length;
      frameRecord = h.contentType === 2 ? FRAME_OVERHEAD + h.frameLength : 0;
      break;
    } catch (err) {
      if (!(err instanceof NeedMoreBytes) || headLength < head.length || head.length >= 4 * MiB) {
        break;
      }
      const bigger = Buffer.allocUnsafe(Math.min(head.length * 4, 4 * MiB));
      head.copy(bigger, 0, 0, headLength);
      head = bigger;
      headLength += await readFull(file, head, headLength, head.length - headLength);
    }
  }
  let position = headerBytes > 0 ? headerBytes : headLength;
  // The ring exists before the header goes on: the parser starts the hashing worker at the
  // header, handing it the ring's shared buffers, and frames outside them would be copied to it.
  // Whole frames, as many as BLOCK_BYTES of plaintext holds: a frame's record is a little longer
  // than its plaintext, and rounding down would read 3 frames of 256 KiB a time, not 4.
  const blockBytes = frameRecord === 0 ? BLOCK_BYTES : Math.max(1, Math.round(BLOCK_BYTES / (frameRecord - FRAME_OVERHEAD))) * frameRecord;
  const ring = new BufferRing(INPUT_BUFFERS, blockBytes, onWorker);
  shared.ring = ring;
  yield Buffer.from(head.subarray(0, position));
  onProgress?.(position, total);
  const hashedSoFar = (): Promise<unknown> => (shared.digest === null ? Promise.resolve() : shared.digest.hashed(shared.digest.issued));
  // A buffer is released when the parser has moved two reads past it, once everything the
  // digest was given by then is hashed.
  const pulled: Array<{ readonly index: number; readonly release: (until: Promise<unknown>) => void }> = [];
  for (;;) {
    const slot = await ring.take();
    const length = await readFull(file, slot.buffer, position);
    if (length === 0) {
      slot.release(Promise.resolve());
      break;
    }
    position += length;
    yield slot.buffer.subarray(0, length);
    onProgress?.(position, total);
    pulled.push(slot);
    if (pulled.length > 2) {
      pulled.shift()?.release(hashedSoFar());
    }
  }
  for (const p of pulled) {
    p.release(hashedSoFar());
  }
}

/** Decrypts the file `input` into `out` through the pipeline above. */
export async function decryptFileInto(input: string, out: StagedOutput, options: DecryptOptions, onProgress?: Progress): Promise<MessageInfo> {
  keepFreedFramesInHeap();
  const file = await open(input, 'r');
  try {
    const total = (await file.stat()).size;
    const shared: Shared = { ring: null, digest: null };
    // Whether the message is signed is known only from its header: the buffers are shared for a
    // big file either way (unsigned messages only pay the slower copy into them, which they never make).
    const onWorker = total >= WORKER_MIN_BYTES;
    const digestFor = (hash: 'sha256' | 'sha384', mode: 'sign' | 'verify'): MessageDigest => {
      shared.digest = onWorker ? workerDigest(hash, mode, shared.ring?.shared ?? []) : localDigest(hash, mode);
      return shared.digest;
    };
    let inflight: Array<{ readonly done: Promise<void>; readonly bytes: number }> = [];
    let inflightBytes = 0;
    // Frames' plaintexts go out together, WRITE_BATCH_BYTES at a time, in one pwritev.
    let batch: Array<Buffer> = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) {
        return;
      }
      const pieces = batch;
      batch = [];
      // Freed as soon as they are on their way to disk (releaseBuffer says why).
      const done = out.write(pieces).then(() => pieces.forEach(releaseBuffer));
      // Awaited only when the queue is long: a failed write surfaces there, at the next write or
      // when the writer settles, never as an unhandled rejection.
      done.catch(() => {});
      inflight.push({ done, bytes: batchBytes });
      inflightBytes += batchBytes;
      batchBytes = 0;
      while (inflightBytes > MAX_WRITES_IN_FLIGHT) {
        const oldest = inflight[0];
        if (oldest === undefined) {
          break;
        }
        await oldest.done;
        inflight = inflight.slice(1);
        inflightBytes -= oldest.bytes;
      }
    };
    const sink = async (plaintext: Buffer): Promise<void> => {
      batch.push(plaintext);
      batchBytes += plaintext.length;
      if (batchBytes >= WRITE_BATCH_BYTES) {
        await flush();
      }
    };
    const info = await decryptStream(frameAlignedChunks(file, total, shared, onWorker, onProgress), sink, options, digestFor);
    await flush();
    return info;
  } finally {
    await file.close();
  }
}
