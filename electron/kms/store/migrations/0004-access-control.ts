// Schema version 4: access control. Local principals (IAM-style users and roles, each with a
// unique id as AWS's are, so a re-created name is a different principal), their identity
// policies, grants, and the key policy's principal bindings (which unique id each ARN named in a
// key policy meant when the policy was stored). Access keys now point at a principal's unique id.

import type Database from 'better-sqlite3';
import { newPrincipalId } from '../../iam/principal-id.ts';

export function updateToSchemaVersion4(db: Database.Database): void {
  db.exec(`
    CREATE TABLE principals (
      principal_id TEXT    PRIMARY KEY,           -- AIDA… (user) or AROA… (role), never reused
      kind         TEXT    NOT NULL,              -- 'user' | 'role'
      name         TEXT    NOT NULL,
      arn          TEXT    NOT NULL UNIQUE,
      created_at   INTEGER NOT NULL,
      UNIQUE (kind, name)
    ) STRICT;

    CREATE TABLE identity_policies (
      principal_id TEXT    NOT NULL REFERENCES principals(principal_id) ON DELETE CASCADE,
      policy_name  TEXT    NOT NULL,
      document     TEXT    NOT NULL,
      updated_at   INTEGER NOT NULL,
      PRIMARY KEY (principal_id, policy_name)
    ) STRICT;

    CREATE TABLE grants (
      grant_id           TEXT    PRIMARY KEY,
      key_id             TEXT    NOT NULL REFERENCES keys(key_id) ON DELETE CASCADE,
      name               TEXT,
      grantee_arn        TEXT    NOT NULL,
      grantee_id         TEXT,                    -- the principal's unique id; NULL for an account root
      retiring_arn       TEXT,
      retiring_id        TEXT,
      operations         TEXT    NOT NULL,        -- JSON array of grant operation names
      constraints        TEXT,                    -- JSON {EncryptionContextSubset|EncryptionContextEquals}
      issuing_account    TEXT    NOT NULL,
      created_at         INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX grants_by_key ON grants (key_id, created_at);
    CREATE INDEX grants_by_retiring ON grants (retiring_arn);

    ALTER TABLE keys ADD COLUMN policy_bindings TEXT NOT NULL DEFAULT '{}';  -- JSON {arn: unique id}
    ALTER TABLE access_keys ADD COLUMN principal_id TEXT;                    -- NULL for the account root
  `);
  // Access keys made before principals existed name users and roles only by ARN: give each such
  // name a principal, so the keys keep working and the name now has an identity.
  const named = db
    .prepare<[], { principal_arn: string; caller_type: string }>(
      "SELECT DISTINCT principal_arn, caller_type FROM access_keys WHERE caller_type <> 'Root'",
    )
    .all();
  const insert = db.prepare('INSERT INTO principals (principal_id, kind, name, arn, created_at) VALUES (?, ?, ?, ?, ?)');
  const link = db.prepare('UPDATE access_keys SET principal_id = ? WHERE principal_arn = ?');
  for (const row of named) {
    const m = /:(user|role)\/(.+)$/.exec(row.principal_arn);
    if (m === null) {
      continue;
    }
    const kind = m[1] === 'role' ? 'role' : 'user';
    const id = newPrincipalId(kind);
    insert.run(id, kind, m[2], row.principal_arn, Date.now());
    link.run(id, row.principal_arn);
  }
}
