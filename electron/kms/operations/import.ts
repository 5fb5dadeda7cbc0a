// Imported key material (BYOK, docs/aws-kms.md §3.9): GetParametersForImport, ImportKeyMaterial,
// DeleteImportedKeyMaterial. The wrapping private key is created per request, kept wrapped under
// the root key like any material, and destroyed when its token expires (engine.ts). The import
// token is self-authenticating (an HMAC under the root key over the key id, token id and expiry),
// so an expired token is recognised as expired even after its row is gone, and a token issued
// for another key is told apart from an expired one.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DAY_MS } from '../clock.ts';
import type { KeyedHandler, OperationContext } from '../context.ts';
import { concatBytes, encodeStringList } from '../crypto/encoding.ts';
import {
  asSupportedWrappingAlgorithm,
  generateWrappingKeyPair,
  isSupportedWrappingAlgorithm,
  isSupportedWrappingKeySpec,
  unwrapImportedMaterial,
} from '../crypto/import-wrapping.ts';
import { keySpecInfo } from '../crypto/key-specs.ts';
import { unwrapMaterial, wrapMaterial } from '../crypto/material-wrap.ts';
import { wipe } from '../crypto/wipe.ts';
import {
  ExpiredImportTokenException,
  IncorrectKeyMaterialException,
  InvalidCiphertextException,
  InvalidImportTokenException,
  KMSInternalException,
  KMSInvalidStateException,
  NotFoundException,
  UnsupportedOperationException,
  ValidationException,
} from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { requireState } from '../key-state.ts';
import type { ExpirationModel, ImportTokenRow, KeyRow, MaterialRow } from '../store/repository.ts';
import { keyMaterialId, materialBinding } from './material.ts';

/** Import parameters are valid for 24 hours, as AWS's are. */
export const IMPORT_TOKEN_LIFETIME_MS = DAY_MS;
/** ValidTo may be at most this far ahead. */
export const MAX_VALID_TO_DAYS = 365;

const TOKEN_MAGIC = Buffer.from('SRIT', 'latin1');
const TOKEN_VERSION = 1;
const TOKEN_ID_BYTES = 16;
const TOKEN_MAC_BYTES = 32;
const TOKEN_BYTES = TOKEN_MAGIC.length + 1 + TOKEN_ID_BYTES + 8 + TOKEN_MAC_BYTES;

function requireExternal(ctx: OperationContext, key: KeyRow): string {
  const arn = keyArn(ctx.scope, key.keyId);
  if (key.origin !== 'EXTERNAL') {
    throw new UnsupportedOperationException(
      `${arn} origin is ${key.origin} which is not valid for this operation. Only keys created with Origin EXTERNAL take imported key material.`,
    );
  }
  return arn;
}

function tokenMac(ctx: OperationContext, keyId: string, tokenId: Uint8Array, validTo: number): Buffer {
  return createHmac('sha256', ctx.rootKey)
    .update(encodeStringList(['strongroom/import-token/v1', keyId, Buffer.from(tokenId).toString('hex'), String(validTo)]))
    .digest();
}

function wrappingKeyBinding(keyId: string, tokenHash: Uint8Array): { keyId: string; version: number; purpose: string } {
  return { keyId, version: 0, purpose: `import-wrapping-key:${Buffer.from(tokenHash).toString('hex')}` };
}

function tokenHash(token: Uint8Array): Buffer {
  return createHash('sha256').update(token).digest();
}

