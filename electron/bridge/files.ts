// Files the window works on. The renderer never names a path: a drop or a dialog (Electron) or an
// upload (browser mode) registers a file here and the renderer gets an opaque id. Jobs encrypt or
// decrypt registered files one after another with the engine's file functions (staging file,
// fsync, rename: the input is never written over), pushing progress to subscribers; cancelling
// stops the file in progress, whose staging file is removed.

import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, lstatSync, openSync, readSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { AddedFile, FileProgress } from '../../shared/api/bridge.ts';
import type { Caller } from '../kms/iam/caller.ts';
import type { Kms } from '../kms/engine.ts';
import { NotFoundException, toKmsError, ValidationException } from '../kms/errors.ts';
import { decryptedPath, decryptFile, encryptedPath, encryptFile } from '../kms/envelope/files.ts';
import { installationKeyring, kmsKeyring } from '../kms/envelope/keyrings.ts';
import { DEFAULT_FRAME_LENGTH } from '../kms/envelope/message.ts';
import { SIGNED_SUITE, UNSIGNED_SUITE } from '../kms/envelope/suites.ts';

type Registered = { readonly path: string; readonly name: string; readonly size: number; readonly encrypted: boolean };

export type EncryptJob = {
  readonly fileIds: ReadonlyArray<string>;
  readonly keyIds: ReadonlyArray<string>;
  readonly context: Readonly<Record<string, string>>;
  readonly signed: boolean;
  readonly frameLength?: number;
};

export type DecryptJob = { readonly fileIds: ReadonlyArray<string>; readonly context: Readonly<Record<string, string>> };

/** Where outputs go: beside the input (Electron), or a folder of the browser-mode server's. */
export type OutputPlacement = (input: string, name: string) => string | undefined;

class JobCancelled extends Error {
  constructor() {
    super('Cancelled.');
    this.name = 'JobCancelled';
  }
}

/** ESDK messages start with version 1 (0x01, type 0x80) or version 2 (0x02) and a committing suite id (0x0478, 0x0578). */
function looksEncrypted(path: string, name: string): boolean {
  if (name.endsWith('.strongroom')) {
    return true;
  }
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(3);
    readSync(fd, head, 0, 3, 0);
    return (head[0] === 0x01 && head[1] === 0x80) || (head[0] === 0x02 && (head[1] === 0x04 || head[1] === 0x05) && head[2] === 0x78);
  } catch {
    return false;
  } finally {
    if (fd !== null) {
      closeSync(fd);
    }
  }
}

const newId = (prefix: 'f' | 'j'): string => `${prefix}-${randomBytes(8).toString('hex')}`;

/**
 * `path`, or the first of "name (2).ext", "name (3).ext" … that does not exist: the window never
 * replaces a file, and a user dropping the same file twice expects a second copy, not an error.
 * (The file functions still refuse to replace a file that appears meanwhile.)
 */
export function freePath(path: string): string {
  if (!existsSync(path)) {
    return path;
  }
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  for (let n = 2; n < 10_000; n++) {
    const candidate = `${stem} (${n})${ext}`;
    if (!existsSync(candidate)) {
      return candidate;
    }
  }
  throw new ValidationException(`${basename(path)} and 10,000 numbered copies of it already exist; clear some out first.`);
}

export class FileService {
  readonly #files = new Map<string, Registered>();
  readonly #listeners = new Set<(progress: FileProgress) => void>();
  readonly #cancelled = new Set<string>();
  readonly #running = new Set<string>();
  readonly #engine: () => Kms;
  readonly #caller: () => Caller | undefined;
  readonly #outputDir: OutputPlacement;
  /** Jobs run one after another: files are disk-bound, and one at a time keeps memory flat. */
  #queue: Promise<void> = Promise.resolve();

  constructor(options: { engine: () => Kms; caller?: () => Caller | undefined; outputDir?: OutputPlacement }) {
    this.#engine = options.engine;
    this.#caller = options.caller ?? (() => undefined);
    this.#outputDir = options.outputDir ?? (() => undefined);
  }

  /**
   * Registers files by path: only paths that came from a drop, a dialog or an upload, checked to
   * be regular files (not symlinks, devices or folders). Folders are refused with a message that
   * says to drop their files.
   */
  add(paths: ReadonlyArray<string>, displayNames?: ReadonlyArray<string>): Array<AddedFile> {
    return paths.map((path, i) => {
      let info;
      try {
        info = lstatSync(path);
      } catch {
        throw new NotFoundException(`${displayNames?.[i] ?? basename(path)} is no longer there: it was moved or deleted after it was dropped.`);
      }
      const name = displayNames?.[i] ?? basename(path);
      if (info.isSymbolicLink() || !info.isFile()) {
        throw new ValidationException(`${name} is not a regular file${info.isDirectory() ? ' (it is a folder: open it and drop its files)' : ''}; Strongroom encrypts files one by one.`);
      }
      const fileId = newId('f');
      const encrypted = looksEncrypted(path, name);
      this.#files.set(fileId, { path, name, size: info.size, encrypted });
      return { fileId, name, size: info.size, encrypted };
    });
  }

