// Secrets Manager in the engine: versions and stages, the managed key made on first use, the
// KMS calls made through the service (authorized with kms:ViaService, audited with invokedBy),
// deletion with a recovery window on the developer clock, filters and paging, resource
// policies, and AccessDenied from identity policies, resource policies and key policies.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../electron/kms/clock.ts';
import type { InvokeOptions } from '../../electron/kms/engine.ts';
import type { AuditRecord } from '../../electron/kms/audit/record.ts';
import { kmsError, newEngine, type TestEngine } from '../support/engine.ts';

const ACCOUNT = '111122223333';
let t: TestEngine;

beforeEach(async () => {
  t = await newEngine({ developer: true });
});
afterEach(() => t.cleanup());

type Out = Record<string, unknown>;
const sm = (name: Parameters<TestEngine['kms']['invokeSecrets']>[0], input: Out, options: InvokeOptions = {}): Promise<Out> =>
  t.kms.invokeSecrets(name, input, options) as Promise<Out>;

function records(): Array<AuditRecord> {
  return t.kms.audit
    .list({ MaxResults: 1000 })
    .map((r) => r.record)
    .reverse();
}

function policy(...statements: Array<Record<string, unknown>>): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

describe('values, versions and stages', () => {
  it('creates, reads, adds versions and moves AWSCURRENT/AWSPREVIOUS, with custom labels', async () => {
    const created = await sm('CreateSecret', { Name: 'db/password', SecretString: 'first', Description: 'the db' });
    expect(String(created.ARN)).toMatch(new RegExp(`^arn:aws:secretsmanager:local-1:${ACCOUNT}:secret:db/password-[A-Za-z0-9]{6}$`));
    const v1 = String(created.VersionId);
    expect(await sm('GetSecretValue', { SecretId: 'db/password' })).toMatchObject({ SecretString: 'first', VersionId: v1, VersionStages: ['AWSCURRENT'] });

    const put = await sm('PutSecretValue', { SecretId: String(created.ARN), SecretString: 'second' });
    const v2 = String(put.VersionId);
    expect(put.VersionStages).toEqual(['AWSCURRENT']);
    expect((await sm('GetSecretValue', { SecretId: 'db/password' })).SecretString).toBe('second');
    expect((await sm('GetSecretValue', { SecretId: 'db/password', VersionStage: 'AWSPREVIOUS' })).SecretString).toBe('first');
    expect((await sm('GetSecretValue', { SecretId: 'db/password', VersionId: v1 })).SecretString).toBe('first');

    const pending = await sm('PutSecretValue', { SecretId: 'db/password', SecretBinary: new Uint8Array([0, 1, 2, 255]), VersionStages: ['AWSPENDING', 'blue'] });
    expect((await sm('GetSecretValue', { SecretId: 'db/password' })).SecretString).toBe('second');
    expect([...((await sm('GetSecretValue', { SecretId: 'db/password', VersionStage: 'blue' })).SecretBinary as Uint8Array)]).toEqual([0, 1, 2, 255]);

    await sm('UpdateSecretVersionStage', { SecretId: 'db/password', VersionStage: 'AWSCURRENT', MoveToVersionId: String(pending.VersionId), RemoveFromVersionId: v2 });
    const described = await sm('DescribeSecret', { SecretId: 'db/password' });
    expect(described.VersionIdsToStages).toEqual({ [v2]: ['AWSPREVIOUS'], [String(pending.VersionId)]: ['AWSCURRENT', 'AWSPENDING', 'blue'] });
    expect(described.Description).toBe('the db');
    expect(described.KmsKeyId).toBeUndefined();

    // AWSCURRENT cannot be moved without naming where it is, nor removed.
    expect((await kmsError(sm('UpdateSecretVersionStage', { SecretId: 'db/password', VersionStage: 'AWSCURRENT', MoveToVersionId: v1 }))).name).toBe('InvalidParameterException');
    expect((await kmsError(sm('UpdateSecretVersionStage', { SecretId: 'db/password', VersionStage: 'AWSCURRENT', RemoveFromVersionId: String(pending.VersionId) }))).name).toBe('InvalidParameterException');
    // v1 has no label left: deprecated, listed only on request.
    const listed = await sm('ListSecretVersionIds', { SecretId: 'db/password' });
    expect((listed.Versions as Array<Out>).map((v) => v.VersionId).sort()).toEqual([v2, String(pending.VersionId)].sort());
    expect(((await sm('ListSecretVersionIds', { SecretId: 'db/password', IncludeDeprecated: true })).Versions as Array<Out>)).toHaveLength(3);
  });

  it('answers AWS errors: duplicate name, missing value, both values, unknown secret and version, 64 KB', async () => {
    await sm('CreateSecret', { Name: 'x', SecretString: 'v' });
    expect((await kmsError(sm('CreateSecret', { Name: 'x', SecretString: 'v' }))).name).toBe('ResourceExistsException');
    expect((await kmsError(sm('CreateSecret', { Name: 'y', SecretString: 'v', SecretBinary: new Uint8Array([1]) }))).name).toBe('InvalidParameterException');
    expect((await kmsError(sm('PutSecretValue', { SecretId: 'x' }))).name).toBe('InvalidParameterException');
    expect((await kmsError(sm('GetSecretValue', { SecretId: 'nope' }))).name).toBe('ResourceNotFoundException');
    expect((await kmsError(sm('GetSecretValue', { SecretId: 'x', VersionId: 'a'.repeat(32) }))).name).toBe('ResourceNotFoundException');
    expect((await kmsError(sm('CreateSecret', { Name: 'big', SecretString: 'a'.repeat(65_537) }))).name).toBe('ValidationException');
    await sm('CreateSecret', { Name: 'max', SecretString: 'a'.repeat(65_536) });
    expect(((await sm('GetSecretValue', { SecretId: 'max' })).SecretString as string).length).toBe(65_536);
    expect((await kmsError(sm('CreateSecret', { Name: 'bad name!', SecretString: 'v' }))).name).toBe('InvalidParameterException');
  });

  it('is idempotent on ClientRequestToken with the same value, and refuses a different value', async () => {
    const token = 'c'.repeat(32);
    const a = await sm('CreateSecret', { Name: 'tok', SecretString: 'v', ClientRequestToken: token });
    const b = await sm('CreateSecret', { Name: 'tok', SecretString: 'v', ClientRequestToken: token });
    expect(b).toEqual(a);
    const p = 'd'.repeat(32);
    await sm('PutSecretValue', { SecretId: 'tok', SecretString: 'w', ClientRequestToken: p });
    await sm('PutSecretValue', { SecretId: 'tok', SecretString: 'w', ClientRequestToken: p });
    expect((await kmsError(sm('PutSecretValue', { SecretId: 'tok', SecretString: 'other', ClientRequestToken: p }))).name).toBe('ResourceExistsException');
  });
});

