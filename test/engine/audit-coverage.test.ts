// Audit a security team can prove (docs/architecture.md, invariant 3), on a real SQLite file:
//
//  1. Every operation in the shared operation table — iterated, not hand-picked — writes exactly
//     ONE audit record per call, with CloudTrail's fields, for a success, for a failure that is
//     not about authorization, and for a denial to a principal with no permissions. Records are
//     read with SQL from the database file, so the check does not depend on the AuditLog API.
//  2. A byte scan: after a session that handled known secrets (plaintexts, data keys, data key
//     pairs' private keys, imported and exported key material, messages, MACs, shared secrets, ciphertext
//     blobs, grant tokens, an access key secret, the root key), none of them appears in any file
//     of the data directory as raw bytes, hex (either case) or base64 (standard or url-safe),
//     while the encryption context — which AWS logs — does (the scan can find things).
//  3. When the audit record cannot be written, the operation fails with a clear error and
//     changes nothing (no key is created, no ciphertext returned); once the store accepts writes
//     again the same engine works and the chain still verifies.
//
// Account-level operations: CreateKey, ListKeys, ListAliases (without KeyId), GenerateRandom and
// ListRetirableGrants name no key, so they are authorized on resource '*' against the caller's
// identity policies only. None of them is open to every principal: a user with no identity policy
// is refused them like every key operation, and their denial records name no resource.
import Database from 'better-sqlite3';
import { constants, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../electron/kms/iam/caller.ts';
import { KmsError } from '../../electron/kms/errors.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { operationNames, operations, type OperationName } from '../../shared/api/operations.ts';
import { bytes, kmsError, newEngine, text, type TestEngine } from '../support/engine.ts';
import { snapshotState } from '../support/snapshot.ts';
import { encodings, findSecrets, type Secret } from '../support/secrets.ts';

const ACCOUNT = '111122223333';
const REGION = 'local-1';
const ROOT_ARN = `arn:aws:iam::${ACCOUNT}:root`;
/** The engine's userAgent for calls made without an explicit caller (newEngine passes none). */
const OWNER_AGENT = 'strongroom';
/** The principal every denial case calls as: a user with no identity policy, named by no key policy. */
const DENIED_USER = 'auditee';
const DENIED_AGENT = 'audit-coverage-test';

const userArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const keyArnOf = (keyId: string): string => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

// --- Reading the log straight from the database file -----------------------------------------

/** Only seq and record are read: the columns beside them are the audit schema's business. */
type StoredRow = { readonly seq: number; readonly record: Readonly<Record<string, unknown>> };

function openReadOnly(t: TestEngine): Database.Database {
  return new Database(join(t.dir, DATABASE_FILE), { readonly: true, fileMustExist: true });
}

function lastSeq(t: TestEngine): number {
  const db = openReadOnly(t);
  try {
    return db.prepare<[], { s: number | null }>('SELECT max(seq) AS s FROM audit_log').get()?.s ?? 0;
  } finally {
    db.close();
  }
}

function rowsAfter(t: TestEngine, seq: number): Array<StoredRow> {
  const db = openReadOnly(t);
  try {
    return db
      .prepare<[number], { seq: number; record: string }>('SELECT seq, record FROM audit_log WHERE seq > ? ORDER BY seq')
      .all(seq)
      .map((r) => ({ seq: r.seq, record: JSON.parse(r.record) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

function stateOf(t: TestEngine): string {
  const db = openReadOnly(t);
  try {
    return snapshotState(db);
  } finally {
    db.close();
  }
}

// --- Building state for the cases --------------------------------------------------------------

/** A peer's public key (DER SubjectPublicKeyInfo) for DeriveSharedSecret with a P-256 key. */
const PEER_PUBLIC_KEY = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }));

const OWNER_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT_ARN }, Action: 'kms:*', Resource: '*' }],
});

/** The owner's policy plus the explicit statement ExportKeyMaterial needs (kms:* does not grant it). */
const EXPORT_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT_ARN }, Action: 'kms:*', Resource: '*' },
    { Sid: 'Export', Effect: 'Allow', Principal: { AWS: ROOT_ARN }, Action: 'strongroom:ExportKeyMaterial', Resource: '*' },
  ],
});
/** A wrapping public key for ExportKeyMaterial, as GetParametersForImport returns one. */
const EXPORT_WRAPPING_KEY = new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }));

/** Wraps material as AWS's RSAES_OAEP_SHA_256 import instructions do. */
function wrapForImport(publicKeyDer: Uint8Array, material: Uint8Array): Uint8Array {
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  return new Uint8Array(publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material));
}

/** Fresh keys and objects for one case; every helper makes new ones, so cases never share state. */
class Setup {
  readonly t: TestEngine;
  #aliases = 0;
  #stores = 0;
  constructor(t: TestEngine) {
    this.t = t;
  }

