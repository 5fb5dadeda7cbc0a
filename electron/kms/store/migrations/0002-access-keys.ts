// Schema version 2: access keys for the AWS-compatible endpoint. The secret access key is
// stored only wrapped under the root key (AES-256-GCM, bound to the access key id).

import type Database from 'better-sqlite3';

export function updateToSchemaVersion2(db: Database.Database): void {
  db.exec(`
    CREATE TABLE access_keys (
      access_key_id  TEXT    PRIMARY KEY,
      principal_arn  TEXT    NOT NULL,
      caller_type    TEXT    NOT NULL,  -- 'Root' | 'IAMUser' | 'AssumedRole'
      secret_wrapped BLOB    NOT NULL,
      created_at     INTEGER NOT NULL,
      status         TEXT    NOT NULL DEFAULT 'Active'
    ) STRICT;
  `);
}
