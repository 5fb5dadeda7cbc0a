// Strongroom's own actions (shared/api/strongroom-actions.ts: IAM, custody, the developer clock)
// run through the same pipeline as KMS operations. Iterated over the action table, not
// hand-picked: each writes exactly one audit record for a success, for a failure, and for a
// denial to a caller who is not the installation's owner; whenever the action names a key, all
// three records name it, so `audit query --key-id` finds the quorum and approval records of a key
// (the KMS operations' own walk is audit-coverage.test.ts).

import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { strongroomActions, type StrongroomActionName } from '../../shared/api/strongroom-actions.ts';
import type { Caller } from '../../electron/kms/iam/caller.ts';
import { bytes, kmsError, newEngine, type TestEngine } from '../support/engine.ts';

const ACCOUNT = '111122223333';
// Actions without members cannot fail validation on members (unknown ones are ignored, as AWS
// does): their failure case is a request body that is not an object.
const keyArnOf = (keyId: string): string => `arn:aws:kms:local-1:${ACCOUNT}:key/${keyId}`;
const custodianPem = (): string => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** One case of an action: its input, built on a fresh installation, and the key its record must name. */
type Case = { readonly input: unknown; readonly keyId?: string; readonly caller?: Caller };
type Fixture = {
  readonly success: (t: TestEngine) => Promise<Case>;
  /** A call that fails after validation (and after resolving its key, when it has one). */
  readonly failure: (t: TestEngine) => Promise<Case & { readonly error: string }>;
};

