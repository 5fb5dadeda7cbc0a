// Sign, Verify, GetPublicKey, GenerateMac, VerifyMac and DeriveSharedSecret (reference §3.3):
// the operations of asymmetric and HMAC keys. Each checks state, then usage, then that the
// algorithm is one the key's spec offers, before any material is touched. A failed check of a
// signature or MAC is an error (KMSInvalidSignatureException, KMSInvalidMacException), never a
// false answer, as at AWS.

import { createPublicKey } from 'node:crypto';
import type { KeyUsage } from '../../../shared/api/operations.ts';
import type { Handler, KeyedHandler, OperationContext } from '../context.ts';
import { deriveSharedSecret as ecdh } from '../crypto/ecdh.ts';
import { generateMac as hmac, verifyMac as checkMac } from '../crypto/hmac.ts';
import { parsePublicKeyDer, publicKeyDer } from '../crypto/key-pairs.ts';
import { isKeyPair, keySpecInfo, type MacAlgorithm, type SigningAlgorithm } from '../crypto/key-specs.ts';
import { digestBytes, signMessage, verifySignature, type SupportedSigningAlgorithm } from '../crypto/signing.ts';
import {
  InvalidKeyUsageException,
  KMSInvalidMacException,
  KMSInvalidSignatureException,
  UnsupportedOperationException,
  ValidationException,
} from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { requireState } from '../key-state.ts';
import { resolveKey } from '../resolve.ts';
import type { KeyRow } from '../store/repository.ts';
import { dryRunSucceeded, refuseRecipient } from './encryption.ts';
import { withMaterial } from './material.ts';
import { algorithmLists } from './metadata.ts';
import { requireKeyForUse } from './usage.ts';

/** Resolves a key for a cryptographic operation and checks its state and usage. */
export function keyForUse(ctx: OperationContext, keyId: string, usage: KeyUsage, action: string): { key: KeyRow; arn: string } {
  const key = resolveKey(ctx, keyId, 'keyOrAlias');
  const arn = requireKeyForUse(ctx, key, usage, action);
  return { key, arn };
}

function signingAlgorithmFor(key: KeyRow, arn: string, algorithm: SigningAlgorithm): SupportedSigningAlgorithm {
  const offered = keySpecInfo(key.keySpec).signingAlgorithms;
  if (!offered.includes(algorithm)) {
    throw new InvalidKeyUsageException(`${arn} (${key.keySpec}) does not support SigningAlgorithm ${algorithm}; it supports ${offered.join(', ')}.`);
  }
  return algorithm as SupportedSigningAlgorithm;
}

/** RAW messages are hashed here; DIGEST messages must already be the algorithm's hash. */
function messageType(algorithm: SupportedSigningAlgorithm, type: string | undefined, message: Uint8Array): 'RAW' | 'DIGEST' {
  if (type === undefined || type === 'RAW') {
    return 'RAW';
  }
  if (type !== 'DIGEST') {
    throw new InvalidKeyUsageException(`MessageType ${type} is only for ML-DSA keys; use RAW or DIGEST with ${algorithm}.`);
  }
  const expected = digestBytes(algorithm);
  if (message.length !== expected) {
    throw new ValidationException(
      `Digest is invalid length for algorithm ${algorithm}: a DIGEST message must be the ${expected}-byte hash of the message, not ${message.length} bytes. Send MessageType RAW to have the message hashed for you.`,
    );
  }
  return 'DIGEST';
}

export const sign: KeyedHandler<'Sign'> = (ctx, input, key) => {
  const arn = keyArn(ctx.scope, key.keyId);
  const algorithm = signingAlgorithmFor(key, arn, input.SigningAlgorithm);
  const type = messageType(algorithm, input.MessageType, input.Message);
  if (input.DryRun === true) {
    return dryRunSucceeded();
  }
  const signature = withMaterial(ctx, key, key.currentVersion, (privateKey) => signMessage(algorithm, privateKey, input.Message, type));
  return { KeyId: arn, Signature: signature, SigningAlgorithm: algorithm };
};

