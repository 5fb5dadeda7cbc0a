// Encrypting and decrypting files on disk (DESIGN.md invariant 5): the input is only ever read;
// the output is written to a staging file beside the target (created exclusively, mode 0600),
// fsynced, and renamed into place only when the whole message is written — for decryption, only
// after every frame and the footer signature have verified. On any failure the staging file is
// removed, so a failed or interrupted run leaves no output file. An existing output is replaced
// only when asked (`force`).

import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ValidationException } from '../errors.ts';
import { decryptStream, encryptStream, type DecryptOptions, type EncryptOptions, type MessageInfo, type Sink } from './message.ts';

/** The extension of files Strongroom encrypts. */
export const ENCRYPTED_EXTENSION = '.strongroom';
const READ_CHUNK = 1024 * 1024;
/** Output is gathered and written in one writev per this many bytes: one syscall per frame would cap small frames. */
const WRITE_BATCH = 2 * 1024 * 1024;

export type Progress = (done: number, total: number) => void;
export type FileOptions = { readonly force?: boolean; readonly onProgress?: Progress };

/** Where `input` goes when encrypted (or decrypted) into `outputDir` (default: beside it). */
export function encryptedPath(input: string, outputDir?: string): string {
  return join(outputDir ?? dirname(input), `${basename(input)}${ENCRYPTED_EXTENSION}`);
}

export function decryptedPath(input: string, outputDir?: string): string {
  const name = basename(input);
  const plain = name.endsWith(ENCRYPTED_EXTENSION) && name.length > ENCRYPTED_EXTENSION.length ? name.slice(0, -ENCRYPTED_EXTENSION.length) : `${name}.decrypted`;
  return join(outputDir ?? dirname(input), plain);
}

async function* readFile(path: string, onProgress: Progress | undefined): AsyncIterable<Buffer> {
  const total = (await stat(path)).size;
  let done = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) {
    const b = chunk as Buffer;
    done += b.length;
    onProgress?.(done, total);
    yield b;
  }
}

/** Writes every byte of `parts` with writev, going again after short writes. */
export async function writevAll(file: FileHandle, parts: ReadonlyArray<Buffer>): Promise<void> {
  let chunks = [...parts];
  while (chunks.length > 0) {
    let { bytesWritten } = await file.writev(chunks);
    if (bytesWritten === 0) {
      throw new Error('the file system accepted no bytes');
    }
    while (bytesWritten > 0 && chunks.length > 0) {
      const first = chunks[0] as Buffer;
      if (first.length <= bytesWritten) {
        bytesWritten -= first.length;
        chunks = chunks.slice(1);
      } else {
        chunks = [first.subarray(bytesWritten), ...chunks.slice(1)];
        bytesWritten = 0;
      }
    }
  }
}

/** A staging file untouched this long belongs to a run that was killed (a live run writes continually). */
const STALE_STAGING_MS = 10 * 60 * 1000;

/**
 * Removes staging files of `target` left by killed runs (SIGKILL, power loss): a decryption's may
 * hold plaintext whose signature was never checked.
 */
async function removeStaleStaging(target: string): Promise<void> {
  const prefix = `.${basename(target)}.`;
  let names: Array<string>;
  try {
    names = await readdir(dirname(target));
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(prefix) && /^[0-9a-f]{12}\.partial$/.test(name.slice(prefix.length))) {
      const path = join(dirname(target), name);
      const info = await stat(path).catch(() => null);
      if (info !== null && Date.now() - info.mtimeMs > STALE_STAGING_MS) {
        await unlink(path).catch(() => {});
      }
    }
  }
}

/**
 * Writes `target` through a staging file (0600) that becomes `target` only if `produce` succeeds,
 * synced, then renamed, then the rename synced. `input` (when there is one) is never written over.
 */
export async function writeAtomically<T>(input: string | null, target: string, force: boolean, produce: (sink: Sink) => Promise<T>): Promise<T> {
  if (input !== null && resolve(input) === resolve(target)) {
    throw new ValidationException(`${target} is the input file; Strongroom never writes over its input. Choose another --output-dir.`);
  }
  if (!force && existsSync(target)) {
    throw new ValidationException(`${target} already exists; pass --force to replace it.`);
  }
  await removeStaleStaging(target);
  const staging = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  const file = await open(staging, 'wx', 0o600);
  let closed = false;
  let pending: Array<Buffer> = [];
  let pendingBytes = 0;
  // One write in flight while the next batch is produced, so reading, cryptography and writing
  // overlap (the write runs on libuv's thread pool); never more, so memory stays bounded.
  let inflight: Promise<void> = Promise.resolve();
  const flush = async () => {
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    await inflight;
    inflight = writevAll(file, batch);
    // Surface a failed write at the next flush, not as an unhandled rejection.
    inflight.catch(() => {});
  };
  try {
    const result = await produce(async (chunk) => {
      if (chunk.length === 0) {
        // An empty final frame: nothing to write (and writev of only empty buffers writes 0 bytes).
        return;
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= WRITE_BATCH) {
        await flush();
      }
    });
    await flush();
    await inflight;
    await file.sync();
    await file.close();
    closed = true;
    if (!force && existsSync(target)) {
      throw new ValidationException(`${target} appeared while it was being written; pass --force to replace it.`);
    }
    await rename(staging, target);
    // Make the rename itself durable.
    const dir = await open(dirname(target), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return result;
  } catch (err) {
    if (!closed) {
      await inflight.catch(() => {});
      await file.close().catch(() => {});
    }
    await unlink(staging).catch(() => {});
    throw err;
  }
}

export async function encryptFile(input: string, output: string, options: EncryptOptions & FileOptions): Promise<MessageInfo> {
  return writeAtomically(input, output, options.force === true, (sink) => encryptStream(readFile(input, options.onProgress), sink, options));
}

export async function decryptFile(input: string, output: string, options: DecryptOptions & FileOptions): Promise<MessageInfo> {
  return writeAtomically(input, output, options.force === true, (sink) => decryptStream(readFile(input, options.onProgress), sink, options));
}
