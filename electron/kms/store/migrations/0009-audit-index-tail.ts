// Schema version 9 (issue 19): audit indexes maintained in batches.
//
// A single audited call used to write a page of every audit index in its commit: 6.8 WAL pages
// for one 700-byte record, and the fsync that makes them durable costs by the page. Now a record
// is appended with indexed = 0, which no index includes (each is partial, WHERE indexed = 1), so
// its commit writes the table's page and little else. Once the unindexed tail holds
// INDEX_BATCH_RECORDS records, the writer that notices marks them indexed = 1 and advances
// audit_index_state.indexed_through in the same transaction (audit/index-tail.ts): one commit
// inserts the batch into every index. Queries read the indexes for records up to indexed_through
// and scan the short tail past it by seq (audit/index-tail.ts's arms), so they see every record.
//
// What the flag costs the tamper evidence: indexed is the one audit_log column a writer can
// UPDATE. Clearing it on an old record would hide that record from indexed queries while the
// chain still verifies, so verify checks that indexed = 1 exactly for seq <= indexed_through.

import type Database from 'better-sqlite3';
import { AUDIT_SCHEMA_V5 } from './0005-audit.ts';

/** The column ALTER TABLE adds; SQLite splices its text into audit_log's definition as written here. */
const INDEXED_COLUMN = 'indexed INTEGER NOT NULL DEFAULT 1 CHECK (indexed IN (0, 1))';

/** Each index of version 5, made partial on indexed = 1 (joined to its own condition when it has one). */
function partialOnIndexed(sql: string): string {
  return sql.includes(' WHERE ') ? `${sql} AND indexed = 1` : `${sql} WHERE indexed = 1`;
}

const V5_AUDIT_LOG_SQL = AUDIT_SCHEMA_V5.find((s) => s.name === 'audit_log')?.sql ?? '';
const V5_INDEXES = AUDIT_SCHEMA_V5.filter((s) => s.name.startsWith('audit_by_') || s.name === 'audit_failures');

const INDEX_STATE = {
  name: 'audit_index_state',
  sql: `CREATE TABLE audit_index_state (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  indexed_through INTEGER NOT NULL  -- every record with seq <= this is in the indexes; none after it
) STRICT`,
};

/**
 * Every statement that makes the audit tables at version 9, as sqlite_schema holds them (verify
 * compares them). audit_log's text is version 5's with the column SQLite's ALTER TABLE appends.
 */
export const AUDIT_SCHEMA_V9: ReadonlyArray<{ readonly name: string; readonly sql: string }> = [
  ...AUDIT_SCHEMA_V5.map((s) => {
    if (s.name === 'audit_log') {
      // SQLite writes an added column right after the last column definition, before the constraints.
      const end = s.sql.lastIndexOf(' VIRTUAL') + ' VIRTUAL'.length;
      return { name: s.name, sql: `${s.sql.slice(0, end)}, ${INDEXED_COLUMN}${s.sql.slice(end)}` };
    }
    return V5_INDEXES.includes(s) ? { name: s.name, sql: partialOnIndexed(s.sql) } : s;
  }),
  INDEX_STATE,
];

export function updateToSchemaVersion9(db: Database.Database): void {
  if (V5_AUDIT_LOG_SQL === '') {
    throw new Error('Schema version 5 defines no audit_log table.');
  }
  // Existing records take the default (1): all of them are in the indexes already.
  db.exec(`ALTER TABLE audit_log ADD COLUMN ${INDEXED_COLUMN}`);
  for (const index of V5_INDEXES) {
    db.exec(`DROP INDEX ${index.name}`);
    db.exec(partialOnIndexed(index.sql));
  }
  db.exec(INDEX_STATE.sql);
  db.exec('INSERT INTO audit_index_state (id, indexed_through) SELECT 1, coalesce(max(seq), 0) FROM audit_log');
}
