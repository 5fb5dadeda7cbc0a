// Issue 22, finding 12: invalid text was silently replaced: a lone surrogate in a Description or
// a tag, raw \xff\xfe bytes in an encryption context were stored as U+FFFD, so two different
// inputs became one value. AWS answers SerializationException; so does every surface here, and
// nothing is stored.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateInput } from '../../shared/api/schema.ts';
import { operations } from '../../shared/api/operations.ts';
import { cli, expectUsageError } from '../support/cli.ts';
import { kmsError, newEngine, tempDir, type TestEngine } from '../support/engine.ts';
import { startTestEndpoint, type TestEndpoint } from '../support/endpoint.ts';
import { rawRequest } from '../support/signed-fetch.ts';

let ep: TestEndpoint;
let t: TestEngine;
beforeAll(async () => {
  ep = await startTestEndpoint();
  t = await newEngine();
});
afterAll(async () => {
  await ep.close();
  t.cleanup();
});

const LONE_HIGH = '\uD800';
const LONE_LOW = '\uDC00';

describe('invalid text (issue 22, finding 12)', () => {
  it('the shared schema refuses a lone surrogate anywhere a string goes, and keeps a real pair', () => {
    const refusal = (input: unknown): unknown => {
      try {
        validateInput(operations.CreateKey.input, input, 'bytes');
      } catch (err) {
        return err;
      }
      return null;
    };
    for (const input of [
      { Description: `a${LONE_HIGH}b` },
      { Description: `end${LONE_HIGH}` },
      { Description: `${LONE_LOW}start` },
      { Tags: [{ TagKey: 'k', TagValue: `v${LONE_LOW}` }] },
      { Tags: [{ TagKey: `k${LONE_HIGH}`, TagValue: 'v' }] },
    ]) {
      expect(refusal(input)).toMatchObject({ errorName: 'SerializationException' });
    }
    const encrypt = (): unknown => validateInput(operations.Encrypt.input, { KeyId: 'alias/x', Plaintext: new Uint8Array(1), EncryptionContext: { [`k${LONE_HIGH}`]: 'v' } }, 'bytes');
    expect(encrypt).toThrow(/not valid Unicode/);
    expect(refusal({ Description: 'a 😀 pair is fine' })).toBeNull();
  });

  it('the engine stores nothing for a Description with a lone surrogate', async () => {
    const before = (await t.kms.invoke('ListKeys', {})).Keys.length;
    expect((await kmsError(t.kms.invoke('CreateKey', { Description: `x${LONE_HIGH}` }))).name).toBe('SerializationException');
    expect((await t.kms.invoke('ListKeys', {})).Keys.length).toBe(before);
    // The refusal is recorded, and the chain still verifies.
    // Records are canonical JSON, whose strings are JSON.stringify's: the unpaired half is kept as the escape \ud800.
    expect(t.kms.audit.list({ MaxResults: 2 })[1]?.record).toMatchObject({ eventName: 'CreateKey', errorCode: 'SerializationException', requestParameters: { description: `x${LONE_HIGH}` } });
    expect(t.kms.audit.verify().ok).toBe(true);
  });

  it('the endpoint answers SerializationException (400) for raw bytes that are not UTF-8, and for an escaped lone surrogate', async () => {
    const keyId = (await ep.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const prefix = Buffer.from(`{"KeyId":"${keyId}","Plaintext":"eA==","EncryptionContext":{"k":"`, 'utf8');
    const body = Buffer.concat([prefix, Buffer.from([0xff, 0xfe]), Buffer.from('"}}', 'utf8')]);
    const raw = await rawRequest(ep, { target: 'TrentService.Encrypt', body: new Uint8Array(body) });
    expect(raw.status).toBe(400);
    expect(raw.json()).toMatchObject({ __type: 'SerializationException' });
    const escaped = await rawRequest(ep, { target: 'TrentService.CreateKey', body: '{"Description":"a\\ud800b"}' });
    expect(escaped.status).toBe(400);
    expect(escaped.json()).toMatchObject({ __type: 'SerializationException' });
    const keys = await rawRequest(ep, { target: 'TrentService.ListKeys', body: '{}' });
    expect((keys.json().Keys as Array<unknown>).length).toBe(1);
  });
});

describe('invalid text from the command line (issue 22, finding 12)', () => {
  it('a file:// value that is not UTF-8 is a usage error, not U+FFFD', () => {
    const dir = tempDir('strongroom-badtext-');
    try {
      writeFileSync(join(dir, 'description.txt'), Buffer.from([0x61, 0xff, 0xfe, 0x62]));
      const stderr = expectUsageError(cli(join(dir, 'data'), ['create-key', '--description', `file://${join(dir, 'description.txt')}`]));
      expect(stderr).toMatch(/not valid UTF-8 text/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
