// Where the root wrapping key lives. One 256-bit key per installation; every piece of key
// material in SQLite is wrapped under it. A provider creates the key once (at `init`) and
// loads it at every open; whether the loaded key is the right one is checked by the caller
// against the key check value stored in SQLite (see rootkey/check.ts).

export const ROOT_KEY_BYTES = 32;

/** The kinds a user can choose. 'memory' exists only for tests and is never offered. */
export type RootKeyProviderKind = 'keychain' | 'passphrase' | 'memory';

export type RootKeyProvider = {
  readonly kind: RootKeyProviderKind;
  /**
   * Generates a fresh root key for this installation and stores it where this provider keeps
   * keys. Returns the key and the provider's parameters (JSON text, no secret in the clear),
   * which the installation stores in SQLite and hands back to load().
   * Refuses (InstallationError 'AlreadyInitialized') to overwrite an existing stored key.
   */
  create(installationId: string): Promise<{ readonly key: Uint8Array; readonly params: string }>;
  /**
   * Loads the root key. Throws InstallationError: 'RootKeyMissing' when the store has no key
   * for this installation, 'RootKeyUnavailable' when the store cannot be reached or is not
   * real secret storage, 'WrongPassphrase' for a passphrase that does not unwrap.
   */
  load(installationId: string, params: string): Promise<Uint8Array>;
  /** Where the key lives, in words, for `strongroom status` (no secrets). */
  describe(params: string): string;
  /**
   * Stores a root key that already exists (one restored from a backup) where this provider keeps
   * keys, instead of generating one; returns the parameters as create() does. Refuses
   * ('AlreadyInitialized') to overwrite a different stored key; `stored` is false when the same key
   * was already there (nothing to undo if the restore then fails). Optional: a provider without it
   * cannot be the target of `strongroom backup restore`.
   */
  adopt?(installationId: string, key: Uint8Array): Promise<{ readonly params: string; readonly stored: boolean }>;
};
