// The classic two-user set-up from the command line: keyManager administers a key but cannot
// use it; keyUser uses it but cannot change its policy or schedule its deletion; refusals are
// AccessDeniedException in AWS's words and audited; a user deleted and re-created under the same
// name does not regain access; simulate-policy says why.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, type CliRun, expectOk } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';

const ok = expectOk;


const env = { STRONGROOM_PASSPHRASE: 'access control test passphrase' };

function deniedMessage(r: CliRun, operation: string): string {
  expect(r.code).toBe(1);
  // AWS's line, then (for a policy's decision) the key and the statement that decided (issue 23).
  const m = new RegExp(`^An error occurred \\(AccessDeniedException\\) when calling the ${operation} operation: (.*)\\n(?:Why: .*\\.\\n)?$`).exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  return m?.[1] ?? '';
}

describe('keyManager and keyUser from the CLI', () => {
  let dir: string;
  let account: string;
  let keyId: string;
  let keyArn: string;
  const run = (...args: Array<string>) => cli(dir, args, { env });

  beforeAll(() => {
    dir = tempDir('strongroom-cli-access-');
    ok(run('init', '--root-key', 'passphrase', '--account-id', '444455556666'));
    account = '444455556666';
    ok(run('create-user', '--user-name', 'keyManager'));
    ok(run('create-user', '--user-name', 'keyUser'));
    const policy = {
      Version: '2012-10-17',
      Id: 'key-consolepolicy-3',
      Statement: [
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'Allow access for Key Administrators',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:user/keyManager` },
          Action: ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'],
          Resource: '*',
        },
        {
          Sid: 'Allow use of the key',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:user/keyUser` },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
          Resource: '*',
        },
      ],
    };
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify(policy, null, 2));
    const created = ok(run('create-key', '--description', 'two-user key', '--policy', `file://${file}`)) as { KeyMetadata: { KeyId: string; Arn: string } };
    keyId = created.KeyMetadata.KeyId;
    keyArn = created.KeyMetadata.Arn;
  });

  it('keyUser encrypts and decrypts but cannot change the policy or schedule deletion', () => {
    const blob = (ok(run('encrypt', '--key-id', keyId, '--plaintext', Buffer.from('payroll').toString('base64'), '--as', 'keyUser')) as { CiphertextBlob: string }).CiphertextBlob;
    const decrypted = run('decrypt', '--ciphertext-blob', blob, '--as', 'keyUser', '--query', 'Plaintext', '--output', 'text');
    expect(Buffer.from(decrypted.stdout.trim(), 'base64').toString()).toBe('payroll');
    expect(run('get-key-policy', '--key-id', keyId, '--query', 'Policy', '--output', 'text').stdout).toContain('Allow use of the key');
    expect(deniedMessage(run('put-key-policy', '--key-id', keyId, '--policy', '{"Statement":[]}', '--as', 'keyUser'), 'PutKeyPolicy')).toBe(
      `User: arn:aws:iam::${account}:user/keyUser is not authorized to perform: kms:PutKeyPolicy on resource: ${keyArn} because no identity-based policy allows the kms:PutKeyPolicy action`,
    );
    deniedMessage(run('schedule-key-deletion', '--key-id', keyId, '--as', 'keyUser'), 'ScheduleKeyDeletion');
    deniedMessage(run('disable-key', '--key-id', keyId, '--as', 'keyUser'), 'DisableKey');
  });

  it('keyManager administers the key but cannot use it', () => {
    ok(run('update-key-description', '--key-id', keyId, '--description', 'managed', '--as', 'keyManager'));
    ok(run('disable-key', '--key-id', keyId, '--as', 'keyManager'));
    ok(run('enable-key', '--key-id', keyId, '--as', 'keyManager'));
    ok(run('tag-resource', '--key-id', keyId, '--tags', 'TagKey=team,TagValue=payroll', '--as', 'keyManager'));
    expect(deniedMessage(run('encrypt', '--key-id', keyId, '--plaintext', 'eA==', '--as', 'keyManager'), 'Encrypt')).toMatch(/user\/keyManager is not authorized to perform: kms:Encrypt on resource: .* because no identity-based policy allows the kms:Encrypt action$/);
    deniedMessage(run('generate-data-key', '--key-id', keyId, '--key-spec', 'AES_256', '--as', 'keyManager'), 'GenerateDataKey');
    // An administrator's own policy change must keep them able to change it again.
    const lockout = run('put-key-policy', '--key-id', keyId, '--policy', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:user/keyUser` }, Action: 'kms:Encrypt', Resource: '*' }] }), '--as', 'keyManager');
    expect(lockout.code).toBe(1);
    expect(lockout.stderr).toMatch(/MalformedPolicyDocumentException.*will not allow you to update the key policy in the future/);
  });

  it('audits every refusal with the caller’s identity', () => {
    const records = (ok(run('audit', 'list', '--errors-only', '--limit', '50')) as { Records: Array<{ Record: { eventName: string; errorCode?: string; userIdentity: { arn: string; principalId: string } } }> }).Records.map((r) => r.Record);
    const denied = records.filter((r) => r.errorCode === 'AccessDeniedException');
    expect(denied.map((r) => `${r.eventName}:${r.userIdentity.arn.split('/').pop() ?? ''}`).sort()).toEqual(
      ['DisableKey:keyUser', 'Encrypt:keyManager', 'GenerateDataKey:keyManager', 'PutKeyPolicy:keyUser', 'ScheduleKeyDeletion:keyUser'].sort(),
    );
    for (const r of denied) {
      expect(r.userIdentity.principalId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    }
  });

  it('simulate-policy explains the decisions', () => {
    const allow = ok(run('simulate-policy', '--principal', 'keyManager', '--action', 'kms:PutKeyPolicy', '--key-id', keyId)) as { Decision: string; MatchedStatements: Array<{ Sid: string }> };
    expect(allow.Decision).toBe('Allow');
    expect(allow.MatchedStatements.map((s) => s.Sid)).toEqual(['Allow access for Key Administrators']);
    const deny = ok(run('simulate-policy', '--principal', 'keyManager', '--action', 'kms:Decrypt', '--key-id', keyId, '--encryption-context', 'dept=payroll')) as { Decision: string; Explanation: string };
    expect(deny.Decision).toBe('ImplicitDeny');
    expect(deny.Explanation).toMatch(/delegates kms:Decrypt to the account, but no identity policy of arn:aws:iam::444455556666:user\/keyManager allows it/);
  });

  it('a user deleted and re-created with the same name does not regain access', () => {
    const before = (ok(run('list-users')) as { Users: Array<{ UserName: string; UserId: string }> }).Users.find((u) => u.UserName === 'keyUser')?.UserId;
    ok(run('delete-user', '--user-name', 'keyUser'));
    const after = (ok(run('create-user', '--user-name', 'keyUser')) as { User: { UserId: string } }).User.UserId;
    expect(after).not.toBe(before);
    deniedMessage(run('encrypt', '--key-id', keyId, '--plaintext', 'eA==', '--as', 'keyUser'), 'Encrypt');
    // The policy still means the deleted principal, and shows its unique id as AWS does.
    const policy = run('get-key-policy', '--key-id', keyId, '--query', 'Policy', '--output', 'text').stdout;
    expect(policy).toContain(`"${before ?? 'missing'}"`);
    expect(policy).not.toContain(':user/keyUser');
  });

  it('refuses --as for owner commands and for principals that do not exist', () => {
    const owner = run('create-user', '--user-name', 'x', '--as', 'keyManager');
    expect(owner.code).toBe(2);
    expect(owner.stderr).toMatch(/--as applies to KMS operations/);
    const ghost = run('list-keys', '--as', 'ghost');
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toMatch(/NotFoundException.*There is no user named 'ghost'/);
  });
});
