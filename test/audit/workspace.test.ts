// An imported-logs workspace (electron/kms/audit/workspace.ts): exports from two installations,
// each imported with only its public key (as `audit import --trusted-public-key` does), queried
// together; re-imports and overlapping later exports add only what is new; exports signed by
// another key, forged or tampered are refused with nothing added; an installation's key is
// pinned at its first import.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../electron/kms/audit/canonical.ts';
import { chainHashHex } from '../../electron/kms/audit/chain.ts';
import { publicKeyFingerprint, readPublicKey, spkiOf } from '../../electron/kms/audit/checkpoints.ts';
import { AuditWorkspace, type ImportResult } from '../../electron/kms/audit/workspace.ts';
import { ManualClock } from '../../electron/kms/clock.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { ValidationException } from '../../electron/kms/errors.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { bytes, kmsError, tempDir } from '../support/engine.ts';

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const ACCOUNT_A = '111122223333';
const ACCOUNT_B = '444455556666';

type Engine = { kms: Kms; dir: string; clock: ManualClock; publicKey: () => KeyObject; cleanup: () => void };

async function openEngine(accountId: string): Promise<Engine> {
  const dir = tempDir('strongroom-workspace-');
  const clock = new ManualClock(START);
  const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider(), clock, accountId, region: 'local-1', auditCheckpoints: { everyRecords: 4 } });
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

/** A key with the alias `alias/shared` (the same name in every installation), some Encrypts through it, and a failure. */
async function activity(kms: Kms, n: number): Promise<string> {
  const keyId = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
  await kms.invoke('CreateAlias', { AliasName: 'alias/shared', TargetKeyId: keyId });
  for (let i = 0; i < n; i++) {
    await kms.invoke('Encrypt', { KeyId: 'alias/shared', Plaintext: bytes(`m${i}`) });
  }
  await kmsError(kms.invoke('DescribeKey', { KeyId: 'alias/missing' }));
  return keyId;
}

// --- Export files as data (JSON Lines layout) -----------------------------------------------------

type Row = { seq: number; prevHash: string; hash: string; record: Record<string, unknown> };
type Model = { header: Record<string, unknown>; checkpoints: Array<{ body: Record<string, unknown>; signature: string }>; records: Array<Row> };

function parseJsonl(file: string): Model {
  const raw = readFileSync(file);
  const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
  const lines = text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
  const [{ type: _h, ...header } = {}] = lines;
  return {
    header,
    checkpoints: lines.filter((l) => l.type === 'checkpoint').map(({ type: _c, ...c }) => c as Model['checkpoints'][number]),
    records: lines.filter((l) => l.type === 'record').map(({ type: _r, ...r }) => r as Row),
  };
}

function writeJsonl(model: Model, file: string): string {
  writeFileSync(
    file,
    [
      JSON.stringify({ type: 'header', ...model.header }),
      ...model.checkpoints.map((c) => JSON.stringify({ type: 'checkpoint', ...c })),
      ...model.records.map((r) => JSON.stringify({ type: 'record', ...r })),
    ].join('\n') + '\n',
  );
  return file;
}

