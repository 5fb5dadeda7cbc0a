// The audit tables' definitions are part of what verify checks. The queried columns are computed
// by SQLite from the record text (store/migrations/0005-audit.ts, 0009-audit-index-tail.ts), which rules out editing an
// index column — but not rewriting the definitions (PRAGMA writable_schema), adding a trigger that
// silently drops inserts, or dropping an index so queries scan. Each of those changes
// sqlite_schema, so the audit tables' entries must be exactly the statements the migration ran,
// and there must be no trigger anywhere in the database (Strongroom defines none).

import type Database from 'better-sqlite3';
import { AUDIT_SCHEMA_V9 } from '../store/migrations/0009-audit-index-tail.ts';
import type { AuditProblem } from './verify.ts';

export const AUDIT_TABLES: ReadonlyArray<string> = ['audit_log', 'audit_signing_keys', 'audit_checkpoints', 'audit_archives', 'audit_index_state'];

/** The first difference between the audit tables' schema and the expected one, or null. */
export function checkAuditSchema(db: Database.Database): AuditProblem | null {
  const rows = db
    .prepare<string[], { type: string; name: string; sql: string | null }>(
      // Table names are case-insensitive in SQL but stored as written, so compare them lowered.
      // Strongroom defines no triggers at all, so any trigger anywhere is reported.
      `SELECT type, name, sql FROM sqlite_schema WHERE lower(tbl_name) IN (${AUDIT_TABLES.map(() => '?').join(', ')}) OR type = 'trigger' ORDER BY name`,
    )
    .all(...AUDIT_TABLES);
  const expected = new Map(AUDIT_SCHEMA_V9.map((s) => [s.name, s.sql]));
  for (const row of rows) {
    // Indexes SQLite makes for PRIMARY KEY / UNIQUE constraints have no SQL of their own.
    if (row.sql === null && row.name.startsWith('sqlite_autoindex_')) {
      continue;
    }
    const want = expected.get(row.name);
    if (want === undefined) {
      return { kind: 'schema-altered', detail: `the audit tables have an unexpected ${row.type} '${row.name}' (${row.sql ?? ''}); it was added outside Strongroom` };
    }
    if (row.sql !== want) {
      return { kind: 'schema-altered', detail: `the definition of ${row.type} '${row.name}' was changed outside Strongroom` };
    }
    expected.delete(row.name);
  }
  const [missing] = expected.keys();
  return missing === undefined ? null : { kind: 'schema-altered', detail: `'${missing}' is missing from the audit tables; it was dropped outside Strongroom` };
}
