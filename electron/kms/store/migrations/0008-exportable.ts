// Schema version 8 (issue 11, BYOK bridge): whether a key was created exportable
// (CreateKey XStrongroomExportable). Set once at creation and never changed: there is no UPDATE
// of this column anywhere in the repository. Keys made before this version are not exportable.

import type Database from 'better-sqlite3';

export function updateToSchemaVersion8(db: Database.Database): void {
  db.exec(`
    ALTER TABLE keys ADD COLUMN exportable INTEGER NOT NULL DEFAULT 0 CHECK (exportable IN (0, 1));
  `);
}
