// Audit exports (electron/kms/audit/export.ts) on real engines and real files:
//
//  1. Round trips in both layouts, gzip and not: the header says what the file holds, the file's
//     last checkpoint signs its last record, and it verifies with the installation's public key
//     (trust 'trusted-key') and with the key inside the file (trust 'export-key'). Time-range
//     exports hold exactly the records of the range; an export made after more records were
//     appended verifies too; every export is audited as ExportAuditLog (and a refused one as its
//     failure).
//  2. A tamper suite on export files — each edit made to the bytes a person could edit, in the
//     JSON Lines and CloudTrail layouts and gzip-compressed — must be reported as what it is, at
//     the record or checkpoint it is at.
//  3. A byte scan: a session that handled known secrets, exported in every layout (gzip ones
//     gunzipped), holds none of them raw, as hex or as base64(url); the encryption context,
//     which AWS logs, is there (the positive control).
import Database from 'better-sqlite3';
import { constants, createHash, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../electron/kms/audit/canonical.ts';
import { chainHashHex } from '../../electron/kms/audit/chain.ts';
import { publicKeyFingerprint, readPublicKey, spkiOf } from '../../electron/kms/audit/checkpoints.ts';
import { EXPORT_FORMAT, readExport, verifyExport, type ExportLayout, type ExportVerifyReport } from '../../electron/kms/audit/export.ts';
import { ManualClock } from '../../electron/kms/clock.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { ValidationException, type KmsError } from '../../electron/kms/errors.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { bytes, kmsError, tempDir } from '../support/engine.ts';
import { encodings, findSecrets, type Secret } from '../support/secrets.ts';

const ACCOUNT = '111122223333';
const REGION = 'local-1';
const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

// --- Engines -----------------------------------------------------------------------------------

type Engine = { kms: Kms; dir: string; clock: ManualClock; publicKey: () => KeyObject; cleanup: () => void };

/** A real engine; `everyRecords` small so exports carry several count-based checkpoints. */
async function openEngine(everyRecords = 1000): Promise<Engine> {
  const dir = tempDir('strongroom-export-');
  const clock = new ManualClock(START);
  const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider(), clock, accountId: ACCOUNT, region: REGION, auditCheckpoints: { everyRecords } });
  return {
    kms,
    dir,
    clock,
    publicKey: () => {
      const key = kms.audit.publicKey();
      if (key === null) {
        throw new Error('no audit public key');
      }
      return readPublicKey(key.spki);
    },
    cleanup: () => {
      kms.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A few ordinary calls: `n` Encrypts on one key, one failure. */
async function activity(kms: Kms, n: number, tag: string): Promise<string> {
  const keyId = (await kms.invoke('CreateKey', { Description: `export test ${tag}` })).KeyMetadata.KeyId;
  for (let i = 0; i < n; i++) {
    await kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes(`${tag}-${i}`), EncryptionContext: { tag } });
  }
  await kmsError(kms.invoke('DescribeKey', { KeyId: `alias/missing-${tag}` }));
  return keyId;
}

function liveRows(dir: string, from = 1, to = Number.MAX_SAFE_INTEGER): Array<{ seq: number; hash: string; record: string }> {
  const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
  try {
    return db.prepare<[number, number], { seq: number; hash: string; record: string }>('SELECT seq, lower(hex(hash)) AS hash, record FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq').all(from, to);
  } finally {
    db.close();
  }
}

async function verifyFile(file: string, key?: KeyObject): Promise<ExportVerifyReport> {
  return verifyExport(await readExport(file), key);
}

// --- The export file as data, in either layout ------------------------------------------------------

type Row = { seq: number; prevHash: string; hash: string; record: Record<string, unknown> };
type CheckpointJson = { body: Record<string, unknown>; signature: string };
type Model = { layout: ExportLayout; gzip: boolean; header: Record<string, unknown>; checkpoints: Array<CheckpointJson>; records: Array<Row> };

