// What the app knows about keys: the key specs the engine creates (and those it refuses, with
// why), the usages each allows, the grant operations a key can be given, and loading the key
// list (ListKeys + DescribeKey + ListAliases + GetKeyRotationStatus) for the screens.
// The spec table mirrors electron/kms/crypto/key-specs.ts; test/renderer/keys.test.ts checks
// that the two agree.

import type { BridgeResult } from '../../../shared/api/bridge.ts';
import type { KeySpec, KeyState, KeyUsage, OperationOutput } from '../../../shared/api/operations.ts';
import { call, listAll, mapLimit } from './call.ts';

export type KeyMetadata = OperationOutput<'DescribeKey'>['KeyMetadata'];
export type AliasEntry = OperationOutput<'ListAliases'>['Aliases'][number];

export type KeySpecGroup = 'Symmetric' | 'RSA' | 'Elliptic curve' | 'Post-quantum' | 'HMAC' | 'Not available';

export type KeySpecChoice = {
  readonly spec: KeySpec;
  readonly group: KeySpecGroup;
  readonly usages: ReadonlyArray<KeyUsage>;
  /** What it is, in a few words. */
  readonly summary: string;
  /** Null when the engine creates it; otherwise why not. */
  readonly unavailable: string | null;
};

export const KEY_SPEC_CHOICES: ReadonlyArray<KeySpecChoice> = [
  { spec: 'SYMMETRIC_DEFAULT', group: 'Symmetric', usages: ['ENCRYPT_DECRYPT'], summary: 'AES-256-GCM. Encrypts and decrypts, makes data keys, rotates. The usual choice.', unavailable: null },
  { spec: 'RSA_2048', group: 'RSA', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], summary: 'RSA key pair, 2048 bits.', unavailable: null },
  { spec: 'RSA_3072', group: 'RSA', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], summary: 'RSA key pair, 3072 bits.', unavailable: null },
  { spec: 'RSA_4096', group: 'RSA', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], summary: 'RSA key pair, 4096 bits.', unavailable: null },
  { spec: 'ECC_NIST_P256', group: 'Elliptic curve', usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'], summary: 'NIST P-256: ECDSA with SHA-256, or ECDH.', unavailable: null },
  { spec: 'ECC_NIST_P384', group: 'Elliptic curve', usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'], summary: 'NIST P-384: ECDSA with SHA-384, or ECDH.', unavailable: null },
  { spec: 'ECC_NIST_P521', group: 'Elliptic curve', usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'], summary: 'NIST P-521: ECDSA with SHA-512, or ECDH.', unavailable: null },
  { spec: 'ECC_SECG_P256K1', group: 'Elliptic curve', usages: ['SIGN_VERIFY'], summary: 'secp256k1 (as used by blockchains): ECDSA with SHA-256.', unavailable: null },
  { spec: 'HMAC_224', group: 'HMAC', usages: ['GENERATE_VERIFY_MAC'], summary: 'HMAC-SHA-224, a 28-byte key.', unavailable: null },
  { spec: 'HMAC_256', group: 'HMAC', usages: ['GENERATE_VERIFY_MAC'], summary: 'HMAC-SHA-256, a 32-byte key.', unavailable: null },
  { spec: 'HMAC_384', group: 'HMAC', usages: ['GENERATE_VERIFY_MAC'], summary: 'HMAC-SHA-384, a 48-byte key.', unavailable: null },
  { spec: 'HMAC_512', group: 'HMAC', usages: ['GENERATE_VERIFY_MAC'], summary: 'HMAC-SHA-512, a 64-byte key.', unavailable: null },
  { spec: 'ECC_NIST_EDWARDS25519', group: 'Elliptic curve', usages: ['SIGN_VERIFY'], summary: 'Ed25519: pure (ED25519_SHA_512) or prehashed (ED25519_PH_SHA_512) signatures.', unavailable: null },
  { spec: 'ML_DSA_44', group: 'Post-quantum', usages: ['SIGN_VERIFY'], summary: 'ML-DSA-44 (FIPS 204) signatures.', unavailable: null },
  { spec: 'ML_DSA_65', group: 'Post-quantum', usages: ['SIGN_VERIFY'], summary: 'ML-DSA-65 (FIPS 204) signatures.', unavailable: null },
  { spec: 'ML_DSA_87', group: 'Post-quantum', usages: ['SIGN_VERIFY'], summary: 'ML-DSA-87 (FIPS 204) signatures.', unavailable: null },
  { spec: 'SM2', group: 'Not available', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'], summary: 'The Chinese SM2 curve.', unavailable: 'Not offered: AWS offers SM2 only in its China Regions.' },
];

export function keySpecChoice(spec: string): KeySpecChoice | undefined {
  return KEY_SPEC_CHOICES.find((c) => c.spec === spec);
}

export const USAGE_WORDS: Readonly<Record<KeyUsage, string>> = {
  ENCRYPT_DECRYPT: 'Encrypt and decrypt',
  SIGN_VERIFY: 'Sign and verify',
  GENERATE_VERIFY_MAC: 'Generate and verify MACs',
  KEY_AGREEMENT: 'Key agreement (ECDH)',
};

export const STATE_WORDS: Readonly<Record<KeyState, string>> = {
  Creating: 'Creating',
  Enabled: 'Enabled',
  Disabled: 'Disabled',
  PendingDeletion: 'Pending deletion',
  PendingImport: 'Pending import',
  PendingReplicaDeletion: 'Pending replica deletion',
  Unavailable: 'Unavailable',
  Updating: 'Updating',
};

export function isSymmetric(meta: { readonly KeySpec: string }): boolean {
  return meta.KeySpec === 'SYMMETRIC_DEFAULT';
}

/** Key pairs: they have a public key to download. */
export function isAsymmetric(meta: { readonly KeySpec: string }): boolean {
  return meta.KeySpec.startsWith('RSA_') || meta.KeySpec.startsWith('ECC_') || meta.KeySpec === 'SM2' || meta.KeySpec.startsWith('ML_DSA_');
}

/**
 * Whether automatic and on-demand rotation apply (AWS: symmetric keys only, and never keys in a
 * custom key store — Origin AWS_CLOUDHSM — whose material the token holds).
 */
export function canRotate(meta: { readonly KeySpec: string; readonly Origin?: string }): boolean {
  return isSymmetric(meta) && meta.Origin !== 'AWS_CLOUDHSM';
}

const COMMON_GRANT_OPERATIONS = ['DescribeKey', 'CreateGrant', 'RetireGrant'] as const;

/** The operations a grant on this key may allow (the engine refuses others). */
export function grantOperationsFor(meta: { readonly KeySpec: string; readonly KeyUsage: string }): ReadonlyArray<string> {
  switch (meta.KeyUsage) {
    case 'ENCRYPT_DECRYPT':
      return meta.KeySpec === 'SYMMETRIC_DEFAULT'
        ? ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', ...COMMON_GRANT_OPERATIONS]
        : ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey', ...COMMON_GRANT_OPERATIONS];
    case 'SIGN_VERIFY':
      return ['Sign', 'Verify', 'GetPublicKey', ...COMMON_GRANT_OPERATIONS];
    case 'GENERATE_VERIFY_MAC':
      return ['GenerateMac', 'VerifyMac', ...COMMON_GRANT_OPERATIONS];
    case 'KEY_AGREEMENT':
      return ['DeriveSharedSecret', 'GetPublicKey', ...COMMON_GRANT_OPERATIONS];
    default:
      return [...COMMON_GRANT_OPERATIONS];
  }
}

/** Alias names: the part after alias/ may hold letters, digits, / _ - and must not start with aws/. */
export function aliasProblem(name: string): string | null {
  const bare = name.startsWith('alias/') ? name.slice('alias/'.length) : name;
  if (bare === '') {
    return 'Type a name after alias/.';
  }
  if (!/^[a-zA-Z0-9/_-]+$/.test(bare)) {
    return 'An alias may contain only letters, digits, /, _ and -.';
  }
  if (bare.startsWith('aws/')) {
    return 'Names starting alias/aws/ are reserved for AWS managed keys.';
  }
  if (bare.length + 'alias/'.length > 256) {
    return 'An alias is at most 256 characters long, alias/ included.';
  }
  return null;
}

export function fullAliasName(name: string): string {
  return name.startsWith('alias/') ? name : `alias/${name}`;
}

export type KeyRow = {
  readonly meta: KeyMetadata;
  readonly aliases: ReadonlyArray<string>;
  /** True/false for symmetric keys; null where rotation does not apply or could not be read. */
  readonly rotation: { readonly enabled: boolean; readonly periodDays?: number } | null;
};

/** Every key with its metadata, aliases and (for symmetric keys) rotation status, newest first. */
export async function loadKeyRows(options: { readonly rotation?: boolean } = {}): Promise<BridgeResult<ReadonlyArray<KeyRow>>> {
  const [keys, aliases] = await Promise.all([
    listAll((b, Marker) => b.listKeys({ Limit: 1000, ...(Marker === undefined ? {} : { Marker }) }), (p) => p.Keys),
    listAll((b, Marker) => b.listAliases({ Limit: 1000, ...(Marker === undefined ? {} : { Marker }) }), (p) => p.Aliases),
  ]);
  if (!keys.ok) {
    return keys;
  }
  const aliasesByKey = new Map<string, Array<string>>();
  if (aliases.ok) {
    for (const a of aliases.value) {
      if (a.TargetKeyId !== undefined) {
        const list = aliasesByKey.get(a.TargetKeyId) ?? [];
        list.push(a.AliasName);
        aliasesByKey.set(a.TargetKeyId, list);
      }
    }
  }
  const rows = await mapLimit(keys.value, 8, async (k): Promise<BridgeResult<KeyRow>> => {
    const described = await call((b) => b.describeKey({ KeyId: k.KeyId }));
    if (!described.ok) {
      return described;
    }
    const meta = described.value.KeyMetadata;
    let rotation: KeyRow['rotation'] = null;
    if (options.rotation !== false && canRotate(meta) && meta.KeyState !== 'PendingDeletion' && meta.Origin === 'AWS_KMS') {
      const status = await call((b) => b.getKeyRotationStatus({ KeyId: k.KeyId }));
      if (status.ok) {
        rotation = {
          enabled: status.value.KeyRotationEnabled,
          ...(status.value.RotationPeriodInDays === undefined ? {} : { periodDays: status.value.RotationPeriodInDays }),
        };
      }
    }
    return { ok: true, value: { meta, aliases: (aliasesByKey.get(k.KeyId) ?? []).sort(), rotation } };
  });
  const out: Array<KeyRow> = [];
  for (const r of rows) {
    // A key deleted between ListKeys and DescribeKey is simply gone.
    if (r.ok) {
      out.push(r.value);
    } else if (r.error.name !== 'NotFoundException') {
      return r;
    }
  }
  out.sort((a, b) => (keyTime(b.meta.CreationDate) - keyTime(a.meta.CreationDate)) || a.meta.KeyId.localeCompare(b.meta.KeyId));
  return { ok: true, value: out };
}

function keyTime(value: unknown): number {
  if (value instanceof Date) {
    return value.getTime();
  }
  if (typeof value === 'number') {
    return value * 1000;
  }
  if (typeof value === 'string') {
    return Date.parse(value) || 0;
  }
  return 0;
}

/** "alias/files" or the key id: how a key is named in lists. */
export function keyLabel(row: { readonly meta: { readonly KeyId: string }; readonly aliases: ReadonlyArray<string> }): string {
  return row.aliases[0] ?? row.meta.KeyId;
}

/** Whether a row matches a search: any of alias, id, ARN, description, spec, usage, state. */
export function keyMatches(row: KeyRow, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') {
    return true;
  }
  const hay = [
    ...row.aliases,
    row.meta.KeyId,
    row.meta.Arn,
    row.meta.Description,
    row.meta.KeySpec,
    row.meta.KeyUsage,
    row.meta.KeyState,
    STATE_WORDS[row.meta.KeyState],
  ]
    .join('\n')
    .toLowerCase();
  return q.split(/\s+/).every((word) => hay.includes(word));
}
