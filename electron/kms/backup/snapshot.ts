// The database snapshot a backup is made from (VACUUM INTO: a consistent copy taken in a read
// transaction while other processes keep writing), and the removal of snapshots a killed process
// left behind. A snapshot is a full copy of the database — wrapped material of keys deleted later
// included — so one left in the data folder would break the deletion promise (issue 22, finding 4).
//
// A snapshot folder is named `.backup-snapshot-<pid>-<random>`: another process's snapshot in
// progress (the CLI's `backup create` beside a running endpoint) must not be removed under it, so a
// folder is stray only when its process is gone. Folders named before the pid was part of the name
// are stray once older than STRAY_AFTER_MS.

import { chmodSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../store/database.ts';

const PREFIX = '.backup-snapshot-';
const NAMED = /^\.backup-snapshot-(\d+)-[A-Za-z0-9]+$/;

/** How old a snapshot folder without a pid in its name must be to count as stray (no backup takes this long). */
export const STRAY_AFTER_MS = 3600_000;

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the snapshot folders in `dataDir` whose process is gone; returns their paths. */
export function removeStraySnapshots(dataDir: string, now: number = Date.now()): ReadonlyArray<string> {
  let names: Array<string>;
  try {
    names = readdirSync(dataDir).filter((name) => name.startsWith(PREFIX));
  } catch {
    return [];
  }
  const removed: Array<string> = [];
  for (const name of names) {
    const path = join(dataDir, name);
    const pid = NAMED.exec(name)?.[1];
    let stray: boolean;
    if (pid !== undefined) {
      stray = Number(pid) !== process.pid && !processAlive(Number(pid));
    } else {
      try {
        stray = now - statSync(path).mtimeMs > STRAY_AFTER_MS;
      } catch {
        continue;
      }
    }
    if (stray) {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    }
  }
  return removed;
}

/** A snapshot written into a private folder of `dataDir`; `remove()` deletes the folder. */
export type WrittenSnapshot = { readonly dir: string; readonly file: string; remove(): void };

/** Writes a consistent copy of `db` into a new snapshot folder: folder 0700 (mkdtemp), file 0600. */
export function writeSnapshot(db: Db, dataDir: string): WrittenSnapshot {
  const dir = mkdtempSync(join(dataDir, `${PREFIX}${process.pid}-`));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const file = join(dir, 'snapshot.db');
    // VACUUM INTO accepts an existing empty file and keeps its mode, which SQLite would otherwise take from the umask.
    closeSync(openSync(file, 'wx', 0o600));
    chmodSync(file, 0o600);
    db.prepare('VACUUM INTO ?').run(file);
    return { dir, file, remove };
  } catch (err) {
    remove();
    throw err;
  }
}

/** A consistent copy of the live database, after removing any snapshot a killed process left. */
export function snapshotDatabase(db: Db, dataDir: string): Buffer {
  removeStraySnapshots(dataDir);
  const written = writeSnapshot(db, dataDir);
  try {
    return readFileSync(written.file);
  } finally {
    written.remove();
  }
}
