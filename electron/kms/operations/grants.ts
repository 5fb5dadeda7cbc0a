// Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant (reference §3.7,
// §11). A grant adds an Allow for one principal and some operations on one key, optionally only
// with a given encryption context. Grants apply the moment they are stored, so a grant token is
// usable at once (and only needs to be valid).

import type { Handler, KeyedHandler, OperationContext } from '../context.ts';
import {
  AccessDeniedException,
  InvalidGrantIdException,
  LimitExceededException,
  NotFoundException,
  ValidationException,
} from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { requireState } from '../key-state.ts';
import { AccessControl } from '../policy/access-control.ts';
import type { GrantConstraints } from '../policy/evaluate.ts';
import { resolveKey } from '../resolve.ts';
import type { GrantRow } from '../store/grants.ts';
import type { KeyRow } from '../store/repository.ts';
import { dryRunSucceeded } from './encryption.ts';
import { decodeMarker, encodeMarker, page } from './paging.ts';

/** AWS's quota of grants per KMS key. */
export const MAX_GRANTS_PER_KEY = 50_000;
const MAX_CONSTRAINT_PAIRS = 8;
const MAX_CONSTRAINT_VALUE = 384;

const COMMON_OPERATIONS = ['DescribeKey', 'CreateGrant', 'RetireGrant'];
const CONTEXT_FREE_OPERATIONS = new Set(['Sign', 'Verify', 'GetPublicKey', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret']);

/** The grant operations that suit a key (reference §11): a grant cannot allow what the key cannot do. */
function operationsFor(key: KeyRow): ReadonlyArray<string> {
  switch (key.keyUsage) {
    case 'ENCRYPT_DECRYPT':
      return key.keySpec === 'SYMMETRIC_DEFAULT'
        ? ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', ...COMMON_OPERATIONS]
        : ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey', ...COMMON_OPERATIONS];
    case 'SIGN_VERIFY':
      return ['Sign', 'Verify', 'GetPublicKey', ...COMMON_OPERATIONS];
    case 'GENERATE_VERIFY_MAC':
      return ['GenerateMac', 'VerifyMac', ...COMMON_OPERATIONS];
    case 'KEY_AGREEMENT':
      return ['DeriveSharedSecret', 'GetPublicKey', ...COMMON_OPERATIONS];
  }
}

function checkConstraints(ctx: OperationContext, key: KeyRow, operations: ReadonlyArray<string>, constraints: GrantConstraints | undefined): GrantConstraints | null {
  if (constraints === undefined) {
    return null;
  }
  const { EncryptionContextSubset: subset, EncryptionContextEquals: equals } = constraints;
  if (subset !== undefined && equals !== undefined) {
    throw new ValidationException('Constraints take EncryptionContextSubset or EncryptionContextEquals, not both.');
  }
  const pairs = subset ?? equals;
  if (pairs === undefined) {
    return null;
  }
  if (key.keySpec !== 'SYMMETRIC_DEFAULT' || operations.some((o) => CONTEXT_FREE_OPERATIONS.has(o))) {
    throw new ValidationException(
      `Encryption context constraints apply only to operations that take an encryption context, with a symmetric encryption key; ${keyArn(ctx.scope, key.keyId)} is ${key.keySpec}${operations.some((o) => CONTEXT_FREE_OPERATIONS.has(o)) ? ` and the grant allows ${operations.filter((o) => CONTEXT_FREE_OPERATIONS.has(o)).join(', ')}` : ''}. Remove Constraints.`,
    );
  }
  const entries = Object.entries(pairs);
  if (entries.length > MAX_CONSTRAINT_PAIRS || entries.some(([, v]) => v.length > MAX_CONSTRAINT_VALUE)) {
    throw new ValidationException(`A grant constraint holds at most ${MAX_CONSTRAINT_PAIRS} pairs, each value at most ${MAX_CONSTRAINT_VALUE} characters.`);
  }
  return subset !== undefined ? { EncryptionContextSubset: subset } : { EncryptionContextEquals: pairs };
}

type NamedPrincipal = { readonly arn: string; readonly id: string | null };

/**
 * A GranteePrincipal or RetiringPrincipal: a principal ARN. Users and roles of this account must
 * exist and are bound to their unique id; other accounts' principals are kept as named (no local
 * caller is one).
 */
function grantPrincipal(ctx: OperationContext, given: string, member: string): NamedPrincipal {
  const m = /^arn:aws:(iam|sts)::(\d{12}):(.+)$/.exec(given);
  if (m === null) {
    throw new ValidationException(`${member} '${given}' is not a principal ARN: use arn:aws:iam::<account>:root, …:user/<name> or …:role/<name>.`);
  }
  if (m[2] !== ctx.scope.accountId || m[1] === 'sts' || m[3] === 'root') {
    return { arn: given, id: null };
  }
  const principal = ctx.principals.byArn(given);
  if (principal === null) {
    throw new ValidationException(`${member} ${given} does not exist in account ${ctx.scope.accountId}. Create it first (strongroom create-user / create-role).`);
  }
  return { arn: given, id: principal.principalId };
}

function sameRecord(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => b?.[k] === a?.[k]);
}

function sameGrant(g: GrantRow, grantee: NamedPrincipal, retiring: NamedPrincipal | null, operations: ReadonlyArray<string>, constraints: GrantConstraints | null): boolean {
  return (
    g.granteeArn === grantee.arn &&
    g.granteeId === grantee.id &&
    g.retiringArn === (retiring?.arn ?? null) &&
    g.operations.length === operations.length &&
    g.operations.every((o) => operations.includes(o)) &&
    sameRecord(g.constraints?.EncryptionContextSubset, constraints?.EncryptionContextSubset) &&
    sameRecord(g.constraints?.EncryptionContextEquals, constraints?.EncryptionContextEquals) &&
    (g.constraints === null) === (constraints === null)
  );
}

/** Is a child grant no broader than its parent (reference §11: operations ⊆, constraints at least as strict)? */
function withinGrant(parent: GrantRow, operations: ReadonlyArray<string>, constraints: GrantConstraints | null): boolean {
  if (!operations.every((o) => parent.operations.includes(o))) {
    return false;
  }
  const p = parent.constraints;
  if (p === null) {
    return true;
  }
  const contains = (outer: Readonly<Record<string, string>> | undefined, inner: Readonly<Record<string, string>>) =>
    outer !== undefined && Object.entries(inner).every(([k, v]) => outer[k] === v);
  if (p.EncryptionContextEquals !== undefined) {
    return constraints?.EncryptionContextEquals !== undefined && sameRecord(constraints.EncryptionContextEquals, p.EncryptionContextEquals);
  }
  const required = p.EncryptionContextSubset ?? {};
  return contains(constraints?.EncryptionContextSubset ?? constraints?.EncryptionContextEquals, required);
}

function entry(ctx: OperationContext, g: GrantRow) {
  return {
    KeyId: keyArn(ctx.scope, g.keyId),
    GrantId: g.grantId,
    ...(g.name === null ? {} : { Name: g.name }),
    CreationDate: new Date(g.createdAt),
    GranteePrincipal: g.granteeArn,
    ...(g.retiringArn === null ? {} : { RetiringPrincipal: g.retiringArn }),
    IssuingAccount: `arn:aws:iam::${g.issuingAccount}:root`,
    Operations: [...g.operations],
    ...(g.constraints === null ? {} : { Constraints: g.constraints }),
  };
}

export const createGrant: Handler<'CreateGrant'> = (ctx, input) => {
  const key = resolveKey(ctx, input.KeyId, 'keyOnly');
  const arn = keyArn(ctx.scope, key.keyId);
  const decision = ctx.access.decide({ caller: ctx.caller, action: 'kms:CreateGrant', key, input, now: ctx.clock.now() });
  if (decision.decision !== 'Allow') {
    throw new AccessDeniedException(decision.message);
  }
  requireState('createGrant', key.keyState, arn);
  const operations = [...new Set(input.Operations)];
  if (operations.length === 0) {
    throw new ValidationException('Operations must name at least one operation the grant allows.');
  }
  const suitable = operationsFor(key);
  const unsuitable = operations.filter((o) => !suitable.includes(o));
  if (unsuitable.length > 0) {
    throw new ValidationException(`${arn} is a ${key.keySpec} ${key.keyUsage} key, so a grant for it cannot allow ${unsuitable.join(', ')}; it can allow ${suitable.join(', ')}.`);
  }
  const constraints = checkConstraints(ctx, key, operations, input.Constraints);
  const grantee = grantPrincipal(ctx, input.GranteePrincipal, 'GranteePrincipal');
  const retiring = input.RetiringPrincipal === undefined ? null : grantPrincipal(ctx, input.RetiringPrincipal, 'RetiringPrincipal');

  // Allowed only by grants: the new grant may be no broader than one of them.
  if (decision.statements.every((s) => s.source === 'Grant')) {
    const parents = decision.statements.map((s) => ctx.grants.get(s.grantId ?? '')).filter((g): g is GrantRow => g !== null);
    if (!parents.some((p) => withinGrant(p, operations, constraints))) {
      throw new AccessDeniedException(
        `User: ${ctx.caller.arn} is not authorized to perform: kms:CreateGrant on resource: ${arn} because the grant that allows it is narrower than the requested grant (operations must be a subset, constraints at least as strict)`,
      );
    }
  }
  if (input.DryRun === true) {
    return dryRunSucceeded();
  }
  if (input.Name !== undefined) {
    const same = ctx.grants.byName(key.keyId, input.Name).find((g) => sameGrant(g, grantee, retiring, operations, constraints));
    if (same !== undefined) {
      return { GrantId: same.grantId, GrantToken: ctx.access.grantToken(same.grantId) };
    }
  }
  if (ctx.grants.count(key.keyId) >= MAX_GRANTS_PER_KEY) {
    throw new LimitExceededException(`${arn} already has the maximum of ${MAX_GRANTS_PER_KEY} grants. Retire or revoke some first.`);
  }
  const grantId = AccessControl.newGrantId();
  ctx.grants.insert({
    grantId,
    keyId: key.keyId,
    name: input.Name ?? null,
    granteeArn: grantee.arn,
    granteeId: grantee.id,
    retiringArn: retiring?.arn ?? null,
    retiringId: retiring?.id ?? null,
    operations,
    constraints,
    issuingAccount: ctx.scope.accountId,
    createdAt: ctx.clock.now(),
  });
  return { GrantId: grantId, GrantToken: ctx.access.grantToken(grantId) };
};

function checkGrantId(grantId: string): void {
  if (!/^[0-9a-f]{64}$/.test(grantId)) {
    throw new InvalidGrantIdException(`'${grantId}' is not a grant id: grant ids are 64 hexadecimal characters, as CreateGrant and ListGrants return them.`);
  }
}

export const listGrants: KeyedHandler<'ListGrants'> = (ctx, input, key) => {
  if (input.GrantId !== undefined) {
    checkGrantId(input.GrantId);
  }
  const limit = input.Limit ?? 50;
  const after = decodeMarker('ListGrants', input.Marker);
  const matches = (g: GrantRow) => (input.GrantId === undefined || g.grantId === input.GrantId) && (input.GranteePrincipal === undefined || g.granteeArn === input.GranteePrincipal);
  // Filters apply within the key's grants, read in pages so a filtered list still pages by id.
  const rows: Array<GrantRow> = [];
  let cursor = after === null ? '' : String(after[0]);
  for (;;) {
    const chunk = ctx.grants.page(key.keyId, cursor, 500);
    rows.push(...chunk.filter(matches));
    if (chunk.length < 500 || rows.length > limit) {
      break;
    }
    cursor = chunk.at(-1)?.grantId ?? cursor;
  }
  const { items, truncated } = page(rows, limit);
  const last = items.at(-1);
  return {
    Grants: items.map((g) => entry(ctx, g)),
    Truncated: truncated,
    ...(truncated && last !== undefined ? { NextMarker: encodeMarker('ListGrants', [last.grantId]) } : {}),
  };
};

export const listRetirableGrants: Handler<'ListRetirableGrants'> = (ctx, input) => {
  ctx.authorize('kms:ListRetirableGrants', null);
  if (!/^arn:aws:(iam|sts)::\d{12}:.+$/.test(input.RetiringPrincipal)) {
    throw new ValidationException(`RetiringPrincipal '${input.RetiringPrincipal}' is not a principal ARN (arn:aws:iam::<account>:user/<name>).`);
  }
  const limit = input.Limit ?? 50;
  const after = decodeMarker('ListRetirableGrants', input.Marker);
  const rows = ctx.grants.retirable(input.RetiringPrincipal, after === null ? '' : String(after[0]), limit + 1);
  const { items, truncated } = page(rows, limit);
  const last = items.at(-1);
  return {
    Grants: items.map((g) => entry(ctx, g)),
    Truncated: truncated,
    ...(truncated && last !== undefined ? { NextMarker: encodeMarker('ListRetirableGrants', [last.grantId]) } : {}),
  };
};

/** The grant a RetireGrant or RevokeGrant names by KeyId and GrantId. */
function grantOfKey(ctx: OperationContext, key: KeyRow, grantId: string): GrantRow {
  checkGrantId(grantId);
  const grant = ctx.grants.get(grantId);
  if (grant === null || grant.keyId !== key.keyId) {
    throw new NotFoundException(`Grant ${grantId} does not exist for ${keyArn(ctx.scope, key.keyId)}; ListGrants lists the key's grants.`);
  }
  return grant;
}

/**
 * Who may retire a grant (reference §11): its retiring principal; its grantee when it allows
 * RetireGrant; the issuing account (the root, or a principal whose identity policy allows
 * kms:RetireGrant on the key).
 */
function mayRetire(ctx: OperationContext, grant: GrantRow, input: Readonly<Record<string, unknown>>): boolean {
  const caller = ctx.caller;
  const isCaller = (arn: string | null, id: string | null) => arn === caller.arn && (id === null || id === caller.principalId);
  if (isCaller(grant.retiringArn, grant.retiringId)) {
    return true;
  }
  if (grant.operations.includes('RetireGrant') && isCaller(grant.granteeArn, grant.granteeId)) {
    return true;
  }
  const key = ctx.repo.getKey(grant.keyId);
  return ctx.access.decide({ caller, action: 'kms:RetireGrant', key, resource: keyArn(ctx.scope, grant.keyId), input, now: ctx.clock.now() }).decision === 'Allow';
}

export const retireGrant: Handler<'RetireGrant'> = (ctx, input) => {
  let grant: GrantRow;
  if (input.GrantToken !== undefined) {
    grant = ctx.access.grantForToken(input.GrantToken);
    const key = ctx.repo.getKey(grant.keyId);
    if (key !== null) {
      ctx.touch(key);
    }
  } else if (input.KeyId !== undefined && input.GrantId !== undefined) {
    grant = grantOfKey(ctx, resolveKey(ctx, input.KeyId, 'keyOnly'), input.GrantId);
  } else {
    throw new ValidationException('RetireGrant needs a GrantToken, or a KeyId and a GrantId.');
  }
  if (!mayRetire(ctx, grant, input)) {
    throw new AccessDeniedException(
      `User: ${ctx.caller.arn} is not authorized to perform: kms:RetireGrant on resource: ${keyArn(ctx.scope, grant.keyId)} because it is not the grant's retiring principal, nor its grantee with RetireGrant, nor allowed by an identity-based policy of the issuing account`,
    );
  }
  if (input.DryRun === true) {
    return dryRunSucceeded();
  }
  ctx.grants.delete(grant.grantId);
  return {};
};

export const revokeGrant: KeyedHandler<'RevokeGrant'> = (ctx, input, key) => {
  const grant = grantOfKey(ctx, key, input.GrantId);
  if (input.DryRun === true) {
    return dryRunSucceeded();
  }
  ctx.grants.delete(grant.grantId);
  return {};
};
