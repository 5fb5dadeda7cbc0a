// Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases (docs/aws-kms.md §3.5).

import type { Handler } from '../context.ts';
import { AlreadyExistsException, LimitExceededException, NotFoundException, ValidationException } from '../errors.ts';
import { aliasArn, checkAliasName, keyArn } from '../identifiers.ts';
import { requireState } from '../key-state.ts';
import { resolveKey } from '../resolve.ts';
import type { KeyRow } from '../store/repository.ts';
import { decodeMarker, encodeMarker, page } from './paging.ts';

export const MAX_ALIASES_PER_KEY = 50;

/** Symmetric, asymmetric and HMAC keys are different "types" for UpdateAlias's same-type rule. */
function keyType(key: KeyRow): string {
  if (key.keySpec === 'SYMMETRIC_DEFAULT') {
    return 'symmetric';
  }
  return key.keySpec.startsWith('HMAC_') ? 'HMAC' : 'asymmetric';
}

export const createAlias: Handler<'CreateAlias'> = (ctx, input) => {
  checkAliasName(input.AliasName, true);
  const key = resolveKey(ctx, input.TargetKeyId, 'keyOnly');
  // AWS authorizes alias operations on the alias (identity policies) and on the key (key policy).
  ctx.authorizeAlias('kms:CreateAlias', input.AliasName);
  ctx.authorize('kms:CreateAlias', key);
  requireState('createAlias', key.keyState, keyArn(ctx.scope, key.keyId));
  if (ctx.repo.getAlias(input.AliasName) !== null) {
    throw new AlreadyExistsException(`An alias with the name ${aliasArn(ctx.scope, input.AliasName)} already exists.`);
  }
  if (ctx.repo.countAliasesForKey(key.keyId) >= MAX_ALIASES_PER_KEY) {
    throw new LimitExceededException(`${keyArn(ctx.scope, key.keyId)} already has the maximum of ${MAX_ALIASES_PER_KEY} aliases.`);
  }
  ctx.repo.insertAlias(input.AliasName, key.keyId, ctx.clock.now());
  return {};
};

export const updateAlias: Handler<'UpdateAlias'> = (ctx, input) => {
  checkAliasName(input.AliasName, true);
  const alias = ctx.repo.getAlias(input.AliasName);
  if (alias === null) {
    throw new NotFoundException(`Alias ${aliasArn(ctx.scope, input.AliasName)} is not found.`);
  }
  const current = ctx.repo.getKey(alias.keyId);
  if (current !== null) {
    ctx.touch(current);
  }
  const target = resolveKey(ctx, input.TargetKeyId, 'keyOnly');
  ctx.authorizeAlias('kms:UpdateAlias', input.AliasName);
  if (current !== null) {
    ctx.authorize('kms:UpdateAlias', current);
  }
  ctx.authorize('kms:UpdateAlias', target);
  requireState('updateAliasTarget', target.keyState, keyArn(ctx.scope, target.keyId));
  if (current !== null && (keyType(current) !== keyType(target) || current.keyUsage !== target.keyUsage)) {
    throw new ValidationException(
      `${input.AliasName} points to a ${keyType(current)} ${current.keyUsage} key; it can only be moved to a key of the same type and usage, and ${keyArn(ctx.scope, target.keyId)} is a ${keyType(target)} ${target.keyUsage} key.`,
    );
  }
  if (ctx.repo.countAliasesForKey(target.keyId) >= MAX_ALIASES_PER_KEY && alias.keyId !== target.keyId) {
    throw new LimitExceededException(`${keyArn(ctx.scope, target.keyId)} already has the maximum of ${MAX_ALIASES_PER_KEY} aliases.`);
  }
  ctx.repo.retargetAlias(input.AliasName, target.keyId, ctx.clock.now());
  return {};
};

export const deleteAlias: Handler<'DeleteAlias'> = (ctx, input) => {
  checkAliasName(input.AliasName, true);
  const alias = ctx.repo.getAlias(input.AliasName);
  if (alias === null) {
    throw new NotFoundException(`Alias ${aliasArn(ctx.scope, input.AliasName)} is not found.`);
  }
  const key = ctx.repo.getKey(alias.keyId);
  if (key !== null) {
    ctx.touch(key);
  }
  ctx.authorizeAlias('kms:DeleteAlias', input.AliasName);
  if (key !== null) {
    ctx.authorize('kms:DeleteAlias', key);
  }
  ctx.repo.deleteAlias(input.AliasName);
  return {};
};

export const listAliases: Handler<'ListAliases'> = (ctx, input) => {
  ctx.authorize('kms:ListAliases', null);
  const key = input.KeyId === undefined ? null : resolveKey(ctx, input.KeyId, 'keyOnly');
  const limit = input.Limit ?? 50;
  const after = decodeMarker('ListAliases', input.Marker);
  const rows = ctx.repo.listAliases(key?.keyId ?? null, after === null ? '' : String(after[0]), limit + 1);
  const { items, truncated } = page(rows, limit);
  const last = items.at(-1);
  return {
    Aliases: items.map((a) => ({
      AliasName: a.aliasName,
      AliasArn: aliasArn(ctx.scope, a.aliasName),
      TargetKeyId: a.keyId,
      CreationDate: new Date(a.createdAt),
      LastUpdatedDate: new Date(a.updatedAt),
    })),
    Truncated: truncated,
    ...(truncated && last !== undefined ? { NextMarker: encodeMarker('ListAliases', [last.aliasName]) } : {}),
  };
};

