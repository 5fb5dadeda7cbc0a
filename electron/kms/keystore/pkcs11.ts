// The PKCS#11 token behind a custom key store of type PKCS11, behind a small interface: the
// engine asks for a session (module path, token label, user PIN) and then generates, finds and
// uses AES-256 secret key objects by label. Key bytes never cross this interface: the token
// generates the key (CKA_SENSITIVE, not CKA_EXTRACTABLE) and runs AES-GCM itself.
//
// The native binding (pkcs11js) is loaded with require() on the first session, never at engine
// start-up, so an installation without custom key stores never loads it. Every call is
// synchronous, as the engine's pipeline is (an operation and its audit record share one SQLite
// transaction).

import { createHash, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Pkcs11Js from 'pkcs11js';
import type { ConnectionErrorCode } from '../../../shared/api/operations.ts';

/** Why a session could not be opened, as an AWS ConnectionErrorCode. */
export class TokenConnectError extends Error {
  readonly code: ConnectionErrorCode;
  constructor(code: ConnectionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A logged-in session on one token. */
export interface TokenSession {
  /** Generates a token AES-256 key object labelled `label` (CKA_ID `id`), sensitive and not extractable. */
  generateAesKey(label: string, id: Uint8Array): void;
  /** True when the token holds a secret key object labelled `label`. */
  hasKey(label: string): boolean;
  /** AES-GCM inside the token with a 96-bit IV and 128-bit tag. */
  gcmEncrypt(label: string, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array };
  /** AES-GCM inside the token; null when the tag does not verify. */
  gcmDecrypt(label: string, iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | null;
  /** `length` random bytes from the token's generator. */
  random(length: number): Uint8Array;
  /** Closes the session (the last one on the token logs the user out). */
  close(): void;
}

export interface TokenProvider {
  /** @throws TokenConnectError */
  open(modulePath: string, tokenLabel: string, pin: string): TokenSession;
}

type Native = typeof Pkcs11Js;

let native: Native | null = null;

function loadNative(): Native {
  if (native === null) {
    native = createRequire(import.meta.url)('pkcs11js') as Native;
  }
  return native;
}

/**
 * A token this process is logged in to. PKCS#11 login state belongs to the process, not the
 * session: once one store logged in, C_Login for another session answers
 * CKR_USER_ALREADY_LOGGED_IN whatever PIN it is given. So the PIN that logged in is remembered
 * (as a SHA-256 hash) and every later session must present the same one.
 */
type Login = { readonly pinHash: Buffer; sessions: number };

/** One loaded, initialized module per path per process, shared by its sessions. */
type LoadedModule = { readonly p11: Pkcs11Js.PKCS11; sessions: number; readonly logins: Map<string, Login> };

function pinHash(pin: string): Buffer {
  return createHash('sha256').update('strongroom/pkcs11-login/v1\0').update(pin, 'utf8').digest();
}
const modules = new Map<string, LoadedModule>();

function loadModule(pk: Native, modulePath: string): LoadedModule {
  const loaded = modules.get(modulePath);
  if (loaded !== undefined) {
    return loaded;
  }
  const p11 = new pk.PKCS11();
  try {
    p11.load(modulePath);
  } catch (cause) {
    throw new TokenConnectError('CLUSTER_NOT_FOUND', `The PKCS#11 module ${modulePath} could not be loaded: ${(cause as Error).message}`, { cause });
  }
  try {
    p11.C_Initialize();
  } catch (cause) {
    if (!(cause instanceof pk.Pkcs11Error && cause.code === pk.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      p11.close();
      throw new TokenConnectError('INTERNAL_ERROR', `The PKCS#11 module ${modulePath} failed to initialize: ${(cause as Error).message}`, { cause });
    }
  }
  const entry: LoadedModule = { p11, sessions: 0, logins: new Map() };
  modules.set(modulePath, entry);
  return entry;
}

function releaseModule(modulePath: string, entry: LoadedModule): void {
  entry.sessions -= 1;
  if (entry.sessions === 0 && modules.get(modulePath) === entry) {
    modules.delete(modulePath);
    try {
      entry.p11.C_Finalize();
    } finally {
      entry.p11.close();
    }
  }
}

/** PKCS#11's label fields are 32 bytes padded with spaces. */
function trimLabel(label: string): string {
  return label.replace(/[\s\0]+$/, '');
}

function loginFailure(pk: Native, cause: unknown, tokenLabel: string): TokenConnectError {
  const code = cause instanceof pk.Pkcs11Error ? cause.code : -1;
  if (code === pk.CKR_PIN_INCORRECT || code === pk.CKR_PIN_INVALID || code === pk.CKR_PIN_LEN_RANGE) {
    return new TokenConnectError('INVALID_CREDENTIALS', `The token '${tokenLabel}' refused the PIN (KeyStorePassword).`, { cause });
  }
  if (code === pk.CKR_PIN_LOCKED || code === pk.CKR_PIN_EXPIRED) {
    return new TokenConnectError('USER_LOCKED_OUT', `The user PIN of token '${tokenLabel}' is locked or expired; unlock it with the token's SO PIN.`, { cause });
  }
  if (code === pk.CKR_DEVICE_REMOVED || code === pk.CKR_TOKEN_NOT_PRESENT || code === pk.CKR_DEVICE_ERROR) {
    return new TokenConnectError('NETWORK_ERRORS', `The token '${tokenLabel}' stopped answering: ${(cause as Error).message}`, { cause });
  }
  return new TokenConnectError('INTERNAL_ERROR', `The token '${tokenLabel}' failed: ${(cause as Error).message}`, { cause });
}

class Pkcs11Session implements TokenSession {
  readonly #pk: Native;
  readonly #p11: Pkcs11Js.PKCS11;
  readonly #session: Pkcs11Js.Handle;
  readonly #release: () => void;
  readonly #handles = new Map<string, Pkcs11Js.Handle>();
  #closed = false;

  constructor(pk: Native, p11: Pkcs11Js.PKCS11, session: Pkcs11Js.Handle, release: () => void) {
    this.#pk = pk;
    this.#p11 = p11;
    this.#session = session;
    this.#release = release;
  }

  generateAesKey(label: string, id: Uint8Array): void {
    const pk = this.#pk;
    const handle = this.#p11.C_GenerateKey(this.#session, { mechanism: pk.CKM_AES_KEY_GEN }, [
      { type: pk.CKA_CLASS, value: pk.CKO_SECRET_KEY },
      { type: pk.CKA_KEY_TYPE, value: pk.CKK_AES },
      { type: pk.CKA_VALUE_LEN, value: 32 },
      { type: pk.CKA_LABEL, value: label },
      { type: pk.CKA_ID, value: Buffer.from(id) },
      { type: pk.CKA_TOKEN, value: true },
      { type: pk.CKA_PRIVATE, value: true },
      { type: pk.CKA_SENSITIVE, value: true },
      { type: pk.CKA_EXTRACTABLE, value: false },
      { type: pk.CKA_ENCRYPT, value: true },
      { type: pk.CKA_DECRYPT, value: true },
      { type: pk.CKA_WRAP, value: false },
      { type: pk.CKA_UNWRAP, value: false },
      { type: pk.CKA_SIGN, value: false },
      { type: pk.CKA_VERIFY, value: false },
      { type: pk.CKA_DERIVE, value: false },
    ]);
    this.#handles.set(label, handle);
  }

  #find(label: string): Pkcs11Js.Handle | null {
    const cached = this.#handles.get(label);
    if (cached !== undefined) {
      return cached;
    }
    const pk = this.#pk;
    this.#p11.C_FindObjectsInit(this.#session, [
      { type: pk.CKA_CLASS, value: pk.CKO_SECRET_KEY },
      { type: pk.CKA_LABEL, value: label },
    ]);
    let found: Array<Pkcs11Js.Handle>;
    try {
      found = this.#p11.C_FindObjects(this.#session, 2);
    } finally {
      this.#p11.C_FindObjectsFinal(this.#session);
    }
    if (found.length !== 1) {
      return null;
    }
    const handle = found[0] as Pkcs11Js.Handle;
    this.#handles.set(label, handle);
    return handle;
  }

  hasKey(label: string): boolean {
    return this.#find(label) !== null;
  }

  #key(label: string): Pkcs11Js.Handle {
    const handle = this.#find(label);
    if (handle === null) {
      throw new TokenConnectError('INTERNAL_ERROR', `The token holds no secret key labelled '${label}' (it was deleted from the token, or the store points at another token).`);
    }
    return handle;
  }

  #gcm(iv: Uint8Array, aad: Uint8Array): Pkcs11Js.Mechanism {
    const pk = this.#pk;
    const parameter: Pkcs11Js.GcmParams = { type: pk.CK_PARAMS_GCM, iv: Buffer.from(iv), ivBits: iv.length * 8, aad: Buffer.from(aad), tagBits: 128 };
    return { mechanism: pk.CKM_AES_GCM, parameter };
  }

  gcmEncrypt(label: string, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array } {
    this.#p11.C_EncryptInit(this.#session, this.#gcm(iv, aad), this.#key(label));
    const out = this.#p11.C_Encrypt(this.#session, Buffer.from(plaintext), Buffer.alloc(plaintext.length + 16));
    const sealed = new Uint8Array(out);
    return { ciphertext: sealed.subarray(0, sealed.length - 16), tag: sealed.subarray(sealed.length - 16) };
  }

  gcmDecrypt(label: string, iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | null {
    const pk = this.#pk;
    this.#p11.C_DecryptInit(this.#session, this.#gcm(iv, aad), this.#key(label));
    const input = Buffer.concat([ciphertext, tag]);
    try {
      return new Uint8Array(this.#p11.C_Decrypt(this.#session, input, Buffer.alloc(input.length)));
    } catch (err) {
      // A tag that does not verify: CKR_ENCRYPTED_DATA_INVALID by the standard; SoftHSM 2.6
      // answers CKR_GENERAL_ERROR (OpenSSL's final step failing). The decrypt operation has ended
      // either way, so the session stays usable.
      const failed = [pk.CKR_ENCRYPTED_DATA_INVALID, pk.CKR_ENCRYPTED_DATA_LEN_RANGE, pk.CKR_GENERAL_ERROR];
      if (err instanceof pk.Pkcs11Error && failed.includes(err.code)) {
        return null;
      }
      throw err;
    }
  }

  random(length: number): Uint8Array {
    return new Uint8Array(this.#p11.C_GenerateRandom(this.#session, Buffer.alloc(length)));
  }

  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    // No C_Logout: login state is per token for the whole process, and closing the last session
    // of the token logs the user out (PKCS#11 §5.6) without cutting off another engine's session.
    try {
      this.#p11.C_CloseSession(this.#session);
    } finally {
      this.#release();
    }
  }
}

/** The real token provider: pkcs11js over the module at `modulePath`. */
export const pkcs11Tokens: TokenProvider = {
  open(modulePath, tokenLabel, pin) {
    let pk: Native;
    try {
      pk = loadNative();
    } catch (cause) {
      throw new TokenConnectError('INTERNAL_ERROR', `The PKCS#11 binding (pkcs11js) is not installed or did not build: ${(cause as Error).message}`, { cause });
    }
    const entry = loadModule(pk, modulePath);
    entry.sessions += 1;
    const release = () => releaseModule(modulePath, entry);
    try {
      const slot = entry.p11.C_GetSlotList(true).find((s) => trimLabel(entry.p11.C_GetTokenInfo(s).label) === tokenLabel);
      if (slot === undefined) {
        throw new TokenConnectError('CLUSTER_NOT_FOUND', `No token labelled '${tokenLabel}' is present in ${modulePath}.`);
      }
      const slotKey = slot.toString('hex');
      const hash = pinHash(pin);
      const existing = entry.logins.get(slotKey);
      if (existing !== undefined && !timingSafeEqual(existing.pinHash, hash)) {
        throw new TokenConnectError('INVALID_CREDENTIALS', `The token '${tokenLabel}' refused the PIN (KeyStorePassword).`);
      }
      const session = entry.p11.C_OpenSession(slot, pk.CKF_SERIAL_SESSION | pk.CKF_RW_SESSION);
      if (existing === undefined) {
        try {
          entry.p11.C_Login(session, pk.CKU_USER, pin);
        } catch (cause) {
          entry.p11.C_CloseSession(session);
          throw loginFailure(pk, cause, tokenLabel);
        }
      }
      const login = existing ?? { pinHash: hash, sessions: 0 };
      login.sessions += 1;
      entry.logins.set(slotKey, login);
      return new Pkcs11Session(pk, entry.p11, session, () => {
        login.sessions -= 1;
        // Closing the token's last session logged the user out (PKCS#11 §5.6).
        if (login.sessions === 0 && entry.logins.get(slotKey) === login) {
          entry.logins.delete(slotKey);
        }
        release();
      });
    } catch (err) {
      release();
      if (err instanceof TokenConnectError) {
        throw err;
      }
      throw loginFailure(pk, err, tokenLabel);
    }
  },
};
