// The dispatcher both bridges share, against a real engine: KMS operations go through the engine
// (validated, authorized, audited), app operations are validated against their shared schema
// first, file jobs report progress and never write over their input, and every outcome is a
// BridgeResult.

import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppSettings, FileProgress } from '../../shared/api/bridge.ts';
import { createDispatcher, type Dispatcher } from '../../electron/bridge/dispatch.ts';
import { FileService } from '../../electron/bridge/files.ts';
import type { Kms } from '../../electron/kms/engine.ts';
import { newEngine, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
let dispatch: Dispatcher;
/** What the save dialog answers next (null: the user cancelled). */
let exportAnswer: string | null;
const suggestions: Array<string> = [];
let files: FileService;
let progress: Array<FileProgress>;
let engineOpen: boolean;
const shown: Array<string> = [];
const settings: AppSettings = { rootKeyProvider: 'memory', rootKeyLocation: 'memory', unlocked: true, dataDirectory: '/d', endpoint: { running: false, url: null }, surface: 'electron' };

beforeEach(async () => {
  t = await newEngine();
  engineOpen = true;
  progress = [];
  const engine = (): Kms | null => (engineOpen ? t.kms : null);
  files = new FileService({
    engine: () => {
      const kms = engine();
      if (kms === null) {
        throw new Error('locked');
      }
      return kms;
    },
  });
  files.onProgress((p) => progress.push(p));
  dispatch = createDispatcher({
    status: async () => (engineOpen ? { initialized: true, unlocked: true } : { initialized: true, unlocked: false, problem: { code: 'RootKeyUnavailable', message: 'The keychain is locked: unlock it and press Refresh.' } }),
    engine,
    files,
    settings: () => settings,
    showInFolder: async (path) => {
      shown.push(path);
      return { shown: true };
    },
    exportDestination: async (suggestedName) => {
      suggestions.push(suggestedName);
      return exportAnswer;
    },
    workspacePath: join(t.dir, 'workspace.db'),
    log: () => {},
  });
  exportAnswer = join(t.dir, 'export.jsonl');
});
afterEach(async () => {
  await dispatch.close();
  t.cleanup();
});

async function ok<T>(name: string, input?: unknown): Promise<T> {
  const result = await dispatch(name, input);
  if (!result.ok) {
    throw new Error(`${name}: ${result.error.name}: ${result.error.message}`);
  }
  return result.value as T;
}

describe('bridge dispatcher', () => {
  it('runs KMS operations through the engine, bytes in and out, each audited', async () => {
    const before = t.kms.audit.count();
    const key = await ok<{ KeyMetadata: { KeyId: string } }>('CreateKey', { Description: 'from the window' });
    const sealed = await ok<{ CiphertextBlob: Uint8Array }>('Encrypt', { KeyId: key.KeyMetadata.KeyId, Plaintext: new TextEncoder().encode('hi') });
    const opened = await ok<{ Plaintext: Uint8Array }>('Decrypt', { CiphertextBlob: sealed.CiphertextBlob });
    expect(new TextDecoder().decode(opened.Plaintext)).toBe('hi');
    expect(t.kms.audit.count()).toBe(before + 3);
    expect(t.kms.audit.list({ MaxResults: 1 })[0]?.record.userAgent).toBe('strongroom');
  });

  it('answers bad input with the AWS error name and runs nothing', async () => {
    const before = t.kms.audit.count();
    expect(await dispatch('QueryAudit', { MaxResults: 0 })).toMatchObject({ ok: false, error: { name: 'ValidationException', message: expect.stringMatching(/maxResults/i) as unknown } });
    expect(await dispatch('EncryptFiles', { FileIds: ['/etc/passwd'], KeyIds: ['alias/x'] })).toMatchObject({ ok: false, error: { name: 'ValidationException' } });
    expect(await dispatch('CancelFileJob', { JobId: 42 })).toMatchObject({ ok: false, error: { name: 'SerializationException' } });
    expect(await dispatch('Exec', {})).toMatchObject({ ok: false, error: { name: 'ValidationException', message: expect.stringContaining('not an operation') } });
    expect(await dispatch('constructor', {})).toMatchObject({ ok: false, error: { name: 'ValidationException' } });
    // App operations are not audited; none of the refused calls reached the engine.
    expect(t.kms.audit.count()).toBe(before);
    // A KMS operation's bad input is refused by the engine, which audits it.
    expect(await dispatch('CreateKey', { KeySpec: 'ROT13' })).toMatchObject({ ok: false, error: { name: 'ValidationException' } });
    expect(t.kms.audit.count()).toBe(before + 1);
  });

  it('says plainly when the installation is locked', async () => {
    engineOpen = false;
    expect(await dispatch('ListKeys', {})).toEqual({ ok: false, error: { name: 'KMSInvalidStateException', message: 'The keychain is locked: unlock it and press Refresh.' } });
    expect(await ok('Status')).toMatchObject({ unlocked: false });
  });

  it('queries, verifies and charts the audit log', async () => {
    await ok('CreateKey', {});
    await dispatch('DescribeKey', { KeyId: 'alias/missing' });
    const page = await ok<{ records: Array<{ record: { eventName: string } }> }>('QueryAudit', { Outcome: 'Failure' });
    expect(page.records.map((r) => r.record.eventName)).toEqual(['DescribeKey']);
    expect(await ok('VerifyAudit')).toMatchObject({ ok: true, records: 3 });
    // The overview's "last checkpoint": the newest signed one, once there is one.
    const signed = t.kms.audit.checkpoint('request').body;
    expect(await ok('VerifyAudit')).toMatchObject({ ok: true, lastCheckpoint: { number: signed.number, createdAt: signed.createdAt, headSeq: signed.headSeq } });
    const activity = await ok<{ buckets: Array<{ success: number; failure: number }> }>('AuditActivity', { Bucket: 'hour' });
    expect(activity.buckets.reduce((n, b) => n + b.success + b.failure, 0)).toBe(t.kms.audit.count());
    expect(activity.buckets.reduce((n, b) => n + b.failure, 0)).toBe(1);
    expect(await ok('GetSettings')).toEqual(settings);
  });

  it('encrypts and decrypts added files with progress, never over the input, and shows outputs', async () => {
    const keyId = (await ok<{ KeyMetadata: { KeyId: string } }>('CreateKey', {})).KeyMetadata.KeyId;
    const paths = ['a.txt', 'b.bin'].map((name, i) => {
      const path = join(t.dir, name);
      writeFileSync(path, Buffer.alloc(3_000_000 * (i + 1), i + 1));
      return path;
    });
    const added = files.add(paths);
    expect(added.map((f) => f.encrypted)).toEqual([false, false]);
    const { jobId } = await ok<{ jobId: string }>('EncryptFiles', { FileIds: added.map((f) => f.fileId), KeyIds: [keyId], EncryptionContext: { purpose: 'test' } });
    await files.idle();
    const done = progress.filter((p) => p.jobId === jobId && p.state === 'done');
    expect(done.map((p) => p.name)).toEqual(['a.txt', 'b.bin']);
    expect(progress.some((p) => p.state === 'running' && p.bytesDone > 0 && p.bytesDone < p.bytesTotal)).toBe(true);
    expect(readFileSync(join(t.dir, 'a.txt.strongroom')).subarray(0, 1)).toEqual(Buffer.from([0x02]));
    const outputId = done[0]?.outputId ?? '';
    expect(await ok('ShowInFolder', { FileId: outputId })).toEqual({ shown: true });
    expect(shown.at(-1)).toBe(join(t.dir, 'a.txt.strongroom'));

    // a.txt is still there: the decryption goes to a free name beside it, the input untouched.
    const [encrypted] = files.add([join(t.dir, 'a.txt.strongroom')]);
    expect(encrypted?.encrypted).toBe(true);
    await ok('DecryptFiles', { FileIds: [encrypted?.fileId] });
    await files.idle();
    expect(progress.at(-1)).toMatchObject({ state: 'done', outputName: 'a (2).txt' });
    // The result says which key opened it and its context (the SDK's signing key left out).
    expect(progress.at(-1)?.openedBy).toEqual({ keyArn: `arn:aws:kms:local-1:111122223333:key/${keyId}`, encryptionContext: { purpose: 'test' } });
    expect(readFileSync(join(t.dir, 'a (2).txt'))).toEqual(Buffer.alloc(3_000_000, 1));
    expect(readFileSync(join(t.dir, 'a.txt'))).toEqual(Buffer.alloc(3_000_000, 1));
    // Encrypting again does not replace the first output either.
    await ok('EncryptFiles', { FileIds: [added[0]?.fileId], KeyIds: [keyId] });
    await files.idle();
    expect(progress.at(-1)).toMatchObject({ state: 'done', outputName: 'a.txt (2).strongroom' });
  });

  it('reports AccessDenied per file in plain words when a policy denies the caller', async () => {
    const keyId = (await ok<{ KeyMetadata: { KeyId: string } }>('CreateKey', {})).KeyMetadata.KeyId;
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
        { Sid: 'NoFiles', Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:GenerateDataKey*', Resource: '*' },
      ],
    };
    await ok('PutKeyPolicy', { KeyId: keyId, PolicyName: 'default', Policy: JSON.stringify(policy) });
    const path = join(t.dir, 'c.txt');
    writeFileSync(path, 'secret');
    const [file] = files.add([path]);
    await ok('EncryptFiles', { FileIds: [file?.fileId], KeyIds: [keyId] });
    await files.idle();
    expect(progress.at(-1)).toMatchObject({ state: 'failed', error: { name: 'AccessDeniedException', message: expect.stringContaining('explicit deny') } });
  });

  it('a dropped file whose key policy denies Decrypt fails as AccessDenied, naming the alias and the statement', async () => {
    const key = (await ok<{ KeyMetadata: { KeyId: string; Arn: string } }>('CreateKey', {})).KeyMetadata;
    await ok('CreateAlias', { AliasName: 'alias/payroll', TargetKeyId: key.KeyId });
    const path = join(t.dir, 'pay.csv');
    writeFileSync(path, 'alice,100');
    await ok('EncryptFiles', { FileIds: [files.add([path])[0]?.fileId], KeyIds: ['alias/payroll'] });
    await files.idle();
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
        { Sid: 'NoDecrypt', Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    };
    await ok('PutKeyPolicy', { KeyId: key.KeyId, PolicyName: 'default', Policy: JSON.stringify(policy) });
    await ok('DecryptFiles', { FileIds: [files.add([`${path}.strongroom`])[0]?.fileId] });
    await files.idle();
    const last = progress.at(-1);
    expect(last).toMatchObject({ state: 'failed', error: { name: 'AccessDeniedException' } });
    expect(last?.error?.message).toContain(`alias/payroll (${key.Arn}) refused to open this file's data key. Denied by the key policy's Statement[1] (Sid 'NoDecrypt').`);
  });

  it('refuses folders and ids it did not hand out', async () => {
    expect(() => files.add([t.dir])).toThrow(/is not a regular file \(it is a folder/);
    expect(await dispatch('ShowInFolder', { FileId: 'f-0000000000000000' })).toMatchObject({ ok: false, error: { name: 'NotFoundException' } });
  });
  it('exports the audit log where the user chose, and imports it into the inspection workspace', async () => {
    const keyId = (await ok<{ KeyMetadata: { KeyId: string } }>('CreateKey', { Description: 'exported' })).KeyMetadata.KeyId;
    await dispatch('DescribeKey', { KeyId: 'alias/missing' });
    const exported = await ok<{ file: { fileId: string; name: string }; records: number; lastSeq: number; sha256: string }>('ExportAudit', { Layout: 'jsonl' });
    expect(suggestions.at(-1)).toMatch(/^strongroom-audit-111122223333-\d{4}-\d{2}-\d{2}\.jsonl$/);
    expect(exported.file.name).toBe('export.jsonl');
    // Everything up to the export itself is in the file (the export's own record comes after).
    expect(exported.records).toBe(t.kms.audit.count() - 1);
    expect(readFileSync(join(t.dir, 'export.jsonl'), 'utf8')).toContain(keyId);

    // The user cancels the save dialog: nothing is written.
    exportAnswer = null;
    expect(await ok('ExportAudit', { Layout: 'cloudtrail', Gzip: true })).toEqual({ cancelled: true });
    expect(suggestions.at(-1)).toMatch(/\.json\.gz$/);

    // The public key, kept apart from the export, proves who signed it.
    const key = await ok<{ PublicKey: string; Fingerprint: string }>('AuditPublicKey');
    expect(key.PublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const imported = await ok<{ imported: Array<{ records: number; added: number; trust: string; label: string; keyFingerprint: string }> }>('ImportAudit', {
      FileIds: [exported.file.fileId],
      Label: 'desk-1',
      TrustedPublicKey: key.PublicKey,
    });
    expect(imported.imported).toEqual([expect.objectContaining({ label: 'desk-1', records: exported.records, added: exported.records, trust: 'trusted-key', keyFingerprint: key.Fingerprint })]);
    // Importing the same export again adds nothing; the installation's key is pinned now.
    expect((await ok<{ imported: Array<{ added: number; trust: string }> }>('ImportAudit', { FileIds: [exported.file.fileId] })).imported[0]).toMatchObject({ added: 0, trust: 'pinned-key' });
    const sources = await ok<{ sources: Array<{ label: string; records: number; accountId: string }> }>('AuditSources');
    expect(sources.sources).toEqual([expect.objectContaining({ label: 'desk-1', records: exported.records, accountId: '111122223333' })]);
    const failures = await ok<{ records: Array<{ installationId: string; record: { eventName: string } }> }>('QueryAuditWorkspace', { Outcome: 'Failure' });
    expect(failures.records.map((r) => r.record.eventName)).toEqual(['DescribeKey']);
    expect(failures.records[0]?.installationId).toEqual(expect.any(String));
    expect(await ok<{ records: Array<unknown> }>('QueryAuditWorkspace', { KeyId: keyId })).toMatchObject({ records: [expect.anything()] });
  });

  it('refuses to import a file that is not an audit export, and keeps the workspace as it was', async () => {
    const path = join(t.dir, 'not-an-export.jsonl');
    writeFileSync(path, '{"hello":"world"}\n');
    const [file] = files.add([path]);
    const refused = await dispatch('ImportAudit', { FileIds: [file?.fileId] });
    expect(refused).toMatchObject({ ok: false, error: { name: 'ValidationException' } });
    expect(await ok('AuditSources')).toEqual({ sources: [] });
    expect(await dispatch('ImportAudit', { FileIds: [file?.fileId], TrustedPublicKey: 'not a key' })).toMatchObject({ ok: false, error: { name: 'ValidationException', message: expect.stringContaining('is not a public key') as unknown } });
    expect(await dispatch('ImportAudit', { FileIds: [file?.fileId], Label: 'bad;label' })).toMatchObject({ ok: false, error: { name: 'ValidationException', message: expect.stringMatching(/label/i) as unknown } });
  });

  it('starts the AWS-compatible endpoint on loopback, serves signed requests with credentials it made, and stops it', async () => {
    const started = await ok<{ running: boolean; url: string }>('SetEndpoint', { Enabled: true, Port: 0 });
    expect(started).toEqual({ running: true, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) as unknown });
    expect(await ok('GetSettings')).toMatchObject({ endpoint: started });
    const credentials = await ok<{ AccessKeyId: string; SecretAccessKey: string; PrincipalArn: string }>('CreateEndpointCredentials');
    expect(credentials.PrincipalArn).toBe('arn:aws:iam::111122223333:root');
    const listed = await ok<{ AccessKeys: Array<{ AccessKeyId: string; Status: string }> }>('ListEndpointCredentials');
    expect(listed.AccessKeys).toEqual([expect.objectContaining({ AccessKeyId: credentials.AccessKeyId, Status: 'Active' })]);
    expect(JSON.stringify(listed)).not.toContain(credentials.SecretAccessKey);

    const client = new KMSClient({ endpoint: started.url, region: 'us-east-1', credentials: { accessKeyId: credentials.AccessKeyId, secretAccessKey: credentials.SecretAccessKey }, maxAttempts: 1 });
    const created = await client.send(new CreateKeyCommand({ Description: 'over the endpoint' }));
    expect((await ok<{ KeyMetadata: { Description: string } }>('DescribeKey', { KeyId: created.KeyMetadata?.KeyId })).KeyMetadata.Description).toBe('over the endpoint');

    // Starting again on the same port is a no-op; a port in use is named in plain words.
    expect(await ok('SetEndpoint', { Enabled: true, Port: Number(new URL(started.url).port) })).toEqual(started);
    const other = createDispatcher({ status: async () => ({ initialized: true, unlocked: true }), engine: () => t.kms, files, settings: () => settings, showInFolder: async () => ({ shown: false }), exportDestination: async () => null, workspacePath: join(t.dir, 'w2.db'), log: () => {} });
    expect(await other('SetEndpoint', { Enabled: true, Port: Number(new URL(started.url).port) })).toMatchObject({ ok: false, error: { name: 'ValidationException', message: expect.stringContaining('is in use by another program') as unknown } });

    await ok('DeleteEndpointCredentials', { AccessKeyId: credentials.AccessKeyId });
    await expect(client.send(new ListKeysCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    expect(await ok('SetEndpoint', { Enabled: false })).toEqual({ running: false, url: null });
    await expect(client.send(new ListKeysCommand({}))).rejects.toThrow();
    client.destroy();
  });

  it('lists custodians and shows a key’s quorum rule; a guarded call from the window is refused with what to do', async () => {
    expect(await ok('ListCustodians', {})).toEqual({ Custodians: [] });
    const pem = (): string => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    t.kms.addCustodian('alice', pem());
    t.kms.addCustodian('bob', pem());
    const guarded = await ok<{ KeyMetadata: { KeyId: string; Arn: string } }>('CreateKey', {});
    const plain = await ok<{ KeyMetadata: { KeyId: string } }>('CreateKey', {});
    await ok('CreateAlias', { AliasName: 'alias/guarded', TargetKeyId: guarded.KeyMetadata.KeyId });
    t.kms.setQuorumRule(guarded.KeyMetadata.KeyId, 2, ['alice', 'bob']);

    const listed = await ok<{ Custodians: Array<{ Name: string; Fingerprint: string; KeyArns: Array<string> }> }>('ListCustodians', {});
    expect(listed.Custodians.map((c) => c.Name)).toEqual(['alice', 'bob']);
    for (const c of listed.Custodians) {
      expect(c.Fingerprint).toMatch(/^SHA256:/);
      expect(c.KeyArns).toEqual([guarded.KeyMetadata.Arn]);
      // No public key text crosses the bridge: the fingerprint names it.
      expect(JSON.stringify(c)).not.toContain('BEGIN PUBLIC KEY');
    }
    // By id, ARN or alias.
    for (const id of [guarded.KeyMetadata.KeyId, guarded.KeyMetadata.Arn, 'alias/guarded']) {
      expect(await ok('GetQuorumRule', { KeyId: id })).toMatchObject({
        Rule: { KeyArn: guarded.KeyMetadata.Arn, Threshold: 2, Custodians: ['alice', 'bob'], GuardedOperations: expect.arrayContaining(['ScheduleKeyDeletion', 'DisableKey', 'PutKeyPolicy', 'ExportKeyMaterial']) as unknown },
      });
    }
    expect(await ok('GetQuorumRule', { KeyId: plain.KeyMetadata.KeyId })).toEqual({ Rule: null });
    expect(await dispatch('GetQuorumRule', { KeyId: 'alias/none' })).toMatchObject({ ok: false, error: { name: 'NotFoundException' } });
    expect(await dispatch('GetQuorumRule', {})).toMatchObject({ ok: false, error: { name: 'ValidationException' } });

    // The window carries no approvals: the refusal names the rule and points to the CLI.
    const refused = await dispatch('ScheduleKeyDeletion', { KeyId: guarded.KeyMetadata.KeyId, PendingWindowInDays: 7 });
    expect(refused).toMatchObject({ ok: false, error: { name: 'AccessDeniedException' } });
    const message = refused.ok ? '' : refused.error.message;
    expect(message).toContain('needs 2 of 2 custodian approvals (alice, bob)');
    expect(message).toContain('strongroom approval request ScheduleKeyDeletion');
    expect(message).toContain('--approvals');
    expect(await ok('DescribeKey', { KeyId: guarded.KeyMetadata.KeyId })).toMatchObject({ KeyMetadata: { KeyState: 'Enabled' } });
  });
});
