// The audit query's HideReads filter (issue 23): records carry CloudTrail's readOnly, and a query
// can leave out the reads that succeeded — what the window's "hide reads" uses — while changes,
// and every failure and denial (a refused Decrypt is a read), stay.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newEngine, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
});
afterEach(() => {
  t.cleanup();
});

describe('audit query HideReads', () => {
  it('leaves out successful reads by the records’ readOnly, and keeps failures of reads', async () => {
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    await t.kms.invoke('DescribeKey', { KeyId: keyId });
    await t.kms.invoke('ListKeys', {});
    await t.kms.invoke('DisableKey', { KeyId: keyId });
    await t.kms.invoke('ListAliases', {});
    await t.kms.invoke('DescribeKey', { KeyId: 'alias/missing' }).catch(() => undefined);
    const names = (hide?: boolean) => t.kms.audit.query(hide === undefined ? {} : { HideReads: hide }).records.map((r) => String(r.record.eventName));
    const records = t.kms.audit.query({}).records;
    expect(records.every((r) => typeof r.record.readOnly === 'boolean')).toBe(true);
    expect(records.filter((r) => r.record.readOnly === true).map((r) => r.record.eventName)).toEqual(['DescribeKey', 'ListAliases', 'ListKeys', 'DescribeKey']);
    expect(names(true)).toEqual(['DescribeKey', 'DisableKey', 'CreateKey', 'CreateInstallation']);
    expect(t.kms.audit.query({ HideReads: true }).records[0]?.record.errorCode).toBe('NotFoundException');
    expect(names(false)).toEqual(names());
    expect(t.kms.audit.query({ HideReads: true, Outcome: 'Success' }).records.map((r) => r.record.eventName)).toEqual(['DisableKey', 'CreateKey', 'CreateInstallation']);
  });
});
