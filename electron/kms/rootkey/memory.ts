// Root keys held in this process's memory: for tests only, never offered to users (select.ts
// refuses it), because a key that dies with the process makes every stored key unrecoverable.
// The map is module-level so a test can close and reopen an installation in the same process,
// and the helpers below let tests simulate a missing or replaced key.

import { randomBytes } from 'node:crypto';
import { InstallationError } from '../errors.ts';
import { ROOT_KEY_BYTES, type RootKeyProvider } from './provider.ts';

const keys = new Map<string, Uint8Array>();

const PARAMS = JSON.stringify({ v: 1 });

export class MemoryRootKeyProvider implements RootKeyProvider {
  readonly kind = 'memory' as const;

  async create(installationId: string): Promise<{ readonly key: Uint8Array; readonly params: string }> {
    if (keys.has(installationId)) {
      throw new InstallationError(
        'AlreadyInitialized',
        `A root key for installation ${installationId} already exists in process memory; refusing to replace it.`,
      );
    }
    const key = new Uint8Array(randomBytes(ROOT_KEY_BYTES));
    // Copies in and out, so a caller wiping its copy does not wipe the stored one.
    keys.set(installationId, Uint8Array.from(key));
    return { key, params: PARAMS };
  }

  async adopt(installationId: string, key: Uint8Array): Promise<{ readonly params: string; readonly stored: boolean }> {
    const existing = keys.get(installationId);
    if (existing !== undefined) {
      if (Buffer.from(existing).equals(Buffer.from(key))) {
        return { params: PARAMS, stored: false };
      }
      throw new InstallationError('AlreadyInitialized', `Another root key for installation ${installationId} exists in process memory; refusing to replace it.`);
    }
    keys.set(installationId, Uint8Array.from(key));
    return { params: PARAMS, stored: true };
  }

  async load(installationId: string, _params: string): Promise<Uint8Array> {
    const key = keys.get(installationId);
    if (key === undefined) {
      throw new InstallationError(
        'RootKeyMissing',
        `No root key for installation ${installationId} in process memory (the in-memory provider is for tests; its keys end with the process).`,
      );
    }
    return Uint8Array.from(key);
  }

  describe(_params: string): string {
    return 'process memory (tests only; lost when the process exits)';
  }
}

/** Test helper: forget the key, as if the keychain entry had been deleted. */
export function deleteMemoryRootKey(installationId: string): boolean {
  return keys.delete(installationId);
}

/** Test helper: put another key (random unless given) in place, as if the entry had been replaced. */
export function replaceMemoryRootKey(installationId: string, key: Uint8Array = new Uint8Array(randomBytes(ROOT_KEY_BYTES))): void {
  keys.set(installationId, Uint8Array.from(key));
}

/** Test helper: whether a key is held for this installation. */
export function hasMemoryRootKey(installationId: string): boolean {
  return keys.has(installationId);
}
