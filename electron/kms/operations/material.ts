// Creating and using key material. Material is generated here, wrapped under the root key
// before it is stored, and unwrapped only inside withMaterial(), which wipes the clear copy as
// soon as the operation's callback returns (docs/architecture.md, invariant 1).

import { createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { OperationContext } from '../context.ts';
import { encodeStringList } from '../crypto/encoding.ts';
import { generatePrivateKey, importPrivateKey } from '../crypto/key-pairs.ts';
import { isKeyPair, keySpecInfo, materialPurpose } from '../crypto/key-specs.ts';
import { unwrapMaterial, wrapMaterial } from '../crypto/material-wrap.ts';
import { wipe } from '../crypto/wipe.ts';
import { InvalidCiphertextException, KMSInternalException, KMSInvalidStateException } from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import type { KeySpec } from '../../../shared/api/operations.ts';
import type { KeyRow, MaterialRow, RotationType } from '../store/repository.ts';

type KeyIdentity = Pick<KeyRow, 'keyId' | 'keySpec' | 'keyUsage'>;

/** What creating material needs: operations pass their context, the engine's scheduler its own. */
export type MaterialWriter = Pick<OperationContext, 'repo' | 'rootKey' | 'clock'>;

/** The at-rest binding of one version's material: wrapped bytes moved to another row fail to unwrap. */
export function materialBinding(key: KeyIdentity, version: number): { keyId: string; version: number; purpose: string } {
  return { keyId: key.keyId, version, purpose: materialPurpose(key.keySpec, key.keyUsage) };
}

/** KeyMaterialId: 64 hex chars identifying one material of one key, as AWS reports it. */
export function keyMaterialId(keyId: string, material: Uint8Array): string {
  return createHash('sha256')
    .update(encodeStringList(['strongroom/key-material-id/v1', keyId]))
    .update(material)
    .digest('hex');
}

/**
 * New material for a key spec: random bytes for AES and HMAC keys, a PKCS#8 private key for
 * key pairs. The caller wipes it.
 */
function generateMaterial(spec: KeySpec): Uint8Array {
  const info = keySpecInfo(spec);
  return isKeyPair(spec) ? generatePrivateKey(info) : new Uint8Array(randomBytes(info.materialBytes));
}

/** Generates, wraps and stores a new material version; returns the stored row. */
export function addMaterial(ctx: MaterialWriter, key: KeyIdentity, version: number, rotationType: RotationType | null = null): MaterialRow {
  const material = generateMaterial(key.keySpec);
  try {
    const row: MaterialRow = {
      keyId: key.keyId,
      version,
      materialId: keyMaterialId(key.keyId, material),
      wrapped: wrapMaterial(ctx.rootKey, materialBinding(key, version), material),
      createdAt: ctx.clock.now(),
      rotationType,
      rotatedAt: rotationType === null ? null : ctx.clock.now(),
      expirationModel: null,
      validTo: null,
      description: null,
    };
    ctx.repo.insertMaterial(row);
    return row;
  } finally {
    wipe(material);
  }
}

/**
 * Runs `use` with one version's material, imported into OpenSSL as a KeyObject; the unwrapped
 * bytes are wiped as soon as they are imported. The KeyObject is kept in the engine's material
 * cache (material-cache.ts) for later calls, used only while the version's wrapped bytes are the
 * ones it came from. A version the key does not have means the ciphertext does not belong to it.
 */
export function withMaterial<T>(
  ctx: OperationContext,
  key: KeyIdentity,
  version: number,
  use: (material: KeyObject, row: MaterialRow) => T,
): T {
  const row = ctx.repo.getMaterial(key.keyId, version);
  if (row === null) {
    throw new InvalidCiphertextException(
      `The ciphertext names version ${version} of ${keyArn(ctx.scope, key.keyId)}, which that key does not have.`,
    );
  }
  if (row.wrapped === null) {
    throw new KMSInvalidStateException(
      `Version ${version} of ${keyArn(ctx.scope, key.keyId)} has no key material: the imported material ${row.materialId} was deleted or expired. Import the same material again (ImportKeyMaterial) to use it.`,
    );
  }
  const cached = ctx.materialCache.get(key.keyId, version, row.wrapped);
  if (cached !== null) {
    return use(cached, row);
  }
  const material = unwrapMaterial(ctx.rootKey, materialBinding(key, version), row.wrapped);
  if (material === null) {
    throw new KMSInternalException(
      `The stored material of ${keyArn(ctx.scope, key.keyId)} (version ${version}) failed to unwrap: the database row was modified.`,
    );
  }
  let imported: KeyObject;
  try {
    imported = isKeyPair(key.keySpec) ? importPrivateKey(material) : createSecretKey(material);
  } finally {
    wipe(material);
  }
  ctx.materialCache.set(key.keyId, version, row.wrapped, imported);
  return use(imported, row);
}
