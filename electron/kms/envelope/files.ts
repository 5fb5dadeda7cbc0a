// Encrypting and decrypting files on disk: the input is only ever read;
// the output is written to a staging file beside the target (created exclusively, mode 0600),
// fsynced, and renamed into place only when the whole message is written — for decryption, only
// after every frame and the footer signature have verified. On any failure the staging file is
// removed, so a failed or interrupted run leaves no output file. An existing output is replaced
// only when asked (`force`).

import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ValidationException } from '../errors.ts';
import { isStagingPathOf, writeFileAtomically } from '../storage/atomic-file.ts';
import { describeFileError } from './file-errors.ts';
import { decryptFileInto, encryptFileInto, type Progress } from './file-pipeline.ts';
import type { DecryptOptions, EncryptOptions, MessageInfo } from './message.ts';

export type { Progress } from './file-pipeline.ts';
/** The extension of files Strongroom encrypts. */
export const ENCRYPTED_EXTENSION = '.strongroom';
export type FileOptions = { readonly force?: boolean; readonly onProgress?: Progress };

/** Where `input` goes when encrypted (or decrypted) into `outputDir` (default: beside it). */
export function encryptedPath(input: string, outputDir?: string): string {
  return join(outputDir ?? dirname(input), `${basename(input)}${ENCRYPTED_EXTENSION}`);
}

export function decryptedPath(input: string, outputDir?: string): string {
  const name = basename(input);
  const plain = name.endsWith(ENCRYPTED_EXTENSION) && name.length > ENCRYPTED_EXTENSION.length ? name.slice(0, -ENCRYPTED_EXTENSION.length) : '';
  // `..strongroom` and `...strongroom` would name the folder itself or its parent.
  return join(outputDir ?? dirname(input), plain === '' || plain === '.' || plain === '..' ? `${name}.decrypted` : plain);
}

/**
 * Refuses an input that is not a regular file before opening it: opening a FIFO waits for a
 * writer forever, and a device such as /dev/zero never ends.
 */
function assertRegularFile(input: string): void {
  const info = statSync(input);
  if (!info.isFile()) {
    const kind = info.isDirectory() ? 'a folder' : info.isFIFO() ? 'a named pipe (FIFO)' : info.isSocket() ? 'a socket' : 'a device';
    throw new ValidationException(`${input} is ${kind}, not a regular file; Strongroom encrypts and decrypts regular files.`);
  }
}

async function throughFile(input: string, output: string, force: boolean, produce: Parameters<typeof writeFileAtomically<MessageInfo>>[2]): Promise<MessageInfo> {
  try {
    assertRegularFile(input);
    return await writeFileAtomically(output, { input, replace: force }, produce);
  } catch (err) {
    throw describeFileError(err, input, output, (path) => isStagingPathOf(output, path));
  }
}

export async function encryptFile(input: string, output: string, options: EncryptOptions & FileOptions): Promise<MessageInfo> {
  return throughFile(input, output, options.force === true, (out) => encryptFileInto(input, out, options, options.onProgress));
}

export async function decryptFile(input: string, output: string, options: DecryptOptions & FileOptions): Promise<MessageInfo> {
  return throughFile(input, output, options.force === true, (out) => decryptFileInto(input, out, options, options.onProgress));
}
