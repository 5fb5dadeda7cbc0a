// Audit log costs (issue: "append cost per record vs a bare SQLite insert of the same row; query by
// key+time and full verify on 1,000,000 generated records, goals ≤ 100 ms and ≤ 5 s"):
//
//  1. Append: AuditLog.append (canonical JSON, chain hash, the insert with its eight computed-
//     column indexes, a signed checkpoint every 1,000 records) against a bare INSERT of the same
//     row text and hashes into an unindexed table, both in transactions of 1,000 so the fsync
//     does not hide the CPU cost.
//  2. Scale: N generated records (1,000,000; 100,000 with --quick) across 200 keys, 20 principals,
//     30 days and 10 % failures; query pages (100 records, newest first) by key+time, key alias,
//     principal+time, event+time, failures, request id; then a full verify.
//
// Standalone: node bench/audit.ts [--quick]

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '../electron/kms/audit/canonical.ts';
import { chainHash, GENESIS_HASH } from '../electron/kms/audit/chain.ts';
import { CheckpointSigner } from '../electron/kms/audit/checkpoints.ts';
import { AuditLog } from '../electron/kms/audit/log.ts';
import { buildRecord, type AuditRecord } from '../electron/kms/audit/record.ts';
import type { Caller } from '../electron/kms/iam/caller.ts';
import { openDatabase, type Db } from '../electron/kms/store/database.ts';
import { measure } from './measure.ts';

const ACCOUNT = '111122223333';
const REGION = 'local-1';
const START = Date.UTC(2026, 9, 1);
const KEYS = Array.from({ length: 200 }, (_, i) => `${String(i).padStart(8, '0')}-1234-4abc-8def-0123456789ab`);
const USERS = Array.from({ length: 20 }, (_, i) => `user${i}`);
const EVENTS = ['Encrypt', 'Decrypt', 'GenerateDataKey', 'DescribeKey', 'ReEncrypt', 'Sign'];
const SPAN_MS = 30 * 86_400_000;

