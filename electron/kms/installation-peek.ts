// The root key provider an installation's row names, read before the engine loads: the CLI warms
// up the keychain for a keychain installation while the engine loads (D30, keychain.ts's
// warmUpKeychain). Read-only, without waiting on a lock, creating or migrating anything; any
// failure (no installation, a locked or damaged file) is "unknown", and the engine's own open
// then reports it. The file name and the row are store/database.ts's and installation.ts's:
// test/rootkey/installation-peek.test.ts checks that they agree.

import type BetterSqlite3 from 'better-sqlite3';
import { lazyModule } from './lazy-module.ts';

const sqlite = lazyModule<typeof BetterSqlite3>('better-sqlite3');

export function peekRootKeyProvider(dataDir: string): string | undefined {
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new (sqlite())(`${dataDir}/strongroom.db`, { readonly: true, fileMustExist: true, timeout: 0 });
    const row = db.prepare('SELECT root_key_provider FROM installation WHERE id = 1').get() as { root_key_provider?: unknown } | undefined;
    return typeof row?.root_key_provider === 'string' ? row.root_key_provider : undefined;
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}
