// Quorum approval (issue 11, decision D25): custodians (a name and an Ed25519 public key), the
// M-of-N rule a key may carry, and the nonces of approval requests already used, so a signed
// approval authorizes one operation once.

import type Database from 'better-sqlite3';

export function updateToSchemaVersion6(db: Database.Database): void {
  db.exec(`
    CREATE TABLE custodians (
      name           TEXT    PRIMARY KEY,
      public_key_pem TEXT    NOT NULL,          -- SPKI PEM, Ed25519
      fingerprint    TEXT    NOT NULL UNIQUE,   -- SHA256:<base64 of SHA-256(SPKI DER)>
      created_at     INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE quorum_rules (
      key_id     TEXT    PRIMARY KEY REFERENCES keys(key_id) ON DELETE CASCADE,
      threshold  INTEGER NOT NULL CHECK (threshold >= 1),
      custodians TEXT    NOT NULL,              -- JSON array of custodian names, sorted
      updated_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE quorum_nonces (
      nonce       TEXT    PRIMARY KEY,
      operation   TEXT    NOT NULL,
      key_arn     TEXT    NOT NULL,
      custodians  TEXT    NOT NULL,             -- JSON array of the custodians whose approvals were used
      consumed_at INTEGER NOT NULL
    ) STRICT;
  `);
}
