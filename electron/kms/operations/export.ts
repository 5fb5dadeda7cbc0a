// ExportKeyMaterial (Strongroom's own operation, issue 11, D23): the BYOK bridge out. Wraps an
// exportable key's CURRENT material (or an older one named by KeyMaterialId) under a wrapping public key from AWS KMS's (or another
// Strongroom's) GetParametersForImport, exactly as ImportKeyMaterial expects it, so a key born
// here can be imported there. The import token is only passed through, so the caller has both
// files `aws kms import-key-material` takes.
//
// The material is what AWS's import takes for the key spec: 32 bytes for SYMMETRIC_DEFAULT, the
// HMAC key for HMAC_*, the DER PKCS#8 PrivateKeyInfo for RSA and ECC keys (as Strongroom stores
// them). Strongroom's own import takes only the first two; AWS takes all three.
//
// Four gates, in order: the key exists; the caller is allowed strongroom:ExportKeyMaterial (an
// explicit statement: kms:* and "*" never allow it); the key is Enabled; the key was created
// with XStrongroomExportable. Only then is the wrapping public key checked and the material
// unwrapped — into this function, wrapped again under the caller's key and wiped. Nothing is
// written; the engine's audit record names the key, the wrapping algorithm and the SHA-256 of
// the wrapping public key (engine.ts), never the material or the wrapped blob.

import type { KeyedHandler } from '../context.ts';
import {
  isSupportedWrappingAlgorithm,
  oaepCapacity,
  wrapMaterialForImport,
  wrappingPublicKeyProblem,
} from '../crypto/import-wrapping.ts';
import { keySpecInfo } from '../crypto/key-specs.ts';
import { unwrapMaterial } from '../crypto/material-wrap.ts';
import { wipe } from '../crypto/wipe.ts';
import { KMSInternalException, KMSInvalidStateException, NotFoundException, UnsupportedOperationException, ValidationException } from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { materialBinding } from './material.ts';

export const exportKeyMaterial: KeyedHandler<'ExportKeyMaterial'> = (ctx, input, key) => {
  const arn = keyArn(ctx.scope, key.keyId);
  if (!key.exportable) {
    throw new UnsupportedOperationException(
      `${arn} was not created exportable, and never can be: only keys created with XStrongroomExportable (strongroom create-key --x-strongroom-exportable) can have their material exported.`,
    );
  }
  const spec = keySpecInfo(key.keySpec);
  if (!spec.supported) {
    throw new UnsupportedOperationException(`Exporting ${key.keySpec} key material is not supported by this version of Strongroom.`);
  }
  if (!isSupportedWrappingAlgorithm(input.WrappingAlgorithm)) {
    throw new ValidationException(
      `WrappingAlgorithm ${input.WrappingAlgorithm} is not supported for export (AWS retired RSAES_PKCS1_V1_5; SM2PKE exists only in China Regions). Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.`,
    );
  }
  // AWS's rule: RSA private keys are imported only with RSA_AES_KEY_WRAP_*.
  if (spec.kind === 'rsa' && !input.WrappingAlgorithm.startsWith('RSA_AES_KEY_WRAP_')) {
    throw new ValidationException(
      `${key.keySpec} key material (a PKCS#8 private key) is too large for ${input.WrappingAlgorithm}; AWS KMS imports RSA private keys only with RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256.`,
    );
  }
  const problem = wrappingPublicKeyProblem(input.WrappingPublicKey);
  if (problem !== null) {
    throw new ValidationException(`WrappingPublicKey ${problem}.`);
  }
  // The current material by default: AWS's import takes one material per call and makes the
  // first one current. An older one (rotated away) only when asked for by KeyMaterialId, so a
  // whole history can be moved into another Strongroom in order (docs/keys.md, D23).
  const row = input.KeyMaterialId !== undefined
    ? ctx.repo.materialById(key.keyId, input.KeyMaterialId)
    : key.currentVersion > 0 ? ctx.repo.getMaterial(key.keyId, key.currentVersion) : null;
  if (row === null && input.KeyMaterialId !== undefined) {
    throw new NotFoundException(`${arn} has no key material with KeyMaterialId ${input.KeyMaterialId}. ListKeyRotations with IncludeKeyMaterial ALL_KEY_MATERIAL lists them.`);
  }
  if (row === null || row.wrapped === null || row.version > key.currentVersion) {
    throw new KMSInvalidStateException(
      row === null || row.wrapped === null
        ? `${arn} has no ${input.KeyMaterialId === undefined ? 'current ' : ''}key material to export (imported material that was deleted or expired cannot be).`
        : `Key material ${row.materialId} of ${arn} is waiting to become current (PENDING_ROTATION); export it after RotateKeyOnDemand.`,
    );
  }
  const material = unwrapMaterial(ctx.rootKey, materialBinding(key, row.version), row.wrapped);
  if (material === null) {
    throw new KMSInternalException(`The stored material of ${arn} (version ${row.version}) failed to unwrap: the database row was modified.`);
  }
  let encrypted: Uint8Array;
  try {
    const direct = input.WrappingAlgorithm === 'RSAES_OAEP_SHA_1' || input.WrappingAlgorithm === 'RSAES_OAEP_SHA_256';
    if (direct && material.length > oaepCapacity(input.WrappingAlgorithm, input.WrappingPublicKey)) {
      throw new ValidationException(
        `${key.keySpec} key material (${material.length} bytes) is too large for ${input.WrappingAlgorithm} under this wrapping key; use RSA_AES_KEY_WRAP_SHA_256 (or a larger wrapping key).`,
      );
    }
    encrypted = wrapMaterialForImport(input.WrappingAlgorithm, input.WrappingPublicKey, material);
  } finally {
    wipe(material);
  }
  return {
    KeyId: arn,
    EncryptedKeyMaterial: encrypted,
    ...(input.ImportToken !== undefined ? { ImportToken: input.ImportToken } : {}),
    KeyMaterialId: row.materialId,
    KeySpec: key.keySpec,
    WrappingAlgorithm: input.WrappingAlgorithm,
  };
};
