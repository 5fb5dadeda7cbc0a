// Administration of logical external key stores (owner only, like every Strongroom action):
// create one at a URI prefix with its first credential, expose and unexpose keys (an explicit
// opt-in per key), rotate credentials (old and new both active until the old is retired).

import type { StrongroomActionInput } from '../../../shared/api/strongroom-actions.ts';
import { XKS_MAX_URI_PATH, XKS_PATH_SUFFIX, XKS_URI_PREFIX } from '../../../shared/api/xks.ts';
import type { JsonObject } from '../audit/canonical.ts';
import type { OperationContext } from '../context.ts';
import { AlreadyExistsException, LimitExceededException, NotFoundException, UnsupportedOperationException, ValidationException } from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import type { KeyRow } from '../store/repository.ts';
import type { NewXksCredential, XksKeyStoreRow } from './store.ts';

/** A store holds its credential and, during a rotation, the next one. */
export const MAX_XKS_CREDENTIALS = 2;
/** Key specs an external key store can expose: 256-bit symmetric material held by Strongroom. */
const EXPOSABLE_SPECS: ReadonlySet<string> = new Set(['SYMMETRIC_DEFAULT', 'HMAC_256']);

export type XksKeyStoreSummary = {
  readonly KeyStoreId: string;
  readonly UriPrefix: string;
  readonly XksProxyUriPath: string;
  readonly CreationDate: Date;
  readonly AccessKeyIds: ReadonlyArray<string>;
  readonly Keys: ReadonlyArray<{ readonly KeyId: string; readonly KeyArn: string; readonly AwsPrincipals?: ReadonlyArray<string> }>;
};
export type CreatedXksKeyStore = { readonly KeyStoreId: string; readonly UriPrefix: string; readonly XksProxyUriPath: string } & NewXksCredential;
export type RotatedXksCredentials = { readonly KeyStoreId: string; readonly UriPrefix: string; readonly ActiveAccessKeyIds: ReadonlyArray<string> } & NewXksCredential;

/** '/' and '' both mean no prefix; a trailing '/' is dropped. */
export function normalizeUriPrefix(given: string): string {
  const prefix = given.endsWith('/') ? given.slice(0, -1) : given;
  if (!XKS_URI_PREFIX.test(prefix) || prefix.length + XKS_PATH_SUFFIX.length > XKS_MAX_URI_PATH) {
    throw new ValidationException(
      `URI prefix '${given}' is not usable: XksProxyUriPath (the prefix, then ${XKS_PATH_SUFFIX}) must be at most ${XKS_MAX_URI_PATH} characters of a–z, A–Z, 0–9, '/', '-' and '_', e.g. /keystores/team-a.`,
      { inputs: ['uriPrefix'] },
    );
  }
  return prefix;
}

export const shownPrefix = (prefix: string): string => (prefix === '' ? '/' : prefix);

/** A store named by its id (xks-…) or its URI prefix; none named: the only one there is. */
function resolveStore(ctx: OperationContext, given: string | undefined): XksKeyStoreRow {
  if (given === undefined) {
    const all = ctx.xks.stores();
    if (all.length === 1 && all[0] !== undefined) {
      return all[0];
    }
    throw new ValidationException(
      all.length === 0
        ? 'There is no external key store yet: create one first (CreateXksKeyStore with a URI prefix).'
        : `There are ${all.length} external key stores (${all.map((s) => shownPrefix(s.uriPrefix)).join(', ')}): name one by its URI prefix.`,
      { inputs: ['uriPrefix'] },
    );
  }
  const row = given.startsWith('xks-') ? ctx.xks.store(given) : ctx.xks.storeByPrefix(normalizeUriPrefix(given));
  if (row === null) {
    throw new NotFoundException(`There is no external key store '${given}' in this installation.`, { inputs: ['uriPrefix'] });
  }
  return row;
}

export function createXksKeyStore(ctx: OperationContext, input: StrongroomActionInput<'CreateXksKeyStore'>): CreatedXksKeyStore {
  const prefix = normalizeUriPrefix(input.UriPrefix);
  if (ctx.xks.storeByPrefix(prefix) !== null) {
    throw new AlreadyExistsException(`An external key store already serves URI prefix '${shownPrefix(prefix)}'.`, { inputs: ['uriPrefix'] });
  }
  const store = ctx.xks.createStore(prefix);
  const credential = ctx.xks.addCredential(store.keyStoreId, ctx.rootKey);
  return { KeyStoreId: store.keyStoreId, UriPrefix: shownPrefix(prefix), XksProxyUriPath: `${prefix}${XKS_PATH_SUFFIX}`, ...credential };
}

export function listXksKeyStores(ctx: OperationContext): Array<XksKeyStoreSummary> {
  return ctx.xks.stores().map((s) => ({
    KeyStoreId: s.keyStoreId,
    UriPrefix: shownPrefix(s.uriPrefix),
    XksProxyUriPath: `${s.uriPrefix}${XKS_PATH_SUFFIX}`,
    CreationDate: new Date(s.createdAt),
    AccessKeyIds: ctx.xks.credentials(s.keyStoreId).map((c) => c.accessKeyId),
    Keys: ctx.xks.exposures(s.keyStoreId).map((e) => ({ KeyId: e.keyId, KeyArn: keyArn(ctx.scope, e.keyId), ...(e.awsPrincipals === null ? {} : { AwsPrincipals: e.awsPrincipals }) })),
  }));
}

