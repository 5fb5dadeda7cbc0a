// Tags: TagResource, UntagResource, ListResourceTags (docs/aws-kms.md §3.8).

import type { KeyedHandler } from '../context.ts';
import { LimitExceededException, TagException } from '../errors.ts';
import { decodeMarker, encodeMarker, page } from './paging.ts';

export const MAX_TAGS_PER_KEY = 50;

/** AWS reserves the prefix aws: in any letter case (AWS:, Aws:, …). */
export function isReservedTagKey(tagKey: string): boolean {
  return tagKey.slice(0, 4).toLowerCase() === 'aws:';
}

/**
 * Rejects reserved or repeated tag keys and a total over the per-key quota. Over the quota is
 * TagException for a new key's tags (CreateKey, as AWS answers) and LimitExceededException for
 * TagResource on an existing key.
 */
export function checkTags(tags: ReadonlyArray<{ TagKey: string; TagValue: string }>, existingOthers: number, forCreateKey = false): void {
  const seen = new Set<string>();
  for (const t of tags) {
    if (isReservedTagKey(t.TagKey)) {
      throw new TagException(`Tag key '${t.TagKey}' is reserved: tag keys beginning with "aws:" belong to AWS, in any letter case.`);
    }
    if (seen.has(t.TagKey)) {
      throw new TagException(`Tag key '${t.TagKey}' appears more than once in the request: give each tag key once.`);
    }
    seen.add(t.TagKey);
  }
  if (existingOthers + seen.size > MAX_TAGS_PER_KEY) {
    const message = `A key can have at most ${MAX_TAGS_PER_KEY} tags; this request would give it ${existingOthers + seen.size}.`;
    throw forCreateKey ? new TagException(message) : new LimitExceededException(message);
  }
}

export const tagResource: KeyedHandler<'TagResource'> = (ctx, input, key) => {
  const incoming = new Set(input.Tags.map((t) => t.TagKey));
  const others = ctx.repo.tagKeys(key.keyId).filter((k) => !incoming.has(k)).length;
  checkTags(input.Tags, others);
  for (const t of input.Tags) {
    ctx.repo.upsertTag(key.keyId, t.TagKey, t.TagValue);
  }
  return {};
};

export const untagResource: KeyedHandler<'UntagResource'> = (ctx, input, key) => {
  for (const tagKey of input.TagKeys) {
    if (isReservedTagKey(tagKey)) {
      throw new TagException(`Tag key '${tagKey}' is reserved: tag keys beginning with "aws:" cannot be removed.`);
    }
  }
  for (const tagKey of input.TagKeys) {
    ctx.repo.deleteTag(key.keyId, tagKey);
  }
  return {};
};

export const listResourceTags: KeyedHandler<'ListResourceTags'> = (ctx, input, key) => {
  // AWS documents 50 as this operation's maximum page, whatever larger Limit is asked for.
  const limit = Math.min(input.Limit ?? 50, 50);
  const after = decodeMarker('ListResourceTags', input.Marker);
  const { items, truncated } = page(ctx.repo.listTags(key.keyId, after === null ? '' : String(after[0]), limit + 1), limit);
  const last = items.at(-1);
  return {
    Tags: items.map((t) => ({ TagKey: t.tagKey, TagValue: t.tagValue })),
    Truncated: truncated,
    ...(truncated && last !== undefined ? { NextMarker: encodeMarker('ListResourceTags', [last.tagKey]) } : {}),
  };
};
