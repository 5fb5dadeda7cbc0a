import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../electron/kms/clock.ts';
import { bytes, kmsError, newEngine, text, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
});
afterEach(() => t.cleanup());

const ARN = /^arn:aws:kms:local-1:111122223333:key\/[0-9a-f-]{36}$/;

async function createKey(description = 'test key') {
  const { KeyMetadata } = await t.kms.invoke('CreateKey', { Description: description });
  return KeyMetadata;
}

describe('CreateKey and DescribeKey', () => {
  it('creates an enabled SYMMETRIC_DEFAULT key with the AWS metadata fields', async () => {
    const md = await createKey('first');
    expect(md).toMatchObject({
      AWSAccountId: '111122223333',
      Enabled: true,
      Description: 'first',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      KeySpec: 'SYMMETRIC_DEFAULT',
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
    });
    expect(md.Arn).toMatch(ARN);
    expect(md.CreationDate).toEqual(new Date(t.clock.now()));
    expect(md.CurrentKeyMaterialId).toMatch(/^[0-9a-f]{64}$/);
    const described = await t.kms.invoke('DescribeKey', { KeyId: md.Arn });
    expect(described.KeyMetadata).toEqual(md);
  });

  it('describes by key id, key ARN, alias name and alias ARN', async () => {
    const md = await createKey();
    await t.kms.invoke('CreateAlias', { AliasName: 'alias/app', TargetKeyId: md.KeyId });
    for (const id of [md.KeyId, md.Arn, 'alias/app', 'arn:aws:kms:local-1:111122223333:alias/app']) {
      expect((await t.kms.invoke('DescribeKey', { KeyId: id })).KeyMetadata.KeyId).toBe(md.KeyId);
    }
  });

  it('stores tags given at creation', async () => {
    const { KeyMetadata } = await t.kms.invoke('CreateKey', { Tags: [{ TagKey: 'team', TagValue: 'blue' }] });
    const tags = await t.kms.invoke('ListResourceTags', { KeyId: KeyMetadata.KeyId });
    expect(tags).toEqual({ Tags: [{ TagKey: 'team', TagValue: 'blue' }], Truncated: false });
  });
});

describe('ListKeys paging', () => {
  it('pages with Limit and Marker and visits every key once', async () => {
    const ids = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await createKey(`k${i}`)).KeyId);
      t.clock.advance(1000);
    }
    const seen: Array<string> = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const pageOut = await t.kms.invoke('ListKeys', { Limit: 3, ...(marker ? { Marker: marker } : {}) });
      pages++;
      seen.push(...pageOut.Keys.map((k) => k.KeyId));
      expect(pageOut.Keys.every((k) => k.KeyArn.endsWith(k.KeyId))).toBe(true);
      marker = pageOut.Truncated ? pageOut.NextMarker : undefined;
      if (pageOut.Truncated) {
        expect(pageOut.NextMarker).toBeTypeOf('string');
      } else {
        expect(pageOut.NextMarker).toBeUndefined();
      }
    } while (marker !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });
});

describe('key lifecycle', () => {
  it('disables, enables and updates the description', async () => {
    const md = await createKey();
    await t.kms.invoke('DisableKey', { KeyId: md.KeyId });
    expect((await t.kms.invoke('DescribeKey', { KeyId: md.KeyId })).KeyMetadata).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    await t.kms.invoke('EnableKey', { KeyId: md.Arn });
    await t.kms.invoke('UpdateKeyDescription', { KeyId: md.KeyId, Description: 'renamed' });
    expect((await t.kms.invoke('DescribeKey', { KeyId: md.KeyId })).KeyMetadata).toMatchObject({ KeyState: 'Enabled', Description: 'renamed' });
  });

  it('schedules deletion (default 30 days), and cancelling returns the key Disabled', async () => {
    const md = await createKey();
    const s = await t.kms.invoke('ScheduleKeyDeletion', { KeyId: md.KeyId });
    expect(s).toEqual({
      KeyId: md.Arn,
      DeletionDate: new Date(t.clock.now() + 30 * DAY_MS),
      KeyState: 'PendingDeletion',
      PendingWindowInDays: 30,
    });
    const d = (await t.kms.invoke('DescribeKey', { KeyId: md.KeyId })).KeyMetadata;
    expect(d).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false, PendingDeletionWindowInDays: 30 });
    expect(d.DeletionDate).toEqual(s.DeletionDate);
    expect(await t.kms.invoke('CancelKeyDeletion', { KeyId: md.KeyId })).toEqual({ KeyId: md.Arn });
    const after = (await t.kms.invoke('DescribeKey', { KeyId: md.KeyId })).KeyMetadata;
    expect(after.KeyState).toBe('Disabled');
    expect(after.DeletionDate).toBeUndefined();
  });
});

