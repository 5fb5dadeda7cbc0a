// GenerateDataKey, GenerateDataKeyWithoutPlaintext and GenerateRandom. A data key's ciphertext
// is an ordinary ciphertext blob, so Decrypt returns the data key.

import { randomBytesPooled } from '../crypto/random-pool.ts';
import type { DataKeySpec, KeySpec } from '../../../shared/api/operations.ts';
import { generatePrivateKey, importPrivateKey, publicKeyDer } from '../crypto/key-pairs.ts';
import { keySpecInfo } from '../crypto/key-specs.ts';
import type { Handler, OperationContext } from '../context.ts';
import { wipe } from '../crypto/wipe.ts';
import { UnsupportedOperationException, ValidationException } from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { resolveKey } from '../resolve.ts';
import { connectedStore, onToken } from './custom-key-stores.ts';
import { dryRunSucceeded, refuseRecipient, requireSymmetricEncryptionKey, sealUnderKey } from './encryption.ts';

type DataKeyPairSpec = Extract<KeySpec, 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1' | 'SM2' | 'ECC_NIST_EDWARDS25519'>;

const DATA_KEY_BYTES: Readonly<Record<DataKeySpec, number>> = { AES_256: 32, AES_128: 16 };

function dataKeyLength(spec: DataKeySpec | undefined, numberOfBytes: number | undefined): number {
  if (spec !== undefined && numberOfBytes !== undefined) {
    throw new ValidationException('Specify either KeySpec or NumberOfBytes, not both.');
  }
  if (spec !== undefined) {
    return DATA_KEY_BYTES[spec];
  }
  if (numberOfBytes !== undefined) {
    return numberOfBytes;
  }
  throw new ValidationException('Specify either KeySpec (AES_256 or AES_128) or NumberOfBytes (1–1024).');
}

/** KeyMaterialId when the key has one (keys in a custom key store have none). */
function materialIdOf(sealed: { readonly materialId?: string | undefined }): { KeyMaterialId?: string } {
  return sealed.materialId !== undefined ? { KeyMaterialId: sealed.materialId } : {};
}

type DataKeyInput = {
  readonly KeyId: string;
  readonly KeySpec?: DataKeySpec;
  readonly NumberOfBytes?: number;
  readonly EncryptionContext?: Record<string, string>;
  readonly DryRun?: boolean;
};

function generateDataKey(ctx: OperationContext, input: DataKeyInput, action: string) {
  const length = dataKeyLength(input.KeySpec, input.NumberOfBytes);
  const key = resolveKey(ctx, input.KeyId, 'keyOrAlias');
  requireSymmetricEncryptionKey(ctx, key, undefined, action);
  if (input.DryRun === true) {
    return dryRunSucceeded();
  }
  const plaintext = randomBytesPooled(length);
  const sealed = sealUnderKey(ctx, key, plaintext, input.EncryptionContext);
  return { plaintext, blob: sealed.blob, materialId: sealed.materialId, arn: keyArn(ctx.scope, key.keyId) };
}

export const generateDataKeyHandler: Handler<'GenerateDataKey'> = (ctx, input) => {
  refuseRecipient(input.Recipient);
  const dk = generateDataKey(ctx, input, 'kms:GenerateDataKey');
  return { CiphertextBlob: dk.blob, Plaintext: dk.plaintext, KeyId: dk.arn, ...materialIdOf(dk) };
};

export const generateDataKeyWithoutPlaintext: Handler<'GenerateDataKeyWithoutPlaintext'> = (ctx, input) => {
  const dk = generateDataKey(ctx, input, 'kms:GenerateDataKeyWithoutPlaintext');
  wipe(dk.plaintext);
  return { CiphertextBlob: dk.blob, KeyId: dk.arn, ...materialIdOf(dk) };
};

type DataKeyPairInput = {
  readonly KeyId: string;
  readonly KeyPairSpec: DataKeyPairSpec;
  readonly EncryptionContext?: Record<string, string>;
  readonly DryRun?: boolean;
};

/**
 * A fresh key pair whose private key (PKCS#8 DER, as AWS returns it) is sealed under a
 * symmetric key like any data key. Any pair spec may be asked for, whatever KMS keys it could
 * also be: data key pairs carry no usage.
 */
function makeDataKeyPair(ctx: OperationContext, input: DataKeyPairInput, action: string) {
  const key = resolveKey(ctx, input.KeyId, 'keyOrAlias');
  requireSymmetricEncryptionKey(ctx, key, undefined, action);
  const info = keySpecInfo(input.KeyPairSpec);
  if (!info.supported) {
    throw new UnsupportedOperationException(
      `KeyPairSpec ${input.KeyPairSpec} is not supported: AWS offers SM2 only in its China Regions. Use RSA_2048/3072/4096, ECC_NIST_P256/P384/P521, ECC_SECG_P256K1 or ECC_NIST_EDWARDS25519.`,
    );
  }
  if (input.DryRun === true) {
    return dryRunSucceeded();
  }
  const privateKey = generatePrivateKey(info);
  const sealed = sealUnderKey(ctx, key, privateKey, input.EncryptionContext);
  return {
    privateKey,
    base: {
      PrivateKeyCiphertextBlob: sealed.blob,
      PublicKey: publicKeyDer(importPrivateKey(privateKey)),
      KeyId: keyArn(ctx.scope, key.keyId),
      KeyPairSpec: input.KeyPairSpec,
      ...materialIdOf(sealed),
    },
  };
}

export const generateDataKeyPair: Handler<'GenerateDataKeyPair'> = (ctx, input) => {
  refuseRecipient(input.Recipient);
  const pair = makeDataKeyPair(ctx, input, 'kms:GenerateDataKeyPair');
  return { ...pair.base, PrivateKeyPlaintext: pair.privateKey };
};

export const generateDataKeyPairWithoutPlaintext: Handler<'GenerateDataKeyPairWithoutPlaintext'> = (ctx, input) => {
  const pair = makeDataKeyPair(ctx, input, 'kms:GenerateDataKeyPairWithoutPlaintext');
  wipe(pair.privateKey);
  return pair.base;
};

export const generateRandom: Handler<'GenerateRandom'> = (ctx, input) => {
  refuseRecipient(input.Recipient);
  const length = input.NumberOfBytes;
  if (length === undefined) {
    throw new ValidationException(
      "1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null",
    );
  }
  ctx.authorize('kms:GenerateRandom', null);
  if (input.CustomKeyStoreId !== undefined) {
    // As AWS with a CloudHSM store: the bytes come from the store's token (C_GenerateRandom).
    const store = connectedStore(ctx, input.CustomKeyStoreId, 'generating random bytes with it');
    return { Plaintext: onToken(ctx, { storeId: store.row.storeId, session: store.session }, (session) => session.random(length)) };
  }
  return { Plaintext: randomBytesPooled(length) };
};
