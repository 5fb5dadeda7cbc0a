import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../electron/kms/audit/canonical.ts';
import { chainHash, GENESIS_HASH, hashesEqual } from '../../electron/kms/audit/chain.ts';
import { AuditLog, type VerifyReport } from '../../electron/kms/audit/log.ts';
import { AuditRecordError, buildRecord, type AuditRecord } from '../../electron/kms/audit/record.ts';
import { ownerCaller } from '../../electron/kms/caller.ts';
import { openDatabase, type Db } from '../../electron/kms/store/database.ts';

const ACCOUNT = '111122223333';
const START = Date.UTC(2026, 0, 1);
const NAMES = ['Encrypt', 'Decrypt', 'CreateKey', 'DescribeKey', 'GenerateDataKey'];

function makeRecord(i: number): AuditRecord {
  const failed = i % 4 === 3;
  return buildRecord({
    eventName: NAMES[i % NAMES.length] ?? 'Encrypt',
    eventTimeMs: START + i * 1500,
    requestId: `req-${i}`,
    caller: ownerCaller(ACCOUNT, 'strongroom-test'),
    accountId: ACCOUNT,
    region: 'local-1',
    readOnly: true,
    requestParameters: { keyId: `alias/k${i}`, encryptionContext: { n: String(i) } },
    responseElements: null,
    resourceArns: [`arn:aws:kms:local-1:${ACCOUNT}:key/00000000-0000-4000-8000-${String(i).padStart(12, '0')}`],
    ...(failed ? { error: { name: 'NotFoundException', message: `Key ${i} not found.` } } : {}),
  });
}

