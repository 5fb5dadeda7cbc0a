// Real deletion: when the window has passed, every version of the key's material, its aliases
// and tags are removed (secure_delete zeroes the freed pages), ciphertexts under it fail, and
// the audit log records a DeleteKey service event.
import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../electron/kms/clock.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { bytes, kmsError, newEngine, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
});
afterEach(() => t.cleanup());

describe('scheduled deletion', () => {
  it('deletes nothing before the window ends, everything after, and audits it', async () => {
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const keep = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    await t.kms.invoke('CreateAlias', { AliasName: 'alias/doomed', TargetKeyId: keyId });
    await t.kms.invoke('TagResource', { KeyId: keyId, Tags: [{ TagKey: 't', TagValue: 'v' }] });
    const enc = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('gone soon') });
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    const peek = new Database(join(t.dir, DATABASE_FILE), { readonly: true });
    const wrapped = (peek.prepare('SELECT wrapped FROM key_material WHERE key_id = ?').get(keyId) as { wrapped: Buffer }).wrapped;
    peek.close();

    t.clock.advance(7 * DAY_MS - 1);
    expect(t.kms.purgeDueDeletions()).toBe(0);
    t.clock.advance(1);
    // Deletion also runs at open: reopening after the window is enough.
    const kms = await t.reopen();
    expect((await kmsError(kms.invoke('DescribeKey', { KeyId: keyId }))).name).toBe('NotFoundException');
    expect((await kmsError(kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob }))).name).toBe('AccessDeniedException');
    expect((await kms.invoke('ListAliases', {})).Aliases).toEqual([]);
    expect((await kms.invoke('DescribeKey', { KeyId: keep })).KeyMetadata.KeyState).toBe('Enabled');

    const db = new Database(join(t.dir, DATABASE_FILE), { readonly: true });
    for (const table of ['keys', 'key_material', 'aliases', 'tags']) {
      expect(db.prepare(`SELECT count(*) AS n FROM ${table} WHERE key_id = ?`).get(keyId)).toEqual({ n: 0 });
    }
    db.close();
    // secure_delete zeroed the freed pages and the WAL was checkpointed: the wrapped bytes are gone.
    for (const name of readdirSync(t.dir)) {
      expect(readFileSync(join(t.dir, name)).includes(wrapped), `wrapped material still in ${name}`).toBe(false);
    }

    const events = kms.audit.list({ EventName: 'DeleteKey' });
    expect(events).toHaveLength(1);
    expect(events[0]?.record).toMatchObject({
      eventName: 'DeleteKey',
      eventType: 'AwsServiceEvent',
      resources: [{ ARN: `arn:aws:kms:local-1:111122223333:key/${keyId}`, type: 'AWS::KMS::Key' }],
    });
    expect(kms.audit.verify().ok).toBe(true);
  });

  it('a cancelled deletion deletes nothing', async () => {
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    await t.kms.invoke('CancelKeyDeletion', { KeyId: keyId });
    t.clock.advance(8 * DAY_MS);
    expect(t.kms.purgeDueDeletions()).toBe(0);
    expect((await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('Disabled');
  });
});
