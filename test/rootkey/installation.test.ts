import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../electron/kms/clock.ts';
import { InstallationError, ValidationException } from '../../electron/kms/errors.ts';
import { describeInstallation, initInstallation, openInstallation, type ProviderForKind } from '../../electron/kms/installation.ts';
import { deleteMemoryRootKey, hasMemoryRootKey, MemoryRootKeyProvider, replaceMemoryRootKey } from '../../electron/kms/rootkey/memory.ts';
import { providerForKind } from '../../electron/kms/rootkey/select.ts';
import { fingerprint, open, tempDataDir } from './helpers.ts';

/** Tests may use the memory provider; the product's selector refuses it. */
const testProviders: ProviderForKind = (kind) => (kind === 'memory' ? new MemoryRootKeyProvider() : providerForKind(kind, {}));

describe('installation', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) {
      c();
    }
  });
  function dataDir() {
    const d = tempDataDir();
    cleanups.push(d.cleanup);
    return d;
  }

  it('init creates one row with a UUID, a 12-digit account, region local-1 and the clock time; reopen loads the same key', async () => {
    const { dbPath } = dataDir();
    const clock = new ManualClock(Date.UTC(2026, 4, 1));
    let db = open(dbPath);
    const created = await initInstallation(db, new MemoryRootKeyProvider(), { clock });
    expect(created.info).toMatchObject({ region: 'local-1', createdAt: Date.UTC(2026, 4, 1), rootKeyProvider: 'memory' });
    expect(created.info.installationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.info.accountId).toMatch(/^[1-9]\d{11}$/);
    expect(created.rootKey).toHaveLength(32);
    db.close();

    db = open(dbPath);
    const opened = await openInstallation(db, testProviders);
    expect(opened.info).toEqual(created.info);
    expect(Buffer.from(opened.rootKey).equals(Buffer.from(created.rootKey))).toBe(true);
    expect(describeInstallation(db, testProviders)).toEqual(created.info);
    expect(db.prepare('SELECT COUNT(*) AS n FROM installation').get()).toEqual({ n: 1 });
    db.close();
  });

  it('accepts a given account id and AWS-style regions, and rejects malformed ones before creating a key', async () => {
    for (const region of ['local-1', 'us-east-1', 'eu-central-2', 'us-gov-west-1', 'ap-southeast-12']) {
      const { dbPath } = dataDir();
      const db = open(dbPath);
      const { info } = await initInstallation(db, new MemoryRootKeyProvider(), { clock: new ManualClock(), region, accountId: '000123456789' });
      expect(info).toMatchObject({ region, accountId: '000123456789' });
      db.close();
    }
    const { dbPath } = dataDir();
    const db = open(dbPath);
    const provider = new MemoryRootKeyProvider();
    const create = vi.spyOn(provider, 'create');
    for (const region of ['', 'local', 'Local-1', 'us_east_1', 'us-east-', '-1', 'us-east-1-', 'a-b-c-d-1', 'us-east-1\n']) {
      await expect(initInstallation(db, provider, { clock: new ManualClock(), region })).rejects.toBeInstanceOf(ValidationException);
    }
    for (const accountId of ['', '12345678901', '1234567890123', '12345678901a', ' 123456789012']) {
      await expect(initInstallation(db, provider, { clock: new ManualClock(), accountId })).rejects.toThrow(/12 digits/);
    }
    expect(create).not.toHaveBeenCalled();
    expect(db.prepare('SELECT COUNT(*) AS n FROM installation').get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses to initialize over an existing installation, without creating a new root key', async () => {
    const { dbPath } = dataDir();
    const db = open(dbPath);
    const first = await initInstallation(db, new MemoryRootKeyProvider(), { clock: new ManualClock() });
    const provider = new MemoryRootKeyProvider();
    const create = vi.spyOn(provider, 'create');
    const err = await initInstallation(db, provider, { clock: new ManualClock() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallationError);
    expect(err).toMatchObject({ problem: 'AlreadyInitialized', message: expect.stringContaining(first.info.installationId) });
    expect(create).not.toHaveBeenCalled();
    const opened = await openInstallation(db, testProviders);
    expect(Buffer.from(opened.rootKey).equals(Buffer.from(first.rootKey))).toBe(true);
    db.close();
  });

  it('open and describe on an empty data directory say to run init', async () => {
    const { dbPath } = dataDir();
    const db = open(dbPath);
    await expect(openInstallation(db, testProviders)).rejects.toMatchObject({ problem: 'NotInitialized', message: expect.stringContaining('strongroom init') });
    expect(() => describeInstallation(db, testProviders)).toThrow(expect.objectContaining({ problem: 'NotInitialized' }));
    db.close();
  });

  it('the product selector refuses to open a memory installation', async () => {
    const { dbPath } = dataDir();
    const db = open(dbPath);
    await initInstallation(db, new MemoryRootKeyProvider(), { clock: new ManualClock() });
    await expect(openInstallation(db, (kind) => providerForKind(kind, {}))).rejects.toMatchObject({ problem: 'ProviderNotAllowed' });
    db.close();
  });

  it('a missing root key is RootKeyMissing and the failed open changes nothing on disk', async () => {
    const { dbPath } = dataDir();
    let db = open(dbPath);
    const { info } = await initInstallation(db, new MemoryRootKeyProvider(), { clock: new ManualClock() });
    db.close();
    deleteMemoryRootKey(info.installationId);
    const before = fingerprint(dbPath);
    db = open(dbPath);
    await expect(openInstallation(db, testProviders)).rejects.toMatchObject({ problem: 'RootKeyMissing' });
    // status can still say where the key should be
    expect(describeInstallation(db, testProviders).rootKeyLocation).toMatch(/memory/);
    db.close();
    expect(fingerprint(dbPath)).toEqual(before);
    expect(hasMemoryRootKey(info.installationId)).toBe(false);
  });

  it('a replaced root key is RootKeyMismatch, naming where it was found, and the failed open changes nothing on disk', async () => {
    const { dbPath } = dataDir();
    let db = open(dbPath);
    const { info } = await initInstallation(db, new MemoryRootKeyProvider(), { clock: new ManualClock() });
    db.close();
    replaceMemoryRootKey(info.installationId);
    const before = fingerprint(dbPath);
    db = open(dbPath);
    const err = await openInstallation(db, testProviders).catch((e: unknown) => e);
    expect(err).toMatchObject({ problem: 'RootKeyMismatch', message: expect.stringMatching(/found in process memory.*does not match this installation.*replaced, or belongs to another installation/) });
    db.close();
    expect(fingerprint(dbPath)).toEqual(before);
  });

  it('a provider that returns a key of the wrong length is a mismatch, not a crash', async () => {
    const { dbPath } = dataDir();
    const db = open(dbPath);
    const { info } = await initInstallation(db, new MemoryRootKeyProvider(), { clock: new ManualClock() });
    replaceMemoryRootKey(info.installationId, new Uint8Array(16));
    await expect(openInstallation(db, testProviders)).rejects.toMatchObject({ problem: 'RootKeyMismatch' });
    db.close();
  });

  it('an unknown provider kind in the row is reported as written by a newer Strongroom', async () => {
    const { dbPath } = dataDir();
    const db = open(dbPath);
    await initInstallation(db, new MemoryRootKeyProvider(), { clock: new ManualClock() });
    db.prepare("UPDATE installation SET root_key_provider = 'hsm'").run();
    await expect(openInstallation(db, testProviders)).rejects.toMatchObject({ problem: 'UnsupportedSchema' });
    db.close();
  });
});
