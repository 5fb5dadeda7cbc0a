// The AWS Encryption SDK for JavaScript (@aws-crypto/client-node) with its KMS keyring pointed
// at the endpoint: it calls GenerateDataKey on encrypt and Decrypt on decrypt, through the
// aggregated KMS client, exactly as it would call AWS KMS.
import { KMS } from '@aws-sdk/client-kms';
import { buildClient, CommitmentPolicy, getClient, KmsKeyringNode } from '@aws-crypto/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint, type TestEndpoint } from '../support/endpoint.ts';

let ep: TestEndpoint;
beforeAll(async () => {
  ep = await startTestEndpoint();
});
afterAll(async () => {
  await ep.close();
});

describe('AWS Encryption SDK KMS keyring against the endpoint', () => {
  it('encrypts and decrypts a message; the encrypted data key names the key ARN', async () => {
    const keyArn = (await ep.kms.invoke('CreateKey', { Description: 'esdk' })).KeyMetadata.Arn;
    const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const clientProvider = getClient(KMS, { endpoint: ep.endpoint, region: 'us-east-1', credentials: ep.credentials });
    const keyring = new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider });
    const context = { stage: 'test', purpose: 'interop' };
    const { result, messageHeader } = await encrypt(keyring, Buffer.from('a message for the encryption sdk'), { encryptionContext: context });
    expect(messageHeader.encryptedDataKeys).toHaveLength(1);
    expect(messageHeader.encryptedDataKeys[0]?.providerId).toBe('aws-kms');
    expect(messageHeader.encryptedDataKeys[0]?.providerInfo).toBe(keyArn);
    const out = await decrypt(keyring, result);
    expect(out.plaintext.toString()).toBe('a message for the encryption sdk');
    expect(out.messageHeader.encryptionContext).toMatchObject(context);
    const events = ep.kms.audit.list({ MaxResults: 2 }).map((r) => r.record.eventName);
    expect(events).toEqual(['Decrypt', 'GenerateDataKey']);
  });
});
