// KeyMetadata as DescribeKey, CreateKey and friends return it.

import type { OperationOutput } from '../../../shared/api/operations.ts';
import type { OperationContext } from '../context.ts';
import { keySpecInfo } from '../crypto/key-specs.ts';
import { keyArn } from '../identifiers.ts';
import type { KeyRow } from '../store/repository.ts';

export type KeyMetadata = OperationOutput<'DescribeKey'>['KeyMetadata'];

export function keyMetadata(ctx: OperationContext, key: KeyRow): KeyMetadata {
  const spec = keySpecInfo(key.keySpec);
  const material = key.currentVersion > 0 ? ctx.repo.getMaterial(key.keyId, key.currentVersion) : null;
  return {
    AWSAccountId: ctx.scope.accountId,
    KeyId: key.keyId,
    Arn: keyArn(ctx.scope, key.keyId),
    CreationDate: new Date(key.createdAt),
    Enabled: key.keyState === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.keyState,
    ...(key.deletionDate !== null ? { DeletionDate: new Date(key.deletionDate) } : {}),
    Origin: key.origin,
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...(key.keyUsage === 'ENCRYPT_DECRYPT' && spec !== null ? { EncryptionAlgorithms: [...spec.encryptionAlgorithms] } : {}),
    MultiRegion: key.multiRegion,
    ...(key.pendingWindowDays !== null ? { PendingDeletionWindowInDays: key.pendingWindowDays } : {}),
    ...(material !== null ? { CurrentKeyMaterialId: material.materialId } : {}),
  };
}