let dir: string;
let db: Db;
let log: AuditLog;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strongroom-audit-'));
  db = openDatabase(join(dir, 'strongroom.db'));
  log = new AuditLog(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function appendMany(n: number): void {
  db.transaction(() => {
    for (let i = 1; i <= n; i++) {
      log.append(makeRecord(i));
    }
  }).immediate();
}

function run(sql: string, ...args: Array<unknown>): void {
  db.prepare(sql).run(...args);
}

function expectProblem(report: VerifyReport, kind: string, seq: number, detail?: RegExp): void {
  expect(report.ok).toBe(false);
  if (report.ok) {
    return;
  }
  expect(report.problem.kind).toBe(kind);
  expect(report.problem.seq).toBe(seq);
  expect(report.records).toBe(seq - 1);
  if (detail !== undefined) {
    expect(report.problem.detail).toMatch(detail);
  }
}

/** Swaps the given columns between two rows, as an attacker with SQL access could. */
function swapColumns(a: number, b: number, columns: ReadonlyArray<string>): void {
  const read = db.prepare(`SELECT ${columns.join(', ')} FROM audit_log WHERE seq = ?`);
  const rowA = read.get(a) as Record<string, unknown>;
  const rowB = read.get(b) as Record<string, unknown>;
  const write = db.prepare(`UPDATE audit_log SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE seq = @seq`);
  write.run({ ...rowB, seq: a });
  write.run({ ...rowA, seq: b });
}

const ALL_COLUMNS = ['event_time', 'event_name', 'request_id', 'error_code', 'record', 'prev_hash', 'hash'];

describe('AuditLog append', () => {
  it('starts empty', () => {
    expect(log.head()).toBeNull();
    expect(log.count()).toBe(0);
    expect(log.verify()).toEqual({ ok: true, records: 0, headHash: null });
  });

  it('chains records from the genesis hash and stores the canonical text and index columns', () => {
    const first = log.append(makeRecord(1));
    const second = log.append(makeRecord(3));
    expect(first.seq).toBe(1);
    expect(second.seq).toBe(2);
    const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Array<Record<string, unknown>>;
    expect(rows[0]).toMatchObject({ seq: 1, event_name: 'Decrypt', request_id: 'req-1', error_code: null });
    expect(rows[0]?.['record']).toBe(canonicalJson(makeRecordWithId(1, rows[0])));
    expect(hashesEqual(rows[0]?.['prev_hash'] as Uint8Array, GENESIS_HASH)).toBe(true);
    expect(hashesEqual(rows[1]?.['prev_hash'] as Uint8Array, first.hash)).toBe(true);
    expect(rows[1]).toMatchObject({ error_code: 'NotFoundException', event_time: Date.parse('2026-01-01T00:00:04Z') });
    expect(hashesEqual(chainHash(first.hash, 2, rows[1]?.['record'] as string), second.hash)).toBe(true);
    expect(log.head()).toEqual({ seq: 2, hash: new Uint8Array(second.hash) });
  });

  it('commits or rolls back with the caller’s transaction', () => {
    log.append(makeRecord(1));
    expect(() =>
      db.transaction(() => {
        log.append(makeRecord(2));
        throw new Error('the operation failed after auditing');
      }).immediate(),
    ).toThrow('the operation failed');
    expect(log.count()).toBe(1);
    db.transaction(() => log.append(makeRecord(2))).immediate();
    expect(log.count()).toBe(2);
    expect(log.verify().ok).toBe(true);
  });

  it('refuses a record holding bytes and writes nothing', () => {
    const record = makeRecord(1);
    const poisoned = { ...record, requestParameters: { plaintext: new Uint8Array([1, 2, 3]) } } as unknown as AuditRecord;
    expect(() => log.append(poisoned)).toThrow(AuditRecordError);
    expect(log.count()).toBe(0);
    expect(db.inTransaction).toBe(false);
  });

  it('keeps one chain when two connections append in turn', () => {
    const other = openDatabase(join(dir, 'strongroom.db'));
    try {
      const otherLog = new AuditLog(other);
      for (let i = 1; i <= 20; i++) {
        (i % 2 === 0 ? otherLog : log).append(makeRecord(i));
      }
      expect(log.verify()).toMatchObject({ ok: true, records: 20 });
      expect(otherLog.head()?.seq).toBe(20);
    } finally {
      other.close();
    }
  });

  it('keeps one chain when several processes append at once', async () => {
    const script = join(dir, 'appender.mjs');
    const url = (p: string) => pathToFileURL(join(import.meta.dirname, p)).href;
    writeFileSync(
      script,
      `import { openDatabase } from ${JSON.stringify(url('../../electron/kms/store/database.ts'))};
       import { AuditLog } from ${JSON.stringify(url('../../electron/kms/audit/log.ts'))};
       import { buildRecord } from ${JSON.stringify(url('../../electron/kms/audit/record.ts'))};
       const [dbPath, worker] = process.argv.slice(2);
       const db = openDatabase(dbPath);
       db.pragma('synchronous = OFF');
       const log = new AuditLog(db);
       for (let i = 0; i < 150; i++) {
         log.append(buildRecord({ eventName: 'Encrypt', eventTimeMs: Date.now(), requestId: worker + '-' + i,
           caller: null, accountId: '${ACCOUNT}', region: 'local-1', readOnly: true,
           requestParameters: null, responseElements: null, resourceArns: [] }));
       }
       db.close();`,
    );
    const children = [0, 1, 2, 3].map(
      (w) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, [script, join(dir, 'strongroom.db'), `w${w}`], { stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(stderr) : reject(new Error(`appender exited ${code}: ${stderr}`))));
        }),
    );
    await Promise.all(children);
    expect(log.verify()).toMatchObject({ ok: true, records: 600 });
    expect(new Set(log.list({ limit: 1000 }).map((r) => r.record.requestID)).size).toBe(600);
  });
});

/** makeRecord(i) with the random eventID the stored row got, to compare stored text exactly. */
function makeRecordWithId(i: number, row: Record<string, unknown> | undefined): AuditRecord {
  const stored = JSON.parse(String(row?.['record'])) as AuditRecord;
  return { ...makeRecord(i), eventID: stored.eventID };
}

