// ML-DSA signatures (FIPS 204) for ML_DSA_44/65/87 keys with AWS's one algorithm,
// ML_DSA_SHAKE_256, in its two message forms (AWS's Sign/Verify MessageType documentation):
//   RAW          ML-DSA.Sign / ML-DSA.Verify (FIPS 204 Algorithms 2 and 3) with an empty
//                context — OpenSSL 3.5 through node:crypto;
//   EXTERNAL_MU  the 64-byte μ = SHAKE256(tr ‖ 0x00 ‖ 0x00 ‖ M) a caller computed itself (FIPS 204
//                §6.2, "external μ"), signed and verified by ML-DSA's internal algorithms on it.
//                node:crypto does not take μ, so this is @noble/post-quantum, on the key
//                expanded from the same 32-byte seed OpenSSL keeps (checked equal below).
// A signature over μ is a signature of M: test/crypto checks both forms against each other and
// against OpenSSL.

import { sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type * as MlDsaModule from '@noble/post-quantum/ml-dsa.js';
import { lazyModule } from '../lazy-module.ts';
import { wipe } from './wipe.ts';

const mlDsa = lazyModule<typeof MlDsaModule>('@noble/post-quantum/ml-dsa.js');

/** The 64-byte μ that EXTERNAL_MU messages are. */
export const EXTERNAL_MU_BYTES = 64;

type Jwk = { readonly priv?: string; readonly pub?: string };

function parameterSet(key: KeyObject): typeof MlDsaModule.ml_dsa44 {
  switch (key.asymmetricKeyType) {
    case 'ml-dsa-44':
      return mlDsa().ml_dsa44;
    case 'ml-dsa-65':
      return mlDsa().ml_dsa65;
    case 'ml-dsa-87':
      return mlDsa().ml_dsa87;
    default:
      throw new Error(`not an ML-DSA key: ${key.asymmetricKeyType ?? 'secret'}`);
  }
}

function jwkBytes(key: KeyObject, member: keyof Jwk): Uint8Array {
  return new Uint8Array(Buffer.from((key.export({ format: 'jwk' }) as Jwk)[member] ?? '', 'base64url'));
}

/** Signs the message (RAW) or the caller's μ (EXTERNAL_MU). */
export function signMlDsa(privateKey: KeyObject, message: Uint8Array, externalMu: boolean): Uint8Array {
  if (!externalMu) {
    return new Uint8Array(nodeSign(null, message, privateKey));
  }
  const dsa = parameterSet(privateKey);
  const seed = jwkBytes(privateKey, 'priv');
  const { secretKey, publicKey } = dsa.keygen(seed);
  try {
    // The expansion must be OpenSSL's key, or the signature would be another key's.
    if (!Buffer.from(publicKey).equals(Buffer.from(jwkBytes(privateKey, 'pub')))) {
      throw new Error('ML-DSA key expansion disagrees with OpenSSL');
    }
    return dsa.internal.sign(message, secretKey, { externalMu: true });
  } finally {
    wipe(seed, secretKey);
  }
}

/** True when `signature` is a valid ML-DSA signature of the message (RAW) or of the message μ stands for (EXTERNAL_MU). */
export function verifyMlDsa(publicKey: KeyObject, message: Uint8Array, externalMu: boolean, signature: Uint8Array): boolean {
  try {
    return externalMu
      ? parameterSet(publicKey).internal.verify(signature, message, jwkBytes(publicKey, 'pub'), { externalMu: true })
      : nodeVerify(null, message, publicKey, signature);
  } catch {
    return false;
  }
}