export const getParametersForImport: KeyedHandler<'GetParametersForImport'> = (ctx, input, key) => {
  const arn = requireExternal(ctx, key);
  requireState('importParameters', key.keyState, arn);
  if (!isSupportedWrappingAlgorithm(input.WrappingAlgorithm)) {
    throw new UnsupportedOperationException(
      `WrappingAlgorithm ${input.WrappingAlgorithm} is not supported (AWS retired RSAES_PKCS1_V1_5; SM2PKE exists only in China Regions). Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.`,
    );
  }
  if (!isSupportedWrappingKeySpec(input.WrappingKeySpec)) {
    throw new UnsupportedOperationException(
      `WrappingKeySpec ${input.WrappingKeySpec} is not supported (SM2 exists only in China Regions). Use RSA_2048, RSA_3072 or RSA_4096.`,
    );
  }
  const now = ctx.clock.now();
  const validTo = now + IMPORT_TOKEN_LIFETIME_MS;
  const tokenId = randomBytes(TOKEN_ID_BYTES);
  const expiry = Buffer.alloc(8);
  expiry.writeBigUInt64BE(BigInt(validTo));
  const token = concatBytes(TOKEN_MAGIC, Uint8Array.of(TOKEN_VERSION), tokenId, expiry, tokenMac(ctx, key.keyId, tokenId, validTo));
  const hash = tokenHash(token);
  const { privateKeyDer, publicKeyDer } = generateWrappingKeyPair(input.WrappingKeySpec);
  try {
    ctx.repo.insertImportToken({
      tokenHash: hash,
      keyId: key.keyId,
      wrappingAlgorithm: input.WrappingAlgorithm,
      wrappingKeySpec: input.WrappingKeySpec,
      privateKeyWrapped: wrapMaterial(ctx.rootKey, wrappingKeyBinding(key.keyId, hash), privateKeyDer),
      createdAt: now,
      validTo,
    });
  } finally {
    wipe(privateKeyDer);
  }
  return { KeyId: arn, ImportToken: token, PublicKey: publicKeyDer, ParametersValidTo: new Date(validTo) };
};

/** Checks an import token against the key it is presented for and returns its stored row. */
function redeemToken(ctx: OperationContext, key: KeyRow, token: Uint8Array): ImportTokenRow {
  const invalid = (): never => {
    throw new InvalidImportTokenException(
      'The import token is not one GetParametersForImport returned for this KMS key (it was issued for another key, or modified). Use the ImportToken from the same response as the public key you wrapped with.',
    );
  };
  const bytes = Buffer.from(token);
  if (bytes.length !== TOKEN_BYTES || !bytes.subarray(0, TOKEN_MAGIC.length).equals(TOKEN_MAGIC) || bytes[TOKEN_MAGIC.length] !== TOKEN_VERSION) {
    return invalid();
  }
  let offset = TOKEN_MAGIC.length + 1;
  const tokenId = bytes.subarray(offset, offset + TOKEN_ID_BYTES);
  offset += TOKEN_ID_BYTES;
  const validTo = Number(bytes.readBigUInt64BE(offset));
  offset += 8;
  const mac = bytes.subarray(offset);
  if (!timingSafeEqual(mac, tokenMac(ctx, key.keyId, tokenId, validTo))) {
    return invalid();
  }
  if (validTo <= ctx.clock.now()) {
    throw new ExpiredImportTokenException(
      `The import token expired at ${new Date(validTo).toISOString()}. Call GetParametersForImport for a new public key and token, and wrap the material again.`,
    );
  }
  const row = ctx.repo.getImportToken(tokenHash(bytes));
  return row ?? invalid();
}

function expiryFor(ctx: OperationContext, model: ExpirationModel, validTo: Date | undefined): number | null {
  if (model === 'KEY_MATERIAL_DOES_NOT_EXPIRE') {
    if (validTo !== undefined) {
      throw new ValidationException('ValidTo is not valid when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE; omit ValidTo.');
    }
    return null;
  }
  if (validTo === undefined) {
    throw new ValidationException(
      'ValidTo is required when ExpirationModel is KEY_MATERIAL_EXPIRES (the default). Pass ValidTo, or ExpirationModel KEY_MATERIAL_DOES_NOT_EXPIRE.',
    );
  }
  const at = validTo.getTime();
  const now = ctx.clock.now();
  if (at <= now) {
    throw new ValidationException(`ValidTo (${validTo.toISOString()}) must be in the future.`);
  }
  if (at > now + MAX_VALID_TO_DAYS * DAY_MS) {
    throw new ValidationException(`ValidTo (${validTo.toISOString()}) must be at most ${MAX_VALID_TO_DAYS} days from now.`);
  }
  return at;
}

