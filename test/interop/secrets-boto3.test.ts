// boto3's secretsmanager client — Debian's 1.26 (/usr/bin/python3) and the newer one on PATH —
// unmodified apart from endpoint and credentials, against the endpoint: create, get, a new
// version, stages moved, list with filters, delete with recovery and restore, force delete,
// AccessDenied for a principal without rights and for a secret whose key policy denies Decrypt,
// and the managed key as KMS describes it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint, type TestEndpoint } from '../support/endpoint.ts';
import { DEBIAN_PYTHON, peerAvailable, run } from './peers.ts';

const SCRIPT = `
import json, sys, boto3, botocore
cfg = json.loads(sys.argv[1])
def client(service, creds):
    return boto3.client(service, endpoint_url=cfg['endpoint'], region_name='eu-west-1',
                        aws_access_key_id=creds['id'], aws_secret_access_key=creds['secret'])
sm = client('secretsmanager', cfg['owner'])
kms = client('kms', cfg['owner'])
nobody = client('secretsmanager', cfg['nobody'])
out = {'boto3': boto3.__version__}
def code(call):
    try:
        call()
        return None
    except botocore.exceptions.ClientError as e:
        return [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]

c = sm.create_secret(Name='app/db', SecretString='s3cr3t-one', Description='database', Tags=[{'Key': 'env', 'Value': 'prod'}])
out['arn'] = c['ARN']
out['first'] = sm.get_secret_value(SecretId='app/db')['SecretString']
p = sm.put_secret_value(SecretId=c['ARN'], SecretString='s3cr3t-two')
out['putStages'] = p['VersionStages']
out['current'] = sm.get_secret_value(SecretId='app/db')['SecretString']
out['previous'] = sm.get_secret_value(SecretId='app/db', VersionStage='AWSPREVIOUS')['SecretString']
sm.update_secret_version_stage(SecretId='app/db', VersionStage='AWSCURRENT', MoveToVersionId=c['VersionId'], RemoveFromVersionId=p['VersionId'])
out['afterMove'] = sm.get_secret_value(SecretId='app/db')['SecretString']
b = sm.create_secret(Name='app/bin', SecretBinary=b'\\x00\\x01\\xff')
out['binary'] = list(sm.get_secret_value(SecretId='app/bin')['SecretBinary'])
sm.create_secret(Name='other/x', SecretString='x')
out['filtered'] = sorted([s['Name'] for s in sm.list_secrets(Filters=[{'Key': 'name', 'Values': ['app/']}])['SecretList']])
out['byTag'] = [s['Name'] for s in sm.list_secrets(Filters=[{'Key': 'tag-value', 'Values': ['prod']}])['SecretList']]
pages = sm.get_paginator('list_secrets').paginate(PaginationConfig={'PageSize': 1})
out['paged'] = sorted(s['Name'] for page in pages for s in page['SecretList'])
d = sm.delete_secret(SecretId='app/bin', RecoveryWindowInDays=7)
out['deletionDateType'] = type(d['DeletionDate']).__name__
out['deletedRead'] = code(lambda: sm.get_secret_value(SecretId='app/bin'))
sm.restore_secret(SecretId='app/bin')
out['restored'] = list(sm.get_secret_value(SecretId='app/bin')['SecretBinary'])
sm.delete_secret(SecretId='other/x', ForceDeleteWithoutRecovery=True)
out['forced'] = code(lambda: sm.describe_secret(SecretId='other/x'))
desc = sm.describe_secret(SecretId='app/db')
out['stages'] = sorted(sum(desc['VersionIdsToStages'].values(), []))
out['password'] = len(sm.get_random_password(PasswordLength=20)['RandomPassword'])
out['nobody'] = code(lambda: nobody.get_secret_value(SecretId='app/db'))
key = kms.create_key()['KeyMetadata']['KeyId']
sm.create_secret(Name='locked', SecretString='never', KmsKeyId=key)
kms.put_key_policy(KeyId=key, PolicyName='default', Policy=json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::111122223333:root'}, 'Action': 'kms:*', 'Resource': '*'},
    {'Effect': 'Deny', 'Principal': {'AWS': '*'}, 'Action': 'kms:Decrypt', 'Resource': '*'}]}))
out['keyDenies'] = code(lambda: sm.get_secret_value(SecretId='locked'))
managed = kms.describe_key(KeyId='alias/aws/secretsmanager')['KeyMetadata']
out['keyManager'] = managed['KeyManager']
out['managedDisable'] = code(lambda: kms.disable_key(KeyId=managed['KeyId']))
if hasattr(sm, 'batch_get_secret_value'):
    batch = sm.batch_get_secret_value(SecretIdList=['app/db', 'nope'])
    out['batch'] = [[v['Name'] for v in batch['SecretValues']], [e['ErrorCode'] for e in batch['Errors']]]
print(json.dumps(out))
`;

