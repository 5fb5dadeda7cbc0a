// Staging labels, as Secrets Manager moves them: a label is on at most one version of a
// secret; moving AWSCURRENT to a version puts AWSPREVIOUS on the version that had it; a version
// without labels is deprecated, and deprecated versions beyond AWS's quota of 100 versions per
// secret are removed, oldest first. UpdateSecretVersionStage is the explicit move.

import type { Handler } from './table-types.ts';
import { InvalidParameterException, LimitExceededException, ResourceNotFoundException } from '../errors.ts';
import { authorizeSecret } from './access.ts';
import { liveSecret } from './names.ts';
import { SecretRepository } from './store.ts';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
export const MAX_VERSIONS = 100;
export const MAX_LABELS_PER_VERSION = 20;

/** Puts each label on `versionId`, taking it from whichever version had it. */
export function attachStages(store: SecretRepository, arn: string, versionId: string, stages: ReadonlyArray<string>): void {
  for (const stage of new Set(stages)) {
    const holder = store.stageHolder(arn, stage);
    if (stage === AWSCURRENT && holder !== null && holder !== versionId) {
      store.setStage(arn, AWSPREVIOUS, holder);
    }
    store.setStage(arn, stage, versionId);
  }
  const labels = store.stagesByVersion(arn).get(versionId) ?? [];
  if (labels.length > MAX_LABELS_PER_VERSION) {
    throw new LimitExceededException(`A version can have at most ${MAX_LABELS_PER_VERSION} staging labels; ${versionId} would have ${labels.length}.`);
  }
}

/** Removes the oldest versions that have no label while the secret has more than MAX_VERSIONS. */
export function dropDeprecatedVersions(store: SecretRepository, arn: string): void {
  const versions = store.versions(arn);
  const labelled = store.stagesByVersion(arn);
  let excess = versions.length - MAX_VERSIONS;
  for (const v of versions) {
    if (excess <= 0) {
      break;
    }
    if (!labelled.has(v.versionId)) {
      store.removeVersion(arn, v.versionId);
      excess--;
    }
  }
}

export const updateSecretVersionStage: Handler<'UpdateSecretVersionStage'> = (ctx, input) => {
  const secret = liveSecret(ctx, input.SecretId);
  ctx.touchResource(secret.arn);
  authorizeSecret(ctx, 'secretsmanager:UpdateSecretVersionStage', secret, input);
  const store = SecretRepository.of(ctx.repo.db);
  const stage = input.VersionStage;
  for (const id of [input.MoveToVersionId, input.RemoveFromVersionId]) {
    if (id !== undefined && store.version(secret.arn, id) === null) {
      throw new ResourceNotFoundException(`Secrets Manager can't find the specified secret value for VersionId: ${id}`);
    }
  }
  const holder = store.stageHolder(secret.arn, stage);
  if (holder !== null && holder !== input.MoveToVersionId && holder !== input.RemoveFromVersionId) {
    throw new InvalidParameterException(
      `The staging label ${stage} is currently attached to version ${holder}. To move it, you must specify that version in RemoveFromVersionId.`,
    );
  }
  if (input.RemoveFromVersionId !== undefined && holder !== input.RemoveFromVersionId) {
    throw new InvalidParameterException(`The staging label ${stage} is not attached to version ${input.RemoveFromVersionId}.`);
  }
  if (input.MoveToVersionId === undefined) {
    if (stage === AWSCURRENT) {
      throw new InvalidParameterException('You can only move the staging label AWSCURRENT to another version (MoveToVersionId), not remove it: a secret with versions always has a current one.');
    }
    store.removeStage(secret.arn, stage);
  } else {
    attachStages(store, secret.arn, input.MoveToVersionId, [stage]);
  }
  store.update({ ...secret, lastChangedAt: ctx.clock.now() });
  return { ARN: secret.arn, Name: secret.name };
};
