// Signed checkpoints on the live log: how they are made (every N records inside the append, on
// a timer, on request), what verify() reports with them, and the tamper suite — each change an
// attacker with write access to the database could make, reported with its kind and position,
// plus the limits of what a checkpoint can prove.

import { createPublicKey, generateKeyPairSync, sign, verify as verifySignature, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../electron/kms/audit/canonical.ts';
import { chainHash, hashHex } from '../../electron/kms/audit/chain.ts';
import {
  CHECKPOINT_FORMAT,
  checkpointFromJson,
  checkpointToJson,
  CheckpointSigner,
  publicKeyFingerprint,
  spkiOf,
  type Checkpoint,
  type CheckpointBody,
} from '../../electron/kms/audit/checkpoints.ts';
import { AuditLog, type VerifyReport } from '../../electron/kms/audit/log.ts';
import { buildRecord, type AuditRecord } from '../../electron/kms/audit/record.ts';
import type { AuditProblemKind } from '../../electron/kms/audit/verify.ts';
import { ownerCaller } from '../../electron/kms/iam/caller.ts';
import { openDatabase, type Db } from '../../electron/kms/store/database.ts';

const ACCOUNT = '111122223333';
const INSTALLATION = 'inst-checkpoints-test';
const START = Date.UTC(2026, 0, 1);
const ROOT_KEY = new Uint8Array(32).fill(0x11);
const EVERY_RECORDS = 5;
const EVERY_MS = 60_000;

function makeRecord(i: number): AuditRecord {
  return buildRecord({
    eventName: i % 2 === 0 ? 'Encrypt' : 'Decrypt',
    // Records are made 1.5 s apart (stored at second precision).
    eventTimeMs: START + i * 1500,
    requestId: `req-${i}`,
    eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    caller: ownerCaller(ACCOUNT, 'strongroom-test'),
    accountId: ACCOUNT,
    region: 'local-1',
    readOnly: true,
    requestParameters: { keyId: `alias/k${i}` },
    responseElements: null,
    resourceArns: [`arn:aws:kms:local-1:${ACCOUNT}:key/00000000-0000-4000-8000-${String(i).padStart(12, '0')}`],
  });
}

let dir: string;
let db: Db;
let clock: number;
let log: AuditLog;
let signer: CheckpointSigner;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strongroom-checkpoints-'));
  db = openDatabase(join(dir, 'strongroom.db'));
  db.pragma('synchronous = OFF');
  db.prepare(
    `INSERT INTO installation (id, installation_id, account_id, region, created_at, root_key_provider, root_key_params, root_key_check)
     VALUES (1, ?, ?, 'local-1', ?, 'memory', '{}', zeroblob(32))`,
  ).run(INSTALLATION, ACCOUNT, START);
  clock = START + 3_600_000;
  signer = new CheckpointSigner(db, ROOT_KEY, INSTALLATION, clock, { everyRecords: EVERY_RECORDS, everyMs: EVERY_MS });
  log = new AuditLog(db, { signer, now: () => clock });
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Appends makeRecord(from..to) one by one (each append decides on its own checkpoint). */
function appendRange(from: number, to: number): Array<Uint8Array> {
  const hashes: Array<Uint8Array> = [];
  db.transaction(() => {
    for (let i = from; i <= to; i++) {
      hashes.push(log.append(makeRecord(i)).hash);
    }
  }).immediate();
  return hashes;
}

function run(sql: string, ...args: Array<unknown>): void {
  db.prepare(sql).run(...args);
}

function row(seq: number): { record: string; prev_hash: Uint8Array; hash: Uint8Array } {
  return db.prepare('SELECT record, prev_hash, hash FROM audit_log WHERE seq = ?').get(seq) as { record: string; prev_hash: Uint8Array; hash: Uint8Array };
}

function hashOf(seq: number): Uint8Array {
  return row(seq).hash;
}

function storedPublicKey(): KeyObject {
  const stored = log.publicKey();
  if (stored === null) {
    throw new Error('the installation has no audit public key');
  }
  return createPublicKey({ key: Buffer.from(stored.spki), format: 'der', type: 'spki' });
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** Signs a checkpoint body as an attacker holding `privateKey` would. */
function forge(body: CheckpointBody, privateKey: KeyObject): Checkpoint {
  const bodyText = canonicalJson(body);
  return { body, bodyText, signature: new Uint8Array(sign('sha256', Buffer.from(bodyText), { key: privateKey, dsaEncoding: 'ieee-p1363' })) };
}

function attackerKeyPair(): { privateKey: KeyObject; publicKey: KeyObject; fingerprint: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, fingerprint: publicKeyFingerprint(spkiOf(publicKey)) };
}

function writeCheckpoint(checkpoint: Checkpoint): void {
  run('INSERT OR REPLACE INTO audit_checkpoints (number, body, signature) VALUES (?, ?, ?)', checkpoint.body.number, checkpoint.bodyText, Buffer.from(checkpoint.signature));
}

/** Rewrites records from..last with a change and recomputed hashes, as one with SQL access and the chain code can. */
function rechain(from: number, edit: (text: string, seq: number) => string = (text) => text.replace('strongroom-test', 'forger')): void {
  const last = log.head()?.seq ?? 0;
  let prev = hashOf(from - 1);
  for (let seq = from; seq <= last; seq++) {
    const text = edit(row(seq).record, seq);
    const hash = chainHash(prev, seq, text);
    run('UPDATE audit_log SET record = ?, prev_hash = ?, hash = ? WHERE seq = ?', text, prev, hash, seq);
    prev = hash;
  }
}

type Expected = { kind: AuditProblemKind; seq?: number; checkpoint?: number; detail: RegExp };

/** The report's problem is exactly this kind at exactly these positions. */
function expectProblem(report: VerifyReport, expected: Expected): void {
  expect(report.ok).toBe(false);
  expect(report.problem).toEqual({
    kind: expected.kind,
    ...(expected.seq === undefined ? {} : { seq: expected.seq }),
    ...(expected.checkpoint === undefined ? {} : { checkpoint: expected.checkpoint }),
    detail: expect.stringMatching(expected.detail) as unknown,
  });
  if (expected.seq !== undefined) {
    expect(report.records).toBe(expected.seq - 1);
  }
}

describe('making checkpoints', () => {
  it('signs every N records inside the append: numbered, chained and verifiable with node:crypto against the stored key', () => {
    const hashes = appendRange(1, 12);
    const checkpoints = log.checkpoints();
    expect(checkpoints.map((c) => c.body.number)).toEqual([1, 2]);
    expect(checkpoints.map((c) => c.body.headSeq)).toEqual([5, 10]);
    const stored = log.publicKey();
    expect(stored?.fingerprint).toBe(signer.fingerprint);
    expect(stored?.fingerprint).toBe(publicKeyFingerprint(stored?.spki ?? new Uint8Array()));
    const publicKey = storedPublicKey();
    expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const [first, second] = checkpoints;
    expect(first?.body).toEqual({
      format: CHECKPOINT_FORMAT,
      installationId: INSTALLATION,
      number: 1,
      headSeq: 5,
      headHash: hashHex(hashes[4] ?? new Uint8Array()),
      createdAt: new Date(clock).toISOString(),
      reason: 'count',
      previousSignature: null,
      signingKey: signer.fingerprint,
    });
    expect(second?.body).toMatchObject({ number: 2, headSeq: 10, headHash: hashHex(hashes[9] ?? new Uint8Array()), previousSignature: base64(first?.signature ?? new Uint8Array()) });
    for (const checkpoint of checkpoints) {
      expect(checkpoint.bodyText).toBe(canonicalJson(checkpoint.body));
      expect(checkpoint.signature).toHaveLength(64);
      expect(verifySignature('sha256', Buffer.from(checkpoint.bodyText), { key: publicKey, dsaEncoding: 'ieee-p1363' }, checkpoint.signature)).toBe(true);
      const altered = checkpoint.bodyText.replace(`"headSeq":${checkpoint.body.headSeq}`, `"headSeq":${checkpoint.body.headSeq + 1}`);
      expect(verifySignature('sha256', Buffer.from(altered), { key: publicKey, dsaEncoding: 'ieee-p1363' }, checkpoint.signature)).toBe(false);
    }
    expect(db.prepare('SELECT number, head_seq, body FROM audit_checkpoints ORDER BY number').all()).toEqual(
      checkpoints.map((c) => ({ number: c.body.number, head_seq: c.body.headSeq, body: c.bodyText })),
    );
  });

  it('counts from the newest checkpoint, whatever made it', () => {
    appendRange(1, 3);
    expect(log.checkpoint('request').body).toMatchObject({ number: 1, headSeq: 3, reason: 'request' });
    appendRange(4, 7);
    expect(log.checkpoints()).toHaveLength(1);
    appendRange(8, 8);
    expect(log.checkpoints().map((c) => [c.body.headSeq, c.body.reason])).toEqual([
      [3, 'request'],
      [8, 'count'],
    ]);
  });

  it('shares the count across AuditLog instances (another process) through the table', () => {
    appendRange(1, 3);
    const other = new AuditLog(db, { signer, now: () => clock });
    other.append(makeRecord(4));
    other.append(makeRecord(5));
    appendRange(6, 10);
    expect(log.checkpoints().map((c) => c.body.headSeq)).toEqual([5, 10]);
  });

  it('rolls a count checkpoint back with the append that made it, and makes it again when the record is appended again', () => {
    appendRange(1, 4);
    expect(() =>
      db.transaction(() => {
        log.append(makeRecord(5));
        expect(log.checkpoints().map((c) => c.body.headSeq)).toEqual([5]);
        throw new Error('the operation failed after auditing');
      }).immediate(),
    ).toThrow('the operation failed');
    expect(log.count()).toBe(4);
    expect(log.checkpoints()).toEqual([]);
    appendRange(5, 5);
    // The policy: a checkpoint at least every EVERY_RECORDS records, rollback or not.
    expect(log.checkpoints().map((c) => c.body.headSeq)).toEqual([5]);
    expect(log.verify()).toMatchObject({ ok: true, unsignedRecords: 0 });
  });

  it('signs on a timer: checkpointIfDue signs once the oldest unsigned record is older than everyMs', () => {
    appendRange(1, 3);
    // Record 1's event time is START + 1 s.
    clock = START + 1000 + EVERY_MS - 1;
    expect(log.checkpointIfDue()).toBeNull();
    clock = START + 1000 + EVERY_MS;
    const first = log.checkpointIfDue();
    expect(first?.body).toMatchObject({ number: 1, headSeq: 3, reason: 'time', createdAt: new Date(clock).toISOString() });
    expect(log.checkpointIfDue()).toBeNull();
    appendRange(4, 4);
    // Record 4's event time is START + 6 s: not due until 6 s + everyMs.
    expect(log.checkpointIfDue()).toBeNull();
    clock = START + 6000 + EVERY_MS;
    const second = log.checkpointIfDue();
    expect(second?.body).toMatchObject({ number: 2, headSeq: 4, reason: 'time', previousSignature: base64(first?.signature ?? new Uint8Array()) });
    // The next count checkpoint is EVERY_RECORDS after the time-based one.
    appendRange(5, 9);
    expect(log.checkpoints().map((c) => [c.body.headSeq, c.body.reason])).toEqual([
      [3, 'time'],
      [4, 'time'],
      [9, 'count'],
    ]);
    expect(log.verify()).toMatchObject({ ok: true, unsignedRecords: 0, checkpoints: { count: 3, lastMatched: { number: 3, headSeq: 9 } } });
  });

  it('signs on request: the head, an earlier record, or the existing checkpoint when it already signs the head', () => {
    appendRange(1, 7);
    const requested = log.checkpoint('request');
    expect(requested.body).toMatchObject({ number: 2, headSeq: 7, reason: 'request' });
    expect(log.checkpoint('request')).toEqual(requested);
    expect(log.checkpoint('export', { force: true }).body).toMatchObject({ number: 3, headSeq: 7, reason: 'export' });
    expect(log.checkpoint('export', { seq: 2 }).body).toMatchObject({ number: 4, headSeq: 2, headHash: hashHex(hashOf(2)) });
    expect(() => log.checkpoint('request', { seq: 8 })).toThrow(RangeError);
    expect(log.checkpoints()).toHaveLength(4);
    expect(log.verify()).toMatchObject({ ok: true, records: 7, checkpoints: { count: 4 } });
  });

  it('counts no record as unsigned that a checkpoint signed, when the newest checkpoint signs an earlier record (an export of a range)', () => {
    appendRange(1, 7);
    log.checkpoint('request');
    // An export of records up to 2 ends with a checkpoint signing record 2 (archive.ts).
    expect(log.checkpoint('export', { seq: 2 }).body).toMatchObject({ number: 3, headSeq: 2 });
    // Records 1..7 are all signed (checkpoint 2 signs record 7).
    expect(log.verify()).toMatchObject({ ok: true, records: 7, unsignedRecords: 0 });
  });

  it('needs the signer: a log opened without the root key reads checkpoints but cannot make them', () => {
    appendRange(1, 5);
    const reader = new AuditLog(db);
    expect(reader.checkpointIfDue()).toBeNull();
    expect(() => reader.checkpoint('request')).toThrow(/opened without the root key/);
    expect(reader.checkpoints()).toHaveLength(1);
    expect(reader.verify()).toMatchObject({ ok: true, checkpoints: { count: 1, trust: 'installation-key' } });
  });

  it('keeps the signing key across opens: the private half is wrapped under the root key', () => {
    appendRange(1, 5);
    const again = new CheckpointSigner(db, ROOT_KEY, INSTALLATION, clock, { everyRecords: EVERY_RECORDS, everyMs: EVERY_MS });
    expect(again.fingerprint).toBe(signer.fingerprint);
    expect(db.prepare('SELECT count(*) AS n FROM audit_signing_keys').get()).toEqual({ n: 1 });
    expect(() => new CheckpointSigner(db, new Uint8Array(32).fill(0x22), INSTALLATION, clock, { everyRecords: 5, everyMs: EVERY_MS })).toThrow(
      /does not unwrap under this installation's root key/,
    );
  });
});

describe('verify with checkpoints', () => {
  it('reports the checkpoints, the newest matched one and the records not yet signed', () => {
    appendRange(1, 12);
    const fingerprint = signer.fingerprint;
    expect(log.verify()).toEqual({
      ok: true,
      records: 12,
      firstSeq: 1,
      lastSeq: 12,
      headHash: hashHex(hashOf(12)),
      archivedThrough: null,
      checkpoints: { count: 2, keyFingerprint: fingerprint, trust: 'installation-key', lastMatched: { number: 2, headSeq: 10 } },
      unsignedRecords: 2,
    });
    expect(log.verify({ trustedPublicKey: storedPublicKey() })).toMatchObject({ ok: true, checkpoints: { trust: 'trusted-key', keyFingerprint: fingerprint } });
    log.checkpoint('request');
    expect(log.verify()).toMatchObject({ ok: true, unsignedRecords: 0, checkpoints: { count: 3, lastMatched: { number: 3, headSeq: 12 } } });
  });

  it('accepts checkpoints kept elsewhere, exported as JSON and read back', () => {
    appendRange(1, 12);
    const exported = JSON.stringify(log.checkpoints().map(checkpointToJson));
    const external = (JSON.parse(exported) as Array<unknown>).map((value) => checkpointFromJson(value));
    expect(external.every((c) => c !== null)).toBe(true);
    const checkpoints = external.filter((c): c is Checkpoint => c !== null);
    expect(log.verify({ externalCheckpoints: checkpoints, trustedPublicKey: storedPublicKey() })).toMatchObject({ ok: true, records: 12 });
    // An external checkpoint edited in its file fails its signature.
    const edited = JSON.parse(exported) as Array<{ body: CheckpointBody }>;
    if (edited[1] !== undefined) {
      edited[1].body.headSeq = 9;
    }
    const tampered = edited.map((value) => checkpointFromJson(value)).filter((c): c is Checkpoint => c !== null);
    expectProblem(log.verify({ externalCheckpoints: tampered }), { kind: 'checkpoint-invalid', checkpoint: 2, detail: /checkpoint 2's signature is invalid/ });
  });

  it('verifies a checkpoint of the empty log', () => {
    expect(log.checkpoint('request').body).toMatchObject({ number: 1, headSeq: 0, headHash: '0'.repeat(64) });
    expect(log.verify()).toMatchObject({ ok: true, records: 0, unsignedRecords: 0, checkpoints: { count: 1, lastMatched: null } });
    appendRange(1, 2);
    expect(log.verify()).toMatchObject({ ok: true, records: 2, unsignedRecords: 2 });
  });
});

describe('tampering with a checkpointed log', () => {
  // Records 1..22; checkpoints 1..4 sign records 5, 10, 15, 20; records 21 and 22 are unsigned.
  const LAST = 22;
  let before: Array<Checkpoint>;
  let genuineKey: KeyObject;

  beforeEach(() => {
    appendRange(1, LAST);
    before = log.checkpoints();
    genuineKey = storedPublicKey();
    expect(before.map((c) => c.body.headSeq)).toEqual([5, 10, 15, 20]);
    expect(log.verify()).toMatchObject({ ok: true, records: LAST, unsignedRecords: 2, checkpoints: { count: 4, lastMatched: { number: 4, headSeq: 20 } } });
  });

  describe('records', () => {
    for (const seq of [3, 10, 21]) {
      it(`finds an edited record at ${seq}`, () => {
        run('UPDATE audit_log SET record = ? WHERE seq = ?', row(seq).record.replace(`"alias/k${seq}"`, '"alias/other"'), seq);
        expectProblem(log.verify(), { kind: 'edited', seq, detail: new RegExp(`^record ${seq} was edited`) });
      });
    }

    it('finds a deleted middle record', () => {
      run('DELETE FROM audit_log WHERE seq = 7');
      expectProblem(log.verify(), { kind: 'missing', seq: 7, detail: /^record 7 is missing \(deleted\)$/ });
    });

    it('finds a deleted run of records spanning a checkpointed one', () => {
      run('DELETE FROM audit_log WHERE seq BETWEEN 8 AND 12');
      expectProblem(log.verify(), { kind: 'missing', seq: 8, detail: /^records 8\.\.12 are missing \(deleted\)$/ });
    });

    /** Moves rows from..last up by one, leaving `from` free. */
    function makeRoomAt(from: number): void {
      run('UPDATE audit_log SET seq = -seq WHERE seq >= ?', from);
      run('UPDATE audit_log SET seq = 1 - seq WHERE seq < 0');
    }

    function forgedText(seq: number): string {
      return canonicalJson({ ...makeRecord(seq), eventName: 'ScheduleKeyDeletion', requestID: 'forged' });
    }

    it('finds a record inserted in the middle with the following rows renumbered, where the next one does not follow it', () => {
      makeRoomAt(8);
      const text = forgedText(8);
      run('INSERT INTO audit_log (seq, record, prev_hash, hash) VALUES (?, ?, ?, ?)', 8, text, hashOf(7), chainHash(hashOf(7), 8, text));
      // Row 8 (the forgery) links to 7 and hashes correctly; the old record 8, now at 9, still links to 7.
      expectProblem(log.verify(), { kind: 'reordered', seq: 9, detail: /record 9 is out of order: its prev_hash is the hash of the record now at seq 7/ });
    });

    it('finds a record inserted in the middle with every later hash recomputed, at the next checkpoint', () => {
      makeRoomAt(8);
      const text = forgedText(8);
      run('INSERT INTO audit_log (seq, record, prev_hash, hash) VALUES (?, ?, ?, ?)', 8, text, hashOf(7), chainHash(hashOf(7), 8, text));
      rechain(9, (t) => t);
      expectProblem(log.verify(), {
        kind: 'rewritten',
        seq: 10,
        checkpoint: 2,
        detail: /checkpoint 2 signed record 10 with another hash: records after record 5 \(checkpoint 1, which still matches\) up to 10 were rewritten/,
      });
    });

    it('finds a record inserted before the first', () => {
      const text = forgedText(0);
      run('INSERT INTO audit_log (seq, record, prev_hash, hash) VALUES (0, ?, ?, ?)', text, Buffer.alloc(32), Buffer.alloc(32));
      expect(log.verify()).toMatchObject({ ok: false, records: 0, problem: { kind: 'edited', seq: 0 } });
    });

    it('cannot tell a record forged after the head from a genuine unsigned one (the unsigned window), and the next checkpoint signs it', () => {
      // What is provable: verify vouches only for records up to the newest matched checkpoint and
      // counts the rest as unsigned. A well-formed row appended after the head is one of those.
      const text = forgedText(LAST + 1);
      run('INSERT INTO audit_log (seq, record, prev_hash, hash) VALUES (?, ?, ?, ?)', LAST + 1, text, hashOf(LAST), chainHash(hashOf(LAST), LAST + 1, text));
      expect(log.verify()).toMatchObject({ ok: true, records: LAST + 1, unsignedRecords: 3, checkpoints: { lastMatched: { number: 4, headSeq: 20 } } });
      expect(log.checkpoint('request').body).toMatchObject({ number: 5, headSeq: LAST + 1 });
      expect(log.verify()).toMatchObject({ ok: true, unsignedRecords: 0 });
    });

    it('finds two records swapped', () => {
      for (const [a, b] of [
        [7, 8],
        [8, 7],
      ] as const) {
        const rowA = row(a);
        run('UPDATE audit_log SET record = ?, prev_hash = ?, hash = ? WHERE seq = ?', row(b).record, row(b).prev_hash, row(b).hash, a);
        run('UPDATE audit_log SET record = ?, prev_hash = ?, hash = ? WHERE seq = ?', rowA.record, rowA.prev_hash, rowA.hash, b);
        if (a === 7) {
          expectProblem(log.verify(), { kind: 'reordered', seq: 7, detail: /record 7 is out of order: its prev_hash is the hash of the record now at seq 8/ });
        }
      }
      expect(log.verify().ok).toBe(true);
    });

    it('finds two records swapped across a checkpoint, at the first of them', () => {
      const rowA = row(3);
      const rowB = row(12);
      run('UPDATE audit_log SET record = ?, prev_hash = ?, hash = ? WHERE seq = 3', rowB.record, rowB.prev_hash, rowB.hash);
      run('UPDATE audit_log SET record = ?, prev_hash = ?, hash = ? WHERE seq = 12', rowA.record, rowA.prev_hash, rowA.hash);
      expectProblem(log.verify(), { kind: 'reordered', seq: 3, detail: /record 3 is out of order: its prev_hash is the hash of the record now at seq 11/ });
    });

    it('finds two records swapped with every later hash recomputed, at the next checkpoint', () => {
      const texts = [row(12).record, row(13).record];
      rechain(12, (text, seq) => (seq === 12 ? (texts[1] ?? text) : seq === 13 ? (texts[0] ?? text) : text));
      expectProblem(log.verify(), { kind: 'rewritten', seq: 15, checkpoint: 3, detail: /records after record 10 \(checkpoint 2, which still matches\) up to 15 were rewritten/ });
    });

    it('finds the tail rewritten with recomputed hashes, at the first checkpoint it reaches', () => {
      rechain(12);
      const report = log.verify();
      expectProblem(report, { kind: 'rewritten', seq: 15, checkpoint: 3, detail: /checkpoint 3 signed record 15 with another hash/ });
      expect(report.checkpoints.lastMatched).toEqual({ number: 2, headSeq: 10 });
    });

    it('cannot see the unsigned tail rewritten or deleted (the window time-based checkpoints bound)', () => {
      rechain(21);
      expect(log.verify()).toMatchObject({ ok: true, records: LAST, unsignedRecords: 2 });
      run('DELETE FROM audit_log WHERE seq > 20');
      expect(log.verify()).toMatchObject({ ok: true, records: 20, unsignedRecords: 0 });
    });

    it('finds the tail truncated after checkpoint K', () => {
      run('DELETE FROM audit_log WHERE seq > 15');
      const report = log.verify();
      expectProblem(report, {
        kind: 'truncated',
        seq: 16,
        checkpoint: 4,
        detail: /^the log was truncated: checkpoint 4 signed record 20, but the log ends at record 15 \(records 16\.\.20 are gone\)$/,
      });
      expect(report).toMatchObject({ lastSeq: 15, checkpoints: { lastMatched: { number: 3, headSeq: 15 } } });
    });

    it('finds the tail truncated past several checkpoints, naming the furthest', () => {
      run('DELETE FROM audit_log WHERE seq > 7');
      expectProblem(log.verify(), { kind: 'truncated', seq: 8, checkpoint: 4, detail: /records 8\.\.20 are gone/ });
    });

    it('finds every record deleted', () => {
      run('DELETE FROM audit_log');
      expectProblem(log.verify(), { kind: 'truncated', seq: 1, checkpoint: 4, detail: /the log ends at record 0 \(records 1\.\.20 are gone\)/ });
    });
  });

  describe('checkpoints', () => {
    it('finds a checkpoint body edited (still canonical, so the signature fails)', () => {
      const body = before[1]?.bodyText.replace('"reason":"count"', '"reason":"time"') ?? '';
      run('UPDATE audit_checkpoints SET body = ? WHERE number = 2', body);
      expectProblem(log.verify(), { kind: 'checkpoint-invalid', checkpoint: 2, detail: /^checkpoint 2's signature is invalid/ });
    });

    it('finds a checkpoint pointed at another record', () => {
      const moved: CheckpointBody = { ...(before[2]?.body as CheckpointBody), headSeq: 14, headHash: hashHex(hashOf(14)) };
      run('UPDATE audit_checkpoints SET body = ? WHERE number = 3', canonicalJson(moved));
      expectProblem(log.verify(), { kind: 'checkpoint-invalid', checkpoint: 3, detail: /signature is invalid/ });
    });

    it('finds a checkpoint body that is not in canonical form, or not a checkpoint at all', () => {
      run('UPDATE audit_checkpoints SET body = ? WHERE number = 2', before[1]?.bodyText.replace('{', '{ ') ?? '');
      expectProblem(log.verify(), { kind: 'checkpoint-invalid', checkpoint: 2, detail: /^checkpoint 2 is not in canonical form/ });
      // A body that is not JSON cannot be written at all (head_seq, an indexed generated column, is read from it)…
      expect(() => run("UPDATE audit_checkpoints SET body = 'not json' WHERE number = 2")).toThrow(/malformed JSON/);
      // …but JSON that is not a checkpoint body can.
      run('UPDATE audit_checkpoints SET body = ? WHERE number = 2', '{"headSeq":10,"number":2}');
      expectProblem(log.verify(), { kind: 'checkpoint-invalid', checkpoint: 2, detail: /^checkpoint 2 is not in canonical form/ });
    });

    it('finds a checkpoint signature altered', () => {
      const signature = Buffer.from(before[3]?.signature ?? new Uint8Array());
      signature[10] = (signature[10] ?? 0) ^ 1;
      run('UPDATE audit_checkpoints SET signature = ? WHERE number = 4', signature);
      expectProblem(log.verify(), { kind: 'checkpoint-invalid', checkpoint: 4, detail: /^checkpoint 4's signature is invalid/ });
      run('UPDATE audit_checkpoints SET signature = ? WHERE number = 4', signature.subarray(0, 63));
      expectProblem(log.verify(), { kind: 'checkpoint-invalid', checkpoint: 4, detail: /^checkpoint 4's signature is invalid/ });
    });

    it('finds a checkpoint replaced with one signed by another key pair', () => {
      const attacker = attackerKeyPair();
      const original = before[1]?.body as CheckpointBody;
      // Naming its own key…
      writeCheckpoint(forge({ ...original, signingKey: attacker.fingerprint }, attacker.privateKey));
      expectProblem(log.verify(), { kind: 'checkpoint-invalid', checkpoint: 2, detail: /^checkpoint 2 names signing key [0-9a-f]{16}…, not the trusted key/ });
      // …or the installation's.
      writeCheckpoint(forge(original, attacker.privateKey));
      expectProblem(log.verify(), { kind: 'checkpoint-invalid', checkpoint: 2, detail: /^checkpoint 2's signature is invalid/ });
    });

    it('finds a checkpoint made by another installation', () => {
      run("UPDATE installation SET installation_id = 'inst-other' WHERE id = 1");
      expectProblem(log.verify(), { kind: 'checkpoint-invalid', checkpoint: 1, detail: /^checkpoint 1 was made by installation inst-checkpoints-test, not inst-other/ });
    });

    it('finds a middle checkpoint deleted', () => {
      run('DELETE FROM audit_checkpoints WHERE number = 2');
      expectProblem(log.verify(), { kind: 'checkpoint-missing', checkpoint: 2, detail: /^checkpoint 2 is missing$/ });
      run('DELETE FROM audit_checkpoints WHERE number = 3');
      expectProblem(log.verify(), { kind: 'checkpoint-missing', checkpoint: 2, detail: /^checkpoints 2\.\.3 are missing$/ });
    });

    it('finds the first checkpoint deleted', () => {
      run('DELETE FROM audit_checkpoints WHERE number = 1');
      expectProblem(log.verify(), { kind: 'checkpoint-missing', checkpoint: 1, detail: /checkpoint 1 is missing/ });
    });

    it('finds checkpoints renumbered to close the gap left by a deleted one', () => {
      run('DELETE FROM audit_checkpoints WHERE number = 2');
      run('UPDATE audit_checkpoints SET number = number - 1 WHERE number > 2');
      expectProblem(log.verify(), { kind: 'checkpoint-missing', checkpoint: 2, detail: /^checkpoint 2 is missing$/ });
    });

    it('finds the checkpoints present but the installation key removed', () => {
      run('DELETE FROM audit_signing_keys');
      expectProblem(log.verify(), { kind: 'checkpoint-invalid', checkpoint: 1, detail: /no audit public key/ });
    });

    it('passes when the last checkpoint is deleted with the tail it signed — which is why checkpoints are exported — and fails against the exported ones', () => {
      run('DELETE FROM audit_checkpoints WHERE number = 4');
      run('DELETE FROM audit_log WHERE seq > 15');
      // The database alone is consistent: nothing left in it says records 16.. existed.
      expect(log.verify()).toMatchObject({ ok: true, records: 15, unsignedRecords: 0, checkpoints: { count: 3, lastMatched: { number: 3, headSeq: 15 } } });
      // The checkpoints read before the tamper (as `audit checkpoints --out` keeps them) still say so.
      expectProblem(log.verify({ externalCheckpoints: before }), {
        kind: 'truncated',
        seq: 16,
        checkpoint: 4,
        detail: /checkpoint 4 signed record 20, but the log ends at record 15 \(records 16\.\.20 are gone\)/,
      });
      expectProblem(log.verify({ externalCheckpoints: before, trustedPublicKey: genuineKey }), { kind: 'truncated', seq: 16, checkpoint: 4, detail: /records 16\.\.20/ });
    });

    it('passes when the last checkpoints are deleted and the tail they signed rewritten, and fails against the exported ones', () => {
      run('DELETE FROM audit_checkpoints WHERE number >= 3');
      rechain(13);
      expect(log.verify()).toMatchObject({ ok: true, records: LAST, checkpoints: { count: 2, lastMatched: { number: 2, headSeq: 10 } } });
      expectProblem(log.verify({ externalCheckpoints: before }), { kind: 'rewritten', seq: 15, checkpoint: 3, detail: /records after record 10 \(checkpoint 2, which still matches\) up to 15/ });
    });

    it('finds checkpoints checked against a trusted key from another key pair', () => {
      expectProblem(log.verify({ trustedPublicKey: attackerKeyPair().publicKey }), { kind: 'checkpoint-invalid', checkpoint: 1, detail: /^checkpoint 1 names signing key/ });
      expect(log.verify({ trustedPublicKey: attackerKeyPair().publicKey }).checkpoints.trust).toBe('trusted-key');
    });

    it('finds the installation key replaced and every checkpoint re-signed with it, but only against the trusted key or the exported checkpoints', () => {
      const attacker = attackerKeyPair();
      // Hide a record: rewrite the log from 12 on, then re-sign checkpoints over the new hashes.
      rechain(12, (text, seq) => (seq === 12 ? text.replace('"Encrypt"', '"ScheduleKeyDeletion"') : text));
      run('DELETE FROM audit_checkpoints');
      let previous: Checkpoint | null = null;
      for (const original of before) {
        const body: CheckpointBody = {
          ...original.body,
          headHash: hashHex(hashOf(original.body.headSeq)),
          previousSignature: previous === null ? null : base64(previous.signature),
          signingKey: attacker.fingerprint,
        };
        previous = forge(body, attacker.privateKey);
        writeCheckpoint(previous);
      }
      run('UPDATE audit_signing_keys SET fingerprint = ?, public_key = ?', attacker.fingerprint, Buffer.from(spkiOf(attacker.publicKey)));

      // With the key the database holds, all is consistent.
      expect(log.verify()).toMatchObject({
        ok: true,
        records: LAST,
        checkpoints: { count: 4, keyFingerprint: attacker.fingerprint, trust: 'installation-key', lastMatched: { number: 4, headSeq: 20 } },
      });
      // With the key the security team holds, the first checkpoint is already foreign.
      expectProblem(log.verify({ trustedPublicKey: genuineKey }), { kind: 'checkpoint-invalid', checkpoint: 1, detail: /^checkpoint 1 names signing key/ });
      // The exported checkpoints do not verify under the replaced key either.
      expectProblem(log.verify({ externalCheckpoints: before }), { kind: 'checkpoint-invalid', checkpoint: 1, detail: /^checkpoint 1 names signing key/ });
      // And the engine's next open notices: the stored private key does not unwrap for the new fingerprint.
      expect(() => new CheckpointSigner(db, ROOT_KEY, INSTALLATION, clock, { everyRecords: EVERY_RECORDS, everyMs: EVERY_MS })).toThrow(/does not unwrap/);
    });

    it('reports the fingerprint of the key it checked with', () => {
      const attacker = attackerKeyPair();
      run('UPDATE audit_signing_keys SET fingerprint = ?, public_key = ?', attacker.fingerprint, Buffer.from(spkiOf(attacker.publicKey)));
      expectProblem(log.verify(), { kind: 'checkpoint-invalid', checkpoint: 1, detail: /^checkpoint 1 names signing key/ });
      // The checkpoints are genuine; the trusted key says so, and the report must name that key, not the replaced one.
      expect(log.verify({ trustedPublicKey: genuineKey })).toMatchObject({
        ok: true,
        checkpoints: { trust: 'trusted-key', keyFingerprint: publicKeyFingerprint(spkiOf(genuineKey)) },
      });
    });

    it('finds a trigger that silently drops new checkpoints', () => {
      run('CREATE TRIGGER drop_checkpoints BEFORE INSERT ON audit_checkpoints BEGIN SELECT RAISE(IGNORE); END');
      appendRange(LAST + 1, 25);
      expect(log.checkpoints()).toHaveLength(4);
      expect(log.verify()).toMatchObject({ ok: false, problem: { kind: 'schema-altered', detail: expect.stringMatching(/unexpected trigger 'drop_checkpoints'/) as unknown } });
    });
  });
});
