// Policies in words, the create-key templates (checked by the engine's own policy parser) and
// the simulator's action list.

import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../electron/kms/policy/document.ts';
import { KMS_ACTIONS as ENGINE_ACTIONS } from '../../electron/kms/policy/actions.ts';
import {
  actionsCovered,
  defaultKeyPolicy,
  describeAction,
  describeCondition,
  describeMatch,
  describePrincipal,
  KMS_ACTIONS,
  ownerOnlyKeyPolicy,
  principalArn,
  summarizePolicy,
} from '../../renderer/src/lib/policy.ts';

const ACCOUNT = '111122223333';

describe('policy templates', () => {
  it('the default template (shared with the engine) is AWS’s default key policy and valid', () => {
    expect(JSON.parse(defaultKeyPolicy(ACCOUNT))).toEqual({
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
    });
    expect(() => parsePolicy(defaultKeyPolicy(ACCOUNT), 'key')).not.toThrow();
  });

  it('the owner-only template is a valid key policy for the engine', () => {
    expect(() => parsePolicy(ownerOnlyKeyPolicy(ACCOUNT), 'key')).not.toThrow();
    const doc = JSON.parse(ownerOnlyKeyPolicy(ACCOUNT)) as { Statement: Array<{ Condition: unknown }> };
    expect(doc.Statement[0]?.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:root` } });
  });
});

describe('policy summary', () => {
  it('reads the default policy as the account having every action on this key', () => {
    const s = summarizePolicy(JSON.parse(defaultKeyPolicy(ACCOUNT)), ACCOUNT);
    expect(s.problems).toEqual([]);
    expect(s.statements).toHaveLength(1);
    const st = s.statements[0];
    expect(st?.effect).toBe('Allow');
    expect(st?.sid).toBe('Enable IAM User Permissions');
    expect(st?.sentence).toBe(
      `Allow this installation’s account (${ACCOUNT}): its owner, and users and roles whose identity policies allow it to use every KMS action on this key.`,
    );
  });

  it('reads users, roles, wildcard actions and conditions', () => {
    const s = summarizePolicy(
      {
        Statement: [
          {
            Sid: 'Use',
            Effect: 'Allow',
            Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${ACCOUNT}:role/ops`] },
            Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'kms:EncryptionContext:dept': 'payroll' }, Bool: { 'aws:SecureTransport': 'true' } },
          },
          { Effect: 'Deny', Principal: '*', Action: 'kms:ScheduleKeyDeletion', Resource: '*', Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': ['alias/prod*'] } } },
        ],
      },
      ACCOUNT,
    );
    const [use, deny] = s.statements;
    expect(use?.who).toEqual(['user alice', 'role ops']);
    expect(use?.what).toEqual(['Encrypt', 'Decrypt', 'kms:GenerateDataKey* (GenerateDataKey, GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext, GenerateDataKeyWithoutPlaintext)']);
    expect(use?.conditions).toEqual(['encryption context "dept" is "payroll"', 'a secure connection is "true"']);
    expect(use?.sentence).toContain('only when encryption context "dept" is "payroll" and');
    expect(deny?.effect).toBe('Deny');
    expect(deny?.sentence).toBe('Deny everyone (any principal) the use of ScheduleKeyDeletion on this key, only when any of the key’s aliases matches "alias/prod*".');
  });

  it('reads an account in a Deny as every user and role in it, whatever their identity policies say', () => {
    const s = summarizePolicy(
      {
        Statement: [
          { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:GenerateDataKey*', Resource: '*' },
          { Effect: 'Deny', Principal: { AWS: '444455556666' }, Action: 'kms:Decrypt', Resource: '*' },
        ],
      },
      ACCOUNT,
    );
    expect(s.statements[0]?.who).toEqual([`this installation’s account (${ACCOUNT}): its owner, and every user and role in it`]);
    expect(s.statements[1]?.who).toEqual(['account 444455556666: its root, and every user and role in it']);
  });

  it('reads NotPrincipal, NotAction, other accounts, services and deleted principals', () => {
    const s = summarizePolicy({
      Statement: {
        Effect: 'Deny',
        NotPrincipal: { AWS: '444455556666' },
        NotAction: 'kms:Describe*',
        Resource: '*',
      },
    });
    expect(s.statements[0]?.who[0]).toBe('everyone except account 444455556666: its root, and its users and roles whose identity policies allow it');
    expect(s.statements[0]?.what[0]).toBe('every action except kms:Describe* (DescribeCustomKeyStores, DescribeKey)');
    expect(describePrincipal('arn:aws:iam::444455556666:user/bob', ACCOUNT)).toBe('user bob in account 444455556666');
    expect(describePrincipal('arn:aws:sts::111122223333:assumed-role/ops/s1', ACCOUNT)).toBe('session s1 of role ops');
    expect(describePrincipal('AIDAEXAMPLE123')).toContain('deleted user');
    expect(summarizePolicy({ Statement: [{ Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' }, Action: '*' }] }).statements[0]?.who).toEqual([
      'the service logs.amazonaws.com',
    ]);
  });

  it('reports what it cannot read rather than guessing', () => {
    expect(summarizePolicy([]).problems[0]).toContain('JSON object');
    expect(summarizePolicy({}).problems).toContain('The policy has no Statement.');
    const s = summarizePolicy({ Statement: [{ Effect: 'Maybe', Action: 'kms:*' }, 7] });
    expect(s.problems).toContain('Statement[0] needs an Effect of "Allow" or "Deny".');
    expect(s.statements[1]?.sentence).toBe('Statement[1] is not an object.');
  });

  it('words condition operators, qualifiers and Null', () => {
    expect(describeCondition('NumericLessThanEquals', 'kms:RotationPeriodInDays', ['180'])).toBe('the rotation period in days is at most "180"');
    expect(describeCondition('StringEqualsIfExists', 'aws:PrincipalArn', ['a', 'b'])).toBe('the caller’s ARN is "a" or "b" (when present)');
    expect(describeCondition('ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['dept'])).toBe('every one of the encryption context keys is "dept"');
    expect(describeCondition('Null', 'aws:ResourceTag/team', ['true'])).toBe('the key’s tag "team" is absent');
    expect(describeCondition('Null', 'kms:GranteePrincipal', ['false'])).toBe('the grantee is present');
    expect(describeCondition('SomeFutureOperator', 'x:Key', ['v'])).toBe('x:Key SomeFutureOperator "v"');
  });

  it('words actions and expands wildcards over the known actions', () => {
    expect(describeAction('kms:*')).toBe('every KMS action');
    expect(describeAction('*')).toBe('every KMS action');
    expect(describeAction('kms:Decrypt')).toBe('Decrypt');
    expect(describeAction('kms:Nothing*')).toContain('no action the app knows');
    expect(actionsCovered('kms:ReEncrypt*')).toEqual(['kms:ReEncryptFrom', 'kms:ReEncryptTo']);
    expect(describeAction('kms:*e*').endsWith('more)')).toBe(true);
    // D23: strongroom:ExportKeyMaterial is its own prefix; kms:* does not cover it.
    expect(describeAction('strongroom:*')).toBe('strongroom:* (strongroom:ExportKeyMaterial)');
    expect(actionsCovered('kms:*')).not.toContain('strongroom:ExportKeyMaterial');
  });
});

describe('simulator', () => {
  it('lists every action the engine authorizes its operations as, and no others', () => {
    expect(KMS_ACTIONS).toContain('kms:ReEncryptFrom');
    expect(KMS_ACTIONS).toContain('kms:SimulatePolicy');
    expect(KMS_ACTIONS).not.toContain('kms:ReEncrypt');
    for (const a of KMS_ACTIONS) {
      expect(ENGINE_ACTIONS, a).toContain(a);
    }
    expect([...KMS_ACTIONS].sort()).toEqual(KMS_ACTIONS);
  });

  it('names matched statements as the engine indexes them', () => {
    expect(describeMatch({ Source: 'KeyPolicy', StatementIndex: 0, Sid: 'Enable IAM User Permissions' })).toBe('key policy Statement[0] (Sid "Enable IAM User Permissions")');
    expect(describeMatch({ Source: 'IdentityPolicy', PolicyName: 'use', StatementIndex: 2 })).toBe('identity policy "use" Statement[2]');
    expect(describeMatch({ Source: 'Grant', GrantId: 'abc' })).toBe('grant abc');
  });

  it('turns what a person types into a principal ARN for grants', () => {
    expect(principalArn('alice', ACCOUNT)).toBe(`arn:aws:iam::${ACCOUNT}:user/alice`);
    expect(principalArn('role/ops', ACCOUNT)).toBe(`arn:aws:iam::${ACCOUNT}:role/ops`);
    expect(principalArn('root', ACCOUNT)).toBe(`arn:aws:iam::${ACCOUNT}:root`);
    expect(principalArn('444455556666', ACCOUNT)).toBe('arn:aws:iam::444455556666:root');
    expect(principalArn(' arn:aws:iam::444455556666:user/x ', ACCOUNT)).toBe('arn:aws:iam::444455556666:user/x');
    expect(principalArn('', ACCOUNT)).toBeNull();
    expect(principalArn('a b', ACCOUNT)).toBeNull();
    expect(principalArn('alice', undefined)).toBeNull();
  });
});
