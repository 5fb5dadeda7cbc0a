import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../electron/kms/clock.ts';
import { InstallationError, ValidationException } from '../../electron/kms/errors.ts';
import { initInstallation, openInstallation } from '../../electron/kms/installation.ts';
import { PassphraseRootKeyProvider } from '../../electron/kms/rootkey/passphrase.ts';
import { providerForKind } from '../../electron/kms/rootkey/select.ts';
import { fingerprint, open, tempDataDir } from './helpers.ts';

const constant = (s: string) => async () => s;

describe('passphrase root key provider', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) {
      c();
    }
  });

  it('stores versioned scrypt parameters and no secret, and the right passphrase unwraps the key', async () => {
    const id = randomUUID();
    const p = new PassphraseRootKeyProvider(constant('correct horse battery'));
    const { key, params } = await p.create(id);
    const parsed = JSON.parse(params) as Record<string, unknown>;
    expect(parsed).toMatchObject({ v: 1, kdf: 'scrypt', N: 131072, r: 8, p: 1 });
    expect(Buffer.from(parsed.salt as string, 'base64')).toHaveLength(16);
    expect(Buffer.from(parsed.nonce as string, 'base64')).toHaveLength(12);
    expect(Buffer.from(parsed.wrapped as string, 'base64')).toHaveLength(48);
    expect(params).not.toContain(Buffer.from(key).toString('base64'));
    expect(params).not.toContain('correct horse');
    const loaded = await new PassphraseRootKeyProvider(constant('correct horse battery')).load(id, params);
    expect(Buffer.from(loaded).equals(Buffer.from(key))).toBe(true);
    expect(p.describe(params)).toMatch(/passphrase.*N=131072/);
  });

  it('reports a wrong passphrase as WrongPassphrase', async () => {
    const id = randomUUID();
    const { params } = await new PassphraseRootKeyProvider(constant('correct horse battery')).create(id);
    const err = await new PassphraseRootKeyProvider(constant('correct horse batterz')).load(id, params).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallationError);
    expect(err).toMatchObject({ problem: 'WrongPassphrase', message: expect.stringMatching(/passphrase is wrong/) });
  });

  it('binds the wrapped key to its installation id', async () => {
    const { params } = await new PassphraseRootKeyProvider(constant('correct horse battery')).create(randomUUID());
    await expect(new PassphraseRootKeyProvider(constant('correct horse battery')).load(randomUUID(), params)).rejects.toMatchObject({ problem: 'WrongPassphrase' });
  });

  it('normalizes the passphrase to NFC', async () => {
    const id = randomUUID();
    const { key, params } = await new PassphraseRootKeyProvider(constant('caf\u00e9 au lait')).create(id);
    const loaded = await new PassphraseRootKeyProvider(constant('cafe\u0301 au lait')).load(id, params);
    expect(Buffer.from(loaded).equals(Buffer.from(key))).toBe(true);
  });

  it('refuses empty and short passphrases at create', async () => {
    for (const pass of ['', 'short', '1234567']) {
      const err = await new PassphraseRootKeyProvider(constant(pass)).create(randomUUID()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationException);
      expect((err as Error).message).toMatch(pass === '' ? /empty/ : /too short.*8 characters/);
    }
    await expect(new PassphraseRootKeyProvider(constant('12345678')).create(randomUUID())).resolves.toBeDefined();
  });

  it('refuses unknown parameter versions and damaged parameters without asking for the passphrase', async () => {
    const id = randomUUID();
    const { params } = await new PassphraseRootKeyProvider(constant('correct horse battery')).create(id);
    let asked = 0;
    const p = new PassphraseRootKeyProvider(async () => {
      asked++;
      return 'correct horse battery';
    });
    const v2 = JSON.stringify({ ...JSON.parse(params), v: 2 });
    await expect(p.load(id, v2)).rejects.toMatchObject({ problem: 'UnsupportedSchema', message: expect.stringMatching(/version 2.*Upgrade/) });
    const huge = JSON.stringify({ ...JSON.parse(params), N: 2 ** 30 });
    await expect(p.load(id, huge)).rejects.toMatchObject({ problem: 'RootKeyUnavailable', message: expect.stringMatching(/damaged/) });
    await expect(p.load(id, 'not json')).rejects.toMatchObject({ problem: 'RootKeyUnavailable' });
    const shortWrapped = JSON.stringify({ ...JSON.parse(params), wrapped: 'AAAA' });
    await expect(p.load(id, shortWrapped)).rejects.toMatchObject({ problem: 'RootKeyUnavailable' });
    expect(asked).toBe(0);
  });

  it('works through the installation: init, reopen with the right passphrase, wrong one changes nothing on disk', async () => {
    const { dbPath, cleanup } = tempDataDir();
    cleanups.push(cleanup);
    let db = open(dbPath);
    const { info, rootKey } = await initInstallation(db, providerForKind('passphrase', { passphrase: constant('correct horse battery') }), { clock: new ManualClock() });
    expect(info.rootKeyProvider).toBe('passphrase');
    db.close();

    db = open(dbPath);
    const opened = await openInstallation(db, (kind) => providerForKind(kind, { passphrase: constant('correct horse battery') }));
    expect(Buffer.from(opened.rootKey).equals(Buffer.from(rootKey))).toBe(true);
    db.close();

    const before = fingerprint(dbPath);
    db = open(dbPath);
    await expect(openInstallation(db, (kind) => providerForKind(kind, { passphrase: constant('wrong passphrase') }))).rejects.toMatchObject({ problem: 'WrongPassphrase' });
    db.close();
    expect(fingerprint(dbPath)).toEqual(before);
  });
});
