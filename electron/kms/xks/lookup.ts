// A logical key store credential as the XKS surface's SigV4 check needs it: the clear secret (for
// one check), the caller AWS KMS is recorded as, and the store the credential belongs to.

import type { EngineServices } from '../context.ts';
import type { Caller } from '../iam/caller.ts';

export type XksCredentialLookup = {
  readonly caller: Omit<Caller, 'sourceIp' | 'userAgent'>;
  readonly secret: string;
  readonly keyStoreId: string;
  /** '' or '/seg/…': the prefix the store's URIs must start with. */
  readonly uriPrefix: string;
};

/** The ARN audit records name AWS KMS by when it calls for a logical key store. */
export function xksCallerArn(scope: { readonly region: string; readonly accountId: string }, keyStoreId: string): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:xks-key-store/${keyStoreId}`;
}

export function xksCredentialLookup(s: EngineServices, accessKeyId: string): XksCredentialLookup | null {
  const unlocked = s.xks.unlockCredential(accessKeyId, s.rootKey());
  const store = unlocked === null ? null : s.xks.store(unlocked.keyStoreId);
  if (unlocked === null || store === null) {
    return null;
  }
  return {
    caller: { type: 'AWSService', arn: xksCallerArn(s.scope, store.keyStoreId), principalId: store.keyStoreId, accessKeyId },
    secret: unlocked.secret,
    keyStoreId: store.keyStoreId,
    uriPrefix: store.uriPrefix,
  };
}
