// Writing a file whole or not at all — the one writer every file Strongroom produces goes through
// (encrypted and decrypted files, audit exports, backups and their shares, ceremony transcripts,
// the benchmarks' baselines). The bytes go to a staging file beside the target, created
// exclusively (mode 0600 unless told), named `.<target name>.<12 hex>.partial` so a listing shows
// what it belongs to; it is fsynced, given the target's name (rename when replacing is allowed,
// link + unlink otherwise, so an existing file is never replaced by accident even in a race), and
// the directory is fsynced so the new name survives a power cut. On any failure the staging file
// is removed. The input of a transformation is never the target.

import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, lstatSync, openSync, readdirSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ValidationException } from '../errors.ts';
import { faultPoint } from '../fault-point.ts';
import { fsPromises } from '../lazy-builtins.ts';

const STAGING = /^[0-9a-f]{12}\.partial$/;
/** A staging file untouched this long belongs to a run that was killed (a live run writes continually). */
const STALE_STAGING_MS = 10 * 60 * 1000;

export type AtomicFileOptions = {
  /** The file being transformed, if any: never written over. */
  readonly input?: string | null;
  /** Replace an existing target (`--force`). Default: refuse. */
  readonly replace?: boolean;
  /** Permissions of the new file (default 0600: encrypted or not, what Strongroom writes is the user's own). */
  readonly mode?: number;
  /**
   * Runs once the staging file is complete and durable, before it gets its name (writeFileAtomically):
   * where a caller commits the record of the file, so that a process killed in between leaves a
   * recorded file under a staging name (removed by the next run), never a named file no record
   * knows of. Throwing keeps the file from being named.
   */
  readonly beforeName?: () => void;
};

/** Staging files being written by this process (what an interrupted command removes on its way out). */
const liveStaging = new Set<string>();

/**
 * Removes this process's staging files, synchronously: for a command stopped by a signal
 * (Ctrl-C, SIGTERM), whose partial output — for a decryption, plaintext whose signature was
 * never checked — must not stay behind. Returns how many it removed.
 */
export function removeLiveStagingFiles(): number {
  let removed = 0;
  for (const path of liveStaging) {
    try {
      unlinkSync(path);
      removed++;
    } catch {
      // Already renamed into place or removed.
    }
  }
  liveStaging.clear();
  return removed;
}

/** A fresh staging name beside `target`. */
export function stagingPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
}

/** Whether `path` is a name stagingPath gives for `target`. */
export function isStagingPathOf(target: string, path: string): boolean {
  const prefix = `.${basename(target)}.`;
  const name = basename(path);
  return dirname(path) === dirname(target) && name.startsWith(prefix) && STAGING.test(name.slice(prefix.length));
}

const REPLACEABLE = (target: string): string => `${target} already exists; pass --force to replace it.`;
const NOT_REPLACED = (target: string): string => `${target} already exists; Strongroom does not replace files. Choose another name or move it away.`;
const APPEARED = (target: string): string => `${target} appeared while it was being written; pass --force to replace it.`;

function checkTarget(target: string, options: AtomicFileOptions): void {
  if (options.input != null && resolve(options.input) === resolve(target)) {
    throw new ValidationException(`${target} is the input file; Strongroom never writes over its input. Choose another output folder.`);
  }
  if (options.replace !== true && existsSync(target)) {
    throw new ValidationException(REPLACEABLE(target));
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Gives a complete, fsynced staging file the target's name and makes the name durable. Without
 * `replace`, a hard link claims the name (EEXIST if a file appeared meanwhile); on file systems
 * without hard links (FAT, some network shares) an existence check and a rename do.
 */
export function commitStaged(staging: string, target: string, replace = false, existsMessage: (target: string) => string = NOT_REPLACED): void {
  // The subject is the target's file name (before-rename:transcript.json), so one file of several can be chosen.
  const name = (): string => basename(target);
  faultPoint('before-rename', name);
  if (replace) {
    renameSync(staging, target);
  } else {
    try {
      linkSync(staging, target);
      unlinkSync(staging);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        throw new ValidationException(existsMessage(target));
      }
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') {
        throw err;
      }
      if (existsSync(target)) {
        throw new ValidationException(existsMessage(target));
      }
      renameSync(staging, target);
    }
  }
  faultPoint('after-rename', name);
  syncDirectory(dirname(target));
}

