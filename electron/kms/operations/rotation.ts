// Rotation (docs/aws-kms.md §3.4, §8): EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
// RotateKeyOnDemand, ListKeyRotations, and rotateKey(), which both on-demand and the engine's
// scheduled (automatic) rotations use. A rotation adds a material version and makes it current:
// new encryptions use it, and every ciphertext names its version, so older versions keep
// decrypting for the life of the key.

import type { KeyedHandler, OperationContext } from '../context.ts';
import { DAY_MS } from '../clock.ts';
import {
  ConflictException,
  KMSInvalidStateException,
  LimitExceededException,
  UnsupportedOperationException,
} from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { requireState, type StateRow } from '../key-state.ts';
import type { KeyRow, MaterialRow, RotationType } from '../store/repository.ts';
import { addMaterial, type MaterialWriter } from './material.ts';
import { decodeMarker, encodeMarker } from './paging.ts';

export const DEFAULT_ROTATION_PERIOD_DAYS = 365;
/** AWS's per-key limit of on-demand rotations. */
export const MAX_ON_DEMAND_ROTATIONS = 25;
/** RotateKeyOnDemand is refused this close to a scheduled automatic rotation. */
export const AUTOMATIC_ROTATION_GUARD_MS = 20 * 60 * 1000;

/**
 * Which keys can rotate: symmetric encryption keys only (AWS rotates no asymmetric or HMAC key),
 * and automatically only when KMS made the material; imported material rotates on demand only.
 */
function requireRotatable(ctx: OperationContext, key: KeyRow, row: StateRow, automatic: boolean): string {
  const arn = keyArn(ctx.scope, key.keyId);
  // RotateKeyOnDemand checks the state first (AWS: a disabled RSA key is DisabledException);
  // the other rotation operations the key spec first.
  const stateFirst = row === 'rotateOnDemand';
  if (stateFirst) {
    requireState(row, key.keyState, arn);
  }
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new UnsupportedOperationException(
      `${arn} is a ${key.keySpec} key; rotation is supported only for symmetric encryption keys (SYMMETRIC_DEFAULT).`,
    );
  }
  if (!stateFirst) {
    requireState(row, key.keyState, arn);
  }
  if (key.origin === 'AWS_CLOUDHSM') {
    throw new UnsupportedOperationException(
      `${arn} origin is AWS_CLOUDHSM which is not valid for this operation: keys in a custom key store do not rotate, automatically or on demand. Create a new key in the store and move to it (ReEncrypt).`,
    );
  }
  if (automatic && key.origin !== 'AWS_KMS') {
    throw new UnsupportedOperationException(
      `${arn} origin is ${key.origin} which is not valid for this operation: keys with imported material cannot rotate automatically. Import new material (ImportType NEW_KEY_MATERIAL) and call RotateKeyOnDemand instead.`,
    );
  }
  return arn;
}

export const enableKeyRotation: KeyedHandler<'EnableKeyRotation'> = (ctx, input, key) => {
  requireRotatable(ctx, key, 'rotationChange', true);
  const period = input.RotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
  const now = ctx.clock.now();
  // A new period on a key that already rotates counts from the same starting point (its last
  // rotation, or when rotation was enabled); if that is already past, the rotation is due now.
  const anchor = key.rotationPeriodDays !== null && key.nextRotationAt !== null
    ? key.nextRotationAt - key.rotationPeriodDays * DAY_MS
    : now;
  ctx.repo.setRotation(key.keyId, period, Math.max(anchor + period * DAY_MS, now));
  return {};
};

export const disableKeyRotation: KeyedHandler<'DisableKeyRotation'> = (ctx, input, key) => {
  requireRotatable(ctx, key, 'rotationChange', true);
  ctx.repo.setRotation(key.keyId, null, null);
  return {};
};

export const getKeyRotationStatus: KeyedHandler<'GetKeyRotationStatus'> = (ctx, input, key) => {
  requireRotatable(ctx, key, 'rotationRead', false);
  // A key pending deletion does not rotate and reports false; cancelling restores the setting.
  const enabled = key.rotationPeriodDays !== null && key.keyState !== 'PendingDeletion';
  return {
    KeyId: key.keyId,
    KeyRotationEnabled: enabled,
    ...(enabled && key.rotationPeriodDays !== null ? { RotationPeriodInDays: key.rotationPeriodDays } : {}),
    ...(enabled && key.nextRotationAt !== null ? { NextRotationDate: new Date(key.nextRotationAt) } : {}),
  };
};

/**
 * Makes a new version current. KMS-made keys get fresh material; keys with imported material
 * promote the newest imported version waiting in PENDING_ROTATION.
 */
