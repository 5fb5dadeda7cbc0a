// Every error name of the XKS proxy API specification, each with its HTTP code, provoked over HTTP
// the way a real client would meet it (requests signed by AWS's own signer for kms-xks-proxy).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Kms } from '../../electron/kms/engine.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { XKS_ERROR_STATUS } from '../../electron/server/xks-endpoint.ts';
import { metadata, pathOf, PRINCIPAL, startXks, xksFetch, type XksResponse, type XksTest } from './support.ts';

let t: XksTest | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const b64 = (s: string | Uint8Array): string => Buffer.from(s).toString('base64');
const encryptBody = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ requestMetadata: metadata('Encrypt'), plaintext: b64('data key'), encryptionAlgorithm: 'AES_GCM', ...extra });

async function encrypt(x: XksTest, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const r = await xksFetch(x, pathOf(x, 'encrypt'), encryptBody(extra));
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

function decryptBody(sealed: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { ciphertext, ciphertextMetadata, initializationVector, authenticationTag } = sealed;
  return { requestMetadata: metadata('Decrypt'), encryptionAlgorithm: 'AES_GCM', ciphertext, ciphertextMetadata, initializationVector, authenticationTag, ...extra };
}

function expectError(r: XksResponse, name: keyof typeof XKS_ERROR_STATUS): void {
  expect(r.body.errorName, JSON.stringify(r.body)).toBe(name);
  expect(r.status).toBe(XKS_ERROR_STATUS[name]);
  const message = String(r.body.errorMessage);
  expect(message.length).toBeLessThan(512);
  expect(message).toMatch(/^[\x20-\x7e]*$/);
}

describe('the specification’s error table', () => {
  it('ValidationException (400): a request the specification’s shapes refuse', async () => {
    t = await startXks();
    expectError(await xksFetch(t, pathOf(t, 'metadata'), {}), 'ValidationException');
    expectError(await xksFetch(t, pathOf(t, 'encrypt'), encryptBody({ plaintext: 'not base64!' })), 'ValidationException');
    expectError(await xksFetch(t, pathOf(t, 'encrypt'), 'not json'), 'ValidationException');
    const sealed = await encrypt(t);
    expectError(await xksFetch(t, pathOf(t, 'decrypt'), decryptBody(sealed, { initializationVector: b64(new Uint8Array(8)) })), 'ValidationException');
    expectError(await xksFetch(t, pathOf(t, 'decrypt'), decryptBody(sealed, { ciphertextMetadata: b64(new Uint8Array(21)) })), 'ValidationException');
  });

  it('InvalidStateException (400): a disabled or pending-deletion key; GetKeyMetadata reports DISABLED', async () => {
    t = await startXks();
    const sealed = await encrypt(t);
    await t.kms.invoke('DisableKey', { KeyId: t.keyId });
    expectError(await xksFetch(t, pathOf(t, 'encrypt'), encryptBody()), 'InvalidStateException');
    expectError(await xksFetch(t, pathOf(t, 'decrypt'), decryptBody(sealed)), 'InvalidStateException');
    expect((await xksFetch(t, pathOf(t, 'metadata'), { requestMetadata: metadata('DescribeKey') })).body).toMatchObject({ keyStatus: 'DISABLED' });
    await t.kms.invoke('EnableKey', { KeyId: t.keyId });
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: t.keyId, PendingWindowInDays: 7 });
    expectError(await xksFetch(t, pathOf(t, 'decrypt'), decryptBody(sealed)), 'InvalidStateException');
    expect((await xksFetch(t, pathOf(t, 'metadata'), { requestMetadata: metadata('DescribeKey') })).body).toMatchObject({ keyStatus: 'DISABLED' });
  });

  it('InvalidCiphertextException (400): a changed tag, AAD, metadata or ciphertext, or metadata this proxy did not write', async () => {
    t = await startXks();
    const aad = b64('ctx');
    const sealed = await encrypt(t, { additionalAuthenticatedData: aad });
    expect((await xksFetch(t, pathOf(t, 'decrypt'), decryptBody(sealed, { additionalAuthenticatedData: aad }))).status).toBe(200);
    const flipped = Buffer.from(String(sealed.authenticationTag), 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expectError(await xksFetch(t, pathOf(t, 'decrypt'), decryptBody(sealed, { additionalAuthenticatedData: aad, authenticationTag: b64(flipped) })), 'InvalidCiphertextException');
    expectError(await xksFetch(t, pathOf(t, 'decrypt'), decryptBody(sealed, { additionalAuthenticatedData: b64('other') })), 'InvalidCiphertextException');
    expectError(await xksFetch(t, pathOf(t, 'decrypt'), decryptBody(sealed)), 'InvalidCiphertextException');
    // The metadata moved into the AAD field: the lengths in the AES-GCM AAD tell them apart.
    expectError(await xksFetch(t, pathOf(t, 'decrypt'), decryptBody(sealed, { additionalAuthenticatedData: sealed.ciphertextMetadata, ciphertextMetadata: undefined })), 'InvalidCiphertextException');
    expectError(await xksFetch(t, pathOf(t, 'decrypt'), decryptBody(sealed, { additionalAuthenticatedData: aad, ciphertextMetadata: b64('key_version=1') })), 'InvalidCiphertextException');
    // A material version the key does not have.
    expectError(await xksFetch(t, pathOf(t, 'decrypt'), decryptBody(sealed, { additionalAuthenticatedData: aad, ciphertextMetadata: b64(Uint8Array.of(1, 0, 0, 0, 9)) })), 'InvalidCiphertextException');
  });

  it('InvalidKeyUsageException (400): an exposed key that is not an AES key', async () => {
    t = await startXks();
    const hmac = (await t.kms.invoke('CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata.KeyId;
    t.kms.addXksKey(hmac);
    expect((await xksFetch(t, pathOf(t, 'metadata', hmac), { requestMetadata: metadata('CreateKey') })).body).toEqual({ keySpec: 'HMAC_256', keyUsage: ['SIGN', 'VERIFY'], keyStatus: 'ENABLED' });
    expectError(await xksFetch(t, pathOf(t, 'encrypt', hmac), encryptBody()), 'InvalidKeyUsageException');
  });

  it('AuthenticationFailedException (401): unknown credential, wrong secret, wrong service, stale signature, no signature', async () => {
    t = await startXks({ endpoint: { now: () => Date.now() + 6 * 60 * 1000 } });
    expectError(await xksFetch(t, pathOf(t, 'health'), { requestMetadata: {} }), 'AuthenticationFailedException');
    await t.close();
    t = await startXks();
    const health = { requestMetadata: { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'h' } };
    expect((await xksFetch(t, pathOf(t, 'health'), health)).status).toBe(200);
    expectError(await xksFetch(t, pathOf(t, 'health'), health, { credentials: { accessKeyId: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', secretAccessKey: t.credentials.secretAccessKey } }), 'AuthenticationFailedException');
    expectError(await xksFetch(t, pathOf(t, 'health'), health, { credentials: { ...t.credentials, secretAccessKey: `${t.credentials.secretAccessKey.slice(0, -2)}A=` } }), 'AuthenticationFailedException');
    expectError(await xksFetch(t, pathOf(t, 'health'), health, { service: 'kms' }), 'AuthenticationFailedException');
    expectError(await xksFetch(t, pathOf(t, 'health'), health, { sign: false }), 'AuthenticationFailedException');
    // The KMS endpoint's own access keys are not XKS credentials, nor the reverse.
    const kmsKey = t.kms.createAccessKey('root');
    expectError(await xksFetch(t, pathOf(t, 'health'), health, { credentials: { accessKeyId: kmsKey.AccessKeyId, secretAccessKey: kmsKey.SecretAccessKey } }), 'AuthenticationFailedException');
    const onKmsEndpoint = await xksFetch(t, '/', {}, { service: 'kms' });
    expect(onKmsEndpoint).toMatchObject({ status: 400, body: { __type: 'UnrecognizedClientException' } });
  });

  it('AccessDeniedException (403): an exposure limited to other AWS principals (the health check is never refused)', async () => {
    t = await startXks();
    t.kms.addXksKey(t.keyId, undefined, ['arn:aws:iam::123456789012:role/Backup']);
    expectError(await xksFetch(t, pathOf(t, 'encrypt'), encryptBody()), 'AccessDeniedException');
    expect((await xksFetch(t, pathOf(t, 'encrypt'), encryptBody({ requestMetadata: metadata('Encrypt', { awsPrincipalArn: 'arn:aws:iam::123456789012:role/Backup' }) }))).status).toBe(200);
    expect((await xksFetch(t, pathOf(t, 'health'), { requestMetadata: { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'h' } })).status).toBe(200);
    t.kms.addXksKey(t.keyId, undefined, [PRINCIPAL]);
    expect((await xksFetch(t, pathOf(t, 'encrypt'), encryptBody())).status).toBe(200);
  });

  it('KeyNotFoundException (404): an unexposed key, a key that does not exist, a key another store exposes', async () => {
    t = await startXks();
    const unexposed = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    expectError(await xksFetch(t, pathOf(t, 'metadata', unexposed), { requestMetadata: metadata('CreateKey') }), 'KeyNotFoundException');
    expectError(await xksFetch(t, pathOf(t, 'encrypt', unexposed), encryptBody()), 'KeyNotFoundException');
    expectError(await xksFetch(t, pathOf(t, 'encrypt', '00000000-0000-4000-8000-000000000000'), encryptBody()), 'KeyNotFoundException');
    t.kms.createXksKeyStore('/team-b');
    t.kms.addXksKey(unexposed, '/team-b');
    expectError(await xksFetch(t, pathOf(t, 'encrypt', unexposed), encryptBody()), 'KeyNotFoundException');
    t.kms.removeXksKey(t.keyId, t.prefix);
    expectError(await xksFetch(t, pathOf(t, 'encrypt'), encryptBody()), 'KeyNotFoundException');
  });

  it('InvalidUriPathException (404): a path that is no operation, or another store’s prefix', async () => {
    t = await startXks();
    expectError(await xksFetch(t, `${t.prefix}/kms/xks/v1/keys/${t.keyId}/sign`, {}), 'InvalidUriPathException');
    expectError(await xksFetch(t, `${t.prefix}/kms/xks/v1/keys/has space/encrypt`, {}), 'InvalidUriPathException');
    t.kms.createXksKeyStore('/team-b');
    expectError(await xksFetch(t, `/team-b/kms/xks/v1/health`, { requestMetadata: {} }), 'InvalidUriPathException');
  });

  it('ThrottlingException (429): a store over its request rate', async () => {
    t = await startXks({ endpoint: { xks: { kms: undefined as never, ratePerSecond: 1 } } });
    const health = { requestMetadata: { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'h' } };
    expect((await xksFetch(t, pathOf(t, 'health'), health)).status).toBe(200);
    expectError(await xksFetch(t, pathOf(t, 'health'), health), 'ThrottlingException');
  });

  it('UnsupportedOperationException (501): another algorithm, another CDIV algorithm, AAD beyond its 2-byte length', async () => {
    t = await startXks();
    expectError(await xksFetch(t, pathOf(t, 'encrypt'), encryptBody({ encryptionAlgorithm: 'AES_CBC' })), 'UnsupportedOperationException');
    expectError(await xksFetch(t, pathOf(t, 'encrypt'), encryptBody({ ciphertextDataIntegrityValueAlgorithm: 'SHA_512' })), 'UnsupportedOperationException');
    expectError(await xksFetch(t, pathOf(t, 'encrypt'), encryptBody({ additionalAuthenticatedData: b64(new Uint8Array(0x10000)) })), 'UnsupportedOperationException');
    // 8192 bytes of AAD (the specification's minimum) and 4300 bytes of plaintext are served.
    expect((await xksFetch(t, pathOf(t, 'encrypt'), encryptBody({ additionalAuthenticatedData: b64(new Uint8Array(8192)), plaintext: b64(new Uint8Array(4300)) }))).status).toBe(200);
  });

  it('DependencyTimeoutException (503): the engine does not answer within the deadline', async () => {
    const slow = (kms: Kms) => ({
      lookupXksCredential: kms.lookupXksCredential,
      rejectAction: kms.rejectAction.bind(kms),
      actGrouped: ((...args: Parameters<Kms['actGrouped']>) => new Promise((resolve) => setTimeout(resolve, 200)).then(() => kms.actGrouped(...args))) as Kms['actGrouped'],
    });
    t = await startXks({ wrap: slow, endpoint: { xks: { kms: undefined as never, deadlineMs: 20 } } });
    expectError(await xksFetch(t, pathOf(t, 'health'), { requestMetadata: { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'h' } }), 'DependencyTimeoutException');
  });

  it('InternalException (500): stored material that no longer unwraps', async () => {
    t = await startXks();
    await encrypt(t);
    await t.close();
    // A changed database row: its wrapped material fails to authenticate under the root key.
    const x = await startXks();
    const db = new Database(join(x.dir, DATABASE_FILE));
    db.prepare("UPDATE key_material SET wrapped = zeroblob(60) WHERE key_id = ?").run(x.keyId);
    db.close();
    t = x;
    expectError(await xksFetch(x, pathOf(x, 'encrypt'), encryptBody()), 'InternalException');
  });
});
