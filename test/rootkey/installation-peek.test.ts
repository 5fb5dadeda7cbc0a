// peekRootKeyProvider: the provider an installation's row names, read before the engine loads,
// agreeing with the engine's own file and row, and "unknown" (never a wait, never a file
// created) when there is nothing to read.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/kms/clock.ts';
import { describeInstallation, initInstallation } from '../../electron/kms/installation.ts';
import { peekRootKeyProvider } from '../../electron/kms/installation-peek.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { PassphraseRootKeyProvider } from '../../electron/kms/rootkey/passphrase.ts';
import type { RootKeyProvider } from '../../electron/kms/rootkey/provider.ts';
import { open, tempDataDir } from './helpers.ts';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function dataDir(): { dir: string; dbPath: string } {
  const t = tempDataDir();
  cleanups.push(t.cleanup);
  return t;
}

describe('peekRootKeyProvider', () => {
  it.each<[string, () => RootKeyProvider]>([
    ['passphrase', () => new PassphraseRootKeyProvider(async () => 'peek test passphrase')],
    ['memory', () => new MemoryRootKeyProvider()],
  ])('names the provider the engine records (%s), in the engine’s database file', async (kind, provider) => {
    const { dir, dbPath } = dataDir();
    const db = open(dbPath);
    await initInstallation(db, provider(), { clock: new ManualClock(0) });
    expect(peekRootKeyProvider(dir)).toBe(kind);
    expect(describeInstallation(db, () => provider()).rootKeyProvider).toBe(kind);
    db.close();
  });

  it('is unknown, and creates nothing, where there is no installation', () => {
    const { dir, dbPath } = dataDir();
    expect(peekRootKeyProvider(join(dir, 'missing'))).toBeUndefined();
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect(peekRootKeyProvider(dir)).toBeUndefined();
    expect(existsSync(dbPath)).toBe(false);
    open(dbPath).close(); // a database with the schema but no installation row
    expect(peekRootKeyProvider(dir)).toBeUndefined();
    const other = join(dir, 'not-sqlite');
    mkdirSync(other);
    writeFileSync(join(other, 'strongroom.db'), 'not a database');
    expect(peekRootKeyProvider(other)).toBeUndefined();
  });

  it('does not wait for a connection that holds the database exclusively', async () => {
    const { dir, dbPath } = dataDir();
    const db = open(dbPath);
    await initInstallation(db, new MemoryRootKeyProvider(), { clock: new ManualClock(0) });
    db.close();
    expect(peekRootKeyProvider(dir)).toBe('memory');
    const holder = new Database(dbPath);
    cleanups.unshift(() => holder.close());
    holder.pragma('locking_mode = EXCLUSIVE');
    holder.exec('BEGIN EXCLUSIVE');
    const started = performance.now();
    expect(peekRootKeyProvider(dir)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000); // better-sqlite3's default busy timeout is 5 s
  });
});
