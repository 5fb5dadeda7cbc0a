// Numbered, append-only migrations, each run in one transaction at open. PRAGMA user_version
// records the last one applied. A database newer than this build is refused, not downgraded.

import type Database from 'better-sqlite3';
import { InstallationError } from '../errors.ts';
import { updateToSchemaVersion1 } from './migrations/0001-initial.ts';
import { updateToSchemaVersion2 } from './migrations/0002-access-keys.ts';
import { updateToSchemaVersion3 } from './migrations/0003-lifecycle.ts';
import { updateToSchemaVersion4 } from './migrations/0004-access-control.ts';
import { updateToSchemaVersion5 } from './migrations/0005-audit.ts';
import { updateToSchemaVersion6 } from './migrations/0006-quorum.ts';
import { updateToSchemaVersion7 } from './migrations/0007-custom-key-stores.ts';
import { updateToSchemaVersion8 } from './migrations/0008-exportable.ts';
import { updateToSchemaVersion9 } from './migrations/0009-audit-index-tail.ts';
import { updateToSchemaVersion10 } from './migrations/0010-xks.ts';
import { updateToSchemaVersion11 } from './migrations/0011-secrets.ts';

type Migration = (db: Database.Database) => void;

/** Index i holds the migration to schema version i + 1. Append only. */
const MIGRATIONS: ReadonlyArray<Migration> = [
  updateToSchemaVersion1,
  updateToSchemaVersion2,
  updateToSchemaVersion3,
  updateToSchemaVersion4,
  updateToSchemaVersion5,
  updateToSchemaVersion6,
  updateToSchemaVersion7,
  updateToSchemaVersion8,
  updateToSchemaVersion9,
  updateToSchemaVersion10,
  updateToSchemaVersion11,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new InstallationError(
      'UnsupportedSchema',
      `This data directory was written by a newer Strongroom (schema ${current}; this build knows ${SCHEMA_VERSION}). Upgrade Strongroom to open it.`,
    );
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    const step = MIGRATIONS[version];
    if (step === undefined) {
      break;
    }
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
