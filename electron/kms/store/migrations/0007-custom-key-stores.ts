// Custom key stores (issue 11): PKCS#11 tokens whose AES keys never leave the token.
//
// - custom_key_stores: one row per store. The user PIN is stored only wrapped under the root key
//   (like all key material), bound to the store id. connection_state is the state every process
//   shares: a process holding no session for a CONNECTED store logs in on first use.
// - custom_key_store_keys: which KMS keys live in which store, and the label their secret key
//   object carries on the token. A row outlives its key (AWS leaves the HSM key when the KMS key
//   is deleted); a store's keys are the rows that still join a key.

import type Database from 'better-sqlite3';

export function updateToSchemaVersion7(db: Database.Database): void {
  db.exec(`
    CREATE TABLE custom_key_stores (
      store_id         TEXT    PRIMARY KEY,          -- cks- + 17 hex
      name             TEXT    NOT NULL UNIQUE,
      store_type       TEXT    NOT NULL,             -- PKCS11
      module_path      TEXT    NOT NULL,
      token_label      TEXT    NOT NULL,
      wrapped_pin      BLOB    NOT NULL,             -- under the root key
      connection_state TEXT    NOT NULL,             -- CONNECTED | DISCONNECTED | FAILED
      error_code       TEXT,                         -- ConnectionErrorCode when FAILED
      created_at       INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE custom_key_store_keys (
      key_id      TEXT PRIMARY KEY,
      store_id    TEXT NOT NULL REFERENCES custom_key_stores (store_id),
      token_label TEXT NOT NULL                      -- CKA_LABEL of the token's secret key object
    ) STRICT;
    CREATE INDEX custom_key_store_keys_by_store ON custom_key_store_keys (store_id);
  `);
}