async function newKey(t: TestEngine): Promise<string> {
  return (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
}

/** A key whose quorum rule is 1 of alice. */
async function guardedKey(t: TestEngine): Promise<string> {
  const keyId = await newKey(t);
  t.kms.setQuorumRule(keyId, 1, ['alice']);
  return keyId;
}

/** An exposed key and AWS KMS's caller for its external key store (the XKS operations are AWS KMS's). */
async function xksKey(t: TestEngine): Promise<{ keyId: string; caller: Caller; base: Record<string, unknown> }> {
  const keyId = await newKey(t);
  const store = t.kms.createXksKeyStore('/ks');
  t.kms.addXksKey(keyId);
  const found = t.kms.lookupXksCredential(store.AccessKeyId);
  if (found === null) {
    throw new Error('the new credential does not resolve');
  }
  const RequestMetadata = { AwsPrincipalArn: 'arn:aws:iam::123456789012:user/Alice', KmsOperation: 'Encrypt', KmsRequestId: 'r-1' };
  return { keyId, caller: { ...found.caller, sourceIp: '127.0.0.1', userAgent: 'action-audit-test' }, base: { KeyStoreId: store.KeyStoreId, ExternalKeyId: keyId, RequestMetadata } };
}

async function xksCase(t: TestEngine, input: Record<string, unknown>): Promise<Case> {
  const x = await xksKey(t);
  return { input: { ...x.base, ...input }, keyId: x.keyId, caller: x.caller };
}

const userPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' }] });

const FIXTURES: { readonly [N in StrongroomActionName]: Fixture } = {
  CreateUser: { success: async () => ({ input: { UserName: 'carol' } }), failure: async () => ({ input: { UserName: 'bob' }, error: 'AlreadyExistsException' }) },
  CreateRole: { success: async () => ({ input: { RoleName: 'auditor' } }), failure: async () => ({ input: { RoleName: 'has space' }, error: 'ValidationException' }) },
  ListUsers: { success: async () => ({ input: {} }), failure: async () => ({ input: ['a request body that is not an object'], error: 'SerializationException' }) },
  ListRoles: { success: async () => ({ input: {} }), failure: async () => ({ input: ['a request body that is not an object'], error: 'SerializationException' }) },
  DeleteUser: { success: async () => ({ input: { UserName: 'bob' } }), failure: async () => ({ input: { UserName: 'nobody' }, error: 'NotFoundException' }) },
  DeleteRole: {
    success: async (t) => {
      t.kms.createPrincipal('role', 'ops');
      return { input: { RoleName: 'ops' } };
    },
    failure: async () => ({ input: { RoleName: 'nobody' }, error: 'NotFoundException' }),
  },
  PutUserPolicy: {
    success: async () => ({ input: { UserName: 'bob', PolicyName: 'p', PolicyDocument: userPolicy } }),
    failure: async () => ({ input: { UserName: 'bob', PolicyName: 'p', PolicyDocument: '{not json' }, error: 'MalformedPolicyDocumentException' }),
  },
  PutRolePolicy: {
    success: async (t) => {
      t.kms.createPrincipal('role', 'ops');
      return { input: { RoleName: 'ops', PolicyName: 'p', PolicyDocument: userPolicy } };
    },
    failure: async () => ({ input: { RoleName: 'nobody', PolicyName: 'p', PolicyDocument: userPolicy }, error: 'NotFoundException' }),
  },
  GetUserPolicy: {
    success: async (t) => {
      t.kms.putIdentityPolicy('user', 'bob', 'p', userPolicy);
      return { input: { UserName: 'bob', PolicyName: 'p' } };
    },
    failure: async () => ({ input: { UserName: 'bob', PolicyName: 'none' }, error: 'NotFoundException' }),
  },
  GetRolePolicy: {
    success: async (t) => {
      t.kms.createPrincipal('role', 'ops');
      t.kms.putIdentityPolicy('role', 'ops', 'p', userPolicy);
      return { input: { RoleName: 'ops', PolicyName: 'p' } };
    },
    failure: async () => ({ input: { RoleName: 'nobody', PolicyName: 'p' }, error: 'NotFoundException' }),
  },
  ListUserPolicies: { success: async () => ({ input: { UserName: 'bob' } }), failure: async () => ({ input: { UserName: 'nobody' }, error: 'NotFoundException' }) },
  ListRolePolicies: {
    success: async (t) => {
      t.kms.createPrincipal('role', 'ops');
      return { input: { RoleName: 'ops' } };
    },
    failure: async () => ({ input: { RoleName: 'nobody' }, error: 'NotFoundException' }),
  },
  DeleteUserPolicy: {
    success: async (t) => {
      t.kms.putIdentityPolicy('user', 'bob', 'p', userPolicy);
      return { input: { UserName: 'bob', PolicyName: 'p' } };
    },
    failure: async () => ({ input: { UserName: 'bob', PolicyName: 'none' }, error: 'NotFoundException' }),
  },
  DeleteRolePolicy: {
    success: async (t) => {
      t.kms.createPrincipal('role', 'ops');
      t.kms.putIdentityPolicy('role', 'ops', 'p', userPolicy);
      return { input: { RoleName: 'ops', PolicyName: 'p' } };
    },
    failure: async () => ({ input: { RoleName: 'nobody', PolicyName: 'p' }, error: 'NotFoundException' }),
  },
  CreateAccessKey: { success: async () => ({ input: { Principal: 'bob' } }), failure: async () => ({ input: { Principal: 'nobody' }, error: 'NotFoundException' }) },
  ListAccessKeys: { success: async () => ({ input: {} }), failure: async () => ({ input: ['a request body that is not an object'], error: 'SerializationException' }) },
  DeleteAccessKey: {
    success: async (t) => ({ input: { AccessKeyId: t.kms.createAccessKey('bob').AccessKeyId } }),
    failure: async () => ({ input: { AccessKeyId: 'AKIANOSUCHKEY0000000' }, error: 'NotFoundException' }),
  },
  AddCustodian: {
    success: async () => ({ input: { CustodianName: 'dan', PublicKeyPem: custodianPem() } }),
    failure: async () => ({ input: { CustodianName: 'dan', PublicKeyPem: 'not a key' }, error: 'ValidationException' }),
  },
  ListCustodians: { success: async () => ({ input: {} }), failure: async () => ({ input: ['a request body that is not an object'], error: 'SerializationException' }) },
  RemoveCustodian: {
    success: async () => ({ input: { CustodianName: 'bob' } }),
    failure: async () => ({ input: { CustodianName: 'nobody' }, error: 'NotFoundException' }),
  },
  GetQuorumRule: {
    success: async (t) => {
      const keyId = await guardedKey(t);
      return { input: { KeyId: keyId }, keyId };
    },
    failure: async (t) => {
      const keyId = await newKey(t);
      return { input: { KeyId: keyId, Extra: 1, Threshold: 'x' }, keyId, error: 'NONE' };
    },
  },
  SetQuorumRule: {
    success: async (t) => {
      const keyId = await newKey(t);
      return { input: { KeyId: keyId, Threshold: 1, Custodians: ['alice', 'bob'] }, keyId };
    },
    failure: async (t) => {
      const keyId = await newKey(t);
      return { input: { KeyId: keyId, Threshold: 1, Custodians: ['zed'] }, keyId, error: 'NotFoundException' };
    },
  },
  ClearQuorumRule: {
    // Clearing a rule needs custodians' signed approvals (quorum.test.ts proves that success);
    // here the owner's call on a key without a rule runs every step up to the handler.
    success: async (t) => {
      const keyId = await newKey(t);
      return { input: { KeyId: keyId }, keyId };
    },
    failure: async (t) => {
      const keyId = await guardedKey(t);
      return { input: { KeyId: keyId }, keyId, error: 'AccessDeniedException' };
    },
  },
  CreateApprovalRequest: {
    success: async (t) => {
      const keyId = await guardedKey(t);
      return { input: { Operation: 'DisableKey', Input: { KeyId: keyId } }, keyId };
    },
    failure: async (t) => {
      const keyId = await guardedKey(t);
      return { input: { Operation: 'DisableKey', Input: { KeyId: keyId }, ExpiresInMs: 30 * 24 * 3600 * 1000 }, keyId, error: 'ValidationException' };
    },
  },
  AdvanceClock: {
    success: async () => ({ input: { AdvanceByMs: 60_000 } }),
    failure: async () => ({ input: { AdvanceByMs: -1 }, error: 'ValidationException' }),
  },
  CreateXksKeyStore: { success: async () => ({ input: { UriPrefix: '/ks' } }), failure: async () => ({ input: { UriPrefix: 'no slash' }, error: 'ValidationException' }) },
  ListXksKeyStores: { success: async () => ({ input: {} }), failure: async () => ({ input: ['a request body that is not an object'], error: 'SerializationException' }) },
  DeleteXksKeyStore: {
    success: async (t) => ({ input: { KeyStoreId: t.kms.createXksKeyStore('/ks').KeyStoreId } }),
    failure: async () => ({ input: { KeyStoreId: '/nowhere' }, error: 'NotFoundException' }),
  },
  AddXksKey: {
    success: async (t) => {
      t.kms.createXksKeyStore('/ks');
      const keyId = await newKey(t);
      return { input: { KeyId: keyId }, keyId };
    },
    failure: async (t) => {
      t.kms.createXksKeyStore('/ks');
      const keyId = (await t.kms.invoke('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.KeyId;
      return { input: { KeyId: keyId }, keyId, error: 'UnsupportedOperationException' };
    },
  },
  RemoveXksKey: {
    success: async (t) => {
      const x = await xksKey(t);
      return { input: { KeyId: x.keyId }, keyId: x.keyId };
    },
    failure: async (t) => {
      t.kms.createXksKeyStore('/ks');
      const keyId = await newKey(t);
      return { input: { KeyId: keyId }, keyId, error: 'NotFoundException' };
    },
  },
  RotateXksCredentials: {
    success: async (t) => {
      t.kms.createXksKeyStore('/ks');
      return { input: {} };
    },
    failure: async (t) => {
      t.kms.createXksKeyStore('/ks');
      t.kms.rotateXksCredentials();
      return { input: {}, error: 'LimitExceededException' };
    },
  },
  RetireXksCredential: {
    success: async (t) => {
      t.kms.createXksKeyStore('/ks');
      return { input: { AccessKeyId: t.kms.rotateXksCredentials().AccessKeyId } };
    },
    failure: async (t) => ({ input: { AccessKeyId: t.kms.createXksKeyStore('/ks').AccessKeyId }, error: 'ValidationException' }),
  },
  XksGetKeyMetadata: {
    success: async (t) => xksCase(t, {}),
    failure: async (t) => {
      const c = await xksCase(t, {});
      const unexposed = await newKey(t);
      return { ...c, input: { ...(c.input as object), ExternalKeyId: unexposed }, keyId: unexposed, error: 'NotFoundException' };
    },
  },
  XksEncrypt: {
    success: async (t) => xksCase(t, { Plaintext: bytes('data key'), EncryptionAlgorithm: 'AES_GCM' }),
    failure: async (t) => ({ ...(await xksCase(t, { Plaintext: bytes('data key'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })), error: 'UnsupportedOperationException' }),
  },
  XksDecrypt: {
    success: async (t) => {
      const c = await xksCase(t, { Plaintext: bytes('data key'), EncryptionAlgorithm: 'AES_GCM' });
      const sealed = t.kms.act('XksEncrypt', c.input as never, { caller: c.caller as Caller });
      const input = { ...(c.input as Record<string, unknown>), Plaintext: undefined, Ciphertext: sealed.ciphertext, CiphertextMetadata: sealed.ciphertextMetadata, InitializationVector: sealed.initializationVector, AuthenticationTag: sealed.authenticationTag };
      return { ...c, input };
    },
    failure: async (t) => ({
      ...(await xksCase(t, { Ciphertext: bytes('x'), EncryptionAlgorithm: 'AES_GCM', InitializationVector: new Uint8Array(12), AuthenticationTag: new Uint8Array(16), CiphertextMetadata: Uint8Array.of(1, 0, 0, 0, 1) })),
      error: 'InvalidCiphertextException',
    }),
  },
  XksGetHealthStatus: {
    success: async (t) => {
      const c = await xksCase(t, {});
      const { KeyStoreId } = c.input as { KeyStoreId: string };
      return { input: { KeyStoreId, RequestMetadata: { KmsOperation: 'KmsHealthCheck', KmsRequestId: 'h-1' } }, caller: c.caller };
    },
    failure: async () => ({ input: { KeyStoreId: 'xks-0', RequestMetadata: {} }, error: 'AccessDeniedException' }),
  },
};

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine({ developer: true });
  t.kms.createPrincipal('user', 'bob');
  t.kms.addCustodian('alice', custodianPem());
  t.kms.addCustodian('bob', custodianPem());
});
afterEach(() => t.cleanup());

function recordsSince(seq: number): Array<{ eventName: string; resources: ReadonlyArray<string>; errorCode: string | null; readOnly: boolean; userArn: string }> {
  return t.kms.audit
    .list({ MaxResults: 1000 })
    .filter((r) => r.seq > seq)
    .map((r) => {
      const rec = r.record as unknown as { eventName: string; resources?: Array<{ ARN: string }>; errorCode?: string; readOnly: boolean; userIdentity: { arn: string } };
      return { eventName: rec.eventName, resources: (rec.resources ?? []).map((x) => x.ARN), errorCode: rec.errorCode ?? null, readOnly: rec.readOnly, userArn: rec.userIdentity.arn };
    });
}

function headSeq(): number {
  return t.kms.audit.list({ MaxResults: 1 })[0]?.seq ?? 0;
}

const names = Object.keys(strongroomActions) as Array<StrongroomActionName>;

describe('the action fixture table', () => {
  it('has a case for every Strongroom action', () => {
    expect(Object.keys(FIXTURES).sort()).toEqual([...names].sort());
  });
});

describe.each(names.map((n) => [n] as const))('%s', (name) => {
  const members = strongroomActions[name].input.members;
  const hasKey = 'KeyId' in members || 'ExternalKeyId' in members || name === 'CreateApprovalRequest';
  const as = (c: Case): { caller?: Caller } => (c.caller === undefined ? {} : { caller: c.caller });

  it('writes one record for a success, naming its key when it has one', async () => {
    const c = await FIXTURES[name].success(t);
    const before = headSeq();
    if (name === 'ClearQuorumRule') {
      // No rule on the key: refused as NotFound after resolution; the rule-clearing success is
      // proven with approvals in quorum.test.ts. Either way the one record names the key.
      await expect(Promise.resolve().then(() => t.kms.act(name, c.input as never))).rejects.toMatchObject({ name: 'NotFoundException' });
    } else {
      t.kms.act(name, c.input as never, as(c));
    }
    const rows = recordsSince(before);
    expect(rows.map((r) => r.eventName)).toEqual([name]);
    expect(rows[0]?.readOnly).toBe(strongroomActions[name].readOnly);
    expect(rows[0]?.resources).toEqual(hasKey ? [keyArnOf(c.keyId ?? '')] : []);
  });

  it('writes one record for a failure, naming its key when it has one', async () => {
    const c = await FIXTURES[name].failure(t);
    if (c.error === 'NONE') {
      // GetQuorumRule cannot fail once its key resolves (members it does not know are ignored): a
      // key that does not exist is its failure, and then there is no key to name.
      const before = headSeq();
      const missing = '00000000-0000-4000-8000-000000000000';
      const err = await kmsError(Promise.resolve().then(() => t.kms.act(name, { KeyId: missing } as never)));
      expect(err.name).toBe('NotFoundException');
      expect(recordsSince(before).map((r) => [r.eventName, r.errorCode, r.resources.length])).toEqual([[name, 'NotFoundException', 0]]);
      return;
    }
    const before = headSeq();
    const err = await kmsError(Promise.resolve().then(() => t.kms.act(name, c.input as never, as(c))));
    expect(err.name, err.message).toBe(c.error);
    const rows = recordsSince(before);
    expect(rows.map((r) => [r.eventName, r.errorCode])).toEqual([[name, c.error]]);
    // A schema refusal comes before the key is resolved; every other failure names it.
    expect(rows[0]?.resources).toEqual(hasKey && c.error !== 'SerializationException' ? [keyArnOf(c.keyId ?? '')] : []);
  });

  it('refuses a caller who is not the installation owner, with one record naming its key', async () => {
    const c = await FIXTURES[name].success(t);
    const caller = t.kms.callerFor('bob', 'action-audit-test');
    const before = headSeq();
    const err = await kmsError(Promise.resolve().then(() => t.kms.act(name, c.input as never, { caller })));
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toContain(`user/bob`);
    const rows = recordsSince(before);
    expect(rows.map((r) => [r.eventName, r.errorCode, r.userArn])).toEqual([[name, 'AccessDeniedException', `arn:aws:iam::${ACCOUNT}:user/bob`]]);
    expect(rows[0]?.resources).toEqual(hasKey ? [keyArnOf(c.keyId ?? '')] : []);
  });
});

describe('audit query --key-id', () => {
  it("finds a key's quorum-rule and approval-request records, and a refused rule change", async () => {
    const keyId = await newKey(t);
    t.kms.setQuorumRule(keyId, 1, ['alice']);
    t.kms.createApprovalRequest('DisableKey', { KeyId: keyId });
    await kmsError(Promise.resolve().then(() => t.kms.clearQuorumRule(keyId)));
    const events = t.kms.audit.query({ KeyId: keyId, MaxResults: 50 }).records.map((r) => `${r.record.eventName}${r.record.errorCode === undefined ? '' : `:${r.record.errorCode}`}`);
    expect(events).toEqual(expect.arrayContaining(['SetQuorumRule', 'CreateApprovalRequest', 'ClearQuorumRule:AccessDeniedException']));
    // Another key's query does not find them.
    const other = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    expect(t.kms.audit.query({ KeyId: other, MaxResults: 50 }).records.map((r) => r.record.eventName)).toEqual(['CreateKey']);
  });
});
