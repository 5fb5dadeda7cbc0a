// Custody actions (decision D25): custodians, quorum rules and approval requests. Each resolves
// its key through the pipeline's resolver, so its audit record names the key (success, failure
// and refusal alike) and `audit query --key-id` finds it.

import { randomBytes } from 'node:crypto';
import { isOperationName, operations } from '../../../shared/api/operations.ts';
import type { StrongroomActionInput } from '../../../shared/api/strongroom-actions.ts';
import type { JsonObject } from '../audit/canonical.ts';
import type { OperationContext } from '../context.ts';
import { NotFoundException, ValidationException } from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { CLEAR_QUORUM_RULE, canonicalInput, REQUEST_FORMAT, SET_QUORUM_RULE, type ApprovalRequest } from '../quorum/approval.ts';
import { MAX_APPROVAL_LIFETIME_MS, QUORUM_GUARDED, type Custodian, type QuorumOutcome, type QuorumRule, type QuorumStore } from '../quorum/quorum.ts';
import { resolveKey } from '../resolve.ts';
import type { KeyRow } from '../store/repository.ts';
import { validateRequest } from '../validate.ts';

export const DEFAULT_APPROVAL_LIFETIME_MS = 60 * 60 * 1000;

export type QuorumRuleWithArn = QuorumRule & { readonly keyArn: string };

export function quorumAuditData(outcome: QuorumOutcome): JsonObject {
  return {
    quorum: {
      threshold: outcome.threshold,
      custodians: [...outcome.custodians],
      approvedBy: [...outcome.approvedBy],
      ...(outcome.problems.length > 0 ? { problems: [...outcome.problems] } : {}),
    },
  };
}

function expected(ctx: OperationContext, operation: string, arn: string, input: JsonObject): Parameters<QuorumStore['check']>[2] {
  return { installationId: ctx.installation.installationId, accountId: ctx.scope.accountId, region: ctx.scope.region, operation, input, keyArn: arn };
}

/**
 * The quorum check of a guarded call on `key`: nothing when the key has no rule; otherwise the
 * call's approvals must satisfy it (quorum/quorum.ts). Runs inside the call's transaction, so the
 * nonces it consumes are kept only if the call succeeds.
 */
export function checkQuorum(ctx: OperationContext, operation: string, key: KeyRow, input: Readonly<Record<string, unknown>>): void {
  const rule = ctx.quorum.getRule(key.keyId);
  if (rule === null) {
    return;
  }
  const arn = keyArn(ctx.scope, key.keyId);
  ctx.quorum.check(rule, ctx.approvals, expected(ctx, operation, arn, canonicalInput({ ...input, KeyId: arn })), ctx.clock.now(), (o) => ctx.reportQuorum(o));
}

/**
 * The key the request names: the one the pipeline already resolved from it (the table's keyOf),
 * or — when the request named none the pipeline could read — resolved here for the same error.
 */
function requestKey(ctx: OperationContext, resolved: KeyRow | undefined, given: unknown): KeyRow {
  return resolved ?? resolveKey(ctx, typeof given === 'string' ? given : '', 'keyOrAlias');
}

function ruleInput(arn: string, rule: { threshold: number; custodians: ReadonlyArray<string> }): JsonObject {
  return { KeyId: arn, Threshold: rule.threshold, Custodians: [...rule.custodians] };
}

function custodianResponse(c: Custodian): JsonObject {
  return { custodian: { name: c.name, fingerprint: c.fingerprint } };
}

export function addCustodian(ctx: OperationContext, input: StrongroomActionInput<'AddCustodian'>): Custodian {
  return ctx.quorum.addCustodian(input.CustodianName, input.PublicKeyPem, ctx.clock.now());
}

export function listCustodians(ctx: OperationContext): Array<Custodian & { readonly keys: ReadonlyArray<string> }> {
  const rules = ctx.quorum.listRules();
  return ctx.quorum.listCustodians().map((c) => ({ ...c, keys: rules.filter((r) => r.custodians.includes(c.name)).map((r) => keyArn(ctx.scope, r.keyId)) }));
}

export function removeCustodian(ctx: OperationContext, input: StrongroomActionInput<'RemoveCustodian'>): Custodian {
  return ctx.quorum.removeCustodian(input.CustodianName);
}

export function getQuorumRule(ctx: OperationContext, input: StrongroomActionInput<'GetQuorumRule'>, resolved: KeyRow | undefined): QuorumRuleWithArn | null {
  const key = requestKey(ctx, resolved, input.KeyId);
  const rule = ctx.quorum.getRule(key.keyId);
  return rule === null ? null : { ...rule, keyArn: keyArn(ctx.scope, key.keyId) };
}

