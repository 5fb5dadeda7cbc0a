// The database snapshot a backup is made from (VACUUM INTO: a consistent copy taken in a read
// transaction while other processes keep writing), and the removal of snapshots a killed process
// left behind. A snapshot is a full copy of the database — wrapped material of keys deleted later
// included — so one left in the data folder would break the deletion promise (issue 22, finding 4).
//
// Snapshot folders carry their process's id (storage/stray-folders.ts): another process's
// snapshot in progress (the CLI's `backup create` beside a running endpoint) is not removed under it.

import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { faultPoint } from '../fault-point.ts';
import type { Db } from '../store/database.ts';
import { processFolderPrefix, removeStrayFolders } from '../storage/stray-folders.ts';

const PREFIX = '.backup-snapshot-';

/** Removes the snapshot folders in `dataDir` whose process is gone; returns their paths. */
export function removeStraySnapshots(dataDir: string): ReadonlyArray<string> {
  return removeStrayFolders(dataDir, PREFIX);
}

/** A snapshot written into a private folder of `dataDir`; `remove()` deletes the folder. */
export type WrittenSnapshot = { readonly dir: string; readonly file: string; remove(): void };

/** Writes a consistent copy of `db` into a new snapshot folder: folder 0700 (mkdtemp), file 0600. */
export function writeSnapshot(db: Db, dataDir: string): WrittenSnapshot {
  const dir = mkdtempSync(join(dataDir, processFolderPrefix(PREFIX)));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const file = join(dir, 'snapshot.db');
    // VACUUM INTO accepts an existing empty file and keeps its mode, which SQLite would otherwise take from the umask.
    closeSync(openSync(file, 'wx', 0o600));
    chmodSync(file, 0o600);
    db.prepare('VACUUM INTO ?').run(file);
    faultPoint('snapshot-written');
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
