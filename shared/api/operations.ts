// The operation list: every operation Strongroom serves, with its request and response shape
// in the terms of the AWS KMS service model (docs/aws-kms.md §2–§3). The engine's dispatch table, the
// CLI's commands and flags, the HTTP endpoint's X-Amz-Target routing and the IPC bridge are all
// generated from this one table, so a new operation is added here and nowhere else.

import {
  blob,
  bool,
  int,
  list,
  map,
  str,
  struct,
  time,
  type Infer,
  type StructureSpec,
} from './schema.ts';

// --- Enumerations (exact values from the model) ---------------------------------------------

export const KEY_SPECS = [
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'ECC_NIST_EDWARDS25519',
  'SYMMETRIC_DEFAULT',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
  'SM2',
  'ML_DSA_44',
  'ML_DSA_65',
  'ML_DSA_87',
] as const;
export type KeySpec = (typeof KEY_SPECS)[number];

export const KEY_USAGES = [
  'SIGN_VERIFY',
  'ENCRYPT_DECRYPT',
  'GENERATE_VERIFY_MAC',
  'KEY_AGREEMENT',
] as const;
export type KeyUsage = (typeof KEY_USAGES)[number];

export const ORIGINS = ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] as const;
export type Origin = (typeof ORIGINS)[number];

export const KEY_STATES = [
  'Creating',
  'Enabled',
  'Disabled',
  'PendingDeletion',
  'PendingImport',
  'PendingReplicaDeletion',
  'Unavailable',
  'Updating',
] as const;
export type KeyState = (typeof KEY_STATES)[number];

export const ENCRYPTION_ALGORITHMS = [
  'SYMMETRIC_DEFAULT',
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'SM2PKE',
] as const;
export type EncryptionAlgorithm = (typeof ENCRYPTION_ALGORITHMS)[number];

export const SIGNING_ALGORITHM_NAMES = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'SM2DSA',
  'ED25519_SHA_512',
  'ED25519_PH_SHA_512',
  'ML_DSA_SHAKE_256',
] as const;
export const MAC_ALGORITHM_NAMES = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'] as const;
export const MESSAGE_TYPES = ['RAW', 'DIGEST', 'EXTERNAL_MU'] as const;
export const DATA_KEY_PAIR_SPECS = [
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'SM2',
  'ECC_NIST_EDWARDS25519',
] as const;

export const DATA_KEY_SPECS = ['AES_256', 'AES_128'] as const;
export type DataKeySpec = (typeof DATA_KEY_SPECS)[number];

export const EXPIRATION_MODELS = ['KEY_MATERIAL_EXPIRES', 'KEY_MATERIAL_DOES_NOT_EXPIRE'] as const;
export const WRAPPING_ALGORITHMS = [
  'RSAES_PKCS1_V1_5',
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_1',
  'RSA_AES_KEY_WRAP_SHA_256',
  'SM2PKE',
] as const;
export type WrappingAlgorithm = (typeof WRAPPING_ALGORITHMS)[number];
export const WRAPPING_KEY_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096', 'SM2'] as const;
export type WrappingKeySpec = (typeof WRAPPING_KEY_SPECS)[number];

// --- Shared member shapes ---------------------------------------------------------------------

const keyIdType = str({ required: true, min: 1, max: 2048 });
const optionalKeyId = str({ min: 1, max: 2048 });
const aliasNameType = str({ required: true, min: 1, max: 256, pattern: /^[a-zA-Z0-9:/_-]+$/ });
const description = str({ min: 0, max: 8192 });
// The model's own policy character set: tab, LF, CR and U+0020–U+00FF.
// eslint-disable-next-line no-control-regex
const policy = str({ min: 1, max: 131072, pattern: /^[\u0009\u000A\u000D\u0020-\u00FF]+$/ });
const encryptionContext = map({ key: str(), value: str() });
// Bearer credentials for a grant: never echoed in errors nor logged (CloudTrail-shaped records drop them).
const grantTokens = list({ member: str({ min: 1, max: 8192, sensitive: true }), min: 0, max: 10 });
const limit = int({ min: 1, max: 1000 });
const marker = str({ min: 1, max: 1024, pattern: /^[\u0020-\u00FF]*$/ });
const plaintext = blob({ required: true, min: 1, max: 4096, sensitive: true });
const ciphertextBlob = blob({ required: true, min: 1, max: 6144 });
const encryptionAlgorithm = str({ enum: ENCRYPTION_ALGORITHMS });
const dryRun = bool();
const numberOfBytes = int({ min: 1, max: 1024 });
const signingAlgorithm = str({ required: true, enum: SIGNING_ALGORITHM_NAMES });
const macAlgorithm = str({ required: true, enum: MAC_ALGORITHM_NAMES });
const message = blob({ required: true, min: 1, max: 4096, sensitive: true });
const recipient = struct({
  KeyEncryptionAlgorithm: str({ enum: ['RSAES_OAEP_SHA_256'] }),
  AttestationDocument: blob({ min: 1, max: 262144 }),
});
const tag = struct(
  {
    TagKey: str({ required: true, min: 1, max: 128 }),
    TagValue: str({ required: true, min: 0, max: 256 }),
  },
  { required: true },
);
const tagList = list({ member: tag });
const algorithmList = list({ member: str() });

