// boto3 (Debian's python3-boto3, for /usr/bin/python3) against the endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint, type TestEndpoint } from '../support/endpoint.ts';
import { DEBIAN_PYTHON, peerAvailable, run } from './peers.ts';

let ep: TestEndpoint;

const SCRIPT = `
import json, sys, boto3, botocore
cfg = json.loads(sys.argv[1])
kms = boto3.client('kms', endpoint_url=cfg['endpoint'], region_name='eu-west-1',
                   aws_access_key_id=cfg['id'], aws_secret_access_key=cfg['secret'])
out = {'boto3': boto3.__version__}
key = kms.create_key(Description='boto3 key')['KeyMetadata']
out['keyState'] = key['KeyState']
kms.create_alias(AliasName='alias/boto3', TargetKeyId=key['KeyId'])
dk = kms.generate_data_key(KeyId='alias/boto3', KeySpec='AES_256', EncryptionContext={'lib': 'boto3'})
plain = kms.decrypt(CiphertextBlob=dk['CiphertextBlob'], EncryptionContext={'lib': 'boto3'})['Plaintext']
out['dataKeyRoundTrip'] = plain == dk['Plaintext'] and len(plain) == 32
out['keyArn'] = dk['KeyId']
errors = {}
for name, call in [('unknown key', lambda: kms.describe_key(KeyId='alias/none')),
                   ('too many bytes', lambda: kms.generate_random(NumberOfBytes=2048)),
                   ('wrong context', lambda: kms.decrypt(CiphertextBlob=dk['CiphertextBlob'], EncryptionContext={'lib': 'other'}))]:
    try:
        call()
        errors[name] = None
    except botocore.exceptions.ClientError as e:
        errors[name] = [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
out['errors'] = errors
print(json.dumps(out))
`;

describe.runIf(peerAvailable(DEBIAN_PYTHON))('boto3 against the endpoint', () => {
  beforeAll(async () => {
    ep = await startTestEndpoint();
  });
  afterAll(async () => {
    await ep?.close();
  });

  it('create_key, create_alias, generate_data_key, decrypt, and errors by their codes', async () => {
    const cfg = JSON.stringify({ endpoint: ep.endpoint, id: ep.credentials.accessKeyId, secret: ep.credentials.secretAccessKey });
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    const r = await run(DEBIAN_PYTHON, ['-c', SCRIPT, cfg], { env: { ...env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' } });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ keyState: 'Enabled', dataKeyRoundTrip: true });
    expect(String(out.keyArn)).toMatch(/^arn:aws:kms:local-1:111122223333:key\//);
    expect(out.errors).toEqual({
      'unknown key': ['NotFoundException', 400],
      'too many bytes': ['ValidationException', 400],
      'wrong context': ['InvalidCiphertextException', 400],
    });
  });
});
