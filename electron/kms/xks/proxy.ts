// The four operations of AWS's XKS proxy API, as handlers of the one pipeline (validated, one
// transaction, one audit record with the request's requestMetadata). The caller is AWS KMS,
// authenticated by SigV4 with one of the logical key store's credentials (xks-endpoint.ts); a
// key answers only in a store that exposes it, and only to the AWS principals the exposure names.
//
// Errors are the engine's typed errors; the XKS surface renames them to the specification's
// names (KeyNotFoundException for NotFoundException, InvalidStateException, InternalException…).

import { createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StrongroomActionInput } from '../../../shared/api/strongroom-actions.ts';
import type { OperationContext } from '../context.ts';
import { unwrapMaterial, wrapMaterial } from '../crypto/material-wrap.ts';
import {
  AccessDeniedException,
  InvalidCiphertextException,
  InvalidKeyUsageException,
  KMSInternalException,
  KMSInvalidStateException,
  NotFoundException,
  UnsupportedOperationException,
  ValidationException,
} from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { withMaterial } from '../operations/material.ts';
import type { KeyRow } from '../store/repository.ts';
import { ciphertextDataIntegrityValue, decodeMetadata, XKS_MAX_AAD_BYTES, XKS_MAX_METADATA_BYTES, xksOpen, xksSeal, type XksSealed } from './crypto.ts';
import { shownPrefix } from './admin.ts';
import type { XksKeyStoreRow } from './store.ts';

/** Plaintext and ciphertext this proxy takes (the specification requires 4300 bytes). */
export const XKS_MAX_DATA_BYTES = 64 * 1024;
const PROXY_MODEL = 'Strongroom XKS proxy (XKS Proxy API v1)';

export type XksKeyMetadata = { readonly keySpec: string; readonly keyUsage: ReadonlyArray<string>; readonly keyStatus: 'ENABLED' | 'DISABLED' };
export type XksEncryptOutput = {
  readonly ciphertext: Uint8Array;
  readonly ciphertextMetadata: Uint8Array;
  readonly initializationVector: Uint8Array;
  readonly authenticationTag: Uint8Array;
  readonly ciphertextDataIntegrityValue?: Uint8Array;
};
export type XksHealth = {
  readonly xksProxyFleetSize: number;
  readonly xksProxyVendor: string;
  readonly xksProxyModel: string;
  readonly ekmVendor: string;
  readonly ekmFleetDetails: ReadonlyArray<{ readonly id: string; readonly model: string; readonly healthStatus: 'ACTIVE' | 'DEGRADED' | 'UNAVAILABLE' }>;
};

/** The store this call is for, provided the caller signed with one of its credentials. */
function callerStore(ctx: OperationContext, keyStoreId: string): XksKeyStoreRow {
  const credential = ctx.caller.accessKeyId === undefined ? null : ctx.xks.credential(ctx.caller.accessKeyId);
  const store = ctx.xks.store(keyStoreId);
  if (credential === null || store === null || credential.keyStoreId !== keyStoreId) {
    throw new AccessDeniedException(`${ctx.caller.arn} may not call ${ctx.operation}: the XKS proxy API is for AWS KMS, signing with a credential of external key store ${keyStoreId}.`);
  }
  return store;
}

type KeyedInput = { readonly KeyStoreId: string; readonly ExternalKeyId: string; readonly RequestMetadata: { readonly AwsPrincipalArn?: string } };

/** The exposed key the request names; unexposed keys do not exist for this store. */
function exposedKey(ctx: OperationContext, input: KeyedInput): KeyRow {
  const key = ctx.repo.getKey(input.ExternalKeyId);
  if (key !== null) {
    // Named by the call's record whatever the outcome, as the pipeline does for resolved keys.
    ctx.touch(key);
  }
  const store = callerStore(ctx, input.KeyStoreId);
  const exposure = key === null ? null : ctx.xks.exposure(store.keyStoreId, key.keyId);
  if (key === null || exposure === null) {
    throw new NotFoundException(`External key '${input.ExternalKeyId}' is not exposed by the external key store at '${shownPrefix(store.uriPrefix)}'.`);
  }
  const principal = input.RequestMetadata.AwsPrincipalArn;
  if (exposure.awsPrincipals !== null && (principal === undefined || !exposure.awsPrincipals.includes(principal))) {
    throw new AccessDeniedException(`AWS principal '${principal ?? '(none)'}' may not use external key '${key.keyId}': its exposure names only ${exposure.awsPrincipals.join(', ')}.`);
  }
  return key;
}

/** Encrypt and Decrypt need an enabled AES key. */
function requireUsableAesKey(ctx: OperationContext, key: KeyRow): void {
  const arn = keyArn(ctx.scope, key.keyId);
  if (key.keyState !== 'Enabled') {
    throw new KMSInvalidStateException(`${arn} is ${key.keyState}; ${ctx.operation} needs an enabled key.`);
  }
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new InvalidKeyUsageException(`${arn} is a ${key.keySpec} key; it cannot ${ctx.operation === 'XksEncrypt' ? 'encrypt' : 'decrypt'}.`);
  }
}

function requireSupported(algorithm: string, sizes: ReadonlyArray<readonly [string, Uint8Array | undefined, number]>): void {
  if (algorithm !== 'AES_GCM') {
    throw new UnsupportedOperationException(`encryptionAlgorithm '${algorithm}' is not supported: version 1 of the XKS proxy API uses AES_GCM.`);
  }
  for (const [name, value, limit] of sizes) {
    if (value !== undefined && value.length > limit) {
      throw new UnsupportedOperationException(`${name} is ${value.length} bytes; this proxy supports at most ${limit}.`);
    }
  }
}

