// GenerateDataKey, GenerateDataKeyWithoutPlaintext and GenerateRandom. A data key's ciphertext
// is an ordinary ciphertext blob, so Decrypt returns the data key.

import { randomBytes } from 'node:crypto';
import type { DataKeySpec } from '../../../shared/api/operations.ts';
import type { Handler, OperationContext } from '../context.ts';
import { wipe } from '../crypto/wipe.ts';
import { UnsupportedOperationException, ValidationException } from '../errors.ts';
import { keyArn } from '../identifiers.ts';
import { resolveKey } from '../resolve.ts';
import { dryRunSucceeded, refuseRecipient, requireSymmetricEncryptionKey, sealUnderKey } from './encryption.ts';

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
  const plaintext = randomBytes(length);
  const sealed = sealUnderKey(ctx, key, plaintext, input.EncryptionContext);
  return { plaintext, blob: sealed.blob, materialId: sealed.materialId, arn: keyArn(ctx.scope, key.keyId) };
}

export const generateDataKeyHandler: Handler<'GenerateDataKey'> = (ctx, input) => {
  refuseRecipient(input.Recipient);
  const dk = generateDataKey(ctx, input, 'kms:GenerateDataKey');
  return { CiphertextBlob: dk.blob, Plaintext: dk.plaintext, KeyId: dk.arn, KeyMaterialId: dk.materialId };
};

export const generateDataKeyWithoutPlaintext: Handler<'GenerateDataKeyWithoutPlaintext'> = (ctx, input) => {
  const dk = generateDataKey(ctx, input, 'kms:GenerateDataKeyWithoutPlaintext');
  wipe(dk.plaintext);
  return { CiphertextBlob: dk.blob, KeyId: dk.arn, KeyMaterialId: dk.materialId };
};

export const generateRandom: Handler<'GenerateRandom'> = (ctx, input) => {
  refuseRecipient(input.Recipient);
  if (input.CustomKeyStoreId !== undefined) {
    throw new UnsupportedOperationException('Custom key stores are not supported: omit CustomKeyStoreId.');
  }
  if (input.NumberOfBytes === undefined) {
    throw new ValidationException(
      "1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null",
    );
  }
  ctx.authorize('kms:GenerateRandom', null);
  return { Plaintext: randomBytes(input.NumberOfBytes) };
};