describe('AuditLog verify', () => {
  const N = 10;
  beforeEach(() => appendMany(N));

  it('accepts an untouched log and reports its head', () => {
    const report = log.verify();
    expect(report).toEqual({ ok: true, records: N, headHash: log.head()?.hash });
  });

  for (const seq of [1, 5, N]) {
    it(`finds an edited record text at seq ${seq}`, () => {
      const text = (db.prepare('SELECT record FROM audit_log WHERE seq = ?').get(seq) as { record: string }).record;
      run('UPDATE audit_log SET record = ? WHERE seq = ?', text.replace(`"alias/k${seq}"`, '"alias/other"'), seq);
      expectProblem(log.verify(), 'edited', seq, new RegExp(`record ${seq} was edited: its hash does not match its contents`));
    });

    it(`finds an edited hash at seq ${seq}`, () => {
      run('UPDATE audit_log SET hash = ? WHERE seq = ?', new Uint8Array(32).fill(7), seq);
      expectProblem(log.verify(), 'edited', seq);
    });

    it(`finds an edited prev_hash at seq ${seq}`, () => {
      run('UPDATE audit_log SET prev_hash = ? WHERE seq = ?', new Uint8Array(32).fill(9), seq);
      expectProblem(log.verify(), 'broken-link', seq);
    });

    for (const [column, value] of [
      ['event_name', 'ScheduleKeyDeletion'],
      ['request_id', 'forged'],
      ['error_code', 'AccessDeniedException'],
      ['event_time', START - 86_400_000],
    ] as const) {
      it(`finds an edited ${column} column at seq ${seq}`, () => {
        run(`UPDATE audit_log SET ${column} = ? WHERE seq = ?`, value, seq);
        expectProblem(log.verify(), 'index-mismatch', seq, new RegExp(column));
      });
    }
  }

  it('finds a cleared error_code (a failure made to look like a success)', () => {
    run('UPDATE audit_log SET error_code = NULL WHERE seq = 3');
    expectProblem(log.verify(), 'index-mismatch', 3, /error_code/);
  });

  it('finds a hash column of the wrong size', () => {
    run('UPDATE audit_log SET hash = ? WHERE seq = 4', new Uint8Array(31));
    expectProblem(log.verify(), 'edited', 4);
  });

  it('finds a deleted middle record', () => {
    run('DELETE FROM audit_log WHERE seq = 5');
    expectProblem(log.verify(), 'missing', 5, /^record 5 is missing \(deleted\)$/);
  });

  it('finds a deleted run of records', () => {
    run('DELETE FROM audit_log WHERE seq BETWEEN 4 AND 7');
    expectProblem(log.verify(), 'missing', 4, /^records 4\.\.7 are missing \(deleted\)$/);
  });

  it('finds deleted first records', () => {
    run('DELETE FROM audit_log WHERE seq = 1');
    expectProblem(log.verify(), 'missing', 1, /record 1 is missing/);
    run('DELETE FROM audit_log WHERE seq = 2');
    expectProblem(log.verify(), 'missing', 1, /records 1\.\.2 are missing/);
  });

  it('cannot see records deleted from the end without an expected head, and can with one', () => {
    const head = log.head();
    expect(head).not.toBeNull();
    run('DELETE FROM audit_log WHERE seq >= 9');
    expect(log.verify()).toMatchObject({ ok: true, records: 8 });
    const report = log.verify({ expectedHead: head ?? undefined });
    expectProblem(report, 'missing', 9, /records 9\.\.10 are missing \(deleted from the end\)/);
  });

  it('finds two records whose contents were swapped, at the first of them', () => {
    swapColumns(3, 7, ALL_COLUMNS);
    expectProblem(log.verify(), 'reordered', 3, /record 3 is out of order.*seq 6/);
  });

  it('finds two adjacent records swapped', () => {
    swapColumns(5, 6, ALL_COLUMNS);
    expectProblem(log.verify(), 'reordered', 5, /record 5 is out of order.*seq 6/);
  });

  it('finds the first record moved', () => {
    swapColumns(1, 2, ALL_COLUMNS);
    expectProblem(log.verify(), 'reordered', 1, /record 1 is out of order/);
    swapColumns(1, 2, ALL_COLUMNS);
    swapColumns(1, 4, ALL_COLUMNS);
    expectProblem(log.verify(), 'reordered', 1);
  });

  it('finds a record holding the genesis link away from the start', () => {
    run('UPDATE audit_log SET prev_hash = ? WHERE seq = 6', GENESIS_HASH);
    expectProblem(log.verify(), 'reordered', 6, /genesis/);
  });

  it('finds rows whose sequence numbers were swapped', () => {
    run('UPDATE audit_log SET seq = -2 WHERE seq = 2');
    run('UPDATE audit_log SET seq = 2 WHERE seq = 8');
    run('UPDATE audit_log SET seq = 8 WHERE seq = -2');
    expectProblem(log.verify(), 'reordered', 2, /record 2 is out of order/);
  });

  it('finds record texts swapped without their hashes, at the first of them', () => {
    swapColumns(2, 3, ['record', 'event_time', 'event_name', 'request_id', 'error_code']);
    expectProblem(log.verify(), 'edited', 2);
  });

  it('finds a renumbered row below 1', () => {
    run('UPDATE audit_log SET seq = 0 WHERE seq = 1');
    expect(log.verify()).toMatchObject({ ok: false, records: 0, problem: { kind: 'edited', seq: 0 } });
  });

  it('finds a record rewritten with its hash recomputed, at the next link', () => {
    const row = db.prepare('SELECT record, prev_hash FROM audit_log WHERE seq = 5').get() as { record: string; prev_hash: Uint8Array };
    const forged = row.record.replace('"alias/k5"', '"alias/forged"');
    run('UPDATE audit_log SET record = ?, hash = ? WHERE seq = 5', forged, chainHash(row.prev_hash, 5, forged));
    expectProblem(log.verify(), 'broken-link', 6, /record 6 does not link to record 5/);
  });

  it('finds a tail rewritten with recomputed hashes only against an expected head', () => {
    const head = log.head() ?? undefined;
    let prev = (db.prepare('SELECT hash FROM audit_log WHERE seq = 7').get() as { hash: Uint8Array }).hash;
    for (let seq = 8; seq <= N; seq++) {
      const text = (db.prepare('SELECT record FROM audit_log WHERE seq = ?').get(seq) as { record: string }).record.replace(
        'strongroom-test',
        'forger',
      );
      const hash = chainHash(prev, seq, text);
      run('UPDATE audit_log SET record = ?, prev_hash = ?, hash = ? WHERE seq = ?', text, prev, hash, seq);
      prev = hash;
    }
    expect(log.verify().ok).toBe(true);
    expectProblem(log.verify({ expectedHead: head }), 'edited', N, /expected head/);
  });

  it('reports progress on long logs', () => {
    appendMany(25_000 - N);
    const seen: Array<number> = [];
    expect(log.verify({ onProgress: (n) => seen.push(n) }).ok).toBe(true);
    expect(seen).toEqual([10_000, 20_000]);
  });
});