  /** Drops a file from the registry (a removed row, a finished upload): its id stops working. */
  forget(fileId: string): boolean {
    return this.#files.delete(fileId);
  }

  /** The path behind an id (for ShowInFolder), or a NotFoundException. */
  pathOf(fileId: string): string {
    const file = this.#files.get(fileId);
    if (file === undefined) {
      throw new NotFoundException(`File ${fileId} is not one this window added or produced.`);
    }
    return file.path;
  }

  onProgress(listener: (progress: FileProgress) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(progress: FileProgress): void {
    for (const listener of this.#listeners) {
      listener(progress);
    }
  }

  #lookup(fileIds: ReadonlyArray<string>): Array<{ fileId: string } & Registered> {
    return fileIds.map((fileId) => {
      const file = this.#files.get(fileId);
      if (file === undefined) {
        throw new NotFoundException(`File ${fileId} is not one this window added: drop it again.`);
      }
      return { fileId, ...file };
    });
  }

  encrypt(job: EncryptJob): { jobId: string } {
    const files = this.#lookup(job.fileIds);
    const kms = this.#engine();
    const caller = this.#caller();
    const options = caller === undefined ? {} : { caller };
    const keyrings = job.keyIds.map((k) => kmsKeyring(kms, k, options));
    return this.#start(files, (file, onProgress) => {
      const output = freePath(encryptedPath(file.path, this.#outputDir(file.path, file.name)));
      return encryptFile(file.path, output, {
        keyrings,
        context: job.context,
        suiteId: job.signed ? SIGNED_SUITE : UNSIGNED_SUITE,
        frameLength: job.frameLength ?? DEFAULT_FRAME_LENGTH,
        onProgress,
      }).then(() => ({ output }));
    });
  }

  decrypt(job: DecryptJob): { jobId: string } {
    const files = this.#lookup(job.fileIds);
    const kms = this.#engine();
    const caller = this.#caller();
    return this.#start(files, async (file, onProgress) => {
      let keyArn: string | null = null;
      const keyrings = [installationKeyring(kms, caller === undefined ? {} : { caller }, (arn) => (keyArn = arn))];
      const output = freePath(decryptedPath(file.path, this.#outputDir(file.path, file.name)));
      const info = await decryptFile(file.path, output, { keyrings, onProgress });
      for (const [k, v] of Object.entries(job.context)) {
        if (info.context[k] !== v) {
          throw new ValidationException(`${file.name} was not encrypted with ${k}=${v} in its encryption context.`);
        }
      }
      const encryptionContext = Object.fromEntries(Object.entries(info.context).filter(([k]) => !k.startsWith('aws-crypto-')));
      return { output, ...(keyArn === null ? {} : { openedBy: { keyArn, encryptionContext } }) };
    });
  }

  cancel(jobId: string): boolean {
    if (!this.#running.has(jobId)) {
      return false;
    }
    this.#cancelled.add(jobId);
    return true;
  }

  #start(
    files: ReadonlyArray<{ fileId: string } & Registered>,
    work: (file: Registered, onProgress: (done: number, total: number) => void) => Promise<{ readonly output: string; readonly openedBy?: FileProgress['openedBy'] }>,
  ): { jobId: string } {
    const jobId = newId('j');
    this.#running.add(jobId);
    for (const file of files) {
      this.#emit({ jobId, fileId: file.fileId, name: file.name, state: 'queued', bytesDone: 0, bytesTotal: file.size });
    }
    this.#queue = this.#queue.then(async () => {
      for (const file of files) {
        const base = { jobId, fileId: file.fileId, name: file.name };
        if (this.#cancelled.has(jobId)) {
          this.#emit({ ...base, state: 'cancelled', bytesDone: 0, bytesTotal: file.size });
          continue;
        }
        let last = 0;
        const onProgress = (done: number, total: number): void => {
          if (this.#cancelled.has(jobId)) {
            throw new JobCancelled();
          }
          // At most ~100 updates a file: enough for a bar, not a flood over IPC.
          if (done === total || done - last >= total / 100) {
            last = done;
            this.#emit({ ...base, state: 'running', bytesDone: done, bytesTotal: total });
          }
        };
        try {
          this.#emit({ ...base, state: 'running', bytesDone: 0, bytesTotal: file.size });
          const { output, openedBy } = await work(file, onProgress);
          const [added] = this.add([output]);
          this.#emit({
            ...base,
            state: 'done',
            bytesDone: file.size,
            bytesTotal: file.size,
            ...(added === undefined ? {} : { outputId: added.fileId, outputName: added.name }),
            ...(openedBy === undefined ? {} : { openedBy }),
          });
        } catch (err) {
          if (err instanceof JobCancelled) {
            this.#emit({ ...base, state: 'cancelled', bytesDone: 0, bytesTotal: file.size });
          } else {
            this.#emit({ ...base, state: 'failed', bytesDone: 0, bytesTotal: file.size, error: toKmsError(err).toShape() });
          }
        }
      }
      this.#running.delete(jobId);
      this.#cancelled.delete(jobId);
    });
    return { jobId };
  }

  /** Resolves when every queued job has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.#queue;
  }
}
