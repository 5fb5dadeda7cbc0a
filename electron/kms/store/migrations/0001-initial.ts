// Schema version 1: the installation row, keys, wrapped key material, aliases, tags, and the
// hash-chained audit log. Times are integer milliseconds since the epoch (UTC).

import type Database from 'better-sqlite3';

export function updateToSchemaVersion1(db: Database.Database): void {
  db.exec(`
    CREATE TABLE installation (
      id                INTEGER PRIMARY KEY CHECK (id = 1),
      installation_id   TEXT    NOT NULL,
      account_id        TEXT    NOT NULL,
      region            TEXT    NOT NULL,
      created_at        INTEGER NOT NULL,
      root_key_provider TEXT    NOT NULL,
      root_key_params   TEXT    NOT NULL,  -- provider-specific JSON; never a secret in the clear
      root_key_check    BLOB    NOT NULL   -- HMAC-SHA256(root key, fixed label): detects a wrong key
    ) STRICT;

    CREATE TABLE keys (
      key_id              TEXT    PRIMARY KEY,
      created_at          INTEGER NOT NULL,
      description         TEXT    NOT NULL DEFAULT '',
      key_spec            TEXT    NOT NULL,
      key_usage           TEXT    NOT NULL,
      origin              TEXT    NOT NULL,
      key_manager         TEXT    NOT NULL DEFAULT 'CUSTOMER',
      key_state           TEXT    NOT NULL,
      deletion_date       INTEGER,
      pending_window_days INTEGER,
      multi_region        INTEGER NOT NULL DEFAULT 0,
      policy              TEXT    NOT NULL,
      current_version     INTEGER NOT NULL  -- 0 while the key has no material
    ) STRICT;
    CREATE INDEX keys_by_deletion ON keys(deletion_date) WHERE deletion_date IS NOT NULL;

    CREATE TABLE key_material (
      key_id      TEXT    NOT NULL REFERENCES keys(key_id) ON DELETE CASCADE,
      version     INTEGER NOT NULL,
      material_id TEXT    NOT NULL,
      wrapped     BLOB    NOT NULL,  -- AES-256-GCM under the root key: nonce || ciphertext || tag
      created_at  INTEGER NOT NULL,
      PRIMARY KEY (key_id, version)
    ) STRICT;

    CREATE TABLE aliases (
      alias_name TEXT    PRIMARY KEY,
      key_id     TEXT    NOT NULL REFERENCES keys(key_id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX aliases_by_key ON aliases(key_id);

    CREATE TABLE tags (
      key_id    TEXT NOT NULL REFERENCES keys(key_id) ON DELETE CASCADE,
      tag_key   TEXT NOT NULL,
      tag_value TEXT NOT NULL,
      PRIMARY KEY (key_id, tag_key)
    ) STRICT;

    CREATE TABLE audit_log (
      seq        INTEGER PRIMARY KEY,  -- 1, 2, 3 … with no gaps
      event_time INTEGER NOT NULL,
      event_name TEXT    NOT NULL,
      request_id TEXT    NOT NULL,
      error_code TEXT,
      record     TEXT    NOT NULL,     -- the CloudTrail-shaped record, canonical JSON
      prev_hash  BLOB    NOT NULL,     -- hash of record seq - 1 (32 zero bytes for seq 1)
      hash       BLOB    NOT NULL      -- SHA-256 over prev_hash and the record (see audit/chain.ts)
    ) STRICT;
    CREATE INDEX audit_by_time ON audit_log(event_time);
  `);
}
