// Typed access to the secrets tables (store/migrations/0009-secrets.ts). Statements are prepared
// once per open database; one repository per database, found from the key repository's handle,
// so the engine's services need not know about secrets. Synchronous, like every store: a call's
// writes and its audit record share one transaction.

import type { Db } from '../store/database.ts';

export type SecretRow = {
  readonly arn: string;
  readonly name: string;
  readonly description: string | null;
  /** The customer key id the caller chose; null for the managed aws/secretsmanager key. */
  readonly kmsKeyId: string | null;
  readonly createdAt: number;
  readonly lastChangedAt: number;
  readonly lastAccessedAt: number | null;
  /** When DeleteSecret was called; null while the secret is live. */
  readonly deletedAt: number | null;
  /** When the recovery window ends and the secret is destroyed. */
  readonly deletionDate: number | null;
  readonly resourcePolicy: string | null;
  readonly policyBindings: string | null;
};

export type VersionRow = {
  readonly secretArn: string;
  readonly versionId: string;
  readonly createdAt: number;
  readonly lastAccessedAt: number | null;
  /** The key id whose GenerateDataKey made this version's data key. */
  readonly kmsKeyId: string;
  /** The data key as the KMS ciphertext blob (never in the clear). */
  readonly encryptedDataKey: Uint8Array;
  readonly valueKind: 'string' | 'binary';
  /** nonce || ciphertext || tag under the data key. */
  readonly sealed: Uint8Array;
};

type RawSecret = {
  secret_arn: string;
  name: string;
  description: string | null;
  kms_key_id: string | null;
  created_at: number;
  last_changed_at: number;
  last_accessed_at: number | null;
  deleted_at: number | null;
  deletion_date: number | null;
  resource_policy: string | null;
  policy_bindings: string | null;
};

type RawVersion = {
  secret_arn: string;
  version_id: string;
  created_at: number;
  last_accessed_at: number | null;
  kms_key_id: string;
  encrypted_data_key: Uint8Array;
  value_kind: 'string' | 'binary';
  sealed: Uint8Array;
};

function toSecret(r: RawSecret): SecretRow {
  return {
    arn: r.secret_arn,
    name: r.name,
    description: r.description,
    kmsKeyId: r.kms_key_id,
    createdAt: r.created_at,
    lastChangedAt: r.last_changed_at,
    lastAccessedAt: r.last_accessed_at,
    deletedAt: r.deleted_at,
    deletionDate: r.deletion_date,
    resourcePolicy: r.resource_policy,
    policyBindings: r.policy_bindings,
  };
}

function toVersion(r: RawVersion): VersionRow {
  return {
    secretArn: r.secret_arn,
    versionId: r.version_id,
    createdAt: r.created_at,
    lastAccessedAt: r.last_accessed_at,
    kmsKeyId: r.kms_key_id,
    encryptedDataKey: new Uint8Array(r.encrypted_data_key),
    valueKind: r.value_kind,
    sealed: new Uint8Array(r.sealed),
  };
}

const repositories = new WeakMap<Db, SecretRepository>();

export class SecretRepository {
  readonly #stmts;

  /** The repository of an open database (made on first use). */
  static of(db: Db): SecretRepository {
    let repo = repositories.get(db);
    if (repo === undefined) {
      repo = new SecretRepository(db);
      repositories.set(db, repo);
    }
    return repo;
  }

