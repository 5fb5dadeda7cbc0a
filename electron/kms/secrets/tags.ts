// Tags on secrets: TagResource adds or overwrites, UntagResource removes. AWS's limits: 50 tags
// per secret, keys up to 128 and values up to 256 characters, no aws: prefix.

import { InvalidParameterException, LimitExceededException } from '../errors.ts';
import { authorizeSecret } from './access.ts';
import { liveSecret } from './names.ts';
import { SecretRepository } from './store.ts';
import type { Handler } from './table-types.ts';

export const MAX_TAGS = 50;

export function checkTagList(tags: ReadonlyArray<{ readonly Key?: string; readonly Value?: string }>): void {
  for (const t of tags) {
    if (t.Key === undefined || t.Value === undefined) {
      throw new InvalidParameterException('Each tag needs a Key and a Value.');
    }
    if (t.Key.toLowerCase().startsWith('aws:')) {
      throw new InvalidParameterException(`Tag key '${t.Key}' uses the reserved prefix aws:.`);
    }
  }
  if (tags.length > MAX_TAGS) {
    throw new LimitExceededException(`A secret can have at most ${MAX_TAGS} tags.`);
  }
}

export const tagResource: Handler<'TagResource'> = (ctx, input) => {
  const secret = liveSecret(ctx, input.SecretId);
  ctx.touchResource(secret.arn);
  authorizeSecret(ctx, 'secretsmanager:TagResource', secret, input);
  checkTagList(input.Tags);
  const store = SecretRepository.of(ctx.repo.db);
  const keys = new Set([...store.tags(secret.arn).map((t) => t.Key), ...input.Tags.map((t) => t.Key ?? '')]);
  if (keys.size > MAX_TAGS) {
    throw new LimitExceededException(`A secret can have at most ${MAX_TAGS} tags; this would make ${keys.size}.`);
  }
  for (const t of input.Tags) {
    store.upsertTag(secret.arn, t.Key ?? '', t.Value ?? '');
  }
  return {};
};

export const untagResource: Handler<'UntagResource'> = (ctx, input) => {
  const secret = liveSecret(ctx, input.SecretId);
  ctx.touchResource(secret.arn);
  authorizeSecret(ctx, 'secretsmanager:UntagResource', secret, input);
  const store = SecretRepository.of(ctx.repo.db);
  for (const key of input.TagKeys) {
    store.removeTag(secret.arn, key);
  }
  return {};
};
