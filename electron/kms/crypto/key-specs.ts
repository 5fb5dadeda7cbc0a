// The key-spec table: for each KeySpec, what kind of key it is, the usages AWS allows and the
// algorithms each usage offers (docs/aws-kms.md §4). One place answers "may this key do that?" for
// every operation. Specs with no sound implementation here are listed as unsupported, and
// CreateKey answers them with UnsupportedOperationException rather than pretending.

import {
  SIGNING_ALGORITHM_NAMES,
  type EncryptionAlgorithm,
  type KeySpec,
  type KeyUsage,
  type MAC_ALGORITHM_NAMES,
} from '../../../shared/api/operations.ts';

export type SigningAlgorithm = (typeof SIGNING_ALGORITHM_NAMES)[number];
export type MacAlgorithm = (typeof MAC_ALGORITHM_NAMES)[number];

export type KeyKind = 'symmetric' | 'hmac' | 'rsa' | 'ecc';

/** Node's (OpenSSL's) curve names. */
export type NamedCurve = 'prime256v1' | 'secp384r1' | 'secp521r1' | 'secp256k1';

export type KeySpecInfo = {
  readonly spec: KeySpec;
  readonly kind: KeyKind;
  readonly usages: ReadonlyArray<KeyUsage>;
  readonly encryptionAlgorithms: ReadonlyArray<EncryptionAlgorithm>;
  readonly signingAlgorithms: ReadonlyArray<SigningAlgorithm>;
  readonly macAlgorithms: ReadonlyArray<MacAlgorithm>;
  readonly keyAgreementAlgorithms: ReadonlyArray<'ECDH'>;
  /** Bytes of symmetric material (AES or HMAC key); 0 for key pairs, stored as PKCS#8. */
  readonly materialBytes: number;
  readonly rsaBits?: number;
  readonly curve?: NamedCurve;
  readonly supported: boolean;
};

const none = { encryptionAlgorithms: [], signingAlgorithms: [], macAlgorithms: [], keyAgreementAlgorithms: [] } as const;

function rsa(spec: KeySpec, bits: number): KeySpecInfo {
  return {
    ...none,
    spec,
    kind: 'rsa',
    usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
    encryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
    signingAlgorithms: SIGNING_ALGORITHM_NAMES.filter((a) => a.startsWith('RSASSA_')),
    materialBytes: 0,
    rsaBits: bits,
    supported: true,
  };
}

function ecc(spec: KeySpec, curve: NamedCurve, signing: SigningAlgorithm, agreement: boolean): KeySpecInfo {
  return {
    ...none,
    spec,
    kind: 'ecc',
    usages: agreement ? ['SIGN_VERIFY', 'KEY_AGREEMENT'] : ['SIGN_VERIFY'],
    signingAlgorithms: [signing],
    keyAgreementAlgorithms: agreement ? ['ECDH'] : [],
    materialBytes: 0,
    curve,
    supported: true,
  };
}

function hmac(spec: KeySpec, algorithm: MacAlgorithm, bits: number): KeySpecInfo {
  // AWS's HMAC keys are as long as the digest: 224, 256, 384 and 512 bits.
  return { ...none, spec, kind: 'hmac', usages: ['GENERATE_VERIFY_MAC'], macAlgorithms: [algorithm], materialBytes: bits / 8, supported: true };
}

function unsupported(spec: KeySpec, kind: KeyKind, usages: ReadonlyArray<KeyUsage>): KeySpecInfo {
  return { ...none, spec, kind, usages, materialBytes: 0, supported: false };
}

const TABLE: Readonly<Record<KeySpec, KeySpecInfo>> = {
  SYMMETRIC_DEFAULT: {
    ...none,
    spec: 'SYMMETRIC_DEFAULT',
    kind: 'symmetric',
    usages: ['ENCRYPT_DECRYPT'],
    encryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    materialBytes: 32,
    supported: true,
  },
  RSA_2048: rsa('RSA_2048', 2048),
  RSA_3072: rsa('RSA_3072', 3072),
  RSA_4096: rsa('RSA_4096', 4096),
  ECC_NIST_P256: ecc('ECC_NIST_P256', 'prime256v1', 'ECDSA_SHA_256', true),
  ECC_NIST_P384: ecc('ECC_NIST_P384', 'secp384r1', 'ECDSA_SHA_384', true),
  ECC_NIST_P521: ecc('ECC_NIST_P521', 'secp521r1', 'ECDSA_SHA_512', true),
  ECC_SECG_P256K1: ecc('ECC_SECG_P256K1', 'secp256k1', 'ECDSA_SHA_256', false),
  HMAC_224: hmac('HMAC_224', 'HMAC_SHA_224', 224),
  HMAC_256: hmac('HMAC_256', 'HMAC_SHA_256', 256),
  HMAC_384: hmac('HMAC_384', 'HMAC_SHA_384', 384),
  HMAC_512: hmac('HMAC_512', 'HMAC_SHA_512', 512),
  // Not offered (docs/keys.md, docs/decisions.md D17): Ed25519's DIGEST variant and ML-DSA need
  // behaviour we cannot check against a peer here; SM2 exists only in China Regions.
  ECC_NIST_EDWARDS25519: unsupported('ECC_NIST_EDWARDS25519', 'ecc', ['SIGN_VERIFY']),
  ML_DSA_44: unsupported('ML_DSA_44', 'ecc', ['SIGN_VERIFY']),
  ML_DSA_65: unsupported('ML_DSA_65', 'ecc', ['SIGN_VERIFY']),
  ML_DSA_87: unsupported('ML_DSA_87', 'ecc', ['SIGN_VERIFY']),
  SM2: unsupported('SM2', 'ecc', ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT']),
};

export const SUPPORTED_KEY_SPECS: ReadonlyArray<KeySpec> = Object.values(TABLE).filter((i) => i.supported).map((i) => i.spec);

export function keySpecInfo(spec: KeySpec): KeySpecInfo {
  return TABLE[spec];
}

/** Whether a spec's material is a key pair (stored as PKCS#8) rather than symmetric bytes. */
export function isKeyPair(spec: KeySpec): boolean {
  const kind = TABLE[spec].kind;
  return kind === 'rsa' || kind === 'ecc';
}

/** The wrap-AAD purpose string for a key's material. */
export function materialPurpose(spec: KeySpec, usage: KeyUsage): string {
  return `${spec}:${usage}`;
}
