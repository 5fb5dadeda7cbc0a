// The engine's material cache (operations/material-cache.ts): material stays imported between
// calls, but nothing of a key that can no longer be used stays in it, and an entry is never used
// for wrapped bytes other than the ones it came from.
import { constants, createPublicKey, createSecretKey, publicEncrypt, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MaterialCache } from '../../electron/kms/operations/material-cache.ts';
import { newEngine, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
});
afterEach(() => t.cleanup());

const cached = (keyId: string): boolean => t.kms.cachedMaterialKeyIds().has(keyId);

async function used(keyId: string): Promise<void> {
  await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: new Uint8Array([1, 2, 3]) });
}

describe('the material cache of an engine', () => {
  it('keeps a key used, and forgets it when it is disabled, rotated, scheduled for deletion, or the engine closes', async () => {
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    await used(keyId);
    expect(cached(keyId)).toBe(true);
    await t.kms.invoke('DisableKey', { KeyId: keyId });
    expect(cached(keyId)).toBe(false);
    await t.kms.invoke('EnableKey', { KeyId: keyId });
    await used(keyId);
    await t.kms.invoke('RotateKeyOnDemand', { KeyId: keyId });
    expect(cached(keyId)).toBe(false);
    await used(keyId);
    expect(cached(keyId)).toBe(true);
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    expect(cached(keyId)).toBe(false);

    const other = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    await used(other);
    t.kms.close();
    expect(t.kms.cachedMaterialKeyIds().size).toBe(0);
  });

  it('forgets imported material when it is deleted', async () => {
    const keyId = (await t.kms.invoke('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    const params = await t.kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const wrapping = createPublicKey({ key: Buffer.from(params.PublicKey), format: 'der', type: 'spki' });
    const EncryptedKeyMaterial = publicEncrypt({ key: wrapping, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, randomBytes(32));
    await t.kms.invoke('ImportKeyMaterial', { KeyId: keyId, ImportToken: params.ImportToken, EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    await used(keyId);
    expect(cached(keyId)).toBe(true);
    await t.kms.invoke('DeleteImportedKeyMaterial', { KeyId: keyId });
    expect(cached(keyId)).toBe(false);
    expect((await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: new Uint8Array(1) }).catch((e: Error) => e)) as Error).toHaveProperty('name', 'KMSInvalidStateException');
  });

  it('gives the same results from cached material as from freshly unwrapped material', async () => {
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const blobs = await Promise.all(Array.from({ length: 5 }, (_, i) => t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: new Uint8Array([i]) })));
    const reopened = await t.reopen(); // a fresh engine: nothing cached
    expect(reopened.cachedMaterialKeyIds().size).toBe(0);
    for (const [i, b] of blobs.entries()) {
      expect([...(await reopened.invoke('Decrypt', { CiphertextBlob: b.CiphertextBlob })).Plaintext]).toEqual([i]);
    }
  });
});

describe('MaterialCache', () => {
  const key = createSecretKey(randomBytes(32));
  it('answers only for the wrapped bytes an entry came from', () => {
    const cache = new MaterialCache();
    const wrapped = randomBytes(60);
    cache.set('k', 1, wrapped, key);
    expect(cache.get('k', 1, Uint8Array.from(wrapped))).toBe(key);
    const changed = Uint8Array.from(wrapped);
    changed[0] = (changed[0] ?? 0) ^ 1;
    expect(cache.get('k', 1, changed)).toBeNull();
    expect(cache.get('k', 1, wrapped)).toBeNull(); // the mismatched entry was dropped
    expect(cache.get('k', 2, wrapped)).toBeNull();
  });

  it('holds at most its limit, evicting the least recently used', () => {
    const cache = new MaterialCache(2);
    const w = randomBytes(8);
    cache.set('a', 1, w, key);
    cache.set('b', 1, w, key);
    cache.get('a', 1, w);
    cache.set('c', 1, w, key);
    expect([...cache.keyIds()].sort()).toEqual(['a', 'c']);
    cache.forgetKey('a');
    expect([...cache.keyIds()]).toEqual(['c']);
  });
});
