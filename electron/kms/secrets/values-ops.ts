// The operations that write or read a secret's value: CreateSecret, PutSecretValue,
// UpdateSecret, GetSecretValue. Each authorizes the secretsmanager: action on the secret first;
// the KMS calls that encrypt or decrypt (values.ts) are then authorized on the key, as AWS does.

import { randomUUID } from 'node:crypto';
import { DAY_MS } from '../clock.ts';
import type { OperationContext } from '../context.ts';
import {
  InvalidParameterException,
  InvalidRequestException,
  ResourceExistsException,
  ResourceNotFoundException,
  UnsupportedOperationException,
} from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { authorizeSecret } from './access.ts';
import { checkSecretName, findSecret, liveSecret, newSecretArn, secretArnPrefix } from './names.ts';
import { AWSCURRENT, attachStages, dropDeprecatedVersions } from './stages.ts';
import { SecretRepository, type SecretRow } from './store.ts';
import type { Handler } from './table-types.ts';
import { checkTagList } from './tags.ts';
import { SERVICE, kmsFailureOnResolve, openVersion, sameValue, sealVersion, valueOf, type SecretValue } from './values.ts';

/**
 * The customer key a KmsKeyId names, as a key id; null for the managed key (omitted, empty, or
 * alias/aws/secretsmanager). Resolved through KMS's DescribeKey for the caller, as AWS does, so
 * an unknown or forbidden key is refused before anything is stored.
 */
function chosenKey(ctx: OperationContext, given: string | undefined): string | null {
  if (given === undefined || given === '') {
    return null;
  }
  let described;
  try {
    described = ctx.callKms(SERVICE, 'DescribeKey', { KeyId: given });
  } catch (err) {
    throw kmsFailureOnResolve(err, given);
  }
  return described.KeyMetadata.KeyManager === 'AWS' ? null : described.KeyMetadata.KeyId;
}

/** Adds a version with `value` and `stages`; an idempotent retry of the same version returns it unchanged. */
function addVersion(ctx: OperationContext, secret: SecretRow, token: string | undefined, value: SecretValue, stages: ReadonlyArray<string>): { versionId: string; stages: Array<string> } {
  const store = SecretRepository.of(ctx.repo.db);
  const versionId = token ?? randomUUID();
  const existing = store.version(secret.arn, versionId);
  if (existing !== null) {
    const old = openVersion(ctx, existing);
    if (!sameValue(old, value)) {
      throw new ResourceExistsException(
        `A version with VersionId ${versionId} already exists with a different value. You can't modify an existing version; use a new ClientRequestToken to create a new version.`,
      );
    }
    return { versionId, stages: store.stagesByVersion(secret.arn).get(versionId) ?? [] };
  }
  store.insertVersion(sealVersion(ctx, secret, versionId, value));
  attachStages(store, secret.arn, versionId, stages);
  dropDeprecatedVersions(store, secret.arn);
  return { versionId, stages: store.stagesByVersion(secret.arn).get(versionId) ?? [] };
}

export const createSecret: Handler<'CreateSecret'> = (ctx, input) => {
  checkSecretName(input.Name);
  authorizeSecret(ctx, 'secretsmanager:CreateSecret', null, input, `${secretArnPrefix(ctx.scope)}${input.Name}`);
  if (input.AddReplicaRegions !== undefined) {
    throw new UnsupportedOperationException('Replicating secrets to other Regions is not supported: a Strongroom installation is one Region. Omit AddReplicaRegions.');
  }
  const value = valueOf(input, InvalidParameterException);
  const store = SecretRepository.of(ctx.repo.db);
  const existing = store.byName(input.Name);
  if (existing !== null) {
    ctx.touchResource(existing.arn);
    if (existing.deletedAt !== null) {
      throw new InvalidRequestException("You can't create this secret because a secret with this name is already scheduled for deletion.");
    }
    // A retry of the same request (same ClientRequestToken and value) succeeds without change.
    const retried = input.ClientRequestToken === undefined || value === null ? null : store.version(existing.arn, input.ClientRequestToken);
    if (retried !== null && value !== null && sameValue(openVersion(ctx, retried), value)) {
      return { ARN: existing.arn, Name: existing.name, VersionId: retried.versionId };
    }
    throw new ResourceExistsException(`The operation failed because the secret ${input.Name} already exists.`);
  }
  const tags = input.Tags ?? [];
  checkTagList(tags);
  const kmsKeyId = chosenKey(ctx, input.KmsKeyId);
  const arn = newSecretArn(ctx.scope, input.Name);
  ctx.touchResource(arn);
  const now = ctx.clock.now();
  store.insert({ arn, name: input.Name, description: input.Description ?? null, kmsKeyId, createdAt: now });
  for (const t of tags) {
    store.upsertTag(arn, t.Key ?? '', t.Value ?? '');
  }
  const secret = store.byArn(arn) as SecretRow;
  const version = value === null ? null : addVersion(ctx, secret, input.ClientRequestToken, value, [AWSCURRENT]);
  return { ARN: arn, Name: input.Name, ...(version === null ? {} : { VersionId: version.versionId }) };
};