const keyMetadata = struct(
  {
    AWSAccountId: str(),
    KeyId: str({ required: true }),
    Arn: str({ required: true }),
    CreationDate: time({ required: true }),
    Enabled: bool({ required: true }),
    Description: str({ required: true }),
    KeyUsage: str({ required: true, enum: KEY_USAGES }),
    KeyState: str({ required: true, enum: KEY_STATES }),
    DeletionDate: time(),
    ValidTo: time(),
    Origin: str({ required: true, enum: ORIGINS }),
    KeyManager: str({ required: true, enum: ['AWS', 'CUSTOMER'] }),
    CustomerMasterKeySpec: str({ required: true, enum: KEY_SPECS }),
    KeySpec: str({ required: true, enum: KEY_SPECS }),
    EncryptionAlgorithms: algorithmList,
    SigningAlgorithms: algorithmList,
    MacAlgorithms: algorithmList,
    KeyAgreementAlgorithms: algorithmList,
    MultiRegion: bool({ required: true }),
    PendingDeletionWindowInDays: int(),
    ExpirationModel: str({ enum: EXPIRATION_MODELS }),
    CurrentKeyMaterialId: str(),
    CustomKeyStoreId: str(),
    /** Strongroom extension: present (true) only on keys created with XStrongroomExportable. */
    XStrongroomExportable: bool(),
  },
  { required: true },
);

// --- Custom key stores (docs/aws-kms.md §3.11) --------------------------------------------------------

/** AWS's two types, and Strongroom's own: a PKCS#11 token (an HSM, a smart card, SoftHSM). */
export const CUSTOM_KEY_STORE_TYPES = ['AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE', 'PKCS11'] as const;
export const CONNECTION_STATES = ['CONNECTED', 'CONNECTING', 'FAILED', 'DISCONNECTED', 'DISCONNECTING'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];
/** AWS's ConnectionErrorCode values; a PKCS#11 store uses the ones that mean the same thing for a token. */
export const CONNECTION_ERROR_CODES = [
  'INVALID_CREDENTIALS', 'CLUSTER_NOT_FOUND', 'NETWORK_ERRORS', 'INTERNAL_ERROR', 'INSUFFICIENT_CLOUDHSM_HSMS',
  'USER_LOCKED_OUT', 'USER_NOT_FOUND', 'USER_LOGGED_IN', 'SUBNET_NOT_FOUND', 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET',
  'XKS_PROXY_ACCESS_DENIED', 'XKS_PROXY_NOT_REACHABLE', 'XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND', 'XKS_PROXY_INVALID_RESPONSE',
  'XKS_PROXY_INVALID_CONFIGURATION', 'XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION', 'XKS_PROXY_TIMED_OUT',
  'XKS_PROXY_INVALID_TLS_CONFIGURATION',
] as const;
export type ConnectionErrorCode = (typeof CONNECTION_ERROR_CODES)[number];

const customKeyStoreIdType = str({ required: true, min: 1, max: 64 });
const customKeyStoreName = str({ min: 1, max: 256 });
/** The token's user PIN (AWS: the CloudHSM kmsuser password). Never logged, stored only wrapped. */
const keyStorePassword = str({ min: 1, max: 256, sensitive: true });
const pkcs11ModulePath = str({ min: 1, max: 1024 });
const pkcs11TokenLabel = str({ min: 1, max: 32 });
const customKeyStoreEntry = struct({
  CustomKeyStoreId: str(),
  CustomKeyStoreName: str(),
  CustomKeyStoreType: str({ enum: CUSTOM_KEY_STORE_TYPES }),
  ConnectionState: str({ enum: CONNECTION_STATES }),
  ConnectionErrorCode: str({ enum: CONNECTION_ERROR_CODES }),
  CreationDate: time(),
  XStrongroomPkcs11ModulePath: str(),
  XStrongroomPkcs11TokenLabel: str(),
});

const policyName = str({ min: 1, max: 128, pattern: /^[\w]+$/ });
export const GRANT_OPERATION_NAMES = [
  'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'Sign', 'Verify', 'GetPublicKey',
  'GenerateMac', 'VerifyMac', 'DeriveSharedSecret', 'DescribeKey', 'CreateGrant', 'RetireGrant',
] as const;
const grantIdType = str({ min: 1, max: 128 });
const grantConstraints = struct({
  EncryptionContextSubset: map({ key: str(), value: str() }),
  EncryptionContextEquals: map({ key: str(), value: str() }),
});
const grantListEntry = struct({
  KeyId: str(),
  GrantId: str(),
  Name: str(),
  CreationDate: time(),
  GranteePrincipal: str(),
  RetiringPrincipal: str(),
  IssuingAccount: str(),
  Operations: list({ member: str() }),
  Constraints: grantConstraints,
});

const keyMaterialIdType = str({ min: 64, max: 64, pattern: /^[a-f0-9]+$/ });

const pagedOutput = { NextMarker: str(), Truncated: bool({ required: true }) } as const;
const empty = struct({});

