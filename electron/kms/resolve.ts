// Turning a KeyId from a request into a key. Cryptographic operations and DescribeKey accept a
// key id, key ARN, alias name or alias ARN; management operations only a key id or key ARN
// (docs/aws-kms.md §5). Every miss is NotFoundException with the identifier the caller gave.

import type { OperationContext } from './context.ts';

/**
 * What resolving needs of a call: the pipeline's context, or a lookup outside any call. With the
 * root key and clock (a call's context), a predefined managed alias (alias/aws/secretsmanager)
 * that has no key yet gets its managed key, as AWS creates one on first use.
 */
export type ResolveContext = Pick<OperationContext, 'operation' | 'repo' | 'scope' | 'touch'> & Partial<Pick<OperationContext, 'rootKey' | 'clock'>>;
import { NotFoundException } from './errors.ts';
import { managedKey, managedServiceOf } from './managed-keys.ts';
import { aliasArn, checkAliasName, isKeyUuid, keyArn, parseKmsArn } from './identifiers.ts';
import type { KeyRow } from './store/repository.ts';

export type KeyIdForms = 'keyOrAlias' | 'keyOnly';

function keyById(ctx: ResolveContext, keyId: string, shown: string): KeyRow {
  const key = ctx.repo.getKey(keyId);
  if (key === null) {
    throw new NotFoundException(`Key '${shown}' does not exist.`);
  }
  return key;
}

function keyByAlias(ctx: ResolveContext, aliasName: string): KeyRow {
  checkAliasName(aliasName, false);
  const alias = ctx.repo.getAlias(aliasName);
  const service = alias === null ? managedServiceOf(aliasName) : null;
  if (service !== null && ctx.rootKey !== undefined && ctx.clock !== undefined) {
    return managedKey({ repo: ctx.repo, rootKey: ctx.rootKey, clock: ctx.clock, scope: ctx.scope }, service);
  }
  if (alias === null) {
    throw new NotFoundException(`Alias ${aliasArn(ctx.scope, aliasName)} is not found.`);
  }
  return keyById(ctx, alias.keyId, keyArn(ctx.scope, alias.keyId));
}

function onlyKeyIds(ctx: ResolveContext, given: string): never {
  throw new NotFoundException(
    `${ctx.operation} accepts a key id or key ARN, not an alias ('${given}'). Use DescribeKey to find the key id of an alias.`,
  );
}

export function resolveKey(ctx: ResolveContext, given: string, forms: KeyIdForms): KeyRow {
  let key: KeyRow;
  if (given.startsWith('arn:')) {
    const arn = parseKmsArn(given);
    if (arn.accountId !== ctx.scope.accountId || arn.region !== ctx.scope.region) {
      throw new NotFoundException(
        `'${given}' names account ${arn.accountId} in region ${arn.region}; this installation is account ${ctx.scope.accountId} in region ${ctx.scope.region}.`,
      );
    }
    if (arn.resourceType === 'alias') {
      key = forms === 'keyOnly' ? onlyKeyIds(ctx, given) : keyByAlias(ctx, arn.resource);
    } else {
      key = keyById(ctx, arn.resource, given);
    }
  } else if (given.startsWith('alias/')) {
    key = forms === 'keyOnly' ? onlyKeyIds(ctx, given) : keyByAlias(ctx, given);
  } else if (isKeyUuid(given)) {
    key = keyById(ctx, given, keyArn(ctx.scope, given));
  } else {
    throw new NotFoundException(
      `Invalid keyId '${given}': use a key id (a UUID), a key ARN${forms === 'keyOrAlias' ? ', an alias name (alias/…) or an alias ARN' : ''}.`,
    );
  }
  ctx.touch(key);
  return key;
}
