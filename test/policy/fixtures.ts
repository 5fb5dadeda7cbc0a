// Shared fixtures for the policy tests: one account, a few principals with fixed unique ids, two
// key ARNs, and helpers that turn plain JSON-like policies and request facts into the
// structures evaluate() takes. AWS's denial messages are spelled out here once, word for word.

import type { ConditionValues } from '../../electron/kms/policy/conditions.ts';
import { parsePolicy } from '../../electron/kms/policy/document.ts';
import type { CallerIdentity, GrantConstraints, GrantForEvaluation, NamedIdentityPolicy } from '../../electron/kms/policy/evaluate.ts';

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const ROOT_ARN = `arn:aws:iam::${ACCOUNT}:root`;
export const OTHER_ROOT_ARN = `arn:aws:iam::${OTHER_ACCOUNT}:root`;
export const KEY_ARN = `arn:aws:kms:local-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const OTHER_KEY_ARN = `arn:aws:kms:local-1:${ACCOUNT}:key/0987dcba-09fe-87dc-65ba-ab0987654321`;

/** The request time every evaluation case sees as aws:CurrentTime. */
export const NOW = '2026-06-01T12:00:00Z';

function iamUser(name: string, principalId: string, account = ACCOUNT): CallerIdentity {
  return { arn: `arn:aws:iam::${account}:user/${name}`, accountId: account, principalId };
}

export const root: CallerIdentity = { arn: ROOT_ARN, accountId: ACCOUNT, principalId: null };
export const alice = iamUser('alice', 'AIDAALICEEXAMPLE00001');
export const bob = iamUser('bob', 'AIDABOBEXAMPLE0000002');
export const keyAdmin: CallerIdentity = { arn: `arn:aws:iam::${ACCOUNT}:role/KeyAdmin`, accountId: ACCOUNT, principalId: 'AROAKEYADMINEXAMPLE03' };
/** alice deleted and created again: the same ARN, a new unique id. */
export const aliceRecreated: CallerIdentity = { ...alice, principalId: 'AIDAALICEEXAMPLE00099' };
/** A user of another account. */
export const eve = iamUser('eve', 'AIDAEVEEXAMPLE0000005', OTHER_ACCOUNT);

/** What each user or role ARN meant when the key policies were stored (the original alice). */
export const BINDINGS: Readonly<Record<string, string>> = {
  [alice.arn]: 'AIDAALICEEXAMPLE00001',
  [bob.arn]: 'AIDABOBEXAMPLE0000002',
  [keyAdmin.arn]: 'AROAKEYADMINEXAMPLE03',
};

export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json };

export function identityPolicies(docs: ReadonlyArray<Json>): ReadonlyArray<NamedIdentityPolicy> {
  return docs.map((d, i) => ({ name: `policy-${i}`, document: parsePolicy(JSON.stringify(d), 'identity') }));
}

/** Condition values from a plain object; the names are lower-cased as the ConditionValues contract requires. */
export function conditionValues(values: Readonly<Record<string, string | ReadonlyArray<string>>>): ConditionValues {
  const map = new Map<string, ReadonlyArray<string>>();
  for (const [k, v] of Object.entries(values)) {
    map.set(k.toLowerCase(), typeof v === 'string' ? [v] : v);
  }
  return (lowerKey) => map.get(lowerKey);
}

/** kms:EncryptionContextKeys and kms:EncryptionContext:<key> for an encryption context (key names lower-cased). */
export function contextValues(context: Readonly<Record<string, string>> | null): Record<string, ReadonlyArray<string>> {
  if (context === null) {
    return {};
  }
  const out: Record<string, Array<string>> = { 'kms:encryptioncontextkeys': Object.keys(context) };
  for (const [k, v] of Object.entries(context)) {
    const name = `kms:encryptioncontext:${k.toLowerCase()}`;
    out[name] = [...(out[name] ?? []), v];
  }
  return out;
}

export function grant(grantee: CallerIdentity, operations: ReadonlyArray<string>, constraints: GrantConstraints | null = null, grantId = 'grant-0001', name: string | null = null): GrantForEvaluation {
  return { grantId, name, granteeArn: grantee.arn, granteeId: grantee.principalId, operations, constraints };
}

export type DenialReason = 'no-resource-policy' | 'no-identity-policy' | 'explicit-deny-resource' | 'explicit-deny-identity';

/** AWS's AccessDeniedException message for each way of being denied. */
export function denialMessage(callerArn: string, action: string, resource: string | null, reason: DenialReason): string {
  const because = {
    'no-resource-policy': `because no resource-based policy allows the ${action} action`,
    'no-identity-policy': `because no identity-based policy allows the ${action} action`,
    'explicit-deny-resource': 'with an explicit deny in a resource-based policy',
    'explicit-deny-identity': 'with an explicit deny in an identity-based policy',
  }[reason];
  return `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource ?? '*'} ${because}`;
}

// AWS's documented key policies.

export const ENABLE_IAM: Json = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT_ARN }, Action: 'kms:*', Resource: '*' };

export const DEFAULT_POLICY: Json = { Version: '2012-10-17', Id: 'key-default-1', Statement: [ENABLE_IAM] };

export const ADMIN_ACTIONS = [
  'kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*',
  'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion',
];
export const USER_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];

export const ADMINS_STATEMENT: Json = { Sid: 'Allow access for Key Administrators', Effect: 'Allow', Principal: { AWS: keyAdmin.arn }, Action: ADMIN_ACTIONS, Resource: '*' };
export const USERS_STATEMENT: Json = { Sid: 'Allow use of the key', Effect: 'Allow', Principal: { AWS: alice.arn }, Action: USER_ACTIONS, Resource: '*' };
export const GRANTS_STATEMENT: Json = {
  Sid: 'Allow attachment of persistent resources',
  Effect: 'Allow',
  Principal: { AWS: alice.arn },
  Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
  Resource: '*',
  Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
};

/** The console's default policy: root, key administrators, key users, and the grants statement. */
export const CONSOLE_POLICY: Json = { Version: '2012-10-17', Id: 'key-consolepolicy-3', Statement: [ENABLE_IAM, ADMINS_STATEMENT, USERS_STATEMENT, GRANTS_STATEMENT] };
/** The same without the statement that delegates to the account. */
export const CONSOLE_WITHOUT_ROOT: Json = { Version: '2012-10-17', Statement: [ADMINS_STATEMENT, USERS_STATEMENT, GRANTS_STATEMENT] };

export function keyPolicyOf(...statements: ReadonlyArray<Json>): Json {
  return { Version: '2012-10-17', Statement: statements };
}

/** An identity policy with one statement. */
export function identity(effect: 'Allow' | 'Deny', action: string | ReadonlyArray<string>, resource: string | ReadonlyArray<string> = '*', condition?: Json): Json {
  return { Version: '2012-10-17', Statement: [{ Effect: effect, Action: action, Resource: resource, ...(condition === undefined ? {} : { Condition: condition }) }] };
}
