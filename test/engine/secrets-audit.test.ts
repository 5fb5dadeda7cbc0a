// Every Secrets Manager operation — iterated from the shared table, not hand-picked — writes
// exactly one record of its own (eventSource secretsmanager.amazonaws.com) for a success, for a
// failure and for a denial to a principal with no permissions; the only other records a call
// leaves are the KMS calls made for it, each invoked by the service. No record holds a value.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../electron/kms/audit/record.ts';
import { secretsOperationNames, type SecretsOperationName } from '../../shared/api/secretsmanager.ts';
import { newEngine, type TestEngine } from '../support/engine.ts';

const VALUE = 'audit-secret-value-7f3a9c';
type Case = { readonly success: Record<string, unknown>; readonly failure: Record<string, unknown>; readonly error: string };
const V = 'v'.repeat(32);

/** Each operation once: a call that succeeds on the fixture secrets, and one that fails. */
const CASES: Record<SecretsOperationName, Case> = {
  CreateSecret: { success: { Name: 'new', SecretString: VALUE }, failure: { Name: 'live', SecretString: VALUE }, error: 'ResourceExistsException' },
  GetSecretValue: { success: { SecretId: 'live' }, failure: { SecretId: 'missing' }, error: 'ResourceNotFoundException' },
  BatchGetSecretValue: { success: { SecretIdList: ['live'] }, failure: {}, error: 'InvalidParameterException' },
  PutSecretValue: { success: { SecretId: 'live', SecretString: VALUE }, failure: { SecretId: 'live' }, error: 'InvalidParameterException' },
  UpdateSecret: { success: { SecretId: 'live', Description: 'd' }, failure: { SecretId: 'gone' }, error: 'InvalidRequestException' },
  DescribeSecret: { success: { SecretId: 'live' }, failure: { SecretId: 'missing' }, error: 'ResourceNotFoundException' },
  ListSecrets: { success: {}, failure: { NextToken: 'bogus' }, error: 'InvalidNextTokenException' },
  ListSecretVersionIds: { success: { SecretId: 'live' }, failure: { SecretId: 'missing' }, error: 'ResourceNotFoundException' },
  DeleteSecret: { success: { SecretId: 'live', RecoveryWindowInDays: 7 }, failure: { SecretId: 'live', RecoveryWindowInDays: 3 }, error: 'InvalidParameterException' },
  RestoreSecret: { success: { SecretId: 'gone' }, failure: { SecretId: 'missing' }, error: 'ResourceNotFoundException' },
  UpdateSecretVersionStage: { success: { SecretId: 'live', VersionStage: 'blue', MoveToVersionId: V }, failure: { SecretId: 'live', VersionStage: 'blue', MoveToVersionId: 'w'.repeat(32) }, error: 'ResourceNotFoundException' },
  TagResource: { success: { SecretId: 'live', Tags: [{ Key: 'k', Value: 'v' }] }, failure: { SecretId: 'live', Tags: [{ Key: 'aws:x', Value: 'v' }] }, error: 'InvalidParameterException' },
  UntagResource: { success: { SecretId: 'live', TagKeys: ['k'] }, failure: { SecretId: 'gone', TagKeys: ['k'] }, error: 'InvalidRequestException' },
  GetRandomPassword: { success: {}, failure: { PasswordLength: 5000 }, error: 'ValidationException' },
  PutResourcePolicy: {
    success: { SecretId: 'live', ResourcePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'secretsmanager:*', Resource: '*' }] }) },
    failure: { SecretId: 'live', ResourcePolicy: '{' },
    error: 'MalformedPolicyDocumentException',
  },
  GetResourcePolicy: { success: { SecretId: 'live' }, failure: { SecretId: 'missing' }, error: 'ResourceNotFoundException' },
  DeleteResourcePolicy: { success: { SecretId: 'live' }, failure: { SecretId: 'gone' }, error: 'InvalidRequestException' },
};

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
  await t.kms.invokeSecrets('CreateSecret', { Name: 'live', SecretString: VALUE, ClientRequestToken: V });
  await t.kms.invokeSecrets('CreateSecret', { Name: 'gone', SecretString: VALUE });
  await t.kms.invokeSecrets('DeleteSecret', { SecretId: 'gone' });
  t.kms.createPrincipal('user', 'nobody');
});
afterEach(() => t.cleanup());

function since(seq: number): Array<AuditRecord> {
  return t.kms.audit
    .list({ MaxResults: 1000 })
    .filter((r) => r.seq > seq)
    .map((r) => r.record);
}

function head(): number {
  return t.kms.audit.list({ MaxResults: 1 })[0]?.seq ?? 0;
}

function expectOneRecord(records: ReadonlyArray<AuditRecord>, name: string, error: string | null): void {
  const own = records.filter((r) => r.eventSource === 'secretsmanager.amazonaws.com');
  expect(own.map((r) => [r.eventName, r.errorCode ?? null])).toEqual([[name, error]]);
  for (const r of records.filter((x) => x.eventSource !== 'secretsmanager.amazonaws.com')) {
    expect(r.userIdentity.invokedBy, `${r.eventName} was made for ${name}`).toBe('secretsmanager.amazonaws.com');
  }
  expect(JSON.stringify(records)).not.toContain(VALUE);
}

describe('the case table', () => {
  it('has a case for every Secrets Manager operation', () => {
    expect(Object.keys(CASES).sort()).toEqual([...secretsOperationNames].sort());
  });
});

describe.each(secretsOperationNames.map((n) => [n] as const))('%s', (name) => {
  it('writes one record of its own for a success', async () => {
    const before = head();
    await t.kms.invokeSecrets(name, CASES[name].success);
    // BatchGetSecretValue reads each secret through GetSecretValue: those are records of their own.
    const records = since(before).filter((r) => !(name === 'BatchGetSecretValue' && r.eventName === 'GetSecretValue'));
    expectOneRecord(records, name, null);
  });

  it('writes one record for a failure', async () => {
    const before = head();
    const err = await t.kms.invokeSecrets(name, CASES[name].failure).then(() => null, (e: Error) => e.name);
    expect(err).toBe(CASES[name].error);
    expectOneRecord(since(before), name, CASES[name].error);
  });

  it('writes one record for a denial to a principal with no permissions', async () => {
    const before = head();
    const err = await t.kms.invokeSecrets(name, CASES[name].success, { caller: t.kms.callerFor('nobody', 'test') }).then(() => null, (e: Error) => e.name);
    expect(err).toBe('AccessDeniedException');
    expectOneRecord(since(before), name, 'AccessDeniedException');
  });
});
