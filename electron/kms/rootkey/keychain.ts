// The root key in the operating system's keychain, through keytar: the macOS Keychain, the
// Windows Credential Manager, or on Linux (and the BSDs) the freedesktop Secret Service
// (gnome-keyring, KWallet, KeePassXC…) reached over the D-Bus session bus via libsecret.
// One entry per installation: service "Strongroom", account "root-key:<installation id>",
// secret = the 32-byte root key in base64.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InstallationError } from '../errors.ts';
import { lazyModule } from '../lazy-module.ts';
import { ROOT_KEY_BYTES, type RootKeyProvider } from './provider.ts';

export const KEYCHAIN_SERVICE = 'Strongroom';

/** The part of keytar this provider uses; injectable so tests can exercise the error paths. */
export type KeytarModule = {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
};

export type KeychainProviderOptions = {
  /** Defaults to the real keytar, loaded on first use. */
  readonly keytar?: KeytarModule;
  /** Defaults to process.platform / process.env; injectable for tests of the Linux checks. */
  readonly platform?: NodeJS.Platform;
  readonly env?: NodeJS.ProcessEnv;
};

type KeychainParams = { readonly v: 1; readonly service: string; readonly account: string };

export function keychainAccount(installationId: string): string {
  return `root-key:${installationId}`;
}

// Loaded lazily, so that choosing the passphrase provider (or a machine where the native module
// failed to build) does not fail just because keytar cannot load; that failure is then reported
// as the keychain being unavailable, with the way out. Synchronously, so that warmUpKeychain's
// call starts before the caller goes on to load the engine.
const realKeytar = lazyModule<KeytarModule>('keytar');

/** An account no root key has (those are `root-key:<installation id>`): what warmUpKeychain asks for. */
const WARM_UP_ACCOUNT = 'session-warm-up';

const BASE64_ROOT_KEY = /^[A-Za-z0-9+/]{43}=$/; // exactly 32 bytes, canonical padding

function keychainName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') {
    return 'the macOS Keychain';
  }
  if (platform === 'win32') {
    return 'the Windows Credential Manager';
  }
  return 'the Secret Service keychain (for example gnome-keyring)';
}

function where(platform: NodeJS.Platform, account: string): string {
  return `${keychainName(platform)}, service "${KEYCHAIN_SERVICE}", account "${account}"`;
}

