// A secret version's value, envelope-encrypted as Secrets Manager does it: a fresh 256-bit data
// key from GenerateDataKey under the secret's KMS key (encryption context SecretARN and
// SecretVersionId), the value sealed with AES-256-GCM under that data key, and only the data
// key's KMS ciphertext stored. Reading calls Decrypt. Both KMS calls go through the engine's
// pipeline as calls Secrets Manager makes for the caller (kms:ViaService), so the key's policy,
// grants and state decide, and each is audited with invokedBy secretsmanager.amazonaws.com.

import { randomBytes } from 'node:crypto';
import type { OperationContext } from '../context.ts';
import { aesGcmOpen, aesGcmSeal, GCM_NONCE_BYTES, GCM_TAG_BYTES } from '../crypto/aes-gcm.ts';
import { encodeStringList } from '../crypto/encoding.ts';
import { wipe } from '../crypto/wipe.ts';
import { AccessDeniedException, DecryptionFailure, EncryptionFailure, InvalidParameterException, KmsError } from '../errors.ts';
import { managedAlias } from '../managed-keys.ts';
import type { SecretRow, VersionRow } from './store.ts';

export const SERVICE = 'secretsmanager';

export type SecretValue = { readonly kind: 'string'; readonly text: string } | { readonly kind: 'binary'; readonly bytes: Uint8Array };

/** The value a request gives (SecretString or SecretBinary, not both), or null for none. */
export function valueOf(input: { readonly SecretString?: string; readonly SecretBinary?: Uint8Array }, InvalidParameter: new (m: string) => KmsError): SecretValue | null {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw new InvalidParameter('You can\'t specify both a binary secret value and a string secret value in the same secret.');
  }
  if (input.SecretString !== undefined) {
    return { kind: 'string', text: input.SecretString };
  }
  return input.SecretBinary === undefined ? null : { kind: 'binary', bytes: input.SecretBinary };
}

function context(secretArn: string, versionId: string): Record<string, string> {
  return { SecretARN: secretArn, SecretVersionId: versionId };
}

function aad(secretArn: string, versionId: string, kind: SecretValue['kind']): Uint8Array {
  return encodeStringList(['strongroom/secret-version/v1', secretArn, versionId, kind]);
}

/** The key id a KMS output's KeyId (an ARN) names. */
function keyIdOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** A KMS refusal as Secrets Manager reports it: AccessDenied stays AccessDenied, the rest is its own failure. */
function kmsFailure(err: unknown, Failure: new (m: string) => KmsError, doing: string): KmsError {
  if (!(err instanceof KmsError)) {
    return new Failure(`Secrets Manager can't ${doing} the secret value: an internal error occurred.`);
  }
  if (err.name === 'AccessDeniedException') {
    return new AccessDeniedException(`Access to KMS is not allowed. ${err.message}`);
  }
  return new Failure(`Secrets Manager can't ${doing} the protected secret text using the provided KMS key: ${err.name}: ${err.message}`);
}

/** A KmsKeyId KMS would not describe for the caller: AccessDenied stays, anything else is a bad parameter. */
export function kmsFailureOnResolve(err: unknown, given: string): KmsError {
  if (err instanceof KmsError && err.name === 'AccessDeniedException') {
    return new AccessDeniedException(`Access to KMS is not allowed. ${err.message}`);
  }
  const why = err instanceof KmsError ? `${err.name}: ${err.message}` : 'an internal error occurred';
  return new InvalidParameterException(`The KmsKeyId '${given}' is not a KMS key Secrets Manager can use (${why}).`);
}

/** The KeyId Secrets Manager asks KMS for: the secret's customer key, or the managed key's alias. */
export function secretKeyId(secret: Pick<SecretRow, 'kmsKeyId'>): string {
  return secret.kmsKeyId ?? managedAlias(SERVICE);
}

/** Names the secret's key in the call's audit record (a KMS key the call used). */
function touchKey(ctx: OperationContext, keyId: string): void {
  const key = ctx.repo.getKey(keyId);
  if (key !== null) {
    ctx.touch(key);
  }
}

/** Encrypts a new version's value; the row is ready to store. */
export function sealVersion(ctx: OperationContext, secret: Pick<SecretRow, 'arn' | 'kmsKeyId'>, versionId: string, value: SecretValue): Omit<VersionRow, 'lastAccessedAt'> {
  let dk;
  try {
    dk = ctx.callKms(SERVICE, 'GenerateDataKey', { KeyId: secretKeyId(secret), KeySpec: 'AES_256', EncryptionContext: context(secret.arn, versionId) });
  } catch (err) {
    throw kmsFailure(err, EncryptionFailure, 'encrypt');
  }
  const keyId = keyIdOfArn(dk.KeyId);
  touchKey(ctx, keyId);
  const plain = value.kind === 'string' ? new TextEncoder().encode(value.text) : value.bytes;
  try {
    const nonce = randomBytes(GCM_NONCE_BYTES);
    const sealed = aesGcmSeal(dk.Plaintext, nonce, plain, aad(secret.arn, versionId, value.kind));
    return {
      secretArn: secret.arn,
      versionId,
      createdAt: ctx.clock.now(),
      kmsKeyId: keyId,
      encryptedDataKey: dk.CiphertextBlob,
      valueKind: value.kind,
      sealed: Buffer.concat([nonce, sealed.ciphertext, sealed.tag]),
    };
  } finally {
    wipe(dk.Plaintext);
    if (value.kind === 'string') {
      wipe(plain);
    }
  }
}

/** Decrypts a stored version. The caller wipes a binary value's bytes when done with them. */
export function openVersion(ctx: OperationContext, version: VersionRow): SecretValue {
  touchKey(ctx, version.kmsKeyId);
  let dk;
  try {
    dk = ctx.callKms(SERVICE, 'Decrypt', { KeyId: version.kmsKeyId, CiphertextBlob: version.encryptedDataKey, EncryptionContext: context(version.secretArn, version.versionId) });
  } catch (err) {
    throw kmsFailure(err, DecryptionFailure, 'decrypt');
  }
  try {
    const s = version.sealed;
    const nonce = s.subarray(0, GCM_NONCE_BYTES);
    const body = s.subarray(GCM_NONCE_BYTES, s.length - GCM_TAG_BYTES);
    const tag = s.subarray(s.length - GCM_TAG_BYTES);
    const plain = aesGcmOpen(dk.Plaintext, nonce, body, tag, aad(version.secretArn, version.versionId, version.valueKind));
    if (plain === null) {
      throw new DecryptionFailure("Secrets Manager can't decrypt the protected secret text: the stored version does not authenticate (it was altered or moved).");
    }
    if (version.valueKind === 'binary') {
      return { kind: 'binary', bytes: plain };
    }
    const text = new TextDecoder().decode(plain);
    wipe(plain);
    return { kind: 'string', text };
  } finally {
    wipe(dk.Plaintext);
  }
}

/** Whether two values are the same (an idempotent retry carries the same value). */
export function sameValue(a: SecretValue, b: SecretValue): boolean {
  if (a.kind === 'string' && b.kind === 'string') {
    return a.text === b.text;
  }
  return a.kind === 'binary' && b.kind === 'binary' && Buffer.from(a.bytes).equals(Buffer.from(b.bytes));
}
