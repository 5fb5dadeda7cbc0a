// Custom key stores: the rows (custom_key_stores, custom_key_store_keys) and the sessions this
// process holds on their tokens.
//
// The database holds the state every process shares: a store is CONNECTED, DISCONNECTED or
// FAILED (with a ConnectionErrorCode). A session is this process's cache of a CONNECTED store:
// opened when the store is connected here, or on first use when another process (the CLI beside
// the endpoint) connected it; closed when the store is disconnected, here or elsewhere (checked
// at every use), and when the engine closes.

import type { ConnectionErrorCode } from '../../../shared/api/operations.ts';
import type { AesKey } from '../crypto/aes-gcm.ts';
import { unwrapMaterial, wrapMaterial, type MaterialBinding } from '../crypto/material-wrap.ts';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.ts';
import { pkcs11Tokens, TokenConnectError, type TokenProvider, type TokenSession } from './pkcs11.ts';

export type StoredConnectionState = 'CONNECTED' | 'DISCONNECTED' | 'FAILED';

export type CustomKeyStoreRow = {
  readonly storeId: string;
  readonly name: string;
  readonly storeType: 'PKCS11';
  readonly modulePath: string;
  readonly tokenLabel: string;
  readonly wrappedPin: Uint8Array;
  readonly connectionState: StoredConnectionState;
  readonly errorCode: ConnectionErrorCode | null;
  readonly createdAt: number;
};

type Raw = {
  store_id: string;
  name: string;
  store_type: 'PKCS11';
  module_path: string;
  token_label: string;
  wrapped_pin: Uint8Array;
  connection_state: StoredConnectionState;
  error_code: ConnectionErrorCode | null;
  created_at: number;
};

function fromRaw(r: Raw): CustomKeyStoreRow {
  return {
    storeId: r.store_id,
    name: r.name,
    storeType: r.store_type,
    modulePath: r.module_path,
    tokenLabel: r.token_label,
    wrappedPin: r.wrapped_pin,
    connectionState: r.connection_state,
    errorCode: r.error_code,
    createdAt: r.created_at,
  };
}

/** The PIN's at-rest binding: wrapped bytes moved to another store's row fail to unwrap. */
function pinBinding(storeId: string): MaterialBinding {
  return { keyId: storeId, version: 1, purpose: 'custom-key-store-pin' };
}

export function wrapPin(rootKey: AesKey, storeId: string, pin: string): Uint8Array {
  const bytes = new TextEncoder().encode(pin);
  try {
    return wrapMaterial(rootKey, pinBinding(storeId), bytes);
  } finally {
    bytes.fill(0);
  }
}

export function unwrapPin(rootKey: AesKey, row: CustomKeyStoreRow): string | null {
  const bytes = unwrapMaterial(rootKey, pinBinding(row.storeId), row.wrappedPin);
  if (bytes === null) {
    return null;
  }
  try {
    return new TextDecoder().decode(bytes);
  } finally {
    bytes.fill(0);
  }
}

/** What a session was opened with; a new wrapped PIN counts as a change even for the same PIN (each wrap is fresh). */
function connectionSettings(row: CustomKeyStoreRow): string {
  return `${row.modulePath}\0${row.tokenLabel}\0${Buffer.from(row.wrappedPin).toString('base64')}`;
}

/** Where a KMS key lives: its store and the label of its secret key object on the token. */
export type StoredKey = { readonly storeId: string; readonly tokenLabel: string };

export class CustomKeyStores {
  readonly #db: Db;
  readonly #tokens: TokenProvider;
  /** Each open session with the connection settings it was opened with (module, token, wrapped PIN). */
  readonly #sessions = new Map<string, { readonly session: TokenSession; readonly settings: string }>();
  /** Told when a store's session closes (disconnect, close): cached key material is dropped. */
  readonly #onDrop: () => void;

  constructor(db: Db, tokens: TokenProvider = pkcs11Tokens, onDrop: () => void = () => {}) {
    this.#db = db;
    this.#tokens = tokens;
    this.#onDrop = onDrop;
  }

  get(storeId: string): CustomKeyStoreRow | null {
    const r = this.#db.prepare<[string], Raw>('SELECT * FROM custom_key_stores WHERE store_id = ?').get(storeId);
    return r === undefined ? null : fromRaw(r);
  }

  getByName(name: string): CustomKeyStoreRow | null {
    const r = this.#db.prepare<[string], Raw>('SELECT * FROM custom_key_stores WHERE name = ?').get(name);
    return r === undefined ? null : fromRaw(r);
  }

