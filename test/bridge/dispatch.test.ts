// The dispatcher both bridges share, against a real engine: KMS operations go through the engine
// (validated, authorized, audited), app operations are validated against their shared schema
// first, file jobs report progress and never write over their input, and every outcome is a
// BridgeResult.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppSettings, FileProgress } from '../../shared/api/bridge.ts';
import { createDispatcher, type Dispatch } from '../../electron/bridge/dispatch.ts';
import { FileService } from '../../electron/bridge/files.ts';
import type { Kms } from '../../electron/kms/engine.ts';
import { newEngine, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
let dispatch: Dispatch;
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
    log: () => {},
  });
});
afterEach(() => t.cleanup());

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

  it('refuses folders and ids it did not hand out', async () => {
    expect(() => files.add([t.dir])).toThrow(/is not a regular file \(it is a folder/);
    expect(await dispatch('ShowInFolder', { FileId: 'f-0000000000000000' })).toMatchObject({ ok: false, error: { name: 'NotFoundException' } });
  });
});
