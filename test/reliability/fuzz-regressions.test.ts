// Defects the fuzzers (test/fuzz/) found, each reproduced by the smallest input that showed it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmsError, newEngine, type TestEngine } from '../support/engine.ts';

describe('found by the fuzzers', () => {
  let t: TestEngine;
  let keyId: string;
  beforeAll(async () => {
    t = await newEngine();
    keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
  });
  afterAll(() => t.cleanup());

  it('an encryption context key named "__proto__" is bound like any other, not dropped (encryption-contexts: {"__proto__": ""})', async () => {
    // JSON.parse makes "__proto__" an own member, as every JSON surface (HTTP, CLI, bridge) receives it.
    const context = JSON.parse('{"__proto__": "x", "dept": "a"}') as Record<string, string>;
    const { CiphertextBlob } = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: new Uint8Array([1]), EncryptionContext: context });
    expect((await kmsError(t.kms.invoke('Decrypt', { CiphertextBlob, EncryptionContext: { dept: 'a' } }))).name).toBe('InvalidCiphertextException');
    expect((await t.kms.invoke('Decrypt', { CiphertextBlob, EncryptionContext: context })).Plaintext).toEqual(new Uint8Array([1]));
  });
});