  async key(input: Readonly<Record<string, unknown>> = {}): Promise<string> {
    return (await this.t.kms.invoke('CreateKey', input)).KeyMetadata.KeyId;
  }
  symmetric(): Promise<string> {
    return this.key();
  }
  hmac(): Promise<string> {
    return this.key({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  }
  signing(): Promise<string> {
    return this.key({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  }
  agreement(): Promise<string> {
    return this.key({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' });
  }
  external(input: Readonly<Record<string, unknown>> = {}): Promise<string> {
    return this.key({ Origin: 'EXTERNAL', ...input });
  }
  async importParameters(keyId: string): Promise<{ ImportToken: Uint8Array; PublicKey: Uint8Array }> {
    return this.t.kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
  }
  /** The ImportKeyMaterial request that imports `material` into the EXTERNAL key `keyId`. */
  async importRequest(keyId: string, material: Uint8Array): Promise<Record<string, unknown>> {
    const params = await this.importParameters(keyId);
    return {
      KeyId: keyId,
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: wrapForImport(params.PublicKey, material),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    };
  }
  /** An EXTERNAL key with `material` imported. */
  async imported(material: Uint8Array = randomBytes(32), input: Readonly<Record<string, unknown>> = {}): Promise<{ keyId: string; materialId: string }> {
    const keyId = await this.external(input);
    const { KeyMaterialId } = await this.t.kms.invoke('ImportKeyMaterial', await this.importRequest(keyId, material));
    return { keyId, materialId: KeyMaterialId };
  }
  async alias(keyId: string): Promise<string> {
    const name = `alias/audit-coverage-${++this.#aliases}`;
    await this.t.kms.invoke('CreateAlias', { AliasName: name, TargetKeyId: keyId });
    return name;
  }
  async ciphertext(keyId: string): Promise<Uint8Array> {
    return (await this.t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('audit coverage') })).CiphertextBlob;
  }
  /**
   * A PKCS11 custom key store. Its module path is this test file: creating the store only checks
   * that the file exists; connecting answers {} and leaves the store FAILED (no PKCS#11 module
   * there), which is all these fixtures need. Real tokens: test/keystore/pkcs11.test.ts.
   */
  async keyStore(pin = 'audit-coverage-pin'): Promise<string> {
    const created = await this.t.kms.invoke('CreateCustomKeyStore', {
      CustomKeyStoreName: `audit-coverage-${++this.#stores}`,
      CustomKeyStoreType: 'PKCS11',
      XStrongroomPkcs11ModulePath: fileURLToPath(import.meta.url),
      XStrongroomPkcs11TokenLabel: 'audit-coverage',
      KeyStorePassword: pin,
    });
    return created.CustomKeyStoreId ?? '';
  }
  async grant(keyId: string): Promise<{ GrantId: string; GrantToken: string }> {
    return this.t.kms.invoke('CreateGrant', { KeyId: keyId, GranteePrincipal: userArn('grantee'), Operations: ['Encrypt'] });
  }
}

// --- The fixture table ---------------------------------------------------------------------------

/** A request and the keys its audit record must name in `resources` (as key ids). */
type Request = {
  readonly input: Readonly<Record<string, unknown>>;
  readonly keys: ReadonlyArray<string>;
  /** The keys a denial of this request names, when not all of `keys` (the call stops at the first refusal). */
  readonly deniedKeys?: ReadonlyArray<string>;
};
type FailingRequest = Request & { readonly error: string };

type Fixture = {
  /** CloudTrail readOnly, stated here independently of the op table: reads and cryptographic calls. */
  readonly read: boolean;
  /** 'key': the call acts on a key, whose ARN a denial record names; 'account': it names no key. */
  readonly scope: 'key' | 'account';
  /** Builds fresh state and returns a request the owner makes that succeeds. Also used for the denial. */
  readonly valid: (s: Setup) => Promise<Request>;
  /** Builds fresh state and returns a request that fails for a reason other than authorization. */
  readonly invalid: (s: Setup) => Promise<FailingRequest>;
  /** Keys a successful call names that its request could not (CreateKey: the key it created). */
  readonly outputKeys?: (output: unknown) => ReadonlyArray<string>;
};

const missingKey = (): string => randomUUID();

function createdKeyId(output: unknown): string {
  const id = (output as { KeyMetadata?: { KeyId?: unknown } } | null)?.KeyMetadata?.KeyId;
  if (typeof id !== 'string') {
    throw new Error('CreateKey returned no KeyMetadata.KeyId');
  }
  return id;
}

/** A symmetric key and a request naming only it. */
function onSymmetricKey(input: (keyId: string) => Record<string, unknown>): (s: Setup) => Promise<Request> {
  return async (s) => {
    const keyId = await s.symmetric();
    return { input: input(keyId), keys: [keyId] };
  };
}

/** The request with KeyId replaced by a key that does not exist: NotFoundException. */
function onMissingKey(input: Record<string, unknown>): (s: Setup) => Promise<FailingRequest> {
  return async () => ({ input: { ...input, KeyId: missingKey() }, keys: [], error: 'NotFoundException' });
}

/**
 * One row per operation, keyed by name. Deliberately a partial map: an operation added to
 * shared/api/operations.ts without a row here fails the coverage test below, by name.
 */
const FIXTURES: { readonly [N in OperationName]?: Fixture } = {
  CreateKey: {
    read: false,
    scope: 'account',
    valid: async () => ({ input: { Description: 'audit coverage' }, keys: [] }),
    outputKeys: (output) => [createdKeyId(output)],
    invalid: async () => ({ input: { KeySpec: 'HMAC_256', KeyUsage: 'ENCRYPT_DECRYPT' }, keys: [], error: 'ValidationException' }),
  },
  DescribeKey: {
    read: true,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k })),
    invalid: onMissingKey({}),
  },
  ListKeys: {
    read: true,
    scope: 'account',
    valid: async () => ({ input: {}, keys: [] }),
    invalid: async () => ({ input: { Marker: 'bm90IGEgbWFya2Vy' }, keys: [], error: 'InvalidMarkerException' }),
  },
  UpdateKeyDescription: {
    read: false,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k, Description: 'new description' })),
    invalid: onMissingKey({ Description: 'x' }),
  },
  EnableKey: {
    read: false,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.symmetric();
      await s.t.kms.invoke('DisableKey', { KeyId: keyId });
      return { input: { KeyId: keyId }, keys: [keyId] };
    },
    invalid: async (s) => {
      const keyId = await s.symmetric();
      await s.t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
      return { input: { KeyId: keyId }, keys: [keyId], error: 'KMSInvalidStateException' };
    },
  },
  DisableKey: {
    read: false,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k })),
    invalid: onMissingKey({}),
  },
  ScheduleKeyDeletion: {
    read: false,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k, PendingWindowInDays: 7 })),
    // Below the schema's minimum: refused before the engine looks at the key.
    invalid: async (s) => ({ input: { KeyId: await s.symmetric(), PendingWindowInDays: 3 }, keys: [], error: 'ValidationException' }),
  },
  CancelKeyDeletion: {
    read: false,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.symmetric();
      await s.t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
      return { input: { KeyId: keyId }, keys: [keyId] };
    },
    // Not pending deletion.
    invalid: async (s) => {
      const keyId = await s.symmetric();
      return { input: { KeyId: keyId }, keys: [keyId], error: 'KMSInvalidStateException' };
    },
  },
  CreateAlias: {
    read: false,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ AliasName: 'alias/audit-coverage-new', TargetKeyId: k })),
    invalid: async (s) => {
      const keyId = await s.symmetric();
      const alias = await s.alias(keyId);
      return { input: { AliasName: alias, TargetKeyId: keyId }, keys: [keyId], error: 'AlreadyExistsException' };
    },
  },
  UpdateAlias: {
    read: false,
    scope: 'key',
    valid: async (s) => {
      const from = await s.symmetric();
      const to = await s.symmetric();
      const alias = await s.alias(from);
      return { input: { AliasName: alias, TargetKeyId: to }, keys: [from, to] };
    },
    invalid: async (s) => ({ input: { AliasName: 'alias/audit-coverage-missing', TargetKeyId: await s.symmetric() }, keys: [], error: 'NotFoundException' }),
  },
  DeleteAlias: {
    read: false,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.symmetric();
      return { input: { AliasName: await s.alias(keyId) }, keys: [keyId] };
    },
    invalid: async () => ({ input: { AliasName: 'alias/audit-coverage-missing' }, keys: [], error: 'NotFoundException' }),
  },
  ListAliases: {
    read: true,
    scope: 'account',
    valid: async (s) => {
      await s.alias(await s.symmetric());
      return { input: {}, keys: [] };
    },
    invalid: onMissingKey({}),
  },
  TagResource: {
    read: false,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k, Tags: [{ TagKey: 'team', TagValue: 'security' }] })),
    invalid: async (s) => {
      const keyId = await s.symmetric();
      return { input: { KeyId: keyId, Tags: [{ TagKey: 'aws:reserved', TagValue: 'x' }] }, keys: [keyId], error: 'TagException' };
    },
  },
  UntagResource: {
    read: false,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.key({ Tags: [{ TagKey: 'team', TagValue: 'security' }] });
      return { input: { KeyId: keyId, TagKeys: ['team'] }, keys: [keyId] };
    },
    invalid: onMissingKey({ TagKeys: ['team'] }),
  },
  ListResourceTags: {
    read: true,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k })),
    invalid: onMissingKey({}),
  },
  Encrypt: {
    read: true,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k, Plaintext: bytes('hello'), EncryptionContext: { purpose: 'audit' } })),
    invalid: onMissingKey({ Plaintext: bytes('hello') }),
  },
  Decrypt: {
    read: true,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.symmetric();
      return { input: { CiphertextBlob: await s.ciphertext(keyId) }, keys: [keyId] };
    },
    invalid: async () => ({ input: { CiphertextBlob: randomBytes(64) }, keys: [], error: 'InvalidCiphertextException' }),
  },
  ReEncrypt: {
    read: true,
    scope: 'key',
    valid: async (s) => {
      const from = await s.symmetric();
      const to = await s.symmetric();
      // The destination is resolved and authorized (kms:ReEncryptTo) before the ciphertext is opened.
      return { input: { CiphertextBlob: await s.ciphertext(from), DestinationKeyId: to }, keys: [from, to], deniedKeys: [to] };
    },
    invalid: async (s) => {
      const to = await s.symmetric();
      return { input: { CiphertextBlob: randomBytes(64), DestinationKeyId: to }, keys: [to], error: 'InvalidCiphertextException' };
    },
  },
  GenerateDataKey: {
    read: true,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k, KeySpec: 'AES_256' })),
    invalid: onMissingKey({ KeySpec: 'AES_256' }),
  },
  GenerateDataKeyWithoutPlaintext: {
    read: true,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k, KeySpec: 'AES_256' })),
    invalid: onMissingKey({ KeySpec: 'AES_256' }),
  },
  GenerateRandom: {
    read: true,
    scope: 'account',
    valid: async () => ({ input: { NumberOfBytes: 32 }, keys: [] }),
    invalid: async () => ({ input: {}, keys: [], error: 'ValidationException' }),
  },
  EnableKeyRotation: {
    read: false,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k, RotationPeriodInDays: 90 })),
    // HMAC keys do not rotate automatically.
    invalid: async (s) => {
      const keyId = await s.hmac();
      return { input: { KeyId: keyId }, keys: [keyId], error: 'UnsupportedOperationException' };
    },
  },
  DisableKeyRotation: {
    read: false,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.symmetric();
      await s.t.kms.invoke('EnableKeyRotation', { KeyId: keyId });
      return { input: { KeyId: keyId }, keys: [keyId] };
    },
    invalid: onMissingKey({}),
  },
  GetKeyRotationStatus: {
    read: true,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k })),
    invalid: onMissingKey({}),
  },
  RotateKeyOnDemand: {
    read: false,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k })),
    invalid: onMissingKey({}),
  },
  ListKeyRotations: {
    read: true,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k })),
    invalid: onMissingKey({}),
  },
  GetKeyLastUsage: {
    read: true,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k })),
    invalid: onMissingKey({}),
  },
  GetParametersForImport: {
    read: true,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.external();
      return { input: { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }, keys: [keyId] };
    },
    // An AWS_KMS key takes no imported material.
    invalid: async (s) => {
      const keyId = await s.symmetric();
      return { input: { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }, keys: [keyId], error: 'UnsupportedOperationException' };
    },
  },
  ImportKeyMaterial: {
    read: false,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.external();
      return { input: await s.importRequest(keyId, randomBytes(32)), keys: [keyId] };
    },
    invalid: async (s) => {
      const keyId = await s.external();
      return {
        input: { KeyId: keyId, ImportToken: randomBytes(61), EncryptedKeyMaterial: randomBytes(256), ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' },
        keys: [keyId],
        error: 'InvalidImportTokenException',
      };
    },
  },
  DeleteImportedKeyMaterial: {
    read: false,
    scope: 'key',
    valid: async (s) => {
      const { keyId } = await s.imported();
      return { input: { KeyId: keyId }, keys: [keyId] };
    },
    invalid: async (s) => {
      const keyId = await s.symmetric();
      return { input: { KeyId: keyId }, keys: [keyId], error: 'UnsupportedOperationException' };
    },
  },
  Sign: {
    read: true,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.signing();
      return { input: { KeyId: keyId, Message: bytes('sign me'), SigningAlgorithm: 'ECDSA_SHA_256' }, keys: [keyId] };
    },
    // An RSA algorithm for an ECC key.
    invalid: async (s) => {
      const keyId = await s.signing();
      return { input: { KeyId: keyId, Message: bytes('sign me'), SigningAlgorithm: 'RSASSA_PSS_SHA_256' }, keys: [keyId], error: 'InvalidKeyUsageException' };
    },
  },
  Verify: {
    read: true,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.signing();
      const { Signature } = await s.t.kms.invoke('Sign', { KeyId: keyId, Message: bytes('sign me'), SigningAlgorithm: 'ECDSA_SHA_256' });
      return { input: { KeyId: keyId, Message: bytes('sign me'), Signature, SigningAlgorithm: 'ECDSA_SHA_256' }, keys: [keyId] };
    },
    invalid: async (s) => {
      const keyId = await s.signing();
      const { Signature } = await s.t.kms.invoke('Sign', { KeyId: keyId, Message: bytes('sign me'), SigningAlgorithm: 'ECDSA_SHA_256' });
      return { input: { KeyId: keyId, Message: bytes('not what was signed'), Signature, SigningAlgorithm: 'ECDSA_SHA_256' }, keys: [keyId], error: 'KMSInvalidSignatureException' };
    },
  },
  GetPublicKey: {
    read: true,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.signing();
      return { input: { KeyId: keyId }, keys: [keyId] };
    },
    invalid: onMissingKey({}),
  },
  GenerateMac: {
    read: true,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.hmac();
      return { input: { KeyId: keyId, Message: bytes('mac me'), MacAlgorithm: 'HMAC_SHA_256' }, keys: [keyId] };
    },
    invalid: onMissingKey({ Message: bytes('mac me'), MacAlgorithm: 'HMAC_SHA_256' }),
  },
  VerifyMac: {
    read: true,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.hmac();
      const { Mac } = await s.t.kms.invoke('GenerateMac', { KeyId: keyId, Message: bytes('mac me'), MacAlgorithm: 'HMAC_SHA_256' });
      return { input: { KeyId: keyId, Message: bytes('mac me'), Mac, MacAlgorithm: 'HMAC_SHA_256' }, keys: [keyId] };
    },
    invalid: async (s) => {
      const keyId = await s.hmac();
      return { input: { KeyId: keyId, Message: bytes('mac me'), Mac: randomBytes(32), MacAlgorithm: 'HMAC_SHA_256' }, keys: [keyId], error: 'KMSInvalidMacException' };
    },
  },
  DeriveSharedSecret: {
    read: true,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.agreement();
      return { input: { KeyId: keyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: PEER_PUBLIC_KEY }, keys: [keyId] };
    },
    invalid: onMissingKey({ KeyAgreementAlgorithm: 'ECDH', PublicKey: PEER_PUBLIC_KEY }),
  },
  GenerateDataKeyPair: {
    read: true,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256' })),
    invalid: onMissingKey({ KeyPairSpec: 'ECC_NIST_P256' }),
  },
  GenerateDataKeyPairWithoutPlaintext: {
    read: true,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256' })),
    invalid: onMissingKey({ KeyPairSpec: 'ECC_NIST_P256' }),
  },
  PutKeyPolicy: {
    read: false,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k, Policy: OWNER_POLICY })),
    invalid: async (s) => {
      const keyId = await s.symmetric();
      return { input: { KeyId: keyId, Policy: '{"Version": "2012-10-17", "Statement": [' }, keys: [keyId], error: 'MalformedPolicyDocumentException' };
    },
  },
  GetKeyPolicy: {
    read: true,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k })),
    invalid: onMissingKey({}),
  },
  ListKeyPolicies: {
    read: true,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k })),
    invalid: onMissingKey({}),
  },
  CreateGrant: {
    read: false,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ KeyId: k, GranteePrincipal: userArn('grantee'), Operations: ['Encrypt', 'Decrypt'] })),
    // A symmetric key cannot sign, so no grant may allow it.
    invalid: async (s) => {
      const keyId = await s.symmetric();
      return { input: { KeyId: keyId, GranteePrincipal: userArn('grantee'), Operations: ['Sign'] }, keys: [keyId], error: 'ValidationException' };
    },
  },
  ListGrants: {
    read: true,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.symmetric();
      await s.grant(keyId);
      return { input: { KeyId: keyId }, keys: [keyId] };
    },
    invalid: onMissingKey({}),
  },
  ListRetirableGrants: {
    read: true,
    scope: 'account',
    valid: async () => ({ input: { RetiringPrincipal: userArn('grantee') }, keys: [] }),
    invalid: async () => ({ input: { RetiringPrincipal: 'not-a-principal-arn' }, keys: [], error: 'ValidationException' }),
  },
  RetireGrant: {
    read: false,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.symmetric();
      const { GrantId } = await s.grant(keyId);
      return { input: { KeyId: keyId, GrantId }, keys: [keyId] };
    },
    invalid: async () => ({ input: { GrantToken: 'bm90LWEtZ3JhbnQtdG9rZW4' }, keys: [], error: 'InvalidGrantTokenException' }),
  },
  RevokeGrant: {
    read: false,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.symmetric();
      const { GrantId } = await s.grant(keyId);
      return { input: { KeyId: keyId, GrantId }, keys: [keyId] };
    },
    invalid: async (s) => {
      const keyId = await s.symmetric();
      return { input: { KeyId: keyId, GrantId: 'not-a-grant-id' }, keys: [keyId], error: 'InvalidGrantIdException' };
    },
  },
  CreateCustomKeyStore: {
    read: false,
    scope: 'account',
    valid: async () => ({
      input: {
        CustomKeyStoreName: `audit-coverage-created-${randomUUID()}`,
        CustomKeyStoreType: 'PKCS11',
        XStrongroomPkcs11ModulePath: fileURLToPath(import.meta.url),
        XStrongroomPkcs11TokenLabel: 'audit-coverage',
        KeyStorePassword: 'audit-coverage-pin',
      },
      keys: [],
    }),
    // AWS's own store types need AWS's cloud.
    invalid: async () => ({ input: { CustomKeyStoreName: 'cloud', KeyStorePassword: 'audit-coverage-pin' }, keys: [], error: 'UnsupportedOperationException' }),
  },
  ConnectCustomKeyStore: {
    read: false,
    scope: 'account',
    valid: async (s) => ({ input: { CustomKeyStoreId: await s.keyStore() }, keys: [] }),
    invalid: async () => ({ input: { CustomKeyStoreId: 'cks-0123456789abcdef0' }, keys: [], error: 'CustomKeyStoreNotFoundException' }),
  },
  DisconnectCustomKeyStore: {
    read: false,
    scope: 'account',
    valid: async (s) => {
      const id = await s.keyStore();
      await s.t.kms.invoke('ConnectCustomKeyStore', { CustomKeyStoreId: id });
      return { input: { CustomKeyStoreId: id }, keys: [] };
    },
    // A store that was never connected is already DISCONNECTED.
    invalid: async (s) => ({ input: { CustomKeyStoreId: await s.keyStore() }, keys: [], error: 'CustomKeyStoreInvalidStateException' }),
  },
  DescribeCustomKeyStores: {
    read: true,
    scope: 'account',
    valid: async (s) => {
      await s.keyStore();
      return { input: {}, keys: [] };
    },
    invalid: async () => ({ input: { CustomKeyStoreId: 'cks-0123456789abcdef0' }, keys: [], error: 'CustomKeyStoreNotFoundException' }),
  },
  UpdateCustomKeyStore: {
    read: false,
    scope: 'account',
    valid: async (s) => ({ input: { CustomKeyStoreId: await s.keyStore(), NewCustomKeyStoreName: `audit-coverage-renamed-${randomUUID()}`, KeyStorePassword: 'new-pin' }, keys: [] }),
    invalid: async () => ({ input: { CustomKeyStoreId: 'cks-0123456789abcdef0', NewCustomKeyStoreName: 'x' }, keys: [], error: 'CustomKeyStoreNotFoundException' }),
  },
  DeleteCustomKeyStore: {
    read: false,
    scope: 'account',
    valid: async (s) => ({ input: { CustomKeyStoreId: await s.keyStore() }, keys: [] }),
    invalid: async () => ({ input: { CustomKeyStoreId: 'cks-0123456789abcdef0' }, keys: [], error: 'CustomKeyStoreNotFoundException' }),
  },
  SimulatePolicy: {
    read: true,
    scope: 'key',
    valid: onSymmetricKey((k) => ({ Principal: 'root', Action: 'kms:Encrypt', KeyId: k })),
    invalid: async (s) => {
      const keyId = await s.symmetric();
      return { input: { Principal: 'root', Action: 'kms:NotAnAction', KeyId: keyId }, keys: [keyId], error: 'ValidationException' };
    },
  },
  ExportKeyMaterial: {
    read: true,
    scope: 'key',
    valid: async (s) => {
      const keyId = await s.key({ XStrongroomExportable: true, Policy: EXPORT_POLICY });
      return { input: { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: EXPORT_WRAPPING_KEY }, keys: [keyId] };
    },
    // Created without XStrongroomExportable: never exportable.
    invalid: async (s) => {
      const keyId = await s.key({ Policy: EXPORT_POLICY });
      return { input: { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: EXPORT_WRAPPING_KEY }, keys: [keyId], error: 'UnsupportedOperationException' };
    },
  },
};

