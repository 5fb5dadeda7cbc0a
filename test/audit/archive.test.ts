// Archiving the audit log (electron/kms/audit/archive.ts): records before a time go to a file
// that verifies on its own; the live log verifies from the anchor the archive leaves and names
// the archive in an ArchiveAuditLog record; together they hold every record with no gap.
// Refused (changing nothing) when nothing is old enough. A deleted anchor, or records pruned by
// hand behind a forged anchor, are reported as missing.
import Database from 'better-sqlite3';
import { createHash, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPublicKey } from '../../electron/kms/audit/checkpoints.ts';
import { readExport, verifyExport } from '../../electron/kms/audit/export.ts';
import { AuditWorkspace } from '../../electron/kms/audit/workspace.ts';
import { DAY_MS, ManualClock } from '../../electron/kms/clock.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { bytes, kmsError, tempDir } from '../support/engine.ts';

const START = Date.UTC(2026, 0, 1);

type Engine = { kms: Kms; dir: string; clock: ManualClock; publicKey: () => KeyObject; cleanup: () => void };

async function openEngine(): Promise<Engine> {
  const dir = tempDir('strongroom-archive-');
  const clock = new ManualClock(START);
  const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider(), clock, accountId: '111122223333', region: 'local-1', auditCheckpoints: { everyRecords: 4 } });
  return {
    kms,
    dir,
    clock,
    publicKey: () => readPublicKey(kms.audit.publicKey()?.spki ?? new Uint8Array()),
    cleanup: () => {
      kms.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function withDb<T>(dir: string, use: (db: Database.Database) => T): T {
  const db = new Database(join(dir, DATABASE_FILE));
  try {
    return use(db);
  } finally {
    db.close();
  }
}

function liveSeqs(dir: string): Array<number> {
  return withDb(dir, (db) => db.prepare<[], { seq: number }>('SELECT seq FROM audit_log ORDER BY seq').all().map((r) => r.seq));
}

async function fileSeqs(file: string): Promise<Array<number>> {
  const seqs: Array<number> = [];
  for await (const [seq] of (await readExport(file)).rows()) {
    seqs.push(seq);
  }
  return seqs;
}

describe('archiving the audit log', () => {
  let e: Engine;
  let keyId: string;
  /** The last record of day 0, and of day 1. */
  let day0Last: number;
  let day1Last: number;
  let archive1: string;
  let throughSeq: number;

  beforeAll(async () => {
    e = await openEngine();
    keyId = (await e.kms.invoke('CreateKey', { Description: 'archived' })).KeyMetadata.KeyId;
    await e.kms.invoke('CreateAlias', { AliasName: 'alias/archived', TargetKeyId: keyId });
    for (let i = 0; i < 4; i++) {
      await e.kms.invoke('Encrypt', { KeyId: 'alias/archived', Plaintext: bytes(`day0-${i}`) });
    }
    day0Last = e.kms.audit.head()?.seq ?? 0;
    e.clock.advance(DAY_MS);
    for (let i = 0; i < 3; i++) {
      await e.kms.invoke('Encrypt', { KeyId: 'alias/archived', Plaintext: bytes(`day1-${i}`) });
    }
    await kmsError(e.kms.invoke('DescribeKey', { KeyId: 'alias/missing' }));
    day1Last = e.kms.audit.head()?.seq ?? 0;
    e.clock.advance(DAY_MS);
  });
  afterAll(() => e.cleanup());

  it('refuses when nothing is old enough, changing nothing but recording the refusal', async () => {
    const count = e.kms.audit.count();
    const file = join(e.dir, 'too-early.jsonl');
    const err = await kmsError(e.kms.archiveAuditLog({ file, before: new Date(START) }));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/No audit records are older than 2026-01-01T00:00:00.000Z: nothing to archive/);
    expect(existsSync(file)).toBe(false);
    // The refusal is audited like any failed call: one ArchiveAuditLog failure record.
    expect(e.kms.audit.count()).toBe(count + 1);
    expect(e.kms.audit.list({ MaxResults: 1 })[0]?.record).toMatchObject({ eventName: 'ArchiveAuditLog', errorCode: 'ValidationException' });
    expect(withDb(e.dir, (db) => db.prepare('SELECT count(*) AS n FROM audit_archives').get())).toEqual({ n: 0 });
    expect(e.kms.audit.verify().archivedThrough).toBeNull();
  });

  it('archives the records before the time to a file that verifies on its own', async () => {
    archive1 = join(e.dir, 'archive-1.jsonl');
    const all = e.kms.audit.count();
    const summary = await e.kms.archiveAuditLog({ file: archive1, before: new Date(START + DAY_MS) });
    throughSeq = summary.throughSeq;
    expect(summary).toMatchObject({ firstSeq: 1, lastSeq: day0Last, throughSeq: day0Last, records: day0Last });
    // `remaining` counts the records left, including the ArchiveAuditLog record the call appends.
    expect(summary.remaining).toBe(all - day0Last + 1);
    expect(e.kms.audit.count()).toBe(summary.remaining);
    expect(summary.sha256).toBe(createHash('sha256').update(readFileSync(archive1)).digest('hex'));

    const report = await verifyExport(await readExport(archive1), e.publicKey());
    expect(report).toMatchObject({ ok: true, trust: 'trusted-key', walk: { firstSeq: 1, lastSeq: day0Last, records: day0Last } });
    expect((await readExport(archive1)).checkpoints.at(-1)?.body).toMatchObject({ reason: 'archive', headSeq: day0Last });
    for await (const [, , , text] of (await readExport(archive1)).rows()) {
      expect(Date.parse((JSON.parse(text) as { eventTime: string }).eventTime)).toBeLessThan(START + DAY_MS);
    }
  });

  it('the live log verifies from the anchor, and the ArchiveAuditLog record names the archive', () => {
    const report = e.kms.audit.verify({ trustedPublicKey: e.publicKey() });
    expect(report).toMatchObject({ ok: true, archivedThrough: throughSeq, firstSeq: throughSeq + 1, lastSeq: e.kms.audit.head()?.seq });
    const [archived] = e.kms.audit.list({ EventName: 'ArchiveAuditLog' });
    // After day 1's records comes the refused archive's record, then this one.
    expect(archived?.seq).toBe(day1Last + 2);
    expect(archived?.record).toMatchObject({
      eventName: 'ArchiveAuditLog',
      requestParameters: {
        throughSeq,
        firstSeq: 1,
        archiveFile: 'archive-1.jsonl',
        archiveSha256: createHash('sha256').update(readFileSync(archive1)).digest('hex'),
        before: new Date(START + DAY_MS).toISOString(),
      },
      responseElements: { throughSeq, records: day0Last, remaining: day1Last + 2 - day0Last },
    });
    expect(archived?.record.errorCode).toBeUndefined();
    const anchor = withDb(e.dir, (db) => db.prepare<[], { through_seq: number; first_seq: number; archive_name: string; hash: string }>('SELECT through_seq, first_seq, archive_name, lower(hex(through_hash)) AS hash FROM audit_archives').all());
    expect(anchor).toHaveLength(1);
    expect(anchor[0]).toMatchObject({ through_seq: throughSeq, first_seq: 1, archive_name: 'archive-1.jsonl' });
  });

  it('the archive and the live log together hold every record, with no gap', async () => {
    const archived = await fileSeqs(archive1);
    const live = liveSeqs(e.dir);
    expect(archived).toEqual(Array.from({ length: throughSeq }, (_, i) => i + 1));
    expect(live[0]).toBe(throughSeq + 1);
    const head = e.kms.audit.head()?.seq ?? 0;
    expect([...archived, ...live]).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    // The anchor is the archive's last hash, and the first live record links to it.
    const report = await verifyExport(await readExport(archive1), e.publicKey());
    withDb(e.dir, (db) => {
      expect(db.prepare('SELECT lower(hex(through_hash)) AS h FROM audit_archives').get()).toEqual({ h: report.walk.headHashHex });
      expect(db.prepare('SELECT lower(hex(prev_hash)) AS h FROM audit_log WHERE seq = ?').get(throughSeq + 1)).toEqual({ h: report.walk.headHashHex });
    });
  });

  it('queries still work on what remains, by event, key id and time', () => {
    const encrypts = e.kms.audit.query({ EventName: 'Encrypt', MaxResults: 100 }).records;
    expect(encrypts.map((r) => r.record.requestParameters?.keyId)).toEqual(['alias/archived', 'alias/archived', 'alias/archived']);
    expect(encrypts.every((r) => r.seq > throughSeq)).toBe(true);
    expect(e.kms.audit.query({ KeyId: keyId, EventName: 'Encrypt' }).records).toHaveLength(3);
    expect(e.kms.audit.query({ EndTime: new Date(START + DAY_MS - 1000) }).records).toEqual([]);
    expect(e.kms.audit.query({ Outcome: 'Failure' }).records.map((r) => r.record.errorCode)).toEqual(['ValidationException', 'NotFoundException']);
  });

  it('a KeyId alias query finds the live records made through an alias whose CreateAlias record was archived', () => {
    // The alias still names the key; the three day-1 Encrypts went through it.
    const viaAlias = e.kms.audit.query({ KeyId: 'alias/archived', EventName: 'Encrypt' }).records;
    expect(viaAlias, 'alias/archived named the key for every live record').toHaveLength(3);
  });

  it('a second archive continues from the first, and archives + live export import into a workspace with no gap', async () => {
    const archive2 = join(e.dir, 'archive-2.json.gz');
    const second = await e.kms.archiveAuditLog({ file: archive2, before: new Date(START + 2 * DAY_MS), layout: 'cloudtrail', gzip: true });
    // Day 1's records; the first ArchiveAuditLog record was written on day 2 and stays.
    expect(second).toMatchObject({ firstSeq: throughSeq + 1, throughSeq: day1Last });
    expect(await verifyExport(await readExport(archive2), e.publicKey())).toMatchObject({ ok: true, walk: { firstSeq: throughSeq + 1, lastSeq: day1Last } });
    expect(e.kms.audit.verify({ trustedPublicKey: e.publicKey() })).toMatchObject({ ok: true, archivedThrough: day1Last, firstSeq: day1Last + 1 });
    expect(e.kms.audit.list({ EventName: 'ArchiveAuditLog', Outcome: 'Success' }).map((r) => r.record.requestParameters?.throughSeq)).toEqual([day1Last, throughSeq]);
    // Nothing left that is old enough.
    expect((await kmsError(e.kms.archiveAuditLog({ file: join(e.dir, 'archive-3.jsonl'), before: new Date(START + 2 * DAY_MS) }))).name).toBe('ValidationException');

    const live = join(e.dir, 'live.jsonl');
    const exported = await e.kms.exportAuditLog({ file: live });
    expect(exported.firstSeq).toBe(day1Last + 1);
    const ws = new AuditWorkspace(join(e.dir, 'ws.db'));
    try {
      for (const file of [archive1, archive2, live]) {
        await ws.import(file, { trustedPublicKey: e.publicKey(), nowMs: START });
      }
      expect(ws.sources()).toMatchObject([{ firstSeq: 1, lastSeq: exported.lastSeq, records: exported.lastSeq }]);
    } finally {
      ws.close();
    }
  });
});

describe('archiving every record', () => {
  it('the archive record continues the chain from the anchor (it was seq 1 under the genesis hash, and verify failed)', async () => {
    const e = await openEngine();
    try {
      await e.kms.invoke('CreateKey', {});
      e.clock.advance(DAY_MS);
      const { throughSeq } = await e.kms.archiveAuditLog({ file: join(e.dir, 'all.jsonl'), before: new Date(e.clock.now() + 1000) });
      expect(liveSeqs(e.dir)).toEqual([throughSeq + 1]);
      expect(e.kms.audit.verify()).toMatchObject({ ok: true, records: 1, firstSeq: throughSeq + 1 });
      await e.kms.invoke('ListKeys', {});
      expect(liveSeqs(e.dir)).toEqual([throughSeq + 1, throughSeq + 2]);
      expect(e.kms.audit.verify().ok).toBe(true);
    } finally {
      e.cleanup();
    }
  });
});

describe('an archive anchor that was tampered with', () => {
  it('a deleted anchor row: the live log is missing its first records', async () => {
    const e = await openEngine();
    try {
      for (let i = 0; i < 3; i++) {
        await e.kms.invoke('CreateKey', {});
      }
      e.clock.advance(DAY_MS);
      await e.kms.invoke('CreateKey', {});
      const { throughSeq } = await e.kms.archiveAuditLog({ file: join(e.dir, 'a.jsonl'), before: new Date(START + DAY_MS) });
      expect(e.kms.audit.verify().ok).toBe(true);
      withDb(e.dir, (db) => db.prepare('DELETE FROM audit_archives').run());
      const report = e.kms.audit.verify({ trustedPublicKey: e.publicKey() });
      expect(report.ok).toBe(false);
      expect(report.archivedThrough).toBeNull();
      expect(report.problem).toMatchObject({ kind: 'missing', seq: 1 });
      expect(report.problem?.detail).toMatch(new RegExp(`records 1\\.\\.${throughSeq} are missing`));
    } finally {
      e.cleanup();
    }
  });

  it('records deleted by hand behind a forged anchor, with no ArchiveAuditLog record: missing', async () => {
    const e = await openEngine();
    try {
      for (let i = 0; i < 6; i++) {
        await e.kms.invoke('CreateKey', {});
      }
      const pruned = 4;
      withDb(e.dir, (db) => {
        const hash = db.prepare<[number], { hash: Buffer }>('SELECT hash FROM audit_log WHERE seq = ?').get(pruned)?.hash;
        db.prepare('DELETE FROM audit_log WHERE seq <= ?').run(pruned);
        db.prepare('INSERT INTO audit_archives (through_seq, through_hash, first_seq, archive_sha256, archive_name, archived_at) VALUES (?, ?, ?, ?, ?, ?)').run(pruned, hash, 1, '0'.repeat(64), 'forged.jsonl', START);
      });
      const report = e.kms.audit.verify({ trustedPublicKey: e.publicKey() });
      expect(report.ok).toBe(false);
      expect(report.archivedThrough).toBe(pruned);
      expect(report.problem).toMatchObject({ kind: 'missing', seq: 1 });
      expect(report.problem?.detail).toMatch(/records 1\.\.4 are missing: an archive anchor says they were archived, but no ArchiveAuditLog record for them is in the chain/);
      // Without the anchor the gap is plain.
      withDb(e.dir, (db) => db.prepare('DELETE FROM audit_archives').run());
      expect(e.kms.audit.verify().problem).toMatchObject({ kind: 'missing', seq: 1 });
    } finally {
      e.cleanup();
    }
  });

  it('more records deleted after a real archive, behind a moved anchor: missing', async () => {
    const e = await openEngine();
    try {
      await e.kms.invoke('CreateKey', {});
      e.clock.advance(DAY_MS);
      for (let i = 0; i < 4; i++) {
        await e.kms.invoke('CreateKey', {});
      }
      const { throughSeq } = await e.kms.archiveAuditLog({ file: join(e.dir, 'a.jsonl'), before: new Date(START + DAY_MS) });
      const moved = throughSeq + 2;
      withDb(e.dir, (db) => {
        const hash = db.prepare<[number], { hash: Buffer }>('SELECT hash FROM audit_log WHERE seq = ?').get(moved)?.hash;
        db.prepare('DELETE FROM audit_log WHERE seq <= ?').run(moved);
        db.prepare('INSERT INTO audit_archives (through_seq, through_hash, first_seq, archive_sha256, archive_name, archived_at) VALUES (?, ?, ?, ?, ?, ?)').run(moved, hash, throughSeq + 1, '0'.repeat(64), 'forged.jsonl', START);
      });
      const report = e.kms.audit.verify({ trustedPublicKey: e.publicKey() });
      expect(report.ok).toBe(false);
      expect(report.problem).toMatchObject({ kind: 'missing', seq: 1 });
    } finally {
      e.cleanup();
    }
  });
});