describe('aliases', () => {
  it('creates, lists, retargets and deletes', async () => {
    const a = await createKey('a');
    const b = await createKey('b');
    await t.kms.invoke('CreateAlias', { AliasName: 'alias/one', TargetKeyId: a.KeyId });
    await t.kms.invoke('CreateAlias', { AliasName: 'alias/two', TargetKeyId: a.Arn });
    let list = await t.kms.invoke('ListAliases', {});
    expect(list.Aliases.map((x) => [x.AliasName, x.TargetKeyId])).toEqual([
      ['alias/one', a.KeyId],
      ['alias/two', a.KeyId],
    ]);
    expect(list.Aliases[0]?.AliasArn).toBe('arn:aws:kms:local-1:111122223333:alias/one');
    await t.kms.invoke('UpdateAlias', { AliasName: 'alias/one', TargetKeyId: b.KeyId });
    list = await t.kms.invoke('ListAliases', { KeyId: b.KeyId });
    expect(list.Aliases.map((x) => x.AliasName)).toEqual(['alias/one']);
    await t.kms.invoke('DeleteAlias', { AliasName: 'alias/one' });
    expect((await t.kms.invoke('ListAliases', {})).Aliases.map((x) => x.AliasName)).toEqual(['alias/two']);
  });

  it('pages aliases', async () => {
    const a = await createKey();
    for (let i = 0; i < 5; i++) {
      await t.kms.invoke('CreateAlias', { AliasName: `alias/a${i}`, TargetKeyId: a.KeyId });
    }
    const first = await t.kms.invoke('ListAliases', { Limit: 2 });
    expect(first.Truncated).toBe(true);
    const second = await t.kms.invoke('ListAliases', { Limit: 10, Marker: first.NextMarker });
    expect([...first.Aliases, ...second.Aliases].map((x) => x.AliasName)).toEqual(['alias/a0', 'alias/a1', 'alias/a2', 'alias/a3', 'alias/a4']);
  });
});

describe('tags', () => {
  it('adds, overwrites, removes and lists', async () => {
    const k = await createKey();
    await t.kms.invoke('TagResource', { KeyId: k.KeyId, Tags: [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'b', TagValue: '' }] });
    await t.kms.invoke('TagResource', { KeyId: k.KeyId, Tags: [{ TagKey: 'a', TagValue: '2' }] });
    await t.kms.invoke('UntagResource', { KeyId: k.KeyId, TagKeys: ['b', 'missing'] });
    expect((await t.kms.invoke('ListResourceTags', { KeyId: k.KeyId })).Tags).toEqual([{ TagKey: 'a', TagValue: '2' }]);
  });
});

