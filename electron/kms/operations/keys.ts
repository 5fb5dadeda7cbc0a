// Key lifecycle: CreateKey, DescribeKey, ListKeys, UpdateKeyDescription, EnableKey, DisableKey.

import { defaultKeyPolicy } from '../../../shared/api/key-policy.ts';
import { randomUUID } from 'node:crypto';
import type { Handler, KeyedHandler } from '../context.ts';
import { keySpecInfo, SUPPORTED_KEY_SPECS } from '../crypto/key-specs.ts';
import {
  AlreadyExistsException,
  KMSInternalException,
  LimitExceededException,
  UnsupportedOperationException,
  ValidationException,
} from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import type { KeyRow } from '../store/repository.ts';
import { connectedStore, tokenIdFor, tokenLabelFor } from './custom-key-stores.ts';
import { checkLockout } from './key-policy.ts';
import { addMaterial } from './material.ts';
import { keyMetadata } from './metadata.ts';
import { decodeMarker, encodeMarker, page } from './paging.ts';
import { checkTags } from './tags.ts';

/** AWS's quota of customer managed keys per account and Region. */
export const MAX_KEYS = 100_000;

export const createKey: Handler<'CreateKey'> = (ctx, input) => {
  ctx.authorize('kms:CreateKey', null);
  if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined) {
    throw new ValidationException(
      'You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated: use KeySpec.',
    );
  }
  const keySpec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
  const spec = keySpecInfo(keySpec);
  if (!spec.supported) {
    throw new UnsupportedOperationException(
      `KeySpec ${keySpec} is not supported by this version of Strongroom. Supported: ${SUPPORTED_KEY_SPECS.join(', ')}.`,
    );
  }
  const keyUsage = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
  if (!spec.usages.includes(keyUsage)) {
    throw new ValidationException(
      `KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}; it allows ${spec.usages.join(', ')}.`,
    );
  }
  const origin = input.Origin ?? 'AWS_KMS';
  if (origin === 'EXTERNAL_KEY_STORE') {
    throw new UnsupportedOperationException(
      'Origin EXTERNAL_KEY_STORE needs an external key store proxy, which Strongroom does not have. For a key held by a PKCS#11 token, create it with Origin AWS_CLOUDHSM and the CustomKeyStoreId of a PKCS11 custom key store.',
    );
  }
  // As AWS: a key in a custom key store takes Origin AWS_CLOUDHSM, and AWS_CLOUDHSM needs a store.
  if ((origin === 'AWS_CLOUDHSM') !== (input.CustomKeyStoreId !== undefined)) {
    throw new ValidationException(
      origin === 'AWS_CLOUDHSM'
        ? 'Origin AWS_CLOUDHSM needs CustomKeyStoreId: the custom key store whose token generates and holds the key.'
        : `A key in a custom key store takes Origin AWS_CLOUDHSM, not ${origin}: pass Origin AWS_CLOUDHSM with CustomKeyStoreId.`,
    );
  }
  if (origin === 'AWS_CLOUDHSM' && (keySpec !== 'SYMMETRIC_DEFAULT' || keyUsage !== 'ENCRYPT_DECRYPT')) {
    throw new UnsupportedOperationException(
      `Keys in a custom key store are SYMMETRIC_DEFAULT ENCRYPT_DECRYPT keys (AES-256-GCM inside the token), as in AWS; ${keySpec} ${keyUsage} is not supported there.`,
    );
  }
  if (origin === 'AWS_CLOUDHSM' && input.XStrongroomExportable === true) {
    throw new UnsupportedOperationException(
      'A key in a custom key store cannot be exportable: its token generates it as a non-extractable object, so no one — Strongroom included — can read it out. Create an exportable key without CustomKeyStoreId.',
    );
  }
  if (origin === 'EXTERNAL' && spec.kind !== 'symmetric' && spec.kind !== 'hmac') {
    throw new UnsupportedOperationException(
      `Importing material is supported for SYMMETRIC_DEFAULT and HMAC keys in this version of Strongroom; ${keySpec} keys take Origin AWS_KMS.`,
    );
  }
  if (input.XksKeyId !== undefined) {
    throw new UnsupportedOperationException('External key stores are not supported: omit XksKeyId.');
  }
  if (input.MultiRegion === true) {
    throw new UnsupportedOperationException('Multi-Region keys are not supported on a desktop installation: omit MultiRegion.');
  }
  if (input.XStrongroomKeyId !== undefined) {
    if (origin !== 'EXTERNAL') {
      throw new ValidationException(
        'XStrongroomKeyId is only valid with Origin EXTERNAL: it gives the key that will take material exported from another Strongroom the key id it had there.',
      );
    }
    if (ctx.repo.getKey(input.XStrongroomKeyId) !== null) {
      throw new AlreadyExistsException(`A key with key id ${input.XStrongroomKeyId} already exists in this installation.`);
    }
  }
  const policy = input.Policy ?? defaultKeyPolicy(ctx.scope.accountId);
  const bound = ctx.access.bindKeyPolicy(policy);
  const tags = input.Tags ?? [];
  checkTags(tags, 0, true);
  if (ctx.repo.countKeys() >= MAX_KEYS) {
    throw new LimitExceededException(`This installation already holds the maximum of ${MAX_KEYS} keys.`);
  }

  // An EXTERNAL key has no material until ImportKeyMaterial gives it some.
  const external = origin === 'EXTERNAL';
  const row: KeyRow = {
    keyId: input.XStrongroomKeyId ?? randomUUID(),
    createdAt: ctx.clock.now(),
    description: input.Description ?? '',
    keySpec,
    keyUsage,
    origin,
    keyManager: 'CUSTOMER',
    keyState: external ? 'PendingImport' : 'Enabled',
    deletionDate: null,
    pendingWindowDays: null,
    multiRegion: false,
    policy,
    policyBindings: bound.bindingsJson,
    currentVersion: external ? 0 : 1,
    rotationPeriodDays: null,
    nextRotationAt: null,
    exportable: input.XStrongroomExportable === true,
  };
  if (input.Policy !== undefined) {
    checkLockout(ctx, row, bound, input);
  }
  // The store must be CONNECTED (CustomKeyStoreInvalidStateException otherwise).
  const store = input.CustomKeyStoreId === undefined ? null : connectedStore(ctx, input.CustomKeyStoreId, 'creating keys in it');
  ctx.repo.insertKey(row);
  ctx.touch(row);
  if (store !== null) {
    // The token generates the key and keeps it: sensitive, never extractable. Should this
    // transaction then roll back, the token object stays as an orphan no KMS key names.
    const label = tokenLabelFor(row.keyId);
    ctx.keyStores.addKey(row.keyId, store.row.storeId, label);
    try {
      store.session.generateAesKey(label, tokenIdFor(row.keyId));
    } catch (err) {
      ctx.keyStores.drop(store.row.storeId);
      throw new KMSInternalException(`The token of custom key store ${store.row.storeId} could not generate the key: ${(err as Error).message}`, { cause: err });
    }
  } else if (!external) {
    addMaterial(ctx, row, 1);
  }
  for (const t of tags) {
    ctx.repo.upsertTag(row.keyId, t.TagKey, t.TagValue);
  }
  return { KeyMetadata: keyMetadata(ctx, row) };
};

