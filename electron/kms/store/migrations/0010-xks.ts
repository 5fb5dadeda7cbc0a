// Schema version 10 (issue 24): logical external key stores for AWS KMS's XKS proxy API.
//
// - xks_key_stores: one row per logical key store, named by the URI prefix AWS KMS is configured
//   with (XksProxyUriPath = uri_prefix || '/kms/xks/v1').
// - xks_credentials: a store's SigV4 credentials. The secret access key is stored only wrapped
//   under the root key (AES-256-GCM, bound to the access key id), like every other secret; a
//   store has one or two (two while a rotation is in progress).
// - xks_keys: which keys a store exposes (nothing is exposed by default), and optionally the only
//   AWS principals whose requests may use each (aws_principals: JSON array, null for any).

import type Database from 'better-sqlite3';

export function updateToSchemaVersion10(db: Database.Database): void {
  db.exec(`
    CREATE TABLE xks_key_stores (
      key_store_id TEXT    PRIMARY KEY,          -- xks- + 17 hex
      uri_prefix   TEXT    NOT NULL UNIQUE,      -- '' or '/seg/seg'
      created_at   INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE xks_credentials (
      access_key_id  TEXT    PRIMARY KEY,
      key_store_id   TEXT    NOT NULL REFERENCES xks_key_stores (key_store_id) ON DELETE CASCADE,
      secret_wrapped BLOB    NOT NULL,
      created_at     INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX xks_credentials_by_store ON xks_credentials (key_store_id);
    CREATE TABLE xks_keys (
      key_store_id   TEXT    NOT NULL REFERENCES xks_key_stores (key_store_id) ON DELETE CASCADE,
      key_id         TEXT    NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
      aws_principals TEXT,
      exposed_at     INTEGER NOT NULL,
      PRIMARY KEY (key_store_id, key_id)
    ) STRICT;
  `);
}
