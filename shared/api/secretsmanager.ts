// The Secrets Manager operations Strongroom serves on its endpoint (X-Amz-Target
// secretsmanager.<Operation>), with their request shapes and limits from the AWS service model
// (secretsmanager 2017-10-17). Outputs are built by the handlers in electron/kms/secrets/; their
// types live there. No Node or DOM APIs here: the renderer imports this file too.

import { blob, bool, int, list, str, struct, type Infer, type StructureSpec } from './schema.ts';

/** AWS's limit on a secret value: 64 KB of SecretString or SecretBinary. */
export const MAX_SECRET_VALUE_BYTES = 65_536;

const secretId = str({ required: true, min: 1, max: 2048 });
const versionId = str({ min: 32, max: 64 });
const versionStage = str({ min: 1, max: 256 });
const clientRequestToken = str({ min: 32, max: 64 });
const description = str({ max: 2048 });
const kmsKeyId = str({ min: 0, max: 2048 });
const secretString = str({ min: 1, max: MAX_SECRET_VALUE_BYTES, sensitive: true });
const secretBinary = blob({ min: 1, max: MAX_SECRET_VALUE_BYTES, sensitive: true });
const tag = struct({ Key: str({ min: 1, max: 128 }), Value: str({ min: 0, max: 256 }) }, { required: true });
const tags = list({ member: tag });
const nextToken = str({ min: 1, max: 4096 });
export const SECRET_FILTER_KEYS = ['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'] as const;
const filters = list({
  max: 10,
  member: struct(
    {
      Key: str({ enum: SECRET_FILTER_KEYS }),
      Values: list({ min: 1, max: 10, member: str({ max: 512, pattern: /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/ }) }),
    },
    { required: true },
  ),
});

type SecretsOperationSpec = {
  readonly readOnly: boolean;
  readonly summary: string;
  readonly input: StructureSpec;
};

