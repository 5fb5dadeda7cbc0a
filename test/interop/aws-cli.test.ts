// The AWS CLI v2 (Debian's awscli, /usr/bin/aws), unmodified apart from --endpoint-url and
// credentials, running the command lines of the AWS KMS documentation against the endpoint.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint, type TestEndpoint } from '../support/endpoint.ts';
import { AWS_CLI_V2, isolatedAwsCliEnv, OPENSSL, peerAvailable, run } from './peers.ts';

let ep: TestEndpoint;
let work: string;
let env: NodeJS.ProcessEnv;

async function aws(args: ReadonlyArray<string>): Promise<{ code: number | null; stdout: string; stderr: string; json: () => Record<string, unknown> }> {
  const r = await run(AWS_CLI_V2, ['kms', ...args, '--endpoint-url', ep.endpoint], { env, cwd: work });
  return { ...r, json: () => JSON.parse(r.stdout) as Record<string, unknown> };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/;

describe.runIf(peerAvailable(AWS_CLI_V2))('AWS CLI v2 against the endpoint', () => {
  beforeAll(async () => {
    ep = await startTestEndpoint();
    work = mkdtempSync(join(tmpdir(), 'strongroom-awscli-'));
    // Nothing from the machine's own AWS set-up: only what this test gives.
    env = isolatedAwsCliEnv(work, ep.credentials);
  });
  afterAll(async () => {
    await ep?.close();
  });

  let keyId = '';
  let keyArn = '';

  it('is the AWS CLI v2', async () => {
    const r = await run(AWS_CLI_V2, ['--version']);
    expect(r.stdout).toMatch(/^aws-cli\/2\./);
  });

  it('create-key with a description and tags', async () => {
    const r = (await aws(['create-key', '--description', 'Example key', '--tags', 'TagKey=Purpose,TagValue=Test']));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const md = r.json().KeyMetadata as Record<string, unknown>;
    expect(md).toMatchObject({ Description: 'Example key', KeyState: 'Enabled', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT', Enabled: true });
    expect(md.CreationDate).toMatch(ISO);
    keyId = String(md.KeyId);
    keyArn = String(md.Arn);
  });

  it('create-alias, list-keys, describe-key by alias', async () => {
    expect((await aws(['create-alias', '--alias-name', 'alias/ExampleAlias', '--target-key-id', keyId])).code).toBe(0);
    const keys = (await aws(['list-keys'])).json().Keys as Array<Record<string, string>>;
    expect(keys).toContainEqual({ KeyId: keyId, KeyArn: keyArn });
    expect(((await aws(['describe-key', '--key-id', 'alias/ExampleAlias'])).json().KeyMetadata as Record<string, unknown>).KeyId).toBe(keyId);
  });

  it('encrypt fileb://, decrypt with --query Plaintext | base64 --decode, re-encrypt', async () => {
    writeFileSync(join(work, 'ExamplePlaintextFile'), 'the documentation example');
    const enc = (await aws(['encrypt', '--key-id', 'alias/ExampleAlias', '--plaintext', 'fileb://ExamplePlaintextFile', '--encryption-context', 'purpose=test', '--output', 'text', '--query', 'CiphertextBlob']));
    expect(enc.code).toBe(0);
    writeFileSync(join(work, 'ExampleEncryptedFile'), Buffer.from(enc.stdout.trim(), 'base64'));
    const dec = (await aws(['decrypt', '--ciphertext-blob', 'fileb://ExampleEncryptedFile', '--encryption-context', 'purpose=test', '--output', 'text', '--query', 'Plaintext']));
    expect(dec.code).toBe(0);
    expect(Buffer.from(dec.stdout.trim(), 'base64').toString()).toBe('the documentation example');
    const other = String(((await aws(['create-key'])).json().KeyMetadata as Record<string, unknown>).KeyId);
    const re = (await aws(['re-encrypt', '--ciphertext-blob', 'fileb://ExampleEncryptedFile', '--source-encryption-context', 'purpose=test', '--destination-key-id', other]));
    expect(re.code).toBe(0);
    expect(re.json()).toMatchObject({ SourceKeyId: keyArn, SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
  });

  it('generate-data-key --key-spec AES_256', async () => {
    const r = (await aws(['generate-data-key', '--key-id', keyId, '--key-spec', 'AES_256']));
    expect(r.code).toBe(0);
    expect(Buffer.from(String(r.json().Plaintext), 'base64')).toHaveLength(32);
    expect(r.json().KeyId).toBe(keyArn);
  });

  it('enable-key-rotation / get-key-rotation-status / disable-key-rotation', async () => {
    expect((await aws(['enable-key-rotation', '--key-id', keyId])).code).toBe(0);
    const status = await aws(['get-key-rotation-status', '--key-id', keyId]);
    expect(status.code).toBe(0);
    // Debian's CLI (2.9) predates RotationPeriodInDays and NextRotationDate and drops members it
    // does not know; what it knows must match.
    expect(status.json()).toMatchObject({ KeyRotationEnabled: true });
    expect((await aws(['disable-key-rotation', '--key-id', keyId])).code).toBe(0);
    expect((await aws(['get-key-rotation-status', '--key-id', keyId])).json()).toMatchObject({ KeyRotationEnabled: false });
  });

  it('imports key material wrapped with OpenSSL, as the BYOK documentation shows', async () => {
    const created = await aws(['create-key', '--origin', 'EXTERNAL']);
    expect(created.code).toBe(0);
    const external = String((created.json().KeyMetadata as Record<string, unknown>).KeyId);
    expect((created.json().KeyMetadata as Record<string, unknown>).KeyState).toBe('PendingImport');
    const params = await aws(['get-parameters-for-import', '--key-id', external, '--wrapping-algorithm', 'RSAES_OAEP_SHA_256', '--wrapping-key-spec', 'RSA_2048']);
    expect(params.code).toBe(0);
    writeFileSync(join(work, 'WrappingPublicKey.bin'), Buffer.from(String(params.json().PublicKey), 'base64'));
    writeFileSync(join(work, 'ImportToken.bin'), Buffer.from(String(params.json().ImportToken), 'base64'));
    const steps: ReadonlyArray<ReadonlyArray<string>> = [
      ['rand', '-out', 'PlaintextKeyMaterial.bin', '32'],
      ['pkeyutl', '-encrypt', '-in', 'PlaintextKeyMaterial.bin', '-out', 'EncryptedKeyMaterial.bin', '-inkey', 'WrappingPublicKey.bin', '-keyform', 'DER', '-pubin',
        '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256'],
    ];
    for (const step of steps) {
      const r = await run(OPENSSL, step, { cwd: work });
      expect(r.code, r.stderr).toBe(0);
    }
    const imported = await aws(['import-key-material', '--key-id', external, '--encrypted-key-material', 'fileb://EncryptedKeyMaterial.bin',
      '--import-token', 'fileb://ImportToken.bin', '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE']);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const enc = await aws(['encrypt', '--key-id', external, '--plaintext', 'fileb://ExamplePlaintextFile', '--output', 'text', '--query', 'CiphertextBlob']);
    expect(enc.code).toBe(0);
    writeFileSync(join(work, 'ImportedEncrypted'), Buffer.from(enc.stdout.trim(), 'base64'));
    const dec = await aws(['decrypt', '--ciphertext-blob', 'fileb://ImportedEncrypted', '--output', 'text', '--query', 'Plaintext']);
    expect(Buffer.from(dec.stdout.trim(), 'base64').toString()).toBe('the documentation example');
  });

  it('put-key-policy from a file, get-key-policy, create-grant with shorthand constraints, list-grants, revoke-grant', async () => {
    ep.kms.createPrincipal('user', 'ExampleUser');
    const user = `arn:aws:iam::${ep.accountId}:user/ExampleUser`;
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ep.accountId}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'Allow use of the key', Effect: 'Allow', Principal: { AWS: user }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' },
      ],
    };
    writeFileSync(join(work, 'key_policy.json'), JSON.stringify(policy, null, 4));
    const put = await aws(['put-key-policy', '--key-id', keyId, '--policy-name', 'default', '--policy', 'file://key_policy.json']);
    expect(put.stderr).toBe('');
    expect(put.code).toBe(0);
    const got = await aws(['get-key-policy', '--key-id', keyId, '--policy-name', 'default', '--output', 'text']);
    expect(JSON.parse(got.stdout)).toEqual(policy);
    const bad = await aws(['put-key-policy', '--key-id', keyId, '--policy-name', 'default', '--policy', '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:Encrpyt", "Resource": "*"}]}']);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toContain("An error occurred (MalformedPolicyDocumentException) when calling the PutKeyPolicy operation: The key policy is malformed at Statement[0].Action: 'kms:Encrpyt' matches no KMS action");
    const grant = await aws(['create-grant', '--key-id', keyArn, '--grantee-principal', user, '--operations', 'Decrypt', 'Encrypt', '--constraints', 'EncryptionContextSubset={Department=IT}', '--name', 'it-grant']);
    expect(grant.stderr).toBe('');
    const { GrantId } = grant.json() as { GrantId: string; GrantToken: string };
    const listed = (await aws(['list-grants', '--key-id', keyId])).json() as { Grants: Array<Record<string, unknown>> };
    expect(listed.Grants).toEqual([expect.objectContaining({ GrantId, Name: 'it-grant', GranteePrincipal: user, Operations: ['Decrypt', 'Encrypt'], Constraints: { EncryptionContextSubset: { Department: 'IT' } } })]);
    expect((await aws(['revoke-grant', '--key-id', keyId, '--grant-id', GrantId])).code).toBe(0);
    expect(((await aws(['list-grants', '--key-id', keyId])).json() as { Grants: Array<unknown> }).Grants).toEqual([]);
  });

  it('schedule-key-deletion --pending-window-in-days 7', async () => {
    const r = (await aws(['schedule-key-deletion', '--key-id', keyId, '--pending-window-in-days', '7']));
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ KeyId: keyArn, KeyState: 'PendingDeletion', PendingWindowInDays: 7 });
    expect(r.json().DeletionDate).toMatch(ISO);
  });

  it('reports service errors as the CLI does: exit 254 and the AWS error name', async () => {
    const r = (await aws(['describe-key', '--key-id', 'alias/missing']));
    expect(r.code).toBe(254);
    expect(r.stderr).toContain('An error occurred (NotFoundException) when calling the DescribeKey operation');
  });
});
