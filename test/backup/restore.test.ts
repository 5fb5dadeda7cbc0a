// Backup and restore through the engine on real SQLite files: nothing half-written when create
// or restore fails (no backup without its shares, no temp files, no staging folder, no data
// directory); a root key already held for the installation is accepted only when it is the same
// key; and, against the real OS keychain (node test/run.mjs), a passphrase installation restored
// with `--root-key keychain` opens from the keychain.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Kms } from '../../electron/kms/engine.ts';
import { InstallationError, KmsError } from '../../electron/kms/errors.ts';
import { restoreBackup, readShareFiles } from '../../electron/kms/backup/restore.ts';
import { deleteKeychainRootKey } from '../../electron/kms/rootkey/keychain.ts';
import { MemoryRootKeyProvider, replaceMemoryRootKey } from '../../electron/kms/rootkey/memory.ts';
import type { RootKeyProvider } from '../../electron/kms/rootkey/provider.ts';
import { cli } from '../support/cli.ts';
import { newEngine, tempDirsRemovedAfterAll } from '../support/engine.ts';
import { keychainRequired, probeKeychain } from '../rootkey/helpers.ts';

const tempDir = tempDirsRemovedAfterAll();

async function sourceWithBackup(): Promise<{ kms: Kms; dir: string; ciphertext: Uint8Array; keyId: string; file: string; shares: Array<string>; cleanup: () => void }> {
  const engine = await newEngine();
  const kms = engine.kms;
  const key = await kms.invoke('CreateKey', {});
  const keyId = key.KeyMetadata?.KeyId ?? '';
  const enc = await kms.invoke('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('before') });
  const dir = tempDir('strongroom-backup-engine-');
  const summary = await kms.createBackup({ out: join(dir, 'b.srb'), shares: 3, threshold: 2, shareFormat: 'json' });
  return { kms, dir, ciphertext: enc.CiphertextBlob as Uint8Array, keyId, file: summary.File, shares: summary.Shares.map((s) => s.File), cleanup: () => engine.cleanup() };
}

describe('backup through the engine', () => {
  it('restores with the in-memory provider (same key already held: accepted) into a fresh folder; the old ciphertext decrypts', async () => {
    const src = await sourceWithBackup();
    const dest = join(src.dir, 'restored');
    const provider = new MemoryRootKeyProvider();
    const summary = await restoreBackup({ file: src.file, shares: readShareFiles([src.shares[0] ?? '', src.shares[2] ?? '']), dataDir: dest, provider });
    expect(summary.SharesUsed).toEqual([1, 3]);
    const kms = await Kms.open({ dataDir: dest, providerForKind: () => provider });
    try {
      const plain = await kms.invoke('Decrypt', { CiphertextBlob: src.ciphertext });
      expect(Buffer.from(plain.Plaintext as Uint8Array).toString()).toBe('before');
      expect(kms.audit.verify().ok).toBe(true);
    } finally {
      kms.close();
      src.cleanup();
    }
  });

  it('refuses a different root key already held for the installation, and leaves no data directory or staging folder', async () => {
    const src = await sourceWithBackup();
    replaceMemoryRootKey(src.kms.installation.installationId);
    const dest = join(src.dir, 'restored');
    const err = await restoreBackup({ file: src.file, shares: readShareFiles(src.shares.slice(0, 2)), dataDir: dest, provider: new MemoryRootKeyProvider() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallationError);
    expect((err as InstallationError).problem).toBe('AlreadyInitialized');
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(src.dir).sort()).toEqual(['b.share-1-of-3.json', 'b.share-2-of-3.json', 'b.share-3-of-3.json', 'b.srb']);
    src.cleanup();
  });

  it('a provider that fails while adopting the key leaves an empty target folder empty', async () => {
    const src = await sourceWithBackup();
    const dest = tempDir('strongroom-backup-empty-');
    const failing: RootKeyProvider = {
      kind: 'passphrase',
      create: () => Promise.reject(new Error('unused')),
      load: () => Promise.reject(new Error('unused')),
      describe: () => 'nowhere',
      adopt: () => Promise.reject(new InstallationError('RootKeyUnavailable', 'the store went away')),
    };
    await expect(restoreBackup({ file: src.file, shares: readShareFiles(src.shares.slice(1)), dataDir: dest, provider: failing })).rejects.toThrow(/the store went away/);
    expect(readdirSync(dest)).toEqual([]);
    expect(readdirSync(join(dest, '..')).filter((f) => f.includes('.restoring-'))).toEqual([]);
    src.cleanup();
  });

  it('create refuses to replace an existing share file and writes nothing: no backup, no temp files, no CreateBackup record', async () => {
    const engine = await newEngine();
    const dir = tempDir('strongroom-backup-clash-');
    writeFileSync(join(dir, 'b.share-2-of-3.txt'), 'someone else’s file');
    const before = engine.kms.audit.count();
    const err = await engine.kms.createBackup({ out: join(dir, 'b.srb'), shares: 3, threshold: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmsError);
    expect((err as KmsError).message).toMatch(/b\.share-2-of-3\.txt already exists/);
    expect(readdirSync(dir)).toEqual(['b.share-2-of-3.txt']);
    expect(readFileSync(join(dir, 'b.share-2-of-3.txt'), 'utf8')).toBe('someone else’s file');
    expect(engine.kms.audit.count()).toBe(before);
    expect(readdirSync(engine.dir).filter((f) => f.startsWith('.backup-snapshot-'))).toEqual([]);
    engine.cleanup();
  });
});

const unreachable = await probeKeychain();

describe.skipIf(unreachable !== null && !keychainRequired)('restore into the real OS keychain', () => {
  it('a passphrase installation restored with --root-key keychain opens from the keychain on the "new machine"', async () => {
    const home = tempDir('strongroom-backup-keychain-');
    const env = { STRONGROOM_PASSPHRASE: 'keychain restore test passphrase' };
    const src = join(home, 'src');
    expect(cli(src, ['init', '--root-key', 'passphrase'], { env }).code).toBe(0);
    const keyId = (cli(src, ['create-key'], { env }).json() as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId;
    const ct = (cli(src, ['encrypt', '--key-id', keyId, '--plaintext', 'aGk='], { env }).json() as { CiphertextBlob: string }).CiphertextBlob;
    const created = cli(src, ['backup', 'create', '--shares', '3', '--threshold', '2', '--out', join(home, 'b.srb')], { env });
    expect(created.code, created.stderr).toBe(0);
    const summary = created.json() as { InstallationId: string; Shares: Array<{ File: string }> };
    const dest = join(home, 'dest');
    try {
      // No passphrase at all on the new machine: the keychain holds the root key now.
      const restored = cli(dest, ['backup', 'restore', '--in', join(home, 'b.srb'), '--share', summary.Shares[0]?.File ?? '', summary.Shares[1]?.File ?? '']);
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.json()).toMatchObject({ RootKeyProvider: 'keychain' });
      const plain = cli(dest, ['decrypt', '--ciphertext-blob', ct]);
      expect(plain.code, plain.stderr).toBe(0);
      expect((plain.json() as { Plaintext: string }).Plaintext).toBe('aGk=');
      expect((cli(dest, ['audit', 'verify']).json() as { Intact: boolean }).Intact).toBe(true);
    } finally {
      await deleteKeychainRootKey(summary.InstallationId);
    }
  });
});