/** Writes `bytes` to a fresh staging file beside `target` (fsynced); returns its path for commitStaged. */
export function stageBytes(target: string, bytes: Uint8Array, mode = 0o600): string {
  const staging = stagingPath(target);
  const fd = openSync(staging, 'wx', mode);
  try {
    for (let done = 0; done < bytes.length; ) {
      done += writeSync(fd, bytes, done, bytes.length - done);
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(staging, { force: true });
    throw err;
  }
  closeSync(fd);
  return staging;
}

/** A small file whole or not at all (synchronous: shares, transcripts, plans). */
export function writeBytesAtomically(target: string, bytes: Uint8Array, options: AtomicFileOptions = {}): void {
  checkTarget(target, options);
  const staging = stageBytes(target, bytes, options.mode);
  try {
    commitStaged(staging, target, options.replace === true, APPEARED);
  } catch (err) {
    rmSync(staging, { force: true });
    throw err;
  }
}

/**
 * Removes staging files of `target` left by killed runs (SIGKILL, power loss): a decryption's may
 * hold plaintext whose signature was never checked.
 */
async function removeStaleStaging(target: string): Promise<void> {
  let names: Array<string>;
  try {
    names = await fsPromises().readdir(dirname(target));
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dirname(target), name);
    if (isStagingPathOf(target, path)) {
      const info = await fsPromises().stat(path).catch(() => null);
      if (info !== null && Date.now() - info.mtimeMs > STALE_STAGING_MS) {
        await fsPromises().unlink(path).catch(() => {});
      }
    }
  }
}

const ANY_STAGING = /^\..+\.[0-9a-f]{12}\.partial$/;

/**
 * Removes every stale staging file in `folder`, whatever its target: for writers whose targets'
 * names change from run to run (a backup and its shares), so the next run into the folder still
 * finds a killed run's files. Synchronous; errors are ignored (a folder we cannot list holds none of ours).
 */
export function removeStaleStagingIn(folder: string, now: number = Date.now()): void {
  let names: Array<string>;
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (!ANY_STAGING.test(name)) {
      continue;
    }
    const path = join(folder, name);
    try {
      const info = lstatSync(path);
      if (info.isFile() && now - info.mtimeMs > STALE_STAGING_MS) {
        unlinkSync(path);
      }
    } catch {
      // Gone meanwhile.
    }
  }
}

/** Writes every byte of `pieces`, one after another, from `position`, going again after short writes. */
async function writeAllAt(file: FileHandle, pieces: ReadonlyArray<Uint8Array>, position: number): Promise<void> {
  let rest = pieces.filter((p) => p.length > 0);
  let at = position;
  while (rest.length > 0) {
    // One pwritev for the lot: a frame's plaintext per syscall cost 4 × the syscalls and wake-ups.
    const { bytesWritten } = rest.length === 1 ? await file.write(rest[0] as Uint8Array, 0, (rest[0] as Uint8Array).length, at) : await file.writev(rest, at);
    if (bytesWritten === 0) {
      throw new Error('the file system accepted no bytes');
    }
    at += bytesWritten;
    // A short write: go on from the first byte not written.
    let skip = bytesWritten;
    const next: Array<Uint8Array> = [];
    for (const p of rest) {
      if (skip >= p.length) {
        skip -= p.length;
        continue;
      }
      next.push(skip > 0 ? p.subarray(skip) : p);
      skip = 0;
    }
    rest = next;
  }
}

/**
 * Written bytes after which the staging file's dirty pages are handed to the disk (fdatasync on
 * libuv's pool) while writing goes on, so the fsync that makes the output durable at the end
 * waits for the last stretch only, not for the whole file (D32).
 */
export const WRITEBACK_EVERY_BYTES = 32 * 1024 * 1024;

