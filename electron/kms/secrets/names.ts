// Secret names and ARNs as Secrets Manager issues them: arn:aws:secretsmanager:<region>:
// <account>:secret:<name>-<6 random characters>, so a secret re-created under an old name gets a
// new ARN and a policy naming the old one does not silently cover it. A SecretId is a name, a
// full ARN, or a partial ARN (the ARN without the suffix).

import { randomInt } from 'node:crypto';
import type { OperationContext } from '../context.ts';
import { InvalidParameterException, InvalidRequestException, ResourceNotFoundException } from '../errors.ts';
import type { Scope } from '../identifiers.ts';
import { SecretRepository, type SecretRow } from './store.ts';

const NAME = /^[A-Za-z0-9/_+=.@-]+$/;
const SUFFIX_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** @throws InvalidParameterException with AWS's wording for a name with other characters. */
export function checkSecretName(name: string): void {
  if (!NAME.test(name)) {
    throw new InvalidParameterException(
      `Invalid name '${name}'. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!`,
    );
  }
}

export function secretArnPrefix(scope: Scope): string {
  return `arn:aws:secretsmanager:${scope.region}:${scope.accountId}:secret:`;
}

export function newSecretArn(scope: Scope, name: string): string {
  let suffix = '';
  for (let i = 0; i < 6; i++) {
    suffix += SUFFIX_CHARS[randomInt(SUFFIX_CHARS.length)];
  }
  return `${secretArnPrefix(scope)}${name}-${suffix}`;
}

function notFound(): never {
  throw new ResourceNotFoundException("Secrets Manager can't find the specified secret.");
}

/** The secret a SecretId names (deleted ones included). @throws ResourceNotFoundException */
export function findSecret(ctx: Pick<OperationContext, 'repo' | 'scope'>, secretId: string): SecretRow {
  const store = SecretRepository.of(ctx.repo.db);
  if (!secretId.startsWith('arn:')) {
    return store.byName(secretId) ?? notFound();
  }
  const prefix = secretArnPrefix(ctx.scope);
  if (!secretId.startsWith(prefix)) {
    return notFound();
  }
  const full = store.byArn(secretId);
  if (full !== null) {
    return full;
  }
  // A partial ARN: the ARN of a secret without its six-character suffix.
  const named = store.byName(secretId.slice(prefix.length));
  return named ?? notFound();
}

/** The secret, refused with AWS's error if it is scheduled for deletion. */
export function liveSecret(ctx: Pick<OperationContext, 'repo' | 'scope'>, secretId: string): SecretRow {
  const secret = findSecret(ctx, secretId);
  if (secret.deletedAt !== null) {
    throw new InvalidRequestException("You can't perform this operation on the secret because it was marked for deletion.");
  }
  return secret;
}
