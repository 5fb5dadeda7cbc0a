// Custom key stores (docs/aws-kms.md §3.11): CreateCustomKeyStore, ConnectCustomKeyStore,
// DisconnectCustomKeyStore, DescribeCustomKeyStores, UpdateCustomKeyStore, DeleteCustomKeyStore,
// and the token side of the keys that live in one. Strongroom's store type is PKCS11: a PKCS#11
// token (an HSM, a smart card, SoftHSM) that generates each key and runs its AES-GCM, so the key
// never exists outside the token. AWS's own types (AWS_CLOUDHSM, EXTERNAL_KEY_STORE) need AWS's
// cloud and are refused.
//
// Connecting is synchronous here, but answers as AWS's asynchronous connect does: the call
// succeeds and DescribeCustomKeyStores shows CONNECTED, or FAILED with a ConnectionErrorCode.

import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ConnectionErrorCode } from '../../../shared/api/operations.ts';
import type { Handler, OperationContext } from '../context.ts';
import {
  CustomKeyStoreHasCMKsException,
  CustomKeyStoreInvalidStateException,
  CustomKeyStoreNameInUseException,
  CustomKeyStoreNotFoundException,
  KMSInternalException,
  KMSInvalidStateException,
  LimitExceededException,
  UnsupportedOperationException,
  ValidationException,
} from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { TokenConnectError, type TokenSession } from '../keystore/pkcs11.ts';
import { wrapPin, type CustomKeyStoreRow } from '../keystore/stores.ts';
import type { KeyRow } from '../store/repository.ts';
import { decodeMarker, encodeMarker, page } from './paging.ts';

/** AWS's quota: custom key stores per account and Region, not adjustable. */
export const MAX_CUSTOM_KEY_STORES = 10;

function newStoreId(): string {
  return `cks-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

function requireStore(ctx: OperationContext, storeId: string): CustomKeyStoreRow {
  const row = ctx.keyStores.get(storeId);
  if (row === null) {
    throw new CustomKeyStoreNotFoundException(`No custom key store with ID ${storeId} exists in this installation. List them with DescribeCustomKeyStores.`);
  }
  return row;
}

function checkModulePath(path: string): void {
  if (!isAbsolute(path) || !existsSync(path) || !statSync(path).isFile()) {
    throw new ValidationException(
      `XStrongroomPkcs11ModulePath must be the absolute path of the token's PKCS#11 module (a .so, .dylib or .dll file); '${path}' is not an existing file.`,
    );
  }
}

export const createCustomKeyStore: Handler<'CreateCustomKeyStore'> = (ctx, input) => {
  ctx.authorize('kms:CreateCustomKeyStore', null);
  const type = input.CustomKeyStoreType ?? 'AWS_CLOUDHSM';
  if (type !== 'PKCS11') {
    throw new UnsupportedOperationException(
      `CustomKeyStoreType ${type} needs AWS's cloud (a CloudHSM cluster or an external key store proxy). Strongroom's custom key stores are CustomKeyStoreType PKCS11: a PKCS#11 token, with XStrongroomPkcs11ModulePath, XStrongroomPkcs11TokenLabel and KeyStorePassword (the user PIN).`,
    );
  }
  const foreign = ['CloudHsmClusterId', 'TrustAnchorCertificate', 'XksProxyUriEndpoint', 'XksProxyUriPath', 'XksProxyVpcEndpointServiceName', 'XksProxyConnectivity']
    .filter((m) => (input as Record<string, unknown>)[m] !== undefined);
  if (foreign.length > 0) {
    throw new ValidationException(`${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not valid for CustomKeyStoreType PKCS11: omit ${foreign.length === 1 ? 'it' : 'them'}.`);
  }
  const modulePath = input.XStrongroomPkcs11ModulePath;
  const tokenLabel = input.XStrongroomPkcs11TokenLabel;
  const pin = input.KeyStorePassword;
  if (modulePath === undefined || tokenLabel === undefined || pin === undefined) {
    throw new ValidationException('A PKCS11 custom key store needs XStrongroomPkcs11ModulePath, XStrongroomPkcs11TokenLabel and KeyStorePassword (the token\'s user PIN).');
  }
  checkModulePath(modulePath);
  if (ctx.keyStores.getByName(input.CustomKeyStoreName) !== null) {
    throw new CustomKeyStoreNameInUseException(`A custom key store named '${input.CustomKeyStoreName}' already exists. Choose another CustomKeyStoreName.`);
  }
  if (ctx.keyStores.count() >= MAX_CUSTOM_KEY_STORES) {
    throw new LimitExceededException(`This installation already has the maximum of ${MAX_CUSTOM_KEY_STORES} custom key stores.`);
  }
  const storeId = newStoreId();
  ctx.keyStores.insert({
    storeId,
    name: input.CustomKeyStoreName,
    storeType: 'PKCS11',
    modulePath,
    tokenLabel,
    wrappedPin: wrapPin(ctx.rootKey, storeId, pin),
    connectionState: 'DISCONNECTED',
    errorCode: null,
    createdAt: ctx.clock.now(),
  });
  return { CustomKeyStoreId: storeId };
};

