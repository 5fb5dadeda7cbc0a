// ExportKeyMaterial over the AWS-compatible endpoint, with AWS's own JavaScript SDK on the
// importing side: installation two plays AWS KMS (GetParametersForImport, ImportKeyMaterial and
// Decrypt sent by @aws-sdk/client-kms), installation one exports through
// X-Amz-Target: TrentService.ExportKeyMaterial (a Strongroom-only operation the SDK has no
// command for, served like SimulatePolicy), SigV4-signed with AWS's signer.
import { CreateKeyCommand, DecryptCommand, EncryptCommand, GetParametersForImportCommand, ImportKeyMaterialCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint, type TestEndpoint } from '../support/endpoint.ts';
import { rawRequest } from '../support/signed-fetch.ts';

let one: TestEndpoint;
let two: TestEndpoint;
let kmsOne: KMSClient;
let kmsTwo: KMSClient;

beforeAll(async () => {
  one = await startTestEndpoint();
  two = await startTestEndpoint();
  kmsOne = new KMSClient({ endpoint: one.endpoint, region: 'us-east-1', credentials: one.credentials, maxAttempts: 1 });
  kmsTwo = new KMSClient({ endpoint: two.endpoint, region: 'us-east-1', credentials: two.credentials, maxAttempts: 1 });
});
afterAll(async () => {
  kmsOne.destroy();
  kmsTwo.destroy();
  await one.close();
  await two.close();
});

const ROOT = 'arn:aws:iam::111122223333:root';
const EXPORT_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
    { Sid: 'Allow export', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'strongroom:ExportKeyMaterial', Resource: '*' },
  ],
});

async function call(ep: TestEndpoint, operation: string, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await rawRequest(ep, { target: `TrentService.${operation}`, body: JSON.stringify(body) });
  return { status: r.status, json: r.json() };
}

const b64 = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString('base64');

describe('ExportKeyMaterial over the endpoint, imported with the AWS SDK', () => {
  it('moves a key: the second installation decrypts a ciphertext the first made before the export', async () => {
    const created = await call(one, 'CreateKey', { XStrongroomExportable: true, Policy: EXPORT_POLICY });
    expect(created.status).toBe(200);
    const metadata = created.json.KeyMetadata as { KeyId: string; XStrongroomExportable?: boolean };
    expect(metadata.XStrongroomExportable).toBe(true);
    const keyId = metadata.KeyId;
    const before = await kmsOne.send(new EncryptCommand({ KeyId: keyId, Plaintext: new TextEncoder().encode('before the export'), EncryptionContext: { app: 'byok' } }));

    expect((await call(two, 'CreateKey', { Origin: 'EXTERNAL', XStrongroomKeyId: keyId })).status).toBe(200);
    const params = await kmsTwo.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256', WrappingKeySpec: 'RSA_4096' }));
    const exported = await call(one, 'ExportKeyMaterial', { KeyId: keyId, WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256', WrappingPublicKey: b64(params.PublicKey), ImportToken: b64(params.ImportToken) });
    expect(exported.status).toBe(200);
    expect(exported.json).toMatchObject({ KeySpec: 'SYMMETRIC_DEFAULT', WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256', ImportToken: b64(params.ImportToken) });

    const imported = await kmsTwo.send(new ImportKeyMaterialCommand({
      KeyId: keyId,
      ImportToken: Buffer.from(String(exported.json.ImportToken), 'base64'),
      EncryptedKeyMaterial: Buffer.from(String(exported.json.EncryptedKeyMaterial), 'base64'),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    }));
    expect(imported.KeyMaterialId).toBe(exported.json.KeyMaterialId);
    const opened = await kmsTwo.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob, EncryptionContext: { app: 'byok' } }));
    expect(new TextDecoder().decode(opened.Plaintext)).toBe('before the export');
  });

  it('imports into a key the SDK created (AWS’s flow: another key id), which then encrypts and decrypts', async () => {
    const keyId = ((await call(one, 'CreateKey', { XStrongroomExportable: true, Policy: EXPORT_POLICY })).json.KeyMetadata as { KeyId: string }).KeyId;
    const target = (await kmsTwo.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata?.KeyId ?? '';
    const params = await kmsTwo.send(new GetParametersForImportCommand({ KeyId: target, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
    const exported = await call(one, 'ExportKeyMaterial', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: b64(params.PublicKey) });
    expect(exported.status).toBe(200);
    expect(exported.json.ImportToken).toBeUndefined();
    await kmsTwo.send(new ImportKeyMaterialCommand({ KeyId: target, ImportToken: params.ImportToken, EncryptedKeyMaterial: Buffer.from(String(exported.json.EncryptedKeyMaterial), 'base64'), ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }));
    const blob = (await kmsTwo.send(new EncryptCommand({ KeyId: target, Plaintext: new TextEncoder().encode('after') }))).CiphertextBlob;
    expect(new TextDecoder().decode((await kmsTwo.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext)).toBe('after');
  });

  it('answers a denial in AWS’s error shape', async () => {
    const keyId = ((await call(one, 'CreateKey', { XStrongroomExportable: true })).json.KeyMetadata as { KeyId: string }).KeyId;
    const params = await kmsTwo.send(new GetParametersForImportCommand({ KeyId: (await kmsTwo.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata?.KeyId ?? '', WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
    const denied = await call(one, 'ExportKeyMaterial', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: b64(params.PublicKey) });
    expect(denied.status).toBe(400);
    expect(denied.json.__type).toBe('AccessDeniedException');
    expect(denied.json.message).toMatch(new RegExp(`^User: ${ROOT} is not authorized to perform: strongroom:ExportKeyMaterial on resource: arn:aws:kms:local-1:111122223333:key/${keyId} because no resource-based policy allows the strongroom:ExportKeyMaterial action$`));
  });
});
