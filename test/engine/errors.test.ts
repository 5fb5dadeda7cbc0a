// One test per AWS error the symmetric operations can return, each checking the error name,
// the HTTP status from docs/aws-kms.md §1.4 (400 for every client fault, as AWS sends it), a message that says what to fix, that the engine keeps
// serving afterwards, and that nothing stored changed.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorHttpStatus, type KmsErrorName } from '../../shared/api/errors.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { bytes, kmsError, newEngine, type TestEngine } from '../support/engine.ts';
import { snapshotState } from '../support/snapshot.ts';

let t: TestEngine;
let keyId: string;
let keyArn: string;
let db: Database.Database;

beforeEach(async () => {
  t = await newEngine();
  const md = (await t.kms.invoke('CreateKey', { Description: 'errors' })).KeyMetadata;
  keyId = md.KeyId;
  keyArn = md.Arn;
  await t.kms.invoke('CreateAlias', { AliasName: 'alias/errors', TargetKeyId: keyId });
  db = new Database(join(t.dir, DATABASE_FILE), { readonly: true });
});
afterEach(() => {
  db.close();
  t.cleanup();
});

/** Calls, expects the named error with its status and a useful message, and checks nothing changed. */
async function expectError(name: KmsErrorName, status: number, call: () => Promise<unknown>, message?: RegExp): Promise<void> {
  const before = snapshotState(db);
  const err = await kmsError(call());
  expect(err.name).toBe(name);
  expect(err.httpStatus).toBe(status);
  expect(errorHttpStatus[name]).toBe(status);
  expect(err.message.length).toBeGreaterThan(15);
  if (message) {
    expect(err.message).toMatch(message);
  }
  expect(snapshotState(db)).toBe(before);
  // The engine is still serving.
  expect((await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyId).toBe(keyId);
}

describe('AWS error names and statuses', () => {
  it('NotFoundException 400: unknown key id', async () => {
    await expectError('NotFoundException', 400, () => t.kms.invoke('Encrypt', { KeyId: '00000000-0000-4000-8000-000000000000', Plaintext: bytes('x') }), /does not exist/);
  });
  it('NotFoundException 400: unknown alias', async () => {
    await expectError('NotFoundException', 400, () => t.kms.invoke('Encrypt', { KeyId: 'alias/nope', Plaintext: bytes('x') }), /alias\/nope is not found/);
  });
  it('NotFoundException 400: alias given to a key-id-only operation', async () => {
    await expectError('NotFoundException', 400, () => t.kms.invoke('DisableKey', { KeyId: 'alias/errors' }), /key id or key ARN/);
  });
  it('NotFoundException 400: a key id that is not a UUID', async () => {
    await expectError('NotFoundException', 400, () => t.kms.invoke('DescribeKey', { KeyId: 'my-key' }), /Invalid keyId/);
  });
  it('InvalidArnException 400: malformed ARN', async () => {
    await expectError('InvalidArnException', 400, () => t.kms.invoke('DescribeKey', { KeyId: 'arn:aws:kms:nowhere' }), /Invalid ARN/);
  });
  it('DisabledException 400: Encrypt with a disabled key', async () => {
    await t.kms.invoke('DisableKey', { KeyId: keyId });
    await expectError('DisabledException', 400, () => t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') }), /is disabled/);
  });
  it('KMSInvalidStateException 400: Encrypt with a key pending deletion', async () => {
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    await expectError('KMSInvalidStateException', 400, () => t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') }), /pending deletion/);
  });
  it('KMSInvalidStateException 400: CancelKeyDeletion on a key not pending deletion', async () => {
    await expectError('KMSInvalidStateException', 400, () => t.kms.invoke('CancelKeyDeletion', { KeyId: keyId }), /not pending deletion/);
  });
  it('InvalidCiphertextException 400: wrong encryption context', async () => {
    const enc = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: { a: 'b' } });
    await expectError('InvalidCiphertextException', 400, () => t.kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: 'B' } }), /encryption context/);
  });
  it('InvalidCiphertextException 400: tampered ciphertext', async () => {
    const enc = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('hello') });
    const bad = Uint8Array.from(enc.CiphertextBlob);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
    await expectError('InvalidCiphertextException', 400, () => t.kms.invoke('Decrypt', { CiphertextBlob: bad }), /modified/);
  });
  it('InvalidCiphertextException 400: not a ciphertext blob at all', async () => {
    await expectError('InvalidCiphertextException', 400, () => t.kms.invoke('Decrypt', { CiphertextBlob: bytes('just some bytes that are not a blob at all, really') }), /not a Strongroom ciphertext/);
  });
  it('IncorrectKeyException 400: Decrypt with a KeyId other than the encrypting key', async () => {
    const enc = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') });
    const other = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    await expectError('IncorrectKeyException', 400, () => t.kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob, KeyId: other }), /not the one that encrypted/);
  });
  it('AccessDeniedException 400: ciphertext of a key that no longer exists', async () => {
    const enc = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') });
    const blob = Uint8Array.from(enc.CiphertextBlob);
    blob.set(Buffer.from('00000000000040008000000000000000', 'hex'), 1);
    await expectError('AccessDeniedException', 400, () => t.kms.invoke('Decrypt', { CiphertextBlob: blob }), /does not exist/);
  });
  it('InvalidKeyUsageException 400: an RSA algorithm with a symmetric key', async () => {
    await expectError('InvalidKeyUsageException', 400, () => t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }), /SYMMETRIC_DEFAULT/);
  });
  it('AlreadyExistsException 400: duplicate alias', async () => {
    await expectError('AlreadyExistsException', 400, () => t.kms.invoke('CreateAlias', { AliasName: 'alias/errors', TargetKeyId: keyId }), /already exists/);
  });
  it('ValidationException 400: alias without the alias/ prefix (as AWS answers it)', async () => {
    await expectError('ValidationException', 400, () => t.kms.invoke('CreateAlias', { AliasName: 'errors2', TargetKeyId: keyId }), /alias\//);
  });
  it('NotAuthorizedException 400: alias in the reserved alias/aws/ namespace', async () => {
    await expectError('NotAuthorizedException', 400, () => t.kms.invoke('CreateAlias', { AliasName: 'alias/aws/s3', TargetKeyId: keyId }), /reserved/);
  });
  it('ValidationException 400: alias with characters outside the model pattern', async () => {
    await expectError('ValidationException', 400, () => t.kms.invoke('CreateAlias', { AliasName: 'alias/has space', TargetKeyId: keyId }), /regular expression pattern/);
  });
  it('ValidationException 400: plaintext over 4096 bytes, in AWS form', async () => {
    await expectError(
      'ValidationException',
      400,
      () => t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: new Uint8Array(4097) }),
      /^1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096$/,
    );
  });
  it('ValidationException 400: missing required member', async () => {
    await expectError('ValidationException', 400, () => t.kms.invoke('Encrypt', { KeyId: keyId }), /Value null at 'plaintext'.*must not be null/);
  });
  it('ValidationException 400: deletion window outside 7–30 days', async () => {
    await expectError('ValidationException', 400, () => t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 6 }), /greater than or equal to 7/);
  });
  it('ValidationException 400: both KeySpec and NumberOfBytes', async () => {
    await expectError('ValidationException', 400, () => t.kms.invoke('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256', NumberOfBytes: 32 }), /not both/);
  });
  it('ValidationException 400: an enum value the model does not know, several errors counted', async () => {
    await expectError('ValidationException', 400, () => t.kms.invoke('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_512', NumberOfBytes: 2000 }), /^2 validation errors detected: .*enum value set: \[AES_256, AES_128\]/);
  });
  it('SerializationException 400: malformed base64 on the wire', async () => {
    await expectError('SerializationException', 400, () => t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: 'not base64!' }, { blobs: 'base64' }), /not valid base64/);
  });
  it('SerializationException 400: a value of the wrong JSON type', async () => {
    await expectError('SerializationException', 400, () => t.kms.invoke('GenerateRandom', { NumberOfBytes: '32' }), /integer/);
  });
  it('InvalidMarkerException 400: a marker no call returned', async () => {
    await expectError('InvalidMarkerException', 400, () => t.kms.invoke('ListKeys', { Marker: 'bogus' }), /NextMarker/);
  });
  it('TagException 400: reserved aws: tag key', async () => {
    await expectError('TagException', 400, () => t.kms.invoke('TagResource', { KeyId: keyId, Tags: [{ TagKey: 'aws:owner', TagValue: 'x' }] }), /reserved/);
  });
  it('LimitExceededException 400: more than 50 tags on a key', async () => {
    const tags = Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }));
    await expectError('LimitExceededException', 400, () => t.kms.invoke('TagResource', { KeyId: keyId, Tags: tags }), /at most 50/);
  });
  it('MalformedPolicyDocumentException 400: a policy that is not JSON', async () => {
    await expectError('MalformedPolicyDocumentException', 400, () => t.kms.invoke('CreateKey', { Policy: '{not json' }), /not valid JSON/);
  });
  it('LimitExceededException 400: a policy over 32 KB', async () => {
    const policy = JSON.stringify({ Statement: [], Pad: 'x'.repeat(33_000) });
    await expectError('LimitExceededException', 400, () => t.kms.invoke('CreateKey', { Policy: policy }), /32 KB/);
  });
  it('UnsupportedOperationException 400: a key spec Strongroom does not offer', async () => {
    await expectError('UnsupportedOperationException', 400, () => t.kms.invoke('CreateKey', { KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' }), /Supported: SYMMETRIC_DEFAULT, RSA_2048/);
  });
  it('UnsupportedOperationException 400: GetPublicKey of a symmetric key', async () => {
    await expectError('UnsupportedOperationException', 400, () => t.kms.invoke('GetPublicKey', { KeyId: keyId }), /has no public key/);
  });
  it('KMSInvalidSignatureException 400: a signature that does not verify', async () => {
    const signing = (await t.kms.invoke('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.KeyId;
    const { Signature } = await t.kms.invoke('Sign', { KeyId: signing, Message: bytes('signed'), SigningAlgorithm: 'ECDSA_SHA_256' });
    await expectError('KMSInvalidSignatureException', 400, () => t.kms.invoke('Verify', { KeyId: signing, Message: bytes('changed'), Signature, SigningAlgorithm: 'ECDSA_SHA_256' }), /not valid/);
  });
  it('KMSInvalidMacException 400: a MAC that does not verify', async () => {
    const hmacKey = (await t.kms.invoke('CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata.KeyId;
    await expectError('KMSInvalidMacException', 400, () => t.kms.invoke('VerifyMac', { KeyId: hmacKey, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256', Mac: new Uint8Array(32) }), /not valid/);
  });
  it('UnsupportedOperationException 400: multi-Region keys', async () => {
    await expectError('UnsupportedOperationException', 400, () => t.kms.invoke('CreateKey', { MultiRegion: true }), /Multi-Region/);
  });
  it('DryRunOperationException 400: a dry run that would have succeeded', async () => {
    await expectError('DryRunOperationException', 400, () => t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x'), DryRun: true }), /would have succeeded/);
  });
  it('a dry run that would fail returns the real error', async () => {
    await t.kms.invoke('DisableKey', { KeyId: keyId });
    await expectError('DisabledException', 400, () => t.kms.invoke('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256', DryRun: true }));
  });
  it('the ARN in a message names the key, never its material', async () => {
    await t.kms.invoke('DisableKey', { KeyId: keyId });
    const err = await kmsError(t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') }));
    expect(err.message).toBe(`${keyArn} is disabled.`);
  });
});