function caller(i: number): Caller {
  const user = USERS[i % USERS.length] ?? 'user0';
  return { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/${user}`, principalId: `AIDA${String(i % USERS.length).padStart(17, 'A')}`, accessKeyId: 'AKIAEXAMPLE', sourceIp: '127.0.0.1', userAgent: 'aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 source/x86_64.debian.12 prompt/off command/kms.encrypt' };
}

function record(i: number, n: number): AuditRecord {
  const key = KEYS[(i * 7919) % KEYS.length] ?? KEYS[0] ?? '';
  const event = EVENTS[i % EVENTS.length] ?? 'Encrypt';
  const arns = [`arn:aws:kms:${REGION}:${ACCOUNT}:key/${key}`];
  if (event === 'ReEncrypt') {
    arns.push(`arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEYS[(i * 31) % KEYS.length] ?? ''}`);
  }
  return buildRecord({
    eventName: event,
    eventTimeMs: START + Math.floor((i / n) * SPAN_MS),
    requestId: randomUUID(),
    caller: caller(i),
    accountId: ACCOUNT,
    region: REGION,
    readOnly: true,
    requestParameters: { keyId: `alias/app-${i % 50}`, encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext: { department: 'finance', purpose: `batch-${i % 97}` } },
    responseElements: null,
    resourceArns: arns,
    ...(i % 10 === 9 ? { error: { name: 'AccessDeniedException', message: `User ${USERS[i % USERS.length] ?? ''} is not authorized to perform kms:${event} on this resource.` } } : {}),
  });
}

function openLog(dir: string): { db: Db; log: AuditLog } {
  const db = openDatabase(join(dir, 'audit.db'));
  const installationId = randomUUID();
  db.prepare(
    "INSERT INTO installation (id, installation_id, account_id, region, created_at, root_key_provider, root_key_params, root_key_check) VALUES (1, ?, ?, ?, ?, 'memory', '', x'00')",
  ).run(installationId, ACCOUNT, REGION, START);
  const signer = new CheckpointSigner(db, randomBytes(32), installationId, START, { everyRecords: 1000, everyMs: 3_600_000 });
  return { db, log: new AuditLog(db, { signer, now: () => START }) };
}

function median(xs: ReadonlyArray<number>): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function appendCost(seconds: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-bench-audit-'));
  const { db, log } = openLog(dir);
  try {
    console.log('\nAudit append, per record (transactions of 1,000; one signed checkpoint per 1,000 records)');
    db.exec('CREATE TABLE bare (seq INTEGER PRIMARY KEY, record TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT');
    const insertBare = db.prepare('INSERT INTO bare (seq, record, prev_hash, hash) VALUES (?, ?, ?, ?)');
    const pool = Array.from({ length: 1000 }, (_, i) => record(i, 1000));
    const texts = pool.map((r) => canonicalJson(r));
    const hashes = texts.map((t, i) => chainHash(GENESIS_HASH, i + 1, t));
    let i = 0;
    const batched = (fn: () => void) => () => {
      if (i % 1000 === 0) {
        db.exec('BEGIN IMMEDIATE');
      }
      fn();
      i++;
      if (i % 1000 === 0) {
        db.exec('COMMIT');
      }
    };
    const bare = measure('bare INSERT of the same row (no indexes, no hashing)', batched(() => {
      insertBare.run(i + 1, texts[i % 1000] ?? '', GENESIS_HASH, hashes[i % 1000] ?? GENESIS_HASH);
    }), seconds);
    if (db.inTransaction) {
      db.exec('COMMIT');
    }
    i = 0;
    const append = measure('AuditLog.append (canonical JSON, chain hash, 8 indexes, checkpoints)', batched(() => {
      log.append(pool[i % 1000] as AuditRecord);
    }), seconds);
    if (db.inTransaction) {
      db.exec('COMMIT');
    }
    console.log(`  ${'append cost'.padEnd(58)} ${(1e6 / append.perSecond).toFixed(1).padStart(7)} µs vs ${(1e6 / bare.perSecond).toFixed(1)} µs bare: ${(bare.perSecond / append.perSecond).toFixed(1)} × a bare insert`);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function atScale(n: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-bench-audit-'));
  const { db, log } = openLog(dir);
  try {
    console.log(`\nAudit log at ${n.toLocaleString('en')} records (200 keys, 20 principals, 30 days, 10 % failures)`);
    let start = performance.now();
    const batch = 10_000;
    for (let from = 0; from < n; from += batch) {
      db.transaction(() => {
        for (let i = from; i < Math.min(n, from + batch); i++) {
          log.append(record(i, n));
        }
      }).immediate();
    }
    const genMs = performance.now() - start;
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('ANALYZE');
    console.log(`  ${'generated (records built, appended, signed)'.padEnd(58)} ${(n / (genMs / 1000)).toFixed(0).padStart(10)} records/s, ${(statSync(join(dir, 'audit.db')).size / 1048576).toFixed(0)} MiB on disk`);

    const mid = new Date(START + SPAN_MS / 2);
    const dayLater = new Date(mid.getTime() + 86_400_000);
    const key = KEYS[7] ?? '';
    const queries: Array<[string, Record<string, unknown>, number | null]> = [
      ['key + one day (goal ≤ 100 ms)', { KeyId: key, StartTime: mid, EndTime: dayLater }, 100],
      ['key ARN, whole log, newest page', { KeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${key}` }, null],
      ['principal + one day', { Principal: `arn:aws:iam::${ACCOUNT}:user/user3`, StartTime: mid, EndTime: dayLater }, null],
      ['event name + one day', { EventName: 'Decrypt', StartTime: mid, EndTime: dayLater }, null],
      ['failures, newest page', { Outcome: 'Failure' }, null],
      ['error code + one day', { ErrorCode: 'AccessDeniedException', StartTime: mid, EndTime: dayLater }, null],
    ];
    const firstPage = log.query({ MaxResults: 1 });
    const requestId = firstPage.records[0]?.record.requestID ?? '';
    queries.push(['request id', { RequestId: requestId }, null]);
    for (const [label, input, goal] of queries) {
      const times: Array<number> = [];
      let found = 0;
      for (let r = 0; r < 15; r++) {
        start = performance.now();
        const page = log.query({ ...input, MaxResults: 100 });
        times.push(performance.now() - start);
        found = page.records.length;
        // The second page, through the token, costs the same.
        if (r === 0 && page.nextToken !== undefined) {
          log.query({ ...input, MaxResults: 100, NextToken: page.nextToken });
        }
      }
      const ms = median(times);
      console.log(`  ${`query page: ${label}`.padEnd(58)} ${ms.toFixed(2).padStart(10)} ms median (${found} records)${goal === null ? '' : ms <= goal ? '  goal met' : '  GOAL MISSED'}`);
    }
    start = performance.now();
    const report = log.verify();
    const verifyMs = performance.now() - start;
    const goal = n >= 1_000_000 ? (verifyMs <= 5000 ? '  goal met' : '  GOAL MISSED') : `  (goal ≤ 5 s at 1,000,000: ${((verifyMs / n) * 1e6 / 1000).toFixed(1)} s projected)`;
    console.log(`  ${`full verify (chain, ${report.checkpoints.count} checkpoints, schema)`.padEnd(58)} ${(verifyMs / 1000).toFixed(2).padStart(10)} s, ${report.ok ? 'intact' : `NOT INTACT: ${report.problem?.detail ?? ''}`}${goal}`);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function auditBench(options: { quick: boolean }): void {
  appendCost(options.quick ? 0.3 : 2);
  atScale(options.quick ? 100_000 : 1_000_000);
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  auditBench({ quick: process.argv.includes('--quick') });
}