export function rotateKey(ctx: MaterialWriter, key: KeyRow, type: RotationType): MaterialRow | null {
  const latest = ctx.repo.latestVersion(key.keyId);
  if (key.origin === 'EXTERNAL') {
    const pending = latest > key.currentVersion ? ctx.repo.getMaterial(key.keyId, latest) : null;
    if (pending === null || pending.wrapped === null) {
      return null;
    }
    ctx.repo.setCurrentVersion(key.keyId, latest);
    ctx.repo.markRotation(key.keyId, latest, type, ctx.clock.now());
    return pending;
  }
  const row = addMaterial(ctx, key, latest + 1, type);
  ctx.repo.setCurrentVersion(key.keyId, row.version);
  return row;
}

export const rotateKeyOnDemand: KeyedHandler<'RotateKeyOnDemand'> = (ctx, input, key) => {
  const arn = requireRotatable(ctx, key, 'rotateOnDemand', false);
  if (ctx.repo.countRotations(key.keyId, 'ON_DEMAND') >= MAX_ON_DEMAND_ROTATIONS) {
    throw new LimitExceededException(
      `${arn} has already been rotated on demand ${MAX_ON_DEMAND_ROTATIONS} times, the most AWS KMS allows per key. Enable automatic rotation instead.`,
    );
  }
  if (key.nextRotationAt !== null && key.nextRotationAt - ctx.clock.now() <= AUTOMATIC_ROTATION_GUARD_MS) {
    throw new ConflictException(
      `An automatic rotation of ${arn} is due at ${new Date(key.nextRotationAt).toISOString()}, within 20 minutes; try again after it has run.`,
    );
  }
  const rotated = rotateKey(ctx, key, 'ON_DEMAND');
  if (rotated === null) {
    // AWS: KMSInvalidStateException — the key is fine, its material is not in a rotatable state.
    throw new KMSInvalidStateException(
      `${arn} has imported key material and none is waiting to become current. Import new material first (ImportKeyMaterial with ImportType NEW_KEY_MATERIAL), then rotate.`,
    );
  }
  // AWS answers the key ARN here, as in every response naming the key it acted on.
  return { KeyId: arn };
};

function materialState(key: KeyRow, m: MaterialRow): 'CURRENT' | 'NON_CURRENT' | 'PENDING_ROTATION' {
  return m.version === key.currentVersion ? 'CURRENT' : m.version > key.currentVersion ? 'PENDING_ROTATION' : 'NON_CURRENT';
}

export const listKeyRotations: KeyedHandler<'ListKeyRotations'> = (ctx, input, key) => {
  requireRotatable(ctx, key, 'rotationRead', false);
  const all = input.IncludeKeyMaterial === 'ALL_KEY_MATERIAL';
  const limit = input.Limit ?? 100;
  const after = decodeMarker('ListKeyRotations', input.Marker);
  let cursor = after === null ? 0 : Number(after[0]);
  // Filtering ROTATIONS_ONLY in SQL would need a second query shape; versions are few, so read
  // pages of rows and keep the ones that count until the page is full.
  const items: Array<MaterialRow> = [];
  let truncated = false;
  for (;;) {
    const rows = ctx.repo.listMaterial(key.keyId, cursor, limit + 1);
    for (const m of rows) {
      cursor = m.version;
      if (all || m.rotationType !== null) {
        if (items.length === limit) {
          truncated = true;
          break;
        }
        items.push(m);
      }
    }
    if (truncated || rows.length <= limit) {
      break;
    }
  }
  const last = items.at(-1);
  const imported = key.origin === 'EXTERNAL';
  return {
    Rotations: items.map((m) => ({
      KeyId: key.keyId,
      KeyMaterialId: m.materialId,
      KeyMaterialState: materialState(key, m),
      ...(m.rotationType !== null && m.rotatedAt !== null ? { RotationType: m.rotationType, RotationDate: new Date(m.rotatedAt) } : {}),
      ...(imported ? { ImportState: m.wrapped === null ? ('PENDING_IMPORT' as const) : ('IMPORTED' as const) } : {}),
      ...(imported && m.expirationModel !== null ? { ExpirationModel: m.expirationModel } : {}),
      ...(imported && m.validTo !== null ? { ValidTo: new Date(m.validTo) } : {}),
      ...(imported && m.description !== null ? { KeyMaterialDescription: m.description } : {}),
    })),
    Truncated: truncated,
    ...(truncated && last !== undefined ? { NextMarker: encodeMarker('ListKeyRotations', [last.version]) } : {}),
  };
};
