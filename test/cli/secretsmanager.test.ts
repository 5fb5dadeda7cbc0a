// `strongroom secretsmanager <operation>` as `aws secretsmanager`: the same flags (file://,
// fileb://, shorthand lists), every page of a list, --query and --output, --as, AWS's errors
// with exit 1, usage errors with exit 2, and help.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, expectOk, expectUsageError, type CliRun } from '../support/cli.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const tempDir = tempDirsRemovedAfterAll();

/** An AWS error from an operation: exit 1 and the AWS CLI's sentence. Returns stderr. */
function expectAwsError(r: CliRun, name: string, operation: string): string {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr.startsWith(`An error occurred (${name}) when calling the ${operation} operation: `), r.stderr).toBe(true);
  return r.stderr;
}
const env = { STRONGROOM_PASSPHRASE: 'secretsmanager cli test passphrase' };

describe('strongroom secretsmanager', () => {
  let dir: string;
  const run = (...args: Array<string>) => cli(dir, args, { env });

  beforeAll(() => {
    dir = tempDir('strongroom-cli-sm-');
    expectOk(run('init', '--root-key', 'passphrase', '--developer', '--account-id', '111122223333'), { allowStderr: true });
  });
  afterAll(() => undefined);

  it('creates from file://, reads, puts a binary version from fileb://, moves stages', () => {
    writeFileSync(join(dir, 'value.json'), '{"password":"from-a-file"}');
    writeFileSync(join(dir, 'value.bin'), Buffer.from([0, 1, 2, 250]));
    const created = expectOk(run('secretsmanager', 'create-secret', '--name', 'cli/one', '--secret-string', 'file://' + join(dir, 'value.json'), '--tags', 'Key=team,Value=core'));
    expect(String(created.ARN)).toMatch(/:secret:cli\/one-[A-Za-z0-9]{6}$/);
    const value = run('secretsmanager', 'get-secret-value', '--secret-id', 'cli/one', '--query', 'SecretString', '--output', 'text');
    expect(value.stdout.trim()).toBe('{"password":"from-a-file"}');
    const put = expectOk(run('secretsmanager', 'put-secret-value', '--secret-id', 'cli/one', '--secret-binary', 'fileb://' + join(dir, 'value.bin'), '--version-stages', 'AWSPENDING', 'green'));
    expect(put.VersionStages).toEqual(['AWSPENDING', 'green']);
    const bin = expectOk(run('secretsmanager', 'get-secret-value', '--secret-id', 'cli/one', '--version-stage', 'green'));
    expect(Buffer.from(String(bin.SecretBinary), 'base64')).toEqual(Buffer.from([0, 1, 2, 250]));
    expectOk(run('secretsmanager', 'update-secret-version-stage', '--secret-id', 'cli/one', '--version-stage', 'AWSCURRENT', '--move-to-version-id', String(put.VersionId), '--remove-from-version-id', String(created.VersionId)));
    const described = expectOk(run('secretsmanager', 'describe-secret', '--secret-id', 'cli/one'));
    expect(described.VersionIdsToStages).toEqual({ [String(created.VersionId)]: ['AWSPREVIOUS'], [String(put.VersionId)]: ['AWSCURRENT', 'AWSPENDING', 'green'] });
    expect(String(described.CreatedDate)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('lists every page unless one is asked for, with filters', () => {
    for (const n of ['cli/p1', 'cli/p2', 'other/p3']) {
      expectOk(run('secretsmanager', 'create-secret', '--name', n, '--secret-string', n));
    }
    const all = expectOk(run('secretsmanager', 'list-secrets', '--filters', 'Key=name,Values=cli/'));
    expect((all.SecretList as Array<Record<string, unknown>>).map((s) => s.Name)).toEqual(['cli/one', 'cli/p1', 'cli/p2']);
    expect(all.NextToken).toBeUndefined();
    const page = expectOk(run('secretsmanager', 'list-secrets', '--max-results', '1'));
    expect((page.SecretList as Array<unknown>).length).toBe(1);
    expect(typeof page.NextToken).toBe('string');
    const names = run('secretsmanager', 'list-secrets', '--query', 'SecretList[].Name', '--output', 'text');
    expect(names.stdout.trim().split(/\s+/)).toEqual(['cli/one', 'cli/p1', 'cli/p2', 'other/p3']);
  });

  it('deletes with a recovery date, restores, force-deletes; errors as the AWS CLI words them', () => {
    const del = expectOk(run('secretsmanager', 'delete-secret', '--secret-id', 'cli/p1', '--recovery-window-in-days', '7'));
    expect(String(del.DeletionDate)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expectAwsError(run('secretsmanager', 'get-secret-value', '--secret-id', 'cli/p1'), 'InvalidRequestException', 'GetSecretValue');
    expectOk(run('secretsmanager', 'restore-secret', '--secret-id', 'cli/p1'));
    expectOk(run('secretsmanager', 'delete-secret', '--secret-id', 'cli/p1', '--force-delete-without-recovery'));
    expectAwsError(run('secretsmanager', 'describe-secret', '--secret-id', 'cli/p1'), 'ResourceNotFoundException', 'DescribeSecret');
    const pw = run('secretsmanager', 'get-random-password', '--password-length', '16', '--exclude-punctuation', '--query', 'RandomPassword', '--output', 'text');
    expect(pw.stdout.trim()).toMatch(/^[A-Za-z0-9]{16}$/);
  });

  it('runs as another principal with --as, who is refused without rights', () => {
    expectOk(run('create-user', '--user-name', 'carol'));
    const err = expectAwsError(run('--as', 'carol', 'secretsmanager', 'get-secret-value', '--secret-id', 'cli/one'), 'AccessDeniedException', 'GetSecretValue');
    expect(err).toContain('user/carol is not authorized to perform: secretsmanager:GetSecretValue');
  });

  it('usage errors and help', () => {
    expect(expectUsageError(run('secretsmanager', 'get-secret-valu', '--secret-id', 'x'))).toContain('get-secret-value');
    expectUsageError(run('secretsmanager', 'get-secret-value'));
    expectUsageError(run('secretsmanager'));
    const help = run('secretsmanager', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('get-secret-value');
    expect(help.stdout).toContain('Rotation with a Lambda function is not supported.');
    const opHelp = run('help', 'secretsmanager', 'create-secret');
    expect(opHelp.stdout).toContain('--secret-string');
    expect(opHelp.stdout).toContain('--kms-key-id');
    expect(run('--help').stdout).toContain('secretsmanager <operation>');
  });
});