export function deleteXksKeyStore(ctx: OperationContext, input: StrongroomActionInput<'DeleteXksKeyStore'>): { readonly KeyStoreId: string } {
  const store = resolveStore(ctx, input.KeyStoreId);
  ctx.xks.deleteStore(store.keyStoreId);
  return { KeyStoreId: store.keyStoreId };
}

export function addXksKey(ctx: OperationContext, input: StrongroomActionInput<'AddXksKey'>, key: KeyRow | undefined): { readonly KeyStoreId: string; readonly KeyId: string } {
  const store = resolveStore(ctx, input.KeyStoreId);
  const row = requireKey(key);
  const arn = keyArn(ctx.scope, row.keyId);
  if (!EXPOSABLE_SPECS.has(row.keySpec)) {
    throw new UnsupportedOperationException(`${arn} is a ${row.keySpec} key: an external key store exposes 256-bit symmetric keys (SYMMETRIC_DEFAULT; HMAC_256 is reported but cannot encrypt).`);
  }
  if (ctx.keyStores.keyStoreOf(row.keyId) !== null) {
    throw new UnsupportedOperationException(`${arn} lives in a custom key store (a PKCS#11 token): an external key store exposes keys whose material Strongroom holds.`);
  }
  if (row.keyState === 'PendingDeletion') {
    throw new ValidationException(`${arn} is pending deletion: cancel the deletion before exposing it.`);
  }
  const principals = input.AwsPrincipals === undefined || input.AwsPrincipals.length === 0 ? null : [...input.AwsPrincipals];
  ctx.xks.expose(store.keyStoreId, row.keyId, principals);
  return { KeyStoreId: store.keyStoreId, KeyId: row.keyId };
}

export function removeXksKey(ctx: OperationContext, input: StrongroomActionInput<'RemoveXksKey'>, key: KeyRow | undefined): { readonly KeyStoreId: string; readonly KeyId: string } {
  const store = resolveStore(ctx, input.KeyStoreId);
  const row = requireKey(key);
  if (!ctx.xks.unexpose(store.keyStoreId, row.keyId)) {
    throw new NotFoundException(`${keyArn(ctx.scope, row.keyId)} is not exposed by external key store '${shownPrefix(store.uriPrefix)}'.`);
  }
  return { KeyStoreId: store.keyStoreId, KeyId: row.keyId };
}

export function rotateXksCredentials(ctx: OperationContext, input: StrongroomActionInput<'RotateXksCredentials'>): RotatedXksCredentials {
  const store = resolveStore(ctx, input.KeyStoreId);
  const current = ctx.xks.credentials(store.keyStoreId);
  if (current.length >= MAX_XKS_CREDENTIALS) {
    throw new LimitExceededException(
      `External key store '${shownPrefix(store.uriPrefix)}' already has ${current.length} active credentials (${current.map((c) => c.accessKeyId).join(', ')}): retire the one AWS KMS no longer uses first.`,
    );
  }
  const credential = ctx.xks.addCredential(store.keyStoreId, ctx.rootKey);
  return { KeyStoreId: store.keyStoreId, UriPrefix: shownPrefix(store.uriPrefix), ActiveAccessKeyIds: [...current.map((c) => c.accessKeyId), credential.AccessKeyId], ...credential };
}

export function retireXksCredential(ctx: OperationContext, input: StrongroomActionInput<'RetireXksCredential'>): { readonly KeyStoreId: string; readonly AccessKeyId: string } {
  const credential = ctx.xks.credential(input.AccessKeyId);
  if (credential === null) {
    throw new NotFoundException(`There is no external key store credential '${input.AccessKeyId}'.`, { inputs: ['accessKeyId'] });
  }
  if (ctx.xks.credentials(credential.keyStoreId).length === 1) {
    throw new ValidationException(`${input.AccessKeyId} is its external key store's only credential: rotate first (a new one), update AWS KMS (UpdateCustomKeyStore), then retire this one.`);
  }
  ctx.xks.deleteCredential(input.AccessKeyId);
  return { KeyStoreId: credential.keyStoreId, AccessKeyId: input.AccessKeyId };
}

function requireKey(key: KeyRow | undefined): KeyRow {
  if (key === undefined) {
    // The pipeline resolves KeyId before the handler runs (the action table's keyOf).
    throw new ValidationException('KeyId is required.');
  }
  return key;
}

/** responseElements of the changing actions: ids, never a secret. */
export const xksAudit = {
  created: (o: CreatedXksKeyStore): JsonObject => ({ keyStoreId: o.KeyStoreId, uriPrefix: o.UriPrefix, accessKeyId: o.AccessKeyId }),
  rotated: (o: RotatedXksCredentials): JsonObject => ({ keyStoreId: o.KeyStoreId, accessKeyId: o.AccessKeyId, activeAccessKeyIds: [...o.ActiveAccessKeyIds] }),
  keyStore: (o: { readonly KeyStoreId: string }): JsonObject => ({ keyStoreId: o.KeyStoreId }),
  exposure: (o: { readonly KeyStoreId: string; readonly KeyId: string }): JsonObject => ({ keyStoreId: o.KeyStoreId, keyId: o.KeyId }),
  retired: (o: { readonly KeyStoreId: string; readonly AccessKeyId: string }): JsonObject => ({ keyStoreId: o.KeyStoreId, accessKeyId: o.AccessKeyId }),
};
