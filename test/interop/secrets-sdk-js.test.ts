// @aws-sdk/client-secrets-manager (AWS SDK for JavaScript v3), unmodified apart from endpoint and
// credentials, against the endpoint: the operations Strongroom serves, errors as the SDK's
// exception classes (AccessDeniedException, which the model does not declare, by its name), paging through the SDK's paginator, and AccessDenied from a key policy.
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  ListSecretsCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
  paginateListSecrets,
} from '@aws-sdk/client-secrets-manager';
import { CreateKeyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint, type TestEndpoint } from '../support/endpoint.ts';

let ep: TestEndpoint;
let sm: SecretsManagerClient;
let asBob: SecretsManagerClient;
let kms: KMSClient;

async function rejection(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

describe('@aws-sdk/client-secrets-manager against the endpoint', () => {
  beforeAll(async () => {
    ep = await startTestEndpoint();
    const config = { endpoint: ep.endpoint, region: 'us-east-1', credentials: ep.credentials, maxAttempts: 1 };
    sm = new SecretsManagerClient(config);
    kms = new KMSClient(config);
    ep.kms.createPrincipal('user', 'bob');
    const bob = ep.kms.createAccessKey('bob');
    asBob = new SecretsManagerClient({ ...config, credentials: { accessKeyId: bob.AccessKeyId, secretAccessKey: bob.SecretAccessKey } });
  });
  afterAll(async () => {
    sm?.destroy();
    asBob?.destroy();
    kms?.destroy();
    await ep?.close();
  });

  it('create, get, put, update, stages, versions, tags, describe', async () => {
    const created = await sm.send(new CreateSecretCommand({ Name: 'js/one', SecretString: 'first' }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'js/one' }))).SecretString).toBe('first');
    const put = await sm.send(new PutSecretValueCommand({ SecretId: 'js/one', SecretBinary: new Uint8Array([9, 8, 7]) }));
    expect([...((await sm.send(new GetSecretValueCommand({ SecretId: created.ARN }))).SecretBinary ?? [])]).toEqual([9, 8, 7]);
    const updated = await sm.send(new UpdateSecretCommand({ SecretId: 'js/one', SecretString: 'third', Description: 'updated' }));
    expect(updated.VersionId).toBeDefined();
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'js/one', VersionStage: 'custom', MoveToVersionId: put.VersionId }));
    expect([...((await sm.send(new GetSecretValueCommand({ SecretId: 'js/one', VersionStage: 'custom' }))).SecretBinary ?? [])]).toEqual([9, 8, 7]);
    const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'js/one' }));
    expect(versions.Versions?.flatMap((v) => v.VersionStages ?? []).sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS', 'custom']);
    await sm.send(new TagResourceCommand({ SecretId: 'js/one', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await sm.send(new UntagResourceCommand({ SecretId: 'js/one', TagKeys: ['a'] }));
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'js/one' }));
    expect(described).toMatchObject({ Name: 'js/one', Description: 'updated', Tags: [{ Key: 'b', Value: '2' }] });
    expect(described.CreatedDate).toBeInstanceOf(Date);
    expect(described.LastAccessedDate).toBeInstanceOf(Date);
    const dup = await rejection(sm.send(new CreateSecretCommand({ Name: 'js/one', SecretString: 'x' })));
    expect(dup).toBeInstanceOf(ResourceExistsException);
    const missing = await rejection(sm.send(new GetSecretValueCommand({ SecretId: 'js/none' })));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing.$metadata?.httpStatusCode).toBe(400);
  });

  it('lists with a filter through the paginator, and batch-gets', async () => {
    for (const n of ['js/p1', 'js/p2', 'js/p3']) {
      await sm.send(new CreateSecretCommand({ Name: n, SecretString: n }));
    }
    const names: Array<string> = [];
    for await (const page of paginateListSecrets({ client: sm, pageSize: 2 }, { Filters: [{ Key: 'name', Values: ['js/p'] }] })) {
      names.push(...(page.SecretList ?? []).map((s) => s.Name ?? ''));
    }
    expect(names).toEqual(['js/p1', 'js/p2', 'js/p3']);
    expect((await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['!js/p'] }] }))).SecretList?.map((s) => s.Name)).toEqual(['js/one']);
    const batch = await sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['js/p1', 'js/p3'] }));
    expect(batch.SecretValues?.map((v) => v.SecretString)).toEqual(['js/p1', 'js/p3']);
    expect(batch.Errors).toEqual([]);
  });

  it('deletes with recovery, restores, force-deletes', async () => {
    const del = await sm.send(new DeleteSecretCommand({ SecretId: 'js/p1', RecoveryWindowInDays: 10 }));
    expect(del.DeletionDate).toBeInstanceOf(Date);
    expect(await rejection(sm.send(new GetSecretValueCommand({ SecretId: 'js/p1' })))).toBeInstanceOf(InvalidRequestException);
    await sm.send(new RestoreSecretCommand({ SecretId: 'js/p1' }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'js/p1' }))).SecretString).toBe('js/p1');
    await sm.send(new DeleteSecretCommand({ SecretId: 'js/p2', ForceDeleteWithoutRecovery: true }));
    expect(await rejection(sm.send(new DescribeSecretCommand({ SecretId: 'js/p2' })))).toBeInstanceOf(ResourceNotFoundException);
  });

  it('AccessDenied for a principal without rights, lifted by a resource policy; and for a key policy that denies Decrypt', async () => {
    expect(await rejection(asBob.send(new GetSecretValueCommand({ SecretId: 'js/p3' })))).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    await sm.send(new PutResourcePolicyCommand({
      SecretId: 'js/p3',
      ResourcePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:user/bob' }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] }),
    }));
    expect((await sm.send(new GetResourcePolicyCommand({ SecretId: 'js/p3' }))).ResourcePolicy).toContain('user/bob');
    expect((await asBob.send(new GetSecretValueCommand({ SecretId: 'js/p3' }))).SecretString).toBe('js/p3');
    await sm.send(new DeleteResourcePolicyCommand({ SecretId: 'js/p3' }));
    expect(await rejection(asBob.send(new GetSecretValueCommand({ SecretId: 'js/p3' })))).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });

    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    await sm.send(new CreateSecretCommand({ Name: 'js/locked', SecretString: 'never', KmsKeyId: keyId }));
    await kms.send(new PutKeyPolicyCommand({
      KeyId: keyId,
      PolicyName: 'default',
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
        { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' },
      ] }),
    }));
    const denied = await rejection(sm.send(new GetSecretValueCommand({ SecretId: 'js/locked' })));
    expect(denied).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    expect(denied.message).toMatch(/^Access to KMS is not allowed/);
  });

  it('get-random-password', async () => {
    const out = await sm.send(new GetRandomPasswordCommand({ PasswordLength: 40, ExcludeNumbers: true }));
    expect(out.RandomPassword).toHaveLength(40);
    expect(out.RandomPassword).not.toMatch(/[0-9]/);
  });
});
