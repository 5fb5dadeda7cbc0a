// The data folder is private to its owner: folders 0700, files 0600, whatever the umask or the
// folder's prior mode. It holds the passphrase-wrapped root key (offline guessing), wrapped key
// material and the audit log; none of it is for other local users (issue 22, finding 3).
//
// An installation found readable by others is repaired, not refused: the process runs as the
// folder's owner, tightening never takes access from anyone entitled to it, and refusing would
// leave the files exposed until the user found the right chmod. The repair is reported once (the
// next open finds nothing to repair), naming what was exposed so the user can judge whether the
// root key's passphrase should change. A folder the process cannot chmod (owned by another user)
// is refused with that said in words. Windows has no POSIX modes: nothing to do there.

import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InstallationError } from '../errors.ts';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** The refusal for a data folder that cannot be made private (another user owns it, a read-only mount). */
function notPrivate(path: string, cause: unknown): InstallationError {
  const reason = cause instanceof Error && 'code' in cause && cause.code === 'EPERM' ? 'it belongs to another user' : cause instanceof Error ? cause.message : String(cause);
  return new InstallationError(
    'DataDirNotPrivate',
    `Cannot make ${path} private to you (owner-only permissions), so Strongroom will not use it: ${reason}. Fix its owner or permissions (700 for folders, 600 for files), or use another data folder.`,
    { cause },
  );
}

/** Sets `mode` on `path` if its permission bits differ; returns whether others could read or write it before. */
function tighten(path: string, current: number, mode: number): boolean {
  if ((current & 0o777) === mode) {
    return false;
  }
  try {
    chmodSync(path, mode);
  } catch (err) {
    throw notPrivate(path, err);
  }
  return (current & 0o077) !== 0;
}

/**
 * Creates `dir` if needed and makes it and its entries private: the folder and every folder in it
 * 0700, every file in it 0600 (symbolic links are left alone: their own mode means nothing).
 * One level only: a 0700 folder closes everything beneath it, and the app's data folder is also
 * Chromium's profile (caches of thousands of files) that every CLI call would otherwise walk.
 * Returns the paths others could reach before (none when `dir` itself was closed to them).
 * @throws InstallationError DataDirNotPrivate
 */
export function makeDataDirPrivate(dir: string): ReadonlyArray<string> {
  if (process.platform === 'win32') {
    return [];
  }
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  // Behind a folder others cannot enter, an entry's own mode exposed nothing: then the repair is
  // silent (a public key the user wrote there, say), and only an open folder makes news.
  const dirMode = lstatSync(dir).mode;
  const folderWasOpen = (dirMode & 0o077) !== 0;
  const exposed: Array<string> = [];
  if (tighten(dir, dirMode, PRIVATE_DIR_MODE)) {
    exposed.push(dir);
  }
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mode = entry.isDirectory() ? PRIVATE_DIR_MODE : entry.isFile() ? PRIVATE_FILE_MODE : null;
    if (mode !== null && tighten(path, lstatSync(path).mode, mode)) {
      exposed.push(path);
    }
  }
  return folderWasOpen ? exposed : [];
}

/**
 * Creates `path` empty and 0600 if it does not exist, so SQLite opens a private file (SQLite
 * creates -wal and -shm with the database file's mode).
 */
export function createPrivateFile(path: string): void {
  if (process.platform === 'win32') {
    return;
  }
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  chmodSync(path, PRIVATE_FILE_MODE);
}