function fileText(file: string): string {
  const raw = readFileSync(file);
  return (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
}

function parseModel(file: string): Model {
  const raw = readFileSync(file);
  const gzip = raw[0] === 0x1f && raw[1] === 0x8b;
  const text = fileText(file);
  if (text.startsWith('{"type":"header"')) {
    const lines = text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
    const [{ type: _h, ...header } = {}] = lines;
    return {
      layout: 'jsonl',
      gzip,
      header,
      checkpoints: lines.filter((l) => l.type === 'checkpoint').map(({ type: _c, ...c }) => c as CheckpointJson),
      records: lines.filter((l) => l.type === 'record').map(({ type: _r, ...r }) => r as Row),
    };
  }
  const doc = JSON.parse(text) as { StrongroomExport: Record<string, unknown> & { checkpoints: Array<CheckpointJson> }; Records: Array<Record<string, unknown> & { strongroomChain: { seq: number; prevHash: string; hash: string } }> };
  const { checkpoints, ...header } = doc.StrongroomExport;
  return {
    layout: 'cloudtrail',
    gzip,
    header,
    checkpoints,
    records: doc.Records.map(({ strongroomChain, ...record }) => ({ ...strongroomChain, record })),
  };
}

function serialize(model: Model): string {
  if (model.layout === 'jsonl') {
    return [
      JSON.stringify({ type: 'header', ...model.header }),
      ...model.checkpoints.map((c) => JSON.stringify({ type: 'checkpoint', ...c })),
      ...model.records.map((r) => JSON.stringify({ type: 'record', seq: r.seq, prevHash: r.prevHash, hash: r.hash, record: r.record })),
    ].join('\n') + '\n';
  }
  return `${JSON.stringify({
    StrongroomExport: { ...model.header, checkpoints: model.checkpoints },
    Records: model.records.map((r) => ({ ...r.record, strongroomChain: { hash: r.hash, prevHash: r.prevHash, seq: r.seq } })),
  })}\n`;
}

let tamperCount = 0;
function writeModel(model: Model, dir: string): string {
  const file = join(dir, `tampered-${++tamperCount}.${model.layout === 'jsonl' ? 'jsonl' : 'json'}${model.gzip ? '.gz' : ''}`);
  const text = Buffer.from(serialize(model), 'utf8');
  writeFileSync(file, model.gzip ? gzipSync(text) : text);
  return file;
}

function clone(model: Model): Model {
  return structuredClone(model);
}

function recordAt(model: Model, seq: number): Row {
  const row = model.records.find((r) => r.seq === seq);
  if (row === undefined) {
    throw new Error(`no record ${seq} in the export`);
  }
  return row;
}

/** Recomputes every record's link and hash from index `from` on, as an attacker can (the chain is unkeyed). */
function rechain(model: Model, from = 0): void {
  for (let i = from; i < model.records.length; i++) {
    const row = model.records[i];
    if (row === undefined) {
      continue;
    }
    const prev = model.records[i - 1];
    if (prev !== undefined) {
      row.prevHash = prev.hash;
    }
    row.hash = chainHashHex(row.prevHash, row.seq, canonicalJson(row.record));
  }
}

/** Re-signs every checkpoint with `privateKey`, over the records' current hashes: a complete forgery. */
function resign(model: Model, privateKey: KeyObject, publicKey: KeyObject): void {
  const spki = spkiOf(publicKey);
  const fingerprint = publicKeyFingerprint(spki);
  let previous: string | null = null;
  for (const checkpoint of model.checkpoints) {
    const headSeq = checkpoint.body.headSeq as number;
    const signed = model.records.find((r) => r.seq === headSeq);
    const body: Record<string, unknown> = { ...checkpoint.body, signingKey: fingerprint, previousSignature: previous, ...(signed === undefined ? {} : { headHash: signed.hash }) };
    const signature: string = sign('sha256', Buffer.from(canonicalJson(body), 'utf8'), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
    checkpoint.body = body;
    checkpoint.signature = signature;
    previous = signature;
  }
  model.header.publicKey = Buffer.from(spki).toString('base64');
  model.header.keyFingerprint = fingerprint;
}

// --- 1. Round trips ---------------------------------------------------------------------------------

const VARIANTS: ReadonlyArray<{ layout: ExportLayout; gzip: boolean; name: string }> = [
  { layout: 'jsonl', gzip: false, name: 'log.jsonl' },
  { layout: 'jsonl', gzip: true, name: 'log.jsonl.gz' },
  { layout: 'cloudtrail', gzip: false, name: 'log.json' },
  { layout: 'cloudtrail', gzip: true, name: 'log.json.gz' },
];

describe('export round trips', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await openEngine(4);
    await activity(e.kms, 6, 'a');
    e.clock.advance(HOUR);
    await activity(e.kms, 6, 'b');
  });
  afterAll(() => e.cleanup());

  for (const variant of VARIANTS) {
    it(`${variant.layout}${variant.gzip ? ' (gzip)' : ''}: header, last checkpoint, verifies with the trusted key and the file's key, audited`, async () => {
      const file = join(e.dir, `rt-${variant.name}`);
      const head = e.kms.audit.head();
      const summary = await e.kms.exportAuditLog({ file, layout: variant.layout, gzip: variant.gzip });
      const raw = readFileSync(file);
      expect(raw[0] === 0x1f && raw[1] === 0x8b, 'gzip magic').toBe(variant.gzip);
      expect(summary).toMatchObject({ file, firstSeq: 1, lastSeq: head?.seq, records: head?.seq, bytes: raw.length });
      expect(summary.sha256).toBe(createHash('sha256').update(raw).digest('hex'));

      const reader = await readExport(file);
      const publicKey = e.kms.audit.publicKey();
      expect(reader.header).toMatchObject({
        format: EXPORT_FORMAT,
        installationId: e.kms.installation.installationId,
        accountId: ACCOUNT,
        region: REGION,
        publicKey: Buffer.from(publicKey?.spki ?? []).toString('base64'),
        keyFingerprint: publicKey?.fingerprint,
        firstSeq: 1,
        lastSeq: head?.seq,
        records: head?.seq,
        exportCheckpoint: summary.checkpoint,
        exportedAt: new Date(e.clock.now()).toISOString(),
      });
      // Several count-based checkpoints, numbered 1..K; the last, the export's own, signs the last record.
      expect(reader.checkpoints.length).toBeGreaterThan(3);
      expect(reader.checkpoints.map((c) => c.body.number)).toEqual(reader.checkpoints.map((_, i) => i + 1));
      const own = reader.checkpoints.at(-1);
      expect(own?.body.number).toBe(summary.checkpoint);
      expect(own?.body.headSeq).toBe(head?.seq);
      expect(own?.body.headHash).toBe(Buffer.from(head?.hash ?? []).toString('hex'));
      expect(verify('sha256', Buffer.from(own?.bodyText ?? ''), { key: e.publicKey(), dsaEncoding: 'ieee-p1363' }, own?.signature ?? new Uint8Array())).toBe(true);
      // Records as in the live table, byte for byte in their canonical text.
      const rows: Array<readonly [number, string, string, string]> = [];
      for await (const row of reader.rows()) {
        rows.push(row);
      }
      expect(rows.map(([seq, , hash, record]) => ({ seq, hash, record }))).toEqual(liveRows(e.dir, 1, head?.seq));

      const trusted = await verifyExport(reader, e.publicKey());
      expect(trusted).toMatchObject({ ok: true, trust: 'trusted-key', keyFingerprint: publicKey?.fingerprint, walk: { records: head?.seq, firstSeq: 1, lastSeq: head?.seq, headHashHex: own?.body.headHash } });
      expect(trusted.problem).toBeUndefined();
      expect(await verifyFile(file)).toMatchObject({ ok: true, trust: 'export-key', keyFingerprint: publicKey?.fingerprint });

      // Audited once the file is in place, after the records it holds.
      const [audited] = e.kms.audit.list({ EventName: 'ExportAuditLog', MaxResults: 1 });
      expect(audited?.seq).toBe((head?.seq ?? 0) + 1);
      expect(audited?.record).toMatchObject({
        eventName: 'ExportAuditLog',
        requestParameters: { file: `rt-${variant.name}`, layout: variant.layout, gzip: variant.gzip },
        responseElements: { records: summary.records, firstSeq: 1, lastSeq: head?.seq, sha256: summary.sha256, checkpoint: summary.checkpoint },
      });
      expect(audited?.record.errorCode).toBeUndefined();
      expect(e.kms.audit.verify({ trustedPublicKey: e.publicKey() }).ok).toBe(true);
    });
  }

  it('an export made after more records were appended verifies, and so does the earlier one', async () => {
    const first = join(e.dir, 'before.jsonl');
    const s1 = await e.kms.exportAuditLog({ file: first });
    e.clock.advance(HOUR);
    await activity(e.kms, 5, 'c');
    const second = join(e.dir, 'after.json.gz');
    const s2 = await e.kms.exportAuditLog({ file: second, layout: 'cloudtrail', gzip: true });
    expect(s2.lastSeq).toBeGreaterThan((s1.lastSeq ?? 0) + 5);
    expect(s2.checkpoint).toBeGreaterThan(s1.checkpoint);
    // The later export holds the earlier export's record.
    expect((await verifyFile(second, e.publicKey())).walk).toMatchObject({ firstSeq: 1, lastSeq: s2.lastSeq });
    expect(parseModel(second).records.some((r) => r.record.eventName === 'ExportAuditLog' && (r.record.requestParameters as { file?: string }).file === 'before.jsonl')).toBe(true);
    expect(await verifyFile(first, e.publicKey())).toMatchObject({ ok: true, walk: { lastSeq: s1.lastSeq } });
  });

  it('an export that is refused is audited as a failure and writes nothing new', async () => {
    const file = join(e.dir, 'exists.jsonl');
    writeFileSync(file, 'keep me');
    const err = await kmsError(e.kms.exportAuditLog({ file }));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/already exists/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    const empty = await kmsError(e.kms.exportAuditLog({ file: join(e.dir, 'empty.jsonl'), startTime: new Date(START + 1000 * HOUR) }));
    expect(empty.name).toBe('ValidationException');
    expect(empty.message).toMatch(/No audit records fall in that time range/);
    const [late, exists] = e.kms.audit.list({ EventName: 'ExportAuditLog', MaxResults: 2 }).map((r) => r.record);
    expect(late).toMatchObject({ errorCode: 'ValidationException', requestParameters: { file: 'empty.jsonl', startTime: new Date(START + 1000 * HOUR).toISOString() } });
    expect(exists).toMatchObject({ errorCode: 'ValidationException', requestParameters: { file: 'exists.jsonl' } });
    // --force replaces it.
    const forced = await e.kms.exportAuditLog({ file, force: true });
    expect((await verifyFile(file, e.publicKey())).walk.lastSeq).toBe(forced.lastSeq);
  });
});