export function xksGetKeyMetadata(ctx: OperationContext, input: StrongroomActionInput<'XksGetKeyMetadata'>): XksKeyMetadata {
  const key = exposedKey(ctx, input);
  const aes = key.keySpec === 'SYMMETRIC_DEFAULT';
  return {
    keySpec: aes ? 'AES_256' : key.keySpec,
    keyUsage: aes ? ['ENCRYPT', 'DECRYPT'] : ['SIGN', 'VERIFY'],
    keyStatus: key.keyState === 'Enabled' ? 'ENABLED' : 'DISABLED',
  };
}

export function xksEncrypt(ctx: OperationContext, input: StrongroomActionInput<'XksEncrypt'>): XksEncryptOutput {
  const key = exposedKey(ctx, input);
  const aad = input.AdditionalAuthenticatedData;
  requireSupported(input.EncryptionAlgorithm, [['plaintext', input.Plaintext, XKS_MAX_DATA_BYTES], ['additionalAuthenticatedData', aad, XKS_MAX_AAD_BYTES]]);
  const cdivAlgorithm = input.CiphertextDataIntegrityValueAlgorithm;
  if (cdivAlgorithm !== undefined && cdivAlgorithm !== 'SHA_256') {
    throw new UnsupportedOperationException(`ciphertextDataIntegrityValueAlgorithm '${cdivAlgorithm}' is not supported: use SHA_256.`);
  }
  requireUsableAesKey(ctx, key);
  return withMaterial(ctx, key, key.currentVersion, (material) => {
    const sealed = xksSeal(material, key.currentVersion, input.Plaintext, aad);
    if (cdivAlgorithm === undefined) {
      return sealed;
    }
    // Appendix C: the value first, then a decrypt of exactly what is returned.
    const cdiv = ciphertextDataIntegrityValue(aad, sealed);
    const proof = xksOpen(material, sealed, aad);
    if (proof === null || proof.length !== input.Plaintext.length || !timingSafeEqual(proof, input.Plaintext)) {
      throw new KMSInternalException('The encryption did not decrypt back to its plaintext; nothing was returned. Retry the request.');
    }
    proof.fill(0);
    return { ...sealed, ciphertextDataIntegrityValue: cdiv };
  });
}

export function xksDecrypt(ctx: OperationContext, input: StrongroomActionInput<'XksDecrypt'>): { readonly plaintext: Uint8Array } {
  const key = exposedKey(ctx, input);
  const aad = input.AdditionalAuthenticatedData;
  requireSupported(input.EncryptionAlgorithm, [['ciphertext', input.Ciphertext, XKS_MAX_DATA_BYTES], ['additionalAuthenticatedData', aad, XKS_MAX_AAD_BYTES]]);
  const iv = input.InitializationVector;
  if (iv.length !== 12 && iv.length !== 16) {
    throw new ValidationException(`initializationVector must be 12 or 16 bytes, not ${iv.length}.`);
  }
  if (input.AuthenticationTag.length !== 16) {
    throw new ValidationException(`authenticationTag must be 16 bytes, not ${input.AuthenticationTag.length}.`);
  }
  const metadata = input.CiphertextMetadata;
  if (metadata !== undefined && metadata.length > XKS_MAX_METADATA_BYTES) {
    throw new ValidationException(`ciphertextMetadata must be at most ${XKS_MAX_METADATA_BYTES} bytes, not ${metadata.length}.`);
  }
  requireUsableAesKey(ctx, key);
  const version = metadata === undefined ? null : decodeMetadata(metadata);
  if (metadata === undefined || version === null) {
    throw new InvalidCiphertextException('The ciphertextMetadata is missing or is not one this proxy wrote: pass the ciphertextMetadata Encrypt returned with this ciphertext.');
  }
  const sealed: XksSealed = { ciphertext: input.Ciphertext, ciphertextMetadata: metadata, initializationVector: iv, authenticationTag: input.AuthenticationTag };
  const plaintext = withMaterial(ctx, key, version, (material) => xksOpen(material, sealed, aad));
  if (plaintext === null) {
    throw new InvalidCiphertextException('The ciphertext, initialization vector, additional authenticated data, ciphertext metadata or authentication tag is corrupted or does not belong to this key.');
  }
  return { plaintext };
}

/**
 * A deep check: the store's row read from the database, a test secret wrapped and unwrapped under
 * the root key, and an AES-GCM round trip under a test key — never a key AWS KMS uses, so no key
 * shows activity AWS's CloudTrail does not.
 */
export function xksGetHealthStatus(ctx: OperationContext, input: StrongroomActionInput<'XksGetHealthStatus'>): XksHealth {
  callerStore(ctx, input.KeyStoreId);
  let healthy: boolean;
  try {
    const probe = randomBytes(32);
    const binding = { keyId: input.KeyStoreId, version: 0, purpose: 'xks-health-check' };
    const back = unwrapMaterial(ctx.rootKey, binding, wrapMaterial(ctx.rootKey, binding, probe));
    const testKey = createSecretKey(randomBytes(32));
    const sealed = xksSeal(testKey, 1, probe, probe);
    const opened = xksOpen(testKey, sealed, probe);
    healthy = back !== null && opened !== null && timingSafeEqual(back, probe) && timingSafeEqual(opened, probe);
  } catch {
    healthy = false;
  }
  return {
    xksProxyFleetSize: 1,
    xksProxyVendor: 'Strongroom',
    xksProxyModel: PROXY_MODEL,
    ekmVendor: 'Strongroom',
    ekmFleetDetails: [{ id: ctx.installation.installationId, model: 'Strongroom desktop key manager', healthStatus: healthy ? 'ACTIVE' : 'UNAVAILABLE' }],
  };
}
