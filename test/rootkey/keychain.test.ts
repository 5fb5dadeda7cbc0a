// The keychain provider against the real OS keychain (on Linux: gnome-keyring over D-Bus, which
// `npm test` starts in a private session), plus its error paths against an injected keytar.

import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import keytar from 'keytar';
import { ManualClock } from '../../electron/kms/clock.ts';
import { InstallationError } from '../../electron/kms/errors.ts';
import { describeInstallation, initInstallation, openInstallation } from '../../electron/kms/installation.ts';
import { deleteKeychainRootKey, KEYCHAIN_SERVICE, keychainAccount, KeychainRootKeyProvider, warmUpKeychain, type KeytarModule } from '../../electron/kms/rootkey/keychain.ts';
import { providerForKind } from '../../electron/kms/rootkey/select.ts';
import { fingerprint, keychainRequired, open, probeKeychain, tempDataDir } from './helpers.ts';

const unreachable = await probeKeychain();
const providers = (kind: 'keychain' | 'passphrase' | 'memory') => providerForKind(kind, {});

/** An in-process keytar stand-in, for the paths a real keychain cannot be made to take. */
function fakeKeytar(overrides: Partial<KeytarModule> = {}): KeytarModule & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    getPassword: async (s, a) => entries.get(`${s}/${a}`) ?? null,
    setPassword: async (s, a, p) => {
      entries.set(`${s}/${a}`, p);
    },
    deletePassword: async (s, a) => entries.delete(`${s}/${a}`),
    ...overrides,
  };
}
const linuxWithBus = { platform: 'linux' as const, env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' } };

describe('keychain provider error paths (injected keytar)', () => {
  it('refuses on Linux when there is no D-Bus session bus, saying what to do', async () => {
    const fake = fakeKeytar();
    const p = new KeychainRootKeyProvider({ keytar: fake, platform: 'linux', env: {} });
    for (const attempt of [() => p.create(randomUUID()), () => p.load(randomUUID(), '{}')]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InstallationError);
      expect(err).toMatchObject({ problem: 'RootKeyUnavailable', message: expect.stringMatching(/D-Bus session bus.*gnome-keyring.*running and unlocked.*passphrase/s) });
    }
    expect(fake.entries.size).toBe(0);
  });

  it('reports keytar/D-Bus failures as RootKeyUnavailable, never as a missing key', async () => {
    const fail = () => Promise.reject(new Error('Cannot create an item in a locked collection'));
    const p = new KeychainRootKeyProvider({ keytar: fakeKeytar({ getPassword: fail, setPassword: fail }), ...linuxWithBus });
    await expect(p.load(randomUUID(), '{}')).rejects.toMatchObject({ problem: 'RootKeyUnavailable', message: expect.stringMatching(/locked collection.*running and unlocked/) });
    await expect(p.create(randomUUID())).rejects.toMatchObject({ problem: 'RootKeyUnavailable' });
  });

  it('refuses a backend that does not give back what was stored, and removes what it wrote', async () => {
    const fake = fakeKeytar();
    let writes = 0;
    const p = new KeychainRootKeyProvider({
      keytar: {
        ...fake,
        setPassword: async (s, a) => {
          writes++;
          fake.entries.set(`${s}/${a}`, 'something else');
        },
      },
      ...linuxWithBus,
    });
    await expect(p.create(randomUUID())).rejects.toMatchObject({ problem: 'RootKeyUnavailable', message: expect.stringMatching(/not real secret storage/) });
    expect(writes).toBe(1);
    expect(fake.entries.size).toBe(0);
  });

  it('refuses to create over an existing entry', async () => {
    const fake = fakeKeytar();
    const id = randomUUID();
    fake.entries.set(`${KEYCHAIN_SERVICE}/${keychainAccount(id)}`, 'existing');
    await expect(new KeychainRootKeyProvider({ keytar: fake, ...linuxWithBus }).create(id)).rejects.toMatchObject({ problem: 'AlreadyInitialized' });
    expect(fake.entries.get(`${KEYCHAIN_SERVICE}/${keychainAccount(id)}`)).toBe('existing');
  });

  it('a stored value that is not a 32-byte base64 key is RootKeyMismatch', async () => {
    const fake = fakeKeytar();
    const id = randomUUID();
    const p = new KeychainRootKeyProvider({ keytar: fake, ...linuxWithBus });
    for (const value of ['', 'not base64 at all!', Buffer.alloc(16).toString('base64'), Buffer.alloc(33).toString('base64')]) {
      fake.entries.set(`${KEYCHAIN_SERVICE}/${keychainAccount(id)}`, value);
      await expect(p.load(id, '{}')).rejects.toMatchObject({ problem: 'RootKeyMismatch' });
    }
  });

  it('missing entry message names the service and account and says not to re-initialize', async () => {
    const id = randomUUID();
    const err = await new KeychainRootKeyProvider({ keytar: fakeKeytar(), ...linuxWithBus }).load(id, '{}').catch((e: unknown) => e);
    expect(err).toMatchObject({ problem: 'RootKeyMissing' });
    expect((err as Error).message).toContain(`service "Strongroom", account "root-key:${id}"`);
    expect((err as Error).message).toMatch(/Restore.*backup.*Do not initialize again/s);
  });
});

