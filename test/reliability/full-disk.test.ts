// A full disk at every write surface (issue 22, "Build" (b)): a small tmpfs of the test's own
// (test/support/tmpfs.ts) is filled to the last byte, first under the data folder of a serving
// endpoint, then under the output folders of the file-writing actions. Every write answers an
// AWS-named error that says the disk is full; the endpoint keeps serving; nothing stored is lost
// or corrupted (integrity_check, the audit chain, a blob from before decrypts); no staging file or
// partial output is left; and once space returns the same calls succeed.
import Database from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExport, verifyExport } from '../../electron/kms/audit/export.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { KmsError } from '../../electron/kms/errors.ts';
import { decryptFile, encryptFile } from '../../electron/kms/envelope/files.ts';
import { installationKeyring, kmsKeyring } from '../../electron/kms/envelope/keyrings.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { startEndpoint } from '../../electron/server/endpoint.ts';
import type { TestEndpoint } from '../support/endpoint.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';
import { rawRequest } from '../support/signed-fetch.ts';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.ts';

const mounted = mountTmpfs(16);
const skipped = mounted.reason === null ? '' : ` (skipped: ${mounted.reason})`;
const tempDir = tempDirsRemovedAfterAll();
const DISK_FULL = /disk is full|free (some )?space/i;
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] });

afterAll(() => mounted.tmpfs?.unmount());

function integrity(dataDir: string): unknown {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
}

