// The ceremony's output folder (docs/decisions.md D26): what goes where, and how it is written.
// Every file is written whole or not at all (a temporary name beside it, fsynced, then renamed), so
// a ceremony stopped at any point leaves no half-written transcript, key or share.

import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationException } from '../errors.ts';
import { writeBytesAtomically } from '../storage/atomic-file.ts';

/** The folders a ceremony writes into; custodians/ holds generated private keys, so only the owner may list it. */
const FOLDERS: ReadonlyArray<{ readonly name: string; readonly mode: number }> = [
  { name: '', mode: 0o755 },
  { name: 'custodians', mode: 0o700 },
  { name: 'public', mode: 0o755 },
  { name: 'shares', mode: 0o755 },
];

/** Refuses a folder that holds anything, so no earlier transcript or share is replaced. @throws ValidationException */
export function checkOutDirEmpty(outDir: string): void {
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new ValidationException(`The output folder ${outDir} is not empty: a ceremony writes into a new or empty folder, so no earlier transcript or share is replaced.`);
  }
}

export function makeOutDir(outDir: string): void {
  for (const folder of FOLDERS) {
    mkdirSync(join(outDir, folder.name), { recursive: true, mode: folder.mode });
  }
}

/** Writes a whole file or nothing (storage/atomic-file.ts: staging file, fsync, rename over the name, fsync of the folder). */
export function writeAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  writeBytesAtomically(path, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, { mode, replace: true });
}

/** A file's bytes. @throws ValidationException naming `what` and the path, when it cannot be read */
export function readFileOrFail(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ValidationException(`Cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
  }
}

/** A file name for an alias: alias/payments/signing → payments_signing. */
export const aliasFileName = (alias: string): string => alias.slice('alias/'.length).replace(/\//g, '_');

/** A public key (SPKI, DER) as PEM text, the form OpenSSL and the AWS tools read. */
export function spkiPem(der: Uint8Array): string {
  return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
}
