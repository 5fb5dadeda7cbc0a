// Shared by the root key tests: a fresh data directory per test, a fingerprint of the SQLite
// files (to prove a failed open changed nothing on disk), and whether a real Secret Service
// keychain can be used here.

import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_FILE, openDatabase, type Db } from '../../electron/kms/store/database.ts';

export function tempDataDir(): { dir: string; dbPath: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-rootkey-'));
  return { dir, dbPath: join(dir, DATABASE_FILE), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function open(dbPath: string): Db {
  return openDatabase(dbPath);
}

/** sha256 of the database file and of its -wal/-shm companions when present. */
export function fingerprint(dbPath: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const suffix of ['', '-wal', '-shm']) {
    const path = dbPath + suffix;
    if (existsSync(path)) {
      out[suffix === '' ? 'db' : suffix] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  }
  return out;
}

/** CI and `npm test` (test/run.mjs) promise a keychain: there, an unreachable one is a failure. */
export const keychainRequired =
  (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0') ||
  process.env.STRONGROOM_REQUIRE_KEYCHAIN === '1';

/** Stores, reads back and deletes a throwaway entry. Returns why it failed, or null if usable. */
export async function probeKeychain(): Promise<string | null> {
  if (process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS && !(process.env.XDG_RUNTIME_DIR && existsSync(join(process.env.XDG_RUNTIME_DIR, 'bus')))) {
    return 'no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS unset)';
  }
  try {
    const keytar = (await import('keytar')).default;
    const service = 'Strongroom test probe';
    const account = randomUUID();
    await keytar.setPassword(service, account, 'probe');
    const back = await keytar.getPassword(service, account);
    await keytar.deletePassword(service, account);
    return back === 'probe' ? null : 'the keychain did not return what was stored';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
