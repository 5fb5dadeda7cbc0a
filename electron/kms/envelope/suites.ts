// The AWS Encryption SDK algorithm suites (docs/file-format.md): what each one
// derives its key with, whether it commits to the key and signs the message, and which message
// version carries it. Strongroom writes the two committing suites and reads all of them.

export type SuiteId = 0x0014 | 0x0046 | 0x0078 | 0x0114 | 0x0146 | 0x0178 | 0x0214 | 0x0346 | 0x0378 | 0x0478 | 0x0578;

export type Suite = {
  readonly id: SuiteId;
  readonly name: string;
  /** AES key length in bytes (= data key length). */
  readonly keyBytes: 16 | 24 | 32;
  readonly kdf: 'identity' | 'hkdf-v1' | 'hkdf-commit';
  readonly kdfHash: 'sha256' | 'sha384' | 'sha512' | null;
  /** ECDSA footer: the curve and hash, or null for unsigned suites. */
  readonly signature: { readonly curve: 'P-256' | 'P-384'; readonly hash: 'sha256' | 'sha384' } | null;
  readonly committing: boolean;
  readonly messageVersion: 1 | 2;
};

const SUITES: ReadonlyArray<Suite> = [
  { id: 0x0014, name: 'AES128_GCM_IV12_TAG16', keyBytes: 16, kdf: 'identity', kdfHash: null, signature: null, committing: false, messageVersion: 1 },
  { id: 0x0046, name: 'AES192_GCM_IV12_TAG16', keyBytes: 24, kdf: 'identity', kdfHash: null, signature: null, committing: false, messageVersion: 1 },
  { id: 0x0078, name: 'AES256_GCM_IV12_TAG16', keyBytes: 32, kdf: 'identity', kdfHash: null, signature: null, committing: false, messageVersion: 1 },
  { id: 0x0114, name: 'AES128_GCM_IV12_TAG16_HKDF_SHA256', keyBytes: 16, kdf: 'hkdf-v1', kdfHash: 'sha256', signature: null, committing: false, messageVersion: 1 },
  { id: 0x0146, name: 'AES192_GCM_IV12_TAG16_HKDF_SHA256', keyBytes: 24, kdf: 'hkdf-v1', kdfHash: 'sha256', signature: null, committing: false, messageVersion: 1 },
  { id: 0x0178, name: 'AES256_GCM_IV12_TAG16_HKDF_SHA256', keyBytes: 32, kdf: 'hkdf-v1', kdfHash: 'sha256', signature: null, committing: false, messageVersion: 1 },
  { id: 0x0214, name: 'AES128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256', keyBytes: 16, kdf: 'hkdf-v1', kdfHash: 'sha256', signature: { curve: 'P-256', hash: 'sha256' }, committing: false, messageVersion: 1 },
  { id: 0x0346, name: 'AES192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384', keyBytes: 24, kdf: 'hkdf-v1', kdfHash: 'sha384', signature: { curve: 'P-384', hash: 'sha384' }, committing: false, messageVersion: 1 },
  { id: 0x0378, name: 'AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384', keyBytes: 32, kdf: 'hkdf-v1', kdfHash: 'sha384', signature: { curve: 'P-384', hash: 'sha384' }, committing: false, messageVersion: 1 },
  { id: 0x0478, name: 'AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY', keyBytes: 32, kdf: 'hkdf-commit', kdfHash: 'sha512', signature: null, committing: true, messageVersion: 2 },
  { id: 0x0578, name: 'AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', keyBytes: 32, kdf: 'hkdf-commit', kdfHash: 'sha512', signature: { curve: 'P-384', hash: 'sha384' }, committing: true, messageVersion: 2 },
];

/** The SDK's default and Strongroom's: committing, signed (ECDSA P-384). */
export const SIGNED_SUITE = 0x0578;
/** Committing, unsigned: `--no-signing`. */
export const UNSIGNED_SUITE = 0x0478;

export function suiteById(id: number): Suite | null {
  return SUITES.find((s) => s.id === id) ?? null;
}

export const ALL_SUITES: ReadonlyArray<Suite> = SUITES;