describe('AuditLog list', () => {
  beforeEach(() => appendMany(30));

  it('lists newest first, pages with beforeSeq and filters', () => {
    const page = log.list({ limit: 5 });
    expect(page.map((r) => r.seq)).toEqual([30, 29, 28, 27, 26]);
    expect(page[0]?.record.requestID).toBe('req-30');
    expect(log.list({ limit: 3, beforeSeq: 26 }).map((r) => r.seq)).toEqual([25, 24, 23]);
    const encrypts = log.list({ eventName: 'Encrypt' });
    expect(encrypts.length).toBe(6);
    expect(encrypts.every((r) => r.record.eventName === 'Encrypt')).toBe(true);
    const errors = log.list({ errorsOnly: true, beforeSeq: 20 });
    expect(errors.map((r) => r.seq)).toEqual([19, 15, 11, 7, 3]);
    expect(errors.every((r) => r.record.errorCode === 'NotFoundException')).toBe(true);
    // Decrypt is every i ≡ 1 (mod 5), failures every i ≡ 3 (mod 4): only 11 is both.
    expect(log.list({ eventName: 'Decrypt', errorsOnly: true }).map((r) => r.seq)).toEqual([11]);
    expect(log.count()).toBe(30);
  });

  it('caps and checks the limit', () => {
    appendMany(1200);
    expect(log.list({ limit: 5000 })).toHaveLength(1000);
    expect(log.list()).toHaveLength(100);
    expect(() => log.list({ limit: 0 })).toThrow(RangeError);
    expect(() => log.list({ limit: 1.5 })).toThrow(RangeError);
  });
});

describe('AuditLog at scale', () => {
  it('appends and verifies 20,000 records', () => {
    appendMany(20_000);
    expect(log.count()).toBe(20_000);
    expect(log.verify()).toMatchObject({ ok: true, records: 20_000 });
    run('UPDATE audit_log SET request_id = ? WHERE seq = 19999', 'x');
    expectProblem(log.verify(), 'index-mismatch', 19_999);
  });
});
