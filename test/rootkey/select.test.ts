import { describe, expect, it } from 'vitest';
import { providerForKind } from '../../electron/kms/rootkey/select.ts';
import { KeychainRootKeyProvider } from '../../electron/kms/rootkey/keychain.ts';
import { PassphraseRootKeyProvider } from '../../electron/kms/rootkey/passphrase.ts';

describe('providerForKind', () => {
  it('builds the keychain and passphrase providers', () => {
    expect(providerForKind('keychain', {})).toBeInstanceOf(KeychainRootKeyProvider);
    expect(providerForKind('passphrase', { passphrase: async () => 'correct horse' })).toBeInstanceOf(PassphraseRootKeyProvider);
  });

  it('refuses the in-memory provider: it is for tests only', () => {
    expect(() => providerForKind('memory', {})).toThrow(expect.objectContaining({ problem: 'ProviderNotAllowed', message: expect.stringMatching(/tests only/) }));
  });

  it('refuses unknown kinds, naming the ones allowed', () => {
    for (const kind of ['', 'plaintext', 'file', 'KEYCHAIN']) {
      expect(() => providerForKind(kind, {})).toThrow(expect.objectContaining({ problem: 'ProviderNotAllowed', message: expect.stringMatching(/keychain.*passphrase/) }));
    }
  });

  it('a passphrase provider without a passphrase source still describes itself, and fails clearly on load', async () => {
    const p = providerForKind('passphrase', {});
    expect(p.describe('{"v":1,"N":131072,"r":8,"p":1}')).toMatch(/passphrase/);
    const created = await new PassphraseRootKeyProvider(async () => 'long enough pass').create('id-1');
    await expect(p.load('id-1', created.params)).rejects.toMatchObject({ problem: 'RootKeyUnavailable', message: expect.stringMatching(/no passphrase was supplied/) });
  });
});
