// The key step of each KMS operation the pipeline resolves and checks itself, in AWS's order:
// resolve the key the request names → authorize the action on it (and the quorum rule, D25) →
// the key state allows the operation → its KeyUsage is the one needed. The handler receives the
// checked key. Operations not listed here resolve their own keys, because AWS checks something
// in between (PutKeyPolicy's policy name, CreateGrant's own decision, a rotation's key spec
// before its state), they take several keys (ReEncrypt, aliases), or the key comes from the
// ciphertext (Decrypt): each documents its order in its handler.

import type { KeyUsage, OperationName } from '../../../shared/api/operations.ts';
import type { StateRow } from '../key-state.ts';
import type { KeyIdForms } from '../resolve.ts';

export type KeyStep = {
  /** The request member that names the key. */
  readonly member: 'KeyId';
  /** Whether an alias name or alias ARN is accepted (AWS: cryptographic operations and DescribeKey). */
  readonly forms: KeyIdForms;
  /** The IAM action authorized on the key; kms:<Operation> when absent. */
  readonly action?: string;
  /** The key-state rule (key-state.ts) checked after authorization. */
  readonly state?: StateRow;
  /** The KeyUsage the key must have. */
  readonly usage?: KeyUsage;
};

const keyOnly: KeyStep = { member: 'KeyId', forms: 'keyOnly' };
const crypto = (usage: KeyUsage): KeyStep => ({ member: 'KeyId', forms: 'keyOrAlias', state: 'cryptographic', usage });

export const KEY_STEPS: { readonly [N in OperationName]?: KeyStep } = {
  DescribeKey: { member: 'KeyId', forms: 'keyOrAlias' },
  UpdateKeyDescription: { ...keyOnly, state: 'tagOrDescribe' },
  EnableKey: { ...keyOnly, state: 'enableDisable' },
  DisableKey: { ...keyOnly, state: 'enableDisable' },
  TagResource: { ...keyOnly, state: 'tagOrDescribe' },
  UntagResource: { ...keyOnly, state: 'tagOrDescribe' },
  ListResourceTags: keyOnly,
  ListKeyPolicies: keyOnly,
  ScheduleKeyDeletion: { ...keyOnly, state: 'scheduleDeletion' },
  CancelKeyDeletion: { ...keyOnly, state: 'cancelDeletion' },
  // Rotation checks the key spec before the state (requireRotatable), and import the origin.
  EnableKeyRotation: keyOnly,
  DisableKeyRotation: keyOnly,
  GetKeyRotationStatus: keyOnly,
  RotateKeyOnDemand: keyOnly,
  ListKeyRotations: keyOnly,
  GetKeyLastUsage: keyOnly,
  GetParametersForImport: keyOnly,
  ImportKeyMaterial: keyOnly,
  DeleteImportedKeyMaterial: keyOnly,
  ExportKeyMaterial: { member: 'KeyId', forms: 'keyOrAlias', action: 'strongroom:ExportKeyMaterial', state: 'exportMaterial' },
  ListGrants: keyOnly,
  RevokeGrant: keyOnly,
  Sign: crypto('SIGN_VERIFY'),
  Verify: crypto('SIGN_VERIFY'),
  GenerateMac: crypto('GENERATE_VERIFY_MAC'),
  VerifyMac: crypto('GENERATE_VERIFY_MAC'),
};
