// The key-spec table: for each KeySpec, the usages AWS allows and the algorithms each usage
// offers (reference §4). One place answers "may this key do that?" for every operation.
// Specs whose implementation has not landed yet are listed as unsupported, and CreateKey answers
// them with UnsupportedOperationException rather than pretending.

import type { EncryptionAlgorithm, KeySpec, KeyUsage } from '../../../shared/api/operations.ts';

export type KeySpecInfo = {
  readonly spec: KeySpec;
  readonly usages: ReadonlyArray<KeyUsage>;
  readonly encryptionAlgorithms: ReadonlyArray<EncryptionAlgorithm>;
  /** Bytes of symmetric material (0 for key pairs). */
  readonly materialBytes: number;
  readonly supported: boolean;
};

const symmetricDefault: KeySpecInfo = {
  spec: 'SYMMETRIC_DEFAULT',
  usages: ['ENCRYPT_DECRYPT'],
  encryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
  materialBytes: 32,
  supported: true,
};

export const SUPPORTED_KEY_SPECS: ReadonlyArray<KeySpec> = ['SYMMETRIC_DEFAULT'];

export function keySpecInfo(spec: KeySpec): KeySpecInfo | null {
  return spec === 'SYMMETRIC_DEFAULT' ? symmetricDefault : null;
}

/** The wrap-AAD purpose string for a key's material. */
export function materialPurpose(spec: KeySpec, usage: KeyUsage): string {
  return `${spec}:${usage}`;
}
