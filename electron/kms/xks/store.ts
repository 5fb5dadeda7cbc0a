// The logical external key stores' tables: stores (a URI prefix), their SigV4 credentials (the
// secret wrapped under the root key, unwrapped only for a signature check) and the keys each
// exposes. Synchronous, so an action's writes share its audit record's transaction.

import type { Clock } from '../clock.ts';
import type { AesKey } from '../crypto/aes-gcm.ts';
import { unwrapMaterial, wrapMaterial } from '../crypto/material-wrap.ts';
import type { Db } from '../store/database.ts';
import { newXksAccessKeyId, newXksKeyStoreId, newXksSecret } from './credentials.ts';

/** Bound into the wrapped secret's AAD: a wrapped secret moved to another row does not unwrap. */
const SECRET_PURPOSE = 'xks-credential-secret';

export type XksKeyStoreRow = { readonly keyStoreId: string; readonly uriPrefix: string; readonly createdAt: number };
export type XksCredentialRow = { readonly accessKeyId: string; readonly keyStoreId: string; readonly createdAt: number };
export type XksExposureRow = { readonly keyStoreId: string; readonly keyId: string; readonly awsPrincipals: ReadonlyArray<string> | null; readonly exposedAt: number };
export type NewXksCredential = { readonly AccessKeyId: string; readonly SecretAccessKey: string };

type RawStore = { key_store_id: string; uri_prefix: string; created_at: number };
type RawCredential = { access_key_id: string; key_store_id: string; secret_wrapped: Buffer; created_at: number };
type RawExposure = { key_store_id: string; key_id: string; aws_principals: string | null; exposed_at: number };

const toStore = (r: RawStore): XksKeyStoreRow => ({ keyStoreId: r.key_store_id, uriPrefix: r.uri_prefix, createdAt: r.created_at });
const toCredential = (r: RawCredential): XksCredentialRow => ({ accessKeyId: r.access_key_id, keyStoreId: r.key_store_id, createdAt: r.created_at });
const toExposure = (r: RawExposure): XksExposureRow => ({
  keyStoreId: r.key_store_id,
  keyId: r.key_id,
  awsPrincipals: r.aws_principals === null ? null : (JSON.parse(r.aws_principals) as Array<string>),
  exposedAt: r.exposed_at,
});

export class XksStore {
  readonly #clock: Clock;
  readonly #stmts;

