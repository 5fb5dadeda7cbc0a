// PutKeyPolicy, GetKeyPolicy, ListKeyPolicies (reference §3.6, §10), and the lockout safety
// check CreateKey shares: a new policy must still let the caller change the policy later.

import type { Handler, KeyedHandler, OperationContext } from '../context.ts';
import { MalformedPolicyDocumentException, ValidationException } from '../errors.ts';
import type { BoundKeyPolicy } from '../policy/evaluate.ts';
import { resolveKey } from '../resolve.ts';
import type { KeyRow } from '../store/repository.ts';
import { decodeMarker } from './paging.ts';

export const POLICY_NAME = 'default';

function checkPolicyName(name: string | undefined): void {
  if (name !== undefined && name !== POLICY_NAME) {
    throw new ValidationException(`A key has one policy, named "${POLICY_NAME}"; PolicyName '${name}' is not it. Omit PolicyName or pass "${POLICY_NAME}".`);
  }
}

/**
 * The lockout safety check (reference §10.6): refuses a policy under which the calling principal
 * could not call PutKeyPolicy on the key again, unless the request bypasses the check.
 */
export function checkLockout(ctx: OperationContext, key: KeyRow, bound: BoundKeyPolicy, input: Readonly<Record<string, unknown>>): void {
  if (input.BypassPolicyLockoutSafetyCheck === true) {
    return;
  }
  const decision = ctx.access.decide({ caller: ctx.caller, action: 'kms:PutKeyPolicy', key, input, now: ctx.clock.now(), keyPolicy: bound });
  if (decision.decision !== 'Allow') {
    throw new MalformedPolicyDocumentException(
      `The new key policy will not allow you to update the key policy in the future (${decision.explanation}) Allow ${ctx.caller.arn} (or its account, arn:aws:iam::${ctx.scope.accountId}:root) kms:PutKeyPolicy, or set BypassPolicyLockoutSafetyCheck if you mean to give up control of this key.`,
    );
  }
}

export const putKeyPolicy: Handler<'PutKeyPolicy'> = (ctx, input) => {
  const key = resolveKey(ctx, input.KeyId, 'keyOnly');
  checkPolicyName(input.PolicyName);
  ctx.authorize('kms:PutKeyPolicy', key);
  const bound = ctx.access.bindKeyPolicy(input.Policy);
  checkLockout(ctx, key, bound, input);
  ctx.repo.setPolicy(key.keyId, input.Policy, bound.bindingsJson);
  return {};
};

export const getKeyPolicy: Handler<'GetKeyPolicy'> = (ctx, input) => {
  const key = resolveKey(ctx, input.KeyId, 'keyOnly');
  checkPolicyName(input.PolicyName);
  ctx.authorize('kms:GetKeyPolicy', key);
  return { Policy: ctx.access.displayPolicy(key), PolicyName: POLICY_NAME };
};

export const listKeyPolicies: KeyedHandler<'ListKeyPolicies'> = (_ctx, input, _key) => {
  // One policy always fits one page, so no marker is ever issued: any marker is foreign.
  decodeMarker('ListKeyPolicies', input.Marker);
  return { PolicyNames: [POLICY_NAME], Truncated: false };
};
