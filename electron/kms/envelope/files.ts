// Encrypting and decrypting files on disk: the input is only ever read;
// the output is written to a staging file beside the target (created exclusively, mode 0600),
// fsynced, and renamed into place only when the whole message is written — for decryption, only
// after every frame and the footer signature have verified. On any failure the staging file is
// removed, so a failed or interrupted run leaves no output file. An existing output is replaced
// only when asked (`force`).

import { basename, dirname, join } from 'node:path';
import { writeFileAtomically } from '../storage/atomic-file.ts';
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
  const plain = name.endsWith(ENCRYPTED_EXTENSION) && name.length > ENCRYPTED_EXTENSION.length ? name.slice(0, -ENCRYPTED_EXTENSION.length) : `${name}.decrypted`;
  return join(outputDir ?? dirname(input), plain);
}

export async function encryptFile(input: string, output: string, options: EncryptOptions & FileOptions): Promise<MessageInfo> {
  return writeFileAtomically(output, { input, replace: options.force === true }, (out) => encryptFileInto(input, out, options, options.onProgress));
}

export async function decryptFile(input: string, output: string, options: DecryptOptions & FileOptions): Promise<MessageInfo> {
  return writeFileAtomically(output, { input, replace: options.force === true }, (out) => decryptFileInto(input, out, options, options.onProgress));
}
