// The first checks of every cryptographic operation, in AWS's order: the caller may perform the
// action on the key, the key's state allows cryptography, its KeyUsage is the one needed.

import type { KeyUsage } from '../../../shared/api/operations.ts';
import type { OperationContext } from '../context.ts';
import { InvalidKeyUsageException } from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { requireState, type StateRow } from '../key-state.ts';
import type { KeyRow } from '../store/repository.ts';

/** Throws the AWS error unless the caller may `action` and `key` may be used for `usage` now; returns its ARN. */
export function requireKeyForUse(ctx: OperationContext, key: KeyRow, usage: KeyUsage, action: string): string {
  return checkKeyStep(ctx, key, { action, state: 'cryptographic', usage });
}

/**
 * The checks of a key step after resolution, in AWS's order: authorize `action` on the key (the
 * quorum rule with it), then its state, then its usage. Returns the key's ARN. The pipeline runs
 * it for declared key steps (key-steps.ts); handlers that resolve their own keys call it too.
 */
export function checkKeyStep(ctx: OperationContext, key: KeyRow, step: { readonly action: string; readonly state?: StateRow | undefined; readonly usage?: KeyUsage | undefined }): string {
  ctx.authorize(step.action, key);
  const arn = keyArn(ctx.scope, key.keyId);
  if (step.state !== undefined) {
    requireState(step.state, key.keyState, arn);
  }
  if (step.usage !== undefined && key.keyUsage !== step.usage) {
    throw new InvalidKeyUsageException(`${arn} has KeyUsage ${key.keyUsage}; ${ctx.operation} needs ${/^[AEIOU]/.test(step.usage) ? 'an' : 'a'} ${step.usage} key.`);
  }
  return arn;
}