// --- Checking one record ---------------------------------------------------------------------------

type Expected = {
  readonly name: OperationName;
  readonly requestId: string;
  readonly eventTimeMs: number;
  readonly identity: { readonly type: string; readonly arn: string; readonly principalId?: string };
  readonly userAgent: string;
  readonly keys: ReadonlyArray<string>;
  readonly error: KmsError | null;
};

function secondPrecision(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

function expectRecord(row: StoredRow, x: Expected): void {
  const r = row.record;
  const where = `${x.name} ${x.error === null ? 'success' : x.error.name} record ${row.seq}`;
  expect(r.eventName, where).toBe(x.name);
  expect(r.eventSource, where).toBe('kms.amazonaws.com');
  expect(r.eventVersion, where).toMatch(/^\d+\.\d{2}$/);
  expect(r.eventType, where).toBe('AwsApiCall');
  expect(r.eventTime, where).toMatch(EVENT_TIME);
  expect(r.eventTime, where).toBe(secondPrecision(x.eventTimeMs));
  expect(r.awsRegion, where).toBe(REGION);
  expect(r.sourceIPAddress, where).toBe('localhost');
  expect(r.userAgent, where).toBe(x.userAgent);
  expect(r.userIdentity, where).toMatchObject({ ...x.identity, accountId: ACCOUNT });
  expect(r.requestID, where).toBe(x.requestId);
  expect(r.eventID, where).toMatch(UUID);
  expect(r.readOnly, where).toBe(operations[x.name].readOnly);
  expect(r.eventCategory, where).toBe('Management');
  expect(r.managementEvent, where).toBe(true);
  expect(r.recipientAccountId, where).toBe(ACCOUNT);
  expect(r.resources, where).toEqual(expect.any(Array));
  const arns = (r.resources as ReadonlyArray<{ ARN?: unknown }>).map((res) => res.ARN);
  expect([...arns].sort(), `${where}: resources`).toEqual(x.keys.map(keyArnOf).sort());
  for (const res of r.resources as ReadonlyArray<unknown>) {
    expect(res, where).toEqual({ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: expect.any(String) });
  }
  if (x.error === null) {
    expect(r, where).not.toHaveProperty('errorCode');
    expect(r, where).not.toHaveProperty('errorMessage');
    // AWS logs no results of reads and cryptographic operations.
    if (operations[x.name].readOnly) {
      expect(r.responseElements, where).toBeNull();
    }
  } else {
    expect(r.errorCode, where).toBe(x.error.name);
    expect(r.errorMessage, where).toBe(x.error.message);
    expect(x.error.message.length, where).toBeGreaterThan(0);
    expect(r.responseElements, where).toBeNull();
  }
}

// --- Every test: a fresh installation with the denied user and a grantee -----------------------------

let t: TestEngine;
let s: Setup;
beforeEach(async () => {
  t = await newEngine();
  s = new Setup(t);
  t.kms.createPrincipal('user', DENIED_USER);
  t.kms.createPrincipal('user', 'grantee');
});
afterEach(() => t.cleanup());

/** Moves the clock by a time with a fraction of a second, so truncation to seconds is checked. */
function tick(): number {
  t.clock.advance(1_789);
  return t.clock.now();
}

// --- 1. One record per call, for every operation ------------------------------------------------------

describe('the fixture table', () => {
  it('has a success, failure and denial case for every operation in the operation table, and nothing else', () => {
    const missing = operationNames.filter((name) => FIXTURES[name] === undefined);
    expect(missing, `operations with no audit fixture: ${missing.join(', ')}`).toEqual([]);
    const extra = Object.keys(FIXTURES).filter((name) => !operationNames.includes(name as OperationName));
    expect(extra, 'fixtures for operations the table does not have').toEqual([]);
  });

  it('states readOnly as the operation table does (reads and cryptographic operations only)', () => {
    const disagreeing = operationNames.filter((name) => FIXTURES[name] !== undefined && FIXTURES[name].read !== operations[name].readOnly);
    expect(disagreeing).toEqual([]);
  });
});

describe.each(operationNames.map((name) => [name] as const))('%s writes exactly one audit record', (name) => {
  const fixture = (): Fixture => {
    const f = FIXTURES[name];
    if (f === undefined) {
      throw new Error(`${name} has no fixture in FIXTURES: it cannot be exercised, so its audit is unproven`);
    }
    return f;
  };

  it('for a success', async () => {
    const f = fixture();
    const req = await f.valid(s);
    const before = lastSeq(t);
    const requestId = `ok-${name}-${randomUUID()}`;
    const at = tick();
    const output: unknown = await t.kms.invoke(name, req.input, { requestId });
    const rows = rowsAfter(t, before);
    expect(rows.map((r) => r.record.eventName)).toEqual([name]);
    const row = rows[0] as StoredRow;
    expect(row.seq).toBe(before + 1);
    const eventIds = rowsAfter(t, 0).map((r) => r.record.eventID);
    expect(new Set(eventIds).size, 'eventID is unique in the log').toBe(eventIds.length);
    expectRecord(row, {
      name,
      requestId,
      eventTimeMs: at,
      identity: { type: 'Root', arn: ROOT_ARN },
      userAgent: OWNER_AGENT,
      keys: [...req.keys, ...(f.outputKeys?.(output) ?? [])],
      error: null,
    });
  });

  it('for a failure that is not about authorization', async () => {
    const f = fixture();
    const req = await f.invalid(s);
    const before = lastSeq(t);
    const requestId = `fail-${name}-${randomUUID()}`;
    const at = tick();
    const err = await kmsError(t.kms.invoke(name, req.input, { requestId }));
    expect(err.name, err.message).toBe(req.error);
    const rows = rowsAfter(t, before);
    expect(rows.map((r) => r.record.eventName)).toEqual([name]);
    expectRecord(rows[0] as StoredRow, {
      name,
      requestId,
      eventTimeMs: at,
      identity: { type: 'Root', arn: ROOT_ARN },
      userAgent: OWNER_AGENT,
      keys: req.keys,
      error: err,
    });
  });

  it('for a denial to a principal without permission, changing nothing', async () => {
    const f = fixture();
    const req = await f.valid(s);
    const principal = t.kms.listPrincipals('user').find((p) => p.arn === userArn(DENIED_USER));
    expect(principal).toBeDefined();
    const caller: Caller = t.kms.callerFor(DENIED_USER, DENIED_AGENT);
    const state = stateOf(t);
    const before = lastSeq(t);
    const requestId = `deny-${name}-${randomUUID()}`;
    const at = tick();
    const err = await kmsError(t.kms.invoke(name, req.input, { requestId, caller }));
    expect(err.name, err.message).toBe('AccessDeniedException');
    expect(err.message).toContain(userArn(DENIED_USER));
    const rows = rowsAfter(t, before);
    expect(rows.map((r) => r.record.eventName)).toEqual([name]);
    expectRecord(rows[0] as StoredRow, {
      name,
      requestId,
      eventTimeMs: at,
      identity: { type: 'IAMUser', arn: userArn(DENIED_USER), principalId: principal?.principalId ?? '' },
      userAgent: DENIED_AGENT,
      // A denied key operation still names the key it was refused on; an account-level one names none.
      keys: f.scope === 'key' ? (req.deniedKeys ?? req.keys) : [],
      error: err,
    });
    expect(stateOf(t), 'a denied call changes nothing').toBe(state);
  });
});

// --- 2. No secret reaches the disk -------------------------------------------------------------------


function dataDirFiles(dir: string): Array<{ name: string; data: Buffer }> {
  return readdirSync(dir).map((name) => ({ name, data: readFileSync(join(dir, name)) }));
}


/**
 * Scans every file of the data directory while the engine is open (recent pages in the WAL), then
 * after it closes (checkpointed into the database file): no secret may appear, and `logged` — an
 * encryption context value, which AWS logs — must (the positive control: the scan reads the files).
 */
function scanDataDir(engine: TestEngine, secrets: ReadonlyArray<Secret>, logged: string): void {
  for (const phase of ['open', 'closed'] as const) {
    if (phase === 'closed') {
      engine.kms.close();
    }
    const files = dataDirFiles(engine.dir);
    expect(files.map((f) => f.name), phase).toContain(DATABASE_FILE);
    if (phase === 'open') {
      expect(files.map((f) => f.name)).toContain(`${DATABASE_FILE}-wal`);
    }
    expect(findSecrets(files, secrets), phase).toEqual([]);
    expect(files.some((f) => f.data.includes(Buffer.from(logged, 'utf8'))), `${phase}: the encryption context value is logged and found`).toBe(true);
  }
}

describe('no secret in the database files', () => {
  it('finds every encoding it looks for (the scanner works)', () => {
    const secret = randomBytes(32);
    for (const { form, needle } of encodings(secret)) {
      const file = { name: form, data: Buffer.concat([randomBytes(100), needle, randomBytes(100)]) };
      // (base64 and base64url coincide when the encoding has no + or /.)
      expect(findSecrets([file], [{ what: 'probe', value: secret }]), form).toContain(`probe (${form}) in ${form}`);
    }
  });

  it('holds no plaintext, data key, private key, imported material, message, MAC, ciphertext, token or root key, but keeps the encryption context', async () => {
    const secrets: Array<Secret> = [];
    const keep = (what: string, value: Uint8Array): Uint8Array => {
      expect(value.length, what).toBeGreaterThanOrEqual(16);
      secrets.push({ what, value });
      return value;
    };
    const keepText = (what: string, value: string): string => {
      keep(what, bytes(value));
      return value;
    };
    // Context values AWS logs, unique enough that finding them proves the scan reads the files.
    const contextValue = `context-value-${randomUUID()}`;
    const context = { purpose: contextValue };
    const kms = t.kms;

    // The endpoint's credential, shown once.
    const access = kms.createAccessKey(DENIED_USER);
    keepText('access key secret', access.SecretAccessKey);
    keep('access key secret bytes', Buffer.from(access.SecretAccessKey, 'base64'));

    // Symmetric encryption, re-encryption and data keys.
    const k1 = await s.symmetric();
    const k2 = await s.symmetric();
    const alias = await s.alias(k1);
    const plaintext = keep('Encrypt plaintext', randomBytes(48));
    const blob = keep('ciphertext blob', (await kms.invoke('Encrypt', { KeyId: alias, Plaintext: plaintext, EncryptionContext: context })).CiphertextBlob);
    expect((await kms.invoke('Decrypt', { CiphertextBlob: blob, EncryptionContext: context })).Plaintext).toEqual(plaintext);
    const reBlob = keep('re-encrypted blob', (await kms.invoke('ReEncrypt', { CiphertextBlob: blob, SourceEncryptionContext: context, DestinationKeyId: k2, DestinationEncryptionContext: context })).CiphertextBlob);
    expect((await kms.invoke('Decrypt', { CiphertextBlob: reBlob, EncryptionContext: context })).Plaintext).toEqual(plaintext);
    const textPlaintext = keepText('text plaintext', `a sentence nobody may read ${randomUUID()}`);
    keep('text plaintext blob', (await kms.invoke('Encrypt', { KeyId: k1, Plaintext: bytes(textPlaintext) })).CiphertextBlob);
    // The same through the base64 wire encoding the CLI and endpoint use.
    const wirePlaintext = keep('wire plaintext', randomBytes(40));
    const wire = await kms.invoke('Encrypt', { KeyId: k1, Plaintext: Buffer.from(wirePlaintext).toString('base64') }, { blobs: 'base64' });
    keep('wire ciphertext', wire.CiphertextBlob);

    const dk = await kms.invoke('GenerateDataKey', { KeyId: k1, KeySpec: 'AES_256', EncryptionContext: context });
    keep('GenerateDataKey plaintext', dk.Plaintext);
    keep('GenerateDataKey blob', dk.CiphertextBlob);
    const dk128 = await kms.invoke('GenerateDataKey', { KeyId: k1, NumberOfBytes: 16 });
    keep('GenerateDataKey 16-byte plaintext', dk128.Plaintext);
    const dkw = await kms.invoke('GenerateDataKeyWithoutPlaintext', { KeyId: k1, KeySpec: 'AES_256', EncryptionContext: context });
    keep('GenerateDataKeyWithoutPlaintext blob', dkw.CiphertextBlob);
    keep('GenerateDataKeyWithoutPlaintext data key', (await kms.invoke('Decrypt', { CiphertextBlob: dkw.CiphertextBlob, EncryptionContext: context })).Plaintext);
    const pair = await kms.invoke('GenerateDataKeyPair', { KeyId: k1, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: context });
    keep('GenerateDataKeyPair private key', pair.PrivateKeyPlaintext);
    keep('GenerateDataKeyPair private key blob', pair.PrivateKeyCiphertextBlob);
    const rsaPair = await kms.invoke('GenerateDataKeyPair', { KeyId: k1, KeyPairSpec: 'RSA_2048' });
    keep('GenerateDataKeyPair RSA private key', rsaPair.PrivateKeyPlaintext);
    const pairw = await kms.invoke('GenerateDataKeyPairWithoutPlaintext', { KeyId: k1, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: context });
    keep('GenerateDataKeyPairWithoutPlaintext private key blob', pairw.PrivateKeyCiphertextBlob);
    keep('GenerateDataKeyPairWithoutPlaintext private key', (await kms.invoke('Decrypt', { CiphertextBlob: pairw.PrivateKeyCiphertextBlob, EncryptionContext: context })).Plaintext);
    keep('GenerateRandom bytes', (await kms.invoke('GenerateRandom', { NumberOfBytes: 32 })).Plaintext);
    // A custom key store's PIN (KeyStorePassword), at creation and when changed.
    const storeId = await s.keyStore(keepText('custom key store PIN', `pin-${randomUUID()}`));
    await kms.invoke('UpdateCustomKeyStore', { CustomKeyStoreId: storeId, KeyStorePassword: keepText('updated custom key store PIN', `pin-${randomUUID()}`) });

    // Imported material: a symmetric key and an HMAC key, with known bytes.
    const importedMaterial = keep('imported symmetric material', randomBytes(32));
    const imported = await s.imported(importedMaterial);
    const importedPlaintext = keep('plaintext under imported material', randomBytes(24));
    keep('blob under imported material', (await kms.invoke('Encrypt', { KeyId: imported.keyId, Plaintext: importedPlaintext, EncryptionContext: context })).CiphertextBlob);
    const hmacMaterial = keep('imported HMAC material', randomBytes(32));
    const hmacKey = (await s.imported(hmacMaterial, { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).keyId;
    const macMessage = keep('HMAC message', randomBytes(64));
    const mac = keep('MAC', (await kms.invoke('GenerateMac', { KeyId: hmacKey, Message: macMessage, MacAlgorithm: 'HMAC_SHA_256' })).Mac);
    await kms.invoke('VerifyMac', { KeyId: hmacKey, Message: macMessage, Mac: mac, MacAlgorithm: 'HMAC_SHA_256' });
    const generatedMac = keep('MAC of a generated HMAC key', (await kms.invoke('GenerateMac', { KeyId: await s.key({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' }), Message: macMessage, MacAlgorithm: 'HMAC_SHA_512' })).Mac);
    expect(generatedMac.length).toBe(64);

    // Exported material (ExportKeyMaterial): known imported bytes, re-exported both ways; the
    // wrapped blobs and the passed-through token are as secret as the material for this scan.
    const exportedMaterial = keep('exported material', randomBytes(32));
    const exportable = (await s.imported(exportedMaterial, { XStrongroomExportable: true, Policy: EXPORT_POLICY })).keyId;
    for (const algorithm of ['RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_256']) {
      const token = keep('import token passed through an export', randomBytes(64));
      const exported = await kms.invoke('ExportKeyMaterial', { KeyId: exportable, WrappingAlgorithm: algorithm, WrappingPublicKey: EXPORT_WRAPPING_KEY, ImportToken: token });
      keep(`EncryptedKeyMaterial (${algorithm})`, exported.EncryptedKeyMaterial);
    }

    // Signing and key agreement.
    const signKey = await s.signing();
    const signMessage = keep('Sign message', randomBytes(64));
    const { Signature } = await kms.invoke('Sign', { KeyId: signKey, Message: signMessage, SigningAlgorithm: 'ECDSA_SHA_256' });
    await kms.invoke('Verify', { KeyId: signKey, Message: signMessage, Signature, SigningAlgorithm: 'ECDSA_SHA_256' });
    keep('shared secret', (await kms.invoke('DeriveSharedSecret', { KeyId: await s.agreement(), KeyAgreementAlgorithm: 'ECDH', PublicKey: PEER_PUBLIC_KEY })).SharedSecret);

    // Grant tokens: returned by CreateGrant (twice for a named grant), and one retired by its token.
    // (Tokens presented in a request's GrantTokens are the next test's subject.)
    const grantInput = { KeyId: k1, GranteePrincipal: userArn('grantee'), Operations: ['Encrypt', 'Decrypt'], Constraints: { EncryptionContextSubset: context }, Name: 'scan' };
    const grant = await kms.invoke('CreateGrant', grantInput);
    const again = await kms.invoke('CreateGrant', grantInput);
    for (const token of [grant.GrantToken, again.GrantToken]) {
      keepText('grant token', token);
      keep('grant token bytes', Buffer.from(token, 'base64url'));
    }
    const retired = await kms.invoke('CreateGrant', { KeyId: k1, GranteePrincipal: userArn('grantee'), RetiringPrincipal: ROOT_ARN, Operations: ['Encrypt'] });
    keepText('retired grant token', retired.GrantToken);
    await kms.invoke('RetireGrant', { GrantToken: retired.GrantToken });
    const grantee = kms.callerFor('grantee', 'scan');
    const granteePlaintext = keep('grantee plaintext', randomBytes(32));
    keep('grantee blob', (await kms.invoke('Encrypt', { KeyId: k1, Plaintext: granteePlaintext, EncryptionContext: context }, { caller: grantee })).CiphertextBlob);

    // Failed and refused calls carrying secrets are logged too, and must drop them all the same.
    const failing: ReadonlyArray<readonly [string, Record<string, unknown>, { caller?: Caller; blobs?: 'base64' }]> = [
      ['missing key', { KeyId: missingKey(), Plaintext: keep('plaintext of a call on a missing key', randomBytes(32)) }, {}],
      ['oversize plaintext', { KeyId: k1, Plaintext: keep('oversize plaintext', randomBytes(4097)) }, {}],
      ['plaintext of the wrong type', { KeyId: k1, Plaintext: keepText('plaintext passed as text', `text where bytes belong ${randomUUID()}`) }, {}],
      ['bad base64', { KeyId: k1, Plaintext: `${keepText('almost-base64 plaintext', `${randomUUID().replace(/-/g, '')}QUFB`)}!` }, { blobs: 'base64' }],
      ['denied', { KeyId: k1, Plaintext: keep('plaintext of a denied call', randomBytes(32)), EncryptionContext: context }, { caller: kms.callerFor(DENIED_USER, 'scan') }],
    ];
    for (const [what, input, options] of failing) {
      expect((await kmsError(kms.invoke('Encrypt', input, options))).name, what).toMatch(/Exception$/);
    }
    await kmsError(kms.invoke('Decrypt', { CiphertextBlob: blob, EncryptionContext: { purpose: 'wrong' } }));
    await kmsError(kms.invoke('VerifyMac', { KeyId: hmacKey, Message: macMessage, Mac: keep('wrong MAC', randomBytes(32)), MacAlgorithm: 'HMAC_SHA_256' }));

    // The root key, recovered the only way there is.
    keep('root key', await new MemoryRootKeyProvider().load(kms.installation.installationId, ''));

    scanDataDir(t, secrets, contextValue);
  });

  it('holds no grant token presented in a request’s GrantTokens (docs/security-model.md: tokens are never logged)', async () => {
    const keyId = await s.symmetric();
    const contextValue = `context-value-${randomUUID()}`;
    const grant = await t.kms.invoke('CreateGrant', { KeyId: keyId, GranteePrincipal: userArn('grantee'), Operations: ['Encrypt', 'DescribeKey'] });
    const grantee = t.kms.callerFor('grantee', 'scan');
    // A grant token is a bearer credential for its grant until the grant is retired or revoked.
    await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: { purpose: contextValue }, GrantTokens: [grant.GrantToken] }, { caller: grantee });
    await t.kms.invoke('DescribeKey', { KeyId: keyId, GrantTokens: [grant.GrantToken] }, { caller: grantee });
    // A failing call with the token, too.
    await kmsError(t.kms.invoke('Decrypt', { CiphertextBlob: randomBytes(64), GrantTokens: [grant.GrantToken] }, { caller: grantee }));
    scanDataDir(t, [
      { what: 'grant token', value: bytes(grant.GrantToken) },
      { what: 'grant token bytes', value: Buffer.from(grant.GrantToken, 'base64url') },
    ], contextValue);
  });
});

// --- 3. No operation without its record --------------------------------------------------------------

describe('when the audit record cannot be written', () => {
  const TRIGGER = "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END";

  it('fails the call with a clear error, changes nothing, and works again once the store does', async () => {
    const keyId = await s.symmetric();
    const keysBefore = (await t.kms.invoke('ListKeys', {})).Keys.map((k) => k.KeyId).sort();
    const recordsBefore = lastSeq(t);
    // The engine's own connection is private to it; a trigger set from a second connection makes
    // every insert into audit_log fail inside the engine's transactions.
    const db = new Database(join(t.dir, DATABASE_FILE));
    try {
      const state = snapshotState(db);
      db.exec(TRIGGER);

      const created = await kmsError(t.kms.invoke('CreateKey', { Description: 'must not exist' }, { requestId: 'unaudited-create' }));
      expect(created.name).toBe('KMSInternalException');
      expect(created.message).toMatch(/^CreateKey was not run: its audit record could not be written \(audit store unavailable\)/);
      expect(created.message).toMatch(/Check that the data directory is writable/);

      let ciphertext: Uint8Array | null = null;
      const encrypted = await kmsError(
        t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('must not be encrypted') }, { requestId: 'unaudited-encrypt' }).then((out) => {
          ciphertext = out.CiphertextBlob;
          return out;
        }),
      );
      expect(ciphertext).toBeNull();
      expect(encrypted.name).toBe('KMSInternalException');
      expect(encrypted.message).toMatch(/^Encrypt was not run: its audit record could not be written/);

      // A call that fails anyway says so, and that its failure was not recorded either.
      const missing = await kmsError(t.kms.invoke('DescribeKey', { KeyId: missingKey() }, { requestId: 'unaudited-missing' }));
      expect(missing.name).toBe('KMSInternalException');
      expect(missing.message).toMatch(/^DescribeKey failed \(NotFoundException: .*\) and its audit record could not be written/);

      expect(snapshotState(db), 'nothing changed while the audit store refused writes').toBe(state);
      expect(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM audit_log').get()?.n).toBe(recordsBefore);

      db.exec('DROP TRIGGER fail_audit');
    } finally {
      db.close();
    }

    // The same engine (the process never stopped) serves calls again.
    expect((await t.kms.invoke('ListKeys', {})).Keys.map((k) => k.KeyId).sort()).toEqual(keysBefore);
    const blob = (await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('audited again') })).CiphertextBlob;
    expect(text((await t.kms.invoke('Decrypt', { CiphertextBlob: blob })).Plaintext)).toBe('audited again');
    const fresh = (await t.kms.invoke('CreateKey', {}, { requestId: 'audited-create' })).KeyMetadata.KeyId;
    const records = rowsAfter(t, recordsBefore);
    expect(records.map((r) => r.record.eventName)).toEqual(['ListKeys', 'Encrypt', 'Decrypt', 'CreateKey']);
    expect(records.map((r) => r.record.requestID)).not.toContain('unaudited-create');
    expect(records.at(-1)?.record.resources).toEqual([{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: keyArnOf(fresh) }]);
    const report = t.kms.audit.verify();
    expect(report.ok, JSON.stringify(report)).toBe(true);
    expect(report.records).toBe(recordsBefore + 4);
  });
  it('refuses Strongroom’s own audited actions (users, access keys) the same way, with the same clear error', async () => {
    const db = new Database(join(t.dir, DATABASE_FILE));
    const outcomes: Array<{ action: string; error: string; message: string }> = [];
    try {
      const state = snapshotState(db);
      db.exec(TRIGGER);
      const actions: ReadonlyArray<readonly [string, () => unknown]> = [
        ['createPrincipal', () => t.kms.createPrincipal('user', 'unaudited')],
        ['createAccessKey', () => t.kms.createAccessKey(DENIED_USER)],
        ['deleteAccessKey (of a key that does not exist)', () => t.kms.deleteAccessKey('AKIAAAAAAAAAAAAAAAAA')],
      ];
      for (const [action, act] of actions) {
        try {
          act();
          outcomes.push({ action, error: 'none: it succeeded', message: '' });
        } catch (err) {
          outcomes.push({ action, error: err instanceof KmsError ? err.name : `${(err as Error).constructor.name} (not a KmsError)`, message: (err as Error).message });
        }
      }
      // Nothing ran unaudited.
      expect(snapshotState(db)).toBe(state);
      db.exec('DROP TRIGGER fail_audit');
    } finally {
      db.close();
    }
    expect(outcomes).toEqual(
      outcomes.map(({ action }) => ({ action, error: 'KMSInternalException', message: expect.stringMatching(/audit record could not be written/) })),
    );
    expect(t.kms.listPrincipals('user').map((p) => p.arn)).not.toContain(userArn('unaudited'));
    expect(t.kms.audit.verify().ok).toBe(true);
  });
});