  constructor(db: Db, clock: Clock) {
    this.#clock = clock;
    this.#stmts = {
      insertStore: db.prepare('INSERT INTO xks_key_stores (key_store_id, uri_prefix, created_at) VALUES (?, ?, ?)'),
      storeById: db.prepare<[string], RawStore>('SELECT * FROM xks_key_stores WHERE key_store_id = ?'),
      storeByPrefix: db.prepare<[string], RawStore>('SELECT * FROM xks_key_stores WHERE uri_prefix = ?'),
      stores: db.prepare<[], RawStore>('SELECT * FROM xks_key_stores ORDER BY created_at, key_store_id'),
      deleteStore: db.prepare('DELETE FROM xks_key_stores WHERE key_store_id = ?'),
      insertCredential: db.prepare('INSERT INTO xks_credentials (access_key_id, key_store_id, secret_wrapped, created_at) VALUES (?, ?, ?, ?)'),
      credential: db.prepare<[string], RawCredential>('SELECT * FROM xks_credentials WHERE access_key_id = ?'),
      credentials: db.prepare<[string], RawCredential>('SELECT * FROM xks_credentials WHERE key_store_id = ? ORDER BY created_at, access_key_id'),
      deleteCredential: db.prepare('DELETE FROM xks_credentials WHERE access_key_id = ?'),
      expose: db.prepare(
        `INSERT INTO xks_keys (key_store_id, key_id, aws_principals, exposed_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (key_store_id, key_id) DO UPDATE SET aws_principals = excluded.aws_principals`,
      ),
      exposure: db.prepare<[string, string], RawExposure>('SELECT * FROM xks_keys WHERE key_store_id = ? AND key_id = ?'),
      exposures: db.prepare<[string], RawExposure>('SELECT * FROM xks_keys WHERE key_store_id = ? ORDER BY exposed_at, key_id'),
      unexpose: db.prepare('DELETE FROM xks_keys WHERE key_store_id = ? AND key_id = ?'),
    };
  }

  createStore(uriPrefix: string): XksKeyStoreRow {
    const row = { keyStoreId: newXksKeyStoreId(), uriPrefix, createdAt: this.#clock.now() };
    this.#stmts.insertStore.run(row.keyStoreId, row.uriPrefix, row.createdAt);
    return row;
  }

  store(keyStoreId: string): XksKeyStoreRow | null {
    const r = this.#stmts.storeById.get(keyStoreId);
    return r === undefined ? null : toStore(r);
  }

  storeByPrefix(uriPrefix: string): XksKeyStoreRow | null {
    const r = this.#stmts.storeByPrefix.get(uriPrefix);
    return r === undefined ? null : toStore(r);
  }

  stores(): Array<XksKeyStoreRow> {
    return this.#stmts.stores.all().map(toStore);
  }

  deleteStore(keyStoreId: string): boolean {
    return this.#stmts.deleteStore.run(keyStoreId).changes > 0;
  }

  /** A new credential for the store; the clear secret is returned here only. */
  addCredential(keyStoreId: string, rootKey: AesKey): NewXksCredential {
    const accessKeyId = newXksAccessKeyId();
    const secret = newXksSecret();
    const wrapped = wrapMaterial(rootKey, { keyId: accessKeyId, version: 1, purpose: SECRET_PURPOSE }, Buffer.from(secret, 'utf8'));
    this.#stmts.insertCredential.run(accessKeyId, keyStoreId, Buffer.from(wrapped), this.#clock.now());
    return { AccessKeyId: accessKeyId, SecretAccessKey: secret };
  }

  credential(accessKeyId: string): XksCredentialRow | null {
    const r = this.#stmts.credential.get(accessKeyId);
    return r === undefined ? null : toCredential(r);
  }

  credentials(keyStoreId: string): Array<XksCredentialRow> {
    return this.#stmts.credentials.all(keyStoreId).map(toCredential);
  }

  deleteCredential(accessKeyId: string): boolean {
    return this.#stmts.deleteCredential.run(accessKeyId).changes > 0;
  }

  /** The credential's store and clear secret for one signature check, or null (unknown, or a row that does not unwrap). */
  unlockCredential(accessKeyId: string, rootKey: AesKey): { readonly keyStoreId: string; readonly secret: string } | null {
    const r = this.#stmts.credential.get(accessKeyId);
    if (r === undefined) {
      return null;
    }
    const secret = unwrapMaterial(rootKey, { keyId: accessKeyId, version: 1, purpose: SECRET_PURPOSE }, r.secret_wrapped);
    if (secret === null) {
      return null;
    }
    try {
      return { keyStoreId: r.key_store_id, secret: Buffer.from(secret).toString('utf8') };
    } finally {
      secret.fill(0);
    }
  }

  expose(keyStoreId: string, keyId: string, awsPrincipals: ReadonlyArray<string> | null): XksExposureRow {
    const exposedAt = this.#clock.now();
    this.#stmts.expose.run(keyStoreId, keyId, awsPrincipals === null ? null : JSON.stringify(awsPrincipals), exposedAt);
    return this.exposure(keyStoreId, keyId) ?? { keyStoreId, keyId, awsPrincipals, exposedAt };
  }

  exposure(keyStoreId: string, keyId: string): XksExposureRow | null {
    const r = this.#stmts.exposure.get(keyStoreId, keyId);
    return r === undefined ? null : toExposure(r);
  }

  exposures(keyStoreId: string): Array<XksExposureRow> {
    return this.#stmts.exposures.all(keyStoreId).map(toExposure);
  }

  unexpose(keyStoreId: string, keyId: string): boolean {
    return this.#stmts.unexpose.run(keyStoreId, keyId).changes > 0;
  }
}
