// KeyMetadata as DescribeKey, CreateKey and friends return it.

import type { OperationOutput } from '../../../shared/api/operations.ts';
import type { OperationContext } from '../context.ts';
import { keySpecInfo } from '../crypto/key-specs.ts';
import { keyArn } from '../identifiers.ts';
import type { KeyRow } from '../store/repository.ts';

export type KeyMetadata = OperationOutput<'DescribeKey'>['KeyMetadata'];

/** The algorithm lists AWS reports for a key: only the one that fits its usage. */
export function algorithmLists(key: Pick<KeyRow, 'keySpec' | 'keyUsage'>): {
  EncryptionAlgorithms?: Array<string>;
  SigningAlgorithms?: Array<string>;
  MacAlgorithms?: Array<string>;
  KeyAgreementAlgorithms?: Array<string>;
} {
  const spec = keySpecInfo(key.keySpec);
  switch (key.keyUsage) {
    case 'ENCRYPT_DECRYPT':
      return { EncryptionAlgorithms: [...spec.encryptionAlgorithms] };
    case 'SIGN_VERIFY':
      return { SigningAlgorithms: [...spec.signingAlgorithms] };
    case 'GENERATE_VERIFY_MAC':
      return { MacAlgorithms: [...spec.macAlgorithms] };
    case 'KEY_AGREEMENT':
      return { KeyAgreementAlgorithms: [...spec.keyAgreementAlgorithms] };
  }
}

export function keyMetadata(ctx: OperationContext, key: KeyRow): KeyMetadata {
  const material = key.currentVersion > 0 ? ctx.repo.getMaterial(key.keyId, key.currentVersion) : null;
  const imported = key.origin === 'EXTERNAL' && material !== null && material.wrapped !== null ? material : null;
  // ValidTo: the earliest expiry of any imported material the key still holds.
  const expiries = key.origin === 'EXTERNAL'
    ? ctx.repo.listMaterial(key.keyId, 0, 10_000).flatMap((m) => (m.wrapped !== null && m.validTo !== null ? [m.validTo] : []))
    : [];
  const store = key.origin === 'AWS_CLOUDHSM' ? ctx.keyStores.keyStoreOf(key.keyId) : null;
  // A key in a custom key store that is not connected is Unavailable (docs/aws-kms.md §6), whatever
  // its own state; its own state returns when the store is connected again.
  const storeRow = store === null ? null : ctx.keyStores.get(store.storeId);
  const unavailable = store !== null && storeRow?.connectionState !== 'CONNECTED' && (key.keyState === 'Enabled' || key.keyState === 'Disabled');
  const keyState = unavailable ? 'Unavailable' : key.keyState;
  return {
    AWSAccountId: ctx.scope.accountId,
    KeyId: key.keyId,
    Arn: keyArn(ctx.scope, key.keyId),
    CreationDate: new Date(key.createdAt),
    Enabled: keyState === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: keyState,
    ...(key.deletionDate !== null ? { DeletionDate: new Date(key.deletionDate) } : {}),
    ...(expiries.length > 0 ? { ValidTo: new Date(Math.min(...expiries)) } : {}),
    Origin: key.origin,
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...algorithmLists(key),
    MultiRegion: key.multiRegion,
    ...(key.pendingWindowDays !== null ? { PendingDeletionWindowInDays: key.pendingWindowDays } : {}),
    ...(imported?.expirationModel != null ? { ExpirationModel: imported.expirationModel } : {}),
    // AWS reports material ids only for symmetric encryption keys (HMAC and asymmetric keys never rotate).
    ...(material !== null && key.keySpec === 'SYMMETRIC_DEFAULT' ? { CurrentKeyMaterialId: material.materialId } : {}),
    ...(store !== null ? { CustomKeyStoreId: store.storeId } : {}),
    ...(key.exportable ? { XStrongroomExportable: true } : {}),
  };
}
