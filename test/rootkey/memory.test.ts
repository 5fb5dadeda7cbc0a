import { describe, expect, it } from 'vitest';
import { InstallationError } from '../../electron/kms/errors.ts';
import { deleteMemoryRootKey, hasMemoryRootKey, MemoryRootKeyProvider, replaceMemoryRootKey } from '../../electron/kms/rootkey/memory.ts';
import { rootKeyCheck, rootKeyCheckMatches } from '../../electron/kms/rootkey/check.ts';
import { randomUUID } from 'node:crypto';

describe('memory root key provider', () => {
  it('creates a 32-byte key and loads it back from another provider instance', async () => {
    const id = randomUUID();
    const { key, params } = await new MemoryRootKeyProvider().create(id);
    expect(key).toHaveLength(32);
    const loaded = await new MemoryRootKeyProvider().load(id, params);
    expect(Buffer.from(loaded).equals(Buffer.from(key))).toBe(true);
  });

  it('hands out copies: wiping a loaded key does not wipe the stored one', async () => {
    const id = randomUUID();
    const p = new MemoryRootKeyProvider();
    const { key, params } = await p.create(id);
    const copy = Uint8Array.from(key);
    key.fill(0);
    (await p.load(id, params)).fill(0);
    expect(Buffer.from(await p.load(id, params)).equals(Buffer.from(copy))).toBe(true);
  });

  it('refuses to create over an existing key', async () => {
    const id = randomUUID();
    const p = new MemoryRootKeyProvider();
    const { params } = await p.create(id);
    const before = await p.load(id, params);
    await expect(p.create(id)).rejects.toMatchObject({ problem: 'AlreadyInitialized' });
    expect(Buffer.from(await p.load(id, params)).equals(Buffer.from(before))).toBe(true);
  });

  it('reports a deleted key as RootKeyMissing, and a replaced key loads as the new one', async () => {
    const id = randomUUID();
    const p = new MemoryRootKeyProvider();
    const { key, params } = await p.create(id);
    const other = new Uint8Array(32).fill(7);
    replaceMemoryRootKey(id, other);
    expect(Buffer.from(await p.load(id, params)).equals(Buffer.from(other))).toBe(true);
    expect(rootKeyCheckMatches(other, rootKeyCheck(key))).toBe(false);
    expect(deleteMemoryRootKey(id)).toBe(true);
    expect(hasMemoryRootKey(id)).toBe(false);
    const err = await p.load(id, params).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallationError);
    expect(err).toMatchObject({ problem: 'RootKeyMissing' });
  });

  it('describes itself as test-only', () => {
    expect(new MemoryRootKeyProvider().describe('{}')).toMatch(/tests only/);
  });
});

describe('key check value', () => {
  it('is HMAC-SHA256 under the key, 32 bytes, and matches only its own key', () => {
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    const check = rootKeyCheck(a);
    expect(check).toHaveLength(32);
    expect(Buffer.from(check).toString('hex')).not.toContain(Buffer.from(a).toString('hex'));
    expect(rootKeyCheckMatches(a, check)).toBe(true);
    expect(rootKeyCheckMatches(b, check)).toBe(false);
    expect(rootKeyCheckMatches(a, check.subarray(0, 31))).toBe(false);
    expect(rootKeyCheckMatches(a, new Uint8Array(0))).toBe(false);
  });
});
