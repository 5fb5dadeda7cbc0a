// Private working folders a process makes and removes when it is done — a backup's database
// snapshot, the UI's upload staging — are left behind when the process is killed. Each is named
// `<prefix><pid>-<random>`, so the next run can tell a dead process's folder (removed: it may hold
// a copy of the database or a dropped file's plaintext) from one a running process still uses
// (left alone). A folder named before the pid was part of the name is stray once older than
// `strayAfterMs`. Folders of other users are never touched.

import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** How old a folder without a pid in its name must be to count as stray (no run takes this long). */
export const DEFAULT_STRAY_AFTER_MS = 3600_000;

/** The folder-name prefix for a process: `<prefix><pid>-` (mkdtemp adds the random part). */
export function processFolderPrefix(prefix: string, pid: number = process.pid): string {
  return `${prefix}${pid}-`;
}

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type StrayFolderOptions = {
  readonly now?: number;
  readonly strayAfterMs?: number;
};

/** Removes the `<prefix>*` folders in `parent` whose process is gone; returns their paths. */
export function removeStrayFolders(parent: string, prefix: string, options: StrayFolderOptions = {}): ReadonlyArray<string> {
  let names: Array<string>;
  try {
    names = readdirSync(parent).filter((name) => name.startsWith(prefix));
  } catch {
    return [];
  }
  const now = options.now ?? Date.now();
  const strayAfterMs = options.strayAfterMs ?? DEFAULT_STRAY_AFTER_MS;
  const uid = process.getuid?.();
  const removed: Array<string> = [];
  for (const name of names) {
    const path = join(parent, name);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      continue;
    }
    if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) {
      continue;
    }
    const pid = /^(\d+)-[A-Za-z0-9]+$/.exec(name.slice(prefix.length))?.[1];
    const stray = pid === undefined ? now - stat.mtimeMs > strayAfterMs : Number(pid) !== process.pid && !processAlive(Number(pid));
    if (stray) {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    }
  }
  return removed;
}
