// Opening the SQLite file: WAL so the app and the CLI can share it, a busy timeout so one waits
// for the other instead of failing, secure_delete so freed pages (deleted key material) are
// zeroed, and FULL sync because a key whose creation was reported must survive a power cut.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrate.ts';

export type Db = Database.Database;

export const DATABASE_FILE = 'strongroom.db';

export function openDatabase(path: string): Db {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
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
