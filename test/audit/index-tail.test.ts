// The audit log's unindexed tail (issue 19): records enter the indexes in batches, and every query
// still sees every record — the ones in the indexes and the ones past them — in the same order,
// on the same pages, as if every record were indexed. The reference for each query is the same
// log after every record was moved into the indexes.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDEX_BATCH_RECORDS } from '../../electron/kms/audit/index-tail.ts';
import { AuditLog } from '../../electron/kms/audit/log.ts';
import type { AuditQueryInput } from '../../electron/kms/audit/query.ts';
import { buildRecord, type AuditRecord } from '../../electron/kms/audit/record.ts';
import { ownerCaller } from '../../electron/kms/iam/caller.ts';
import { openDatabase, type Db } from '../../electron/kms/store/database.ts';

const ACCOUNT = '111122223333';
const START = Date.UTC(2026, 3, 1);
const NAMES = ['Encrypt', 'Decrypt', 'CreateAlias', 'GenerateDataKey', 'ReEncrypt', 'DeleteAlias'];
// Two full batches and a tail of 300.
const RECORDS = 2 * INDEX_BATCH_RECORDS + 300;

function keyArn(i: number): string {
  return `arn:aws:kms:local-1:${ACCOUNT}:key/00000000-0000-4000-8000-${String(i % 5).padStart(12, '0')}`;
}