export const describeKey: KeyedHandler<'DescribeKey'> = (ctx, input, key) => {
  return { KeyMetadata: keyMetadata(ctx, key) };
};

export const listKeys: Handler<'ListKeys'> = (ctx, input) => {
  ctx.authorize('kms:ListKeys', null);
  const limit = input.Limit ?? 100;
  const after = decodeMarker('ListKeys', input.Marker);
  const rows = ctx.repo.listKeys(
    after === null ? null : { createdAt: Number(after[0]), keyId: String(after[1]) },
    limit + 1,
  );
  const { items, truncated } = page(rows, limit);
  const last = items.at(-1);
  return {
    Keys: items.map((k) => ({ KeyId: k.keyId, KeyArn: keyArn(ctx.scope, k.keyId) })),
    Truncated: truncated,
    ...(truncated && last !== undefined ? { NextMarker: encodeMarker('ListKeys', [last.createdAt, last.keyId]) } : {}),
  };
};

export const updateKeyDescription: KeyedHandler<'UpdateKeyDescription'> = (ctx, input, key) => {
  ctx.repo.setDescription(key.keyId, input.Description);
  return {};
};

/** EnableKey and DisableKey differ only in the state they set. */
function setEnabled(state: 'Enabled' | 'Disabled'): KeyedHandler<'EnableKey' | 'DisableKey'> {
  return (ctx, _input, key) => {
    ctx.repo.setState(key.keyId, state, null, null);
    return {};
  };
}

export const enableKey: KeyedHandler<'EnableKey'> = setEnabled('Enabled');
export const disableKey: KeyedHandler<'DisableKey'> = setEnabled('Disabled');