export const importKeyMaterial: KeyedHandler<'ImportKeyMaterial'> = (ctx, input, key) => {
  const arn = requireExternal(ctx, key);
  requireState('importMaterial', key.keyState, arn);
  const model = input.ExpirationModel ?? 'KEY_MATERIAL_EXPIRES';
  const validTo = expiryFor(ctx, model, input.ValidTo);
  const token = redeemToken(ctx, key, input.ImportToken);
  const algorithm = asSupportedWrappingAlgorithm(token.wrappingAlgorithm);
  if (algorithm === null) {
    throw new KMSInternalException(`The stored import token names wrapping algorithm ${token.wrappingAlgorithm}, which this build does not know.`);
  }
  const privateKeyDer = unwrapMaterial(ctx.rootKey, wrappingKeyBinding(key.keyId, token.tokenHash), token.privateKeyWrapped);
  if (privateKeyDer === null) {
    throw new KMSInternalException(`The stored wrapping key of this import token failed to unwrap: the database row was modified.`);
  }
  let unwrapped: Uint8Array | null;
  try {
    unwrapped = unwrapImportedMaterial(algorithm, privateKeyDer, input.EncryptedKeyMaterial);
  } finally {
    wipe(privateKeyDer);
  }
  if (unwrapped === null) {
    throw new InvalidCiphertextException(
      `EncryptedKeyMaterial does not unwrap with this import token's wrapping key and ${token.wrappingAlgorithm}. Wrap the material with the PublicKey returned with this token, using exactly that algorithm.`,
    );
  }
  const material = unwrapped;
  try {
    const expected = keySpecInfo(key.keySpec).materialBytes;
    if (material.length !== expected) {
      throw new IncorrectKeyMaterialException(
        `${key.keySpec} key material must be exactly ${expected} bytes (${expected * 8} bits); the unwrapped material is ${material.length} bytes.`,
      );
    }
    const materialId = keyMaterialId(key.keyId, material);
    const latest = ctx.repo.latestVersion(key.keyId);
    const importType = input.ImportType ?? (latest === 0 ? 'NEW_KEY_MATERIAL' : 'EXISTING_KEY_MATERIAL');
    const stored = {
      wrappedFor: (version: number) => wrapMaterial(ctx.rootKey, materialBinding(key, version), material),
      model,
      validTo,
      description: input.KeyMaterialDescription ?? null,
    };
    if (importType === 'NEW_KEY_MATERIAL') {
      importNew(ctx, key, arn, latest, materialId, input.KeyMaterialId, stored);
    } else {
      importExisting(ctx, key, arn, materialId, input.KeyMaterialId, stored);
    }
    return { KeyId: arn, KeyMaterialId: materialId };
  } finally {
    wipe(material);
  }
};

type StoredImport = {
  readonly wrappedFor: (version: number) => Uint8Array;
  readonly model: ExpirationModel;
  readonly validTo: number | null;
  readonly description: string | null;
};

/** NEW_KEY_MATERIAL: the key's first material (current at once) or the next one, waiting for RotateKeyOnDemand. */
function importNew(
  ctx: OperationContext,
  key: KeyRow,
  arn: string,
  latest: number,
  materialId: string,
  givenMaterialId: string | undefined,
  stored: StoredImport,
): void {
  if (givenMaterialId !== undefined) {
    throw new ValidationException('KeyMaterialId identifies material already imported: pass it only with ImportType EXISTING_KEY_MATERIAL.');
  }
  if (ctx.repo.materialById(key.keyId, materialId) !== null) {
    throw new IncorrectKeyMaterialException(
      `This material (KeyMaterialId ${materialId}) was imported into ${arn} before. Re-import it with ImportType EXISTING_KEY_MATERIAL.`,
    );
  }
  if (latest > key.currentVersion) {
    throw new KMSInvalidStateException(
      `${arn} already has imported material waiting to become current (PENDING_ROTATION). Call RotateKeyOnDemand first, or delete that material with DeleteImportedKeyMaterial.`,
    );
  }
  const version = latest + 1;
  const row: MaterialRow = {
    keyId: key.keyId,
    version,
    materialId,
    wrapped: stored.wrappedFor(version),
    createdAt: ctx.clock.now(),
    rotationType: null,
    rotatedAt: null,
    expirationModel: stored.model,
    validTo: stored.validTo,
    description: stored.description,
  };
  ctx.repo.insertMaterial(row);
  if (latest === 0) {
    ctx.repo.setCurrentVersion(key.keyId, version);
    becomeUsable(ctx, key);
  }
}