describe('time-range exports', () => {
  let e: Engine;
  /** seq ranges of the three batches, each an hour apart. */
  const batches: Array<{ from: number; to: number; at: number }> = [];
  beforeAll(async () => {
    e = await openEngine(3);
    for (const tag of ['one', 'two', 'three']) {
      e.clock.advance(HOUR);
      const from = (e.kms.audit.head()?.seq ?? 0) + 1;
      await activity(e.kms, 4, tag);
      batches.push({ from, to: e.kms.audit.head()?.seq ?? 0, at: e.clock.now() });
    }
  });
  afterAll(() => e.cleanup());

  it('holds exactly the records of the range and verifies (middle, start-bounded, end-bounded)', async () => {
    const [one, two, three] = batches;
    if (one === undefined || two === undefined || three === undefined) {
      throw new Error('setup');
    }
    const cases = [
      { name: 'middle.jsonl', startTime: new Date(two.at), endTime: new Date(two.at + HOUR / 2), from: two.from, to: two.to },
      // Open-ended: through the head, which by now includes the first case's ExportAuditLog record.
      { name: 'from-two.json', startTime: new Date(two.at), from: two.from, to: 0, layout: 'cloudtrail' as const },
      { name: 'until-one.jsonl.gz', endTime: new Date(one.at + 59_000), from: 1, to: one.to, gzip: true },
    ];
    expect(three.to).toBeGreaterThan(two.to);
    for (const c of cases) {
      if (c.to === 0) {
        c.to = e.kms.audit.head()?.seq ?? 0;
      }
      const file = join(e.dir, c.name);
      const summary = await e.kms.exportAuditLog({ file, ...(c.startTime === undefined ? {} : { startTime: c.startTime }), ...(c.endTime === undefined ? {} : { endTime: c.endTime }), ...(c.layout === undefined ? {} : { layout: c.layout }), gzip: c.gzip ?? false });
      expect(summary, c.name).toMatchObject({ firstSeq: c.from, lastSeq: c.to, records: c.to - c.from + 1 });
      const model = parseModel(file);
      expect(model.records.map((r) => r.seq), c.name).toEqual(liveRows(e.dir, c.from, c.to).map((r) => r.seq));
      // Exactly the records the live query finds for the same range (ignoring the export records written since).
      const queried = e.kms.audit.query({ ...(c.startTime === undefined ? {} : { StartTime: c.startTime }), ...(c.endTime === undefined ? {} : { EndTime: c.endTime }), MaxResults: 1000 }).records.map((r) => r.seq).filter((s) => s <= c.to).sort((a, b) => a - b);
      expect(queried, c.name).toEqual(model.records.map((r) => r.seq));
      for (const r of model.records) {
        const t = Date.parse(r.record.eventTime as string);
        expect(t >= (c.startTime?.getTime() ?? 0) && t <= (c.endTime?.getTime() ?? Infinity), `${c.name}: seq ${r.seq} in range`).toBe(true);
      }
      const report = await verifyFile(file, e.publicKey());
      expect(report, c.name).toMatchObject({ ok: true, walk: { firstSeq: c.from, lastSeq: c.to, records: c.to - c.from + 1 } });
      // The export's own checkpoint signs the range's last record, even when later records were signed before.
      expect(model.checkpoints.at(-1)?.body).toMatchObject({ headSeq: c.to, reason: 'export' });
    }
    expect(e.kms.audit.verify({ trustedPublicKey: e.publicKey() }).ok).toBe(true);
  });

  it('a range export that ends before the head does not make verify count signed records as unsigned', async () => {
    const three = batches[2];
    if (three === undefined) {
      throw new Error('setup');
    }
    e.clock.advance(HOUR);
    await activity(e.kms, 2, 'four');
    // Everything signed now.
    const signedHead = e.kms.checkpointAuditLog().body.headSeq;
    expect(e.kms.audit.verify().unsignedRecords).toBe(0);
    await e.kms.exportAuditLog({ file: join(e.dir, 'old-range.jsonl'), endTime: new Date(three.at + 60_000) });
    // One record since the head was signed: the ExportAuditLog record.
    expect(e.kms.audit.head()?.seq).toBe(signedHead + 1);
    const report = e.kms.audit.verify();
    expect(report.ok).toBe(true);
    expect(report.unsignedRecords, 'only the ExportAuditLog record is unsigned').toBe(1);
    expect(report.checkpoints.lastMatched?.headSeq, 'the newest signed record is the head signed before the export').toBe(signedHead);
  });
});

