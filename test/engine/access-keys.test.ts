// Access keys: AWS-shaped ids, secrets shown once and stored only wrapped, principals parsed
// strictly, deletion effective at once, every change audited without the secret.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePrincipal } from '../../electron/kms/iam/access-keys.ts';
import { kmsError, newEngine, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
});
afterEach(() => t.cleanup());

describe('access keys', () => {
  it('creates keys in the AWS shape and resolves them to their principal', () => {
    const alice = t.kms.createPrincipal('user', 'alice');
    const k = t.kms.createAccessKey('alice');
    expect(k.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(k.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(k.PrincipalArn).toBe('arn:aws:iam::111122223333:user/alice');
    expect(t.kms.lookupAccessKey(k.AccessKeyId)).toEqual({
      caller: { type: 'IAMUser', arn: k.PrincipalArn, accessKeyId: k.AccessKeyId, principalId: alice.principalId },
      secret: k.SecretAccessKey,
    });
    expect(t.kms.lookupAccessKey('AKIAAAAAAAAAAAAAAAAA')).toBeNull();
    expect(t.kms.listAccessKeys().map((m) => m.AccessKeyId)).toEqual([k.AccessKeyId]);
  });

  it('never stores or logs the secret in the clear', async () => {
    const k = t.kms.createAccessKey('root');
    const kms = await t.reopen();
    expect(kms.lookupAccessKey(k.AccessKeyId)?.secret).toBe(k.SecretAccessKey);
    for (const name of readdirSync(t.dir)) {
      expect(readFileSync(join(t.dir, name)).includes(Buffer.from(k.SecretAccessKey)), name).toBe(false);
    }
    const record = kms.audit.list({ EventName: 'CreateAccessKey' })[0]?.record;
    expect(record).toMatchObject({ eventName: 'CreateAccessKey', responseElements: { accessKey: { accessKeyId: k.AccessKeyId, principalArn: 'arn:aws:iam::111122223333:root' } } });
    expect(JSON.stringify(kms.audit.list({ MaxResults: 100 }))).not.toContain(k.SecretAccessKey);
  });

  it('refuses a key for a user or role that does not exist, naming the command that creates it', async () => {
    const err = await kmsError(Promise.resolve().then(() => t.kms.createAccessKey('nobody')));
    expect(err.name).toBe('NotFoundException');
    expect(err.message).toMatch(/strongroom create-user --user-name nobody/);
  });

  it('deleting a user deletes its access keys at once', () => {
    t.kms.createPrincipal('user', 'carol');
    const k = t.kms.createAccessKey('carol');
    expect(t.kms.lookupAccessKey(k.AccessKeyId)).not.toBeNull();
    expect(t.kms.deletePrincipal('user', 'carol').accessKeys).toBe(1);
    expect(t.kms.lookupAccessKey(k.AccessKeyId)).toBeNull();
    expect(t.kms.listAccessKeys()).toEqual([]);
  });

  it('deletes keys at once and audits it; an unknown id is NotFoundException', async () => {
    t.kms.createPrincipal('user', 'bob');
    const k = t.kms.createAccessKey('bob');
    expect(t.kms.lookupAccessKey(k.AccessKeyId)).not.toBeNull();
    t.kms.deleteAccessKey(k.AccessKeyId);
    expect(t.kms.lookupAccessKey(k.AccessKeyId)).toBeNull();
    expect(t.kms.audit.list({ MaxResults: 1 })[0]?.record).toMatchObject({ eventName: 'DeleteAccessKey', requestParameters: { accessKeyId: k.AccessKeyId } });
    expect((await kmsError(Promise.resolve().then(() => t.kms.deleteAccessKey(k.AccessKeyId)))).name).toBe('NotFoundException');
  });

  it('parses principals strictly', () => {
    const acct = '111122223333';
    expect(parsePrincipal(acct, 'root')).toEqual({ arn: `arn:aws:iam::${acct}:root`, type: 'Root' });
    expect(parsePrincipal(acct, 'alice')).toEqual({ arn: `arn:aws:iam::${acct}:user/alice`, type: 'IAMUser' });
    expect(parsePrincipal(acct, 'user/alice')).toEqual({ arn: `arn:aws:iam::${acct}:user/alice`, type: 'IAMUser' });
    expect(parsePrincipal(acct, 'role/deployer')).toEqual({ arn: `arn:aws:iam::${acct}:role/deployer`, type: 'AssumedRole' });
    expect(parsePrincipal(acct, `arn:aws:iam::${acct}:user/carol`).arn).toBe(`arn:aws:iam::${acct}:user/carol`);
    for (const bad of ['', 'a b', 'group/x', `arn:aws:iam::999999999999:user/x`, `arn:aws:iam::${acct}:alice`, 'x'.repeat(65), 'user/']) {
      expect(() => parsePrincipal(acct, bad), bad).toThrow(/is not one Strongroom can issue keys for/);
    }
  });
});