/** EXISTING_KEY_MATERIAL: the same material again, proven by its KeyMaterialId. */
function importExisting(
  ctx: OperationContext,
  key: KeyRow,
  arn: string,
  materialId: string,
  givenMaterialId: string | undefined,
  stored: StoredImport,
): void {
  const target = givenMaterialId !== undefined
    ? ctx.repo.materialById(key.keyId, givenMaterialId)
    : ctx.repo.getMaterial(key.keyId, key.currentVersion);
  if (target === null) {
    throw new NotFoundException(
      givenMaterialId !== undefined
        ? `${arn} has no key material with KeyMaterialId ${givenMaterialId}. ListKeyRotations with IncludeKeyMaterial ALL_KEY_MATERIAL lists them.`
        : `${arn} has no key material yet: import it with ImportType NEW_KEY_MATERIAL.`,
    );
  }
  if (target.materialId !== materialId) {
    throw new IncorrectKeyMaterialException(
      `The key material is not the material previously imported into ${arn} (KeyMaterialId ${target.materialId}). Import exactly the same bytes, or use ImportType NEW_KEY_MATERIAL for new material.`,
    );
  }
  ctx.repo.storeImportedMaterial(key.keyId, target.version, stored.wrappedFor(target.version), stored.model, stored.validTo, stored.description);
  if (target.version === key.currentVersion) {
    becomeUsable(ctx, key);
  }
}

function becomeUsable(ctx: OperationContext, key: KeyRow): void {
  if (key.keyState === 'PendingImport') {
    ctx.repo.setState(key.keyId, 'Enabled', null, null);
  }
}

export const deleteImportedKeyMaterial: KeyedHandler<'DeleteImportedKeyMaterial'> = (ctx, input, key) => {
  const arn = requireExternal(ctx, key);
  requireState('deleteImported', key.keyState, arn);
  const target = input.KeyMaterialId !== undefined
    ? ctx.repo.materialById(key.keyId, input.KeyMaterialId)
    : key.currentVersion > 0 ? ctx.repo.getMaterial(key.keyId, key.currentVersion) : null;
  if (target === null) {
    if (input.KeyMaterialId !== undefined) {
      throw new NotFoundException(`${arn} has no key material with KeyMaterialId ${input.KeyMaterialId}.`);
    }
    // A key that never had material: nothing to delete, as AWS answers for PendingImport.
    return { KeyId: arn };
  }
  destroyImportedMaterial(ctx, key, target);
  return { KeyId: arn, KeyMaterialId: target.materialId };
};

/**
 * Forgets one version's imported material (DeleteImportedKeyMaterial, or its ValidTo passing).
 * Without its current material the key is PendingImport — except while PendingDeletion, which it
 * keeps.
 */
export function destroyImportedMaterial(ctx: Pick<OperationContext, 'repo'>, key: KeyRow, material: MaterialRow): void {
  ctx.repo.destroyMaterial(key.keyId, material.version);
  if (material.version === key.currentVersion && key.keyState !== 'PendingDeletion' && key.keyState !== 'PendingReplicaDeletion') {
    ctx.repo.setState(key.keyId, 'PendingImport', null, null);
  }
}
