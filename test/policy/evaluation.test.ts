// Table-driven authorization cases, each named after the AWS rule it checks. The policies are
// AWS's documented examples (the default key policy, the console's key administrators / key
// users / persistent-resources statements, the condition-key examples of the KMS Developer
// Guide and the IAM User Guide). Every row asserts the decision and, for a denial, the exact
// AccessDeniedException message; some rows also assert which statements decided.

import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../electron/kms/policy/document.ts';
import { evaluate, type AuthorizationRequest, type CallerIdentity, type Decision, type GrantForEvaluation, type StatementRef } from '../../electron/kms/policy/evaluate.ts';
import {
  ACCOUNT, ADMINS_STATEMENT, alice, aliceRecreated, BINDINGS, bob, CONSOLE_POLICY, CONSOLE_WITHOUT_ROOT, conditionValues, contextValues,
  DEFAULT_POLICY, denialMessage, type DenialReason, ENABLE_IAM, eve, grant, identity, identityPolicies, type Json, KEY_ARN, keyAdmin,
  keyPolicyOf, NOW, OTHER_ACCOUNT, OTHER_KEY_ARN, OTHER_ROOT_ARN, root, ROOT_ARN, USERS_STATEMENT,
} from './fixtures.ts';

type Row = {
  readonly rule: string;
  readonly caller: CallerIdentity;
  readonly action: string;
  /** Defaults to KEY_ARN; null for account-level actions. */
  readonly resource?: string | null;
  /** Defaults to the default key policy when there is a resource, to none otherwise. */
  readonly keyPolicy?: Json | null;
  readonly identity?: ReadonlyArray<Json>;
  readonly grants?: ReadonlyArray<GrantForEvaluation>;
  readonly context?: Readonly<Record<string, string>>;
  /** Condition values added to (or, with null, removed from) the defaults: principal, account, time, context. */
  readonly conditions?: Readonly<Record<string, string | ReadonlyArray<string> | null>>;
  readonly expected: 'Allow' | DenialReason;
  readonly decidedBy?: ReadonlyArray<StatementRef>;
};

function requestFor(row: Row): AuthorizationRequest {
  const resource = row.resource === undefined ? KEY_ARN : row.resource;
  const policy = row.keyPolicy === undefined ? (resource === null ? null : DEFAULT_POLICY) : row.keyPolicy;
  const values = new Map<string, string | ReadonlyArray<string>>([
    ['aws:principalarn', row.caller.arn],
    ['aws:principalaccount', row.caller.accountId],
    ['kms:calleraccount', row.caller.accountId],
    ['aws:currenttime', NOW],
    ...Object.entries(contextValues(row.context ?? null)),
  ]);
  for (const [k, v] of Object.entries(row.conditions ?? {})) {
    if (v === null) {
      values.delete(k);
    } else {
      values.set(k, v);
    }
  }
  return {
    caller: row.caller,
    action: row.action,
    resource,
    keyPolicy: policy === null ? null : { document: parsePolicy(JSON.stringify(policy), 'key'), bindings: BINDINGS },
    identityPolicies: identityPolicies(row.identity ?? []),
    grants: row.grants ?? [],
    encryptionContext: row.context ?? null,
    conditions: conditionValues(Object.fromEntries(values)),
  };
}

const keyRef = (statementIndex: number, sid: string | null, principalMatch: 'caller' | 'account' | 'everyone', effect: 'Allow' | 'Deny' = 'Allow'): StatementRef => ({
  source: 'KeyPolicy',
  statementIndex,
  ...(sid === null ? {} : { sid }),
  effect,
  principalMatch,
});
const idRef = (policyIndex: number, effect: 'Allow' | 'Deny' = 'Allow'): StatementRef => ({ source: 'IdentityPolicy', policyName: `policy-${policyIndex}`, statementIndex: 0, effect });

// Key policies built from AWS's examples.

/** A key policy with one Allow statement for alice and a condition. */
const aliceOnlyIf = (action: string | ReadonlyArray<string>, condition: Json): Json =>
  keyPolicyOf({ Sid: 'ConditionalUse', Effect: 'Allow', Principal: { AWS: alice.arn }, Action: action, Resource: '*', Condition: condition });
/** Key users plus a Deny for everyone under a condition. */
const usersDenyIf = (action: string | ReadonlyArray<string>, condition: Json): Json =>
  keyPolicyOf(USERS_STATEMENT, { Sid: 'DenyIf', Effect: 'Deny', Principal: '*', Action: action, Resource: '*', Condition: condition });