export const connectCustomKeyStore: Handler<'ConnectCustomKeyStore'> = (ctx, input) => {
  ctx.authorize('kms:ConnectCustomKeyStore', null);
  const row = requireStore(ctx, input.CustomKeyStoreId);
  if (row.connectionState === 'FAILED') {
    throw new CustomKeyStoreInvalidStateException(
      `Custom key store ${row.storeId} is FAILED (${row.errorCode ?? 'INTERNAL_ERROR'}). Disconnect it (DisconnectCustomKeyStore), fix the cause, then connect it again.`,
    );
  }
  ctx.keyStores.drop(row.storeId);
  try {
    ctx.keyStores.session(row, ctx.rootKey);
    ctx.keyStores.setState(row.storeId, 'CONNECTED', null);
  } catch (err) {
    const code: ConnectionErrorCode = err instanceof TokenConnectError ? err.code : 'INTERNAL_ERROR';
    ctx.keyStores.setState(row.storeId, 'FAILED', code);
  }
  return {};
};

export const disconnectCustomKeyStore: Handler<'DisconnectCustomKeyStore'> = (ctx, input) => {
  ctx.authorize('kms:DisconnectCustomKeyStore', null);
  const row = requireStore(ctx, input.CustomKeyStoreId);
  if (row.connectionState === 'DISCONNECTED') {
    throw new CustomKeyStoreInvalidStateException(`Custom key store ${row.storeId} is already DISCONNECTED.`);
  }
  ctx.keyStores.drop(row.storeId);
  ctx.keyStores.setState(row.storeId, 'DISCONNECTED', null);
  return {};
};

export const describeCustomKeyStores: Handler<'DescribeCustomKeyStores'> = (ctx, input) => {
  ctx.authorize('kms:DescribeCustomKeyStores', null);
  if (input.CustomKeyStoreId !== undefined && input.CustomKeyStoreName !== undefined) {
    throw new ValidationException('Specify CustomKeyStoreId or CustomKeyStoreName, not both.');
  }
  let rows: Array<CustomKeyStoreRow>;
  let truncated = false;
  if (input.CustomKeyStoreId !== undefined || input.CustomKeyStoreName !== undefined) {
    const row = input.CustomKeyStoreId !== undefined ? ctx.keyStores.get(input.CustomKeyStoreId) : ctx.keyStores.getByName(input.CustomKeyStoreName ?? '');
    if (row === null) {
      throw new CustomKeyStoreNotFoundException(
        `No custom key store ${input.CustomKeyStoreId !== undefined ? `with ID ${input.CustomKeyStoreId}` : `named '${input.CustomKeyStoreName ?? ''}'`} exists in this installation.`,
      );
    }
    rows = [row];
  } else {
    const limit = input.Limit ?? 100;
    const after = decodeMarker('DescribeCustomKeyStores', input.Marker);
    const paged = page(ctx.keyStores.list(after === null ? null : { createdAt: Number(after[0]), storeId: String(after[1]) }, limit + 1), limit);
    rows = paged.items;
    truncated = paged.truncated;
  }
  const last = rows.at(-1);
  return {
    CustomKeyStores: rows.map((r) => ({
      CustomKeyStoreId: r.storeId,
      CustomKeyStoreName: r.name,
      CustomKeyStoreType: r.storeType,
      ConnectionState: r.connectionState,
      ...(r.connectionState === 'FAILED' ? { ConnectionErrorCode: r.errorCode ?? 'INTERNAL_ERROR' } : {}),
      CreationDate: new Date(r.createdAt),
      XStrongroomPkcs11ModulePath: r.modulePath,
      XStrongroomPkcs11TokenLabel: r.tokenLabel,
    })),
    Truncated: truncated,
    ...(truncated && last !== undefined ? { NextMarker: encodeMarker('DescribeCustomKeyStores', [last.createdAt, last.storeId]) } : {}),
  };
};

export const updateCustomKeyStore: Handler<'UpdateCustomKeyStore'> = (ctx, input) => {
  ctx.authorize('kms:UpdateCustomKeyStore', null);
  const row = requireStore(ctx, input.CustomKeyStoreId);
  if (input.CloudHsmClusterId !== undefined) {
    throw new ValidationException('CloudHsmClusterId is not valid for a PKCS11 custom key store: omit it.');
  }
  if (row.connectionState !== 'DISCONNECTED') {
    throw new CustomKeyStoreInvalidStateException(
      `Custom key store ${row.storeId} is ${row.connectionState}: disconnect it (DisconnectCustomKeyStore) before updating it, as AWS requires.`,
    );
  }
  const name = input.NewCustomKeyStoreName;
  if (name !== undefined && name !== row.name && ctx.keyStores.getByName(name) !== null) {
    throw new CustomKeyStoreNameInUseException(`A custom key store named '${name}' already exists. Choose another NewCustomKeyStoreName.`);
  }
  if (input.XStrongroomPkcs11ModulePath !== undefined) {
    checkModulePath(input.XStrongroomPkcs11ModulePath);
  }
  ctx.keyStores.update(row.storeId, {
    ...(name !== undefined ? { name } : {}),
    ...(input.XStrongroomPkcs11ModulePath !== undefined ? { modulePath: input.XStrongroomPkcs11ModulePath } : {}),
    ...(input.XStrongroomPkcs11TokenLabel !== undefined ? { tokenLabel: input.XStrongroomPkcs11TokenLabel } : {}),
    ...(input.KeyStorePassword !== undefined ? { wrappedPin: wrapPin(ctx.rootKey, row.storeId, input.KeyStorePassword) } : {}),
  });
  return {};
};

