import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../electron/kms/audit/canonical.ts';
import {
  AuditRecordError,
  assertNoBinary,
  buildRecord,
  formatEventTime,
  requestParametersFor,
  responseElementsFor,
  type BuildRecordParams,
} from '../../electron/kms/audit/record.ts';
import { ownerCaller, type Caller } from '../../electron/kms/iam/caller.ts';
import { operations } from '../../shared/api/operations.ts';
import { encodeBase64 } from '../../shared/api/base64.ts';

const ACCOUNT = '111122223333';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:local-1:${ACCOUNT}:key/${KEY_ID}`;
const caller: Caller = { ...ownerCaller(ACCOUNT, 'strongroom-cli/0.1.0'), accessKeyId: 'AKIAEXAMPLE' };

function params(overrides: Partial<BuildRecordParams> = {}): BuildRecordParams {
  return {
    eventName: 'Encrypt',
    eventTimeMs: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    requestId: 'req-1',
    eventId: '00000000-0000-4000-8000-000000000001',
    caller,
    accountId: ACCOUNT,
    region: 'local-1',
    readOnly: true,
    requestParameters: null,
    responseElements: null,
    resourceArns: [KEY_ARN],
    ...overrides,
  };
}

/** Distinctive bytes whose encodings are easy to search for. */
function secretBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = (i * 37 + 11) & 0xff;
  }
  return out;
}

function expectNoTraceOf(text: string, secret: Uint8Array): void {
  expect(text).not.toContain(encodeBase64(secret));
  expect(text).not.toContain(Buffer.from(secret).toString('hex'));
  expect(text).not.toContain(Buffer.from(secret).toString('base64url'));
  // No fragment either: the middle 12 bytes in base64.
  expect(text).not.toContain(encodeBase64(secret.subarray(3, 15)));
}

describe('buildRecord', () => {
  it('produces a CloudTrail-shaped record', () => {
    const record = buildRecord(params({ requestParameters: { keyId: 'alias/app' } }));
    expect(record).toEqual({
      eventVersion: '1.11',
      userIdentity: {
        type: 'Root',
        principalId: ACCOUNT,
        arn: `arn:aws:iam::${ACCOUNT}:root`,
        accountId: ACCOUNT,
        accessKeyId: 'AKIAEXAMPLE',
      },
      eventTime: '2026-01-02T03:04:05Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'Encrypt',
      awsRegion: 'local-1',
      sourceIPAddress: 'localhost',
      userAgent: 'strongroom-cli/0.1.0',
      requestParameters: { keyId: 'alias/app' },
      responseElements: null,
      requestID: 'req-1',
      eventID: '00000000-0000-4000-8000-000000000001',
      readOnly: true,
      resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: KEY_ARN }],
      eventType: 'AwsApiCall',
      managementEvent: true,
      eventCategory: 'Management',
      recipientAccountId: ACCOUNT,
    });
  });

  it('adds errorCode and errorMessage only on failure, and drops response elements then', () => {
    const ok = buildRecord(params());
    expect('errorCode' in ok).toBe(false);
    expect('errorMessage' in ok).toBe(false);
    const failed = buildRecord(
      params({ responseElements: { keyId: KEY_ID }, error: { name: 'NotFoundException', message: 'Key not found.' } }),
    );
    expect(failed.errorCode).toBe('NotFoundException');
    expect(failed.errorMessage).toBe('Key not found.');
    expect(failed.responseElements).toBeNull();
  });

  it('records service events with KMS as the actor', () => {
    const record = buildRecord(
      params({ caller: null, eventName: 'DeleteKey', readOnly: false, serviceEventDetails: { keyId: KEY_ID } }),
    );
    expect(record.eventType).toBe('AwsServiceEvent');
    expect(record.userIdentity).toEqual({ type: 'AWSService', accountId: ACCOUNT, invokedBy: 'kms.amazonaws.com' });
    expect(record.sourceIPAddress).toBe('kms.amazonaws.com');
    expect(record.serviceEventDetails).toEqual({ keyId: KEY_ID });
  });

  it('names IAM users and assumed roles by their ARN', () => {
    const user = buildRecord(params({ caller: { ...caller, type: 'IAMUser', arn: 'arn:aws:iam::444455556666:user/alice' } }));
    expect(user.userIdentity).toMatchObject({ type: 'IAMUser', principalId: 'alice', accountId: '444455556666' });
    const role = buildRecord(
      params({ caller: { ...caller, type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/ops-session` } }),
    );
    expect(role.userIdentity.principalId).toBe('Admin:ops-session');
  });

  it('lists each touched key once and defaults eventID to a fresh UUID', () => {
    const { eventId: _unused, ...rest } = params({ resourceArns: [KEY_ARN, KEY_ARN] });
    const a = buildRecord(rest);
    const b = buildRecord(rest);
    expect(a.resources).toHaveLength(1);
    expect(a.eventID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.eventID).not.toBe(b.eventID);
  });

  it('formats event time at second precision in UTC', () => {
    expect(formatEventTime(Date.UTC(2022, 6, 14, 20, 17, 42, 999))).toBe('2022-07-14T20:17:42Z');
    expect(() => formatEventTime(Number.NaN)).toThrow(AuditRecordError);
  });

  it('refuses a record that would carry bytes, wherever they are', () => {
    const bytes = secretBytes(16);
    expect(() => buildRecord(params({ requestParameters: { plaintext: bytes as never } }))).toThrow(AuditRecordError);
    expect(() => buildRecord(params({ additionalEventData: { deep: [{ k: Buffer.from(bytes) as never }] } }))).toThrow(
      /additionalEventData\.deep\[0\]\.k holds binary data/,
    );
    expect(() => buildRecord(params({ serviceEventDetails: { x: new DataView(bytes.buffer) as never } }))).toThrow(
      AuditRecordError,
    );
    expect(() => assertNoBinary({ ok: [1, 'two', { three: null }] })).not.toThrow();
  });
});