// --- 2. Tampering with export files -----------------------------------------------------------------

const TAMPER_VARIANTS: ReadonlyArray<{ layout: ExportLayout; gzip: boolean }> = [
  { layout: 'jsonl', gzip: false },
  { layout: 'cloudtrail', gzip: false },
  { layout: 'jsonl', gzip: true },
  { layout: 'cloudtrail', gzip: true },
];

describe.each(TAMPER_VARIANTS)('tampered exports ($layout, gzip $gzip)', ({ layout, gzip }) => {
  let a: Engine;
  let b: Engine;
  let file: string;
  let model: Model;
  let key: KeyObject;
  let lastSeq: number;
  let own: number;
  /** Seqs signed by a checkpoint in the file, and one that is not (between two signed ones). */
  let signedSeqs: Set<number>;
  let unsigned: number;

  beforeAll(async () => {
    a = await openEngine(4);
    await activity(a.kms, 14, 'tamper');
    file = join(a.dir, `export.${layout}${gzip ? '.gz' : ''}`);
    const summary = await a.kms.exportAuditLog({ file, layout, gzip });
    model = parseModel(file);
    key = a.publicKey();
    lastSeq = summary.lastSeq ?? 0;
    own = summary.checkpoint;
    signedSeqs = new Set(model.checkpoints.map((c) => c.body.headSeq as number));
    unsigned = [...Array(lastSeq).keys()].map((i) => i + 1).find((s) => s > 8 && !signedSeqs.has(s) && !signedSeqs.has(s + 1) && s + 2 < lastSeq) ?? 0;
    b = await openEngine(4);
    await activity(b.kms, 3, 'other');
  });
  afterAll(() => {
    a.cleanup();
    b.cleanup();
  });

  const check = async (m: Model, trusted: KeyObject | undefined = key): Promise<ExportVerifyReport> => verifyFile(writeModel(m, a.dir), trusted);

  it('the untouched file, rewritten through the test’s own reader and writer, verifies (control)', async () => {
    expect(model.records).toHaveLength(lastSeq);
    expect(model.checkpoints.length).toBeGreaterThanOrEqual(4);
    expect(unsigned).toBeGreaterThan(0);
    expect(await check(clone(model))).toMatchObject({ ok: true, walk: { lastSeq } });
  });

  it('an edited record: edited, at its seq', async () => {
    const m = clone(model);
    const row = recordAt(m, 7);
    row.record = { ...row.record, eventName: 'Decrypt', requestParameters: { keyId: 'someone-else' } };
    expect((await check(m)).problem).toMatchObject({ kind: 'edited', seq: 7 });
    // A one-character edit in the file text, as a person would make it.
    if (!gzip) {
      const text = readFileSync(file, 'utf8');
      const target = JSON.stringify(recordAt(model, 9).record.requestID);
      expect(text.includes(target)).toBe(true);
      const edited = join(a.dir, `edited-text.${layout}`);
      writeFileSync(edited, text.replace(target, target.replace(/[0-9a-f]"$/, (c) => `${c === '0"' ? '1' : '0'}"`)));
      expect((await verifyFile(edited, key)).problem).toMatchObject({ kind: 'edited', seq: 9 });
    }
  });

  it('a deleted record line in the middle: missing, naming it', async () => {
    const m = clone(model);
    m.records = m.records.filter((r) => r.seq !== 7);
    const report = await check(m);
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ kind: 'missing', seq: 7 });
    expect(report.problem?.detail).toMatch(/record 7 is missing/);
    const run = clone(model);
    run.records = run.records.filter((r) => r.seq < 6 || r.seq > 8);
    expect((await check(run)).problem).toMatchObject({ kind: 'missing', seq: 6, detail: expect.stringMatching(/records 6\.\.8 are missing/) as unknown });
  });

  it('deleted first record lines: missing from record 1 (the header says the export starts at 1)', async () => {
    expect(model.header.firstSeq).toBe(1);
    const m = clone(model);
    m.records = m.records.filter((r) => r.seq > 2);
    const report = await check(m);
    expect(report.ok, 'records 1..2 were deleted from the front of the export').toBe(false);
    expect(report.problem).toMatchObject({ kind: 'missing', seq: 1 });
  });

  it('a forged record line inserted in the middle (with a correctly chained hash): reported at the position it took', async () => {
    const m = clone(model);
    const before = recordAt(m, unsigned);
    const forgedRecord = { ...before.record, eventName: 'Decrypt', requestID: randomUUID() };
    const forged: Row = { seq: unsigned + 1, prevHash: before.hash, hash: chainHashHex(before.hash, unsigned + 1, canonicalJson(forgedRecord)), record: forgedRecord };
    m.records.splice(m.records.indexOf(before) + 1, 0, forged);
    // The forged line itself chains correctly and record `unsigned + 1` is signed by no checkpoint,
    // so the walker first trips over the real record that follows with the same seq: it cannot
    // be the next record (the log continues at unsigned + 2), so it is reported as edited there.
    const report = await check(m);
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ kind: 'edited', seq: unsigned + 1 });
    // Inserted where a checkpoint signed the real record: rewritten, naming the checkpoint.
    const signedSeq = [...signedSeqs].filter((s) => s > 2 && s < lastSeq).sort((x, y) => x - y)[0] ?? 0;
    const n = clone(model);
    const prior = recordAt(n, signedSeq - 1);
    const forgedSigned = { ...prior.record, eventName: 'ScheduleKeyDeletion' };
    n.records.splice(n.records.indexOf(prior) + 1, 0, { seq: signedSeq, prevHash: prior.hash, hash: chainHashHex(prior.hash, signedSeq, canonicalJson(forgedSigned)), record: forgedSigned });
    const signer = model.checkpoints.find((c) => c.body.headSeq === signedSeq)?.body.number;
    expect((await check(n)).problem).toMatchObject({ kind: 'rewritten', seq: signedSeq, checkpoint: signer });
  });

  it('a forged record line appended after the last record (correctly chained): rejected, nothing after the export’s own checkpoint is signed', async () => {
    const m = clone(model);
    const last = recordAt(m, lastSeq);
    const forgedRecord = { ...last.record, eventName: 'Decrypt', requestID: randomUUID() };
    m.records.push({ seq: lastSeq + 1, prevHash: last.hash, hash: chainHashHex(last.hash, lastSeq + 1, canonicalJson(forgedRecord)), record: forgedRecord });
    const report = await check(m);
    expect(report.ok, `record ${lastSeq + 1} follows the record the export's own checkpoint ${own} signs`).toBe(false);
  });

  it('two record lines swapped: reported at the first position out of place', async () => {
    // Swapping lines keeps each record's own seq, so the file goes …, 5, 9, 6, 7, 8, 5, 10 …
    // The walker reads records in file order and expects seq 5 next; it meets seq 9, so it
    // reports records 5..8 missing at that point — the first position that is out of place.
    // (Record 5 is in the file, further down: 'missing' here means "not where it belongs".)
    const m = clone(model);
    const i = m.records.findIndex((r) => r.seq === 5);
    const j = m.records.findIndex((r) => r.seq === 9);
    [m.records[i], m.records[j]] = [m.records[j] as Row, m.records[i] as Row];
    const report = await check(m);
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ kind: 'missing', seq: 5, detail: expect.stringMatching(/records 5\.\.8 are missing/) as unknown });
    // Adjacent lines: record 5 reported missing (6 came first).
    const n = clone(model);
    const k = n.records.findIndex((r) => r.seq === 5);
    [n.records[k], n.records[k + 1]] = [n.records[k + 1] as Row, n.records[k] as Row];
    expect((await check(n)).problem).toMatchObject({ kind: 'missing', seq: 5 });
    // Lines swapped and renumbered so the seqs run in order: the moved record's link names the
    // record it belongs after — reordered, at the first of the two.
    const r = clone(model);
    const x = recordAt(r, 5);
    const y = recordAt(r, 9);
    [x.prevHash, x.hash, x.record, y.prevHash, y.hash, y.record] = [y.prevHash, y.hash, y.record, x.prevHash, x.hash, x.record];
    const reordered = await check(r);
    expect(reordered.problem).toMatchObject({ kind: 'reordered', seq: 5 });
    expect(reordered.problem?.detail).toMatch(/record now at seq 8/);
  });

  it('the tail cut off: truncated, naming the export’s checkpoint', async () => {
    const m = clone(model);
    m.records = m.records.filter((r) => r.seq <= lastSeq - 3);
    const report = await check(m);
    expect(report.problem).toMatchObject({ kind: 'truncated', seq: lastSeq - 2, checkpoint: own });
    expect(report.problem?.detail).toMatch(new RegExp(`checkpoint ${own} signed record ${lastSeq}, but the log ends at record ${lastSeq - 3}`));
  });

  it('the file cut short mid-way (a partial copy): a clear error naming the file, or truncated', async () => {
    const raw = readFileSync(file);
    const cut = join(a.dir, `cut.${layout}${gzip ? '.gz' : ''}`);
    writeFileSync(cut, raw.subarray(0, Math.floor(raw.length * 0.8)));
    let outcome: ExportVerifyReport | Error;
    try {
      outcome = await verifyFile(cut, key);
    } catch (err) {
      outcome = err as Error;
    }
    if (outcome instanceof Error) {
      expect(outcome, String(outcome)).toBeInstanceOf(ValidationException);
      expect(outcome.message).toContain(cut);
    } else {
      expect(outcome.ok).toBe(false);
      expect(outcome.problem?.kind).toBe('truncated');
    }
  });

  it('a checkpoint body value replaced: checkpoint-invalid at that checkpoint', async () => {
    for (const [member, value] of [['createdAt', '2020-01-01T00:00:00.000Z'], ['headHash', 'f'.repeat(64)], ['reason', 'request']] as const) {
      const m = clone(model);
      const target = m.checkpoints[1];
      if (target === undefined) {
        throw new Error('setup');
      }
      target.body = { ...target.body, [member]: value };
      const report = await check(m);
      expect(report.problem, member).toMatchObject({ kind: 'checkpoint-invalid', checkpoint: 2 });
      expect(report.problem?.detail).toMatch(/signature is invalid/);
    }
  });

  it('the export’s own checkpoint removed, or a middle one: checkpoint-missing', async () => {
    const m = clone(model);
    m.checkpoints.pop();
    const report = await check(m);
    expect(report.problem).toMatchObject({ kind: 'checkpoint-missing', checkpoint: own });
    expect(report.problem?.detail).toMatch(/the export's own/);
    const n = clone(model);
    n.checkpoints.splice(1, 1);
    expect((await check(n)).problem).toMatchObject({ kind: 'checkpoint-missing', checkpoint: 2 });
  });

  it('a file signed by another installation’s key, checked with this installation’s key: checkpoint-invalid', async () => {
    const other = join(b.dir, `b.${layout}${gzip ? '.gz' : ''}`);
    await b.kms.exportAuditLog({ file: other, layout, gzip });
    const withOwn = await verifyFile(other, b.publicKey());
    expect(withOwn.ok).toBe(true);
    const report = await verifyFile(other, key);
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ kind: 'checkpoint-invalid', checkpoint: 1 });
    expect(report.problem?.detail).toMatch(/not the trusted key/);
    // B's checkpoints pasted into A's file under A's header: made by another installation.
    const m = clone(model);
    m.checkpoints = parseModel(other).checkpoints;
    expect((await check(m, b.publicKey())).problem).toMatchObject({ kind: 'checkpoint-invalid', checkpoint: 1, detail: expect.stringMatching(/made by installation/) as unknown });
  });

  it('records rewritten with recomputed hashes but the checkpoints left: rewritten', async () => {
    const m = clone(model);
    const row = recordAt(m, 3);
    row.record = { ...row.record, eventName: 'Decrypt' };
    rechain(m, m.records.indexOf(row));
    const firstSigned = [...signedSeqs].filter((s) => s >= 3).sort((x, y) => x - y)[0];
    const report = await check(m);
    expect(report.problem).toMatchObject({ kind: 'rewritten', seq: firstSigned });
  });

  it('a complete forgery (records altered, hashes recomputed, checkpoints re-signed by an attacker key): passes only on the file’s own key', async () => {
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const m = clone(model);
    for (const row of m.records.filter((r) => r.record.eventName === 'Encrypt')) {
      row.record = { ...row.record, eventName: 'Decrypt' };
    }
    rechain(m);
    resign(m, attacker.privateKey, attacker.publicKey);
    const forged = writeModel(m, a.dir);
    const selfSigned = await verifyFile(forged);
    expect(selfSigned).toMatchObject({ ok: true, trust: 'export-key', keyFingerprint: publicKeyFingerprint(spkiOf(attacker.publicKey)) });
    expect(selfSigned.keyFingerprint).not.toBe(a.kms.audit.publicKey()?.fingerprint);
    const trusted = await verifyFile(forged, key);
    expect(trusted.ok).toBe(false);
    expect(trusted.trust).toBe('trusted-key');
    expect(trusted.problem).toMatchObject({ kind: 'checkpoint-invalid', checkpoint: 1 });
  });
});

