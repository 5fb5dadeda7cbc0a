// GetKeyLastUsage as AWS defines it (botocore 1.43's service model): the last successful
// cryptographic operation with a key — its name, time, CloudTrail event id and request id —
// answered from the audit log; TrackingStartDate and KeyCreationDate; key id or ARN only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytes, kmsError, newEngine, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
});
afterEach(() => t.cleanup());

async function created(input: Record<string, unknown> = {}): Promise<{ KeyId: string; Arn: string; CreationDate: Date }> {
  const md = (await t.kms.invoke('CreateKey', input)).KeyMetadata;
  return { KeyId: md.KeyId, Arn: md.Arn, CreationDate: md.CreationDate };
}

/** The audit record of the newest call (its eventID and requestID are what GetKeyLastUsage names). */
function newestRecord(): { eventID: string; requestID: string; eventName: string } {
  const record = t.kms.audit.list({ MaxResults: 1 })[0]?.record;
  if (record === undefined) {
    throw new Error('no audit record');
  }
  return record;
}

describe('GetKeyLastUsage', () => {
  it('a key never used: no KeyLastUsage; TrackingStartDate is its creation date', async () => {
    const key = await created();
    const usage = await t.kms.invoke('GetKeyLastUsage', { KeyId: key.KeyId });
    expect(usage).toEqual({ KeyId: key.KeyId, KeyCreationDate: key.CreationDate, TrackingStartDate: key.CreationDate });
  });

  it('names the last successful cryptographic operation: its name, time, CloudTrail event id and request id', async () => {
    const key = await created();
    t.clock.advance(60_000);
    await t.kms.invoke('Encrypt', { KeyId: key.KeyId, Plaintext: bytes('x'), EncryptionContext: { a: 'b' } });
    const encrypted = newestRecord();
    const usedAt = new Date(t.clock.now());
    // Not cryptographic, or not successful: none of these count.
    t.clock.advance(60_000);
    await t.kms.invoke('DescribeKey', { KeyId: key.KeyId });
    await t.kms.invoke('TagResource', { KeyId: key.KeyId, Tags: [{ TagKey: 't', TagValue: 'v' }] });
    expect((await kmsError(t.kms.invoke('Encrypt', { KeyId: key.KeyId, Plaintext: bytes('x'), DryRun: true }))).name).toBe('DryRunOperationException');
    const blob = (await t.kms.invoke('GenerateDataKeyWithoutPlaintext', { KeyId: key.KeyId, KeySpec: 'AES_256' })).CiphertextBlob;
    const generated = newestRecord();
    const generatedAt = new Date(t.clock.now());
    t.clock.advance(60_000);
    expect((await kmsError(t.kms.invoke('Decrypt', { CiphertextBlob: blob, EncryptionContext: { wrong: 'context' } }))).name).toBe('InvalidCiphertextException');
    await t.kms.invoke('DisableKey', { KeyId: key.KeyId });
    expect((await kmsError(t.kms.invoke('Encrypt', { KeyId: key.KeyId, Plaintext: bytes('x') }))).name).toBe('DisabledException');

    const usage = await t.kms.invoke('GetKeyLastUsage', { KeyId: key.Arn });
    expect(usage.KeyLastUsage).toEqual({
      Operation: 'GenerateDataKeyWithoutPlaintext',
      Timestamp: generatedAt,
      CloudTrailEventId: generated.eventID,
      KmsRequestId: generated.requestID,
    });
    expect(generated.eventName).toBe('GenerateDataKeyWithoutPlaintext');
    expect(encrypted.eventName).toBe('Encrypt');
    expect(usedAt.getTime()).toBeLessThan(generatedAt.getTime());
  });

  it("finds a use older than the key's newest 1,000 successful records (past the first page)", async () => {
    const key = await created();
    await t.kms.invoke('Encrypt', { KeyId: key.KeyId, Plaintext: bytes('long ago') });
    const encrypted = newestRecord();
    for (let i = 0; i < 1001; i++) {
      t.kms.invokeSync('DescribeKey', { KeyId: key.KeyId });
    }
    expect((await t.kms.invoke('GetKeyLastUsage', { KeyId: key.KeyId })).KeyLastUsage).toMatchObject({ Operation: 'Encrypt', CloudTrailEventId: encrypted.eventID });
    const never = await created();
    for (let i = 0; i < 1001; i++) {
      t.kms.invokeSync('DescribeKey', { KeyId: never.KeyId });
    }
    expect((await t.kms.invoke('GetKeyLastUsage', { KeyId: never.KeyId })).KeyLastUsage).toBeUndefined();
  }, 120_000);

  it('ReEncrypt counts for both its source and its destination key', async () => {
    const source = await created();
    const destination = await created();
    const blob = (await t.kms.invoke('Encrypt', { KeyId: source.KeyId, Plaintext: bytes('move me') })).CiphertextBlob;
    t.clock.advance(1000);
    await t.kms.invoke('ReEncrypt', { CiphertextBlob: blob, DestinationKeyId: destination.KeyId });
    const reEncrypted = newestRecord();
    for (const key of [source, destination]) {
      expect((await t.kms.invoke('GetKeyLastUsage', { KeyId: key.KeyId })).KeyLastUsage).toMatchObject({ Operation: 'ReEncrypt', CloudTrailEventId: reEncrypted.eventID });
    }
  });

  it('signing, MAC and key agreement keys: Sign, Verify, GenerateMac, VerifyMac are tracked operations', async () => {
    const signing = await created({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const signature = (await t.kms.invoke('Sign', { KeyId: signing.KeyId, Message: bytes('m'), SigningAlgorithm: 'ECDSA_SHA_256' })).Signature;
    await t.kms.invoke('Verify', { KeyId: signing.KeyId, Message: bytes('m'), Signature: signature, SigningAlgorithm: 'ECDSA_SHA_256' });
    expect((await t.kms.invoke('GetKeyLastUsage', { KeyId: signing.KeyId })).KeyLastUsage?.Operation).toBe('Verify');
    const mac = await created({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await t.kms.invoke('GenerateMac', { KeyId: mac.KeyId, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' });
    expect((await t.kms.invoke('GetKeyLastUsage', { KeyId: mac.KeyId })).KeyLastUsage?.Operation).toBe('GenerateMac');
  });

  it('takes a key id or key ARN, not an alias (NotFoundException), and is authorized as kms:GetKeyLastUsage', async () => {
    const key = await created();
    await t.kms.invoke('CreateAlias', { AliasName: 'alias/usage', TargetKeyId: key.KeyId });
    expect((await kmsError(t.kms.invoke('GetKeyLastUsage', { KeyId: 'alias/usage' }))).name).toBe('NotFoundException');
    expect((await kmsError(t.kms.invoke('GetKeyLastUsage', { KeyId: '00000000-0000-4000-8000-000000000000' }))).name).toBe('NotFoundException');
    await t.kms.invoke('GetKeyLastUsage', { KeyId: key.KeyId });
    expect(t.kms.audit.list({ MaxResults: 1 })[0]?.record).toMatchObject({ eventName: 'GetKeyLastUsage', readOnly: true, resources: [{ ARN: key.Arn }] });
  });
});
