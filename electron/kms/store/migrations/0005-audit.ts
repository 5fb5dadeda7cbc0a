// Schema version 5: an audit log a security team can prove and query.
//
// - audit_log keeps only what the chain covers (seq, record, prev_hash, hash). Every queried
//   field is a VIRTUAL generated column that SQLite computes from the record text, with an index
//   per query shape. Nothing can be UPDATEd into those columns, so an index cannot be edited to
//   hide records from a query while the chain still verifies; what remains (rewriting the column
//   definitions themselves) is caught by verify's schema check against these exact statements.
// - audit_signing_keys holds the installation's audit-signing key pair (ECDSA P-256), the private
//   half wrapped under the root key like all key material.
// - audit_checkpoints holds signed statements of the chain head, each naming the previous one's
//   signature (audit/checkpoints.ts).
// - audit_archives records each archive (export + verify + prune): the last archived record's
//   seq and hash are the anchor the live chain continues from.

import type Database from 'better-sqlite3';

/** The key id in an ARN like arn:aws:kms:region:account:key/ID; NULL when it names no key. */
function keyIdOf(arn: string): string {
  return `CASE WHEN instr(${arn}, ':key/') > 0 THEN substr(${arn}, instr(${arn}, ':key/') + 5) END`;
}

/**
 * The queried fields of a record, as generated columns. ISO-8601 eventTime text
 * ('YYYY-MM-DDTHH:MM:SSZ') sorts as time does, so it is indexed as it is written.
 */
export const AUDIT_RECORD_COLUMNS = `
  event_time TEXT GENERATED ALWAYS AS (record ->> '$.eventTime') VIRTUAL,
  event_name TEXT GENERATED ALWAYS AS (record ->> '$.eventName') VIRTUAL,
  request_id TEXT GENERATED ALWAYS AS (record ->> '$.requestID') VIRTUAL,
  error_code TEXT GENERATED ALWAYS AS (record ->> '$.errorCode') VIRTUAL,
  principal  TEXT GENERATED ALWAYS AS (record ->> '$.userIdentity.arn') VIRTUAL,
  key_id     TEXT GENERATED ALWAYS AS (${keyIdOf("(record ->> '$.resources[0].ARN')")}) VIRTUAL,
  key_id2    TEXT GENERATED ALWAYS AS (${keyIdOf("(record ->> '$.resources[1].ARN')")}) VIRTUAL,
  -- A KMS record names at most two keys (ReEncrypt's source and destination); both are indexed,
  -- and a record naming more is refused rather than left partly unindexed.
  CHECK (json_array_length(record, '$.resources') <= 2)`;

/**
 * Every statement that makes the audit tables, in order. verify() compares sqlite_schema with
 * exactly these texts. Append-only: a later change to the audit schema is a new migration with
 * its own list.
 */
export const AUDIT_SCHEMA_V5: ReadonlyArray<{ readonly name: string; readonly sql: string }> = [
  {
    name: 'audit_log',
    sql: `CREATE TABLE audit_log (
  seq       INTEGER PRIMARY KEY,
  record    TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash      BLOB NOT NULL,${AUDIT_RECORD_COLUMNS}
) STRICT`,
  },
  { name: 'audit_by_time', sql: 'CREATE INDEX audit_by_time ON audit_log (event_time)' },
  { name: 'audit_by_event', sql: 'CREATE INDEX audit_by_event ON audit_log (event_name, event_time)' },
  { name: 'audit_by_request', sql: 'CREATE INDEX audit_by_request ON audit_log (request_id)' },
  { name: 'audit_by_error', sql: 'CREATE INDEX audit_by_error ON audit_log (error_code, event_time) WHERE error_code IS NOT NULL' },
  { name: 'audit_failures', sql: 'CREATE INDEX audit_failures ON audit_log (event_time) WHERE error_code IS NOT NULL' },
  { name: 'audit_by_principal', sql: 'CREATE INDEX audit_by_principal ON audit_log (principal, event_time)' },
  { name: 'audit_by_key', sql: 'CREATE INDEX audit_by_key ON audit_log (key_id, event_time) WHERE key_id IS NOT NULL' },
  { name: 'audit_by_key2', sql: 'CREATE INDEX audit_by_key2 ON audit_log (key_id2, event_time) WHERE key_id2 IS NOT NULL' },
  {
    name: 'audit_signing_keys',
    sql: `CREATE TABLE audit_signing_keys (
  fingerprint     TEXT    PRIMARY KEY,  -- hex SHA-256 of the SPKI public key
  public_key      BLOB    NOT NULL,     -- SPKI DER
  wrapped_private BLOB    NOT NULL,     -- PKCS#8 DER, wrapped under the root key
  created_at      INTEGER NOT NULL
) STRICT`,
  },
  {
    name: 'audit_checkpoints',
    sql: `CREATE TABLE audit_checkpoints (
  number    INTEGER PRIMARY KEY,      -- 1, 2, 3 … with no gaps
  body      TEXT    NOT NULL,         -- canonical JSON of the signed statement
  signature BLOB    NOT NULL,         -- ECDSA P-256 / SHA-256, r || s
  head_seq  INTEGER GENERATED ALWAYS AS (body ->> '$.headSeq') VIRTUAL
) STRICT`,
  },
  { name: 'audit_checkpoints_by_head', sql: 'CREATE INDEX audit_checkpoints_by_head ON audit_checkpoints (head_seq)' },
  {
    name: 'audit_archives',
    sql: `CREATE TABLE audit_archives (
  through_seq    INTEGER PRIMARY KEY,  -- the last record the archive holds
  through_hash   BLOB    NOT NULL,     -- its hash: the live chain's anchor
  first_seq      INTEGER NOT NULL,
  archive_sha256 TEXT    NOT NULL,     -- of the archive file as written
  archive_name   TEXT    NOT NULL,
  archived_at    INTEGER NOT NULL
) STRICT`,
  },
];

export function updateToSchemaVersion5(db: Database.Database): void {
  db.exec('ALTER TABLE audit_log RENAME TO audit_log_v4');
  db.exec('DROP INDEX audit_by_time');
  for (const statement of AUDIT_SCHEMA_V5) {
    db.exec(statement.sql);
  }
  db.exec('INSERT INTO audit_log (seq, record, prev_hash, hash) SELECT seq, record, prev_hash, hash FROM audit_log_v4 ORDER BY seq');
  db.exec('DROP TABLE audit_log_v4');
}