  /** Stores in creation order after (createdAt, storeId). */
  list(after: { createdAt: number; storeId: string } | null, limit: number): Array<CustomKeyStoreRow> {
    const rows = after === null
      ? this.#db.prepare<[number], Raw>('SELECT * FROM custom_key_stores ORDER BY created_at, store_id LIMIT ?').all(limit)
      : this.#db
        .prepare<[number, number, string, number], Raw>(
          'SELECT * FROM custom_key_stores WHERE created_at > ? OR (created_at = ? AND store_id > ?) ORDER BY created_at, store_id LIMIT ?',
        )
        .all(after.createdAt, after.createdAt, after.storeId, limit);
    return rows.map(fromRaw);
  }

  count(): number {
    return this.#db.prepare<[], { n: number }>('SELECT count(*) AS n FROM custom_key_stores').get()?.n ?? 0;
  }

  insert(row: CustomKeyStoreRow): void {
    this.#db
      .prepare(
        `INSERT INTO custom_key_stores (store_id, name, store_type, module_path, token_label, wrapped_pin, connection_state, error_code, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(row.storeId, row.name, row.storeType, row.modulePath, row.tokenLabel, row.wrappedPin, row.connectionState, row.errorCode, row.createdAt);
  }

  update(storeId: string, changes: { name?: string; modulePath?: string; tokenLabel?: string; wrappedPin?: Uint8Array }): void {
    const row = this.get(storeId);
    if (row === null) {
      return;
    }
    this.#db
      .prepare('UPDATE custom_key_stores SET name = ?, module_path = ?, token_label = ?, wrapped_pin = ? WHERE store_id = ?')
      .run(changes.name ?? row.name, changes.modulePath ?? row.modulePath, changes.tokenLabel ?? row.tokenLabel, changes.wrappedPin ?? row.wrappedPin, storeId);
  }

  setState(storeId: string, state: StoredConnectionState, errorCode: ConnectionErrorCode | null): void {
    this.#db.prepare('UPDATE custom_key_stores SET connection_state = ?, error_code = ? WHERE store_id = ?').run(state, errorCode, storeId);
  }

  delete(storeId: string): void {
    this.#db.prepare('DELETE FROM custom_key_store_keys WHERE store_id = ?').run(storeId);
    this.#db.prepare('DELETE FROM custom_key_stores WHERE store_id = ?').run(storeId);
  }

  /** The KMS keys (in any state, pending deletion included) that still live in a store. */
  countKeys(storeId: string): number {
    return (
      this.#db
        .prepare<[string], { n: number }>('SELECT count(*) AS n FROM custom_key_store_keys c JOIN keys k ON k.key_id = c.key_id WHERE c.store_id = ?')
        .get(storeId)?.n ?? 0
    );
  }

  addKey(keyId: string, storeId: string, tokenLabel: string): void {
    this.#db.prepare('INSERT INTO custom_key_store_keys (key_id, store_id, token_label) VALUES (?, ?, ?)').run(keyId, storeId, tokenLabel);
  }

  /** Asked on every cryptographic call (is this key on a token?), so its statement is prepared once. */
  #keyStoreOf: Statement<[string], { store_id: string; token_label: string }> | null = null;

  keyStoreOf(keyId: string): StoredKey | null {
    this.#keyStoreOf ??= this.#db.prepare<[string], { store_id: string; token_label: string }>('SELECT store_id, token_label FROM custom_key_store_keys WHERE key_id = ?');
    const r = this.#keyStoreOf.get(keyId);
    return r === undefined ? null : { storeId: r.store_id, tokenLabel: r.token_label };
  }

  /**
   * Logs in to the store's token (or reuses this process's session).
   * @throws TokenConnectError with the ConnectionErrorCode to report
   */
  session(row: CustomKeyStoreRow, rootKey: AesKey): TokenSession {
    // Another process may have disconnected the store, pointed it at another module, token or PIN
    // (UpdateCustomKeyStore) and connected it again between two calls of this one: a session opened
    // with other settings is not this store's any more (issue 22, finding 13).
    const settings = connectionSettings(row);
    const open = this.#sessions.get(row.storeId);
    if (open !== undefined && open.settings === settings) {
      return open.session;
    }
    if (open !== undefined) {
      this.drop(row.storeId);
    }
    const pin = unwrapPin(rootKey, row);
    if (pin === null) {
      throw new TokenConnectError('INTERNAL_ERROR', `The stored PIN of custom key store ${row.storeId} failed to unwrap: the database row was modified.`);
    }
    const session = this.#tokens.open(row.modulePath, row.tokenLabel, pin);
    this.#sessions.set(row.storeId, { session, settings });
    return session;
  }

  /** Closes this process's session on a store, if it has one. */
  drop(storeId: string): void {
    const open = this.#sessions.get(storeId);
    this.#onDrop();
    if (open !== undefined) {
      this.#sessions.delete(storeId);
      try {
        open.session.close();
      } catch {
        // The token may be gone already; the session is forgotten either way.
      }
    }
  }

  closeAll(): void {
    for (const storeId of [...this.#sessions.keys()]) {
      this.drop(storeId);
    }
  }
}
