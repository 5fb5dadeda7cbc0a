// Over time: the key's material rotates and older ciphertexts keep decrypting (ciphertextMetadata
// names the version); the store's SigV4 credentials rotate with old and new active at once; every
// XKS call is in the audit log with AWS KMS's requestMetadata, and nothing secret is.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kmsError, newEngine } from '../support/engine.ts';
import { metadata, pathOf, PRINCIPAL, startXks, xksFetch, type XksTest } from './support.ts';

let t: XksTest | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const b64 = (s: string | Uint8Array): string => Buffer.from(s).toString('base64');
const health = { requestMetadata: { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'h' } };

async function encrypt(x: XksTest, plaintext: string): Promise<Record<string, unknown>> {
  const r = await xksFetch(x, pathOf(x, 'encrypt'), { requestMetadata: metadata('GenerateDataKey'), plaintext: b64(plaintext), encryptionAlgorithm: 'AES_GCM' });
  expect(r.status).toBe(200);
  return r.body;
}

async function decrypt(x: XksTest, sealed: Record<string, unknown>): Promise<string> {
  const { ciphertext, ciphertextMetadata, initializationVector, authenticationTag } = sealed;
  const r = await xksFetch(x, pathOf(x, 'decrypt'), { requestMetadata: metadata('Decrypt'), encryptionAlgorithm: 'AES_GCM', ciphertext, ciphertextMetadata, initializationVector, authenticationTag });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return Buffer.from(String(r.body.plaintext), 'base64').toString();
}

describe('key material rotation', () => {
  it('encrypts under the new material and still decrypts what every older version encrypted', async () => {
    t = await startXks();
    const v1 = await encrypt(t, 'under version 1');
    await t.kms.invoke('RotateKeyOnDemand', { KeyId: t.keyId });
    const v2 = await encrypt(t, 'under version 2');
    await t.kms.invoke('RotateKeyOnDemand', { KeyId: t.keyId });
    const v3 = await encrypt(t, 'under version 3');
    expect([v1, v2, v3].map((s) => Buffer.from(String(s.ciphertextMetadata), 'base64').toString('hex'))).toEqual(['0100000001', '0100000002', '0100000003']);
    // Each rotation dropped the key's cached material (the repository reports it): the older
    // versions are unwrapped again through the engine's one material path.
    expect(await decrypt(t, v1)).toBe('under version 1');
    expect(await decrypt(t, v2)).toBe('under version 2');
    expect(await decrypt(t, v3)).toBe('under version 3');
    // Version 1's ciphertext under version 2's metadata does not decrypt.
    const { ciphertext, initializationVector, authenticationTag } = v1;
    const swapped = await xksFetch(t, pathOf(t, 'decrypt'), { requestMetadata: metadata('Decrypt'), encryptionAlgorithm: 'AES_GCM', ciphertext, initializationVector, authenticationTag, ciphertextMetadata: v2.ciphertextMetadata });
    expect(swapped.body.errorName).toBe('InvalidCiphertextException');
  });
});

describe('credential rotation', () => {
  it('keeps old and new active until the old is retired; a third is refused; the last cannot be retired', async () => {
    t = await startXks();
    const old = t.credentials;
    const rotated = t.kms.rotateXksCredentials(t.prefix);
    expect(rotated.AccessKeyId).toMatch(/^[A-Z2-7]{20,30}$/);
    expect(rotated.SecretAccessKey).toMatch(/^[A-Za-z0-9+/=]{43,64}$/);
    expect(rotated.ActiveAccessKeyIds).toEqual([old.accessKeyId, rotated.AccessKeyId]);
    const fresh = { accessKeyId: rotated.AccessKeyId, secretAccessKey: rotated.SecretAccessKey };
    expect((await xksFetch(t, pathOf(t, 'health'), health, { credentials: old })).status).toBe(200);
    expect((await xksFetch(t, pathOf(t, 'health'), health, { credentials: fresh })).status).toBe(200);
    expect((await kmsError(Promise.resolve().then(() => t?.kms.rotateXksCredentials(t.prefix)))).name).toBe('LimitExceededException');

    t.kms.retireXksCredential(old.accessKeyId);
    expect((await xksFetch(t, pathOf(t, 'health'), health, { credentials: old })).body.errorName).toBe('AuthenticationFailedException');
    expect((await xksFetch(t, pathOf(t, 'health'), health, { credentials: fresh })).status).toBe(200);
    expect((await kmsError(Promise.resolve().then(() => t?.kms.retireXksCredential(fresh.accessKeyId)))).name).toBe('ValidationException');
    expect(t.kms.listXksKeyStores()).toMatchObject([{ UriPrefix: t.prefix, XksProxyUriPath: `${t.prefix}/kms/xks/v1`, AccessKeyIds: [fresh.accessKeyId], Keys: [{ KeyId: t.keyId }] }]);
  });

  it('stores secrets only wrapped: no file in the data directory holds one, nor does the audit log', async () => {
    t = await startXks();
    const rotated = t.kms.rotateXksCredentials();
    await xksFetch(t, pathOf(t, 'health'), health);
    const kms = t.kms;
    kms.checkpointAuditLog();
    for (const secret of [t.credentials.secretAccessKey, rotated.SecretAccessKey]) {
      for (const name of readdirSync(t.dir)) {
        expect(readFileSync(join(t.dir, name)).includes(Buffer.from(secret)), name).toBe(false);
      }
      expect(JSON.stringify(kms.audit.list({ MaxResults: 1000 }))).not.toContain(secret);
    }
  });
});

