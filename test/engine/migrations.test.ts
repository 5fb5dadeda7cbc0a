// Upgrading a data directory written by an earlier Strongroom: schema 2 (foundation and
// endpoint) to schema 3 (lifecycle) keeps every key, material version and record, and the
// upgraded installation works.
import Database from 'better-sqlite3';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { updateToSchemaVersion1 } from '../../electron/kms/store/migrations/0001-initial.ts';
import { updateToSchemaVersion2 } from '../../electron/kms/store/migrations/0002-access-keys.ts';
import { SCHEMA_VERSION } from '../../electron/kms/store/migrate.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { bytes, kmsError, newEngine, text, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
afterEach(() => t.cleanup());

describe('schema 2 → 5', () => {
  it('keeps keys, material and the audit chain, and the upgraded installation rotates', async () => {
    t = await newEngine();
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const blob = (await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('written by schema 2') })).CiphertextBlob;
    const accessKey = t.kms.createAccessKey('root');
    t.kms.close();

    // Rebuild the same rows in a schema-2 database, as the previous release wrote them.
    const path = join(t.dir, DATABASE_FILE);
    const current = new Database(path);
    const rows = {
      installation: current.prepare('SELECT installation_id, account_id, region, created_at, root_key_provider, root_key_params, root_key_check FROM installation').all(),
      keys: current.prepare('SELECT key_id, created_at, description, key_spec, key_usage, origin, key_manager, key_state, deletion_date, pending_window_days, multi_region, policy, current_version FROM keys').all(),
      material: current.prepare('SELECT key_id, version, material_id, wrapped, created_at FROM key_material').all(),
      // Schema 1–4 kept the queried fields as plain columns, event_time in milliseconds.
      audit: current
        .prepare('SELECT seq, unixepoch(event_time) * 1000 AS event_time, event_name, request_id, error_code, record, prev_hash, hash FROM audit_log ORDER BY seq')
        .all(),
      // Schema 2 access keys named users only by ARN; this one becomes user/legacy's.
      accessKeys: current
        .prepare("SELECT access_key_id, 'arn:aws:iam::111122223333:user/legacy' AS principal_arn, 'IAMUser' AS caller_type, secret_wrapped, created_at, status FROM access_keys")
        .all(),
    };
    current.close();
    const legacyPath = join(t.dir, 'legacy.db');
    const legacy = new Database(legacyPath);
    updateToSchemaVersion1(legacy);
    updateToSchemaVersion2(legacy);
    legacy.pragma('user_version = 2');
    const insert = (table: string, list: ReadonlyArray<unknown>): void => {
      for (const row of list as ReadonlyArray<Record<string, unknown>>) {
        const cols = Object.keys(row);
        legacy.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(row);
      }
    };
    insert('installation', (rows.installation as Array<Record<string, unknown>>).map((r) => ({ id: 1, ...r })));
    insert('keys', rows.keys);
    insert('key_material', rows.material);
    insert('audit_log', rows.audit);
    insert('access_keys', rows.accessKeys);
    legacy.close();
    for (const suffix of ['', '-wal', '-shm']) {
      rmSync(path + suffix, { force: true });
    }
    renameSync(legacyPath, path);

    const kms = await t.reopen();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(11);
    expect(db.prepare('SELECT count(*) AS n FROM custom_key_stores').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM secrets').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM quorum_rules').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM key_material').get()).toEqual({ n: rows.material.length });
    db.close();
    expect(text((await kms.invoke('Decrypt', { CiphertextBlob: blob })).Plaintext)).toBe('written by schema 2');
    expect(kms.installation.developer).toBe(false);
    await kms.invoke('RotateKeyOnDemand', { KeyId: keyId });
    expect((await kms.invoke('ListKeyRotations', { KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).Rotations).toHaveLength(2);
    expect(kms.audit.verify().ok).toBe(true);
    // Schema 5: the old records are queryable through the computed columns, and the upgraded
    // installation has an audit-signing key whose checkpoints verify.
    expect(kms.audit.query({ EventName: 'Encrypt', KeyId: keyId }).records.map((r) => r.seq)).toEqual(
      (rows.audit as Array<{ seq: number; event_name: string }>).filter((r) => r.event_name === 'Encrypt').map((r) => r.seq),
    );
    expect(kms.checkpointAuditLog().body.headSeq).toBe(kms.audit.head()?.seq);
    expect(kms.audit.verify()).toMatchObject({ ok: true, checkpoints: { count: 1, trust: 'installation-key' }, unsignedRecords: 0 });
    // Schema 4: the access key's user now exists as a principal with a unique id, and keeps its key.
    const [legacyUser] = kms.listPrincipals('user');
    expect(legacyUser).toMatchObject({ name: 'legacy', arn: 'arn:aws:iam::111122223333:user/legacy' });
    expect(legacyUser?.principalId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(kms.lookupAccessKey(accessKey.AccessKeyId)?.caller).toMatchObject({ arn: legacyUser?.arn, principalId: legacyUser?.principalId });
    // The key's default policy still lets the owner in; the user needs an identity policy first.
    expect((await kms.invoke('GetKeyPolicy', { KeyId: keyId })).Policy).toContain(':root');
    const asLegacy = kms.callerFor('legacy', 'test');
    expect((await kmsError(kms.invoke('DescribeKey', { KeyId: keyId }, { caller: asLegacy }))).name).toBe('AccessDeniedException');
    // Schema 6 (0006-exportable): a key from before it is not exportable, and says nothing about it.
    expect((await kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.XStrongroomExportable).toBeUndefined();
  });
});
