// Issue 22, finding 2: a caller with no permissions could fill the disk through the audit log
// (a 1 MB Marker kept whole in each ListKeys record; a 900 KB encryption context on a refused
// Encrypt). A long value is stored as its length and SHA-256 (docs/audit-format.md, "Bounds").
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_LOGGED_FIELD_CHARS, MAX_LOGGED_STRING_CHARS, omittedValue } from '../../electron/kms/audit/bounds.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { bytes, kmsError, newEngine, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
});
afterEach(() => t.cleanup());

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Bytes the audit table holds, as stored (the record JSON of every row). */
function storedRecordBytes(dir: string): number {
  const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
  try {
    return (db.prepare('SELECT COALESCE(SUM(LENGTH(CAST(record AS BLOB))), 0) AS n FROM audit_log').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('audit record bounds (issue 22, finding 2)', () => {
  it('keeps a 1 MB Marker as its length and SHA-256: 20 calls add kilobytes, not 20 MB', async () => {
    const marker = 'm'.repeat(1024 * 1024);
    const before = storedRecordBytes(t.dir);
    for (let i = 0; i < 20; i++) {
      expect((await kmsError(t.kms.invoke('ListKeys', { Marker: marker }))).name).toBe('ValidationException');
    }
    const added = storedRecordBytes(t.dir) - before;
    expect(added).toBeLessThan(20 * 4096);
    const record = t.kms.audit.list({ MaxResults: 1 })[0]?.record;
    expect(record?.requestParameters?.marker).toBe(`<omitted: ${marker.length} bytes, sha256 ${sha256(marker)}>`);
    expect(record?.errorCode).toBe('ValidationException');
    expect(t.kms.audit.verify().ok).toBe(true);
  });

  it('keeps a 900 KB encryption context of many small entries as its length and SHA-256', async () => {
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const context: Record<string, string> = {};
    for (let i = 0; i < 9000; i++) {
      context[`k${i}`] = 'v'.repeat(95);
    }
    await t.kms.invoke('DisableKey', { KeyId: keyId });
    expect((await kmsError(t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: context }))).name).toBe('DisabledException');
    const record = t.kms.audit.list({ MaxResults: 1 })[0]?.record;
    const stored = record?.requestParameters?.encryptionContext;
    expect(typeof stored).toBe('string');
    expect(stored).toMatch(/^<omitted: \d+ bytes, sha256 [0-9a-f]{64}>$/);
    expect(JSON.stringify(record).length).toBeLessThan(4096);
    expect(record?.requestParameters?.keyId).toBe(keyId);
    expect(t.kms.audit.verify().ok).toBe(true);
  });

  it('keeps values of ordinary size as given, and bounds a long error message the same way', async () => {
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const context = { purpose: 'p'.repeat(MAX_LOGGED_STRING_CHARS) };
    await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: context });
    expect(t.kms.audit.list({ MaxResults: 1 })[0]?.record.requestParameters?.encryptionContext).toEqual(context);
    expect(omittedValue('a'.repeat(MAX_LOGGED_FIELD_CHARS))).toBe(`<omitted: ${MAX_LOGGED_FIELD_CHARS} bytes, sha256 ${sha256('a'.repeat(MAX_LOGGED_FIELD_CHARS))}>`);
    // Thousands of violations make a long message: it is bounded like any other field.
    const tags = Array.from({ length: 3000 }, (_, i) => ({ TagKey: `${'x'.repeat(200)}${i}`, TagValue: 'v' }));
    expect((await kmsError(t.kms.invoke('CreateKey', { Tags: tags }))).name).toBe('ValidationException');
    const record = t.kms.audit.list({ MaxResults: 1 })[0]?.record;
    expect(record?.requestParameters?.tags).toMatch(/^<omitted: /);
    expect((record?.errorMessage ?? '').length).toBeLessThanOrEqual(MAX_LOGGED_STRING_CHARS);
    expect(t.kms.audit.verify().ok).toBe(true);
  });
});
