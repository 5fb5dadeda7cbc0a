// Access keys for the AWS-compatible endpoint: an access key id in AWS's shape, a secret shown
// once, and the principal the key acts as. The secret is needed in the clear to check SigV4
// signatures (an HMAC), so it is stored wrapped under the root key and unwrapped per check.

import { randomBytes } from 'node:crypto';
import type { Caller, CallerType } from './caller.ts';
import type { Clock } from '../clock.ts';
import type { AesKey } from '../crypto/aes-gcm.ts';
import { unwrapMaterial, wrapMaterial } from '../crypto/material-wrap.ts';
import { ValidationException } from '../errors.ts';
import type { Db } from '../store/database.ts';

/** What an access key id resolves to: its principal and, for one signature check, its secret. */
export type AccessKeyLookup = (accessKeyId: string) => { readonly caller: Omit<Caller, 'sourceIp' | 'userAgent'>; readonly secret: string } | null;

export type AccessKeyMetadata = {
  readonly AccessKeyId: string;
  readonly PrincipalArn: string;
  readonly Status: string;
  readonly CreateDate: Date;
};

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const IAM_NAME = /^[\w+=,.@-]{1,64}$/;
const PURPOSE = 'access-key-secret';

/** 'AKIA' and 16 base32 characters, as IAM access key ids look (AWS SDKs validate nothing more). */
function newAccessKeyId(): string {
  const bytes = randomBytes(16);
  let id = 'AKIA';
  for (const b of bytes) {
    id += BASE32[b & 31];
  }
  return id;
}

type Principal = { readonly arn: string; readonly type: CallerType };

/**
 * Accepted: 'root' (the installation owner), 'alice' or 'user/alice', 'role/name', or the full
 * arn:aws:iam::<this account>:root | user/<name> | role/<name>.
 */
export function parsePrincipal(accountId: string, given: string): Principal {
  const prefix = `arn:aws:iam::${accountId}:`;
  const rest = given.startsWith('arn:') ? (given.startsWith(prefix) ? given.slice(prefix.length) : null) : given;
  if (rest === 'root') {
    return { arn: `${prefix}root`, type: 'Root' };
  }
  const m = rest === null ? null : /^(?:(user|role)\/)?(.+)$/.exec(rest);
  const kind = m?.[1] ?? 'user';
  const name = m?.[2] ?? '';
  if (m === null || !IAM_NAME.test(name) || (rest !== null && given.startsWith('arn:') && m[1] === undefined)) {
    throw new ValidationException(
      `Principal '${given}' is not one Strongroom can issue keys for: use root, a user name (alice or user/alice), role/<name>, or an ARN arn:aws:iam::${accountId}:root|user/<name>|role/<name>. Names: 1–64 of letters, digits and + = , . @ _ -.`,
    );
  }
  return kind === 'role' ? { arn: `${prefix}role/${name}`, type: 'AssumedRole' } : { arn: `${prefix}user/${name}`, type: 'IAMUser' };
}

type Row = { access_key_id: string; principal_arn: string; principal_id: string | null; caller_type: string; secret_wrapped: Buffer; created_at: number; status: string };

export class AccessKeyStore {
  readonly #clock: Clock;
  readonly #stmts;

  constructor(db: Db, clock: Clock) {
    this.#clock = clock;
    this.#stmts = {
      insert: db.prepare('INSERT INTO access_keys (access_key_id, principal_arn, caller_type, secret_wrapped, created_at, principal_id) VALUES (?, ?, ?, ?, ?, ?)'),
      get: db.prepare<[string], Row>('SELECT * FROM access_keys WHERE access_key_id = ?'),
      list: db.prepare<[], Row>('SELECT * FROM access_keys ORDER BY created_at, access_key_id'),
      delete: db.prepare('DELETE FROM access_keys WHERE access_key_id = ?'),
    };
  }

  /** Creates a key for an existing principal (resolved by principals.ts). */
  create(p: { readonly arn: string; readonly type: CallerType; readonly principalId?: string }, rootKey: AesKey): { AccessKeyId: string; SecretAccessKey: string; PrincipalArn: string } {
    const accessKeyId = newAccessKeyId();
    // 30 random bytes are exactly 40 base64 characters, the length of an AWS secret access key.
    const secret = randomBytes(30).toString('base64');
    const wrapped = wrapMaterial(rootKey, { keyId: accessKeyId, version: 1, purpose: PURPOSE }, Buffer.from(secret, 'utf8'));
    this.#stmts.insert.run(accessKeyId, p.arn, p.type, Buffer.from(wrapped), this.#clock.now(), p.principalId ?? null);
    return { AccessKeyId: accessKeyId, SecretAccessKey: secret, PrincipalArn: p.arn };
  }

  lookup(accessKeyId: string, rootKey: AesKey): ReturnType<AccessKeyLookup> {
    const row = this.#stmts.get.get(accessKeyId);
    if (row === undefined || row.status !== 'Active') {
      return null;
    }
    const secret = unwrapMaterial(rootKey, { keyId: accessKeyId, version: 1, purpose: PURPOSE }, row.secret_wrapped);
    if (secret === null) {
      // A row that does not unwrap was tampered with or moved: treat it as no key at all.
      return null;
    }
    try {
      return {
        caller: { type: row.caller_type as CallerType, arn: row.principal_arn, accessKeyId, ...(row.principal_id === null ? {} : { principalId: row.principal_id }) },
        secret: Buffer.from(secret).toString('utf8'),
      };
    } finally {
      secret.fill(0);
    }
  }

  list(): Array<AccessKeyMetadata> {
    return this.#stmts.list.all().map((r) => ({ AccessKeyId: r.access_key_id, PrincipalArn: r.principal_arn, Status: r.status, CreateDate: new Date(r.created_at) }));
  }

  delete(accessKeyId: string): boolean {
    return this.#stmts.delete.run(accessKeyId).changes > 0;
  }
}

/** How long an access key lookup is reused (see CachedAccessKeyLookup). */
export const ACCESS_KEY_CACHE_MS = 5_000;

/**
 * For the endpoint's SigV4 check: the principal and clear secret of an access key, or null.
 * Answers are kept for ACCESS_KEY_CACHE_MS, so a busy endpoint does not read and unwrap the
 * secret on every request; a key deleted through this engine stops working at once (forget()),
 * one deleted by another process (the CLI beside a running endpoint) within that time.
 */
export class CachedAccessKeyLookup {
  readonly #load: AccessKeyLookup;
  readonly #cache = new Map<string, { readonly value: ReturnType<AccessKeyLookup>; readonly until: number }>();

  constructor(load: AccessKeyLookup) {
    this.#load = load;
  }

  readonly lookup: AccessKeyLookup = (accessKeyId) => {
    const now = Date.now();
    const hit = this.#cache.get(accessKeyId);
    if (hit !== undefined && hit.until > now) {
      return hit.value;
    }
    const value = this.#load(accessKeyId);
    if (this.#cache.size >= 1000) {
      this.#cache.clear();
    }
    this.#cache.set(accessKeyId, { value, until: now + ACCESS_KEY_CACHE_MS });
    return value;
  };

  forget(): void {
    this.#cache.clear();
  }
}
