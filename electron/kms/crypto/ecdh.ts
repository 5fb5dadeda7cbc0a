// DeriveSharedSecret: ECDH by OpenSSL. The result is the raw shared secret (the x coordinate of
// the shared point), as AWS returns it and as `openssl pkeyutl -derive` prints it — not a KDF
// output; callers derive keys from it themselves.

import { diffieHellman, type KeyObject } from 'node:crypto';
import { curveOf } from './key-pairs.ts';

export type EcdhProblem = 'not-ec' | 'wrong-curve' | 'invalid';

/** The shared secret, or why the peer key cannot be used with this private key. */
export function deriveSharedSecret(privateKey: KeyObject, peer: KeyObject): Uint8Array | EcdhProblem {
  const curve = curveOf(privateKey);
  const peerCurve = curveOf(peer);
  if (peer.asymmetricKeyType !== 'ec') {
    return 'not-ec';
  }
  if (curve === null || peerCurve !== curve) {
    return 'wrong-curve';
  }
  try {
    return new Uint8Array(diffieHellman({ privateKey, publicKey: peer }));
  } catch {
    return 'invalid';
  }
}
