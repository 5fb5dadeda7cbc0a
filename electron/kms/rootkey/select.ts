// The providers a user can choose, by the name stored in the installation row. The CLI and the
// app build providers only through here, so the test-only memory provider can never end up
// holding a real installation's root key.

import { InstallationError } from '../errors.ts';
import { KeychainRootKeyProvider } from './keychain.ts';
import { PassphraseRootKeyProvider, type PassphraseSource } from './passphrase.ts';
import type { RootKeyProvider } from './provider.ts';

export type ProviderSelectOptions = {
  /** How to ask for the passphrase; needed only when the installation uses the passphrase provider. */
  readonly passphrase?: PassphraseSource;
};

export const SELECTABLE_PROVIDERS = ['keychain', 'passphrase'] as const;

export function providerForKind(kind: string, options: ProviderSelectOptions = {}): RootKeyProvider {
  if (kind === 'keychain') {
    return new KeychainRootKeyProvider();
  }
  if (kind === 'passphrase') {
    // Without a source the provider can still describe() itself (for `status`); asking it for
    // the key then fails with a message instead of a crash.
    const source: PassphraseSource =
      options.passphrase ??
      (() =>
        Promise.reject(
          new InstallationError(
            'RootKeyUnavailable',
            "This installation's root key is protected by a passphrase, and no passphrase was supplied. Run the command where it can prompt for one.",
          ),
        ));
    return new PassphraseRootKeyProvider(source);
  }
  if (kind === 'memory') {
    throw new InstallationError(
      'ProviderNotAllowed',
      'The in-memory root key provider is for tests only: its key is lost when the process exits. Use "keychain" or "passphrase".',
    );
  }
  throw new InstallationError(
    'ProviderNotAllowed',
    `Unknown root key provider ${JSON.stringify(kind)}. Choose "keychain" (the OS keychain) or "passphrase".`,
  );
}
