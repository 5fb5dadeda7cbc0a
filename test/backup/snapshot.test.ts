// Issue 22, finding 4: `kill -9` during `backup create` left `.backup-snapshot-*/snapshot.db` (a
// full copy of the database, 0644) in the data folder, and nothing removed it: material of keys
// deleted later survived there. The next open (or the next backup) removes a dead process's
// snapshot; a snapshot is created 0600; a live process's snapshot in progress is left alone.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newEngine } from '../support/engine.ts';

/** The id of a process that has exited (so no process has it, barring reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const snapshots = (dir: string): Array<string> => readdirSync(dir).filter((f) => f.startsWith('.backup-snapshot-')).sort();

describe.skipIf(process.platform === 'win32')('backup snapshots left by a killed process (issue 22, finding 4)', () => {
  it('are removed at the next open: a dead process\'s, and an old one named before snapshots carried their pid', async () => {
    const engine = await newEngine();
    try {
      const dead = join(engine.dir, `.backup-snapshot-${deadPid()}-AbC123`);
      const legacy = join(engine.dir, '.backup-snapshot-Xy12Zq');
      const live = join(engine.dir, `.backup-snapshot-${process.pid}-LiVe01`);
      for (const dir of [dead, legacy, live]) {
        mkdirSync(dir, { mode: 0o700 });
        writeFileSync(join(dir, 'snapshot.db'), 'a copy of the database', { mode: 0o644 });
      }
      // A snapshot from before this change has no pid: it is stray once it is older than any backup takes.
      const hourAgo = new Date(Date.now() - 2 * 3600_000);
      utimesSync(legacy, hourAgo, hourAgo);
      await engine.reopen();
      expect(snapshots(engine.dir)).toEqual([live.slice(engine.dir.length + 1)]);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(legacy)).toBe(false);
    } finally {
      engine.cleanup();
    }
  });

  it('are removed by the next backup too, and a snapshot is written 0600 in a 0700 folder', async () => {
    const engine = await newEngine();
    try {
      const { removeStraySnapshots, writeSnapshot } = await import('../../electron/kms/backup/snapshot.ts');
      const dead = join(engine.dir, `.backup-snapshot-${deadPid()}-ZzZzZz`);
      mkdirSync(dead, { mode: 0o700 });
      writeFileSync(join(dead, 'snapshot.db'), 'x');
      expect(removeStraySnapshots(engine.dir)).toEqual([dead]);
      const source = new Database(join(engine.dir, 'strongroom.db'), { readonly: true });
      try {
        const written = writeSnapshot(source, engine.dir);
        try {
          expect(statSync(written.file).mode & 0o777).toBe(0o600);
          expect(statSync(written.dir).mode & 0o777).toBe(0o700);
          expect(written.dir).toContain(`.backup-snapshot-${process.pid}-`);
        } finally {
          written.remove();
        }
      } finally {
        source.close();
      }
      expect(snapshots(engine.dir)).toEqual([]);
    } finally {
      engine.cleanup();
    }
  });
});