/** The first rule on a key needs no approvals; changing an existing rule needs approvals that satisfy it. */
export function setQuorumRule(ctx: OperationContext, input: StrongroomActionInput<'SetQuorumRule'>, resolved: KeyRow | undefined): QuorumRuleWithArn {
  const key = requestKey(ctx, resolved, input.KeyId);
  const arn = keyArn(ctx.scope, key.keyId);
  const rule = ctx.quorum.normalizeRule(input.Threshold, input.Custodians);
  const current = ctx.quorum.getRule(key.keyId);
  if (current !== null) {
    ctx.quorum.check(current, ctx.approvals, expected(ctx, SET_QUORUM_RULE, arn, ruleInput(arn, rule)), ctx.clock.now(), (o) => ctx.reportQuorum(o));
  }
  const now = ctx.clock.now();
  ctx.quorum.setRule(key.keyId, rule.threshold, rule.custodians, now);
  return { keyId: key.keyId, keyArn: arn, threshold: rule.threshold, custodians: rule.custodians, updatedAt: now };
}

export function clearQuorumRule(ctx: OperationContext, input: StrongroomActionInput<'ClearQuorumRule'>, resolved: KeyRow | undefined): null {
  const key = requestKey(ctx, resolved, input.KeyId);
  const arn = keyArn(ctx.scope, key.keyId);
  const current = ctx.quorum.getRule(key.keyId);
  if (current === null) {
    throw new NotFoundException(`Key ${arn} has no quorum rule.`);
  }
  ctx.quorum.check(current, ctx.approvals, expected(ctx, CLEAR_QUORUM_RULE, arn, { KeyId: arn }), ctx.clock.now(), (o) => ctx.reportQuorum(o));
  ctx.quorum.clearRule(key.keyId);
  return null;
}

/**
 * The approval request for `Operation` with `Input` (as the CLI or an SDK would send it):
 * validated with the operation's schema, KeyId resolved to the key ARN, with a fresh nonce and
 * an expiry. The request is what custodians sign.
 */
export function createApprovalRequest(ctx: OperationContext, input: StrongroomActionInput<'CreateApprovalRequest'>, resolved: KeyRow | undefined): ApprovalRequest {
  const operation = input.Operation;
  const given = input.Input;
  const expiresInMs = input.ExpiresInMs ?? DEFAULT_APPROVAL_LIFETIME_MS;
  if (!Number.isSafeInteger(expiresInMs) || expiresInMs <= 0 || expiresInMs > MAX_APPROVAL_LIFETIME_MS) {
    throw new ValidationException('An approval request lives from one second up to 7 days: give its lifetime as 1h, 1d or 7d, for instance.', { inputs: ['expiresIn'] });
  }
  let canonical: JsonObject;
  if (operation === SET_QUORUM_RULE || operation === CLEAR_QUORUM_RULE) {
    const key = requestKey(ctx, resolved, given.KeyId);
    const arn = keyArn(ctx.scope, key.keyId);
    canonical =
      operation === CLEAR_QUORUM_RULE
        ? { KeyId: arn }
        : ruleInput(arn, ctx.quorum.normalizeRule(Number(given.Threshold), Array.isArray(given.Custodians) ? given.Custodians.map(String) : []));
  } else if (QUORUM_GUARDED.has(operation) && isOperationName(operation)) {
    // Blobs as the caller holds them: base64 text from the CLI's JSON, bytes from code.
    const blobs = Object.values(given).some((v) => v instanceof Uint8Array) ? 'bytes' : 'base64';
    const validated = validateRequest(operations[operation].input, given, blobs) as Record<string, unknown>;
    const key = requestKey(ctx, resolved, validated.KeyId);
    canonical = canonicalInput({ ...validated, KeyId: keyArn(ctx.scope, key.keyId) });
  } else {
    throw new ValidationException(
      `${operation} is not an operation a quorum rule guards. Approvals are for: ${[...QUORUM_GUARDED].filter((n) => isOperationName(n)).join(', ')}, ${SET_QUORUM_RULE}, ${CLEAR_QUORUM_RULE}.`,
    );
  }
  const now = ctx.clock.now();
  return {
    format: REQUEST_FORMAT,
    installationId: ctx.installation.installationId,
    accountId: ctx.scope.accountId,
    region: ctx.scope.region,
    operation,
    input: canonical,
    nonce: randomBytes(32).toString('base64url'),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + expiresInMs).toISOString(),
  };
}

export const custodyAudit = {
  custodianResponse,
  // The guarded input's values are not logged here (the guarded call's own record holds them, with
  // its schema's sensitive members dropped); the nonce ties this record to that call.
  approvalRequestRequest: (input: unknown): JsonObject | null => {
    const i = input as { Operation?: unknown; Input?: unknown };
    const keyId = typeof i.Input === 'object' && i.Input !== null ? (i.Input as { KeyId?: unknown }).KeyId : undefined;
    return { operation: typeof i.Operation === 'string' ? i.Operation : null, keyId: typeof keyId === 'string' ? keyId : null };
  },
  approvalRequestResponse: (r: ApprovalRequest): JsonObject => ({ nonce: r.nonce, keyArn: String(r.input.KeyId), expiresAt: r.expiresAt }),
};