describe('Encrypt, Decrypt, ReEncrypt', () => {
  it('round-trips with an encryption context and returns ARNs', async () => {
    const k = await createKey();
    await t.kms.invoke('CreateAlias', { AliasName: 'alias/files', TargetKeyId: k.KeyId });
    const enc = await t.kms.invoke('Encrypt', { KeyId: 'alias/files', Plaintext: bytes('attack at dawn'), EncryptionContext: { purpose: 'test', user: 'ana' } });
    expect(enc.KeyId).toBe(k.Arn);
    expect(enc.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    const dec = await t.kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { user: 'ana', purpose: 'test' } });
    expect(text(dec.Plaintext)).toBe('attack at dawn');
    expect(dec.KeyId).toBe(k.Arn);
    expect(dec.KeyMaterialId).toBe(k.CurrentKeyMaterialId);
    const withKey = await t.kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob, KeyId: 'alias/files', EncryptionContext: { user: 'ana', purpose: 'test' } });
    expect(text(withKey.Plaintext)).toBe('attack at dawn');
  });

  it('encrypts 1 and 4096 bytes', async () => {
    const k = await createKey();
    for (const n of [1, 4096]) {
      const p = new Uint8Array(n).fill(7);
      const enc = await t.kms.invoke('Encrypt', { KeyId: k.KeyId, Plaintext: p });
      expect(Buffer.from((await t.kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob })).Plaintext)).toEqual(Buffer.from(p));
    }
  });

  it('re-encrypts under another key and context without exposing the plaintext', async () => {
    const a = await createKey('a');
    const b = await createKey('b');
    const enc = await t.kms.invoke('Encrypt', { KeyId: a.KeyId, Plaintext: bytes('move me'), EncryptionContext: { from: 'a' } });
    const re = await t.kms.invoke('ReEncrypt', {
      CiphertextBlob: enc.CiphertextBlob,
      SourceEncryptionContext: { from: 'a' },
      DestinationKeyId: b.Arn,
      DestinationEncryptionContext: { to: 'b' },
    });
    expect(re).toMatchObject({ SourceKeyId: a.Arn, KeyId: b.Arn, SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT', DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    expect(re).not.toHaveProperty('Plaintext');
    const dec = await t.kms.invoke('Decrypt', { CiphertextBlob: re.CiphertextBlob, EncryptionContext: { to: 'b' } });
    expect(text(dec.Plaintext)).toBe('move me');
    expect(dec.KeyId).toBe(b.Arn);
  });

  it('keeps decrypting after the key is disabled and re-enabled', async () => {
    const k = await createKey();
    const enc = await t.kms.invoke('Encrypt', { KeyId: k.KeyId, Plaintext: bytes('x') });
    await t.kms.invoke('DisableKey', { KeyId: k.KeyId });
    expect((await kmsError(t.kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob }))).name).toBe('DisabledException');
    await t.kms.invoke('EnableKey', { KeyId: k.KeyId });
    expect(text((await t.kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob })).Plaintext)).toBe('x');
  });

  it('accepts base64 blobs when called with the wire encoding', async () => {
    const k = await createKey();
    const enc = await t.kms.invoke('Encrypt', { KeyId: k.KeyId, Plaintext: Buffer.from('wire').toString('base64') }, { blobs: 'base64' });
    const dec = await t.kms.invoke('Decrypt', { CiphertextBlob: Buffer.from(enc.CiphertextBlob).toString('base64') }, { blobs: 'base64' });
    expect(text(dec.Plaintext)).toBe('wire');
  });
});

describe('data keys and randomness', () => {
  it('GenerateDataKey returns a key whose ciphertext decrypts to it', async () => {
    const k = await createKey();
    for (const [args, len] of [[{ KeySpec: 'AES_256' }, 32], [{ KeySpec: 'AES_128' }, 16], [{ NumberOfBytes: 1 }, 1], [{ NumberOfBytes: 1024 }, 1024]] as const) {
      const dk = await t.kms.invoke('GenerateDataKey', { KeyId: k.KeyId, EncryptionContext: { f: 'x' }, ...args });
      expect(dk.Plaintext.length).toBe(len);
      expect(dk.KeyId).toBe(k.Arn);
      const dec = await t.kms.invoke('Decrypt', { CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { f: 'x' } });
      expect(Buffer.from(dec.Plaintext)).toEqual(Buffer.from(dk.Plaintext));
    }
  });

  it('GenerateDataKeyWithoutPlaintext returns only the ciphertext', async () => {
    const k = await createKey();
    const dk = await t.kms.invoke('GenerateDataKeyWithoutPlaintext', { KeyId: k.KeyId, KeySpec: 'AES_256' });
    expect(dk).not.toHaveProperty('Plaintext');
    expect((await t.kms.invoke('Decrypt', { CiphertextBlob: dk.CiphertextBlob })).Plaintext.length).toBe(32);
  });

  it('GenerateRandom returns distinct bytes of the asked length', async () => {
    const a = await t.kms.invoke('GenerateRandom', { NumberOfBytes: 32 });
    const b = await t.kms.invoke('GenerateRandom', { NumberOfBytes: 32 });
    expect(a.Plaintext.length).toBe(32);
    expect(Buffer.from(a.Plaintext)).not.toEqual(Buffer.from(b.Plaintext));
  });
});

describe('persistence', () => {
  it('keys, aliases and ciphertexts survive closing and reopening', async () => {
    const k = await createKey();
    await t.kms.invoke('CreateAlias', { AliasName: 'alias/keep', TargetKeyId: k.KeyId });
    const enc = await t.kms.invoke('Encrypt', { KeyId: 'alias/keep', Plaintext: bytes('durable') });
    const kms = await t.reopen();
    expect(text((await kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob })).Plaintext)).toBe('durable');
    expect((await kms.invoke('DescribeKey', { KeyId: 'alias/keep' })).KeyMetadata.KeyId).toBe(k.KeyId);
  });
});
