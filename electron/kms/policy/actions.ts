// KMS action names as policies use them (docs/aws-kms.md §10.3), and how a policy's Action patterns
// match them. The list is AWS's whole list, not only the operations Strongroom serves: a policy
// written for AWS (naming kms:ReplicateKey, say) must validate here unchanged.

import { GRANT_OPERATION_NAMES, operationNames } from '../../../shared/api/operations.ts';

const AWS_ACTIONS = [
  'CancelKeyDeletion', 'ConnectCustomKeyStore', 'CreateAlias', 'CreateCustomKeyStore', 'CreateGrant', 'CreateKey',
  'Decrypt', 'DeleteAlias', 'DeleteCustomKeyStore', 'DeleteImportedKeyMaterial', 'DeriveSharedSecret',
  'DescribeCustomKeyStores', 'DescribeKey', 'DisableKey', 'DisableKeyRotation', 'DisconnectCustomKeyStore', 'EnableKey',
  'EnableKeyRotation', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
  'GenerateDataKeyWithoutPlaintext', 'GenerateMac', 'GenerateRandom', 'GetKeyLastUsage', 'GetKeyPolicy',
  'GetKeyRotationStatus', 'GetParametersForImport', 'GetPublicKey', 'ImportKeyMaterial', 'ListAliases', 'ListGrants',
  'ListKeyPolicies', 'ListKeyRotations', 'ListKeys', 'ListResourceTags', 'ListRetirableGrants', 'PutKeyPolicy',
  'ReEncryptFrom', 'ReEncryptTo', 'ReplicateKey', 'RetireGrant', 'RevokeGrant', 'RotateKeyOnDemand', 'ScheduleKeyDeletion',
  'Sign', 'SynchronizeMultiRegionKey', 'TagResource', 'UntagResource', 'UpdateAlias', 'UpdateCustomKeyStore',
  'UpdateKeyDescription', 'UpdatePrimaryRegion', 'Verify', 'VerifyMac',
] as const;

/** Strongroom's own actions (policy simulation), named in the same style. */
const STRONGROOM_ACTIONS = ['SimulatePolicy'] as const;

/**
 * The service prefix of actions an AWS policy must never grant by accident (D23). kms:* cannot
 * match them, and an Allow grants them only through a pattern written with this prefix
 * (strongroom:ExportKeyMaterial, strongroom:*): not Action "*", not NotAction.
 */
export const STRONGROOM_PREFIX = 'strongroom:';

/** Actions under the strongroom: prefix: taking key material out of the installation. */
const STRONGROOM_PREFIXED_ACTIONS = ['ExportKeyMaterial'] as const;

/** Every action a policy may name: 'kms:<Name>', and the few 'strongroom:<Name>'. */
export const KMS_ACTIONS: ReadonlyArray<string> = [
  ...[...AWS_ACTIONS, ...STRONGROOM_ACTIONS].map((a) => `kms:${a}`),
  ...STRONGROOM_PREFIXED_ACTIONS.map((a) => `${STRONGROOM_PREFIX}${a}`),
];

/**
 * Secrets Manager's actions (the service's whole list, so a policy written for AWS validates
 * unchanged), for identity policies and secrets' resource policies.
 */
export const SECRETS_MANAGER_ACTIONS: ReadonlyArray<string> = [
  'BatchGetSecretValue', 'CancelRotateSecret', 'CreateSecret', 'DeleteResourcePolicy', 'DeleteSecret', 'DescribeSecret',
  'GetRandomPassword', 'GetResourcePolicy', 'GetSecretValue', 'ListSecretVersionIds', 'ListSecrets', 'PutResourcePolicy',
  'PutSecretValue', 'RemoveRegionsFromReplication', 'ReplicateSecretToRegions', 'RestoreSecret', 'RotateSecret',
  'StopReplicationToReplica', 'TagResource', 'UntagResource', 'UpdateSecret', 'UpdateSecretVersionStage',
  'ValidateResourcePolicy',
].map((a) => `secretsmanager:${a}`);

/** True for an action only a strongroom:-prefixed Allow can grant. */
export function isStrongroomPrefixed(action: string): boolean {
  return action.toLowerCase().startsWith(STRONGROOM_PREFIX);
}

/** The action(s) an operation is authorized as: its own name, except ReEncrypt (From and To). */
export function actionsForOperation(operation: string): ReadonlyArray<string> {
  if ((STRONGROOM_PREFIXED_ACTIONS as ReadonlyArray<string>).includes(operation)) {
    return [`${STRONGROOM_PREFIX}${operation}`];
  }
  return operation === 'ReEncrypt' ? ['kms:ReEncryptFrom', 'kms:ReEncryptTo'] : [`kms:${operation}`];
}

/**
 * Actions with no key resource: only identity policies can allow them (docs/aws-kms.md §10.3). The
 * installation owner (the account root) may always call them.
 */
export const ACCOUNT_ACTIONS: ReadonlySet<string> = new Set(
  ['CreateKey', 'ListKeys', 'ListAliases', 'GenerateRandom', 'ListRetirableGrants', 'CreateCustomKeyStore', 'DescribeCustomKeyStores', 'ConnectCustomKeyStore', 'DisconnectCustomKeyStore', 'UpdateCustomKeyStore', 'DeleteCustomKeyStore'].map((a) => `kms:${a}`),
);

/** The operations a grant may allow (docs/aws-kms.md §11); the list lives with the schema. */
export const GRANT_OPERATIONS = GRANT_OPERATION_NAMES;
export type GrantOperation = (typeof GRANT_OPERATIONS)[number];

/**
 * An IAM wildcard pattern ('*' any run, '?' one character) as a whole-string RegExp. Actions
 * compare case-insensitively, resources and string conditions case-sensitively.
 */
export function wildcardPattern(pattern: string, ignoreCase: boolean): RegExp {
  let source = '';
  for (const ch of pattern) {
    source += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
}

/** The actions a pattern covers; empty when it covers none (a typo). */
export function actionsMatching(pattern: RegExp): ReadonlyArray<string> {
  return [...KMS_ACTIONS, ...SECRETS_MANAGER_ACTIONS].filter((a) => pattern.test(a));
}

// Every served operation must have an action name a policy can allow.
for (const op of operationNames) {
  for (const action of actionsForOperation(op)) {
    if (!KMS_ACTIONS.includes(action)) {
      throw new Error(`operation ${op} has no policy action ${action}`);
    }
  }
}
