// Encrypt, Decrypt, ReEncrypt (docs/aws-kms.md §3.2). With symmetric keys the ciphertext blob names
// its key and material version (crypto/ciphertext-blob.ts), so Decrypt needs no KeyId and every
// older material version keeps decrypting after rotation. With RSA keys the ciphertext is plain
// RSAES-OAEP, as AWS's is (so anyone holding the public key can encrypt offline): Decrypt then
// needs the KeyId and the EncryptionAlgorithm, and there is no encryption context.

import type { EncryptionAlgorithm } from '../../../shared/api/operations.ts';
import type { OperationContext } from '../context.ts';
import { openBlob, openBlobWith, parseBlobHeader, sealBlob, sealBlobWith } from '../crypto/ciphertext-blob.ts';
import { keySpecInfo } from '../crypto/key-specs.ts';
import { oaepDecrypt, oaepEncrypt, oaepMaxPlaintext, type OaepAlgorithm } from '../crypto/rsa-oaep.ts';
import type { Handler } from '../context.ts';
import {
  AccessDeniedException,
  DryRunOperationException,
  IncorrectKeyException,
  InvalidCiphertextException,
  InvalidKeyUsageException,
  UnsupportedOperationException,
  ValidationException,
} from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { resolveKey } from '../resolve.ts';
import type { KeyRow } from '../store/repository.ts';
import { onToken, tokenKeyFor } from './custom-key-stores.ts';
import { withMaterial } from './material.ts';
import { requireKeyForUse } from './usage.ts';

/** The usage and algorithm checks every symmetric encryption operation makes. */
export function requireSymmetricEncryptionKey(
  ctx: OperationContext,
  key: KeyRow,
  algorithm: EncryptionAlgorithm | undefined,
  action: string,
): void {
  const arn = requireKeyForUse(ctx, key, 'ENCRYPT_DECRYPT', action);
  const spec = keySpecInfo(key.keySpec);
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new InvalidKeyUsageException(`${arn} is a ${key.keySpec} key; ${ctx.operation} needs a symmetric encryption key.`);
  }
  if (algorithm !== undefined && !spec.encryptionAlgorithms.includes(algorithm)) {
    throw new InvalidKeyUsageException(
      `${arn} does not support EncryptionAlgorithm ${algorithm}; it supports ${spec.encryptionAlgorithms.join(', ')}.`,
    );
  }
}

/** The checks of an RSA encryption key; returns the OAEP algorithm to use. */
function requireRsaEncryptionKey(
  ctx: OperationContext,
  key: KeyRow,
  algorithm: EncryptionAlgorithm | undefined,
  context: Readonly<Record<string, string>> | undefined,
  action: string,
): OaepAlgorithm {
  const arn = requireKeyForUse(ctx, key, 'ENCRYPT_DECRYPT', action);
  if (algorithm !== 'RSAES_OAEP_SHA_1' && algorithm !== 'RSAES_OAEP_SHA_256') {
    throw new InvalidKeyUsageException(
      `${arn} is an asymmetric ${key.keySpec} key: pass EncryptionAlgorithm RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256${algorithm === undefined ? '' : `, not ${algorithm}`}.`,
    );
  }
  if (context !== undefined && Object.keys(context).length > 0) {
    throw new ValidationException('EncryptionContext is supported only with symmetric encryption keys; omit it for asymmetric keys.');
  }
  return algorithm;
}

function isRsa(key: KeyRow): boolean {
  return keySpecInfo(key.keySpec).kind === 'rsa';
}

/** The checks of an encryption key of either kind; returns the algorithm it will use. */
function checkEncryptionKey(
  ctx: OperationContext,
  key: KeyRow,
  algorithm: EncryptionAlgorithm | undefined,
  context: Readonly<Record<string, string>> | undefined,
  action: string,
): EncryptionAlgorithm {
  if (!isRsa(key)) {
    requireSymmetricEncryptionKey(ctx, key, algorithm, action);
    return 'SYMMETRIC_DEFAULT';
  }
  return requireRsaEncryptionKey(ctx, key, algorithm, context, action);
}

/** Encrypts under a checked key: a ciphertext blob (symmetric) or RSAES-OAEP. */
function encryptUnder(
  ctx: OperationContext,
  key: KeyRow,
  algorithm: EncryptionAlgorithm,
  plaintext: Uint8Array,
  context: Readonly<Record<string, string>> | undefined,
): { blob: Uint8Array; materialId?: string } {
  if (algorithm !== 'RSAES_OAEP_SHA_1' && algorithm !== 'RSAES_OAEP_SHA_256') {
    return sealUnderKey(ctx, key, plaintext, context);
  }
  const limit = oaepMaxPlaintext(keySpecInfo(key.keySpec).rsaBits ?? 0, algorithm);
  if (plaintext.length > limit) {
    throw new ValidationException(
      `${key.keySpec} with ${algorithm} encrypts at most ${limit} bytes; the plaintext is ${plaintext.length}. Encrypt a data key instead, or use a larger key or RSAES_OAEP_SHA_1.`,
    );
  }
  // No materialId: AWS reports DestinationKeyMaterialId only for symmetric encryption keys.
  return withMaterial(ctx, key, key.currentVersion, (privateKey) => ({ blob: oaepEncrypt(algorithm, privateKey, plaintext) }));
}