/** Records altered, hashes recomputed, checkpoints re-signed with `privateKey`: a complete forgery. */
function forge(model: Model, privateKey: KeyObject, publicKey: KeyObject): Model {
  const m = structuredClone(model);
  for (const row of m.records.filter((r) => r.record.eventName === 'Encrypt')) {
    row.record = { ...row.record, eventName: 'Decrypt' };
  }
  m.records.forEach((row, i) => {
    const prev = m.records[i - 1];
    if (prev !== undefined) {
      row.prevHash = prev.hash;
    }
    row.hash = chainHashHex(row.prevHash, row.seq, canonicalJson(row.record));
  });
  const spki = spkiOf(publicKey);
  const fingerprint = publicKeyFingerprint(spki);
  let previous: string | null = null;
  for (const checkpoint of m.checkpoints) {
    const signed = m.records.find((r) => r.seq === checkpoint.body.headSeq);
    checkpoint.body = { ...checkpoint.body, signingKey: fingerprint, previousSignature: previous, ...(signed === undefined ? {} : { headHash: signed.hash }) };
    checkpoint.signature = sign('sha256', Buffer.from(canonicalJson(checkpoint.body)), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
    previous = checkpoint.signature;
  }
  m.header.publicKey = Buffer.from(spki).toString('base64');
  m.header.keyFingerprint = fingerprint;
  return m;
}

async function importError(workspace: AuditWorkspace, file: string, options: { trustedPublicKey?: KeyObject; label?: string }): Promise<Error> {
  try {
    await workspace.import(file, { ...options, nowMs: START });
  } catch (err) {
    return err as Error;
  }
  throw new Error(`importing ${file} succeeded`);
}

describe('a workspace of two installations', () => {
  let a: Engine;
  let b: Engine;
  let dir: string;
  let workspace: AuditWorkspace;
  let keyA: string;
  let keyB: string;
  let a1: string;
  let b1: string;
  let a1Records: number;
  let b1Records: number;
  let importedA: ImportResult;
  let importedB: ImportResult;
  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  const counts = (): Record<string, number> => Object.fromEntries(workspace.sources().map((s) => [s.label, s.records]));
  const idA = (): string => a.kms.installation.installationId;
  const idB = (): string => b.kms.installation.installationId;

  beforeAll(async () => {
    a = await openEngine(ACCOUNT_A);
    b = await openEngine(ACCOUNT_B);
    dir = tempDir('strongroom-workspace-files-');
    a.clock.advance(HOUR);
    keyA = await activity(a.kms, 5);
    b.clock.advance(2 * HOUR);
    keyB = await activity(b.kms, 3);
    a1 = join(dir, 'a1.jsonl');
    b1 = join(dir, 'b1.json.gz');
    a1Records = (await a.kms.exportAuditLog({ file: a1 })).records;
    b1Records = (await b.kms.exportAuditLog({ file: b1, layout: 'cloudtrail', gzip: true })).records;
    workspace = new AuditWorkspace(join(dir, 'workspace.db'));
    importedA = await workspace.import(a1, { trustedPublicKey: a.publicKey(), label: 'alpha', nowMs: START });
    importedB = await workspace.import(b1, { trustedPublicKey: b.publicKey(), label: 'bravo', nowMs: START });
  });
  afterAll(() => {
    workspace.close();
    a.cleanup();
    b.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports each export with only its public key', () => {
    expect(importedA).toEqual({ installationId: idA(), label: 'alpha', records: a1Records, added: a1Records, trust: 'trusted-key', keyFingerprint: a.kms.audit.publicKey()?.fingerprint });
    expect(importedB).toEqual({ installationId: idB(), label: 'bravo', records: b1Records, added: b1Records, trust: 'trusted-key', keyFingerprint: b.kms.audit.publicKey()?.fingerprint });
    expect(idA()).not.toBe(idB());
  });

  it('sources() counts each installation', () => {
    expect(workspace.sources()).toEqual([
      { installationId: idA(), label: 'alpha', accountId: ACCOUNT_A, region: 'local-1', keyFingerprint: a.kms.audit.publicKey()?.fingerprint, records: a1Records, firstSeq: 1, lastSeq: a1Records, firstTime: '2026-01-01T00:00:00Z', lastTime: '2026-01-01T01:00:00Z' },
      { installationId: idB(), label: 'bravo', accountId: ACCOUNT_B, region: 'local-1', keyFingerprint: b.kms.audit.publicKey()?.fingerprint, records: b1Records, firstSeq: 1, lastSeq: b1Records, firstTime: '2026-01-01T00:00:00Z', lastTime: '2026-01-01T02:00:00Z' },
    ]);
  });

  it('queries both together, each record naming its installation; Installation filters by id or label', () => {
    const all = workspace.query({ MaxResults: 1000 }).records;
    expect(all).toHaveLength(a1Records + b1Records);
    expect(new Set(all.map((r) => r.installationId))).toEqual(new Set([idA(), idB()]));
    // Newest first across both: B's records (an hour later) come first.
    expect(all[0]?.installationId).toBe(idB());
    for (const r of all) {
      expect(r.record.recipientAccountId).toBe(r.installationId === idA() ? ACCOUNT_A : ACCOUNT_B);
    }
    for (const [filter, id, n] of [[idA(), idA(), a1Records], ['alpha', idA(), a1Records], [idB(), idB(), b1Records], ['bravo', idB(), b1Records]] as const) {
      const page = workspace.query({ Installation: filter, MaxResults: 1000 }).records;
      expect(page, filter).toHaveLength(n);
      expect(page.every((r) => r.installationId === id), filter).toBe(true);
    }
    expect(workspace.query({ Installation: 'nobody' }).records).toEqual([]);
    // Other filters combine with it.
    expect(workspace.query({ Installation: 'alpha', EventName: 'Encrypt' }).records).toHaveLength(5);
    expect(workspace.query({ Installation: 'bravo', Outcome: 'Failure' }).records.map((r) => r.record.errorCode)).toEqual(['NotFoundException']);
  });

  it('KeyId across installations: a key id finds its own installation’s records; an alias name both, each by its own history', () => {
    const byA = workspace.query({ KeyId: keyA, MaxResults: 1000 }).records;
    expect(byA.length).toBeGreaterThan(5);
    expect(byA.every((r) => r.installationId === idA())).toBe(true);
    const byArn = workspace.query({ KeyId: `arn:aws:kms:local-1:${ACCOUNT_B}:key/${keyB}`, MaxResults: 1000 }).records;
    expect(byArn.every((r) => r.installationId === idB())).toBe(true);
    const shared = workspace.query({ KeyId: 'alias/shared', EventName: 'Encrypt', MaxResults: 1000 }).records;
    expect(shared.filter((r) => r.installationId === idA())).toHaveLength(5);
    expect(shared.filter((r) => r.installationId === idB())).toHaveLength(3);
    for (const r of shared) {
      expect(r.record.resources[0]?.ARN).toMatch(new RegExp(`key/${r.installationId === idA() ? keyA : keyB}$`));
    }
    // Principal: 'root' means every imported account's root; an ARN one of them.
    expect(workspace.query({ Principal: 'root', MaxResults: 1000 }).records).toHaveLength(a1Records + b1Records);
    const rootB = workspace.query({ Principal: `arn:aws:iam::${ACCOUNT_B}:root`, MaxResults: 1000 }).records;
    expect(rootB.length).toBeGreaterThan(0);
    expect(rootB.every((r) => r.installationId === idB())).toBe(true);
  });

  it('pages across installations with NextToken, without repeats', () => {
    const seen: Array<string> = [];
    let token: string | undefined;
    do {
      const page = workspace.query({ MaxResults: 4, ...(token === undefined ? {} : { NextToken: token }) });
      seen.push(...page.records.map((r) => `${r.installationId}:${r.seq}`));
      token = page.nextToken;
    } while (token !== undefined);
    expect(seen).toHaveLength(a1Records + b1Records);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('re-importing the same file adds nothing', async () => {
    const again = await workspace.import(a1, { trustedPublicKey: a.publicKey(), nowMs: START });
    expect(again).toMatchObject({ installationId: idA(), label: 'alpha', records: a1Records, added: 0 });
    expect(counts()).toEqual({ alpha: a1Records, bravo: b1Records });
  });

  it('an overlapping later export adds only the new records (the pinned key checks it)', async () => {
    a.clock.advance(HOUR);
    await a.kms.invoke('Encrypt', { KeyId: keyA, Plaintext: bytes('later') });
    const a2 = join(dir, 'a2.json');
    const s2 = await a.kms.exportAuditLog({ file: a2, layout: 'cloudtrail' });
    // a1's ExportAuditLog record, the Encrypt, and whatever else followed a1.
    const result = await workspace.import(a2, { nowMs: START });
    expect(result).toMatchObject({ installationId: idA(), records: s2.records, added: s2.records - a1Records, trust: 'pinned-key' });
    expect(counts()).toEqual({ alpha: s2.records, bravo: b1Records });
    expect(workspace.query({ Installation: 'alpha', EventName: 'ExportAuditLog' }).records.map((r) => r.record.requestParameters?.file)).toEqual(['a1.jsonl']);
    // A time-range export inside what is already there adds nothing.
    const range = join(dir, 'a-range.jsonl');
    await a.kms.exportAuditLog({ file: range, startTime: new Date(START + HOUR), endTime: new Date(START + HOUR) });
    expect(await workspace.import(range, { trustedPublicKey: a.publicKey(), nowMs: START })).toMatchObject({ added: 0 });
    expect(counts()).toEqual({ alpha: s2.records, bravo: b1Records });
  });

  it('an export of A signed by another key — B’s export relabelled as A, or a forgery — is refused, nothing added', async () => {
    const before = counts();
    const relabelled = parseJsonl(await (async () => {
      const file = join(dir, 'b-plain.jsonl');
      await b.kms.exportAuditLog({ file });
      return file;
    })());
    relabelled.header.installationId = idA();
    const bAsA = writeJsonl(relabelled, join(dir, 'b-as-a.jsonl'));
    const forged = writeJsonl(forge(parseJsonl(a1), attacker.privateKey, attacker.publicKey), join(dir, 'a-forged.jsonl'));
    for (const file of [bAsA, forged]) {
      for (const options of [{ trustedPublicKey: a.publicKey() }, {}]) {
        const err = await importError(workspace, file, options);
        expect(err, file).toBeInstanceOf(ValidationException);
        expect(err.message).toMatch(/does not verify, so nothing was imported: checkpoint 1/);
      }
    }
    // B's key given for an installation pinned to A's key: refused before verifying.
    const pinned = await importError(workspace, a1, { trustedPublicKey: b.publicKey() });
    expect(pinned).toBeInstanceOf(ValidationException);
    expect(pinned.message).toMatch(/is pinned in this workspace to audit key/);
    expect(counts()).toEqual(before);
  });

  it('a tampered export is refused, naming the problem, with nothing added', async () => {
    const before = counts();
    const m = parseJsonl(a1);
    const row = m.records.find((r) => r.seq === 4);
    if (row === undefined) {
      throw new Error('setup');
    }
    row.record = { ...row.record, eventName: 'Decrypt' };
    // Records beyond what the workspace holds, so nothing could have been "already there".
    const err = await importError(workspace, writeJsonl(m, join(dir, 'a-edited.jsonl')), { trustedPublicKey: a.publicKey() });
    expect(err).toBeInstanceOf(ValidationException);
    expect(err.message).toMatch(/a-edited\.jsonl does not verify, so nothing was imported: record 4 was edited/);
    const cut = parseJsonl(a1);
    cut.records.pop();
    const truncated = await importError(workspace, writeJsonl(cut, join(dir, 'a-cut.jsonl')), {});
    expect(truncated.message).toMatch(/nothing was imported: the log was truncated/);
    const garbage = join(dir, 'garbage.jsonl');
    writeFileSync(garbage, 'not an export\n');
    const notExport = await importError(workspace, garbage, {});
    expect(notExport).toBeInstanceOf(ValidationException);
    expect(notExport.message).toContain(garbage);
    expect(counts()).toEqual(before);
  });

  it('a label already used by another installation is refused with a clear error, nothing added', async () => {
    const c = await openEngine(ACCOUNT_A);
    try {
      const file = join(dir, 'c.jsonl');
      await c.kms.exportAuditLog({ file });
      const before = workspace.sources();
      const err = await importError(workspace, file, { trustedPublicKey: c.publicKey(), label: 'alpha' });
      expect(err, String(err)).toBeInstanceOf(ValidationException);
      expect(err.message).toMatch(/alpha/);
      expect(workspace.sources()).toEqual(before);
    } finally {
      c.cleanup();
    }
  });

  it('the label a re-import reports is the label the workspace keeps', async () => {
    const result = await workspace.import(a1, { label: 'renamed', nowMs: START });
    const stored = workspace.sources().find((s) => s.installationId === idA())?.label;
    expect(result.label).toBe(stored);
  });
});

describe('pinning an installation’s key at its first import', () => {
  it('a later export claiming the installation but signed by another key is refused', async () => {
    const a = await openEngine(ACCOUNT_A);
    const dir = tempDir('strongroom-workspace-pin-');
    const workspace = new AuditWorkspace(join(dir, 'ws.db'));
    try {
      await a.kms.invoke('CreateKey', {});
      const first = join(dir, 'first.jsonl');
      await a.kms.exportAuditLog({ file: first });
      // No key given: verified with the key inside the file, which is then pinned.
      const imported = await workspace.import(first, { nowMs: START });
      expect(imported).toMatchObject({ trust: 'export-key', keyFingerprint: a.kms.audit.publicKey()?.fingerprint });
      expect(workspace.sources()[0]?.keyFingerprint).toBe(a.kms.audit.publicKey()?.fingerprint);

      await a.kms.invoke('CreateKey', {});
      const later = join(dir, 'later.jsonl');
      await a.kms.exportAuditLog({ file: later });
      const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const forged = writeJsonl(forge(parseJsonl(later), attacker.privateKey, attacker.publicKey), join(dir, 'later-forged.jsonl'));
      const before = workspace.sources();
      // The forged file verifies on its own key…
      const fresh = new AuditWorkspace(join(dir, 'fresh.db'));
      expect((await fresh.import(forged, { nowMs: START })).trust).toBe('export-key');
      fresh.close();
      // …but not in a workspace that pinned the real key, with or without the attacker's key given.
      const pinned = await importError(workspace, forged, {});
      expect(pinned).toBeInstanceOf(ValidationException);
      expect(pinned.message).toMatch(/does not verify, so nothing was imported: checkpoint 1 names signing key/);
      const offered = await importError(workspace, forged, { trustedPublicKey: attacker.publicKey });
      expect(offered.message).toMatch(/is pinned in this workspace to audit key .*the key given is a different one/);
      expect(workspace.sources()).toEqual(before);
      // The real later export still imports, against the pinned key.
      expect(await workspace.import(later, { nowMs: START })).toMatchObject({ trust: 'pinned-key', added: parseJsonl(later).records.length - before[0]!.records });
    } finally {
      workspace.close();
      a.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a forged record appended after an export’s last record', () => {
  it('is refused, and does not block the genuine records imported later', async () => {
    const a = await openEngine(ACCOUNT_A);
    const dir = tempDir('strongroom-workspace-tail-');
    const workspace = new AuditWorkspace(join(dir, 'ws.db'));
    try {
      await activity(a.kms, 2);
      const file = join(dir, 'a.jsonl');
      const summary = await a.kms.exportAuditLog({ file });
      const m = parseJsonl(file);
      const last = m.records.at(-1);
      if (last === undefined || summary.lastSeq === null) {
        throw new Error('setup');
      }
      // Chained correctly (the chain is unkeyed); signed by no checkpoint.
      const forgedRecord = { ...last.record, eventName: 'ScheduleKeyDeletion', requestID: 'forged' };
      const seq = summary.lastSeq + 1;
      m.records.push({ seq, prevHash: last.hash, hash: chainHashHex(last.hash, seq, canonicalJson(forgedRecord)), record: forgedRecord });
      const tampered = writeJsonl(m, join(dir, 'a-tail.jsonl'));
      const err = await importError(workspace, tampered, { trustedPublicKey: a.publicKey() }).catch((e: unknown) => e as Error);
      expect(err.message, `record ${seq} is after the record the export's own checkpoint signs`).toMatch(/nothing was imported/);
      expect(workspace.sources()).toEqual([]);
      expect(workspace.query({ RequestId: 'forged' }).records).toEqual([]);
      // The genuine record at that seq (the ExportAuditLog record) imports from the next export.
      const next = join(dir, 'a-next.jsonl');
      await a.kms.exportAuditLog({ file: next });
      expect((await workspace.import(next, { trustedPublicKey: a.publicKey(), nowMs: START })).added).toBe(seq + 0);
    } finally {
      workspace.close();
      a.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