describe('the managed key and the KMS calls made through Secrets Manager', () => {
  it('creates alias/aws/secretsmanager on first use: KeyManager AWS, fixed policy, yearly rotation, listed', async () => {
    expect((await t.kms.invoke('ListAliases', {})).Aliases.map((a) => a.AliasName)).not.toContain('alias/aws/secretsmanager');
    await sm('CreateSecret', { Name: 's', SecretString: 'v' });
    const key = (await t.kms.invoke('DescribeKey', { KeyId: 'alias/aws/secretsmanager' })).KeyMetadata;
    expect(key).toMatchObject({ KeyManager: 'AWS', KeyState: 'Enabled', Description: 'Default key that protects my Secrets Manager data when no other key is defined' });
    expect((await t.kms.invoke('ListKeys', {})).Keys.map((k) => k.KeyId)).toContain(key.KeyId);
    expect((await t.kms.invoke('ListAliases', { KeyId: key.KeyId })).Aliases.map((a) => a.AliasName)).toEqual(['alias/aws/secretsmanager']);
    const status = await t.kms.invoke('GetKeyRotationStatus', { KeyId: key.KeyId });
    expect(status).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
    const doc = JSON.parse((await t.kms.invoke('GetKeyPolicy', { KeyId: key.KeyId })).Policy) as { Statement: Array<{ Condition?: Record<string, Record<string, string>> }> };
    expect(doc.Statement[0]?.Condition?.StringEquals).toEqual({ 'kms:ViaService': 'secretsmanager.local-1.amazonaws.com', 'kms:CallerAccount': ACCOUNT });
    // A second secret uses the same key.
    await sm('CreateSecret', { Name: 's2', SecretString: 'v' });
    expect((await t.kms.invoke('ListAliases', {})).Aliases.filter((a) => a.AliasName === 'alias/aws/secretsmanager')).toHaveLength(1);
  });

  it('DescribeKey of the predefined alias creates the managed key, as AWS does', async () => {
    const key = (await t.kms.invoke('DescribeKey', { KeyId: 'alias/aws/secretsmanager' })).KeyMetadata;
    expect(key.KeyManager).toBe('AWS');
    expect((await kmsError(t.kms.invoke('DescribeKey', { KeyId: 'alias/aws/not-a-service' }))).name).toBe('NotFoundException');
  });

  it('refuses every management call on a managed key with AWS errors, and direct use outside the service', async () => {
    const keyId = (await t.kms.invoke('DescribeKey', { KeyId: 'alias/aws/secretsmanager' })).KeyMetadata.KeyId;
    const calls: Array<[string, Promise<unknown>]> = [
      ['PutKeyPolicy', t.kms.invoke('PutKeyPolicy', { KeyId: keyId, PolicyName: 'default', Policy: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }) })],
      ['DisableKey', t.kms.invoke('DisableKey', { KeyId: keyId })],
      ['ScheduleKeyDeletion', t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 })],
      ['TagResource', t.kms.invoke('TagResource', { KeyId: keyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] })],
      ['UntagResource', t.kms.invoke('UntagResource', { KeyId: keyId, TagKeys: ['a'] })],
      ['EnableKeyRotation', t.kms.invoke('EnableKeyRotation', { KeyId: keyId })],
      ['DisableKeyRotation', t.kms.invoke('DisableKeyRotation', { KeyId: keyId })],
      ['RotateKeyOnDemand', t.kms.invoke('RotateKeyOnDemand', { KeyId: keyId })],
      ['UpdateKeyDescription', t.kms.invoke('UpdateKeyDescription', { KeyId: keyId, Description: 'x' })],
      ['CreateGrant', t.kms.invoke('CreateGrant', { KeyId: keyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, Operations: ['Decrypt'] })],
      ['Encrypt', t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: new Uint8Array([1]) })],
      ['GenerateDataKey', t.kms.invoke('GenerateDataKey', { KeyId: 'alias/aws/secretsmanager', KeySpec: 'AES_256' })],
    ];
    for (const [name, call] of calls) {
      const err = await kmsError(call);
      expect(err.name, name).toBe('AccessDeniedException');
      expect(err.message, name).toMatch(/is not authorized to perform: kms:\w+ on resource: arn:aws:kms:local-1:111122223333:key\//);
    }
    for (const [name, call] of [
      ['CreateAlias', t.kms.invoke('CreateAlias', { AliasName: 'alias/aws/mine', TargetKeyId: keyId })],
      ['DeleteAlias', t.kms.invoke('DeleteAlias', { AliasName: 'alias/aws/secretsmanager' })],
      ['UpdateAlias', t.kms.invoke('UpdateAlias', { AliasName: 'alias/aws/secretsmanager', TargetKeyId: keyId })],
    ] as const) {
      expect((await kmsError(call)).name, name).toBe('NotAuthorizedException');
    }
    expect((await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('Enabled');
  });

  it('rotates the managed key every year on the developer clock; older versions still decrypt', async () => {
    await sm('CreateSecret', { Name: 'old', SecretString: 'before rotation' });
    const keyId = (await t.kms.invoke('DescribeKey', { KeyId: 'alias/aws/secretsmanager' })).KeyMetadata.KeyId;
    const before = (await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.CurrentKeyMaterialId;
    t.kms.advanceClock(364 * DAY_MS);
    expect((await t.kms.invoke('ListKeyRotations', { KeyId: keyId })).Rotations).toHaveLength(0);
    const moved = t.kms.advanceClock(2 * DAY_MS);
    expect(moved.work.rotated).toBe(1);
    const rotations = (await t.kms.invoke('ListKeyRotations', { KeyId: keyId })).Rotations;
    expect(rotations.map((r) => r.RotationType)).toEqual(['AUTOMATIC']);
    expect((await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.CurrentKeyMaterialId).not.toBe(before);
    expect((await sm('GetSecretValue', { SecretId: 'old' })).SecretString).toBe('before rotation');
    const rotateRecord = records().find((r) => r.eventName === 'RotateKey');
    expect(rotateRecord?.eventType).toBe('AwsServiceEvent');
  });

  it('audits a read as GetSecretValue (secretsmanager, naming secret and key) and Decrypt invoked by the service', async () => {
    const created = await sm('CreateSecret', { Name: 'audited', SecretString: 'value' });
    const keyId = (await t.kms.invoke('DescribeKey', { KeyId: 'alias/aws/secretsmanager' })).KeyMetadata.KeyId;
    await sm('GetSecretValue', { SecretId: 'audited' });
    const all = records();
    const read = all.findLast((r) => r.eventName === 'GetSecretValue');
    expect(read).toMatchObject({ eventSource: 'secretsmanager.amazonaws.com', readOnly: true, responseElements: null });
    expect(read?.resources.map((r) => [r.type, r.ARN])).toEqual([
      ['AWS::KMS::Key', `arn:aws:kms:local-1:${ACCOUNT}:key/${keyId}`],
      ['AWS::SecretsManager::Secret', created.ARN],
    ]);
    const decrypt = all.findLast((r) => r.eventName === 'Decrypt');
    expect(decrypt).toMatchObject({ eventSource: 'kms.amazonaws.com', sourceIPAddress: 'secretsmanager.amazonaws.com', userIdentity: { invokedBy: 'secretsmanager.amazonaws.com' } });
    expect(decrypt?.requestParameters).toMatchObject({ encryptionContext: { SecretARN: created.ARN, SecretVersionId: created.VersionId } });
    expect(decrypt?.resources[0]?.ARN).toBe(`arn:aws:kms:local-1:${ACCOUNT}:key/${keyId}`);
    const generate = all.find((r) => r.eventName === 'GenerateDataKey');
    expect(generate?.userIdentity.invokedBy).toBe('secretsmanager.amazonaws.com');
    expect(t.kms.audit.verify().ok).toBe(true);
  });
});

describe('deletion and recovery', () => {
  it('schedules deletion with a recovery window, restores, force-deletes, and destroys when the window ends', async () => {
    await sm('CreateSecret', { Name: 'gone', SecretString: 'v' });
    await sm('CreateSecret', { Name: 'kept', SecretString: 'v' });
    const del = await sm('DeleteSecret', { SecretId: 'gone', RecoveryWindowInDays: 7 });
    expect((del.DeletionDate as Date).getTime() - t.kms.clock.now()).toBeGreaterThan(7 * DAY_MS - 5000);
    expect((await kmsError(sm('GetSecretValue', { SecretId: 'gone' }))).name).toBe('InvalidRequestException');
    expect(((await sm('ListSecrets', {})).SecretList as Array<Out>).map((s) => s.Name)).toEqual(['kept']);
    expect(((await sm('ListSecrets', { IncludePlannedDeletion: true })).SecretList as Array<Out>).map((s) => s.Name)).toEqual(['gone', 'kept']);
    expect((await sm('DescribeSecret', { SecretId: 'gone' })).DeletedDate).toBeInstanceOf(Date);
    await sm('RestoreSecret', { SecretId: 'gone' });
    expect((await sm('GetSecretValue', { SecretId: 'gone' })).SecretString).toBe('v');

    expect((await kmsError(sm('DeleteSecret', { SecretId: 'gone', RecoveryWindowInDays: 6 }))).name).toBe('InvalidParameterException');
    expect((await kmsError(sm('DeleteSecret', { SecretId: 'gone', RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true }))).name).toBe('InvalidParameterException');
    await sm('DeleteSecret', { SecretId: 'gone', RecoveryWindowInDays: 7 });
    expect((await kmsError(sm('CreateSecret', { Name: 'gone', SecretString: 'v' }))).name).toBe('InvalidRequestException');
    t.kms.advanceClock(6 * DAY_MS);
    expect((await sm('DescribeSecret', { SecretId: 'gone' })).Name).toBe('gone');
    t.kms.advanceClock(2 * DAY_MS);
    expect((await kmsError(sm('DescribeSecret', { SecretId: 'gone' }))).name).toBe('ResourceNotFoundException');
    const end = records().find((r) => r.eventName === 'EndSecretVersionDelete');
    expect(end).toMatchObject({ eventSource: 'secretsmanager.amazonaws.com', eventType: 'AwsServiceEvent' });
    // The name is free again.
    await sm('CreateSecret', { Name: 'gone', SecretString: 'again' });

    await sm('DeleteSecret', { SecretId: 'kept', ForceDeleteWithoutRecovery: true });
    expect((await kmsError(sm('DescribeSecret', { SecretId: 'kept' }))).name).toBe('ResourceNotFoundException');
  });

  it('a secret under a customer key becomes unreadable when the key is disabled or deleted', async () => {
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const created = await sm('CreateSecret', { Name: 'cmk', SecretString: 'v', KmsKeyId: keyId });
    expect((await sm('DescribeSecret', { SecretId: 'cmk' })).KmsKeyId).toBe(`arn:aws:kms:local-1:${ACCOUNT}:key/${keyId}`);
    expect(((await sm('ListSecretVersionIds', { SecretId: 'cmk' })).Versions as Array<Out>)[0]?.KmsKeyIds).toEqual([keyId]);
    await t.kms.invoke('DisableKey', { KeyId: keyId });
    expect((await kmsError(sm('GetSecretValue', { SecretId: created.ARN as string }))).name).toBe('DecryptionFailure');
    await t.kms.invoke('EnableKey', { KeyId: keyId });
    expect((await sm('GetSecretValue', { SecretId: 'cmk' })).SecretString).toBe('v');
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    t.kms.advanceClock(8 * DAY_MS);
    const err = await kmsError(sm('GetSecretValue', { SecretId: 'cmk' }));
    expect(['DecryptionFailure', 'AccessDeniedException']).toContain(err.name);
  });
});

describe('listing', () => {
  it('filters by name, description, tag key and value (with negation), sorts and pages', async () => {
    for (const [name, description, env] of [['app/a', 'Alpha secret', 'prod'], ['app/b', 'beta', 'dev'], ['db/c', 'gamma', 'prod']] as const) {
      await sm('CreateSecret', { Name: name, Description: description, SecretString: 'v', Tags: [{ Key: 'env', Value: env }] });
    }
    const names = async (input: Out) => ((await sm('ListSecrets', input)).SecretList as Array<Out>).map((s) => s.Name);
    expect(await names({ Filters: [{ Key: 'name', Values: ['app/'] }] })).toEqual(['app/a', 'app/b']);
    expect(await names({ Filters: [{ Key: 'description', Values: ['alpha'] }] })).toEqual(['app/a']);
    expect(await names({ Filters: [{ Key: 'tag-value', Values: ['prod'] }] })).toEqual(['app/a', 'db/c']);
    expect(await names({ Filters: [{ Key: 'tag-value', Values: ['!prod'] }] })).toEqual(['app/b']);
    expect(await names({ Filters: [{ Key: 'name', Values: ['app/'] }, { Key: 'tag-value', Values: ['prod'] }] })).toEqual(['app/a']);
    expect(await names({ Filters: [{ Key: 'all', Values: ['gamma'] }] })).toEqual(['db/c']);
    expect(await names({ SortBy: 'name', SortOrder: 'desc' })).toEqual(['db/c', 'app/b', 'app/a']);
    const first = await sm('ListSecrets', { MaxResults: 2 });
    expect((first.SecretList as Array<Out>).length).toBe(2);
    const second = await sm('ListSecrets', { MaxResults: 2, NextToken: first.NextToken });
    expect((second.SecretList as Array<Out>).map((s) => s.Name)).toEqual(['db/c']);
    expect(second.NextToken).toBeUndefined();
    expect((await kmsError(sm('ListSecrets', { NextToken: 'bogus' }))).name).toBe('InvalidNextTokenException');
  });

  it('BatchGetSecretValue by list and by filter, with per-secret errors', async () => {
    await sm('CreateSecret', { Name: 'b/1', SecretString: 'one' });
    await sm('CreateSecret', { Name: 'b/2', SecretString: 'two' });
    const byList = await sm('BatchGetSecretValue', { SecretIdList: ['b/1', 'b/2', 'b/none'] });
    expect((byList.SecretValues as Array<Out>).map((v) => v.SecretString)).toEqual(['one', 'two']);
    expect(byList.Errors).toEqual([{ SecretId: 'b/none', ErrorCode: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." }]);
    const byFilter = await sm('BatchGetSecretValue', { Filters: [{ Key: 'name', Values: ['b/'] }], MaxResults: 1 });
    expect((byFilter.SecretValues as Array<Out>).map((v) => v.Name)).toEqual(['b/1']);
    expect(typeof byFilter.NextToken).toBe('string');
    expect((await kmsError(sm('BatchGetSecretValue', {}))).name).toBe('InvalidParameterException');
  });

  it('GetRandomPassword honours length, exclusions and RequireEachIncludedType', async () => {
    const p = String((await sm('GetRandomPassword', {})).RandomPassword);
    expect(p).toHaveLength(32);
    const digits = String((await sm('GetRandomPassword', { PasswordLength: 64, ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true })).RandomPassword);
    expect(digits).toMatch(/^[0-9]{64}$/);
    const mixed = String((await sm('GetRandomPassword', { PasswordLength: 4, ExcludePunctuation: true, ExcludeCharacters: 'abc' })).RandomPassword);
    expect(mixed).toMatch(/[d-z]/);
    expect(mixed).toMatch(/[A-Z]/);
    expect(mixed).toMatch(/[0-9]/);
    expect((await kmsError(sm('GetRandomPassword', { ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true, ExcludeNumbers: true }))).name).toBe('InvalidParameterException');
  });
});

describe('authorization', () => {
  beforeEach(() => {
    t.kms.createPrincipal('user', 'alice');
    t.kms.createPrincipal('user', 'bob');
  });
  const as = (name: string): InvokeOptions => ({ caller: t.kms.callerFor(name, 'test') });

  it('a principal without rights is denied; an identity policy or a resource policy allows', async () => {
    const created = await sm('CreateSecret', { Name: 'shared', SecretString: 'v' });
    const denied = await kmsError(sm('GetSecretValue', { SecretId: 'shared' }, as('alice')));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toContain('secretsmanager:GetSecretValue');
    t.kms.putIdentityPolicy('user', 'alice', 'read', policy({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: String(created.ARN) }));
    expect((await sm('GetSecretValue', { SecretId: 'shared' }, as('alice'))).SecretString).toBe('v');

    expect((await kmsError(sm('GetSecretValue', { SecretId: 'shared' }, as('bob')))).name).toBe('AccessDeniedException');
    await sm('PutResourcePolicy', { SecretId: 'shared', ResourcePolicy: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }) });
    expect((await sm('GetSecretValue', { SecretId: 'shared' }, as('bob'))).SecretString).toBe('v');
    expect((await sm('GetResourcePolicy', { SecretId: 'shared' })).ResourcePolicy).toContain('user/bob');
    // A Deny in the resource policy wins over alice's identity policy.
    await sm('PutResourcePolicy', { SecretId: 'shared', ResourcePolicy: policy({ Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, Action: 'secretsmanager:*', Resource: '*' }) });
    expect((await kmsError(sm('GetSecretValue', { SecretId: 'shared' }, as('alice')))).name).toBe('AccessDeniedException');
    await sm('DeleteResourcePolicy', { SecretId: 'shared' });
    expect((await sm('GetSecretValue', { SecretId: 'shared' }, as('alice'))).SecretString).toBe('v');
    // A public policy is refused unless BlockPublicPolicy is false.
    const open = policy({ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' });
    expect((await kmsError(sm('PutResourcePolicy', { SecretId: 'shared', ResourcePolicy: open }))).name).toBe('PublicPolicyException');
  });

  it('conditions on the secret (its tags, its id) and on the request apply', async () => {
    await sm('CreateSecret', { Name: 'tagged', SecretString: 't', Tags: [{ Key: 'team', Value: 'core' }] });
    await sm('CreateSecret', { Name: 'untagged', SecretString: 'u' });
    t.kms.putIdentityPolicy('user', 'alice', 'by-tag', policy({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { StringEquals: { 'secretsmanager:ResourceTag/team': 'core' } } }));
    expect((await sm('GetSecretValue', { SecretId: 'tagged' }, as('alice'))).SecretString).toBe('t');
    expect((await kmsError(sm('GetSecretValue', { SecretId: 'untagged' }, as('alice')))).name).toBe('AccessDeniedException');
    t.kms.putIdentityPolicy('user', 'bob', 'by-stage', policy({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { StringEquals: { 'secretsmanager:VersionStage': 'AWSPREVIOUS' } } }));
    expect((await kmsError(sm('GetSecretValue', { SecretId: 'untagged' }, as('bob')))).name).toBe('AccessDeniedException');
    await sm('PutSecretValue', { SecretId: 'untagged', SecretString: 'u2' });
    expect((await sm('GetSecretValue', { SecretId: 'untagged', VersionStage: 'AWSPREVIOUS' }, as('bob'))).SecretString).toBe('u');
  });

  it('a key policy that denies Decrypt denies GetSecretValue, even to the owner', async () => {
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    await sm('CreateSecret', { Name: 'locked', SecretString: 'v', KmsKeyId: keyId });
    await t.kms.invoke('PutKeyPolicy', {
      KeyId: keyId,
      PolicyName: 'default',
      Policy: policy(
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.local-1.amazonaws.com' } } },
      ),
    });
    const err = await kmsError(sm('GetSecretValue', { SecretId: 'locked' }));
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toMatch(/^Access to KMS is not allowed\./);
    expect(err.message).toContain('kms:Decrypt');
    // The refused read is audited, naming the secret and the key.
    const last = records().at(-1);
    expect(last).toMatchObject({ eventName: 'GetSecretValue', errorCode: 'AccessDeniedException' });
    expect(last?.resources.map((r) => r.type)).toEqual(['AWS::KMS::Key', 'AWS::SecretsManager::Secret']);
  });

  it('a user allowed Secrets Manager but not the customer key cannot read through it; the managed key needs no key grant', async () => {
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    await sm('CreateSecret', { Name: 'on-cmk', SecretString: 'c', KmsKeyId: keyId });
    await sm('CreateSecret', { Name: 'on-managed', SecretString: 'm' });
    t.kms.putIdentityPolicy('user', 'alice', 'sm', policy({ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }));
    expect((await sm('GetSecretValue', { SecretId: 'on-managed' }, as('alice'))).SecretString).toBe('m');
    expect((await kmsError(sm('GetSecretValue', { SecretId: 'on-cmk' }, as('alice')))).name).toBe('AccessDeniedException');
    t.kms.putIdentityPolicy('user', 'alice', 'kms', policy({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.local-1.amazonaws.com' } } }));
    expect((await sm('GetSecretValue', { SecretId: 'on-cmk' }, as('alice'))).SecretString).toBe('c');
    // Directly, outside Secrets Manager, the same policy does not let her decrypt.
    const blob = (await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: new Uint8Array([7]) })).CiphertextBlob;
    expect((await kmsError(t.kms.invoke('Decrypt', { CiphertextBlob: blob }, as('alice')))).name).toBe('AccessDeniedException');
  });
});