export const secretsOperations = {
  CreateSecret: {
    readOnly: false,
    summary: 'Creates a secret, with a first version (AWSCURRENT) when a value is given, encrypted under KmsKeyId or the managed aws/secretsmanager key.',
    input: struct({
      Name: str({ required: true, min: 1, max: 512 }),
      ClientRequestToken: clientRequestToken,
      Description: description,
      KmsKeyId: kmsKeyId,
      SecretBinary: secretBinary,
      SecretString: secretString,
      Tags: tags,
      AddReplicaRegions: list({ min: 1, member: struct({ Region: str(), KmsKeyId: str() }, { required: true }) }),
      ForceOverwriteReplicaSecret: bool(),
    }),
  },
  GetSecretValue: {
    readOnly: true,
    summary: 'Decrypts and returns a version of a secret (AWSCURRENT unless VersionId or VersionStage names another).',
    input: struct({ SecretId: secretId, VersionId: versionId, VersionStage: versionStage }),
  },
  BatchGetSecretValue: {
    readOnly: true,
    summary: 'GetSecretValue for up to 20 secrets, named by SecretIdList or found by Filters.',
    input: struct({ SecretIdList: list({ min: 1, max: 20, member: str({ min: 1, max: 2048 }) }), Filters: filters, MaxResults: int({ min: 1, max: 20 }), NextToken: nextToken }),
  },
  PutSecretValue: {
    readOnly: false,
    summary: 'Adds a version with a new value; it takes AWSCURRENT (or the given VersionStages).',
    input: struct({
      SecretId: secretId,
      ClientRequestToken: clientRequestToken,
      SecretBinary: secretBinary,
      SecretString: secretString,
      VersionStages: list({ min: 1, max: 20, member: str({ min: 1, max: 256 }) }),
      RotationToken: str({ min: 36, max: 256, pattern: /^[a-zA-Z0-9-]+$/, sensitive: true }),
    }),
  },
  UpdateSecret: {
    readOnly: false,
    summary: "Changes a secret's description or KMS key, and adds a new AWSCURRENT version when a value is given.",
    input: struct({
      SecretId: secretId,
      ClientRequestToken: clientRequestToken,
      Description: description,
      KmsKeyId: kmsKeyId,
      SecretBinary: secretBinary,
      SecretString: secretString,
    }),
  },
  DescribeSecret: {
    readOnly: true,
    summary: "A secret's details: versions and their stages, tags, deletion date; never its value.",
    input: struct({ SecretId: secretId }),
  },
  ListSecrets: {
    readOnly: true,
    summary: 'Lists the secrets (not their values), with filters and paging.',
    input: struct({
      IncludePlannedDeletion: bool(),
      MaxResults: int({ min: 1, max: 100 }),
      NextToken: nextToken,
      Filters: filters,
      SortOrder: str({ enum: ['asc', 'desc'] }),
      SortBy: str({ enum: ['created-date', 'last-accessed-date', 'last-changed-date', 'name'] }),
    }),
  },
  ListSecretVersionIds: {
    readOnly: true,
    summary: "Lists a secret's versions and their stages.",
    input: struct({ SecretId: secretId, MaxResults: int({ min: 1, max: 100 }), NextToken: nextToken, IncludeDeprecated: bool() }),
  },
  DeleteSecret: {
    readOnly: false,
    summary: 'Schedules a secret for deletion after a 7–30 day recovery window (30 by default), or deletes it now with ForceDeleteWithoutRecovery.',
    input: struct({ SecretId: secretId, RecoveryWindowInDays: int(), ForceDeleteWithoutRecovery: bool() }),
  },
  RestoreSecret: {
    readOnly: false,
    summary: 'Cancels the scheduled deletion of a secret.',
    input: struct({ SecretId: secretId }),
  },
  UpdateSecretVersionStage: {
    readOnly: false,
    summary: 'Moves a staging label (AWSCURRENT, AWSPENDING, a custom label) to a version, or removes it.',
    input: struct({ SecretId: secretId, VersionStage: str({ required: true, min: 1, max: 256 }), RemoveFromVersionId: versionId, MoveToVersionId: versionId }),
  },
  TagResource: {
    readOnly: false,
    summary: 'Adds or overwrites tags on a secret.',
    input: struct({ SecretId: secretId, Tags: list({ required: true, member: tag }) }),
  },
  UntagResource: {
    readOnly: false,
    summary: 'Removes tags from a secret.',
    input: struct({ SecretId: secretId, TagKeys: list({ required: true, member: str({ min: 1, max: 128 }) }) }),
  },
  GetRandomPassword: {
    readOnly: true,
    summary: 'A random password (32 characters by default) from the character classes asked for.',
    input: struct({
      PasswordLength: int({ min: 1, max: 4096 }),
      ExcludeCharacters: str({ min: 0, max: 4096 }),
      ExcludeNumbers: bool(),
      ExcludePunctuation: bool(),
      ExcludeUppercase: bool(),
      ExcludeLowercase: bool(),
      IncludeSpace: bool(),
      RequireEachIncludedType: bool(),
    }),
  },
  PutResourcePolicy: {
    readOnly: false,
    summary: 'Attaches a resource policy to a secret (who may call which secretsmanager: actions on it).',
    input: struct({ SecretId: secretId, ResourcePolicy: str({ required: true, min: 1, max: 20_480 }), BlockPublicPolicy: bool() }),
  },
  GetResourcePolicy: {
    readOnly: true,
    summary: "A secret's resource policy, if it has one.",
    input: struct({ SecretId: secretId }),
  },
  DeleteResourcePolicy: {
    readOnly: false,
    summary: "Removes a secret's resource policy.",
    input: struct({ SecretId: secretId }),
  },
} as const satisfies Record<string, SecretsOperationSpec>;

export type SecretsOperationName = keyof typeof secretsOperations;
export type SecretsOperationInput<N extends SecretsOperationName> = Infer<(typeof secretsOperations)[N]['input']>;

export const secretsOperationNames = Object.keys(secretsOperations) as ReadonlyArray<SecretsOperationName>;

export function isSecretsOperationName(name: string): name is SecretsOperationName {
  return Object.hasOwn(secretsOperations, name);
}