const ONLY_ADMINS = keyPolicyOf(ADMINS_STATEMENT);
const PRINCIPAL_ARN_ROLES = keyPolicyOf({
  Sid: 'AllowKeyRoles',
  Effect: 'Allow',
  Principal: '*',
  Action: 'kms:*',
  Resource: '*',
  Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/Key*` } },
});
const EVERYONE_IN_ACCOUNT = keyPolicyOf({
  Sid: 'AllowAccountPrincipals',
  Effect: 'Allow',
  Principal: '*',
  Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'],
  Resource: '*',
  Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT } },
});
const BOB_ONLY_NOT_PRINCIPAL = keyPolicyOf(
  { Sid: 'AllowAliceAndBob', Effect: 'Allow', Principal: { AWS: [alice.arn, bob.arn] }, Action: 'kms:*', Resource: '*' },
  { Sid: 'DenyAllButBob', Effect: 'Deny', NotPrincipal: { AWS: [bob.arn, ROOT_ARN] }, Action: 'kms:*', Resource: '*' },
);
const DEPARTMENT_IT = aliceOnlyIf(['kms:Encrypt', 'kms:Decrypt'], { StringEquals: { 'kms:EncryptionContext:Department': 'IT' } });
const GRANT_OPS_ALLOWED = aliceOnlyIf('kms:CreateGrant', {
  'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext'] },
});
const CREATE_SYMMETRIC_ONLY = identity('Allow', 'kms:CreateKey', '*', { StringEquals: { 'kms:KeySpec': 'SYMMETRIC_DEFAULT' } });

const rows: ReadonlyArray<Row> = [
  // The default key policy (docs/aws-kms.md §10.2): the account is trusted, IAM decides for its
  // users.
  {
    rule: 'default key policy: the account root may use the key (the root ARN names the root itself)',
    caller: root, action: 'kms:Decrypt', expected: 'Allow',
    decidedBy: [keyRef(0, 'Enable IAM User Permissions', 'caller')],
  },
  { rule: 'default key policy alone does not let an IAM user use the key (needs an identity policy)', caller: alice, action: 'kms:Decrypt', expected: 'no-identity-policy' },
  {
    rule: 'default key policy plus an identity policy allowing kms:Decrypt lets an IAM user decrypt',
    caller: alice, action: 'kms:Decrypt', identity: [identity('Allow', 'kms:Decrypt')], expected: 'Allow',
    decidedBy: [keyRef(0, 'Enable IAM User Permissions', 'account'), idRef(0)],
  },
  { rule: 'an identity policy for a different action does not help (the action must match)', caller: alice, action: 'kms:Decrypt', identity: [identity('Allow', 'kms:Encrypt')], expected: 'no-identity-policy' },
  { rule: 'identity policy Resource scoped to this key ARN allows this key', caller: alice, action: 'kms:Decrypt', identity: [identity('Allow', 'kms:Decrypt', KEY_ARN)], expected: 'Allow' },
  { rule: 'identity policy Resource scoped to another key ARN does not allow this key', caller: alice, action: 'kms:Decrypt', identity: [identity('Allow', 'kms:Decrypt', OTHER_KEY_ARN)], expected: 'no-identity-policy' },
  { rule: 'identity policy Resource with a key/* wildcard covers every key of the account', caller: alice, action: 'kms:Decrypt', identity: [identity('Allow', 'kms:Decrypt', `arn:aws:kms:*:${ACCOUNT}:key/*`)], expected: 'Allow' },
  { rule: 'identity policy kms:* with the default key policy allows a key-management action', caller: alice, action: 'kms:ScheduleKeyDeletion', identity: [identity('Allow', 'kms:*')], expected: 'Allow' },
  { rule: 'identity policy with a wildcard action kms:Generate* covers kms:GenerateDataKey', caller: alice, action: 'kms:GenerateDataKey', identity: [identity('Allow', 'kms:Generate*')], expected: 'Allow' },
  {
    rule: 'key policy naming the account by its bare 12-digit id delegates to IAM like the root ARN',
    caller: alice, action: 'kms:Encrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'kms:*', Resource: '*' }),
    identity: [identity('Allow', 'kms:Encrypt')], expected: 'Allow',
  },
  {
    rule: 'key policy naming the account by bare id, without an identity policy, does not let an IAM user in',
    caller: alice, action: 'kms:Encrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'kms:*', Resource: '*' }), expected: 'no-identity-policy',
  },
  {
    rule: 'key policy naming the account by bare id lets the account root in',
    caller: root, action: 'kms:Encrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'kms:*', Resource: '*' }), expected: 'Allow',
  },
  {
    rule: 'key policy naming only another account does not let this account in, whatever its identity policies say',
    caller: alice, action: 'kms:Decrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: OTHER_ROOT_ARN }, Action: 'kms:*', Resource: '*' }),
    identity: [identity('Allow', 'kms:*')], expected: 'no-resource-policy',
  },
  { rule: 'the account root is locked out by a key policy that does not name the account', caller: root, action: 'kms:PutKeyPolicy', keyPolicy: CONSOLE_WITHOUT_ROOT, expected: 'no-resource-policy' },
  {
    rule: 'a statement naming a service principal matches no IAM user',
    caller: alice, action: 'kms:Encrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' }, Action: 'kms:*', Resource: '*' }),
    identity: [identity('Allow', 'kms:*')], expected: 'no-resource-policy',
  },

  // The console's key policy: key administrators and key users.
  {
    rule: 'console policy: a key administrator may call kms:PutKeyPolicy (kms:Put*)',
    caller: keyAdmin, action: 'kms:PutKeyPolicy', keyPolicy: CONSOLE_POLICY, expected: 'Allow',
    decidedBy: [keyRef(1, 'Allow access for Key Administrators', 'caller')],
  },
  { rule: 'console policy: a key administrator may call kms:ScheduleKeyDeletion', caller: keyAdmin, action: 'kms:ScheduleKeyDeletion', keyPolicy: CONSOLE_POLICY, expected: 'Allow' },
  { rule: 'console policy: a key administrator may call kms:CancelKeyDeletion', caller: keyAdmin, action: 'kms:CancelKeyDeletion', keyPolicy: CONSOLE_POLICY, expected: 'Allow' },
  { rule: 'console policy: kms:Disable* covers kms:DisableKeyRotation', caller: keyAdmin, action: 'kms:DisableKeyRotation', keyPolicy: CONSOLE_POLICY, expected: 'Allow' },
  { rule: 'console policy: kms:Get* covers kms:GetKeyPolicy', caller: keyAdmin, action: 'kms:GetKeyPolicy', keyPolicy: CONSOLE_POLICY, expected: 'Allow' },
  { rule: 'console policy: kms:List* covers kms:ListResourceTags', caller: keyAdmin, action: 'kms:ListResourceTags', keyPolicy: CONSOLE_POLICY, expected: 'Allow' },
  { rule: 'console policy: kms:Delete* covers kms:DeleteImportedKeyMaterial', caller: keyAdmin, action: 'kms:DeleteImportedKeyMaterial', keyPolicy: CONSOLE_POLICY, expected: 'Allow' },
  { rule: 'console policy: a key administrator may call kms:TagResource', caller: keyAdmin, action: 'kms:TagResource', keyPolicy: CONSOLE_POLICY, expected: 'Allow' },
  {
    rule: 'console policy: a key administrator may not decrypt (administrators are not key users; the root statement leaves it to IAM)',
    caller: keyAdmin, action: 'kms:Decrypt', keyPolicy: CONSOLE_POLICY, expected: 'no-identity-policy',
    decidedBy: [keyRef(0, 'Enable IAM User Permissions', 'account')],
  },
  { rule: 'kms:Get* and kms:Create* do not cover kms:GenerateDataKey (wildcards match whole action names)', caller: keyAdmin, action: 'kms:GenerateDataKey', keyPolicy: ONLY_ADMINS, expected: 'no-resource-policy' },
  {
    rule: 'console policy: a key user may call kms:Encrypt',
    caller: alice, action: 'kms:Encrypt', keyPolicy: CONSOLE_POLICY, expected: 'Allow',
    decidedBy: [keyRef(2, 'Allow use of the key', 'caller')],
  },
  { rule: 'console policy: a key user may call kms:Decrypt', caller: alice, action: 'kms:Decrypt', keyPolicy: CONSOLE_POLICY, expected: 'Allow' },
  { rule: 'console policy: kms:ReEncrypt* covers kms:ReEncryptFrom', caller: alice, action: 'kms:ReEncryptFrom', keyPolicy: CONSOLE_POLICY, expected: 'Allow' },
  { rule: 'console policy: kms:ReEncrypt* covers kms:ReEncryptTo', caller: alice, action: 'kms:ReEncryptTo', keyPolicy: CONSOLE_POLICY, expected: 'Allow' },
  { rule: 'console policy: kms:GenerateDataKey* covers kms:GenerateDataKeyPairWithoutPlaintext', caller: alice, action: 'kms:GenerateDataKeyPairWithoutPlaintext', keyPolicy: CONSOLE_POLICY, expected: 'Allow' },
  { rule: 'console policy: a key user may call kms:DescribeKey', caller: alice, action: 'kms:DescribeKey', keyPolicy: CONSOLE_POLICY, expected: 'Allow' },
  { rule: 'console policy: a key user may not schedule key deletion without an identity policy', caller: alice, action: 'kms:ScheduleKeyDeletion', keyPolicy: CONSOLE_POLICY, expected: 'no-identity-policy' },
  {
    rule: 'console policy: a key user may CreateGrant when kms:GrantIsForAWSResource is true',
    caller: alice, action: 'kms:CreateGrant', keyPolicy: CONSOLE_POLICY, conditions: { 'kms:grantisforawsresource': 'true' }, expected: 'Allow',
    decidedBy: [keyRef(3, 'Allow attachment of persistent resources', 'caller')],
  },
  { rule: 'console policy: Bool kms:GrantIsForAWSResource "true" is false for a grant not for an AWS resource', caller: alice, action: 'kms:CreateGrant', keyPolicy: CONSOLE_WITHOUT_ROOT, conditions: { 'kms:grantisforawsresource': 'false' }, expected: 'no-resource-policy' },
  { rule: 'Bool on an absent condition key is false', caller: alice, action: 'kms:CreateGrant', keyPolicy: CONSOLE_WITHOUT_ROOT, expected: 'no-resource-policy' },
  { rule: 'Bool compares true/false case-insensitively in the request value', caller: alice, action: 'kms:ListGrants', keyPolicy: CONSOLE_WITHOUT_ROOT, conditions: { 'kms:grantisforawsresource': 'True' }, expected: 'Allow' },
  { rule: 'a key policy without the root statement denies a principal it does not name, whatever its identity policies say', caller: bob, action: 'kms:Decrypt', keyPolicy: CONSOLE_WITHOUT_ROOT, identity: [identity('Allow', 'kms:*')], expected: 'no-resource-policy' },
  {
    rule: 'a Deny naming a deleted user\'s ARN does not apply to the re-created user (the policy meant the old principal)',
    caller: aliceRecreated, action: 'kms:Encrypt', keyPolicy: keyPolicyOf(ENABLE_IAM, { Effect: 'Deny', Principal: { AWS: alice.arn }, Action: 'kms:*', Resource: '*' }),
    identity: [identity('Allow', 'kms:Encrypt')], expected: 'Allow',
  },
  {
    rule: 'the same Deny does apply to the user it was written for',
    caller: alice, action: 'kms:Encrypt', keyPolicy: keyPolicyOf(ENABLE_IAM, { Effect: 'Deny', Principal: { AWS: alice.arn }, Action: 'kms:*', Resource: '*' }),
    identity: [identity('Allow', 'kms:Encrypt')], expected: 'explicit-deny-resource',
  },
  { rule: 'a deleted and re-created user with the same name does not match the user ARN in the key policy', caller: aliceRecreated, action: 'kms:Encrypt', keyPolicy: CONSOLE_WITHOUT_ROOT, expected: 'no-resource-policy' },
  {
    rule: 'a re-created user still gets in through the account delegation and its own identity policy',
    caller: aliceRecreated, action: 'kms:Encrypt', keyPolicy: CONSOLE_POLICY, identity: [identity('Allow', 'kms:Encrypt')], expected: 'Allow',
    decidedBy: [keyRef(0, 'Enable IAM User Permissions', 'account'), idRef(0)],
  },
  {
    rule: 'action names in a policy match case-insensitively (KMS:ENCRYPT covers kms:Encrypt)',
    caller: alice, action: 'kms:Encrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: alice.arn }, Action: ['KMS:ENCRYPT'], Resource: '*' }), expected: 'Allow',
  },
  {
    rule: 'Action "*" in a key policy covers every KMS action',
    caller: alice, action: 'kms:ScheduleKeyDeletion', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: alice.arn }, Action: '*', Resource: '*' }), expected: 'Allow',
  },
  {
    rule: 'a key policy statement whose Resource is the key\'s own ARN applies',
    caller: alice, action: 'kms:Encrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'kms:Encrypt', Resource: KEY_ARN }), expected: 'Allow',
  },
  {
    rule: 'a key policy statement whose Resource is another key\'s ARN does not apply to this key',
    caller: alice, action: 'kms:Encrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'kms:Encrypt', Resource: OTHER_KEY_ARN }), expected: 'no-resource-policy',
  },

  // Explicit Deny wins (docs/aws-kms.md §10.5 step 1).
  {
    rule: 'explicit Deny in the key policy overrides an Allow naming the user',
    caller: alice, action: 'kms:Decrypt', keyPolicy: keyPolicyOf(USERS_STATEMENT, { Sid: 'DenyAliceDecrypt', Effect: 'Deny', Principal: { AWS: alice.arn }, Action: 'kms:Decrypt', Resource: '*' }),
    expected: 'explicit-deny-resource', decidedBy: [keyRef(1, 'DenyAliceDecrypt', 'caller', 'Deny')],
  },
  {
    rule: 'explicit Deny in the key policy naming the account applies to the principals of that account',
    caller: alice, action: 'kms:Decrypt', keyPolicy: keyPolicyOf(USERS_STATEMENT, { Effect: 'Deny', Principal: { AWS: ROOT_ARN }, Action: 'kms:Decrypt', Resource: '*' }), expected: 'explicit-deny-resource',
  },
  {
    rule: 'explicit Deny in the key policy with Principal "*" denies the account root too',
    caller: root, action: 'kms:Decrypt', keyPolicy: keyPolicyOf(ENABLE_IAM, { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }), expected: 'explicit-deny-resource',
  },
  {
    rule: 'a key-policy Deny for kms:Decrypt leaves kms:Encrypt allowed',
    caller: alice, action: 'kms:Encrypt', keyPolicy: keyPolicyOf(USERS_STATEMENT, { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }), expected: 'Allow',
  },
  {
    rule: 'explicit Deny in an identity policy overrides a key policy that names the user directly',
    caller: alice, action: 'kms:Encrypt', keyPolicy: CONSOLE_POLICY, identity: [identity('Deny', 'kms:Encrypt')], expected: 'explicit-deny-identity',
    decidedBy: [idRef(0, 'Deny')],
  },
  {
    rule: 'explicit Deny in one identity policy overrides an Allow in another',
    caller: alice, action: 'kms:Decrypt', identity: [identity('Allow', 'kms:*'), identity('Deny', 'kms:Decrypt')], expected: 'explicit-deny-identity',
  },
  { rule: 'an identity-policy Deny scoped to another key does not deny this key', caller: alice, action: 'kms:Decrypt', identity: [identity('Allow', 'kms:*'), identity('Deny', 'kms:*', OTHER_KEY_ARN)], expected: 'Allow' },
  {
    rule: 'explicit Deny in the key policy wins over a grant for the caller (grants cannot override a Deny)',
    caller: bob, action: 'kms:Decrypt', keyPolicy: keyPolicyOf(ENABLE_IAM, { Effect: 'Deny', Principal: { AWS: bob.arn }, Action: 'kms:*', Resource: '*' }),
    grants: [grant(bob, ['Decrypt'])], expected: 'explicit-deny-resource',
  },
  { rule: 'explicit Deny in an identity policy wins over a grant for the caller', caller: bob, action: 'kms:Decrypt', identity: [identity('Deny', 'kms:Decrypt')], grants: [grant(bob, ['Decrypt'])], expected: 'explicit-deny-identity' },
  { rule: 'an identity-policy Deny on kms:Create* denies CreateKey despite an Allow on kms:*', caller: bob, action: 'kms:CreateKey', resource: null, identity: [identity('Allow', 'kms:*'), identity('Deny', 'kms:Create*')], expected: 'explicit-deny-identity' },

  // NotAction, NotResource, NotPrincipal.
  {
    rule: 'Deny with NotAction denies every action not listed',
    caller: alice, action: 'kms:ScheduleKeyDeletion',
    keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', Principal: { AWS: alice.arn }, NotAction: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'], Resource: '*' }),
    expected: 'explicit-deny-resource',
  },
  {
    rule: 'Deny with NotAction does not deny the listed actions',
    caller: alice, action: 'kms:Decrypt',
    keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', Principal: { AWS: alice.arn }, NotAction: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'], Resource: '*' }),
    expected: 'Allow',
  },
  {
    rule: 'Allow with NotAction allows actions outside the list',
    caller: alice, action: 'kms:Decrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: alice.arn }, NotAction: ['kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy'], Resource: '*' }), expected: 'Allow',
  },
  {
    rule: 'Allow with NotAction does not allow the listed actions',
    caller: alice, action: 'kms:ScheduleKeyDeletion', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: alice.arn }, NotAction: ['kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy'], Resource: '*' }), expected: 'no-resource-policy',
  },
  {
    rule: 'identity policy NotResource excludes the key it names',
    caller: alice, action: 'kms:Decrypt', resource: OTHER_KEY_ARN, identity: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', NotResource: OTHER_KEY_ARN }] }], expected: 'no-identity-policy',
  },
  {
    rule: 'identity policy NotResource allows the keys it does not name',
    caller: alice, action: 'kms:Decrypt', identity: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', NotResource: OTHER_KEY_ARN }] }], expected: 'Allow',
  },
  {
    rule: 'NotPrincipal Deny naming Bob and his account denies every other principal of the account (IAM NotPrincipal example)',
    caller: alice, action: 'kms:Decrypt', keyPolicy: BOB_ONLY_NOT_PRINCIPAL, expected: 'explicit-deny-resource',
  },
  { rule: 'NotPrincipal Deny does not apply to the principal it names', caller: bob, action: 'kms:Decrypt', keyPolicy: BOB_ONLY_NOT_PRINCIPAL, expected: 'Allow' },
  {
    rule: 'NotPrincipal Deny naming only Bob denies Alice',
    caller: alice, action: 'kms:Decrypt',
    keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: [alice.arn, bob.arn] }, Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', NotPrincipal: { AWS: bob.arn }, Action: 'kms:*', Resource: '*' }),
    expected: 'explicit-deny-resource',
  },

  // Principal "*".
  {
    rule: 'Principal "*" with StringEquals kms:CallerAccount lets any principal of that account in without an identity policy',
    caller: bob, action: 'kms:Decrypt', keyPolicy: EVERYONE_IN_ACCOUNT, expected: 'Allow', decidedBy: [keyRef(0, 'AllowAccountPrincipals', 'everyone')],
  },
  { rule: 'Principal "*" with kms:CallerAccount does not let a caller of another account in', caller: eve, action: 'kms:Decrypt', keyPolicy: EVERYONE_IN_ACCOUNT, expected: 'no-resource-policy' },
  { rule: 'Principal "*" covers the account root', caller: root, action: 'kms:DescribeKey', keyPolicy: EVERYONE_IN_ACCOUNT, expected: 'Allow' },
  {
    rule: 'Principal {"AWS": "*"} is the same as Principal "*"',
    caller: bob, action: 'kms:Encrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Encrypt', Resource: '*' }), expected: 'Allow',
  },
  {
    rule: 'a Principal list naming both the account and "*" still names every principal directly (a list is the union of its members)',
    caller: bob, action: 'kms:Encrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: [ACCOUNT, '*'] }, Action: 'kms:Encrypt', Resource: '*' }), expected: 'Allow',
  },

  // kms:EncryptionContext:<key> and kms:EncryptionContextKeys.
  {
    rule: 'StringEquals on kms:EncryptionContext:<key> allows a matching context',
    caller: alice, action: 'kms:Encrypt', keyPolicy: DEPARTMENT_IT, context: { Department: 'IT' }, expected: 'Allow', decidedBy: [keyRef(0, 'ConditionalUse', 'caller')],
  },
  { rule: 'kms:EncryptionContext:<key> values compare case-sensitively', caller: alice, action: 'kms:Encrypt', keyPolicy: DEPARTMENT_IT, context: { Department: 'it' }, expected: 'no-resource-policy' },
  {
    rule: 'kms:EncryptionContext:<key> condition key names compare case-insensitively',
    caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { StringEquals: { 'kms:EncryptionContext:DEPARTMENT': 'IT' } }), context: { Department: 'IT' }, expected: 'Allow',
  },
  { rule: 'StringEquals on kms:EncryptionContext:<key> is false when the context lacks the key', caller: alice, action: 'kms:Encrypt', keyPolicy: DEPARTMENT_IT, context: { Project: 'Alpha' }, expected: 'no-resource-policy' },
  { rule: 'StringEquals values of one key are ORed', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { StringEquals: { 'kms:EncryptionContext:Department': ['IT', 'Finance'] } }), context: { Department: 'Finance' }, expected: 'Allow' },
  {
    rule: 'StringLike on kms:EncryptionContext:<key> with * wildcard',
    caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { StringLike: { 'kms:EncryptionContext:AppName': 'ExampleApp*' } }), context: { AppName: 'ExampleApp-prod' }, expected: 'Allow',
  },
  { rule: 'StringLike ? matches exactly one character', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { StringLike: { 'kms:EncryptionContext:Project': 'project-?' } }), context: { Project: 'project-7' }, expected: 'Allow' },
  { rule: 'StringLike ? does not match two characters', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { StringLike: { 'kms:EncryptionContext:Project': 'project-?' } }), context: { Project: 'project-42' }, expected: 'no-resource-policy' },
  { rule: 'StringLike compares values case-sensitively', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { StringLike: { 'kms:EncryptionContext:AppName': 'ExampleApp*' } }), context: { AppName: 'exampleapp-prod' }, expected: 'no-resource-policy' },
  {
    rule: 'keys within one operator are ANDed',
    caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { StringEquals: { 'kms:CallerAccount': ACCOUNT, 'kms:EncryptionContext:Department': 'IT' } }), context: { Project: 'Alpha' }, expected: 'no-resource-policy',
  },
  { rule: 'StringEqualsIgnoreCase compares values ignoring case', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { StringEqualsIgnoreCase: { 'kms:EncryptionContext:Department': 'it' } }), context: { Department: 'IT' }, expected: 'Allow' },
  { rule: 'Deny with StringNotEquals applies when the key is absent (negated operators are true on absent keys)', caller: alice, action: 'kms:Encrypt', keyPolicy: usersDenyIf('kms:Encrypt', { StringNotEquals: { 'kms:EncryptionContext:Department': 'IT' } }), expected: 'explicit-deny-resource' },
  { rule: 'Deny with StringNotEquals does not apply when the value is listed', caller: alice, action: 'kms:Encrypt', keyPolicy: usersDenyIf('kms:Encrypt', { StringNotEquals: { 'kms:EncryptionContext:Department': 'IT' } }), context: { Department: 'IT' }, expected: 'Allow' },
  { rule: 'Deny with StringNotLike applies when the key is absent', caller: alice, action: 'kms:Encrypt', keyPolicy: usersDenyIf('kms:Encrypt', { StringNotLike: { 'kms:EncryptionContext:AppName': 'ExampleApp*' } }), context: { Other: 'x' }, expected: 'explicit-deny-resource' },
  { rule: 'StringEqualsIfExists is true when the key is absent', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { StringEqualsIfExists: { 'kms:EncryptionContext:Department': 'IT' } }), expected: 'Allow' },
  { rule: 'StringEqualsIfExists still checks the value when the key is present', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { StringEqualsIfExists: { 'kms:EncryptionContext:Department': 'IT' } }), context: { Department: 'HR' }, expected: 'no-resource-policy' },
  { rule: 'Deny with Null kms:EncryptionContextKeys "true" denies a request without an encryption context', caller: alice, action: 'kms:Encrypt', keyPolicy: usersDenyIf(['kms:Encrypt', 'kms:Decrypt'], { Null: { 'kms:EncryptionContextKeys': 'true' } }), expected: 'explicit-deny-resource' },
  { rule: 'Deny with Null "true" does not apply when the key is present', caller: alice, action: 'kms:Encrypt', keyPolicy: usersDenyIf(['kms:Encrypt', 'kms:Decrypt'], { Null: { 'kms:EncryptionContextKeys': 'true' } }), context: { Department: 'IT' }, expected: 'Allow' },
  { rule: 'Allow with Null "false" requires the key to be present', caller: alice, action: 'kms:Encrypt', keyPolicy: aliceOnlyIf('kms:Encrypt', { Null: { 'kms:EncryptionContext:Project': 'false' } }), expected: 'no-resource-policy' },
  { rule: 'Allow with Null "false" holds when the key is present', caller: alice, action: 'kms:Encrypt', keyPolicy: aliceOnlyIf('kms:Encrypt', { Null: { 'kms:EncryptionContext:Project': 'false' } }), context: { Project: 'Alpha' }, expected: 'Allow' },
  {
    rule: 'ForAnyValue:StringEquals on kms:EncryptionContextKeys holds when one request key is listed',
    caller: alice, action: 'kms:Encrypt', keyPolicy: aliceOnlyIf('kms:Encrypt', { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': ['Department', 'Project'] } }), context: { Project: 'Alpha', Stage: 'dev' }, expected: 'Allow',
  },
  { rule: 'ForAnyValue is false when kms:EncryptionContextKeys is absent', caller: alice, action: 'kms:Encrypt', keyPolicy: aliceOnlyIf('kms:Encrypt', { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': ['Department', 'Project'] } }), expected: 'no-resource-policy' },
  {
    rule: 'ForAllValues:StringEquals on kms:EncryptionContextKeys fails when one request key is not listed',
    caller: alice, action: 'kms:Encrypt', keyPolicy: aliceOnlyIf('kms:Encrypt', { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['AppName', 'FilePath'] } }), context: { AppName: 'x', Owner: 'y' }, expected: 'no-resource-policy',
  },
  { rule: 'ForAllValues holds when every request key is listed', caller: alice, action: 'kms:Encrypt', keyPolicy: aliceOnlyIf('kms:Encrypt', { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['AppName', 'FilePath'] } }), context: { AppName: 'x' }, expected: 'Allow' },
  { rule: 'ForAllValues holds vacuously when the request has no encryption context', caller: alice, action: 'kms:Encrypt', keyPolicy: aliceOnlyIf('kms:Encrypt', { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['AppName', 'FilePath'] } }), expected: 'Allow' },
  {
    rule: 'operators of one Condition are ANDed',
    caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { StringEquals: { 'kms:CallerAccount': ACCOUNT }, StringLike: { 'kms:EncryptionContext:AppName': 'ExampleApp*' } }), context: { AppName: 'OtherApp' }, expected: 'no-resource-policy',
  },
  { rule: 'condition key names compare case-insensitively (KMS:CALLERACCOUNT)', caller: bob, action: 'kms:Decrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'KMS:CALLERACCOUNT': ACCOUNT } } }), expected: 'Allow' },

  // kms:EncryptionAlgorithm, kms:SigningAlgorithm.
  { rule: 'StringEquals kms:EncryptionAlgorithm allows the named algorithm', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf(['kms:Encrypt', 'kms:Decrypt'], { StringEquals: { 'kms:EncryptionAlgorithm': 'RSAES_OAEP_SHA_256' } }), conditions: { 'kms:encryptionalgorithm': 'RSAES_OAEP_SHA_256' }, expected: 'Allow' },
  { rule: 'StringEquals kms:EncryptionAlgorithm refuses another algorithm', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf(['kms:Encrypt', 'kms:Decrypt'], { StringEquals: { 'kms:EncryptionAlgorithm': 'RSAES_OAEP_SHA_256' } }), conditions: { 'kms:encryptionalgorithm': 'RSAES_OAEP_SHA_1' }, expected: 'no-resource-policy' },
  { rule: 'StringLike kms:SigningAlgorithm RSASSA_PSS_* allows a PSS algorithm', caller: alice, action: 'kms:Sign', keyPolicy: aliceOnlyIf('kms:Sign', { StringLike: { 'kms:SigningAlgorithm': 'RSASSA_PSS_*' } }), conditions: { 'kms:signingalgorithm': 'RSASSA_PSS_SHA_256' }, expected: 'Allow' },
  { rule: 'StringLike kms:SigningAlgorithm RSASSA_PSS_* refuses PKCS#1 v1.5', caller: alice, action: 'kms:Sign', keyPolicy: aliceOnlyIf('kms:Sign', { StringLike: { 'kms:SigningAlgorithm': 'RSASSA_PSS_*' } }), conditions: { 'kms:signingalgorithm': 'RSASSA_PKCS1_V1_5_SHA_256' }, expected: 'no-resource-policy' },

  // kms:GrantOperations (multi-valued).
  { rule: 'ForAllValues:StringEquals kms:GrantOperations allows a grant for a subset of the listed operations', caller: alice, action: 'kms:CreateGrant', keyPolicy: GRANT_OPS_ALLOWED, conditions: { 'kms:grantoperations': ['Decrypt', 'Encrypt'] }, expected: 'Allow' },
  { rule: 'ForAllValues:StringEquals kms:GrantOperations refuses a grant with an unlisted operation', caller: alice, action: 'kms:CreateGrant', keyPolicy: GRANT_OPS_ALLOWED, conditions: { 'kms:grantoperations': ['Decrypt', 'CreateGrant'] }, expected: 'no-resource-policy' },
  {
    rule: 'Deny with ForAnyValue:StringEquals kms:GrantOperations denies a grant containing one listed operation',
    caller: alice, action: 'kms:CreateGrant', keyPolicy: usersDenyIf('kms:CreateGrant', { 'ForAnyValue:StringEquals': { 'kms:GrantOperations': ['CreateGrant', 'RetireGrant'] } }),
    identity: [identity('Allow', 'kms:CreateGrant')], conditions: { 'kms:grantoperations': ['Decrypt', 'RetireGrant'] }, expected: 'explicit-deny-resource',
  },

  // Account-level actions: kms:CreateKey with kms:KeySpec / kms:KeyUsage, kms:ListKeys.
  {
    rule: 'identity policy allowing kms:CreateKey with kms:KeySpec SYMMETRIC_DEFAULT allows that key spec',
    caller: bob, action: 'kms:CreateKey', resource: null, identity: [CREATE_SYMMETRIC_ONLY], conditions: { 'kms:keyspec': 'SYMMETRIC_DEFAULT', 'kms:keyusage': 'ENCRYPT_DECRYPT' }, expected: 'Allow',
    decidedBy: [idRef(0)],
  },
  { rule: 'kms:KeySpec condition refuses CreateKey for RSA_2048', caller: bob, action: 'kms:CreateKey', resource: null, identity: [CREATE_SYMMETRIC_ONLY], conditions: { 'kms:keyspec': 'RSA_2048', 'kms:keyusage': 'SIGN_VERIFY' }, expected: 'no-identity-policy' },
  { rule: 'kms:KeyUsage StringEquals SIGN_VERIFY refuses an ENCRYPT_DECRYPT key', caller: bob, action: 'kms:CreateKey', resource: null, identity: [identity('Allow', 'kms:CreateKey', '*', { StringEquals: { 'kms:KeyUsage': 'SIGN_VERIFY' } })], conditions: { 'kms:keyspec': 'SYMMETRIC_DEFAULT', 'kms:keyusage': 'ENCRYPT_DECRYPT' }, expected: 'no-identity-policy' },
  { rule: 'the account root may call CreateKey without any identity policy', caller: root, action: 'kms:CreateKey', resource: null, expected: 'Allow', decidedBy: [] },
  { rule: 'an IAM user without an identity policy may not call ListKeys (account-level actions need IAM)', caller: bob, action: 'kms:ListKeys', resource: null, expected: 'no-identity-policy' },
  { rule: 'an identity policy scoped to a key ARN does not allow CreateKey (it needs Resource "*")', caller: bob, action: 'kms:CreateKey', resource: null, identity: [identity('Allow', 'kms:CreateKey', KEY_ARN)], expected: 'no-identity-policy' },

  // kms:RequestAlias, kms:ResourceAliases.
  { rule: 'StringEquals kms:RequestAlias allows a request made through that alias', caller: alice, action: 'kms:Decrypt', identity: [identity('Allow', 'kms:Decrypt', `arn:aws:kms:*:${ACCOUNT}:key/*`, { StringEquals: { 'kms:RequestAlias': 'alias/finance-key' } })], conditions: { 'kms:requestalias': 'alias/finance-key' }, expected: 'Allow' },
  { rule: 'kms:RequestAlias is absent when the request names the key id, so StringEquals is false', caller: alice, action: 'kms:Decrypt', identity: [identity('Allow', 'kms:Decrypt', `arn:aws:kms:*:${ACCOUNT}:key/*`, { StringEquals: { 'kms:RequestAlias': 'alias/finance-key' } })], expected: 'no-identity-policy' },
  { rule: 'ForAnyValue:StringLike kms:ResourceAliases alias/finance-* allows a key with a matching alias', caller: alice, action: 'kms:Encrypt', identity: [identity('Allow', 'kms:Encrypt', '*', { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/finance-*' } })], conditions: { 'kms:resourcealiases': ['alias/other', 'alias/finance-key'] }, expected: 'Allow' },
  { rule: 'ForAnyValue on kms:ResourceAliases is false for a key with no alias', caller: alice, action: 'kms:Encrypt', identity: [identity('Allow', 'kms:Encrypt', '*', { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/finance-*' } })], expected: 'no-identity-policy' },

  // aws:PrincipalArn with the Arn operators.
  { rule: 'Principal "*" with ArnLike aws:PrincipalArn role/Key* lets a matching role in', caller: keyAdmin, action: 'kms:Decrypt', keyPolicy: PRINCIPAL_ARN_ROLES, expected: 'Allow', decidedBy: [keyRef(0, 'AllowKeyRoles', 'everyone')] },
  { rule: 'ArnLike aws:PrincipalArn role/Key* does not match a user', caller: alice, action: 'kms:Decrypt', keyPolicy: PRINCIPAL_ARN_ROLES, expected: 'no-resource-policy' },
  { rule: 'ArnLike compares ARN components case-sensitively', caller: alice, action: 'kms:Decrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/Alice` } } }), expected: 'no-resource-policy' },
  { rule: 'ArnEquals aws:PrincipalArn matches the same ARN', caller: alice, action: 'kms:Decrypt', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { ArnEquals: { 'aws:PrincipalArn': alice.arn } } }), expected: 'Allow' },
  { rule: 'Deny with ArnNotLike aws:PrincipalArn applies when the key is absent', caller: alice, action: 'kms:Encrypt', keyPolicy: usersDenyIf('kms:*', { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/*` } }), conditions: { 'aws:principalarn': null }, expected: 'explicit-deny-resource' },
  { rule: 'Deny with ArnNotLike aws:PrincipalArn does not apply to a matching principal', caller: alice, action: 'kms:Encrypt', keyPolicy: usersDenyIf('kms:*', { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/*` } }), expected: 'Allow' },

  // aws:CurrentTime and other dates.
  { rule: 'DateLessThan aws:CurrentTime allows a request before the date', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' } }), expected: 'Allow' },
  { rule: 'DateLessThan aws:CurrentTime refuses a request after the date', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' } }), conditions: { 'aws:currenttime': '2027-03-01T00:00:00Z' }, expected: 'no-resource-policy' },
  { rule: 'DateGreaterThan aws:CurrentTime accepts epoch seconds in the policy', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { DateGreaterThan: { 'aws:CurrentTime': '1767225600' } }), expected: 'Allow' },
  { rule: 'DateGreaterThan aws:CurrentTime refuses a request before the date', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { DateGreaterThan: { 'aws:CurrentTime': '2026-12-31T00:00:00Z' } }), expected: 'no-resource-policy' },
  { rule: 'Deny with DateNotEquals kms:ValidTo applies when the key is absent', caller: alice, action: 'kms:ImportKeyMaterial', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', Principal: '*', Action: 'kms:ImportKeyMaterial', Resource: '*', Condition: { DateNotEquals: { 'kms:ValidTo': '2027-01-01T00:00:00Z' } } }), expected: 'explicit-deny-resource' },
  { rule: 'Deny with DateNotEquals kms:ValidTo does not apply to the same instant given in epoch seconds', caller: alice, action: 'kms:ImportKeyMaterial', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', Principal: '*', Action: 'kms:ImportKeyMaterial', Resource: '*', Condition: { DateNotEquals: { 'kms:ValidTo': '2027-01-01T00:00:00Z' } } }), conditions: { 'kms:validto': '1798761600' }, expected: 'Allow' },

  // Numeric operators.
  { rule: 'NumericGreaterThanEquals kms:ScheduleKeyDeletionPendingWindowInDays 21 allows a 30-day window', caller: keyAdmin, action: 'kms:ScheduleKeyDeletion', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: keyAdmin.arn }, Action: 'kms:ScheduleKeyDeletion', Resource: '*', Condition: { NumericGreaterThanEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '21' } } }), conditions: { 'kms:schedulekeydeletionpendingwindowindays': '30' }, expected: 'Allow' },
  { rule: 'NumericGreaterThanEquals kms:ScheduleKeyDeletionPendingWindowInDays 21 refuses a 7-day window', caller: keyAdmin, action: 'kms:ScheduleKeyDeletion', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: keyAdmin.arn }, Action: 'kms:ScheduleKeyDeletion', Resource: '*', Condition: { NumericGreaterThanEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': 21 } } }), conditions: { 'kms:schedulekeydeletionpendingwindowindays': '7' }, expected: 'no-resource-policy' },
  { rule: 'NumericLessThanEquals kms:RotationPeriodInDays 365 allows 180 days', caller: alice, action: 'kms:EnableKeyRotation', keyPolicy: aliceOnlyIf('kms:EnableKeyRotation', { NumericLessThanEquals: { 'kms:RotationPeriodInDays': '365' } }), conditions: { 'kms:rotationperiodindays': '180' }, expected: 'Allow' },
  { rule: 'NumericLessThan is false when the key is absent', caller: alice, action: 'kms:EnableKeyRotation', keyPolicy: aliceOnlyIf('kms:EnableKeyRotation', { NumericLessThan: { 'kms:RotationPeriodInDays': '365' } }), expected: 'no-resource-policy' },
  { rule: 'NumericGreaterThan compares numbers, not strings (90 > 7)', caller: alice, action: 'kms:EnableKeyRotation', keyPolicy: aliceOnlyIf('kms:EnableKeyRotation', { NumericGreaterThan: { 'kms:RotationPeriodInDays': '7' } }), conditions: { 'kms:rotationperiodindays': '90' }, expected: 'Allow' },
  { rule: 'Deny with NumericNotEquals applies when the key is absent', caller: alice, action: 'kms:EnableKeyRotation', keyPolicy: keyPolicyOf({ Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', Principal: '*', Action: 'kms:EnableKeyRotation', Resource: '*', Condition: { NumericNotEquals: { 'kms:RotationPeriodInDays': '365' } } }), expected: 'explicit-deny-resource' },

  // IP address operators.
  { rule: 'IpAddress aws:SourceIp 10.0.0.0/8 allows an address inside the range', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] } }), conditions: { 'aws:sourceip': '10.1.2.3' }, expected: 'Allow' },
  { rule: 'IpAddress aws:SourceIp refuses an address outside the range', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] } }), conditions: { 'aws:sourceip': '192.168.1.1' }, expected: 'no-resource-policy' },
  { rule: 'IpAddress aws:SourceIp matches IPv6 ranges', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] } }), conditions: { 'aws:sourceip': '2001:db8:1::7' }, expected: 'Allow' },
  { rule: 'IpAddress is false when aws:SourceIp is absent', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }), expected: 'no-resource-policy' },
  { rule: 'Deny with NotIpAddress applies when aws:SourceIp is absent', caller: alice, action: 'kms:Decrypt', keyPolicy: usersDenyIf('kms:*', { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }), expected: 'explicit-deny-resource' },
  { rule: 'Deny with NotIpAddress does not apply inside the range', caller: alice, action: 'kms:Decrypt', keyPolicy: usersDenyIf('kms:*', { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }), conditions: { 'aws:sourceip': '10.9.9.9' }, expected: 'Allow' },
  { rule: 'Deny with NotIpAddress applies outside the range', caller: alice, action: 'kms:Decrypt', keyPolicy: usersDenyIf('kms:*', { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }), conditions: { 'aws:sourceip': '203.0.113.9' }, expected: 'explicit-deny-resource' },

  // Bool and ...IfExists.
  { rule: 'Deny with Bool aws:SecureTransport "false" denies a plain-HTTP request', caller: alice, action: 'kms:Decrypt', keyPolicy: usersDenyIf('kms:*', { Bool: { 'aws:SecureTransport': 'false' } }), conditions: { 'aws:securetransport': 'false' }, expected: 'explicit-deny-resource' },
  { rule: 'Deny with Bool aws:SecureTransport "false" does not apply when the key is absent', caller: alice, action: 'kms:Decrypt', keyPolicy: usersDenyIf('kms:*', { Bool: { 'aws:SecureTransport': 'false' } }), expected: 'Allow' },
  { rule: 'BoolIfExists is true when the key is absent', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'true' } }), expected: 'Allow' },
  { rule: 'BoolIfExists still checks the value when the key is present', caller: alice, action: 'kms:Decrypt', keyPolicy: aliceOnlyIf('kms:Decrypt', { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'true' } }), conditions: { 'aws:multifactorauthpresent': 'false' }, expected: 'no-resource-policy' },

  // Grants (docs/aws-kms.md §11).
  {
    rule: 'a grant for the caller allows its operation though no policy names the caller',
    caller: bob, action: 'kms:Decrypt', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(bob, ['Decrypt', 'Encrypt'], null, 'grant-0002', 'backup-job')], expected: 'Allow',
    decidedBy: [{ source: 'Grant', grantId: 'grant-0002', policyName: 'backup-job', effect: 'Allow' }],
  },
  { rule: 'a grant for another operation does not allow this one', caller: bob, action: 'kms:Decrypt', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(bob, ['Encrypt'])], expected: 'no-resource-policy' },
  { rule: 'a grant for another operation does not help under the default policy either (the account delegation still needs IAM)', caller: bob, action: 'kms:Decrypt', grants: [grant(bob, ['Encrypt'])], expected: 'no-identity-policy' },
  { rule: 'a grant for a deleted and re-created principal (a different principal id) does not apply', caller: aliceRecreated, action: 'kms:Sign', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(alice, ['Sign'])], expected: 'no-resource-policy' },
  { rule: 'a grant for one user does not apply to another', caller: alice, action: 'kms:Sign', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(bob, ['Sign'])], expected: 'no-resource-policy' },
  { rule: 'a grant with ReEncryptFrom does not allow ReEncryptTo', caller: bob, action: 'kms:ReEncryptTo', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(bob, ['ReEncryptFrom'])], context: {}, expected: 'no-resource-policy' },
  { rule: 'EncryptionContextSubset allows a context that contains its pairs', caller: bob, action: 'kms:Decrypt', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(bob, ['Decrypt'], { EncryptionContextSubset: { Department: 'IT' } })], context: { Department: 'IT', Project: 'Alpha' }, expected: 'Allow' },
  { rule: 'EncryptionContextSubset refuses a context missing one of its pairs', caller: bob, action: 'kms:Decrypt', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(bob, ['Decrypt'], { EncryptionContextSubset: { Department: 'IT', Project: 'Alpha' } })], context: { Department: 'IT' }, expected: 'no-resource-policy' },
  { rule: 'EncryptionContextSubset is not met by a request without an encryption context', caller: bob, action: 'kms:Decrypt', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(bob, ['Decrypt'], { EncryptionContextSubset: { Department: 'IT' } })], expected: 'no-resource-policy' },
  { rule: 'EncryptionContextEquals allows exactly its context', caller: bob, action: 'kms:Encrypt', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(bob, ['Encrypt'], { EncryptionContextEquals: { Department: 'IT', Project: 'Alpha' } })], context: { Project: 'Alpha', Department: 'IT' }, expected: 'Allow' },
  { rule: 'EncryptionContextEquals refuses a context with an extra pair', caller: bob, action: 'kms:Encrypt', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(bob, ['Encrypt'], { EncryptionContextEquals: { Department: 'IT' } })], context: { Department: 'IT', Project: 'Alpha' }, expected: 'no-resource-policy' },
  { rule: 'grant constraint keys compare case-insensitively (GrantConstraints)', caller: bob, action: 'kms:Decrypt', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(bob, ['Decrypt'], { EncryptionContextSubset: { department: 'IT' } })], context: { Department: 'IT' }, expected: 'Allow' },
  { rule: 'grant constraint values compare case-sensitively (GrantConstraints)', caller: bob, action: 'kms:Decrypt', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(bob, ['Decrypt'], { EncryptionContextSubset: { Department: 'it' } })], context: { Department: 'IT' }, expected: 'no-resource-policy' },
  { rule: 'grant constraints are not applied to DescribeKey', caller: bob, action: 'kms:DescribeKey', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(bob, ['DescribeKey'], { EncryptionContextEquals: { Department: 'IT' } })], expected: 'Allow' },
  { rule: 'a grant to the account root lets the root use the operation', caller: root, action: 'kms:Decrypt', keyPolicy: CONSOLE_WITHOUT_ROOT, grants: [grant(root, ['Decrypt'])], expected: 'Allow' },
];

describe('policy evaluation (AWS rules, table-driven)', () => {
  it('has at least 70 cases, each with a distinct rule name', () => {
    expect(rows.length).toBeGreaterThanOrEqual(70);
    expect(new Set(rows.map((r) => r.rule)).size).toBe(rows.length);
  });

  it.each(rows)('$rule', (row) => {
    const req = requestFor(row);
    const result: Decision = evaluate(req);
    if (row.expected === 'Allow') {
      expect({ decision: result.decision, message: result.message }).toEqual({ decision: 'Allow', message: '' });
    } else {
      const decision = row.expected.startsWith('explicit') ? 'ExplicitDeny' : 'ImplicitDeny';
      expect({ decision: result.decision, message: result.message }).toEqual({ decision, message: denialMessage(row.caller.arn, row.action, req.resource, row.expected) });
    }
    if (row.decidedBy !== undefined) {
      expect(result.statements).toEqual(row.decidedBy);
    }
  });
});

describe('AccessDeniedException messages, word for word', () => {
  const base = (over: Partial<AuthorizationRequest>): AuthorizationRequest => ({
    caller: alice,
    action: 'kms:Decrypt',
    resource: KEY_ARN,
    keyPolicy: { document: parsePolicy(JSON.stringify(DEFAULT_POLICY), 'key'), bindings: BINDINGS },
    identityPolicies: [],
    grants: [],
    encryptionContext: null,
    conditions: conditionValues({}),
    ...over,
  });

  it('delegated to the account but no identity policy allows', () => {
    expect(evaluate(base({})).message).toBe(
      'User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:local-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab because no identity-based policy allows the kms:Decrypt action',
    );
  });

  it('no key policy statement for the caller or its account', () => {
    const keyPolicy = { document: parsePolicy(JSON.stringify(keyPolicyOf({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' })), 'key'), bindings: BINDINGS };
    expect(evaluate(base({ keyPolicy })).message).toBe(
      'User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:local-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab because no resource-based policy allows the kms:Decrypt action',
    );
  });

  it('explicit deny in the key policy', () => {
    const keyPolicy = { document: parsePolicy(JSON.stringify(keyPolicyOf(ENABLE_IAM, { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' })), 'key'), bindings: BINDINGS };
    expect(evaluate(base({ keyPolicy })).message).toBe(
      'User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:local-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab with an explicit deny in a resource-based policy',
    );
  });

  it('explicit deny in an identity policy', () => {
    expect(evaluate(base({ identityPolicies: identityPolicies([identity('Deny', 'kms:*')]) })).message).toBe(
      'User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:local-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab with an explicit deny in an identity-based policy',
    );
  });

  it('account-level action without an identity policy names resource "*"', () => {
    expect(evaluate(base({ action: 'kms:CreateKey', resource: null, keyPolicy: null })).message).toBe(
      'User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action',
    );
  });
});

describe('dates do not depend on the host time zone', () => {
  // Strongroom runs on people's machines, in their time zones; AWS evaluates on its servers,
  // where aws:CurrentTime is UTC. The same policy and request must get the same decision on
  // every machine. A zone-less date-time ('2027-01-01T00:00:00') is where this can slip.
  function decideIn(timeZone: string): Decision['decision'] {
    const saved = process.env.TZ;
    process.env.TZ = timeZone;
    try {
      const policy = aliceOnlyIf('kms:Decrypt', { DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00' } });
      return evaluate(requestFor({ rule: '', caller: alice, action: 'kms:Decrypt', keyPolicy: policy, conditions: { 'aws:currenttime': '2027-01-01T02:00:00Z' }, expected: 'Allow' })).decision;
    } finally {
      if (saved === undefined) {
        delete process.env.TZ;
      } else {
        process.env.TZ = saved;
      }
    }
  }

  it('a zone-less DateLessThan value gives the same decision in UTC and in America/New_York', () => {
    expect(decideIn('America/New_York')).toBe(decideIn('UTC'));
  });

  it('a date with an explicit zone gives the same decision in UTC and in Asia/Tokyo (control)', () => {
    const saved = process.env.TZ;
    const decide = (timeZone: string) => {
      process.env.TZ = timeZone;
      const policy = aliceOnlyIf('kms:Decrypt', { DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' } });
      return evaluate(requestFor({ rule: '', caller: alice, action: 'kms:Decrypt', keyPolicy: policy, conditions: { 'aws:currenttime': '2027-01-01T02:00:00Z' }, expected: 'Allow' })).decision;
    };
    try {
      expect(decide('Asia/Tokyo')).toBe('ImplicitDeny');
      expect(decide('UTC')).toBe('ImplicitDeny');
    } finally {
      if (saved === undefined) {
        delete process.env.TZ;
      } else {
        process.env.TZ = saved;
      }
    }
  });
});
