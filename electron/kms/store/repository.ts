// Typed access to the key tables. Statements are prepared once per open database. Every method
// is synchronous (better-sqlite3), so the engine can run an operation's writes and its audit
// record inside one transaction.

import type { KeyState } from '../../../shared/api/operations.ts';
import type { Db } from './database.ts';
import {
  type KeyRow,
  type RotationType,
  type ExpirationModel,
  type MaterialRow,
  type ImportTokenRow,
  type AliasRow,
  type TagRow,
  type RawKey,
  toKeyRow,
  type RawMaterial,
  toMaterialRow,
  type RawImportToken,
  type RawAlias,
  toAliasRow,
} from './rows.ts';

export type { AliasRow, ExpirationModel, ImportTokenRow, KeyRow, MaterialRow, RotationType, TagRow } from './rows.ts';

export class KeyRepository {
  readonly #db: Db;
  readonly #stmts;
  /** Told of every write to a key's state or material (the engine's material cache forgets the key). */
  readonly #keyChanged: (keyId: string) => void;

  constructor(db: Db, keyChanged: (keyId: string) => void = () => {}) {
    this.#db = db;
    this.#keyChanged = keyChanged;
    this.#stmts = {
      getKey: db.prepare<[string], RawKey>('SELECT * FROM keys WHERE key_id = ?'),
      countKeys: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM keys'),
      insertKey: db.prepare(
        `INSERT INTO keys (key_id, created_at, description, key_spec, key_usage, origin, key_manager,
           key_state, deletion_date, pending_window_days, multi_region, policy, policy_bindings, current_version,
           rotation_period_days, next_rotation_at, exportable)
         VALUES (@keyId, @createdAt, @description, @keySpec, @keyUsage, @origin, @keyManager,
           @keyState, @deletionDate, @pendingWindowDays, @multiRegion, @policy, @policyBindings, @currentVersion,
           @rotationPeriodDays, @nextRotationAt, @exportable)`,
      ),
      listKeys: db.prepare<[number, string, string, number], RawKey>(
        `SELECT * FROM keys WHERE (created_at, key_id) > (?, ?) OR ? = '' ORDER BY created_at, key_id LIMIT ?`,
      ),
      setState: db.prepare(
        `UPDATE keys SET key_state = @keyState, deletion_date = @deletionDate,
           pending_window_days = @pendingWindowDays WHERE key_id = @keyId`,
      ),
      setDescription: db.prepare('UPDATE keys SET description = ? WHERE key_id = ?'),
      setPolicy: db.prepare('UPDATE keys SET policy = ?, policy_bindings = ? WHERE key_id = ?'),
      setCurrentVersion: db.prepare('UPDATE keys SET current_version = ? WHERE key_id = ?'),
      dueDeletions: db.prepare<[number], RawKey>(
        `SELECT * FROM keys WHERE key_state = 'PendingDeletion' AND deletion_date IS NOT NULL
           AND deletion_date <= ? ORDER BY deletion_date`,
      ),
      deleteKey: db.prepare('DELETE FROM keys WHERE key_id = ?'),
      getMaterial: db.prepare<[string, number], RawMaterial>(
        'SELECT * FROM key_material WHERE key_id = ? AND version = ?',
      ),
      insertMaterial: db.prepare(
        `INSERT INTO key_material (key_id, version, material_id, wrapped, created_at, rotation_type,
           rotated_at, expiration_model, valid_to, description)
         VALUES (@keyId, @version, @materialId, @wrapped, @createdAt, @rotationType,
           @rotatedAt, @expirationModel, @validTo, @description)`,
      ),
      markRotation: db.prepare('UPDATE key_material SET rotation_type = ?, rotated_at = ? WHERE key_id = ? AND version = ?'),
      listMaterial: db.prepare<[string, number, number], RawMaterial>(
        'SELECT * FROM key_material WHERE key_id = ? AND version > ? ORDER BY version LIMIT ?',
      ),
      latestVersion: db.prepare<[string], { v: number | null }>('SELECT max(version) AS v FROM key_material WHERE key_id = ?'),
      countRotations: db.prepare<[string, string], { n: number }>(
        'SELECT count(*) AS n FROM key_material WHERE key_id = ? AND rotation_type = ?',
      ),
      materialById: db.prepare<[string, string], RawMaterial>(
        'SELECT * FROM key_material WHERE key_id = ? AND material_id = ?',
      ),
      storeImportedMaterial: db.prepare(
        `UPDATE key_material SET wrapped = @wrapped, expiration_model = @expirationModel, valid_to = @validTo,
           description = coalesce(@description, description) WHERE key_id = @keyId AND version = @version`,
      ),
      destroyMaterial: db.prepare('UPDATE key_material SET wrapped = NULL WHERE key_id = ? AND version = ?'),
      expiredMaterial: db.prepare<[number], RawMaterial>(
        `SELECT * FROM key_material WHERE valid_to IS NOT NULL AND wrapped IS NOT NULL AND valid_to <= ?
           ORDER BY valid_to`,
      ),
      setRotation: db.prepare('UPDATE keys SET rotation_period_days = ?, next_rotation_at = ? WHERE key_id = ?'),
      dueRotations: db.prepare<[number], RawKey>(
        `SELECT * FROM keys WHERE next_rotation_at IS NOT NULL AND next_rotation_at <= ? AND key_state = 'Enabled'
           ORDER BY next_rotation_at`,
      ),
      insertImportToken: db.prepare(
        `INSERT INTO import_tokens (token_hash, key_id, wrapping_algorithm, wrapping_key_spec, private_key_wrapped, created_at, valid_to)
         VALUES (@tokenHash, @keyId, @wrappingAlgorithm, @wrappingKeySpec, @privateKeyWrapped, @createdAt, @validTo)`,
      ),
      getImportToken: db.prepare<[Buffer], RawImportToken>('SELECT * FROM import_tokens WHERE token_hash = ?'),
      deleteExpiredImportTokens: db.prepare('DELETE FROM import_tokens WHERE valid_to <= ?'),
      getAlias: db.prepare<[string], RawAlias>('SELECT * FROM aliases WHERE alias_name = ?'),
      insertAlias: db.prepare(
        'INSERT INTO aliases (alias_name, key_id, created_at, updated_at) VALUES (?, ?, ?, ?)',
      ),
      retargetAlias: db.prepare('UPDATE aliases SET key_id = ?, updated_at = ? WHERE alias_name = ?'),
      deleteAlias: db.prepare('DELETE FROM aliases WHERE alias_name = ?'),
      countAliasesForKey: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM aliases WHERE key_id = ?'),
      listAliases: db.prepare<[string, number], RawAlias>(
        'SELECT * FROM aliases WHERE alias_name > ? ORDER BY alias_name LIMIT ?',
      ),
      listAliasesForKey: db.prepare<[string, string, number], RawAlias>(
        'SELECT * FROM aliases WHERE key_id = ? AND alias_name > ? ORDER BY alias_name LIMIT ?',
      ),
      aliasesForKey: db.prepare<[string], { alias_name: string }>(
        'SELECT alias_name FROM aliases WHERE key_id = ? ORDER BY alias_name',
      ),
      listTags: db.prepare<[string, string, number], { tag_key: string; tag_value: string }>(
        'SELECT tag_key, tag_value FROM tags WHERE key_id = ? AND tag_key > ? ORDER BY tag_key LIMIT ?',
      ),
      tagKeys: db.prepare<[string], { tag_key: string }>('SELECT tag_key FROM tags WHERE key_id = ?'),
      upsertTag: db.prepare(
        `INSERT INTO tags (key_id, tag_key, tag_value) VALUES (?, ?, ?)
         ON CONFLICT (key_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
      ),
      deleteTag: db.prepare('DELETE FROM tags WHERE key_id = ? AND tag_key = ?'),
    };
  }

  get db(): Db {
    return this.#db;
  }

  getKey(keyId: string): KeyRow | null {
    const r = this.#stmts.getKey.get(keyId);
    return r === undefined ? null : toKeyRow(r);
  }

  countKeys(): number {
    return this.#stmts.countKeys.get()?.n ?? 0;
  }

  insertKey(row: KeyRow): void {
    this.#stmts.insertKey.run({ ...row, multiRegion: row.multiRegion ? 1 : 0, exportable: row.exportable ? 1 : 0 });
  }

  setRotation(keyId: string, periodDays: number | null, nextAt: number | null): void {
    this.#stmts.setRotation.run(periodDays, nextAt, keyId);
  }

  /** Enabled keys whose automatic rotation is due at `now`. */
  dueRotations(now: number): Array<KeyRow> {
    return this.#stmts.dueRotations.all(now).map(toKeyRow);
  }

  /** Keys ordered by creation; `after` is the last (createdAt, keyId) of the previous page. */
  listKeys(after: { createdAt: number; keyId: string } | null, limit: number): Array<KeyRow> {
    const rows = after === null
      ? this.#stmts.listKeys.all(0, '', '', limit)
      : this.#stmts.listKeys.all(after.createdAt, after.keyId, 'x', limit);
    return rows.map(toKeyRow);
  }

  setState(keyId: string, keyState: KeyState, deletionDate: number | null, pendingWindowDays: number | null): void {
    this.#stmts.setState.run({ keyId, keyState, deletionDate, pendingWindowDays });
    this.#keyChanged(keyId);
  }

  setPolicy(keyId: string, policy: string, bindings: string): void {
    this.#stmts.setPolicy.run(policy, bindings, keyId);
  }

  setDescription(keyId: string, description: string): void {
    this.#stmts.setDescription.run(description, keyId);
  }

  setCurrentVersion(keyId: string, version: number): void {
    this.#stmts.setCurrentVersion.run(version, keyId);
    this.#keyChanged(keyId);
  }

  dueDeletions(now: number): Array<KeyRow> {
    return this.#stmts.dueDeletions.all(now).map(toKeyRow);
  }

  /** Removes the key; material, aliases and tags go with it (ON DELETE CASCADE). */
  deleteKey(keyId: string): void {
    this.#stmts.deleteKey.run(keyId);
    this.#keyChanged(keyId);
  }

  getMaterial(keyId: string, version: number): MaterialRow | null {
    const r = this.#stmts.getMaterial.get(keyId, version);
    return r === undefined ? null : toMaterialRow(r);
  }

  insertMaterial(row: MaterialRow): void {
    this.#stmts.insertMaterial.run({ ...row, wrapped: row.wrapped === null ? null : Buffer.from(row.wrapped) });
  }

  markRotation(keyId: string, version: number, type: RotationType, at: number): void {
    this.#stmts.markRotation.run(type, at, keyId, version);
    this.#keyChanged(keyId);
  }

  /** A key's material versions after `afterVersion`, oldest first. */
  listMaterial(keyId: string, afterVersion: number, limit: number): Array<MaterialRow> {
    return this.#stmts.listMaterial.all(keyId, afterVersion, limit).map(toMaterialRow);
  }

  /** The highest version a key has (0 when it has none); may be above current_version (pending rotation). */
  latestVersion(keyId: string): number {
    return this.#stmts.latestVersion.get(keyId)?.v ?? 0;
  }

  countRotations(keyId: string, type: RotationType): number {
    return this.#stmts.countRotations.get(keyId, type)?.n ?? 0;
  }

  materialById(keyId: string, materialId: string): MaterialRow | null {
    const r = this.#stmts.materialById.get(keyId, materialId);
    return r === undefined ? null : toMaterialRow(r);
  }

  /** (Re-)stores imported material into an existing version row. */
  storeImportedMaterial(
    keyId: string,
    version: number,
    wrapped: Uint8Array,
    expirationModel: ExpirationModel,
    validTo: number | null,
    description: string | null,
  ): void {
    this.#stmts.storeImportedMaterial.run({ keyId, version, wrapped: Buffer.from(wrapped), expirationModel, validTo, description });
    this.#keyChanged(keyId);
  }

  /** Forgets a version's wrapped material (secure_delete zeroes the old bytes); the row stays. */
  destroyMaterial(keyId: string, version: number): void {
    this.#stmts.destroyMaterial.run(keyId, version);
    this.#keyChanged(keyId);
  }

  /** Imported material still held whose ValidTo has passed at `now`. */
  expiredMaterial(now: number): Array<MaterialRow> {
    return this.#stmts.expiredMaterial.all(now).map(toMaterialRow);
  }

  insertImportToken(row: ImportTokenRow): void {
    this.#stmts.insertImportToken.run({
      ...row,
      tokenHash: Buffer.from(row.tokenHash),
      privateKeyWrapped: Buffer.from(row.privateKeyWrapped),
    });
  }

  getImportToken(tokenHash: Uint8Array): ImportTokenRow | null {
    const r = this.#stmts.getImportToken.get(Buffer.from(tokenHash));
    return r === undefined
      ? null
      : {
          tokenHash: r.token_hash,
          keyId: r.key_id,
          wrappingAlgorithm: r.wrapping_algorithm,
          wrappingKeySpec: r.wrapping_key_spec,
          privateKeyWrapped: r.private_key_wrapped,
          createdAt: r.created_at,
          validTo: r.valid_to,
        };
  }

  /** Removes import tokens (and their wrapping private keys) that expired at or before `now`. */
  deleteExpiredImportTokens(now: number): number {
    return this.#stmts.deleteExpiredImportTokens.run(now).changes;
  }

  getAlias(aliasName: string): AliasRow | null {
    const r = this.#stmts.getAlias.get(aliasName);
    return r === undefined ? null : toAliasRow(r);
  }

  insertAlias(aliasName: string, keyId: string, now: number): void {
    this.#stmts.insertAlias.run(aliasName, keyId, now, now);
  }

  retargetAlias(aliasName: string, keyId: string, now: number): void {
    this.#stmts.retargetAlias.run(keyId, now, aliasName);
  }

  deleteAlias(aliasName: string): void {
    this.#stmts.deleteAlias.run(aliasName);
  }

  countAliasesForKey(keyId: string): number {
    return this.#stmts.countAliasesForKey.get(keyId)?.n ?? 0;
  }

  listAliases(keyId: string | null, afterName: string, limit: number): Array<AliasRow> {
    const rows = keyId === null
      ? this.#stmts.listAliases.all(afterName, limit)
      : this.#stmts.listAliasesForKey.all(keyId, afterName, limit);
    return rows.map(toAliasRow);
  }

  aliasNamesForKey(keyId: string): Array<string> {
    return this.#stmts.aliasesForKey.all(keyId).map((r) => r.alias_name);
  }

  listTags(keyId: string, afterKey: string, limit: number): Array<TagRow> {
    return this.#stmts.listTags.all(keyId, afterKey, limit).map((r) => ({ tagKey: r.tag_key, tagValue: r.tag_value }));
  }

  tagKeys(keyId: string): Array<string> {
    return this.#stmts.tagKeys.all(keyId).map((r) => r.tag_key);
  }

  upsertTag(keyId: string, tagKey: string, tagValue: string): void {
    this.#stmts.upsertTag.run(keyId, tagKey, tagValue);
  }

  deleteTag(keyId: string, tagKey: string): void {
    this.#stmts.deleteTag.run(keyId, tagKey);
  }
}
