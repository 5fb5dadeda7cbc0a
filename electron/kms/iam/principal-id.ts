// IAM-shaped unique ids: 'AIDA' (users) or 'AROA' (roles) and 17 base32 characters. A principal
// keeps its id for life and an id is never reused, so a policy or grant that named a deleted
// principal never applies to a new one with the same name.

import { randomBytes } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export type PrincipalKind = 'user' | 'role';

export function newPrincipalId(kind: PrincipalKind): string {
  let id = kind === 'role' ? 'AROA' : 'AIDA';
  for (const b of randomBytes(17)) {
    id += BASE32[b & 31];
  }
  return id;
}
