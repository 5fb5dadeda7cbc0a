// Listing: ListSecrets (filters, sorting, paging), ListSecretVersionIds, and
// BatchGetSecretValue, which reads each secret through GetSecretValue (so each read is
// authorized, decrypted through KMS and audited exactly as a single read is).

import type { OperationContext } from '../context.ts';
import { InvalidNextTokenException, InvalidParameterException, KmsError } from '../errors.ts';
import { authorizeSecret } from './access.ts';
import { findSecret } from './names.ts';
import { SecretRepository, type SecretRow } from './store.ts';
import type { Handler } from './table-types.ts';
import { kmsKeyIdField } from './values-ops.ts';

type Filter = { readonly Key?: string; readonly Values?: ReadonlyArray<string> };

function encodeToken(op: string, offset: number): string {
  return Buffer.from(JSON.stringify({ op, offset })).toString('base64');
}

function decodeToken(op: string, token: string | undefined): number {
  if (token === undefined) {
    return 0;
  }
  try {
    const body = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { op?: unknown; offset?: unknown };
    if (body.op === op && typeof body.offset === 'number' && Number.isInteger(body.offset) && body.offset >= 0) {
      return body.offset;
    }
  } catch {
    // Reported below.
  }
  throw new InvalidNextTokenException(`The NextToken '${token}' was not returned by a previous ${op} call. Pass the NextToken of the previous page, or omit it to start again.`);
}

/** Does one filter value match the secret? A leading '!' negates it. */
function valueMatches(ctx: OperationContext, store: SecretRepository, secret: SecretRow, key: string, raw: string): boolean {
  const negated = raw.startsWith('!');
  const value = negated ? raw.slice(1) : raw;
  const tags = key.startsWith('tag-') || key === 'all' ? store.tags(secret.arn) : [];
  let hit: boolean;
  switch (key) {
    case 'name':
      hit = secret.name.startsWith(value);
      break;
    case 'description':
      hit = (secret.description ?? '').toLowerCase().startsWith(value.toLowerCase());
      break;
    case 'tag-key':
      hit = tags.some((t) => t.Key.startsWith(value));
      break;
    case 'tag-value':
      hit = tags.some((t) => t.Value.startsWith(value));
      break;
    case 'primary-region':
      hit = ctx.scope.region.startsWith(value);
      break;
    case 'owning-service':
      // No secret here is owned by another service.
      hit = false;
      break;
    default: {
      const haystack = [secret.name, secret.description ?? '', ...tags.flatMap((t) => [t.Key, t.Value])].join(' ').toLowerCase();
      hit = value.toLowerCase().split(/\s+/).filter((w) => w !== '').every((w) => haystack.includes(w));
    }
  }
  return negated ? !hit : hit;
}

/** Filters are ANDed; the values of one filter are ORed. */
function matches(ctx: OperationContext, store: SecretRepository, secret: SecretRow, filters: ReadonlyArray<Filter>): boolean {
  return filters.every((f) => (f.Values ?? []).some((v) => valueMatches(ctx, store, secret, f.Key ?? 'all', v)));
}

function sortKey(secret: SecretRow, by: string): string | number {
  switch (by) {
    case 'name':
      return secret.name;
    case 'last-accessed-date':
      return secret.lastAccessedAt ?? 0;
    case 'last-changed-date':
      return secret.lastChangedAt;
    default:
      return secret.createdAt;
  }
}

function selected(ctx: OperationContext, filters: ReadonlyArray<Filter>, includeDeleted: boolean, by = 'created-date', order = 'asc'): Array<SecretRow> {
  const store = SecretRepository.of(ctx.repo.db);
  const rows = store.all().filter((s) => (includeDeleted || s.deletedAt === null) && matches(ctx, store, s, filters));
  const sign = order === 'desc' ? -1 : 1;
  return rows.sort((a, b) => {
    const ka = sortKey(a, by);
    const kb = sortKey(b, by);
    return (ka < kb ? -1 : ka > kb ? 1 : a.arn < b.arn ? -1 : 1) * sign;
  });
}

