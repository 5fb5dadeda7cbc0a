// The condition keys a policy may use (docs/aws-kms.md §10.4) and which of them hold several
// values. Condition key names compare case-insensitively, so everything here is lower case. An
// unknown kms: key is refused when a policy is stored (it is almost always a typo that would
// otherwise silently never match); so is an unknown aws: key.

const KMS_KEYS = [
  'kms:BypassPolicyLockoutSafetyCheck', 'kms:CallerAccount', 'kms:CustomerMasterKeySpec', 'kms:CustomerMasterKeyUsage',
  'kms:DataKeyPairSpec', 'kms:EncryptionAlgorithm', 'kms:EncryptionContextKeys', 'kms:ExpirationModel',
  'kms:GrantConstraintType', 'kms:GrantIsForAWSResource', 'kms:GrantOperations', 'kms:GranteePrincipal',
  'kms:KeyAgreementAlgorithm', 'kms:KeyOrigin', 'kms:KeySpec', 'kms:KeyUsage', 'kms:MacAlgorithm', 'kms:MessageType',
  'kms:MultiRegion', 'kms:MultiRegionKeyType', 'kms:PrimaryRegion', 'kms:ReEncryptOnSameKey', 'kms:ReplicaRegion',
  'kms:RequestAlias', 'kms:ResourceAliases', 'kms:RetiringPrincipal', 'kms:RotationPeriodInDays',
  'kms:ScheduleKeyDeletionPendingWindowInDays', 'kms:SigningAlgorithm', 'kms:ValidTo', 'kms:ViaService',
  'kms:WrappingAlgorithm', 'kms:WrappingKeySpec',
];

const AWS_KEYS = [
  'aws:CalledVia', 'aws:CalledViaFirst', 'aws:CalledViaLast', 'aws:CurrentTime', 'aws:EpochTime', 'aws:FederatedProvider',
  'aws:MultiFactorAuthAge', 'aws:MultiFactorAuthPresent', 'aws:PrincipalAccount', 'aws:PrincipalArn',
  'aws:PrincipalIsAWSService', 'aws:PrincipalOrgID', 'aws:PrincipalOrgPaths', 'aws:PrincipalServiceName',
  'aws:PrincipalServiceNamesList', 'aws:PrincipalType', 'aws:Referer', 'aws:RequestedRegion', 'aws:ResourceAccount',
  'aws:ResourceOrgID', 'aws:ResourceOrgPaths', 'aws:SecureTransport', 'aws:SourceAccount', 'aws:SourceArn',
  'aws:SourceIdentity', 'aws:SourceIp', 'aws:SourceOrgID', 'aws:SourceOrgPaths', 'aws:SourceVpc', 'aws:SourceVpce',
  'aws:TagKeys', 'aws:TokenIssueTime', 'aws:UserAgent', 'aws:userid', 'aws:username', 'aws:ViaAWSService', 'aws:VpcSourceIp',
  'aws:Ec2InstanceSourceVpc', 'aws:Ec2InstanceSourcePrivateIPv4',
];

/** Keys that take a suffix: kms:EncryptionContext:<context key>, aws:ResourceTag/<tag key>, … */
const PREFIXES = ['secretsmanager:resourcetag/', 'kms:encryptioncontext:', 'kms:recipientattestation:', 'aws:resourcetag/', 'aws:requesttag/', 'aws:principaltag/'];

/** Secrets Manager's condition keys (identity policies and secrets' resource policies). */
const SECRETS_MANAGER_KEYS = [
  'secretsmanager:SecretId', 'secretsmanager:Name', 'secretsmanager:Description', 'secretsmanager:KmsKeyId',
  'secretsmanager:VersionId', 'secretsmanager:VersionStage', 'secretsmanager:BlockPublicPolicy',
  'secretsmanager:ForceDeleteWithoutRecovery', 'secretsmanager:RecoveryWindowInDays', 'secretsmanager:SecretPrimaryRegion',
  'secretsmanager:AddReplicaRegions', 'secretsmanager:ForceOverwriteReplicaSecret', 'secretsmanager:ModifyRotationRules',
  'secretsmanager:RotateImmediately', 'secretsmanager:RotationLambdaARN', 'secretsmanager:resource/AllowRotationLambdaArn',
];

const KNOWN = new Set([...KMS_KEYS, ...AWS_KEYS, ...SECRETS_MANAGER_KEYS].map((k) => k.toLowerCase()));

/** Keys whose value is a set (docs/aws-kms.md §10.4): a plain operator matches if any member does. */
export const MULTI_VALUED: ReadonlySet<string> = new Set(
  ['kms:EncryptionContextKeys', 'kms:GrantOperations', 'kms:ResourceAliases', 'aws:TagKeys', 'aws:CalledVia', 'aws:PrincipalOrgPaths', 'aws:PrincipalServiceNamesList'].map((k) => k.toLowerCase()),
);

/** Null when the key is known; otherwise why it is not. */
export function unknownConditionKey(key: string): string | null {
  const lower = key.toLowerCase();
  if (KNOWN.has(lower)) {
    return null;
  }
  for (const prefix of PREFIXES) {
    if (lower.startsWith(prefix) && lower.length > prefix.length) {
      return null;
    }
  }
  if (lower.startsWith('kms:') || lower.startsWith('aws:')) {
    return `'${key}' is not a condition key AWS KMS defines; check its spelling (keys: ${[...KMS_KEYS.slice(0, 6), '…'].join(', ')}; kms:EncryptionContext:<key>; aws:PrincipalArn, aws:CurrentTime, aws:ResourceTag/<key>, …)`;
  }
  return `'${key}' is not a kms: or aws: condition key, so it never has a value in a KMS request`;
}