  private constructor(db: Db) {
    this.#stmts = {
      byArn: db.prepare<[string], RawSecret>('SELECT * FROM secrets WHERE secret_arn = ?'),
      byName: db.prepare<[string], RawSecret>('SELECT * FROM secrets WHERE name = ?'),
      all: db.prepare<[], RawSecret>('SELECT * FROM secrets ORDER BY created_at, secret_arn'),
      insert: db.prepare(
        `INSERT INTO secrets (secret_arn, name, description, kms_key_id, created_at, last_changed_at)
         VALUES (@arn, @name, @description, @kmsKeyId, @createdAt, @createdAt)`,
      ),
      update: db.prepare(
        `UPDATE secrets SET description = @description, kms_key_id = @kmsKeyId, last_changed_at = @lastChangedAt,
           deleted_at = @deletedAt, deletion_date = @deletionDate, resource_policy = @resourcePolicy,
           policy_bindings = @policyBindings WHERE secret_arn = @arn`,
      ),
      touchAccess: db.prepare('UPDATE secrets SET last_accessed_at = ? WHERE secret_arn = ?'),
      touchVersionAccess: db.prepare('UPDATE secret_versions SET last_accessed_at = ? WHERE secret_arn = ? AND version_id = ?'),
      remove: db.prepare('DELETE FROM secrets WHERE secret_arn = ?'),
      dueDeletions: db.prepare<[number], RawSecret>('SELECT * FROM secrets WHERE deletion_date IS NOT NULL AND deletion_date <= ? ORDER BY deletion_date'),
      version: db.prepare<[string, string], RawVersion>('SELECT * FROM secret_versions WHERE secret_arn = ? AND version_id = ?'),
      versions: db.prepare<[string], RawVersion>('SELECT * FROM secret_versions WHERE secret_arn = ? ORDER BY created_at, version_id'),
      insertVersion: db.prepare(
        `INSERT INTO secret_versions (secret_arn, version_id, created_at, kms_key_id, encrypted_data_key, value_kind, sealed)
         VALUES (@secretArn, @versionId, @createdAt, @kmsKeyId, @encryptedDataKey, @valueKind, @sealed)`,
      ),
      removeVersion: db.prepare('DELETE FROM secret_versions WHERE secret_arn = ? AND version_id = ?'),
      stages: db.prepare<[string], { stage: string; version_id: string }>('SELECT stage, version_id FROM secret_version_stages WHERE secret_arn = ? ORDER BY stage'),
      stagesOf: db.prepare<[string, string], { stage: string }>('SELECT stage FROM secret_version_stages WHERE secret_arn = ? AND version_id = ? ORDER BY stage'),
      stageHolder: db.prepare<[string, string], { version_id: string }>('SELECT version_id FROM secret_version_stages WHERE secret_arn = ? AND stage = ?'),
      setStage: db.prepare(
        `INSERT INTO secret_version_stages (secret_arn, stage, version_id) VALUES (?, ?, ?)
         ON CONFLICT (secret_arn, stage) DO UPDATE SET version_id = excluded.version_id`,
      ),
      removeStage: db.prepare('DELETE FROM secret_version_stages WHERE secret_arn = ? AND stage = ?'),
      tags: db.prepare<[string], { tag_key: string; tag_value: string }>('SELECT tag_key, tag_value FROM secret_tags WHERE secret_arn = ? ORDER BY tag_key'),
      upsertTag: db.prepare(
        `INSERT INTO secret_tags (secret_arn, tag_key, tag_value) VALUES (?, ?, ?)
         ON CONFLICT (secret_arn, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
      ),
      removeTag: db.prepare('DELETE FROM secret_tags WHERE secret_arn = ? AND tag_key = ?'),
    };
  }

  byArn(arn: string): SecretRow | null {
    const r = this.#stmts.byArn.get(arn);
    return r === undefined ? null : toSecret(r);
  }

  byName(name: string): SecretRow | null {
    const r = this.#stmts.byName.get(name);
    return r === undefined ? null : toSecret(r);
  }

  /** Every secret, oldest first: ListSecrets filters and sorts these (a desktop holds hundreds, not millions). */
  all(): Array<SecretRow> {
    return this.#stmts.all.all().map(toSecret);
  }

  insert(row: Pick<SecretRow, 'arn' | 'name' | 'description' | 'kmsKeyId' | 'createdAt'>): void {
    this.#stmts.insert.run(row);
  }

  update(row: SecretRow): void {
    this.#stmts.update.run(row);
  }

  touchAccess(arn: string, versionId: string, at: number): void {
    this.#stmts.touchAccess.run(at, arn);
    this.#stmts.touchVersionAccess.run(at, arn, versionId);
  }

  /** Removes the secret with its versions, stages and tags (ON DELETE CASCADE; secure_delete zeroes the pages). */
  remove(arn: string): void {
    this.#stmts.remove.run(arn);
  }

  dueDeletions(now: number): Array<SecretRow> {
    return this.#stmts.dueDeletions.all(now).map(toSecret);
  }

  version(arn: string, versionId: string): VersionRow | null {
    const r = this.#stmts.version.get(arn, versionId);
    return r === undefined ? null : toVersion(r);
  }

  versions(arn: string): Array<VersionRow> {
    return this.#stmts.versions.all(arn).map(toVersion);
  }

  insertVersion(row: Omit<VersionRow, 'lastAccessedAt'>): void {
    this.#stmts.insertVersion.run({ ...row, encryptedDataKey: Buffer.from(row.encryptedDataKey), sealed: Buffer.from(row.sealed) });
  }

  removeVersion(arn: string, versionId: string): void {
    this.#stmts.removeVersion.run(arn, versionId);
  }

  /** Version id → its staging labels (versions with none are absent). */
  stagesByVersion(arn: string): Map<string, Array<string>> {
    const out = new Map<string, Array<string>>();
    for (const r of this.#stmts.stages.all(arn)) {
      const list = out.get(r.version_id) ?? [];
      list.push(r.stage);
      out.set(r.version_id, list);
    }
    return out;
  }

  /** One version's staging labels. */
  stagesOf(arn: string, versionId: string): Array<string> {
    return this.#stmts.stagesOf.all(arn, versionId).map((r) => r.stage);
  }

  stageHolder(arn: string, stage: string): string | null {
    return this.#stmts.stageHolder.get(arn, stage)?.version_id ?? null;
  }

  setStage(arn: string, stage: string, versionId: string): void {
    this.#stmts.setStage.run(arn, stage, versionId);
  }

  removeStage(arn: string, stage: string): void {
    this.#stmts.removeStage.run(arn, stage);
  }

  tags(arn: string): Array<{ Key: string; Value: string }> {
    return this.#stmts.tags.all(arn).map((r) => ({ Key: r.tag_key, Value: r.tag_value }));
  }

  upsertTag(arn: string, key: string, value: string): void {
    this.#stmts.upsertTag.run(arn, key, value);
  }

  removeTag(arn: string, key: string): void {
    this.#stmts.removeTag.run(arn, key);
  }
}
