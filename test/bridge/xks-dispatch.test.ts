// The window's external key stores (Custody screen) through the bridge dispatcher, against a real
// engine: a store created (its secret once), a key exposed, credentials rotated and retired, and
// the endpoint the window starts answers AWS KMS's XKS calls with those credentials.
import { join } from 'node:path';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppSettings } from '../../shared/api/bridge.ts';
import { createDispatcher, type Dispatcher } from '../../electron/bridge/dispatch.ts';
import { FileService } from '../../electron/bridge/files.ts';
import { newEngine, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
let dispatch: Dispatcher;
const settings: AppSettings = { rootKeyProvider: 'memory', rootKeyLocation: 'memory', unlocked: true, dataDirectory: '/d', endpoint: { running: false, url: null }, surface: 'electron' };

beforeEach(async () => {
  t = await newEngine();
  dispatch = createDispatcher({
    status: async () => ({ initialized: true, unlocked: true }),
    engine: () => t.kms,
    files: new FileService({ engine: () => t.kms }),
    settings: () => settings,
    showInFolder: async () => ({ shown: false }),
    exportDestination: async () => null,
    workspacePath: join(t.dir, 'workspace.db'),
    log: () => {},
  });
});
afterEach(async () => {
  await dispatch('SetEndpoint', { Enabled: false });
  dispatch.close();
  t.cleanup();
});

async function ok<T>(name: string, input: unknown = {}): Promise<T> {
  const r = await dispatch(name, input);
  if (!r.ok) {
    throw new Error(`${name}: ${r.error.name}: ${r.error.message}`);
  }
  return r.value as T;
}

async function health(url: string, path: string, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<number> {
  const u = new URL(url);
  const body = JSON.stringify({ requestMetadata: { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'h' } });
  const request = new HttpRequest({ method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path, headers: { host: u.host, 'content-type': 'application/json' }, body });
  const signed = await new SignatureV4({ credentials, region: 'us-east-1', service: 'kms-xks-proxy', sha256: Hash.bind(null, 'sha256') }).sign(request);
  const headers = { ...signed.headers } as Record<string, string>;
  delete headers.host;
  return (await fetch(`${url}${path}`, { method: 'POST', headers, body })).status;
}

describe('external key stores from the window', () => {
  it('creates a store, exposes a key, rotates and retires credentials; the window’s endpoint serves AWS KMS', async () => {
    const created = await ok<{ UriPrefix: string; XksProxyUriPath: string; AccessKeyId: string; SecretAccessKey: string }>('CreateXksKeyStore', { UriPrefix: '/team-a' });
    expect(created).toMatchObject({ UriPrefix: '/team-a', XksProxyUriPath: '/team-a/kms/xks/v1' });
    expect(await dispatch('CreateXksKeyStore', { UriPrefix: 'no-slash' })).toMatchObject({ ok: false, error: { name: 'ValidationException' } });
    const keyId = (await ok<{ KeyMetadata: { KeyId: string } }>('CreateKey', {})).KeyMetadata.KeyId;
    expect(await ok('AddXksKey', { KeyId: keyId })).toEqual({ KeyId: keyId });

    const started = await ok<{ url: string }>('SetEndpoint', { Enabled: true, Port: 0 });
    const first = { accessKeyId: created.AccessKeyId, secretAccessKey: created.SecretAccessKey };
    expect(await health(started.url, '/team-a/kms/xks/v1/health', first)).toBe(200);

    const rotated = await ok<{ AccessKeyId: string; SecretAccessKey: string; ActiveAccessKeyIds: Array<string> }>('RotateXksCredentials', { UriPrefix: '/team-a' });
    expect(rotated.ActiveAccessKeyIds).toEqual([created.AccessKeyId, rotated.AccessKeyId]);
    await ok('RetireXksCredential', { AccessKeyId: created.AccessKeyId });
    expect(await health(started.url, '/team-a/kms/xks/v1/health', first)).toBe(401);
    expect(await health(started.url, '/team-a/kms/xks/v1/health', { accessKeyId: rotated.AccessKeyId, secretAccessKey: rotated.SecretAccessKey })).toBe(200);

    const listed = await ok<{ XksKeyStores: Array<Record<string, unknown>> }>('ListXksKeyStores');
    expect(listed.XksKeyStores).toMatchObject([{ UriPrefix: '/team-a', AccessKeyIds: [rotated.AccessKeyId], Keys: [{ KeyId: keyId }] }]);
    expect(JSON.stringify(listed)).not.toContain(rotated.SecretAccessKey);
    expect(await ok('RemoveXksKey', { KeyId: keyId })).toEqual({ KeyId: keyId });
  });
});