function recordOf(i: number): AuditRecord {
  const eventName = NAMES[i % NAMES.length] ?? 'Encrypt';
  const isAlias = eventName.endsWith('Alias');
  return buildRecord({
    eventName,
    // Several records per second, so paging must break ties by seq.
    eventTimeMs: START + Math.floor(i / 3) * 1000,
    requestId: `req-${i}`,
    caller:
      i % 2 === 0
        ? { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/alice`, principalId: 'AIDAALICE', sourceIp: 'localhost', userAgent: 'test' }
        : ownerCaller(ACCOUNT, 'test'),
    accountId: ACCOUNT,
    region: 'local-1',
    readOnly: !isAlias,
    requestParameters: isAlias ? { aliasName: 'alias/moving' } : { keyId: keyArn(i) },
    responseElements: null,
    resourceArns: eventName === 'ReEncrypt' ? [keyArn(i), keyArn(i + 1)] : [keyArn(i)],
    ...(i % 9 === 4 ? { error: { name: 'DisabledException', message: 'disabled' } } : {}),
  });
}

let dir: string;
let db: Db;
let log: AuditLog;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strongroom-index-tail-'));
  db = openDatabase(join(dir, 'strongroom.db'));
  log = new AuditLog(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Appends records i = from..to, each in its own savepoint of one transaction (fast, as a commit group). */
function appendRecords(from: number, to: number): void {
  db.transaction(() => {
    for (let i = from; i <= to; i++) {
      db.transaction(() => log.append(recordOf(i)))();
    }
  }).immediate();
}

function watermark(): number {
  return (db.prepare('SELECT indexed_through AS w FROM audit_index_state').get() as { w: number }).w;
}

function unindexed(): number {
  return (db.prepare('SELECT count(*) AS n FROM audit_log WHERE indexed = 0').get() as { n: number }).n;
}

/** Every page of a query, as seqs. */
function allPages(input: AuditQueryInput): Array<Array<number>> {
  const pages: Array<Array<number>> = [];
  let token: string | undefined;
  do {
    const page = log.query({ ...input, ...(token === undefined ? {} : { NextToken: token }) });
    pages.push(page.records.map((r) => r.seq));
    token = page.nextToken;
  } while (token !== undefined && pages.length < 1000);
  return pages;
}

const QUERIES: ReadonlyArray<AuditQueryInput> = [
  { MaxResults: 50 },
  { MaxResults: 7, EventName: 'Decrypt' },
  { MaxResults: 40, KeyId: keyArn(2) },
  { MaxResults: 40, KeyId: '00000000-0000-4000-8000-000000000003' },
  { MaxResults: 25, KeyId: 'alias/moving' },
  { MaxResults: 30, Principal: 'alice' },
  { MaxResults: 30, Outcome: 'Failure' },
  { MaxResults: 30, Outcome: 'Success', EventName: 'ReEncrypt' },
  { MaxResults: 30, ErrorCode: 'DisabledException' },
  { MaxResults: 5, RequestId: `req-${RECORDS - 3}` },
  { MaxResults: 5, RequestId: 'req-10' },
  { MaxResults: 60, StartTime: new Date(START + 300_000), EndTime: new Date(START + 400_000) },
  { MaxResults: 60, StartTime: new Date(START + 330_000) },
];

describe('the unindexed tail', () => {
  it('keeps new records out of the indexes until a batch is due, then moves the whole tail in one transaction', () => {
    appendRecords(1, INDEX_BATCH_RECORDS - 1);
    expect(watermark()).toBe(0);
    expect(unindexed()).toBe(INDEX_BATCH_RECORDS - 1);
    appendRecords(INDEX_BATCH_RECORDS, INDEX_BATCH_RECORDS);
    expect(watermark()).toBe(INDEX_BATCH_RECORDS);
    expect(unindexed()).toBe(0);
    appendRecords(INDEX_BATCH_RECORDS + 1, INDEX_BATCH_RECORDS + 10);
    expect(unindexed()).toBe(10);
  });

  it('rolls a batch back with the transaction that appended it', () => {
    appendRecords(1, INDEX_BATCH_RECORDS - 1);
    expect(() =>
      db
        .transaction(() => {
          appendRecords(INDEX_BATCH_RECORDS, INDEX_BATCH_RECORDS);
          throw new Error('the call failed');
        })
        .immediate(),
    ).toThrow('the call failed');
    expect(watermark()).toBe(0);
    expect(unindexed()).toBe(INDEX_BATCH_RECORDS - 1);
    expect(log.verify().ok).toBe(true);
  });

  it('answers every query, page by page, exactly as with every record indexed', () => {
    appendRecords(1, RECORDS);
    expect(unindexed()).toBe(300);
    const withTail = QUERIES.map(allPages);
    const activity = log.activity('hour');
    // The reference: the same log with the tail moved into the indexes.
    db.prepare('UPDATE audit_log SET indexed = 1').run();
    db.prepare('UPDATE audit_index_state SET indexed_through = (SELECT max(seq) FROM audit_log)').run();
    expect(unindexed()).toBe(0);
    const indexed = QUERIES.map(allPages);
    expect(withTail).toEqual(indexed);
    expect(log.activity('hour')).toEqual(activity);
    // And the queries are not vacuous: each finds records, and some find tail records.
    withTail.forEach((pages, i) => {
      expect(pages.flat().length, JSON.stringify(QUERIES[i])).toBeGreaterThan(0);
    });
    expect(withTail.some((pages) => pages.flat().some((seq) => seq > 2 * INDEX_BATCH_RECORDS))).toBe(true);
    expect(withTail[0]?.flat().length).toBe(RECORDS);
  });

  it('reads the indexes for the indexed records: no query scans the whole table', () => {
    appendRecords(1, INDEX_BATCH_RECORDS + 20);
    const plans = db
      .prepare<[], { detail: string }>(
        "EXPLAIN QUERY PLAN SELECT seq FROM audit_log WHERE indexed = 1 AND event_name = 'Decrypt' AND event_time >= '2026' ORDER BY event_time DESC LIMIT 5",
      )
      .all()
      .map((r) => r.detail);
    expect(plans.join('\n')).toMatch(/USING INDEX audit_by_event/);
    for (const filter of ["principal = 'x'", "request_id = 'x'", "key_id = 'x'", "error_code = 'x'", "event_time >= 'x'"]) {
      const plan = db
        .prepare<[], { detail: string }>(`EXPLAIN QUERY PLAN SELECT seq FROM audit_log WHERE indexed = 1 AND ${filter}`)
        .all()
        .map((r) => r.detail)
        .join('\n');
      expect(plan, filter).toMatch(/USING (COVERING )?INDEX audit_/);
    }
    const tailPlan = db
      .prepare<[], { detail: string }>("EXPLAIN QUERY PLAN SELECT seq FROM audit_log WHERE seq > (SELECT indexed_through FROM audit_index_state WHERE id = 1) AND indexed = 0 AND event_name = 'Decrypt'")
      .all()
      .map((r) => r.detail)
      .join('\n');
    expect(tailPlan).toMatch(/SEARCH audit_log USING INTEGER PRIMARY KEY \(rowid>\?\)/);
  });

  it('verify reports a record taken out of the indexes below the watermark, which would hide it from queries', () => {
    appendRecords(1, INDEX_BATCH_RECORDS + 5);
    expect(log.verify().ok).toBe(true);
    db.prepare('UPDATE audit_log SET indexed = 0 WHERE seq = 77').run();
    expect(log.query({ RequestId: 'req-77' }).records).toEqual([]);
    expect(log.verify()).toMatchObject({ ok: false, problem: { kind: 'schema-altered', seq: 77, detail: expect.stringMatching(/record 77 was taken out of the audit indexes/) as unknown } });
  });

  it('verify reports the watermark table emptied', () => {
    appendRecords(1, 10);
    db.prepare('DELETE FROM audit_index_state').run();
    expect(log.verify()).toMatchObject({ ok: false, problem: { kind: 'schema-altered' } });
  });
});
