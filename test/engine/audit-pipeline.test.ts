// Invariant 3 at the engine: every call — success, failure, validation failure — appends
// exactly one record before returning; records never hold plaintext or data keys; a failed
// mutation leaves no partial write; and verify() finds edits made behind the engine's back.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { bytes, kmsError, newEngine, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
});
afterEach(() => t.cleanup());

describe('audit pipeline', () => {
  it('writes exactly one record per call, including failures, with the request id and error', async () => {
    // Record 1 is the installation's creation.
    expect(t.kms.audit.list({ MaxResults: 1 })[0]?.record).toMatchObject({ eventName: 'CreateInstallation', requestParameters: { rootKeyProvider: 'memory' } });
    expect(t.kms.audit.count()).toBe(1);
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    expect(t.kms.audit.count()).toBe(2);
    await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') }, { requestId: 'req-ok' });
    expect(t.kms.audit.count()).toBe(3);
    await kmsError(t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: new Uint8Array(5000) }, { requestId: 'req-invalid' }));
    expect(t.kms.audit.count()).toBe(4);
    await kmsError(t.kms.invoke('DescribeKey', { KeyId: 'alias/missing' }, { requestId: 'req-missing' }));
    expect(t.kms.audit.count()).toBe(5);
    const [missing, invalid, ok] = t.kms.audit.list({ MaxResults: 3 }).map((r) => r.record);
    expect(ok).toMatchObject({ eventName: 'Encrypt', requestID: 'req-ok', readOnly: true, responseElements: null, eventSource: 'kms.amazonaws.com', awsRegion: 'local-1' });
    expect(ok?.errorCode).toBeUndefined();
    expect(ok?.resources).toEqual([{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN: `arn:aws:kms:local-1:111122223333:key/${keyId}` }]);
    expect(invalid).toMatchObject({ eventName: 'Encrypt', requestID: 'req-invalid', errorCode: 'ValidationException' });
    expect(missing).toMatchObject({ eventName: 'DescribeKey', requestID: 'req-missing', errorCode: 'NotFoundException' });
    expect(ok?.userIdentity).toMatchObject({ type: 'Root', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' });
  });

  it('keeps the encryption context and never the plaintext or data key', async () => {
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const secret = 'the-plaintext-that-must-not-be-logged';
    await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes(secret), EncryptionContext: { dept: 'finance' } });
    const dk = await t.kms.invoke('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' });
    const all = JSON.stringify(t.kms.audit.list({ MaxResults: 100 }));
    expect(all).toContain('finance');
    for (const needle of [secret, Buffer.from(secret).toString('base64'), Buffer.from(dk.Plaintext).toString('base64'), Buffer.from(dk.Plaintext).toString('hex')]) {
      expect(all).not.toContain(needle);
    }
  });

  it('a mutation that fails writes nothing but its failure record', async () => {
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const db = new Database(join(t.dir, DATABASE_FILE), { readonly: true });
    const tagsBefore = db.prepare('SELECT count(*) AS n FROM tags').get();
    // The second tag is reserved: the first must not be written either.
    await kmsError(t.kms.invoke('TagResource', { KeyId: keyId, Tags: [{ TagKey: 'ok', TagValue: '1' }, { TagKey: 'aws:no', TagValue: '2' }] }));
    expect(db.prepare('SELECT count(*) AS n FROM tags').get()).toEqual(tagsBefore);
    db.close();
  });

  it('verify reports an edited record at its position', async () => {
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    for (let i = 0; i < 5; i++) {
      await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes(`m${i}`) });
    }
    expect(t.kms.audit.verify().ok).toBe(true);
    const db = new Database(join(t.dir, DATABASE_FILE));
    // event_name is computed from the record: editing the record is the only way to change it.
    db.prepare("UPDATE audit_log SET record = replace(record, 'Encrypt', 'Decrypt') WHERE seq = 4").run();
    expect(db.prepare('SELECT event_name FROM audit_log WHERE seq = 4').get()).toEqual({ event_name: 'Decrypt' });
    db.close();
    const report = t.kms.audit.verify();
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ kind: 'edited', seq: 4 });
  });
});