export const listSecrets: Handler<'ListSecrets'> = (ctx, input) => {
  authorizeSecret(ctx, 'secretsmanager:ListSecrets', null, input);
  const limit = input.MaxResults ?? 100;
  const offset = decodeToken('ListSecrets', input.NextToken);
  const rows = selected(ctx, input.Filters ?? [], input.IncludePlannedDeletion === true, input.SortBy, input.SortOrder);
  const store = SecretRepository.of(ctx.repo.db);
  const page = rows.slice(offset, offset + limit);
  return {
    SecretList: page.map((s) => {
      const tags = store.tags(s.arn);
      return {
        ARN: s.arn,
        Name: s.name,
        ...(s.description === null ? {} : { Description: s.description }),
        ...kmsKeyIdField(ctx, s),
        LastChangedDate: new Date(s.lastChangedAt),
        ...(s.lastAccessedAt === null ? {} : { LastAccessedDate: new Date(s.lastAccessedAt) }),
        ...(s.deletedAt === null ? {} : { DeletedDate: new Date(s.deletedAt) }),
        ...(tags.length === 0 ? {} : { Tags: tags }),
        SecretVersionsToStages: Object.fromEntries(store.stagesByVersion(s.arn)),
        CreatedDate: new Date(s.createdAt),
      };
    }),
    ...(offset + limit < rows.length ? { NextToken: encodeToken('ListSecrets', offset + limit) } : {}),
  };
};

export const listSecretVersionIds: Handler<'ListSecretVersionIds'> = (ctx, input) => {
  const secret = findSecret(ctx, input.SecretId);
  ctx.touchResource(secret.arn);
  authorizeSecret(ctx, 'secretsmanager:ListSecretVersionIds', secret, input);
  const store = SecretRepository.of(ctx.repo.db);
  const stages = store.stagesByVersion(secret.arn);
  const versions = store.versions(secret.arn).filter((v) => input.IncludeDeprecated === true || stages.has(v.versionId));
  const limit = input.MaxResults ?? 100;
  const offset = decodeToken('ListSecretVersionIds', input.NextToken);
  return {
    Versions: versions.slice(offset, offset + limit).map((v) => ({
      VersionId: v.versionId,
      VersionStages: stages.get(v.versionId) ?? [],
      ...(v.lastAccessedAt === null ? {} : { LastAccessedDate: new Date(v.lastAccessedAt) }),
      CreatedDate: new Date(v.createdAt),
      KmsKeyIds: [v.kmsKeyId],
    })),
    ...(offset + limit < versions.length ? { NextToken: encodeToken('ListSecretVersionIds', offset + limit) } : {}),
    ARN: secret.arn,
    Name: secret.name,
  };
};

export const batchGetSecretValue: Handler<'BatchGetSecretValue'> = (ctx, input) => {
  if ((input.SecretIdList === undefined) === (input.Filters === undefined)) {
    throw new InvalidParameterException('Either SecretIdList or Filters must be provided, but not both.');
  }
  if (input.SecretIdList !== undefined && (input.MaxResults !== undefined || input.NextToken !== undefined)) {
    throw new InvalidParameterException('MaxResults and NextToken can only be used with Filters.');
  }
  authorizeSecret(ctx, 'secretsmanager:BatchGetSecretValue', null, input);
  let ids: ReadonlyArray<string>;
  let next: string | undefined;
  if (input.SecretIdList !== undefined) {
    ids = input.SecretIdList;
  } else {
    authorizeSecret(ctx, 'secretsmanager:ListSecrets', null, input);
    const limit = input.MaxResults ?? 20;
    const offset = decodeToken('BatchGetSecretValue', input.NextToken);
    const rows = selected(ctx, input.Filters ?? [], false);
    ids = rows.slice(offset, offset + limit).map((s) => s.arn);
    next = offset + limit < rows.length ? encodeToken('BatchGetSecretValue', offset + limit) : undefined;
  }
  const values: Array<Readonly<Record<string, unknown>>> = [];
  const errors: Array<{ SecretId: string; ErrorCode: string; Message: string }> = [];
  for (const id of ids) {
    try {
      values.push(ctx.callSecrets('GetSecretValue', { SecretId: id }) as Readonly<Record<string, unknown>>);
    } catch (err) {
      if (!(err instanceof KmsError)) {
        throw err;
      }
      errors.push({ SecretId: id, ErrorCode: err.name, Message: err.message });
    }
  }
  return { SecretValues: values, Errors: errors, ...(next === undefined ? {} : { NextToken: next }) };
};