describe('requestParametersFor', () => {
  it('never logs an Encrypt plaintext, in any encoding', () => {
    const plaintext = secretBytes(64);
    const input = {
      KeyId: 'alias/app',
      Plaintext: plaintext,
      EncryptionContext: { Department: 'Finance', purpose: 'test' },
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      GrantTokens: ['token-1'],
    };
    const requestParameters = requestParametersFor(operations.Encrypt.input, input);
    expect(requestParameters).toEqual({
      keyId: 'alias/app',
      encryptionContext: { Department: 'Finance', purpose: 'test' },
      encryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    });
    const text = canonicalJson(buildRecord(params({ requestParameters })));
    expectNoTraceOf(text, plaintext);
    expect(text).not.toMatch(/plaintext/i);
    // Grant tokens are bearer credentials: sensitive in the schema, never logged.
    expect(text).not.toContain('token-1');
  });

  it('drops blobs even when the input is raw wire input that failed validation', () => {
    const plaintext = secretBytes(32);
    const raw = {
      KeyId: { Plaintext: encodeBase64(plaintext) },
      Plaintext: encodeBase64(plaintext),
      EncryptionContext: { a: 'b', nested: { p: encodeBase64(plaintext) } },
      Unknown: encodeBase64(plaintext),
    };
    const requestParameters = requestParametersFor(operations.Encrypt.input, raw);
    expect(requestParameters).toEqual({ encryptionContext: { a: 'b' } });
    expectNoTraceOf(JSON.stringify(requestParameters), plaintext);
  });

  it('leaves out ciphertext and recipient attestation documents', () => {
    const ciphertext = secretBytes(128);
    const requestParameters = requestParametersFor(operations.Decrypt.input, {
      CiphertextBlob: ciphertext,
      KeyId: KEY_ARN,
      Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', AttestationDocument: secretBytes(40) },
    });
    expect(requestParameters).toEqual({
      keyId: KEY_ARN,
      recipient: { keyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' },
    });
  });

  it('camel-cases members at every level, tags included, and keeps map keys as given', () => {
    const requestParameters = requestParametersFor(operations.CreateKey.input, {
      Description: 'payroll',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      MultiRegion: false,
      Tags: [
        { TagKey: 'Project', TagValue: 'Atlas' },
        { TagKey: 'CostCenter', TagValue: '' },
      ],
    });
    expect(requestParameters).toEqual({
      description: 'payroll',
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      multiRegion: false,
      tags: [
        { tagKey: 'Project', tagValue: 'Atlas' },
        { tagKey: 'CostCenter', tagValue: '' },
      ],
    });
    expect(
      requestParametersFor(operations.GenerateDataKey.input, {
        KeyId: KEY_ID,
        NumberOfBytes: 32,
        KeySpec: 'AES_256',
        EncryptionContext: { UPPER: 'Value' },
      }),
    ).toEqual({ keyId: KEY_ID, numberOfBytes: 32, keySpec: 'AES_256', encryptionContext: { UPPER: 'Value' } });
  });

  it('is null when nothing loggable was sent', () => {
    expect(requestParametersFor(operations.ListKeys.input, {})).toBeNull();
    expect(requestParametersFor(operations.GenerateRandom.input, {})).toBeNull();
    expect(requestParametersFor(operations.ListKeys.input, 'not an object')).toBeNull();
  });
});

describe('responseElementsFor', () => {
  it('is null for cryptographic and read operations, so data keys are never logged', () => {
    const dataKey = secretBytes(32);
    const output = { CiphertextBlob: secretBytes(100), Plaintext: dataKey, KeyId: KEY_ARN };
    expect(responseElementsFor('GenerateDataKey', true, output)).toBeNull();
    expect(responseElementsFor('GenerateRandom', true, { Plaintext: dataKey })).toBeNull();
    expect(responseElementsFor('DescribeKey', true, { KeyMetadata: { KeyId: KEY_ID } })).toBeNull();
  });

  it('is null for empty outputs', () => {
    expect(responseElementsFor('EnableKey', false, {})).toBeNull();
    expect(responseElementsFor('EnableKey', false, undefined)).toBeNull();
  });

  it('camel-cases management outputs and writes dates as ISO-8601', () => {
    const created = new Date(Date.UTC(2026, 0, 1, 12, 0, 0));
    const elements = responseElementsFor('CreateKey', false, {
      KeyMetadata: {
        AWSAccountId: ACCOUNT,
        KeyId: KEY_ID,
        Arn: KEY_ARN,
        CreationDate: created,
        Enabled: true,
        Description: '',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
        MultiRegion: false,
      },
    });
    expect(elements).toEqual({
      keyMetadata: {
        aWSAccountId: ACCOUNT,
        keyId: KEY_ID,
        arn: KEY_ARN,
        creationDate: '2026-01-01T12:00:00.000Z',
        enabled: true,
        description: '',
        keyUsage: 'ENCRYPT_DECRYPT',
        keyState: 'Enabled',
        origin: 'AWS_KMS',
        keyManager: 'CUSTOMER',
        customerMasterKeySpec: 'SYMMETRIC_DEFAULT',
        keySpec: 'SYMMETRIC_DEFAULT',
        encryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
        multiRegion: false,
      },
    });
    expect(
      responseElementsFor('ScheduleKeyDeletion', false, {
        KeyId: KEY_ARN,
        DeletionDate: created,
        KeyState: 'PendingDeletion',
        PendingWindowInDays: 7,
      }),
    ).toEqual({ keyId: KEY_ARN, deletionDate: '2026-01-01T12:00:00.000Z', keyState: 'PendingDeletion', pendingWindowInDays: 7 });
  });

  it('strips bytes and grant tokens from operations it has no spec for', () => {
    const secret = secretBytes(24);
    const elements = responseElementsFor('CreateSomething', false, {
      GrantId: 'g-1',
      GrantToken: 'bearer-token',
      Extra: { Material: secret, When: new Date(0) },
    });
    expect(elements).toEqual({ grantId: 'g-1', extra: { when: '1970-01-01T00:00:00.000Z' } });
    // CreateGrant has a spec: its grant token (a bearer credential) is not logged either.
    expect(responseElementsFor('CreateGrant', false, { GrantId: 'g-2', GrantToken: 'bearer-token' })).toEqual({ grantId: 'g-2' });
    // An output with nothing but bytes logs nothing at all.
    expect(responseElementsFor('ImportSomething', false, { Blob: secret })).toBeNull();
  });
});