describe('files that are not exports', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('strongroom-not-export-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: ReadonlyArray<readonly [string, Buffer, RegExp]> = [
    ['empty.jsonl', Buffer.alloc(0), /is not a Strongroom audit export/],
    ['blank.jsonl', Buffer.from('\n\n   \n'), /is not a Strongroom audit export/],
    ['garbage.bin', Buffer.concat([Buffer.from('xx'), randomBytes(400)]), /not/],
    ['garbage.gz', Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(400)]), /not|gzip|compress/i],
    ['array.json', Buffer.from('[{"eventName":"Encrypt"}]'), /is not a Strongroom audit export/],
    ['cloudtrail.json', Buffer.from('{"Records":[{"eventName":"Encrypt"}]}'), /neither a JSON Lines nor a CloudTrail-layout Strongroom audit export/],
    ['other-format.jsonl', Buffer.from('{"type":"header","format":"something-else-v1","installationId":"x","publicKey":"x","exportCheckpoint":1}\n'), /is not a Strongroom audit export/],
    ['lines.jsonl', Buffer.from('{"a":1}\n{"b":2}\n'), /is not valid JSON/],
    ['gzipped-text.gz', gzipSync(Buffer.from('hello, world\n')), /is not a Strongroom audit export/],
  ];
  for (const [name, content, message] of cases) {
    it(`${name}: a ValidationException naming the file`, async () => {
      const file = join(dir, name);
      writeFileSync(file, content);
      let error: unknown;
      try {
        await verifyFile(file);
      } catch (err) {
        error = err;
      }
      expect(error, `${name} was accepted`).toBeInstanceOf(ValidationException);
      expect((error as KmsError).name).toBe('ValidationException');
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('a missing file: a ValidationException naming it', async () => {
    const file = join(dir, 'nowhere.jsonl');
    await expect(readExport(file)).rejects.toThrow(ValidationException);
    await expect(readExport(file)).rejects.toThrow(file);
  });
});

// --- 3. No secret in any export ------------------------------------------------------------------------



function wrapForImport(publicKeyDer: Uint8Array, material: Uint8Array): Uint8Array {
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  return new Uint8Array(publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material));
}