function pathPython(): string | null {
  try {
    const found = execFileSync('python3', ['-c', 'import sys, boto3; print(sys.executable)'], { encoding: 'utf8' }).trim();
    return found === '' || found === DEBIAN_PYTHON ? null : found;
  } catch {
    return null;
  }
}

const pythons: Array<[string, string]> = [
  ['Debian boto3', DEBIAN_PYTHON],
  ...((): Array<[string, string]> => {
    const other = pathPython();
    return other === null || !existsSync(other) ? [] : [['boto3 on PATH', other]];
  })(),
];

let ep: TestEndpoint;
let nobody: { accessKeyId: string; secretAccessKey: string };

describe.runIf(peerAvailable(DEBIAN_PYTHON))('boto3 secretsmanager against the endpoint', () => {
  beforeAll(async () => {
    ep = await startTestEndpoint();
    ep.kms.createPrincipal('user', 'nobody');
    const k = ep.kms.createAccessKey('nobody');
    nobody = { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey };
  });
  afterAll(async () => {
    await ep?.close();
  });

  it.each(pythons)('%s: the whole life of a secret, AccessDenied and the managed key', async (_label, python) => {
    // Each interpreter gets a fresh set of secrets.
    for (const s of ['app/db', 'app/bin', 'locked']) {
      await ep.kms.invokeSecrets('DeleteSecret', { SecretId: s, ForceDeleteWithoutRecovery: true }).catch(() => undefined);
    }
    const cfg = JSON.stringify({
      endpoint: ep.endpoint,
      owner: { id: ep.credentials.accessKeyId, secret: ep.credentials.secretAccessKey },
      nobody: { id: nobody.accessKeyId, secret: nobody.secretAccessKey },
    });
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    const r = await run(python, ['-c', SCRIPT, cfg], { env: { ...env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' } });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(String(out.arn)).toMatch(/^arn:aws:secretsmanager:local-1:111122223333:secret:app\/db-[A-Za-z0-9]{6}$/);
    expect(out).toMatchObject({
      first: 's3cr3t-one',
      putStages: ['AWSCURRENT'],
      current: 's3cr3t-two',
      previous: 's3cr3t-one',
      afterMove: 's3cr3t-one',
      binary: [0, 1, 255],
      filtered: ['app/bin', 'app/db'],
      byTag: ['app/db'],
      paged: ['app/bin', 'app/db', 'other/x'],
      deletionDateType: 'datetime',
      deletedRead: ['InvalidRequestException', 400],
      restored: [0, 1, 255],
      forced: ['ResourceNotFoundException', 400],
      stages: ['AWSCURRENT', 'AWSPREVIOUS'],
      password: 20,
      nobody: ['AccessDeniedException', 400],
      keyDenies: ['AccessDeniedException', 400],
      keyManager: 'AWS',
      managedDisable: ['AccessDeniedException', 400],
    });
    if (out.batch !== undefined) {
      expect(out.batch).toEqual([['app/db'], ['ResourceNotFoundException']]);
    }
  });
});