export const deleteCustomKeyStore: Handler<'DeleteCustomKeyStore'> = (ctx, input) => {
  ctx.authorize('kms:DeleteCustomKeyStore', null);
  const row = requireStore(ctx, input.CustomKeyStoreId);
  const keys = ctx.keyStores.countKeys(row.storeId);
  if (keys > 0) {
    throw new CustomKeyStoreHasCMKsException(
      `Custom key store ${row.storeId} still holds ${keys} KMS key${keys === 1 ? '' : 's'}. Schedule ${keys === 1 ? 'it' : 'them'} for deletion (ScheduleKeyDeletion) and wait until ${keys === 1 ? 'it is' : 'they are'} deleted first.`,
    );
  }
  if (row.connectionState !== 'DISCONNECTED') {
    throw new CustomKeyStoreInvalidStateException(
      `Custom key store ${row.storeId} is ${row.connectionState}: disconnect it (DisconnectCustomKeyStore) before deleting it.`,
    );
  }
  ctx.keyStores.drop(row.storeId);
  ctx.keyStores.delete(row.storeId);
  return {};
};

// --- Keys in a custom key store -----------------------------------------------------------------

/** The CKA_LABEL of a KMS key's secret key object: its key id, so the token can be searched for it. */
export function tokenLabelFor(keyId: string): string {
  return keyId;
}

/** The CKA_ID of a KMS key's secret key object: its key id's 16 bytes. */
export function tokenIdFor(keyId: string): Uint8Array {
  return Uint8Array.from(Buffer.from(keyId.replaceAll('-', ''), 'hex'));
}

/**
 * For CreateKey and GenerateRandom with CustomKeyStoreId: the store, which must be CONNECTED
 * (AWS: CustomKeyStoreInvalidStateException otherwise), and a session on its token.
 */
export function connectedStore(ctx: OperationContext, storeId: string, purpose: string): { row: CustomKeyStoreRow; session: TokenSession } {
  const row = requireStore(ctx, storeId);
  if (row.connectionState !== 'CONNECTED') {
    ctx.keyStores.drop(row.storeId);
    throw new CustomKeyStoreInvalidStateException(
      `Custom key store ${row.storeId} is ${row.connectionState}: connect it (ConnectCustomKeyStore) before ${purpose}.`,
    );
  }
  try {
    return { row, session: ctx.keyStores.session(row, ctx.rootKey) };
  } catch (err) {
    throw new CustomKeyStoreInvalidStateException(
      `Custom key store ${row.storeId} is CONNECTED, but this process could not log in to its token (${err instanceof TokenConnectError ? err.code : 'INTERNAL_ERROR'}): ${(err as Error).message}`,
    );
  }
}

export type TokenKey = { readonly storeId: string; readonly label: string; readonly session: TokenSession };

/**
 * The token side of a key that lives in a custom key store; null for every other key. A key
 * whose store is not CONNECTED is unavailable: KMSInvalidStateException naming the store.
 */
export function tokenKeyFor(ctx: OperationContext, key: KeyRow): TokenKey | null {
  const stored = ctx.keyStores.keyStoreOf(key.keyId);
  if (stored === null) {
    return null;
  }
  const arn = keyArn(ctx.scope, key.keyId);
  const row = ctx.keyStores.get(stored.storeId);
  if (row === null || row.connectionState !== 'CONNECTED') {
    ctx.keyStores.drop(stored.storeId);
    throw new KMSInvalidStateException(
      `${arn} is unavailable: its custom key store ${stored.storeId} is ${row?.connectionState ?? 'deleted'}. Connect the custom key store (ConnectCustomKeyStore) and retry.`,
    );
  }
  try {
    return { storeId: row.storeId, label: stored.tokenLabel, session: ctx.keyStores.session(row, ctx.rootKey) };
  } catch (err) {
    throw new KMSInvalidStateException(
      `${arn} is unavailable: this process could not log in to the token of custom key store ${row.storeId} (${err instanceof TokenConnectError ? err.code : 'INTERNAL_ERROR'}). Disconnect and connect the store again.`,
    );
  }
}

/** Runs a token call; a token failure closes this process's session (the next call logs in again). */
export function onToken<T>(ctx: OperationContext, token: Pick<TokenKey, 'storeId' | 'session'>, use: (session: TokenSession) => T): T {
  try {
    return use(token.session);
  } catch (err) {
    ctx.keyStores.drop(token.storeId);
    throw new KMSInternalException(`The token of custom key store ${token.storeId} failed: ${(err as Error).message}`, { cause: err });
  }
}