// --- The operations ---------------------------------------------------------------------------

type OperationSpec = {
  /** CloudTrail readOnly: reads and cryptographic operations are true, mutations false. */
  readonly readOnly: boolean;
  /** One sentence for `strongroom <op> --help`. */
  readonly summary: string;
  /** Strongroom's own operation, not in AWS KMS (so AWS SDKs have no command for it). */
  readonly strongroomOnly?: true;
  readonly input: StructureSpec;
  readonly output: StructureSpec;
};

export const operations = {
  CreateKey: {
    readOnly: false,
    summary: 'Creates a KMS key: symmetric AES-256-GCM by default; RSA, ECC or HMAC with KeySpec and KeyUsage.',
    input: struct({
      Policy: policy,
      Description: description,
      KeyUsage: str({ enum: KEY_USAGES }),
      CustomerMasterKeySpec: str({ enum: KEY_SPECS }),
      KeySpec: str({ enum: KEY_SPECS }),
      Origin: str({ enum: ORIGINS }),
      CustomKeyStoreId: str({ min: 1, max: 64 }),
      BypassPolicyLockoutSafetyCheck: bool(),
      Tags: tagList,
      MultiRegion: bool(),
      XksKeyId: str({ min: 1, max: 128 }),
      /** Strongroom extension: ExportKeyMaterial may wrap this key's material (fixed at creation). */
      XStrongroomExportable: bool(),
      /**
       * Strongroom extension, Origin EXTERNAL only: the new key takes this key id (a UUID) instead
       * of a random one, so the key moved here from another Strongroom (ExportKeyMaterial there,
       * ImportKeyMaterial here) opens the ciphertexts that installation made (docs D23).
       */
      XStrongroomKeyId: str({ min: 36, max: 36, pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/ }),
    }),
    output: struct({ KeyMetadata: keyMetadata }),
  },
  DescribeKey: {
    readOnly: true,
    summary: 'Shows a key’s metadata; KeyId may be a key id, key ARN, alias name or alias ARN.',
    input: struct({ KeyId: keyIdType, GrantTokens: grantTokens }),
    output: struct({ KeyMetadata: keyMetadata }),
  },
  ListKeys: {
    readOnly: true,
    summary: 'Lists the key ids and ARNs of every key, in pages.',
    input: struct({ Limit: limit, Marker: marker }),
    output: struct({
      Keys: list({
        required: true,
        member: struct({ KeyId: str({ required: true }), KeyArn: str({ required: true }) }),
      }),
      ...pagedOutput,
    }),
  },
  UpdateKeyDescription: {
    readOnly: false,
    summary: 'Replaces a key’s description.',
    input: struct({ KeyId: keyIdType, Description: { ...description, required: true } }),
    output: empty,
  },
  EnableKey: {
    readOnly: false,
    summary: 'Enables a disabled key.',
    input: struct({ KeyId: keyIdType }),
    output: empty,
  },
  DisableKey: {
    readOnly: false,
    summary: 'Disables a key: cryptographic operations with it fail until it is enabled.',
    input: struct({ KeyId: keyIdType }),
    output: empty,
  },
  ScheduleKeyDeletion: {
    readOnly: false,
    summary: 'Schedules a key for deletion after a waiting period of 7–30 days (default 30).',
    input: struct({
      KeyId: keyIdType,
      PendingWindowInDays: int({ min: 7, max: 30 }),
    }),
    output: struct({
      KeyId: str({ required: true }),
      DeletionDate: time({ required: true }),
      KeyState: str({ required: true, enum: KEY_STATES }),
      PendingWindowInDays: int({ required: true }),
    }),
  },
  CancelKeyDeletion: {
    readOnly: false,
    summary: 'Cancels a scheduled deletion; the key returns in the Disabled state.',
    input: struct({ KeyId: keyIdType }),
    output: struct({ KeyId: str({ required: true }) }),
  },
  CreateAlias: {
    readOnly: false,
    summary: 'Creates an alias (alias/<name>) for a key.',
    input: struct({ AliasName: aliasNameType, TargetKeyId: keyIdType }),
    output: empty,
  },
  UpdateAlias: {
    readOnly: false,
    summary: 'Points an existing alias at another key of the same type and usage.',
    input: struct({ AliasName: aliasNameType, TargetKeyId: keyIdType }),
    output: empty,
  },
  DeleteAlias: {
    readOnly: false,
    summary: 'Deletes an alias; the key it pointed to is not affected.',
    input: struct({ AliasName: aliasNameType }),
    output: empty,
  },
  ListAliases: {
    readOnly: true,
    summary: 'Lists aliases, optionally only those of one key.',
    input: struct({ KeyId: optionalKeyId, Limit: limit, Marker: marker }),
    output: struct({
      Aliases: list({
        required: true,
        member: struct({
          AliasName: str({ required: true }),
          AliasArn: str({ required: true }),
          TargetKeyId: str(),
          CreationDate: time(),
          LastUpdatedDate: time(),
        }),
      }),
      ...pagedOutput,
    }),
  },
  TagResource: {
    readOnly: false,
    summary: 'Adds or overwrites tags on a key.',
    input: struct({ KeyId: keyIdType, Tags: { ...tagList, required: true } }),
    output: empty,
  },
  UntagResource: {
    readOnly: false,
    summary: 'Removes tags from a key.',
    input: struct({
      KeyId: keyIdType,
      TagKeys: list({ required: true, member: str({ min: 1, max: 128 }) }),
    }),
    output: empty,
  },
  ListResourceTags: {
    readOnly: true,
    summary: 'Lists a key’s tags, in pages.',
    input: struct({ KeyId: keyIdType, Limit: limit, Marker: marker }),
    output: struct({ Tags: { ...tagList, required: true }, ...pagedOutput }),
  },
  Encrypt: {
    readOnly: true,
    summary: 'Encrypts up to 4096 bytes under a key, bound to an optional encryption context.',
    input: struct({
      KeyId: keyIdType,
      Plaintext: plaintext,
      EncryptionContext: encryptionContext,
      GrantTokens: grantTokens,
      EncryptionAlgorithm: encryptionAlgorithm,
      DryRun: dryRun,
    }),
    output: struct({
      CiphertextBlob: blob({ required: true }),
      KeyId: str({ required: true }),
      EncryptionAlgorithm: str({ required: true, enum: ENCRYPTION_ALGORITHMS }),
    }),
  },
  Decrypt: {
    readOnly: true,
    summary: 'Decrypts a ciphertext blob; the key is read from the blob (KeyId only checks it).',
    input: struct({
      CiphertextBlob: ciphertextBlob,
      EncryptionContext: encryptionContext,
      GrantTokens: grantTokens,
      KeyId: optionalKeyId,
      EncryptionAlgorithm: encryptionAlgorithm,
      Recipient: recipient,
      DryRun: dryRun,
    }),
    output: struct({
      KeyId: str({ required: true }),
      Plaintext: blob({ required: true, sensitive: true }),
      EncryptionAlgorithm: str({ required: true, enum: ENCRYPTION_ALGORITHMS }),
      KeyMaterialId: str(),
    }),
  },
  ReEncrypt: {
    readOnly: true,
    summary: 'Decrypts under one key and encrypts under another without exposing the plaintext.',
    input: struct({
      CiphertextBlob: ciphertextBlob,
      SourceEncryptionContext: encryptionContext,
      SourceKeyId: optionalKeyId,
      DestinationKeyId: keyIdType,
      DestinationEncryptionContext: encryptionContext,
      SourceEncryptionAlgorithm: encryptionAlgorithm,
      DestinationEncryptionAlgorithm: encryptionAlgorithm,
      GrantTokens: grantTokens,
      DryRun: dryRun,
    }),
    output: struct({
      CiphertextBlob: blob({ required: true }),
      SourceKeyId: str({ required: true }),
      KeyId: str({ required: true }),
      SourceEncryptionAlgorithm: str({ required: true, enum: ENCRYPTION_ALGORITHMS }),
      DestinationEncryptionAlgorithm: str({ required: true, enum: ENCRYPTION_ALGORITHMS }),
      SourceKeyMaterialId: str(),
      DestinationKeyMaterialId: str(),
    }),
  },
  GenerateDataKey: {
    readOnly: true,
    summary: 'Returns a fresh data key in plaintext and encrypted under a key.',
    input: struct({
      KeyId: keyIdType,
      EncryptionContext: encryptionContext,
      NumberOfBytes: numberOfBytes,
      KeySpec: str({ enum: DATA_KEY_SPECS }),
      GrantTokens: grantTokens,
      Recipient: recipient,
      DryRun: dryRun,
    }),
    output: struct({
      CiphertextBlob: blob({ required: true }),
      Plaintext: blob({ required: true, sensitive: true }),
      KeyId: str({ required: true }),
      KeyMaterialId: str(),
    }),
  },
  GenerateDataKeyWithoutPlaintext: {
    readOnly: true,
    summary: 'Returns a fresh data key encrypted under a key, without its plaintext.',
    input: struct({
      KeyId: keyIdType,
      EncryptionContext: encryptionContext,
      KeySpec: str({ enum: DATA_KEY_SPECS }),
      NumberOfBytes: numberOfBytes,
      GrantTokens: grantTokens,
      DryRun: dryRun,
    }),
    output: struct({
      CiphertextBlob: blob({ required: true }),
      KeyId: str({ required: true }),
      KeyMaterialId: str(),
    }),
  },
  GenerateRandom: {
    readOnly: true,
    summary: 'Returns cryptographically secure random bytes (1–1024).',
    input: struct({
      NumberOfBytes: numberOfBytes,
      CustomKeyStoreId: str({ min: 1, max: 64 }),
      Recipient: recipient,
    }),
    output: struct({ Plaintext: blob({ required: true, sensitive: true }) }),
  },
  EnableKeyRotation: {
    readOnly: false,
    summary: 'Turns on automatic rotation of a symmetric key’s material, every 90–2560 days (default 365).',
    input: struct({ KeyId: keyIdType, RotationPeriodInDays: int({ min: 90, max: 2560 }) }),
    output: empty,
  },
  DisableKeyRotation: {
    readOnly: false,
    summary: 'Turns off automatic rotation; material already rotated keeps decrypting.',
    input: struct({ KeyId: keyIdType }),
    output: empty,
  },
  GetKeyRotationStatus: {
    readOnly: true,
    summary: 'Shows whether automatic rotation is on, its period and the next rotation date.',
    input: struct({ KeyId: keyIdType }),
    output: struct({
      KeyRotationEnabled: bool({ required: true }),
      KeyId: str({ required: true }),
      RotationPeriodInDays: int(),
      NextRotationDate: time(),
      OnDemandRotationStartDate: time(),
    }),
  },
  RotateKeyOnDemand: {
    readOnly: false,
    summary: 'Rotates a symmetric key’s material now (at most 25 times per key); older material keeps decrypting.',
    input: struct({ KeyId: keyIdType }),
    output: struct({ KeyId: str({ required: true }) }),
  },
  GetKeyLastUsage: {
    readOnly: true,
    summary: 'Shows the last successful cryptographic operation with a key (name, time, audit event id and request id), from the audit log.',
    input: struct({ KeyId: keyIdType }),
    output: struct({
      KeyId: str(),
      KeyLastUsage: struct({
        Operation: str({
          enum: [
            'Decrypt', 'DeriveSharedSecret', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
            'GenerateDataKeyWithoutPlaintext', 'GenerateMac', 'ReEncrypt', 'Sign', 'Verify', 'VerifyMac',
          ],
        }),
        Timestamp: time(),
        CloudTrailEventId: str(),
        KmsRequestId: str(),
      }),
      TrackingStartDate: time(),
      KeyCreationDate: time(),
    }),
  },
  ListKeyRotations: {
    readOnly: true,
    summary: 'Lists a key’s rotations (or, with ALL_KEY_MATERIAL, every material it has had), oldest first.',
    input: struct({
      KeyId: keyIdType,
      IncludeKeyMaterial: str({ enum: ['ALL_KEY_MATERIAL', 'ROTATIONS_ONLY'] }),
      Limit: limit,
      Marker: marker,
    }),
    output: struct({
      Rotations: list({
        required: true,
        member: struct({
          KeyId: str(),
          KeyMaterialId: str(),
          KeyMaterialDescription: str(),
          ImportState: str({ enum: ['IMPORTED', 'PENDING_IMPORT'] }),
          KeyMaterialState: str({ enum: ['NON_CURRENT', 'CURRENT', 'PENDING_ROTATION'] }),
          ExpirationModel: str({ enum: EXPIRATION_MODELS }),
          ValidTo: time(),
          RotationDate: time(),
          RotationType: str({ enum: ['AUTOMATIC', 'ON_DEMAND'] }),
        }),
      }),
      ...pagedOutput,
    }),
  },
  GetParametersForImport: {
    readOnly: true,
    summary: 'Returns an RSA public key and an import token (valid 24 hours) for importing key material into an EXTERNAL key.',
    input: struct({
      KeyId: keyIdType,
      WrappingAlgorithm: str({ required: true, enum: WRAPPING_ALGORITHMS }),
      WrappingKeySpec: str({ required: true, enum: WRAPPING_KEY_SPECS }),
    }),
    output: struct({
      KeyId: str({ required: true }),
      ImportToken: blob({ required: true }),
      PublicKey: blob({ required: true }),
      ParametersValidTo: time({ required: true }),
    }),
  },
  ImportKeyMaterial: {
    readOnly: false,
    summary: 'Imports key material wrapped with the public key from GetParametersForImport into an EXTERNAL key.',
    input: struct({
      KeyId: keyIdType,
      ImportToken: blob({ required: true, min: 1, max: 6144 }),
      EncryptedKeyMaterial: blob({ required: true, min: 1, max: 6144 }),
      ValidTo: time(),
      ExpirationModel: str({ enum: EXPIRATION_MODELS }),
      ImportType: str({ enum: ['NEW_KEY_MATERIAL', 'EXISTING_KEY_MATERIAL'] }),
      KeyMaterialDescription: str({ min: 0, max: 256 }),
      KeyMaterialId: keyMaterialIdType,
    }),
    output: struct({ KeyId: str({ required: true }), KeyMaterialId: str({ required: true }) }),
  },
  Sign: {
    readOnly: true,
    summary: 'Signs a message (RAW, up to 4096 bytes) or its digest (DIGEST) with an asymmetric SIGN_VERIFY key.',
    input: struct({
      KeyId: keyIdType,
      Message: message,
      MessageType: str({ enum: MESSAGE_TYPES }),
      GrantTokens: grantTokens,
      SigningAlgorithm: signingAlgorithm,
      DryRun: dryRun,
    }),
    output: struct({
      KeyId: str({ required: true }),
      Signature: blob({ required: true }),
      SigningAlgorithm: str({ required: true, enum: SIGNING_ALGORITHM_NAMES }),
    }),
  },
  Verify: {
    readOnly: true,
    summary: 'Verifies a signature; an invalid one is KMSInvalidSignatureException, never SignatureValid false.',
    input: struct({
      KeyId: keyIdType,
      Message: message,
      MessageType: str({ enum: MESSAGE_TYPES }),
      Signature: blob({ required: true, min: 1, max: 6144 }),
      SigningAlgorithm: signingAlgorithm,
      GrantTokens: grantTokens,
      DryRun: dryRun,
    }),
    output: struct({
      KeyId: str({ required: true }),
      SignatureValid: bool({ required: true }),
      SigningAlgorithm: str({ required: true, enum: SIGNING_ALGORITHM_NAMES }),
    }),
  },
  GetPublicKey: {
    readOnly: true,
    summary: 'Returns the public key of an asymmetric key as DER SubjectPublicKeyInfo, with its usage and algorithms.',
    input: struct({ KeyId: keyIdType, GrantTokens: grantTokens }),
    output: struct({
      KeyId: str({ required: true }),
      PublicKey: blob({ required: true }),
      CustomerMasterKeySpec: str({ required: true, enum: KEY_SPECS }),
      KeySpec: str({ required: true, enum: KEY_SPECS }),
      KeyUsage: str({ required: true, enum: KEY_USAGES }),
      EncryptionAlgorithms: algorithmList,
      SigningAlgorithms: algorithmList,
      KeyAgreementAlgorithms: algorithmList,
    }),
  },
  GenerateMac: {
    readOnly: true,
    summary: 'Computes an HMAC of a message (up to 4096 bytes) with an HMAC key.',
    input: struct({ Message: message, KeyId: keyIdType, MacAlgorithm: macAlgorithm, GrantTokens: grantTokens, DryRun: dryRun }),
    output: struct({
      Mac: blob({ required: true }),
      MacAlgorithm: str({ required: true, enum: MAC_ALGORITHM_NAMES }),
      KeyId: str({ required: true }),
    }),
  },
  VerifyMac: {
    readOnly: true,
    summary: 'Checks an HMAC; a wrong one is KMSInvalidMacException, never MacValid false.',
    input: struct({
      Message: message,
      KeyId: keyIdType,
      MacAlgorithm: macAlgorithm,
      Mac: blob({ required: true, min: 1, max: 6144 }),
      GrantTokens: grantTokens,
      DryRun: dryRun,
    }),
    output: struct({
      KeyId: str({ required: true }),
      MacValid: bool({ required: true }),
      MacAlgorithm: str({ required: true, enum: MAC_ALGORITHM_NAMES }),
    }),
  },
  DeriveSharedSecret: {
    readOnly: true,
    summary: 'ECDH between a KEY_AGREEMENT key and a peer public key (DER); returns the raw shared secret.',
    input: struct({
      KeyId: keyIdType,
      KeyAgreementAlgorithm: str({ required: true, enum: ['ECDH'] }),
      PublicKey: blob({ required: true, min: 1, max: 8192 }),
      GrantTokens: grantTokens,
      DryRun: dryRun,
      Recipient: recipient,
    }),
    output: struct({
      KeyId: str({ required: true }),
      SharedSecret: blob({ required: true, sensitive: true }),
      CiphertextForRecipient: blob(),
      KeyAgreementAlgorithm: str({ required: true, enum: ['ECDH'] }),
      KeyOrigin: str({ required: true, enum: ORIGINS }),
    }),
  },
  GenerateDataKeyPair: {
    readOnly: true,
    summary: 'Returns a fresh asymmetric data key pair: the private key in plaintext and encrypted under a symmetric key.',
    input: struct({
      EncryptionContext: encryptionContext,
      KeyId: keyIdType,
      KeyPairSpec: str({ required: true, enum: DATA_KEY_PAIR_SPECS }),
      GrantTokens: grantTokens,
      Recipient: recipient,
      DryRun: dryRun,
    }),
    output: struct({
      PrivateKeyCiphertextBlob: blob({ required: true }),
      PrivateKeyPlaintext: blob({ required: true, sensitive: true }),
      PublicKey: blob({ required: true }),
      KeyId: str({ required: true }),
      KeyPairSpec: str({ required: true, enum: DATA_KEY_PAIR_SPECS }),
      KeyMaterialId: str(),
    }),
  },
  GenerateDataKeyPairWithoutPlaintext: {
    readOnly: true,
    summary: 'Returns a fresh asymmetric data key pair with the private key only encrypted under a symmetric key.',
    input: struct({
      EncryptionContext: encryptionContext,
      KeyId: keyIdType,
      KeyPairSpec: str({ required: true, enum: DATA_KEY_PAIR_SPECS }),
      GrantTokens: grantTokens,
      DryRun: dryRun,
    }),
    output: struct({
      PrivateKeyCiphertextBlob: blob({ required: true }),
      PublicKey: blob({ required: true }),
      KeyId: str({ required: true }),
      KeyPairSpec: str({ required: true, enum: DATA_KEY_PAIR_SPECS }),
      KeyMaterialId: str(),
    }),
  },
  DeleteImportedKeyMaterial: {
    readOnly: false,
    summary: 'Deletes imported key material: the key is unusable (PendingImport) until the same material is imported again.',
    input: struct({ KeyId: keyIdType, KeyMaterialId: keyMaterialIdType }),
    output: struct({ KeyId: str({ required: true }), KeyMaterialId: str() }),
  },
  PutKeyPolicy: {
    readOnly: false,
    summary: 'Replaces a key’s policy (named default); refuses a policy that would lock the caller out unless BypassPolicyLockoutSafetyCheck.',
    input: struct({
      KeyId: keyIdType,
      PolicyName: policyName,
      Policy: { ...policy, required: true },
      BypassPolicyLockoutSafetyCheck: bool(),
    }),
    output: empty,
  },
  GetKeyPolicy: {
    readOnly: true,
    summary: 'Shows a key’s policy.',
    input: struct({ KeyId: keyIdType, PolicyName: policyName }),
    output: struct({ Policy: str({ required: true }), PolicyName: str({ required: true }) }),
  },
  ListKeyPolicies: {
    readOnly: true,
    summary: 'Lists the names of a key’s policies: always ["default"].',
    input: struct({ KeyId: keyIdType, Limit: limit, Marker: marker }),
    output: struct({ PolicyNames: list({ required: true, member: str() }), ...pagedOutput }),
  },
  CreateGrant: {
    readOnly: false,
    summary: 'Gives a principal some operations on a key, optionally only with a given encryption context; returns a grant token usable at once.',
    input: struct({
      KeyId: keyIdType,
      GranteePrincipal: str({ required: true, min: 1, max: 256, pattern: /^[\w+=,.@:/-]+$/ }),
      RetiringPrincipal: str({ min: 1, max: 256, pattern: /^[\w+=,.@:/-]+$/ }),
      Operations: list({ required: true, member: str({ enum: GRANT_OPERATION_NAMES }) }),
      Constraints: grantConstraints,
      GrantTokens: grantTokens,
      Name: str({ min: 1, max: 256, pattern: /^[a-zA-Z0-9:/_-]+$/ }),
      DryRun: dryRun,
    }),
    output: struct({ GrantToken: str({ required: true, sensitive: true }), GrantId: str({ required: true }) }),
  },
  ListGrants: {
    readOnly: true,
    summary: 'Lists a key’s grants, optionally one grant or one grantee’s.',
    input: struct({
      KeyId: keyIdType,
      Limit: int({ min: 1, max: 100 }),
      Marker: marker,
      GrantId: grantIdType,
      GranteePrincipal: str({ min: 1, max: 256, pattern: /^[\w+=,.@:/-]+$/ }),
    }),
    output: struct({ Grants: list({ required: true, member: grantListEntry }), ...pagedOutput }),
  },
  ListRetirableGrants: {
    readOnly: true,
    summary: 'Lists the grants a principal may retire (it is their RetiringPrincipal).',
    input: struct({ RetiringPrincipal: str({ required: true, min: 1, max: 256, pattern: /^[\w+=,.@:/-]+$/ }), Limit: int({ min: 1, max: 100 }), Marker: marker }),
    output: struct({ Grants: list({ required: true, member: grantListEntry }), ...pagedOutput }),
  },
  RetireGrant: {
    readOnly: false,
    summary: 'Retires a grant by its token, or by KeyId and GrantId: for the retiring principal, or the grantee of a grant that allows RetireGrant.',
    input: struct({ GrantToken: str({ min: 1, max: 8192, sensitive: true }), KeyId: optionalKeyId, GrantId: grantIdType, DryRun: dryRun }),
    output: empty,
  },
  RevokeGrant: {
    readOnly: false,
    summary: 'Revokes a grant: for principals the key policy (or an identity policy it delegates to) allows kms:RevokeGrant.',
    input: struct({ KeyId: keyIdType, GrantId: { ...grantIdType, required: true }, DryRun: dryRun }),
    output: empty,
  },
  CreateCustomKeyStore: {
    readOnly: false,
    summary: 'Creates a custom key store: with CustomKeyStoreType PKCS11, a PKCS#11 token (module path, token label, user PIN) whose keys never leave it.',
    input: struct({
      CustomKeyStoreName: { ...customKeyStoreName, required: true },
      CloudHsmClusterId: str({ min: 19, max: 24 }),
      TrustAnchorCertificate: str({ min: 1, max: 5000 }),
      KeyStorePassword: keyStorePassword,
      CustomKeyStoreType: str({ enum: CUSTOM_KEY_STORE_TYPES }),
      XksProxyUriEndpoint: str({ min: 10, max: 128 }),
      XksProxyUriPath: str({ min: 10, max: 128 }),
      XksProxyVpcEndpointServiceName: str({ min: 20, max: 64 }),
      XksProxyConnectivity: str({ enum: ['PUBLIC_ENDPOINT', 'VPC_ENDPOINT_SERVICE'] }),
      XStrongroomPkcs11ModulePath: pkcs11ModulePath,
      XStrongroomPkcs11TokenLabel: pkcs11TokenLabel,
    }),
    output: struct({ CustomKeyStoreId: str() }),
  },
  ConnectCustomKeyStore: {
    readOnly: false,
    summary: 'Connects a custom key store: logs in to its token; DescribeCustomKeyStores then shows CONNECTED, or FAILED with a ConnectionErrorCode.',
    input: struct({ CustomKeyStoreId: customKeyStoreIdType }),
    output: empty,
  },
  DisconnectCustomKeyStore: {
    readOnly: false,
    summary: 'Disconnects a custom key store: its keys are Unavailable until it is connected again.',
    input: struct({ CustomKeyStoreId: customKeyStoreIdType }),
    output: empty,
  },
  DescribeCustomKeyStores: {
    readOnly: true,
    summary: 'Lists custom key stores with their connection state, in pages; CustomKeyStoreId or CustomKeyStoreName picks one.',
    input: struct({ CustomKeyStoreId: str({ min: 1, max: 64 }), CustomKeyStoreName: customKeyStoreName, Limit: limit, Marker: marker }),
    output: struct({ CustomKeyStores: list({ required: true, member: customKeyStoreEntry }), ...pagedOutput }),
  },
  UpdateCustomKeyStore: {
    readOnly: false,
    summary: 'Renames a disconnected custom key store or changes its token label or PIN.',
    input: struct({
      CustomKeyStoreId: customKeyStoreIdType,
      NewCustomKeyStoreName: customKeyStoreName,
      KeyStorePassword: keyStorePassword,
      CloudHsmClusterId: str({ min: 19, max: 24 }),
      XStrongroomPkcs11ModulePath: pkcs11ModulePath,
      XStrongroomPkcs11TokenLabel: pkcs11TokenLabel,
    }),
    output: empty,
  },
  DeleteCustomKeyStore: {
    readOnly: false,
    summary: 'Deletes a disconnected custom key store that holds no KMS keys (the token and its objects are left as they are).',
    input: struct({ CustomKeyStoreId: customKeyStoreIdType }),
    output: empty,
  },
  SimulatePolicy: {
    readOnly: true,
    strongroomOnly: true,
    summary: 'Strongroom: would Principal be allowed Action (on KeyId)? Returns the decision and the key policy, identity policy or grant statements that produced it.',
    input: struct({
      Principal: str({ required: true, min: 1, max: 256 }),
      Action: str({ required: true, min: 1, max: 128, pattern: /^(kms|strongroom):[A-Za-z]+$/ }),
      KeyId: optionalKeyId,
      EncryptionContext: encryptionContext,
      ContextEntries: map({ key: str({ min: 1, max: 256 }), value: str() }),
      Policy: policy,
    }),
    output: struct({
      Decision: str({ required: true, enum: ['Allow', 'ExplicitDeny', 'ImplicitDeny'] }),
      Explanation: str({ required: true }),
      Message: str(),
      MatchedStatements: list({
        required: true,
        member: struct({
          Source: str({ required: true, enum: ['KeyPolicy', 'IdentityPolicy', 'Grant'] }),
          Effect: str({ required: true, enum: ['Allow', 'Deny'] }),
          PolicyName: str(),
          StatementIndex: int(),
          Sid: str(),
          GrantId: str(),
          PrincipalMatch: str(),
        }),
      }),
    }),
  },
  ExportKeyMaterial: {
    readOnly: true,
    strongroomOnly: true,
    summary: 'Strongroom: wraps an exportable key’s current material (or the older one KeyMaterialId names) for AWS KMS ImportKeyMaterial, with the public key GetParametersForImport returned (needs strongroom:ExportKeyMaterial in the key policy).',
    input: struct({
      KeyId: keyIdType,
      WrappingAlgorithm: str({ required: true, enum: WRAPPING_ALGORITHMS }),
      /** DER SubjectPublicKeyInfo of an RSA key (2048–4096 bits), as GetParametersForImport returns PublicKey. */
      WrappingPublicKey: blob({ required: true, min: 1, max: 8192 }),
      /** GetParametersForImport's ImportToken, returned unchanged so both files travel together. */
      ImportToken: blob({ min: 1, max: 6144 }),
      /** An older material of the key (ListKeyRotations ALL_KEY_MATERIAL); the current one when omitted. */
      KeyMaterialId: keyMaterialIdType,
    }),
    output: struct({
      KeyId: str({ required: true }),
      EncryptedKeyMaterial: blob({ required: true }),
      ImportToken: blob(),
      KeyMaterialId: str({ required: true }),
      KeySpec: str({ required: true, enum: KEY_SPECS }),
      WrappingAlgorithm: str({ required: true, enum: WRAPPING_ALGORITHMS }),
    }),
  },
} as const satisfies Record<string, OperationSpec>;

export type OperationName = keyof typeof operations;
export type OperationInput<N extends OperationName> = Infer<(typeof operations)[N]['input']>;
export type OperationOutput<N extends OperationName> = Infer<(typeof operations)[N]['output']>;

export const operationNames = Object.keys(operations) as ReadonlyArray<OperationName>;

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(operations, name);
}

/** True for Strongroom's own operations (SimulatePolicy, ExportKeyMaterial), which AWS SDKs and the AWS CLI do not have. */
export function isStrongroomOnly(name: OperationName): boolean {
  const spec: OperationSpec = operations[name];
  return spec.strongroomOnly === true;
}