describe.skipIf(mounted.tmpfs === null)(`a full disk under a serving endpoint's data folder${skipped}`, () => {
  let disk: Tmpfs;
  let ep: TestEndpoint;
  let keyId: string;
  let externalKey: string;
  let doomedKey: string;
  let blob: string;
  let keysBefore: number;
  const log: Array<string> = [];
  const call = (target: string, body: Record<string, unknown>) => rawRequest(ep, { target: `TrentService.${target}`, body: JSON.stringify(body) });

  beforeAll(async () => {
    disk = mounted.tmpfs as Tmpfs;
    const dir = join(disk.dir, 'data');
    const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider(), accountId: '111122223333', region: 'local-1' });
    const access = kms.createAccessKey('root');
    const server = await startEndpoint({ kms, lookup: kms.lookupAccessKey, port: 0, log: (line) => log.push(line) });
    ep = {
      endpoint: server.url,
      region: 'local-1',
      accountId: '111122223333',
      credentials: { accessKeyId: access.AccessKeyId, secretAccessKey: access.SecretAccessKey },
      kms,
      dir,
      server,
      close: async () => {
        await server.close();
        kms.close();
      },
    };
    keyId = ((await call('CreateKey', {})).json().KeyMetadata as { KeyId: string }).KeyId;
    doomedKey = ((await call('CreateKey', {})).json().KeyMetadata as { KeyId: string }).KeyId;
    externalKey = String(((await call('CreateKey', { Origin: 'EXTERNAL' })).json().KeyMetadata as { KeyId: string }).KeyId);
    blob = String((await call('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('written before the disk filled').toString('base64') })).json().CiphertextBlob);
    keysBefore = ((await call('ListKeys', {})).json().Keys as Array<unknown>).length;
    disk.fill();
  });

  afterAll(async () => {
    disk.free();
    await ep.close();
  });

  const WRITES: Array<[string, () => Record<string, unknown>]> = [
    ['CreateKey', () => ({ Description: 'on a full disk' })],
    ['GetParametersForImport', () => ({ KeyId: externalKey, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' })],
    ['RotateKeyOnDemand', () => ({ KeyId: keyId })],
    ['ScheduleKeyDeletion', () => ({ KeyId: doomedKey, PendingWindowInDays: 7 })],
    ['CreateGrant', () => ({ KeyId: keyId, GranteePrincipal: 'arn:aws:iam::111122223333:root', Operations: ['Decrypt'] })],
    ['CreateAlias', () => ({ AliasName: `alias/full-${randomUUID()}`, TargetKeyId: keyId })],
    ['PutKeyPolicy', () => ({ KeyId: keyId, PolicyName: 'default', Policy: POLICY })],
    ['Decrypt', () => ({ CiphertextBlob: blob })],
  ];

  it.each(WRITES)('%s answers KMSInternalException naming the full disk, and the endpoint keeps serving', async (target, body) => {
    const r = await call(target, body());
    expect(r.status).toBe(500);
    expect(r.json().__type).toBe('KMSInternalException');
    expect(String(r.json().message)).toMatch(DISK_FULL);
  });

  it('says so in its log', () => {
    expect(log.filter((l) => DISK_FULL.test(l)).length).toBeGreaterThan(0);
  });

  it('a backup (its snapshot goes to the data folder) is refused in words, and leaves nothing behind', async () => {
    const out = tempDir('strongroom-full-out-');
    const backup = await ep.kms.createBackup({ out: join(out, 'b.backup'), shares: 2, threshold: 2 }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(backup).toBeInstanceOf(KmsError);
    expect((backup as KmsError).message).toMatch(DISK_FULL);
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(ep.dir).filter((n) => n.startsWith('.backup-snapshot-'))).toEqual([]);
  });

  it('once space returns: the same calls succeed, nothing stored was lost, the chain verifies', async () => {
    disk.free();
    expect(integrity(ep.dir)).toBe('ok');
    const plain = await call('Decrypt', { CiphertextBlob: blob });
    expect(plain.status).toBe(200);
    expect(Buffer.from(String(plain.json().Plaintext), 'base64').toString()).toBe('written before the disk filled');
    expect(((await call('ListKeys', {})).json().Keys as Array<unknown>).length).toBe(keysBefore);
    for (const [target, body] of WRITES) {
      expect((await call(target, body())).status, target).toBe(200);
    }
    expect(ep.kms.audit.verify().ok).toBe(true);
  });
});

describe.skipIf(mounted.tmpfs === null)(`a full disk under the output folders${skipped}`, () => {
  let disk: Tmpfs;
  let kms: Kms;
  let keyId: string;
  let input: string;
  let encrypted: string;
  const PLAINTEXT = Buffer.from('plaintext that will not fit\n'.repeat(20_000));

  beforeAll(async () => {
    disk = mounted.tmpfs as Tmpfs;
    const home = tempDir('strongroom-full-home-');
    kms = await Kms.init({ dataDir: join(home, 'data'), provider: new MemoryRootKeyProvider(), accountId: '111122223333', region: 'local-1' });
    keyId = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    input = join(home, 'input.txt');
    writeFileSync(input, PLAINTEXT);
    encrypted = join(home, 'input.txt.strongroom');
    await encryptFile(input, encrypted, { keyrings: [kmsKeyring(kms, keyId)], context: {} });
    disk.free();
    disk.fill();
  });

  afterAll(() => {
    disk.free();
    kms.close();
  });

  const refusal = async (work: () => Promise<unknown>): Promise<KmsError> => {
    const err = await work().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KmsError);
    return err as KmsError;
  };

  it.each([
    ['encrypt-file', (out: string) => encryptFile(input, join(out, 'x.strongroom'), { keyrings: [kmsKeyring(kms, keyId)], context: {} })],
    ['decrypt-file', (out: string) => decryptFile(encrypted, join(out, 'x.txt'), { keyrings: [installationKeyring(kms)] })],
    ['audit export', (out: string) => kms.exportAuditLog({ file: join(out, 'audit.jsonl') })],
    ['backup create', (out: string) => kms.createBackup({ out: join(out, 'b.backup'), shares: 2, threshold: 2 })],
  ] as const)('%s into a full folder: an AWS-named error naming the disk, nothing left in the folder, the input untouched', async (_name, work) => {
    const out = join(disk.dir, `out-${randomUUID()}`);
    disk.free();
    mkdirSync(out);
    disk.fill();
    const inputHash = createHash('sha256').update(readFileSync(input)).digest('hex');
    const err = await refusal(() => work(out));
    expect(err.name).toBe('KMSInternalException');
    expect(err.message).toMatch(DISK_FULL);
    expect(readdirSync(out)).toEqual([]);
    expect(createHash('sha256').update(readFileSync(input)).digest('hex')).toBe(inputHash);
    // Space back: the same work succeeds.
    disk.free();
    await work(out);
    expect(readdirSync(out).filter((n) => n.endsWith('.partial'))).toEqual([]);
    expect(kms.audit.verify().ok).toBe(true);
  });

  it('audit archive into a full folder: an AWS-named error naming the full disk, nothing pruned, the chain verifies; archived once space returns', async () => {
    const out = join(disk.dir, `archive-${randomUUID()}`);
    disk.free();
    mkdirSync(out);
    disk.fill();
    const file = join(out, 'audit-archive.jsonl');
    // Records in whole seconds: archive those before the current second, so the refusal's record
    // and later ones stay live (an archive of every live record leaves a log that verify() calls
    // broken: a separate defect, docs/reliability.md "Known and left").
    await kms.invoke('ListKeys', {});
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const before = new Date();
    const records = kms.audit.count();
    const err = await refusal(() => kms.archiveAuditLog({ file, before }));
    expect(err.name).toBe('KMSInternalException');
    expect(err.message).toMatch(DISK_FULL);
    expect(readdirSync(out)).toEqual([]);
    // Nothing pruned: every record is still live, plus the refusal's own.
    expect(kms.audit.count()).toBe(records + 1);
    expect(kms.audit.list({ EventName: 'ArchiveAuditLog' }).at(-1)?.record.errorCode).toBe('KMSInternalException');
    expect(kms.audit.verify().ok).toBe(true);
    // Space back: the same archive succeeds, and what it holds verifies.
    disk.free();
    const summary = await kms.archiveAuditLog({ file, before });
    expect(summary.throughSeq).toBeGreaterThanOrEqual(records);
    expect(readdirSync(out).filter((n) => n.endsWith('.partial'))).toEqual([]);
    expect((await verifyExport(await readExport(file))).ok).toBe(true);
    expect(summary.remaining).toBeGreaterThanOrEqual(2);
    expect(kms.audit.verify().ok).toBe(true);
  });
});
