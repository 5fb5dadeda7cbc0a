// The first checks of every cryptographic operation, in AWS's order: the caller may perform the
// action on the key, the key's state allows cryptography, its KeyUsage is the one needed.

import type { KeyUsage } from '../../../shared/api/operations.ts';
import type { OperationContext } from '../context.ts';
import { InvalidKeyUsageException } from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { requireState } from '../key-state.ts';
import type { KeyRow } from '../store/repository.ts';

/** Throws the AWS error unless the caller may `action` and `key` may be used for `usage` now; returns its ARN. */
export function requireKeyForUse(ctx: OperationContext, key: KeyRow, usage: KeyUsage, action: string): string {
  ctx.authorize(action, key);
  const arn = keyArn(ctx.scope, key.keyId);
  requireState('cryptographic', key.keyState, arn);
  if (key.keyUsage !== usage) {
    throw new InvalidKeyUsageException(`${arn} has KeyUsage ${key.keyUsage}; ${ctx.operation} needs ${/^[AEIOU]/.test(usage) ? 'an' : 'a'} ${usage} key.`);
  }
  return arn;
}
