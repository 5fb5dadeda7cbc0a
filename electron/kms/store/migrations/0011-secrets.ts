// Schema version 11 (issue 25): Secrets Manager on the endpoint.
//
// - secrets: one row per secret, named by its ARN (arn:aws:secretsmanager:…:secret:<name>-<6>);
//   names are unique, including secrets scheduled for deletion (AWS keeps the name until the
//   secret is gone). kms_key_id is the customer key the caller named, NULL for the managed
//   aws/secretsmanager key. A resource policy is stored with its principal bindings, as key
//   policies are.
// - secret_versions: each version's value sealed with AES-256-GCM under its own data key; the
//   data key is stored only as the KMS ciphertext blob GenerateDataKey returned (encryption
//   context SecretARN + SecretVersionId, as AWS's). No value and no data key is ever stored in
//   the clear.
// - secret_version_stages: which version holds each staging label (AWSCURRENT, AWSPREVIOUS,
//   AWSPENDING, custom): a label is on at most one version of a secret.
// - secret_tags.

import type Database from 'better-sqlite3';

export function updateToSchemaVersion11(db: Database.Database): void {
  db.exec(`
    CREATE TABLE secrets (
      secret_arn       TEXT    PRIMARY KEY,
      name             TEXT    NOT NULL UNIQUE,
      description      TEXT,
      kms_key_id       TEXT,
      created_at       INTEGER NOT NULL,
      last_changed_at  INTEGER NOT NULL,
      last_accessed_at INTEGER,
      deleted_at       INTEGER,
      deletion_date    INTEGER,
      resource_policy  TEXT,
      policy_bindings  TEXT
    ) STRICT;
    CREATE INDEX secrets_by_deletion ON secrets(deletion_date) WHERE deletion_date IS NOT NULL;

    CREATE TABLE secret_versions (
      secret_arn         TEXT    NOT NULL REFERENCES secrets(secret_arn) ON DELETE CASCADE,
      version_id         TEXT    NOT NULL,
      created_at         INTEGER NOT NULL,
      last_accessed_at   INTEGER,
      kms_key_id         TEXT    NOT NULL,
      encrypted_data_key BLOB    NOT NULL,
      value_kind         TEXT    NOT NULL CHECK (value_kind IN ('string', 'binary')),
      sealed             BLOB    NOT NULL,
      PRIMARY KEY (secret_arn, version_id)
    ) STRICT;

    CREATE TABLE secret_version_stages (
      secret_arn TEXT NOT NULL,
      stage      TEXT NOT NULL,
      version_id TEXT NOT NULL,
      PRIMARY KEY (secret_arn, stage),
      FOREIGN KEY (secret_arn, version_id) REFERENCES secret_versions(secret_arn, version_id) ON DELETE CASCADE
    ) STRICT;
    CREATE INDEX secret_stages_by_version ON secret_version_stages(secret_arn, version_id);

    CREATE TABLE secret_tags (
      secret_arn TEXT NOT NULL REFERENCES secrets(secret_arn) ON DELETE CASCADE,
      tag_key    TEXT NOT NULL,
      tag_value  TEXT NOT NULL,
      PRIMARY KEY (secret_arn, tag_key)
    ) STRICT;
  `);
}