describe('audit', () => {
  it('records each XKS call with the AWS principal, KMS operation, request id, key ARN and via-service; never the data', async () => {
    t = await startXks();
    const plaintext = 'a data key AWS KMS wraps';
    const sealed = await encrypt(t, plaintext);
    await decrypt(t, sealed);
    const bad = await xksFetch(t, pathOf(t, 'decrypt'), { requestMetadata: metadata('Decrypt'), encryptionAlgorithm: 'AES_GCM', ciphertext: sealed.ciphertext, ciphertextMetadata: sealed.ciphertextMetadata, initializationVector: sealed.initializationVector, authenticationTag: b64(new Uint8Array(16)) });
    expect(bad.body.errorName).toBe('InvalidCiphertextException');
    await xksFetch(t, pathOf(t, 'health'), health);

    const records = t.kms.audit.list({ MaxResults: 100 }).map((r) => r.record as unknown as Record<string, unknown>).filter((r) => String(r.eventName).startsWith('Xks')).reverse();
    expect(records.map((r) => [r.eventName, r.errorCode ?? 'ok'])).toEqual([
      ['XksEncrypt', 'ok'],
      ['XksDecrypt', 'ok'],
      ['XksDecrypt', 'InvalidCiphertextException'],
      ['XksGetHealthStatus', 'ok'],
    ]);
    const keyArn = `arn:aws:kms:local-1:111122223333:key/${t.keyId}`;
    expect(records[0]).toMatchObject({
      userIdentity: { type: 'AWSService', arn: `arn:aws:kms:local-1:111122223333:xks-key-store/${t.keyStoreId}`, accessKeyId: t.credentials.accessKeyId },
      requestParameters: {
        keyStoreId: t.keyStoreId,
        externalKeyId: t.keyId,
        encryptionAlgorithm: 'AES_GCM',
        requestMetadata: { awsPrincipalArn: PRINCIPAL, kmsOperation: 'GenerateDataKey', kmsRequestId: 'req-GenerateDataKey', kmsViaService: 's3', kmsKeyArn: metadata('x').kmsKeyArn },
      },
      resources: [{ ARN: keyArn }],
    });
    expect(records[2]).toMatchObject({ requestParameters: { requestMetadata: { kmsOperation: 'Decrypt' } }, resources: [{ ARN: keyArn }] });
    const all = JSON.stringify(records);
    for (const secret of [b64(plaintext), String(sealed.ciphertext), String(sealed.authenticationTag), String(sealed.initializationVector)]) {
      expect(all).not.toContain(secret);
    }
  });

  it('records refusals made before the engine (throttled, another store’s prefix) with the caller', async () => {
    t = await startXks({ endpoint: { xks: { kms: undefined as never, ratePerSecond: 1 } } });
    await xksFetch(t, pathOf(t, 'health'), health);
    expect((await xksFetch(t, pathOf(t, 'health'), health)).body.errorName).toBe('ThrottlingException');
    const last = t.kms.audit.list({ MaxResults: 1 })[0]?.record as unknown as Record<string, unknown>;
    expect(last).toMatchObject({ eventName: 'XksGetHealthStatus', errorCode: 'ThrottlingException', userIdentity: { accessKeyId: t.credentials.accessKeyId } });
  });
});

describe('the store outlives nothing it should not', () => {
  it('drops an exposure when its key is purged, and a deleted store takes its credentials and exposures with it', async () => {
    const e = await newEngine();
    try {
      const keyId = (await e.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
      const store = e.kms.createXksKeyStore('/ks');
      e.kms.addXksKey(keyId);
      await e.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
      e.clock.advance(8 * 24 * 3600 * 1000);
      expect(e.kms.purgeDueDeletions()).toBe(1);
      expect(e.kms.listXksKeyStores()).toMatchObject([{ Keys: [] }]);

      const other = (await e.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
      e.kms.addXksKey(other);
      e.kms.deleteXksKeyStore('/ks');
      expect(e.kms.listXksKeyStores()).toEqual([]);
      expect(e.kms.lookupXksCredential(store.AccessKeyId)).toBeNull();
      // The key itself stays.
      expect((await e.kms.invoke('DescribeKey', { KeyId: other })).KeyMetadata.KeyState).toBe('Enabled');
    } finally {
      e.cleanup();
    }
  });
});
