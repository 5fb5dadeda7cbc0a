// The AWS CLI v2 (Debian's awscli) running `aws secretsmanager` command lines against the
// endpoint, unmodified apart from --endpoint-url and credentials.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint, type TestEndpoint } from '../support/endpoint.ts';
import { AWS_CLI_V2, isolatedAwsCliEnv, peerAvailable, run } from './peers.ts';

let ep: TestEndpoint;
let work: string;
let env: NodeJS.ProcessEnv;
let nobodyEnv: NodeJS.ProcessEnv;

async function aws(args: ReadonlyArray<string>, as: NodeJS.ProcessEnv = env): Promise<{ code: number | null; stdout: string; stderr: string; json: () => Record<string, unknown> }> {
  const r = await run(AWS_CLI_V2, ['secretsmanager', ...args, '--endpoint-url', ep.endpoint], { env: as, cwd: work });
  return { ...r, json: () => JSON.parse(r.stdout) as Record<string, unknown> };
}

describe.runIf(peerAvailable(AWS_CLI_V2))('aws secretsmanager against the endpoint', () => {
  beforeAll(async () => {
    ep = await startTestEndpoint();
    work = mkdtempSync(join(tmpdir(), 'strongroom-awscli-sm-'));
    env = isolatedAwsCliEnv(work, ep.credentials);
    ep.kms.createPrincipal('user', 'nobody');
    const k = ep.kms.createAccessKey('nobody');
    nobodyEnv = isolatedAwsCliEnv(join(work), { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey });
  });
  afterAll(async () => {
    await ep?.close();
  });

  it('create-secret, get-secret-value, put-secret-value, stages, list with filters', async () => {
    writeFileSync(join(work, 'creds.json'), '{"user":"admin","password":"EXAMPLE-PASSWORD"}');
    const created = await aws(['create-secret', '--name', 'MyTestSecret', '--description', 'My test secret', '--secret-string', 'file://creds.json', '--tags', 'Key=team,Value=core']);
    expect(created.stderr).toBe('');
    const arn = String(created.json().ARN);
    expect(arn).toMatch(/:secret:MyTestSecret-[A-Za-z0-9]{6}$/);
    const got = (await aws(['get-secret-value', '--secret-id', 'MyTestSecret', '--query', 'SecretString', '--output', 'text'])).stdout.trim();
    expect(JSON.parse(got)).toEqual({ user: 'admin', password: 'EXAMPLE-PASSWORD' });
    const put = (await aws(['put-secret-value', '--secret-id', arn, '--secret-string', 'second'])).json();
    expect(put.VersionStages).toEqual(['AWSCURRENT']);
    expect((await aws(['get-secret-value', '--secret-id', 'MyTestSecret', '--version-stage', 'AWSPREVIOUS'])).json().SecretString).toContain('EXAMPLE-PASSWORD');
    const moved = await aws(['update-secret-version-stage', '--secret-id', 'MyTestSecret', '--version-stage', 'AWSCURRENT', '--move-to-version-id', String(created.json().VersionId), '--remove-from-version-id', String(put.VersionId)]);
    expect(moved.code).toBe(0);
    expect((await aws(['get-secret-value', '--secret-id', 'MyTestSecret'])).json().SecretString).toContain('EXAMPLE-PASSWORD');
    await aws(['create-secret', '--name', 'Other', '--secret-string', 'x']);
    const listed = (await aws(['list-secrets', '--filters', 'Key=tag-key,Values=team'])).json().SecretList as Array<Record<string, unknown>>;
    expect(listed.map((s) => s.Name)).toEqual(['MyTestSecret']);
    const described = (await aws(['describe-secret', '--secret-id', 'MyTestSecret'])).json();
    expect(described).toMatchObject({ Name: 'MyTestSecret', Description: 'My test secret', Tags: [{ Key: 'team', Value: 'core' }] });
    expect(String(described.CreatedDate)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('delete-secret with a recovery window, restore-secret, force delete', async () => {
    const del = (await aws(['delete-secret', '--secret-id', 'Other', '--recovery-window-in-days', '7'])).json();
    expect(String(del.DeletionDate)).toMatch(/^\d{4}-\d\d-\d\dT/);
    const read = await aws(['get-secret-value', '--secret-id', 'Other']);
    expect(read.code).not.toBe(0);
    expect(read.stderr).toContain('InvalidRequestException');
    expect((await aws(['restore-secret', '--secret-id', 'Other'])).code).toBe(0);
    expect((await aws(['get-secret-value', '--secret-id', 'Other'])).json().SecretString).toBe('x');
    expect((await aws(['delete-secret', '--secret-id', 'Other', '--force-delete-without-recovery'])).code).toBe(0);
    expect((await aws(['describe-secret', '--secret-id', 'Other'])).stderr).toContain('ResourceNotFoundException');
  });

  it('get-random-password, and AccessDenied for a principal without rights', async () => {
    const pw = (await aws(['get-random-password', '--password-length', '24', '--exclude-punctuation', '--query', 'RandomPassword', '--output', 'text'])).stdout.trim();
    expect(pw).toMatch(/^[A-Za-z0-9]{24}$/);
    const denied = await aws(['get-secret-value', '--secret-id', 'MyTestSecret'], nobodyEnv);
    expect(denied.code).toBe(254);
    expect(denied.stderr).toContain('(AccessDeniedException) when calling the GetSecretValue operation: User: arn:aws:iam::111122223333:user/nobody is not authorized to perform: secretsmanager:GetSecretValue');
  });
});