export const verify: KeyedHandler<'Verify'> = (ctx, input, key) => {
  const arn = keyArn(ctx.scope, key.keyId);
  const algorithm = signingAlgorithmFor(key, arn, input.SigningAlgorithm);
  const type = messageType(algorithm, input.MessageType, input.Message);
  if (input.DryRun === true) {
    return dryRunSucceeded();
  }
  const valid = withMaterial(ctx, key, key.currentVersion, (privateKey) =>
    verifySignature(algorithm, createPublicKey(privateKey), input.Message, type, input.Signature),
  );
  if (!valid) {
    throw new KMSInvalidSignatureException(
      `The signature is not valid for this message under ${arn} with ${algorithm} (MessageType ${type}). Check the message, the algorithm and that the signature was made by this key.`,
    );
  }
  return { KeyId: arn, SignatureValid: true, SigningAlgorithm: algorithm };
};

export const getPublicKey: Handler<'GetPublicKey'> = (ctx, input) => {
  const key = resolveKey(ctx, input.KeyId, 'keyOrAlias');
  ctx.authorize('kms:GetPublicKey', key);
  const arn = keyArn(ctx.scope, key.keyId);
  if (!isKeyPair(key.keySpec)) {
    throw new UnsupportedOperationException(`${arn} is a ${key.keySpec} key, which has no public key. GetPublicKey works with asymmetric keys.`);
  }
  requireState('cryptographic', key.keyState, arn);
  const publicKey = withMaterial(ctx, key, key.currentVersion, (privateKey) => publicKeyDer(privateKey));
  return {
    KeyId: arn,
    PublicKey: publicKey,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    KeyUsage: key.keyUsage,
    ...algorithmLists(key),
  };
};

function macAlgorithmFor(key: KeyRow, arn: string, algorithm: MacAlgorithm): MacAlgorithm {
  const offered = keySpecInfo(key.keySpec).macAlgorithms;
  if (!offered.includes(algorithm)) {
    throw new InvalidKeyUsageException(`${arn} (${key.keySpec}) does not support MacAlgorithm ${algorithm}; it supports ${offered.join(', ')}.`);
  }
  return algorithm;
}

export const generateMac: KeyedHandler<'GenerateMac'> = (ctx, input, key) => {
  const arn = keyArn(ctx.scope, key.keyId);
  const algorithm = macAlgorithmFor(key, arn, input.MacAlgorithm);
  if (input.DryRun === true) {
    return dryRunSucceeded();
  }
  const mac = withMaterial(ctx, key, key.currentVersion, (material) => hmac(algorithm, material, input.Message));
  return { Mac: mac, MacAlgorithm: algorithm, KeyId: arn };
};

export const verifyMac: KeyedHandler<'VerifyMac'> = (ctx, input, key) => {
  const arn = keyArn(ctx.scope, key.keyId);
  const algorithm = macAlgorithmFor(key, arn, input.MacAlgorithm);
  if (input.DryRun === true) {
    return dryRunSucceeded();
  }
  const valid = withMaterial(ctx, key, key.currentVersion, (material) => checkMac(algorithm, material, input.Message, input.Mac));
  if (!valid) {
    throw new KMSInvalidMacException(`The MAC is not valid for this message under ${arn} with ${algorithm}.`);
  }
  return { KeyId: arn, MacValid: true, MacAlgorithm: algorithm };
};

export const deriveSharedSecret: Handler<'DeriveSharedSecret'> = (ctx, input) => {
  refuseRecipient(input.Recipient);
  const { key, arn } = keyForUse(ctx, input.KeyId, 'KEY_AGREEMENT', 'kms:DeriveSharedSecret');
  const peer = parsePublicKeyDer(input.PublicKey);
  if (peer === null) {
    throw new ValidationException(
      'PublicKey is not a DER-encoded X.509 SubjectPublicKeyInfo of an EC key on a named curve (RFC 5280). Send the peer key as GetPublicKey or `openssl pkey -pubout -outform DER` gives it.',
    );
  }
  if (input.DryRun === true) {
    return dryRunSucceeded();
  }
  const secret = withMaterial(ctx, key, key.currentVersion, (privateKey) => ecdh(privateKey, peer));
  if (!(secret instanceof Uint8Array)) {
    throw new InvalidKeyUsageException(
      secret === 'invalid'
        ? 'The peer public key is not a valid point for ECDH.'
        : `The peer public key is not on ${key.keySpec}'s curve: ECDH needs both keys on the same curve.`,
    );
  }
  return { KeyId: arn, SharedSecret: secret, KeyAgreementAlgorithm: 'ECDH', KeyOrigin: key.origin };
};