export function refuseRecipient(recipient: unknown): void {
  if (recipient !== undefined) {
    throw new UnsupportedOperationException(
      'Recipient (a Nitro Enclaves attestation document) is not supported: Strongroom does not run in an enclave. Omit Recipient.',
    );
  }
}

export function dryRunSucceeded(): never {
  throw new DryRunOperationException('The request would have succeeded, but the DryRun option is set.');
}

/**
 * Encrypts under the key's current material. A key in a custom key store is sealed by its token
 * (AES-GCM inside the token) into the same blob layout, and has no KeyMaterialId (as AWS
 * reports none for keys in custom key stores).
 */
export function sealUnderKey(
  ctx: OperationContext,
  key: KeyRow,
  plaintext: Uint8Array,
  context: Readonly<Record<string, string>> | undefined,
): { blob: Uint8Array; materialId?: string } {
  const token = tokenKeyFor(ctx, key);
  if (token !== null) {
    const blob = onToken(ctx, token, (session) =>
      sealBlobWith({ keyId: key.keyId, keyVersion: key.currentVersion }, plaintext, context, (nonce, data, aad) => session.gcmEncrypt(token.label, nonce, aad, data)),
    );
    return { blob };
  }
  return withMaterial(ctx, key, key.currentVersion, (material, row) => ({
    blob: sealBlob({ keyId: key.keyId, keyVersion: key.currentVersion }, material, plaintext, context),
    materialId: row.materialId,
  }));
}

type Opened = { key: KeyRow; plaintext: Uint8Array; materialId?: string; algorithm: EncryptionAlgorithm };

/**
 * The decrypting half of Decrypt and ReEncrypt: parse the blob, find its key, check a given
 * KeyId matches, check state and usage, and decrypt with the material version the blob names.
 */
function openCiphertext(
  ctx: OperationContext,
  blob: Uint8Array,
  givenKeyId: string | undefined,
  context: Readonly<Record<string, string>> | undefined,
  algorithm: EncryptionAlgorithm | undefined,
  action: string,
  dryRun: boolean,
): Opened {
  const requested = givenKeyId === undefined ? null : resolveKey(ctx, givenKeyId, 'keyOrAlias');
  if (requested !== null && requested.keyUsage === 'GENERATE_VERIFY_MAC') {
    // AWS: IncorrectKeyException — an HMAC key cannot be the key that encrypted any ciphertext,
    // whatever the blob holds (not InvalidKeyUsageException, which is about what the key may do).
    throw new IncorrectKeyException(
      `${keyArn(ctx.scope, requested.keyId)} is an HMAC key (${requested.keySpec}); it cannot have encrypted this ciphertext. Pass the key that encrypted it, or omit the KeyId for a symmetric ciphertext.`,
    );
  }
  if (requested !== null && isRsa(requested)) {
    const oaep = requireRsaEncryptionKey(ctx, requested, algorithm, context, action);
    if (dryRun) {
      return dryRunSucceeded();
    }
    return withMaterial(ctx, requested, requested.currentVersion, (privateKey) => {
      const plaintext = oaepDecrypt(oaep, privateKey, blob);
      if (plaintext === null) {
        throw new InvalidCiphertextException(
          `The ciphertext does not decrypt under ${keyArn(ctx.scope, requested.keyId)} with ${oaep}: it was encrypted under another key or algorithm, or modified.`,
        );
      }
      // No materialId: AWS reports KeyMaterialId only for symmetric encryption keys.
      return { key: requested, plaintext, algorithm: oaep };
    });
  }
  const header = parseBlobHeader(blob);
  if (header === null) {
    throw new InvalidCiphertextException(
      'The ciphertext is not a Strongroom ciphertext blob (wrong length or format version). Pass the CiphertextBlob exactly as Encrypt or GenerateDataKey returned it; for an RSA ciphertext, pass the KeyId and EncryptionAlgorithm too.',
    );
  }
  const key = ctx.repo.getKey(header.keyId);
  if (key === null) {
    // AWS does not reveal whether the key exists to a caller who cannot use it.
    throw new AccessDeniedException(
      'The ciphertext refers to a KMS key that does not exist in this installation, or you are not allowed to access it.',
    );
  }
  ctx.touch(key);
  if (requested !== null && requested.keyId !== key.keyId) {
    throw new IncorrectKeyException(
      `The KMS key in the request (${keyArn(ctx.scope, requested.keyId)}) is not the one that encrypted the ciphertext. Omit KeyId or pass the key that encrypted it.`,
    );
  }
  if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT') {
    throw new InvalidCiphertextException(
      `The ciphertext was encrypted with SYMMETRIC_DEFAULT, not ${algorithm}. Omit EncryptionAlgorithm or pass SYMMETRIC_DEFAULT.`,
    );
  }
  requireSymmetricEncryptionKey(ctx, key, algorithm, action);
  const token = tokenKeyFor(ctx, key);
  if (dryRun) {
    return dryRunSucceeded();
  }
  const failed = () =>
    new InvalidCiphertextException(
      'The ciphertext failed to authenticate: it was modified, or the encryption context is not exactly the one used to encrypt it (keys and values are case-sensitive).',
    );
  if (token !== null) {
    if (header.keyVersion !== key.currentVersion) {
      throw new InvalidCiphertextException(`The ciphertext names version ${header.keyVersion} of ${keyArn(ctx.scope, key.keyId)}, which that key does not have.`);
    }
    const plaintext = onToken(ctx, token, (session) =>
      openBlobWith(blob, context, (nonce, ciphertext, tag, aad) => session.gcmDecrypt(token.label, nonce, aad, ciphertext, tag)),
    );
    if (plaintext === null) {
      throw failed();
    }
    return { key, plaintext, algorithm: 'SYMMETRIC_DEFAULT' as const };
  }
  return withMaterial(ctx, key, header.keyVersion, (material, row) => {
    const plaintext = openBlob(blob, material, context);
    if (plaintext === null) {
      throw failed();
    }
    return { key, plaintext, materialId: row.materialId, algorithm: 'SYMMETRIC_DEFAULT' as const };
  });
}

