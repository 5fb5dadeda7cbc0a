// Defects the fuzzers (test/fuzz/) found, each reproduced by the smallest input that showed it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlan } from '../../electron/kms/ceremony/plan.ts';
import { installationKeyring, kmsKeyring } from '../../electron/kms/envelope/keyrings.ts';
import { decryptStream, encryptStream } from '../../electron/kms/envelope/message.ts';
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
    expect([...(await t.kms.invoke('Decrypt', { CiphertextBlob, EncryptionContext: context })).Plaintext]).toEqual([1]);
  });

  it('...and in a file message, its audit record and the file read back (encrypt-file with --encryption-context {"__proto__": …})', async () => {
    const context = JSON.parse('{"__proto__": "x"}') as Record<string, string>;
    const message: Array<Buffer> = [];
    async function* once(): AsyncIterable<Uint8Array> {
      yield new Uint8Array([1, 2, 3]);
    }
    await encryptStream(once(), (chunk) => void message.push(Buffer.from(chunk)), { keyrings: [kmsKeyring(t.kms, keyId)], context });
    async function* stored(): AsyncIterable<Uint8Array> {
      yield Buffer.concat(message);
    }
    const info = await decryptStream(stored(), () => {}, { keyrings: [installationKeyring(t.kms)] });
    expect(Object.hasOwn(info.context, '__proto__')).toBe(true);
    // Both successful Decrypts (the blob's above, the file's data key here) logged the pair.
    const decrypts = t.kms.audit.list({ EventName: 'Decrypt' }).filter((r) => r.record.errorCode === undefined);
    expect(decrypts).toHaveLength(2);
    for (const { record } of decrypts) {
      const parameters = record.requestParameters as { encryptionContext: Record<string, string> };
      expect(Object.hasOwn(parameters.encryptionContext, '__proto__'), JSON.stringify(parameters)).toBe(true);
    }
  });

  it.each(['__proto__', 'constructor', 'toString'])('a ceremony plan member named "%s" is refused as unknown, not dropped silently (ceremony-plans: {"__proto__": ""} in a key)', (member) => {
    const plan = {
      Installation: { AccountId: '123456789012', Region: 'eu-west-1', RootKeyProvider: 'passphrase' },
      Custodians: [{ Name: 'bob', Generate: true }, { Name: 'carol', Generate: true }],
      Keys: [{ Alias: 'alias/x' }],
      Backup: { Shares: 2, Threshold: 2, Assignments: [{ Index: 1, Custodian: 'bob' }, { Index: 2, Custodian: 'carol' }] },
    };
    // As a plan file reads: JSON.parse makes the member an own one, at the top and inside a key.
    for (const text of [JSON.stringify(plan).replace('"Alias":"alias/x"', `"Alias":"alias/x","${member}":""`), JSON.stringify(plan).replace(/}$/, `,"${member}":{}}`)]) {
      expect(() => parsePlan(text, '/plans/p.json')).toThrow(`unknown member '${member}'`);
    }
  });
});