describe('keychain warm-up (injected keytar)', () => {
  it('looks up one entry that is no root key, so no secret is read', async () => {
    const asked: Array<string> = [];
    const keytar = fakeKeytar({
      getPassword: async (s, a) => {
        asked.push(`${s}/${a}`);
        return null;
      },
    });
    keytar.entries.set(`${KEYCHAIN_SERVICE}/${keychainAccount(randomUUID())}`, 'a root key');
    await warmUpKeychain({ keytar, ...linuxWithBus });
    expect(asked).toHaveLength(1);
    expect(asked[0]?.startsWith(`${KEYCHAIN_SERVICE}/`)).toBe(true);
    expect(asked[0]?.startsWith(`${KEYCHAIN_SERVICE}/${keychainAccount('')}`)).toBe(false);
  });

  it('starts the lookup before it returns (so it runs while the caller loads the engine)', () => {
    let asked = false;
    void warmUpKeychain({ keytar: fakeKeytar({ getPassword: async () => ((asked = true), null) }), ...linuxWithBus });
    expect(asked).toBe(true);
  });

  it('does nothing on Linux without a session bus, and never rejects when the keychain fails', async () => {
    let asked = false;
    await warmUpKeychain({ keytar: fakeKeytar({ getPassword: async () => ((asked = true), null) }), platform: 'linux', env: {} });
    expect(asked).toBe(false);
    await expect(warmUpKeychain({ keytar: fakeKeytar({ getPassword: () => Promise.reject(new Error('locked')) }), ...linuxWithBus })).resolves.toBeUndefined();
  });
});

// Fails (not skips) where a keychain is promised: CI, or `npm test`, which sets
// STRONGROOM_REQUIRE_KEYCHAIN=1 after starting gnome-keyring itself.
describe.skipIf(unreachable !== null && !keychainRequired)('keychain provider against the real OS keychain', () => {
  /** Each test fails on its own (rather than a hook failing and the tests counting as skipped). */
  function kit(name: string, body: () => Promise<void>): void {
    it(name, async () => {
      if (unreachable !== null) {
        throw new Error(`No usable Secret Service keychain (${unreachable}). Run the tests with \`npm test\`, which starts a private gnome-keyring, or unlock your keychain.`);
      }
      await body();
    });
  }

  const ids: Array<string> = [];
  const cleanups: Array<() => void> = [];

  afterEach(async () => {
    for (const c of cleanups.splice(0)) {
      c();
    }
  });
  afterAll(async () => {
    for (const id of ids) {
      await deleteKeychainRootKey(id).catch(() => false);
    }
  });

  async function initialized() {
    const d = tempDataDir();
    cleanups.push(d.cleanup);
    const db = open(d.dbPath);
    const created = await initInstallation(db, new KeychainRootKeyProvider(), { clock: new ManualClock() });
    ids.push(created.info.installationId);
    db.close();
    return { ...d, ...created };
  }

  kit('stores the root key in the keychain, finds it again at open, and the key works', async () => {
    const { dbPath, info, rootKey } = await initialized();
    const account = keychainAccount(info.installationId);
    const stored = await keytar.getPassword(KEYCHAIN_SERVICE, account);
    expect(stored).toBe(Buffer.from(rootKey).toString('base64'));
    expect(info.rootKeyLocation).toContain(`account "${account}"`);

    const db = open(dbPath);
    const opened = await openInstallation(db, providers);
    expect(Buffer.from(opened.rootKey).equals(Buffer.from(rootKey))).toBe(true);
    expect(opened.info).toEqual(info);
    // The row holds no copy of the key in any form we would recognise.
    const row = db.prepare('SELECT * FROM installation').get() as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain(stored);
    db.close();
  });

  kit('refuses to create a second key for an installation id that already has one', async () => {
    const { info } = await initialized();
    await expect(new KeychainRootKeyProvider().create(info.installationId)).rejects.toMatchObject({ problem: 'AlreadyInitialized' });
  });

  kit('entry deleted: open fails with RootKeyMissing and changes nothing on disk', async () => {
    const { dbPath, info } = await initialized();
    expect(await deleteKeychainRootKey(info.installationId)).toBe(true);
    const before = fingerprint(dbPath);
    const db = open(dbPath);
    const err = await openInstallation(db, providers).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallationError);
    expect(err).toMatchObject({ problem: 'RootKeyMissing', message: expect.stringContaining(keychainAccount(info.installationId)) });
    expect(describeInstallation(db, providers).rootKeyLocation).toContain(keychainAccount(info.installationId));
    db.close();
    expect(fingerprint(dbPath)).toEqual(before);
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, keychainAccount(info.installationId))).toBeNull();
  });

  kit('entry replaced with another key: open fails with RootKeyMismatch and changes nothing on disk', async () => {
    const { dbPath, info, rootKey } = await initialized();
    const other = Buffer.from(rootKey);
    other[0] = (other[0] ?? 0) ^ 1;
    await keytar.setPassword(KEYCHAIN_SERVICE, keychainAccount(info.installationId), other.toString('base64'));
    const before = fingerprint(dbPath);
    const db = open(dbPath);
    const err = await openInstallation(db, providers).catch((e: unknown) => e);
    expect(err).toMatchObject({ problem: 'RootKeyMismatch', message: expect.stringMatching(/OS keychain.*does not match this installation/) });
    db.close();
    expect(fingerprint(dbPath)).toEqual(before);
    // and the replaced entry is left alone for the user to deal with
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, keychainAccount(info.installationId))).toBe(other.toString('base64'));
  });

  kit('a key from another installation is a mismatch too', async () => {
    const a = await initialized();
    const b = await initialized();
    await keytar.setPassword(KEYCHAIN_SERVICE, keychainAccount(a.info.installationId), Buffer.from(b.rootKey).toString('base64'));
    const db = open(a.dbPath);
    await expect(openInstallation(db, providers)).rejects.toMatchObject({ problem: 'RootKeyMismatch' });
    db.close();
  });
});