export const encrypt: Handler<'Encrypt'> = (ctx, input) => {
  const key = resolveKey(ctx, input.KeyId, 'keyOrAlias');
  const algorithm = checkEncryptionKey(ctx, key, input.EncryptionAlgorithm, input.EncryptionContext, 'kms:Encrypt');
  if (input.DryRun === true) {
    return dryRunSucceeded();
  }
  const sealed = encryptUnder(ctx, key, algorithm, input.Plaintext, input.EncryptionContext);
  return { CiphertextBlob: sealed.blob, KeyId: keyArn(ctx.scope, key.keyId), EncryptionAlgorithm: algorithm };
};

export const decrypt: Handler<'Decrypt'> = (ctx, input) => {
  refuseRecipient(input.Recipient);
  const opened = openCiphertext(
    ctx,
    input.CiphertextBlob,
    input.KeyId,
    input.EncryptionContext,
    input.EncryptionAlgorithm,
    'kms:Decrypt',
    input.DryRun === true,
  );
  return {
    KeyId: keyArn(ctx.scope, opened.key.keyId),
    Plaintext: opened.plaintext,
    EncryptionAlgorithm: opened.algorithm,
    ...(opened.materialId !== undefined ? { KeyMaterialId: opened.materialId } : {}),
  };
};

export const reEncrypt: Handler<'ReEncrypt'> = (ctx, input) => {
  const destination = resolveKey(ctx, input.DestinationKeyId, 'keyOrAlias');
  const destinationAlgorithm = checkEncryptionKey(ctx, destination, input.DestinationEncryptionAlgorithm, input.DestinationEncryptionContext, 'kms:ReEncryptTo');
  const source = openCiphertext(
    ctx,
    input.CiphertextBlob,
    input.SourceKeyId,
    input.SourceEncryptionContext,
    input.SourceEncryptionAlgorithm,
    'kms:ReEncryptFrom',
    input.DryRun === true,
  );
  try {
    const sealed = encryptUnder(ctx, destination, destinationAlgorithm, source.plaintext, input.DestinationEncryptionContext);
    return {
      CiphertextBlob: sealed.blob,
      SourceKeyId: keyArn(ctx.scope, source.key.keyId),
      KeyId: keyArn(ctx.scope, destination.keyId),
      SourceEncryptionAlgorithm: source.algorithm,
      DestinationEncryptionAlgorithm: destinationAlgorithm,
      ...(source.materialId !== undefined ? { SourceKeyMaterialId: source.materialId } : {}),
      ...(sealed.materialId !== undefined ? { DestinationKeyMaterialId: sealed.materialId } : {}),
    };
  } finally {
    source.plaintext.fill(0);
  }
};
