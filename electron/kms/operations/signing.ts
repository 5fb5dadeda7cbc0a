// Sign, Verify, GetPublicKey, GenerateMac, VerifyMac and DeriveSharedSecret (docs/aws-kms.md §3.3):
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
import { EXTERNAL_MU_BYTES } from '../crypto/ml-dsa.ts';
import { digestBytes, signMessage, verifySignature, type MessageType, type SupportedSigningAlgorithm } from '../crypto/signing.ts';
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

/**
 * The MessageType forms AWS allows per algorithm (its Sign/Verify MessageType documentation):
 * ED25519_SHA_512 takes only RAW and ED25519_PH_SHA_512 only DIGEST (64 bytes, which KMS
 * hashes once more); ML_DSA_SHAKE_256 takes RAW or EXTERNAL_MU (the 64-byte μ); RSA and ECDSA
 * take RAW or DIGEST (the algorithm's hash length). RAW is the default.
 */
function messageType(algorithm: SupportedSigningAlgorithm, type: string | undefined, message: Uint8Array): MessageType {
  const given = type ?? 'RAW';
  if (algorithm === 'ED25519_SHA_512') {
    if (given !== 'RAW') {
      throw new ValidationException(`ED25519_SHA_512 requires MessageType RAW, not ${given}: pass the message itself. To sign a digest, use ED25519_PH_SHA_512 with MessageType DIGEST.`);
    }
    return 'RAW';
  }
  if (algorithm === 'ED25519_PH_SHA_512' && given !== 'DIGEST') {
    throw new ValidationException(
      `ED25519_PH_SHA_512 requires MessageType DIGEST${type === undefined ? ' (RAW is the default)' : `, not ${given}`}: pass the 64-byte SHA-512 digest of the message; KMS hashes it once more (Ed25519ph). For the message itself, use ED25519_SHA_512.`,
    );
  }
  if (algorithm === 'ML_DSA_SHAKE_256') {
    if (given === 'DIGEST') {
      throw new ValidationException('ML_DSA_SHAKE_256 takes MessageType RAW (the message) or EXTERNAL_MU (the 64-byte μ of FIPS 204 §6.2), not DIGEST.');
    }
    if (given === 'EXTERNAL_MU' && message.length !== EXTERNAL_MU_BYTES) {
      throw new ValidationException(`An EXTERNAL_MU message is the ${EXTERNAL_MU_BYTES}-byte μ of FIPS 204 §6.2, not ${message.length} bytes. Send MessageType RAW to sign the message itself.`);
    }
    return given === 'EXTERNAL_MU' ? 'EXTERNAL_MU' : 'RAW';
  }
  if (given === 'RAW') {
    return 'RAW';
  }
  if (given !== 'DIGEST') {
    throw new InvalidKeyUsageException(`MessageType ${given} is only for ML-DSA keys; use RAW or DIGEST with ${algorithm}.`);
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