function unavailable(platform: NodeJS.Platform, detail: string, cause?: unknown): InstallationError {
  const how =
    platform === 'darwin' || platform === 'win32'
      ? `${keychainName(platform)} must be available to this user`
      : 'on Linux that is a Secret Service (for example gnome-keyring or KWallet) on the D-Bus session bus, which must be running and unlocked';
  return new InstallationError(
    'RootKeyUnavailable',
    `The OS keychain cannot be used for the root key: ${detail}. Strongroom keeps its root key in the OS keychain; ${how}. Start and unlock the keychain and try again, or use the passphrase root key provider instead.`,
    cause === undefined ? undefined : { cause },
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Refusing a keychain backend that is not real secret storage. keytar itself never falls back
 * to storing a secret in the clear (unlike, say, Electron's safeStorage "basic_text" mode): on
 * Linux it only speaks to a Secret Service over D-Bus, and fails when there is none. What can
 * still go wrong, and what this provider does about it:
 *  - No session bus (a server, SSH, a container): libsecret would try to autolaunch D-Bus through
 *    X11 and fail with an obscure message. We check first (DBUS_SESSION_BUS_ADDRESS, or the
 *    systemd user bus at $XDG_RUNTIME_DIR/bus) and refuse with one that says what to do.
 *  - A Secret Service that accepts writes but does not keep them (a stub, a broken or locked
 *    collection that swallows items): after storing we read the entry back and compare; a
 *    backend that does not round-trip is refused and the entry we wrote is removed.
 *  - Any keytar/D-Bus error (daemon not running, collection locked, prompt impossible) is
 *    reported as 'RootKeyUnavailable', never treated as "no key" — so a locked keychain can
 *    never lead anyone to re-initialize over existing data.
 * Not checked: whether the default collection is persistent (gnome-keyring's "session"
 * collection is memory-only). That needs a raw D-Bus call (ReadAlias "default") that keytar
 * does not expose; the default alias is the user's on-disk "login" collection in every
 * standard desktop set-up.
 */
export class KeychainRootKeyProvider implements RootKeyProvider {
  readonly kind = 'keychain' as const;
  readonly #keytar: KeytarModule | undefined;
  readonly #platform: NodeJS.Platform;
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: KeychainProviderOptions = {}) {
    this.#keytar = options.keytar;
    this.#platform = options.platform ?? process.platform;
    this.#env = options.env ?? process.env;
  }

  async create(installationId: string): Promise<{ readonly key: Uint8Array; readonly params: string }> {
    const keytar = await this.#backend();
    const account = keychainAccount(installationId);
    const existing = await this.#call(() => keytar.getPassword(KEYCHAIN_SERVICE, account));
    if (existing !== null) {
      throw new InstallationError(
        'AlreadyInitialized',
        `A root key already exists in ${where(this.#platform, account)}; refusing to replace it.`,
      );
    }
    const key = new Uint8Array(randomBytes(ROOT_KEY_BYTES));
    const encoded = Buffer.from(key).toString('base64');
    await this.#call(() => keytar.setPassword(KEYCHAIN_SERVICE, account, encoded));
    const readBack = await this.#call(() => keytar.getPassword(KEYCHAIN_SERVICE, account));
    if (readBack !== encoded) {
      // Ours to remove: the entry did not exist before this call.
      await keytar.deletePassword(KEYCHAIN_SERVICE, account).catch(() => false);
      key.fill(0);
      throw unavailable(
        this.#platform,
        `the keychain accepted the root key but did not return it when read back (${where(this.#platform, account)}), so it is not real secret storage`,
      );
    }
    const params: KeychainParams = { v: 1, service: KEYCHAIN_SERVICE, account };
    return { key, params: JSON.stringify(params) };
  }

  /** Stores a restored root key; the same key already there is accepted, another is refused. */
  async adopt(installationId: string, key: Uint8Array): Promise<{ readonly params: string; readonly stored: boolean }> {
    const keytar = await this.#backend();
    const account = keychainAccount(installationId);
    const encoded = Buffer.from(key).toString('base64');
    const params = JSON.stringify({ v: 1, service: KEYCHAIN_SERVICE, account } satisfies KeychainParams);
    const existing = await this.#call(() => keytar.getPassword(KEYCHAIN_SERVICE, account));
    if (existing !== null) {
      if (existing === encoded) {
        return { params, stored: false };
      }
      throw new InstallationError(
        'AlreadyInitialized',
        `Another root key for installation ${installationId} already exists in ${where(this.#platform, account)}; refusing to replace it. If that entry is stale, remove it first.`,
      );
    }
    await this.#call(() => keytar.setPassword(KEYCHAIN_SERVICE, account, encoded));
    const readBack = await this.#call(() => keytar.getPassword(KEYCHAIN_SERVICE, account));
    if (readBack !== encoded) {
      await keytar.deletePassword(KEYCHAIN_SERVICE, account).catch(() => false);
      throw unavailable(this.#platform, `the keychain accepted the root key but did not return it when read back (${where(this.#platform, account)}), so it is not real secret storage`);
    }
    return { params, stored: true };
  }

  async load(installationId: string, _params: string): Promise<Uint8Array> {
    const keytar = await this.#backend();
    // The entry name always comes from the installation id, never from the stored params, so a
    // tampered row cannot point us at another application's secret.
    const account = keychainAccount(installationId);
    const stored = await this.#call(() => keytar.getPassword(KEYCHAIN_SERVICE, account));
    if (stored === null) {
      throw new InstallationError(
        'RootKeyMissing',
        `The root key for this installation is missing from ${where(this.#platform, account)}. ` +
          'It was deleted, or this data directory was copied from another user or machine. Restore the keychain entry from a backup. ' +
          'Do not initialize again over this data directory: a new root key cannot decrypt the keys stored in it.',
      );
    }
    if (!BASE64_ROOT_KEY.test(stored)) {
      throw new InstallationError(
        'RootKeyMismatch',
        `The entry in ${where(this.#platform, account)} is not a Strongroom root key (expected ${ROOT_KEY_BYTES} bytes in base64); it was replaced or damaged. Restore it from a backup.`,
      );
    }
    return new Uint8Array(Buffer.from(stored, 'base64'));
  }

  describe(params: string): string {
    let account = '(unknown account)';
    try {
      const parsed = JSON.parse(params) as Partial<KeychainParams>;
      if (typeof parsed.account === 'string') {
        account = parsed.account;
      }
    } catch {
      // describe() must work for `status` even on a damaged row; the location is then partial.
    }
    return `OS keychain: ${where(this.#platform, account)}`;
  }

  /** Deletes this installation's entry. True if one was deleted. */
  async delete(installationId: string): Promise<boolean> {
    const keytar = await this.#backend();
    return this.#call(() => keytar.deletePassword(KEYCHAIN_SERVICE, keychainAccount(installationId)));
  }

  async #backend(): Promise<KeytarModule> {
    if (this.#platform !== 'darwin' && this.#platform !== 'win32' && !hasSessionBus(this.#env)) {
      throw unavailable(
        this.#platform,
        'there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist), so no Secret Service can be reached',
      );
    }
    if (this.#keytar !== undefined) {
      return this.#keytar;
    }
    try {
      return realKeytar();
    } catch (err) {
      throw unavailable(this.#platform, `the keytar native module could not be loaded (${errorText(err)})`, err);
    }
  }

  async #call<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw unavailable(this.#platform, `the keychain reported: ${errorText(err)}`, err);
    }
  }
}

/**
 * Opens the keychain's session ahead of the first read, without reading any secret (D30). The
 * first keychain call of a process waits ~20 ms (on Linux: libsecret connecting to the Secret
 * Service over D-Bus and opening a session) in a libuv thread, while the main thread has nothing
 * to do; a CLI call that then loads the engine would wait the same ~20 ms afterwards. Started
 * before the engine loads, a lookup of an entry that does not exist overlaps that wait with the
 * load, and the root key's read finds the session open. Only for an installation whose root key
 * is in the keychain: for any other, the keychain is never touched. Never rejects.
 */
export async function warmUpKeychain(options: KeychainProviderOptions = {}): Promise<void> {
  const platform = options.platform ?? process.platform;
  if (platform !== 'darwin' && platform !== 'win32' && !hasSessionBus(options.env ?? process.env)) {
    return;
  }
  try {
    await (options.keytar ?? realKeytar()).getPassword(KEYCHAIN_SERVICE, WARM_UP_ACCOUNT);
  } catch {
    // The root key's read reports what is wrong with the keychain, with the way out.
  }
}

function hasSessionBus(env: NodeJS.ProcessEnv): boolean {
  if (env.DBUS_SESSION_BUS_ADDRESS !== undefined && env.DBUS_SESSION_BUS_ADDRESS !== '') {
    return true;
  }
  const runtimeDir = env.XDG_RUNTIME_DIR;
  return runtimeDir !== undefined && runtimeDir !== '' && existsSync(join(runtimeDir, 'bus'));
}

/**
 * Removes an installation's root key from the OS keychain. For tests and for backup/restore
 * tooling; destroying the only copy of a root key makes its installation unreadable.
 */
export function deleteKeychainRootKey(installationId: string, options: KeychainProviderOptions = {}): Promise<boolean> {
  return new KeychainRootKeyProvider(options).delete(installationId);
}
