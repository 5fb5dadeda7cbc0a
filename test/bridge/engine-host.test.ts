import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineHost, NOT_INITIALIZED_MESSAGE } from '../../electron/bridge/engine-host.ts';
import { Kms } from '../../electron/kms/engine.ts';
import type { ProviderForKind } from '../../electron/kms/installation.ts';
import { deleteMemoryRootKey, MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { providerForKind } from '../../electron/kms/rootkey/select.ts';
import { openDatabase, DATABASE_FILE } from '../../electron/kms/store/database.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-app-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The app's providers, plus the test-only memory provider (select.ts refuses it on purpose).
const withMemory: ProviderForKind = (kind) => (kind === 'memory' ? new MemoryRootKeyProvider() : providerForKind(kind));

describe('engine host (the main process’s one engine)', () => {
  it('reports an uninitialized data directory as "run strongroom init", creating nothing', async () => {
    const dataDir = tempDir();
    const host = createEngineHost({ dataDir, log: () => {} });
    const status = await host.status();
    expect(status).toEqual({ initialized: false, unlocked: false, problem: { code: 'NotInitialized', message: NOT_INITIALIZED_MESSAGE } });
    expect(status.problem?.message).toContain('strongroom init');
    expect(readdirSync(dataDir)).toEqual([]);
    expect(host.engine()).toBeNull();
    host.close();
  });

  it('reports a data directory that does not exist yet the same way', async () => {
    const dataDir = join(tempDir(), 'not', 'there');
    const host = createEngineHost({ dataDir, log: () => {} });
    await expect(host.status()).resolves.toMatchObject({ initialized: false, unlocked: false });
    expect(existsSync(dataDir)).toBe(false);
  });

  it('reports a database without an installation row as not initialized', async () => {
    const dataDir = tempDir();
    openDatabase(join(dataDir, DATABASE_FILE)).close();
    const host = createEngineHost({ dataDir, log: () => {} });
    await expect(host.status()).resolves.toMatchObject({ initialized: false, unlocked: false, problem: { code: 'NotInitialized' } });
  });

  it('opens an installation once and describes it', async () => {
    const dataDir = tempDir();
    const created = await Kms.init({ dataDir, provider: new MemoryRootKeyProvider(), accountId: '111122223333', region: 'eu-west-1' });
    const installationId = created.installation.installationId;
    created.close();

    const host = createEngineHost({ dataDir, providerForKind: withMemory, log: () => {} });
    const [first, second] = await Promise.all([host.status(), host.status()]);
    expect(first).toEqual({
      initialized: true,
      installationId,
      accountId: '111122223333',
      region: 'eu-west-1',
      rootKeyProvider: 'memory',
      rootKeyLocation: expect.stringContaining('memory'),
      unlocked: true,
    });
    expect(second).toEqual(first);
    const engine = host.engine();
    expect(engine).not.toBeNull();
    await host.status();
    expect(host.engine()).toBe(engine);
    host.close();
    expect(host.engine()).toBeNull();
    deleteMemoryRootKey(installationId);
  });

  it('reports a missing root key as locked, with what the installation row says, and no path', async () => {
    const dataDir = tempDir();
    const created = await Kms.init({ dataDir, provider: new MemoryRootKeyProvider(), region: 'local-1' });
    const { installationId, accountId } = created.installation;
    created.close();
    deleteMemoryRootKey(installationId);

    const host = createEngineHost({ dataDir, providerForKind: withMemory, log: () => {} });
    const status = await host.status();
    expect(status).toMatchObject({
      initialized: true,
      installationId,
      accountId,
      region: 'local-1',
      rootKeyProvider: 'memory',
      unlocked: false,
      problem: { code: 'RootKeyMissing' },
    });
    expect(JSON.stringify(status)).not.toContain(dataDir);
    expect(host.engine()).toBeNull();
  });

  it('reports the app refusing the test-only provider (the real select.ts) as a problem, not a crash', async () => {
    const dataDir = tempDir();
    const created = await Kms.init({ dataDir, provider: new MemoryRootKeyProvider() });
    const { installationId } = created.installation;
    created.close();
    const host = createEngineHost({ dataDir, log: () => {} });
    const status = await host.status();
    expect(status).toMatchObject({ initialized: true, unlocked: false, problem: { code: 'ProviderNotAllowed' } });
    deleteMemoryRootKey(installationId);
  });

  it('reports an engine that cannot be loaded (say, a native module built for another ABI) without throwing', async () => {
    const dataDir = tempDir();
    const logged: string[] = [];
    const host = createEngineHost({
      dataDir,
      log: (message) => logged.push(message),
      loadModules: () => Promise.reject(new Error(`The module '${dataDir}/node_modules/better-sqlite3/prebuilds/linux-x64.node' was compiled against a different Node.js version`)),
    });
    const status = await host.status();
    expect(status).toMatchObject({ initialized: false, unlocked: false, problem: { code: 'EngineUnavailable' } });
    expect(status.problem?.message).toContain('compiled against a different Node.js version');
    expect(JSON.stringify(status)).not.toContain(dataDir);
    expect(logged).toEqual(['Strongroom: the engine modules could not be loaded']);
  });

  it('answers after close without reopening', async () => {
    const dataDir = tempDir();
    const host = createEngineHost({ dataDir, log: () => {} });
    host.close();
    await expect(host.status()).resolves.toMatchObject({ unlocked: false, problem: { code: 'Closed' } });
  });

  it('sets up a passphrase installation in its data folder, refusing a weak passphrase first, and unlocks it later', async () => {
    const dataDir = join(tempDir(), 'data');
    const host = createEngineHost({ dataDir, log: () => {} });
    await expect(host.setUp({ RootKey: 'passphrase', Passphrase: 'password1' })).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/not strong enough/) });
    expect(existsSync(dataDir)).toBe(false);
    await expect(host.setUp({ RootKey: 'passphrase' })).rejects.toMatchObject({ name: 'ValidationException' });
    const made = await host.setUp({ RootKey: 'passphrase', Passphrase: 'velvet harbour quietly juggles lanterns' });
    expect(made).toMatchObject({ initialized: true, unlocked: true, rootKeyProvider: 'passphrase' });
    expect(host.engine()).not.toBeNull();
    expect(existsSync(join(dataDir, DATABASE_FILE))).toBe(true);
    await expect(host.setUp({ RootKey: 'passphrase', Passphrase: 'another quite long passphrase here' })).rejects.toMatchObject({ name: 'AlreadyExistsException' });
    host.close();

    // A new window: the app's own providers have no passphrase, so it opens locked until the user types it.
    const later = createEngineHost({ dataDir, log: () => {} });
    await expect(later.status()).resolves.toMatchObject({ initialized: true, unlocked: false, rootKeyProvider: 'passphrase' });
    const wrong = await later.unlock('not the passphrase at all');
    expect(wrong).toMatchObject({ initialized: true, unlocked: false, problem: { code: 'WrongPassphrase' } });
    expect(later.engine()).toBeNull();
    await expect(later.unlock('velvet harbour quietly juggles lanterns')).resolves.toMatchObject({ initialized: true, unlocked: true, installationId: made.installationId });
    expect(later.engine()).not.toBeNull();
    later.close();
  });

  it('refuses to set up over an existing installation it could not open', async () => {
    const dataDir = tempDir();
    const created = await Kms.init({ dataDir, provider: new MemoryRootKeyProvider() });
    const { installationId } = created.installation;
    created.close();
    const host = createEngineHost({ dataDir, log: () => {} });
    await expect(host.setUp({ RootKey: 'passphrase', Passphrase: 'velvet harbour quietly juggles lanterns' })).rejects.toMatchObject({ name: 'AlreadyExistsException' });
    deleteMemoryRootKey(installationId);
    host.close();
  });
});
