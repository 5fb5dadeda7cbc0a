// Opening the SQLite file: WAL so the app and the CLI can share it, a busy timeout so one waits
// for the other instead of failing, secure_delete so freed pages (deleted key material) are
// zeroed, and FULL sync because a key whose creation was reported must survive a power cut.

import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrate.ts';
import { createPrivateFile, makeDataDirPrivate } from './private-dir.ts';

export type Db = Database.Database;

export const DATABASE_FILE = 'strongroom.db';

export type OpenDatabaseOptions = {
  /** Where a repair of the folder's permissions is reported (stderr by default). */
  readonly log?: (message: string) => void;
};

/**
 * Opens (creating if needed) the database at `path`, after making its folder private
 * (private-dir.ts). @throws InstallationError DataDirNotPrivate when the folder cannot be made private.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Db {
  const existed = existsSync(path);
  const exposed = makeDataDirPrivate(dirname(path));
  // Tightening a folder `init` is about to fill exposed nothing yet: only an installation's repair is news.
  if (exposed.length > 0 && existed) {
    const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
    log(
      `strongroom: ${exposed.join(', ')} ${exposed.length === 1 ? 'was' : 'were'} readable by other users of this machine and ${exposed.length === 1 ? 'has' : 'have'} been made private (folders 0700, files 0600). Anyone who copied strongroom.db meanwhile holds the wrapped root key: if it is passphrase-protected, consider moving the keys to a new installation with a new passphrase.`,
    );
  }
  createPrivateFile(path);
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