export const putSecretValue: Handler<'PutSecretValue'> = (ctx, input) => {
  const secret = liveSecret(ctx, input.SecretId);
  ctx.touchResource(secret.arn);
  authorizeSecret(ctx, 'secretsmanager:PutSecretValue', secret, input);
  if (input.RotationToken !== undefined) {
    throw new InvalidParameterException('RotationToken is for rotation functions, which Strongroom does not run (rotation with a Lambda function is not supported). Omit it.');
  }
  const value = valueOf(input, InvalidParameterException);
  if (value === null) {
    throw new InvalidParameterException('You must provide either SecretString or SecretBinary.');
  }
  const version = addVersion(ctx, secret, input.ClientRequestToken, value, input.VersionStages ?? [AWSCURRENT]);
  SecretRepository.of(ctx.repo.db).update({ ...secret, lastChangedAt: ctx.clock.now() });
  return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: version.stages };
};

export const updateSecret: Handler<'UpdateSecret'> = (ctx, input) => {
  const secret = liveSecret(ctx, input.SecretId);
  ctx.touchResource(secret.arn);
  authorizeSecret(ctx, 'secretsmanager:UpdateSecret', secret, input);
  const value = valueOf(input, InvalidParameterException);
  // A new key applies to the versions created from now on; existing versions keep theirs (D37).
  const kmsKeyId = input.KmsKeyId === undefined ? secret.kmsKeyId : chosenKey(ctx, input.KmsKeyId);
  const updated: SecretRow = {
    ...secret,
    description: input.Description ?? secret.description,
    kmsKeyId,
    lastChangedAt: ctx.clock.now(),
  };
  const store = SecretRepository.of(ctx.repo.db);
  store.update(updated);
  const version = value === null ? null : addVersion(ctx, updated, input.ClientRequestToken, value, [AWSCURRENT]);
  return { ARN: secret.arn, Name: secret.name, ...(version === null ? {} : { VersionId: version.versionId }) };
};

/** The version a read names: VersionId, VersionStage (both must agree), or AWSCURRENT. */
function chosenVersion(store: SecretRepository, secret: SecretRow, versionId: string | undefined, stage: string | undefined): string {
  if (versionId !== undefined) {
    if (store.version(secret.arn, versionId) === null || (stage !== undefined && !store.stagesOf(secret.arn, versionId).includes(stage))) {
      throw new ResourceNotFoundException(`Secrets Manager can't find the specified secret value for VersionId: ${versionId}${stage === undefined ? '' : ` and staging label: ${stage}`}`);
    }
    return versionId;
  }
  const wanted = stage ?? AWSCURRENT;
  const holder = store.stageHolder(secret.arn, wanted);
  if (holder === null) {
    throw new ResourceNotFoundException(`Secrets Manager can't find the specified secret value for staging label: ${wanted}`);
  }
  return holder;
}

export const getSecretValue: Handler<'GetSecretValue'> = (ctx, input) => {
  const found = findSecret(ctx, input.SecretId);
  ctx.touchResource(found.arn);
  authorizeSecret(ctx, 'secretsmanager:GetSecretValue', found, input);
  const secret = liveSecret(ctx, found.arn);
  const store = SecretRepository.of(ctx.repo.db);
  const versionId = chosenVersion(store, secret, input.VersionId, input.VersionStage);
  const version = store.version(secret.arn, versionId);
  if (version === null) {
    throw new ResourceNotFoundException(`Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
  }
  const value = openVersion(ctx, version);
  // AWS keeps the date of the last access, not the time: written once a day, not on every read.
  const today = Math.floor(ctx.clock.now() / DAY_MS) * DAY_MS;
  if (secret.lastAccessedAt !== today || version.lastAccessedAt !== today) {
    store.touchAccess(secret.arn, versionId, today);
  }
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: versionId,
    ...(value.kind === 'string' ? { SecretString: value.text } : { SecretBinary: value.bytes }),
    VersionStages: store.stagesOf(secret.arn, versionId),
    CreatedDate: new Date(version.createdAt),
  };
};

/** DescribeSecret's KmsKeyId: the customer key's ARN; omitted for the managed key, as AWS omits it. */
export function kmsKeyIdField(ctx: OperationContext, secret: SecretRow): { KmsKeyId?: string } {
  return secret.kmsKeyId === null ? {} : { KmsKeyId: keyArn(ctx.scope, secret.kmsKeyId) };
}

