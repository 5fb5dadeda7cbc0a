import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../electron/kms/audit/canonical.ts';
import { chainHash, GENESIS_HASH, hashesEqual, hashHex } from '../../electron/kms/audit/chain.ts';
import { CheckpointSigner } from '../../electron/kms/audit/checkpoints.ts';
import { AuditLog, type VerifyReport } from '../../electron/kms/audit/log.ts';
import { AuditRecordError, buildRecord, type AuditRecord } from '../../electron/kms/audit/record.ts';
import type { AuditProblemKind } from '../../electron/kms/audit/verify.ts';
import { ownerCaller } from '../../electron/kms/iam/caller.ts';
import { SerializationException, ValidationException } from '../../electron/kms/errors.ts';
import { openDatabase, type Db } from '../../electron/kms/store/database.ts';

const ACCOUNT = '111122223333';
const INSTALLATION = 'inst-audit-log-test';
const START = Date.UTC(2026, 0, 1);
const NAMES = ['Encrypt', 'Decrypt', 'CreateKey', 'DescribeKey', 'GenerateDataKey'];
const ROOT_KEY = new Uint8Array(32).fill(0x5a);

function keyArn(i: number): string {
  return `arn:aws:kms:local-1:${ACCOUNT}:key/00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

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
    // Every seventh record names two keys (as ReEncrypt does), so key_id2 is exercised too.
    resourceArns: i % 7 === 0 ? [keyArn(i), keyArn(i + 1)] : [keyArn(i)],
    ...(failed ? { error: { name: 'NotFoundException', message: `Key ${i} not found.` } } : {}),
  });
}

let dir: string;
let dbPath: string;
let db: Db;
let log: AuditLog;

/** verify() checks checkpoints against the installation row's id, so a bare database needs one. */
function insertInstallation(target: Db): void {
  target
    .prepare(
      `INSERT INTO installation (id, installation_id, account_id, region, created_at, root_key_provider, root_key_params, root_key_check)
       VALUES (1, ?, ?, 'local-1', ?, 'memory', '{}', zeroblob(32))`,
    )
    .run(INSTALLATION, ACCOUNT, START);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strongroom-audit-'));
  dbPath = join(dir, 'strongroom.db');
  db = openDatabase(dbPath);
  insertInstallation(db);
  log = new AuditLog(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A second AuditLog on the same database that can sign checkpoints (as an open engine's can). */
function signingLog(everyRecords = 1000): AuditLog {
  const signer = new CheckpointSigner(db, ROOT_KEY, INSTALLATION, START, { everyRecords, everyMs: 3_600_000 });
  return new AuditLog(db, { signer, now: () => START + 3_600_000 });
}

function appendMany(n: number, target: AuditLog = log): void {
  db.transaction(() => {
    for (let i = 1; i <= n; i++) {
      target.append(makeRecord(i));
    }
  }).immediate();
}

function run(sql: string, ...args: Array<unknown>): void {
  db.prepare(sql).run(...args);
}

function recordText(seq: number): string {
  return (db.prepare('SELECT record FROM audit_log WHERE seq = ?').get(seq) as { record: string }).record;
}

function hashOf(seq: number): Uint8Array {
  return (db.prepare('SELECT hash FROM audit_log WHERE seq = ?').get(seq) as { hash: Uint8Array }).hash;
}

/** Closes and reopens the database (after a writable_schema edit SQLite needs a fresh connection). */
function reopen(): void {
  db.close();
  db = openDatabase(dbPath);
  log = new AuditLog(db);
}

function expectProblem(report: VerifyReport, kind: AuditProblemKind, seq: number, detail?: RegExp): void {
  expect(report.ok).toBe(false);
  expect(report.problem?.kind).toBe(kind);
  expect(report.problem?.seq).toBe(seq);
  expect(report.records).toBe(seq - 1);
  if (detail !== undefined) {
    expect(report.problem?.detail).toMatch(detail);
  }
}

function expectSchemaAltered(report: VerifyReport, detail: RegExp): void {
  expect(report).toMatchObject({ ok: false, records: 0, firstSeq: null, lastSeq: null, headHash: null });
  expect(report.problem).toEqual({ kind: 'schema-altered', detail: expect.stringMatching(detail) as unknown });
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

/** Every stored column: the generated ones follow the record text. */
const ALL_COLUMNS = ['record', 'prev_hash', 'hash'];
const GENERATED_COLUMNS = ['event_time', 'event_name', 'request_id', 'error_code', 'principal', 'key_id', 'key_id2'];

/** makeRecord(i) with the random eventID the stored row got, to compare stored text exactly. */
function makeRecordWithId(i: number, row: Record<string, unknown> | undefined): AuditRecord {
  const stored = JSON.parse(String(row?.['record'])) as AuditRecord;
  return { ...makeRecord(i), eventID: stored.eventID };
}

describe('AuditLog append', () => {
  it('starts empty', () => {
    expect(log.head()).toBeNull();
    expect(log.count()).toBe(0);
    expect(log.verify()).toEqual({
      ok: true,
      records: 0,
      firstSeq: null,
      lastSeq: null,
      headHash: null,
      archivedThrough: null,
      checkpoints: { count: 0, keyFingerprint: null, trust: 'no-key', lastMatched: null },
      unsignedRecords: 0,
    });
  });

  it('chains records from the genesis hash, stores the canonical text and computes the index columns from it', () => {
    const first = log.append(makeRecord(1));
    const second = log.append(makeRecord(3));
    const third = log.append(makeRecord(7));
    expect([first.seq, second.seq, third.seq]).toEqual([1, 2, 3]);
    const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Array<Record<string, unknown>>;
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual([...ALL_COLUMNS, ...GENERATED_COLUMNS, 'seq', 'indexed'].sort());
    expect(rows[0]).toMatchObject({
      seq: 1,
      event_time: '2026-01-01T00:00:01Z',
      event_name: 'Decrypt',
      request_id: 'req-1',
      error_code: null,
      principal: `arn:aws:iam::${ACCOUNT}:root`,
      key_id: '00000000-0000-4000-8000-000000000001',
      key_id2: null,
    });
    expect(rows[0]?.['record']).toBe(canonicalJson(makeRecordWithId(1, rows[0])));
    expect(hashesEqual(rows[0]?.['prev_hash'] as Uint8Array, GENESIS_HASH)).toBe(true);
    expect(hashesEqual(rows[1]?.['prev_hash'] as Uint8Array, first.hash)).toBe(true);
    // event_time is the record's ISO text (second precision), not milliseconds.
    expect(rows[1]).toMatchObject({ error_code: 'NotFoundException', event_time: '2026-01-01T00:00:04Z' });
    expect(rows[2]).toMatchObject({ key_id: '00000000-0000-4000-8000-000000000007', key_id2: '00000000-0000-4000-8000-000000000008' });
    expect(hashesEqual(chainHash(first.hash, 2, rows[1]?.['record'] as string), second.hash)).toBe(true);
    expect(log.head()).toEqual({ seq: 3, hash: new Uint8Array(third.hash) });
  });

  it('refuses a record naming more than two keys (it could not be fully indexed)', () => {
    const record = { ...makeRecord(1), resources: [1, 2, 3].map((i) => ({ accountId: ACCOUNT, type: 'AWS::KMS::Key' as const, ARN: keyArn(i) })) };
    expect(() => log.append(record)).toThrow(/CHECK constraint/);
    expect(log.count()).toBe(0);
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
    const other = openDatabase(dbPath);
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
          const child = spawn(process.execPath, [script, dbPath, `w${w}`], { stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(stderr) : reject(new Error(`appender exited ${code}: ${stderr}`))));
        }),
    );
    await Promise.all(children);
    expect(log.verify()).toMatchObject({ ok: true, records: 600 });
    expect(new Set(log.list({ MaxResults: 1000 }).map((r) => r.record.requestID)).size).toBe(600);
  });
});

describe('AuditLog verify', () => {
  const N = 10;
  beforeEach(() => appendMany(N));

  it('accepts an untouched log and reports its head', () => {
    const head = log.head();
    expect(head).not.toBeNull();
    expect(log.verify()).toEqual({
      ok: true,
      records: N,
      firstSeq: 1,
      lastSeq: N,
      headHash: hashHex(head?.hash ?? new Uint8Array()),
      archivedThrough: null,
      checkpoints: { count: 0, keyFingerprint: null, trust: 'no-key', lastMatched: null },
      unsignedRecords: N,
    });
  });

  for (const seq of [1, 5, N]) {
    it(`finds an edited record text at seq ${seq}`, () => {
      run('UPDATE audit_log SET record = ? WHERE seq = ?', recordText(seq).replace(`"alias/k${seq}"`, '"alias/other"'), seq);
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

    // The index columns are computed by SQLite from the record text: there is nothing to edit
    // apart from the record itself, which the chain covers.
    for (const [column, value] of [
      ['event_name', 'ScheduleKeyDeletion'],
      ['request_id', 'forged'],
      ['error_code', 'AccessDeniedException'],
      ['event_time', '2025-12-31T00:00:00Z'],
      ['principal', 'arn:aws:iam::999999999999:root'],
      ['key_id', 'someone-else'],
      ['key_id2', 'someone-else'],
    ] as const) {
      it(`cannot edit the ${column} column at seq ${seq}: SQLite refuses to UPDATE a generated column`, () => {
        const before = db.prepare(`SELECT ${column} AS v FROM audit_log WHERE seq = ?`).get(seq);
        expect(() => run(`UPDATE audit_log SET ${column} = ? WHERE seq = ?`, value, seq)).toThrow(`cannot UPDATE generated column "${column}"`);
        expect(db.prepare(`SELECT ${column} AS v FROM audit_log WHERE seq = ?`).get(seq)).toEqual(before);
        expect(log.verify()).toMatchObject({ ok: true, records: N });
      });
    }
  }

  it('cannot insert a row with its own index column values', () => {
    const text = canonicalJson(makeRecord(N + 1));
    const hash = chainHash(hashOf(N), N + 1, text);
    expect(() =>
      run('INSERT INTO audit_log (seq, record, prev_hash, hash, event_name) VALUES (?, ?, ?, ?, ?)', N + 1, text, hashOf(N), hash, 'DescribeKey'),
    ).toThrow(/cannot INSERT into generated column "event_name"/);
    expect(log.count()).toBe(N);
  });

  it('cannot clear error_code (a failure made to look like a success) without editing the record, which the chain catches', () => {
    expect(() => run('UPDATE audit_log SET error_code = NULL WHERE seq = 3')).toThrow('cannot UPDATE generated column "error_code"');
    const record = JSON.parse(recordText(3)) as Record<string, unknown>;
    expect(record['errorCode']).toBe('NotFoundException');
    delete record['errorCode'];
    delete record['errorMessage'];
    run('UPDATE audit_log SET record = ? WHERE seq = 3', canonicalJson(record));
    // The query now shows a success: the index followed the edited text…
    expect(db.prepare('SELECT error_code FROM audit_log WHERE seq = 3').get()).toEqual({ error_code: null });
    expect(log.list({ Outcome: 'Failure' }).map((r) => r.seq)).toEqual([7]);
    // …and verify names the record.
    expectProblem(log.verify(), 'edited', 3, /record 3 was edited/);
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

  it('cannot see records deleted from the end without a checkpoint', () => {
    run('DELETE FROM audit_log WHERE seq >= 9');
    expect(log.verify()).toMatchObject({ ok: true, records: 8, lastSeq: 8, unsignedRecords: 8 });
  });

  it('finds records deleted from the end after a checkpoint signed them', () => {
    const checkpoint = signingLog().checkpoint('request');
    expect(checkpoint.body).toMatchObject({ number: 1, headSeq: N, headHash: hashHex(hashOf(N)) });
    expect(log.verify()).toMatchObject({ ok: true, unsignedRecords: 0, checkpoints: { count: 1, lastMatched: { number: 1, headSeq: N } } });
    run('DELETE FROM audit_log WHERE seq >= 9');
    const report = log.verify();
    expectProblem(report, 'truncated', 9, /checkpoint 1 signed record 10, but the log ends at record 8 \(records 9\.\.10 are gone\)/);
    expect(report.problem?.checkpoint).toBe(1);
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

  it('finds record texts swapped without their hashes (the index columns follow the text), at the first of them', () => {
    swapColumns(2, 3, ['record']);
    expect(db.prepare('SELECT event_name, request_id FROM audit_log WHERE seq = 2').get()).toEqual({ event_name: NAMES[3], request_id: 'req-3' });
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

  /** Rewrites records from..N with recomputed hashes: a chain that verifies on its own. */
  function rewriteTail(from: number): void {
    let prev = hashOf(from - 1);
    for (let seq = from; seq <= N; seq++) {
      const text = recordText(seq).replace('strongroom-test', 'forger');
      const hash = chainHash(prev, seq, text);
      run('UPDATE audit_log SET record = ?, prev_hash = ?, hash = ? WHERE seq = ?', text, prev, hash, seq);
      prev = hash;
    }
  }

  it('cannot see a tail rewritten with recomputed hashes without a checkpoint', () => {
    rewriteTail(8);
    expect(log.verify()).toMatchObject({ ok: true, records: N });
  });

  it('finds a tail rewritten with recomputed hashes at the record a checkpoint signed', () => {
    const signer = signingLog();
    expect(signer.checkpoint('request', { seq: 7 }).body).toMatchObject({ number: 1, headSeq: 7 });
    expect(signer.checkpoint('request').body).toMatchObject({ number: 2, headSeq: N });
    rewriteTail(8);
    const report = log.verify();
    expectProblem(report, 'rewritten', N, /checkpoint 2 signed record 10 with another hash: records after record 7 \(checkpoint 1, which still matches\) up to 10 were rewritten/);
    expect(report.problem?.checkpoint).toBe(2);
    expect(report.checkpoints.lastMatched).toEqual({ number: 1, headSeq: 7 });
  });

  it('reports progress on long logs', () => {
    appendMany(25_000 - N);
    const seen: Array<number> = [];
    expect(log.verify({ onProgress: (n) => seen.push(n) }).ok).toBe(true);
    expect(seen).toEqual([10_000, 20_000]);
  });
});

describe('AuditLog schema', () => {
  beforeEach(() => appendMany(10));

  it('finds a trigger added on audit_log (one that silently drops new records)', () => {
    run('CREATE TRIGGER t BEFORE INSERT ON audit_log BEGIN SELECT RAISE(IGNORE); END');
    // The swallowed insert is refused, not reported as written.
    expect(() => log.append(makeRecord(11))).toThrow(/Audit record 11 was not stored; the audit tables were altered/);
    expect(log.count()).toBe(10);
    expectSchemaAltered(log.verify(), /unexpected trigger 't'.*added outside Strongroom/);
  });

  it('finds a trigger added on audit_log when the table name is spelled in another case', () => {
    // SQLite table names are case-insensitive: this trigger fires on audit_log, but sqlite_schema
    // records its tbl_name as written.
    run('CREATE TRIGGER t BEFORE INSERT ON AUDIT_LOG BEGIN SELECT RAISE(IGNORE); END');
    // The swallowed insert is refused, not reported as written.
    expect(() => log.append(makeRecord(11))).toThrow(/Audit record 11 was not stored; the audit tables were altered/);
    expect(log.count()).toBe(10);
    expectSchemaAltered(log.verify(), /unexpected trigger 't'/);
  });

  it('finds a trigger anywhere in the database (Strongroom defines none)', () => {
    run('CREATE TRIGGER t AFTER INSERT ON keys BEGIN DELETE FROM audit_log WHERE seq = 0; END');
    expectSchemaAltered(log.verify(), /unexpected trigger 't'/);
  });

  it('finds a trigger added on the checkpoints table', () => {
    run('CREATE TRIGGER t BEFORE DELETE ON audit_checkpoints BEGIN SELECT 1; END');
    expectSchemaAltered(log.verify(), /unexpected trigger 't'/);
  });

  it('finds a dropped index', () => {
    run('DROP INDEX audit_by_key');
    expectSchemaAltered(log.verify(), /'audit_by_key' is missing from the audit tables; it was dropped outside Strongroom/);
  });

  it('finds an index redefined under its own name', () => {
    run('DROP INDEX audit_by_error');
    run('CREATE INDEX audit_by_error ON audit_log (error_code, event_time) WHERE error_code IS NOT NULL AND event_name <> \'Decrypt\'');
    expectSchemaAltered(log.verify(), /the definition of index 'audit_by_error' was changed outside Strongroom/);
  });

  it('finds an added index', () => {
    run('CREATE INDEX audit_extra ON audit_log (request_id, seq)');
    expectSchemaAltered(log.verify(), /unexpected index 'audit_extra'/);
  });

  it('finds a generated column definition rewritten through writable_schema', () => {
    expect(db.prepare('SELECT error_code FROM audit_log WHERE seq = 3').get()).toEqual({ error_code: 'NotFoundException' });
    db.unsafeMode(true);
    db.exec(`PRAGMA writable_schema = ON;
      UPDATE sqlite_schema SET sql = replace(sql, '(record ->> ''$.errorCode'')', '(NULL)') WHERE name = 'audit_log';
      PRAGMA writable_schema = OFF;`);
    reopen();
    // The rewrite works: every failure now reads as a success…
    expect(db.prepare('SELECT error_code FROM audit_log WHERE seq = 3').get()).toEqual({ error_code: null });
    // …while every record still verifies against its hash; only the schema check sees it.
    expectSchemaAltered(log.verify(), /the definition of table 'audit_log' was changed outside Strongroom/);
  });
});

describe('AuditLog list', () => {
  beforeEach(() => appendMany(30));

  it('lists newest first, pages with NextToken and filters', () => {
    const page = log.list({ MaxResults: 5 });
    expect(page.map((r) => r.seq)).toEqual([30, 29, 28, 27, 26]);
    expect(page[0]?.record.requestID).toBe('req-30');
    const first = log.query({ MaxResults: 5 });
    expect(first.nextToken).toEqual(expect.any(String));
    expect(log.query({ MaxResults: 3, NextToken: first.nextToken }).records.map((r) => r.seq)).toEqual([25, 24, 23]);
    const encrypts = log.list({ EventName: 'Encrypt' });
    expect(encrypts.length).toBe(6);
    expect(encrypts.every((r) => r.record.eventName === 'Encrypt')).toBe(true);
    const errors = log.list({ Outcome: 'Failure' });
    expect(errors.map((r) => r.seq)).toEqual([27, 23, 19, 15, 11, 7, 3]);
    expect(errors.every((r) => r.record.errorCode === 'NotFoundException')).toBe(true);
    // Decrypt is every i ≡ 1 (mod 5), failures every i ≡ 3 (mod 4): only 11 is both.
    expect(log.list({ EventName: 'Decrypt', Outcome: 'Failure' }).map((r) => r.seq)).toEqual([11]);
    expect(log.list({ RequestId: 'req-17' }).map((r) => r.seq)).toEqual([17]);
    // Record 14 names keys 14 and 15 (key_id and key_id2).
    expect(log.list({ KeyId: '00000000-0000-4000-8000-000000000015' }).map((r) => r.seq)).toEqual([15, 14]);
    expect(log.count()).toBe(30);
  });

  it('caps and checks the limit', () => {
    appendMany(1200);
    expect(log.list({ MaxResults: 1000 })).toHaveLength(1000);
    expect(log.list()).toHaveLength(100);
    expect(() => log.list({ MaxResults: 5000 })).toThrow(ValidationException);
    expect(() => log.list({ MaxResults: 0 })).toThrow(ValidationException);
    expect(() => log.list({ MaxResults: 1.5 })).toThrow(SerializationException);
  });
});

describe('AuditLog at scale', () => {
  it('appends and verifies 20,000 records with count-based checkpoints', () => {
    const signing = signingLog(1000);
    appendMany(20_000, signing);
    expect(log.count()).toBe(20_000);
    expect(log.checkpoints().map((c) => c.body.headSeq)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 1000));
    expect(log.verify()).toMatchObject({
      ok: true,
      records: 20_000,
      unsignedRecords: 0,
      checkpoints: { count: 20, trust: 'installation-key', lastMatched: { number: 20, headSeq: 20_000 } },
    });
    run('UPDATE audit_log SET record = ? WHERE seq = 19999', recordText(19_999).replace('"req-19999"', '"x"'));
    expectProblem(log.verify(), 'edited', 19_999);
  });
});