/**
 * The staging file as a producer sees it: bytes are appended in the order `write` is called, each
 * at its own offset. Writes queue and run one after another on libuv's threads while the producer
 * prepares the next buffer; a buffer may be reused once its write has resolved.
 */
export class StagedOutput {
  readonly #file: FileHandle;
  #position = 0;
  #inflight = new Set<Promise<void>>();
  #failure: unknown = null;
  #last: Promise<void> = Promise.resolve();
  #unsynced = 0;
  #syncing = false;

  constructor(file: FileHandle) {
    this.#file = file;
  }

  /** Bytes appended so far (including writes still in flight). */
  get length(): number {
    return this.#position;
  }

  /** Appends `bytes` (or several buffers, in order, with one syscall); each may be reused once this resolves. */
  write(bytes: Uint8Array | ReadonlyArray<Uint8Array>): Promise<void> {
    if (this.#failure !== null) {
      return Promise.reject(this.#failure);
    }
    const pieces = bytes instanceof Uint8Array ? [bytes] : bytes;
    const length = pieces.reduce((n, p) => n + p.length, 0);
    const position = this.#position;
    this.#position += length;
    if (length === 0) {
      return Promise.resolve();
    }
    // Queued, and done one at a time: concurrent writes to one file contend for its inode lock
    // (the kernel spins on it), which cost more system time than overlapping them saved (D32).
    const done = this.#last.then(() => writeAllAt(this.#file, pieces, position)).catch((err: unknown) => {
      this.#failure ??= err;
      throw err;
    });
    this.#track(done);
    this.#last = done.catch(() => {});
    void done.then(() => this.#writeBack(length), () => {});
    return done;
  }

  /** Starts an fdatasync of what is written so far once enough has piled up (one at a time). */
  #writeBack(written: number): void {
    this.#unsynced += written;
    if (this.#syncing || this.#unsynced < WRITEBACK_EVERY_BYTES || this.#failure !== null) {
      return;
    }
    this.#syncing = true;
    this.#unsynced = 0;
    const synced = this.#file.datasync().then(
      () => {
        this.#syncing = false;
      },
      (err: unknown) => {
        this.#syncing = false;
        this.#failure ??= err;
        throw err;
      },
    );
    this.#track(synced);
  }

  /** Settled work leaves the set; a failure is also reported by settle(), never lost. */
  #track(work: Promise<void>): void {
    this.#inflight.add(work);
    work.then(
      () => this.#inflight.delete(work),
      () => this.#inflight.delete(work),
    );
  }

  /** Waits for every write in flight; throws the first failure. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#inflight]);
    if (this.#failure !== null) {
      throw this.#failure;
    }
  }
}

/**
 * Produces `target` through a staging file that becomes `target` only if `produce` resolves:
 * written, fsynced, renamed (or linked), the directory fsynced.
 */
export async function writeFileAtomically<T>(target: string, options: AtomicFileOptions, produce: (out: StagedOutput) => Promise<T>): Promise<T> {
  checkTarget(target, options);
  await removeStaleStaging(target);
  const staging = stagingPath(target);
  const file = await fsPromises().open(staging, 'wx', options.mode ?? 0o600);
  liveStaging.add(staging);
  faultPoint('staging-opened');
  const out = new StagedOutput(file);
  let closed = false;
  try {
    const result = await produce(out);
    await out.settle();
    await file.sync();
    await file.close();
    closed = true;
    options.beforeName?.();
    if (options.replace === true) {
      faultPoint('before-rename', () => basename(target));
      await fsPromises().rename(staging, target);
      faultPoint('after-rename', () => basename(target));
      syncDirectory(dirname(target));
    } else {
      commitStaged(staging, target, false, APPEARED);
    }
    return result;
  } catch (err) {
    if (!closed) {
      await out.settle().catch(() => {});
      await file.close().catch(() => {});
    }
    await fsPromises().unlink(staging).catch(() => {});
    throw err;
  } finally {
    liveStaging.delete(staging);
  }
}
