// The KMS operations' handlers, one per operation of shared/api/operations.ts. The mapped type
// makes a missing one a compile error, so the CLI, endpoint and bridge never list an operation
// the engine cannot serve.

import type { HandlerTable } from '../context.ts';
import { createAlias, deleteAlias, listAliases, updateAlias } from './aliases.ts';
import {
  generateDataKeyHandler,
  generateDataKeyPair,
  generateDataKeyPairWithoutPlaintext,
  generateDataKeyWithoutPlaintext,
  generateRandom,
} from './data-keys.ts';
import { deriveSharedSecret, generateMac, getPublicKey, sign, verify, verifyMac } from './signing.ts';
import { cancelKeyDeletion, scheduleKeyDeletion } from './deletion.ts';
import { decrypt, encrypt, reEncrypt } from './encryption.ts';
import { deleteImportedKeyMaterial, getParametersForImport, importKeyMaterial } from './import.ts';
import {
  disableKeyRotation,
  enableKeyRotation,
  getKeyRotationStatus,
  listKeyRotations,
  rotateKeyOnDemand,
} from './rotation.ts';
import { getKeyLastUsage } from './last-usage.ts';
import {
  createKey,
  describeKey,
  disableKey,
  enableKey,
  listKeys,
  updateKeyDescription,
} from './keys.ts';
import { listResourceTags, tagResource, untagResource } from './tags.ts';
import { createGrant, listGrants, listRetirableGrants, retireGrant, revokeGrant } from './grants.ts';
import { getKeyPolicy, listKeyPolicies, putKeyPolicy } from './key-policy.ts';
import { simulatePolicy } from './simulate.ts';
import {
  connectCustomKeyStore,
  createCustomKeyStore,
  deleteCustomKeyStore,
  describeCustomKeyStores,
  disconnectCustomKeyStore,
  updateCustomKeyStore,
} from './custom-key-stores.ts';
import { exportKeyMaterial } from './export.ts';

/**
 * Every operation in shared/api/operations.ts must have a handler here: the mapped type makes a
 * missing one a compile error, so the CLI, endpoint and bridge never list an operation the
 * engine cannot serve.
 */
export const KMS_HANDLERS: HandlerTable = {
  CreateKey: createKey,
  DescribeKey: describeKey,
  ListKeys: listKeys,
  UpdateKeyDescription: updateKeyDescription,
  EnableKey: enableKey,
  DisableKey: disableKey,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  CancelKeyDeletion: cancelKeyDeletion,
  CreateAlias: createAlias,
  UpdateAlias: updateAlias,
  DeleteAlias: deleteAlias,
  ListAliases: listAliases,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListResourceTags: listResourceTags,
  Encrypt: encrypt,
  Decrypt: decrypt,
  ReEncrypt: reEncrypt,
  GenerateDataKey: generateDataKeyHandler,
  GenerateDataKeyWithoutPlaintext: generateDataKeyWithoutPlaintext,
  GenerateRandom: generateRandom,
  EnableKeyRotation: enableKeyRotation,
  DisableKeyRotation: disableKeyRotation,
  GetKeyRotationStatus: getKeyRotationStatus,
  RotateKeyOnDemand: rotateKeyOnDemand,
  ListKeyRotations: listKeyRotations,
  GetKeyLastUsage: getKeyLastUsage,
  GetParametersForImport: getParametersForImport,
  ImportKeyMaterial: importKeyMaterial,
  DeleteImportedKeyMaterial: deleteImportedKeyMaterial,
  Sign: sign,
  Verify: verify,
  GetPublicKey: getPublicKey,
  GenerateMac: generateMac,
  VerifyMac: verifyMac,
  DeriveSharedSecret: deriveSharedSecret,
  GenerateDataKeyPair: generateDataKeyPair,
  GenerateDataKeyPairWithoutPlaintext: generateDataKeyPairWithoutPlaintext,
  PutKeyPolicy: putKeyPolicy,
  GetKeyPolicy: getKeyPolicy,
  ListKeyPolicies: listKeyPolicies,
  CreateGrant: createGrant,
  ListGrants: listGrants,
  ListRetirableGrants: listRetirableGrants,
  RetireGrant: retireGrant,
  RevokeGrant: revokeGrant,
  CreateCustomKeyStore: createCustomKeyStore,
  ConnectCustomKeyStore: connectCustomKeyStore,
  DisconnectCustomKeyStore: disconnectCustomKeyStore,
  DescribeCustomKeyStores: describeCustomKeyStores,
  UpdateCustomKeyStore: updateCustomKeyStore,
  DeleteCustomKeyStore: deleteCustomKeyStore,
  SimulatePolicy: simulatePolicy,
  ExportKeyMaterial: exportKeyMaterial,
};