describe('no secret in any export', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await openEngine(5);
  });
  afterAll(() => e.cleanup());

  it('the scanner finds every encoding it looks for', () => {
    const secret = randomBytes(32);
    for (const { form, needle } of encodings(secret)) {
      const file = { name: form, data: Buffer.concat([randomBytes(100), needle, randomBytes(100)]) };
      expect(findSecrets([file], [{ what: 'probe', value: secret }]), form).toContain(`probe (${form}) in ${form}`);
    }
  });

  it('exports in every layout hold no plaintext, data key, imported material, message, MAC or grant token, but keep the encryption context', async () => {
    const kms = e.kms;
    const secrets: Array<Secret> = [];
    const keep = (what: string, value: Uint8Array): Uint8Array => {
      expect(value.length, what).toBeGreaterThanOrEqual(16);
      secrets.push({ what, value });
      return value;
    };
    const contextValue = `context-value-${randomUUID()}`;
    const context = { purpose: contextValue };

    kms.createPrincipal('user', 'grantee');
    kms.createPrincipal('user', 'nobody');
    const k1 = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    await kms.invoke('CreateAlias', { AliasName: 'alias/scan', TargetKeyId: k1 });
    const plaintext = keep('Encrypt plaintext', randomBytes(48));
    const blob = keep('ciphertext blob', (await kms.invoke('Encrypt', { KeyId: 'alias/scan', Plaintext: plaintext, EncryptionContext: context })).CiphertextBlob);
    expect((await kms.invoke('Decrypt', { CiphertextBlob: blob, EncryptionContext: context })).Plaintext).toEqual(plaintext);
    const textPlaintext = `a sentence nobody may read ${randomUUID()}`;
    keep('text plaintext', bytes(textPlaintext));
    await kms.invoke('Encrypt', { KeyId: k1, Plaintext: bytes(textPlaintext), EncryptionContext: context });
    const dk = await kms.invoke('GenerateDataKey', { KeyId: k1, KeySpec: 'AES_256', EncryptionContext: context });
    keep('data key', dk.Plaintext);
    keep('data key blob', dk.CiphertextBlob);
    const pair = await kms.invoke('GenerateDataKeyPair', { KeyId: k1, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: context });
    keep('data key pair private key', pair.PrivateKeyPlaintext);
    keep('random bytes', (await kms.invoke('GenerateRandom', { NumberOfBytes: 32 })).Plaintext);

    // Imported material: symmetric and HMAC.
    const importInto = async (input: Record<string, unknown>, material: Uint8Array): Promise<string> => {
      const keyId = (await kms.invoke('CreateKey', { Origin: 'EXTERNAL', ...input })).KeyMetadata.KeyId;
      const params = await kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
      await kms.invoke('ImportKeyMaterial', { KeyId: keyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrapForImport(params.PublicKey, material), ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
      return keyId;
    };
    const imported = await importInto({}, keep('imported symmetric material', randomBytes(32)));
    keep('blob under imported material', (await kms.invoke('Encrypt', { KeyId: imported, Plaintext: keep('plaintext under imported material', randomBytes(24)), EncryptionContext: context })).CiphertextBlob);
    const hmacKey = await importInto({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }, keep('imported HMAC material', randomBytes(32)));
    const macMessage = keep('HMAC message', randomBytes(64));
    const mac = keep('MAC', (await kms.invoke('GenerateMac', { KeyId: hmacKey, Message: macMessage, MacAlgorithm: 'HMAC_SHA_256' })).Mac);
    await kms.invoke('VerifyMac', { KeyId: hmacKey, Message: macMessage, Mac: mac, MacAlgorithm: 'HMAC_SHA_256' });

    const signKey = (await kms.invoke('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.KeyId;
    const signMessage = keep('Sign message', randomBytes(64));
    const { Signature } = await kms.invoke('Sign', { KeyId: signKey, Message: signMessage, SigningAlgorithm: 'ECDSA_SHA_256' });
    await kms.invoke('Verify', { KeyId: signKey, Message: signMessage, Signature, SigningAlgorithm: 'ECDSA_SHA_256' });

    // Grant tokens, returned and presented.
    const grant = await kms.invoke('CreateGrant', { KeyId: k1, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/grantee`, Operations: ['Encrypt', 'DescribeKey'] });
    keep('grant token', bytes(grant.GrantToken));
    keep('grant token bytes', Buffer.from(grant.GrantToken, 'base64url'));
    const grantee = kms.callerFor('grantee', 'scan');
    await kms.invoke('Encrypt', { KeyId: k1, Plaintext: keep('grantee plaintext', randomBytes(32)), EncryptionContext: context, GrantTokens: [grant.GrantToken] }, { caller: grantee });
    await kmsError(kms.invoke('Decrypt', { CiphertextBlob: randomBytes(64), GrantTokens: [grant.GrantToken] }, { caller: grantee }));
    // Failed and refused calls carrying secrets.
    await kmsError(kms.invoke('Encrypt', { KeyId: k1, Plaintext: keep('oversize plaintext', randomBytes(4097)) }));
    await kmsError(kms.invoke('Encrypt', { KeyId: k1, Plaintext: keep('denied plaintext', randomBytes(32)), EncryptionContext: context }, { caller: kms.callerFor('nobody', 'scan') }));

    const files: Array<{ name: string; data: Buffer }> = [];
    for (const variant of VARIANTS) {
      const file = join(e.dir, `scan-${variant.name}`);
      await kms.exportAuditLog({ file, layout: variant.layout, gzip: variant.gzip });
      const raw = readFileSync(file);
      expect(raw[0] === 0x1f && raw[1] === 0x8b, variant.name).toBe(variant.gzip);
      files.push({ name: variant.name, data: variant.gzip ? gunzipSync(raw) : raw });
      expect((await verifyFile(file, e.publicKey())).ok).toBe(true);
    }
    expect(findSecrets(files, secrets)).toEqual([]);
    for (const f of files) {
      expect(f.data.includes(Buffer.from(contextValue, 'utf8')), `${f.name}: the encryption context value is exported`).toBe(true);
      expect(f.data.includes(Buffer.from('"GenerateMac"', 'utf8')), `${f.name}: the session's records are in it`).toBe(true);
    }
  });
});
