// Quorum approval (issue 11, D25): a key marked M-of-N needs M custodian approvals — Ed25519
// signatures over the exact request — for ScheduleKeyDeletion, PutKeyPolicy, DisableKey (and
// ExportKeyMaterial by name), and to change or clear its rule. Replays, expired approvals,
// approvals for another input and non-custodian keys are refused, and all of it is audited.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultKeyPolicy } from '../../shared/api/key-policy.ts';
import { isOperationName, type OperationName } from '../../shared/api/operations.ts';
import { QUORUM_GUARDED } from '../../electron/kms/quorum/quorum.ts';
import { DAY_MS } from '../../electron/kms/clock.ts';
import {
  describeRequest,
  generateCustodianKey,
  parsePrivateKey,
  signRequest,
  type Approval,
  type ApprovalRequest,
} from '../../electron/kms/quorum/approval.ts';
import { startTestEndpoint } from '../support/endpoint.ts';
import { kmsError, newEngine, type TestEngine } from '../support/engine.ts';
import { rawRequest } from '../support/signed-fetch.ts';

type Custodian = { name: string; privatePem: string; publicPem: string };

let t: TestEngine;
let alice: Custodian;
let bob: Custodian;
let carol: Custodian;
let keyId: string;
let arn: string;

function custodian(name: string): Custodian {
  const k = generateCustodianKey();
  return { name, privatePem: k.privatePem, publicPem: k.publicPem };
}

function approve(c: Custodian, request: ApprovalRequest): Approval {
  return signRequest(request, parsePrivateKey(c.privatePem));
}

beforeEach(async () => {
  t = await newEngine();
  alice = custodian('alice');
  bob = custodian('bob');
  carol = custodian('carol');
  for (const c of [alice, bob, carol]) {
    t.kms.addCustodian(c.name, c.publicPem);
  }
  const created = await t.kms.invoke('CreateKey', { Description: 'guarded' });
  keyId = created.KeyMetadata.KeyId;
  arn = created.KeyMetadata.Arn;
  t.kms.setQuorumRule(keyId, 2, ['alice', 'bob', 'carol']);
});
afterEach(() => t.cleanup());

describe('ScheduleKeyDeletion on a marked key', () => {
  it('is refused with 1 of 2 required approvals, naming who approved; proceeds with 2 and audits the approvers', async () => {
    const request = t.kms.createApprovalRequest('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    expect(request.input).toEqual({ KeyId: arn, PendingWindowInDays: 7 });
    expect(request.installationId).toBe(t.kms.installation.installationId);

    const none = await kmsError(t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }));
    expect(none.name).toBe('AccessDeniedException');
    expect(none.message).toContain(`ScheduleKeyDeletion on key ${arn} needs 2 of 3 custodian approvals (alice, bob, carol); no approvals were given.`);

    const one = await kmsError(t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, { approvals: [approve(alice, request)] }));
    expect(one.name).toBe('AccessDeniedException');
    expect(one.message).toBe(`ScheduleKeyDeletion on key ${arn} needs 2 of 3 custodian approvals (alice, bob, carol); 1 valid approval given (alice).`);
    expect((await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('Enabled');

    const out = await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, { approvals: [approve(alice, request), approve(bob, request)] });
    expect(out.KeyState).toBe('PendingDeletion');
    expect(out.PendingWindowInDays).toBe(7);

    const records = t.kms.audit.list({ EventName: 'ScheduleKeyDeletion' }).map((r) => r.record);
    const ok = records.find((r) => r.errorCode === undefined);
    expect(ok?.additionalEventData).toEqual({ quorum: { threshold: 2, custodians: ['alice', 'bob', 'carol'], approvedBy: ['alice', 'bob'] } });
    const refused = records.filter((r) => r.errorCode === 'AccessDeniedException');
    expect(refused).toHaveLength(2);
    expect(refused.some((r) => JSON.stringify(r.additionalEventData).includes('"approvedBy":["alice"]'))).toBe(true);
    expect(t.kms.audit.verify().ok).toBe(true);
  });

  it('refuses a replayed approval: the same request used again on a second identical call', async () => {
    const request = t.kms.createApprovalRequest('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    const approvals = [approve(alice, request), approve(bob, request)];
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, { approvals });
    await t.kms.invoke('CancelKeyDeletion', { KeyId: keyId });
    const replay = await kmsError(t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, { approvals }));
    expect(replay.name).toBe('AccessDeniedException');
    expect(replay.message).toContain('0 valid approvals given.');
    expect(replay.message).toContain(`alice's approval was already used: its request (nonce ${request.nonce}) authorized a ScheduleKeyDeletion`);
    expect(replay.message).toContain("bob's approval was already used");
    // Across a reopen too: consumed nonces are stored.
    const kms = await t.reopen();
    expect((await kmsError(kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, { approvals }))).message).toContain('already used');
    expect((await kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('Disabled');
  });

  it('consumes nothing when the call fails after the quorum check (state check)', async () => {
    const first = t.kms.createApprovalRequest('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, { approvals: [approve(alice, first), approve(carol, first)] });
    const second = t.kms.createApprovalRequest('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    const approvals = [approve(alice, second), approve(bob, second)];
    // Already pending deletion: the state check refuses after the approvals were accepted.
    expect((await kmsError(t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, { approvals }))).name).toBe('KMSInvalidStateException');
    await t.kms.invoke('CancelKeyDeletion', { KeyId: keyId });
    expect((await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, { approvals })).KeyState).toBe('PendingDeletion');
  });

  it('refuses an expired approval (the engine clock moved past its expiry)', async () => {
    const request = t.kms.createApprovalRequest('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, 60 * 60 * 1000);
    const approvals = [approve(alice, request), approve(bob, request)];
    t.clock.advance(60 * 60 * 1000);
    const err = await kmsError(t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, { approvals }));
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toContain(`alice's approval expired at ${request.expiresAt}.`);
    expect(err.message).toContain(`bob's approval expired at ${request.expiresAt}.`);
  });

  it('refuses a hand-made request that lives longer than 7 days, and makes none', async () => {
    const request = t.kms.createApprovalRequest('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    const long: ApprovalRequest = { ...request, expiresAt: new Date(Date.parse(request.createdAt) + 8 * DAY_MS).toISOString() };
    const err = await kmsError(t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, { approvals: [approve(alice, long), approve(bob, long)] }));
    expect(err.message).toContain("alice's approval is for a request that lives longer than 7 days");
    expect(() => t.kms.createApprovalRequest('DisableKey', { KeyId: keyId }, 8 * DAY_MS)).toThrow(/up to 7 days/);
  });

  it('refuses an approval for a different input (another pending window), naming the difference', async () => {
    const seven = t.kms.createApprovalRequest('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    const ten = t.kms.createApprovalRequest('ScheduleKeyDeletion', { KeyId: arn, PendingWindowInDays: 10 });
    const err = await kmsError(t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 10 }, { approvals: [approve(alice, ten), approve(bob, seven)] }));
    expect(err.message).toBe(
      `ScheduleKeyDeletion on key ${arn} needs 2 of 3 custodian approvals (alice, bob, carol); 1 valid approval given (alice). bob's approval is for a different request: PendingWindowInDays is 7 in the approval but 10 in this call.`,
    );
    // The default window is not the same request as an explicit 30.
    const dflt = t.kms.createApprovalRequest('ScheduleKeyDeletion', { KeyId: keyId });
    const explicit = await kmsError(t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 30 }, { approvals: [approve(alice, dflt), approve(bob, dflt)] }));
    expect(explicit.message).toContain('PendingWindowInDays is absent in the approval but 30 in this call');
    // Another operation on the same key.
    const disable = t.kms.createApprovalRequest('DisableKey', { KeyId: keyId });
    const other = await kmsError(t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId }, { approvals: [approve(alice, disable), approve(bob, disable)] }));
    expect(other.message).toContain("alice's approval is for a different request: it approves DisableKey, not ScheduleKeyDeletion.");
  });

  it('refuses an approval by a key that is not a custodian, a custodian outside the rule, a tampered request and a double vote', async () => {
    const request = t.kms.createApprovalRequest('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    const mallory = custodian('mallory');
    const dave = custodian('dave');
    t.kms.addCustodian('dave', dave.publicPem);
    const tampered: Approval = { ...approve(carol, request), request: { ...request, input: { ...request.input, PendingWindowInDays: 8 } } };
    const err = await kmsError(
      t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, { approvals: [approve(alice, request), approve(alice, request), approve(mallory, request), approve(dave, request), tampered, { hello: 1 }] }),
    );
    expect(err.name).toBe('AccessDeniedException');
    expect(err.message).toContain('1 valid approval given (alice).');
    expect(err.message).toContain('alice approved more than once; each custodian counts once.');
    expect(err.message).toMatch(/approval 3 is signed by a key that is not a registered custodian's \(SHA256:[A-Za-z0-9+/]{43}\)\./);
    expect(err.message).toContain("dave is a custodian but not one of this key's rule.");
    expect(err.message).toContain("carol's approval has an invalid signature");
    expect(err.message).toContain('approval 6 is unreadable');
  });

  it('refuses an approval made on another installation', async () => {
    const other = await newEngine();
    try {
      other.kms.addCustodian('alice', alice.publicPem);
      other.kms.addCustodian('bob', bob.publicPem);
      // Another installation cannot resolve this key, so make the request by hand with its id.
      const theirs = other.kms.createApprovalRequest('ScheduleKeyDeletion', { KeyId: (await other.kms.invoke('CreateKey', {})).KeyMetadata.KeyId, PendingWindowInDays: 7 });
      const forged: ApprovalRequest = { ...theirs, input: { KeyId: arn, PendingWindowInDays: 7 } };
      const err = await kmsError(t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, { approvals: [approve(alice, forged), approve(bob, forged)] }));
      expect(err.message).toContain(`alice's approval is for a different request: it names installation ${other.kms.installation.installationId}, this is ${t.kms.installation.installationId}`);
    } finally {
      other.cleanup();
    }
  });

  it('runs the policy check before the quorum check, and the state check after it', async () => {
    t.kms.createPrincipal('user', 'intruder');
    const caller = t.kms.callerFor('intruder', 'test');
    const denied = await kmsError(t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId }, { caller }));
    expect(denied.message).toContain('is not authorized to perform: kms:ScheduleKeyDeletion');
    expect(denied.message).not.toContain('custodian');
    // Pending deletion already, no approvals: the quorum refusal comes first.
    const request = t.kms.createApprovalRequest('ScheduleKeyDeletion', { KeyId: keyId });
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId }, { approvals: [approve(alice, request), approve(bob, request)] });
    expect((await kmsError(t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId }))).message).toContain('needs 2 of 3 custodian approvals');
  });
});

describe('the other guarded operations', () => {
  it('guards PutKeyPolicy: the exact policy text is approved', async () => {
    const policy = defaultKeyPolicy('111122223333').replace('key-default-1', 'key-quorum-1');
    expect((await kmsError(t.kms.invoke('PutKeyPolicy', { KeyId: keyId, Policy: policy }))).message).toContain(`PutKeyPolicy on key ${arn} needs 2 of 3`);
    const request = t.kms.createApprovalRequest('PutKeyPolicy', { KeyId: keyId, Policy: policy });
    const approvals = [approve(bob, request), approve(carol, request)];
    const changed = await kmsError(t.kms.invoke('PutKeyPolicy', { KeyId: keyId, Policy: `${policy} ` }, { approvals }));
    expect(changed.message).toContain("bob's approval is for a different request: Policy is");
    await t.kms.invoke('PutKeyPolicy', { KeyId: keyId, Policy: policy }, { approvals });
    expect((await t.kms.invoke('GetKeyPolicy', { KeyId: keyId })).Policy).toBe(policy);
  });

  it('guards DisableKey but not EnableKey, encryption or CancelKeyDeletion', async () => {
    expect((await kmsError(t.kms.invoke('DisableKey', { KeyId: keyId }))).message).toContain(`DisableKey on key ${arn} needs 2 of 3`);
    const request = t.kms.createApprovalRequest('DisableKey', { KeyId: keyId });
    await t.kms.invoke('DisableKey', { KeyId: keyId }, { approvals: [approve(alice, request), approve(carol, request)] });
    expect((await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('Disabled');
    await t.kms.invoke('EnableKey', { KeyId: keyId });
    await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: new Uint8Array([1]) });
  });

  it('leaves keys without a rule alone, and refuses requests for operations it does not guard', async () => {
    const free = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    await t.kms.invoke('DisableKey', { KeyId: free });
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: free, PendingWindowInDays: 7 });
    const err = (() => {
      try {
        t.kms.createApprovalRequest('Encrypt', { KeyId: keyId });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err?.message).toContain('Encrypt is not an operation a quorum rule guards');
  });
});

describe('every guarded operation the table has', () => {
  const wrappingPublicKey = new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' }));
  const exportPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
      { Sid: 'Export', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'strongroom:ExportKeyMaterial', Resource: '*' },
    ],
  });
  // A minimal valid input per guarded operation. When ExportKeyMaterial (guarded by name) is
  // merged into the operation table, this test fails until it has an entry here — so its guard
  // is tested, not assumed.
  const inputs: Partial<Record<OperationName, (id: string) => Record<string, unknown>>> = {
    ScheduleKeyDeletion: (id) => ({ KeyId: id }),
    // The export statement stays, so ExportKeyMaterial (after PutKeyPolicy) is still allowed by policy.
    PutKeyPolicy: (id) => ({ KeyId: id, Policy: exportPolicy }),
    DisableKey: (id) => ({ KeyId: id }),
    ExportKeyMaterial: (id) => ({ KeyId: id, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: wrappingPublicKey }),
  };

  it('is refused on a marked key without approvals and runs with them', async () => {
    // Export needs a key created exportable and a policy that allows it, so this test's key is one.
    const exportable = await t.kms.invoke('CreateKey', { Description: 'guarded, exportable', XStrongroomExportable: true, Policy: exportPolicy });
    const keyId = exportable.KeyMetadata.KeyId;
    const arn = exportable.KeyMetadata.Arn;
    t.kms.setQuorumRule(keyId, 2, ['alice', 'bob', 'carol']);
    const present = [...QUORUM_GUARDED].filter((n): n is OperationName => isOperationName(n));
    expect(present.filter((n) => inputs[n] === undefined), 'guarded operations without a test input').toEqual([]);
    for (const name of present) {
      const input = (inputs[name] as (id: string) => Record<string, unknown>)(keyId);
      const err = await kmsError(t.kms.invoke(name, input));
      expect(err.message, name).toContain(`${name} on key ${arn} needs 2 of 3 custodian approvals`);
      const request = t.kms.createApprovalRequest(name, input);
      await t.kms.invoke(name, input, { approvals: [approve(carol, request), approve(bob, request)] });
      if (name === 'ScheduleKeyDeletion') {
        await t.kms.invoke('CancelKeyDeletion', { KeyId: keyId });
      }
      await t.kms.invoke('EnableKey', { KeyId: keyId });
    }
  });
});

describe('the rule itself', () => {
  it('needs approvals (under the current rule) to change or clear it; the first set needs none', async () => {
    expect(t.kms.getQuorumRule(keyId)).toMatchObject({ threshold: 2, custodians: ['alice', 'bob', 'carol'], keyArn: arn });
    const refused = (() => {
      try {
        t.kms.setQuorumRule(keyId, 1, ['alice']);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(refused?.name).toBe('AccessDeniedException');
    expect(refused?.message).toContain(`SetQuorumRule on key ${arn} needs 2 of 3 custodian approvals`);
    expect(() => t.kms.clearQuorumRule(keyId)).toThrow(/ClearQuorumRule on key .* needs 2 of 3/);

    const change = t.kms.createApprovalRequest('SetQuorumRule', { KeyId: keyId, Threshold: 1, Custodians: ['bob', 'alice'] });
    expect(change.input).toEqual({ KeyId: arn, Threshold: 1, Custodians: ['alice', 'bob'] });
    // An approval for a threshold of 1 does not approve a threshold of 2.
    expect(() => t.kms.setQuorumRule(keyId, 2, ['alice', 'bob'], [approve(alice, change), approve(bob, change)])).toThrow(/Threshold is 1 in the approval but 2 in this call/);
    t.kms.setQuorumRule(keyId, 1, ['alice', 'bob'], [approve(alice, change), approve(carol, change)]);
    expect(t.kms.getQuorumRule(keyId)).toMatchObject({ threshold: 1, custodians: ['alice', 'bob'] });

    // carol is no longer named: she may be removed; alice may not.
    t.kms.removeCustodian('carol');
    expect(() => t.kms.removeCustodian('alice')).toThrow(/named in the quorum rule of key/);

    const clear = t.kms.createApprovalRequest('ClearQuorumRule', { KeyId: keyId });
    t.kms.clearQuorumRule(keyId, [approve(bob, clear)]);
    expect(t.kms.getQuorumRule(keyId)).toBeNull();
    await t.kms.invoke('DisableKey', { KeyId: keyId });

    const events = t.kms.audit.list({}).map((r) => r.record).filter((r) => /QuorumRule|Custodian/.test(r.eventName));
    expect(events.map((r) => `${r.eventName}${r.errorCode === undefined ? '' : `:${r.errorCode}`}`)).toEqual(
      expect.arrayContaining(['AddCustodian', 'SetQuorumRule', 'SetQuorumRule:AccessDeniedException', 'ClearQuorumRule:AccessDeniedException', 'RemoveCustodian', 'RemoveCustodian:ConflictException', 'ClearQuorumRule']),
    );
    const cleared = events.find((r) => r.eventName === 'ClearQuorumRule' && r.errorCode === undefined);
    expect(cleared?.additionalEventData).toEqual({ quorum: { threshold: 1, custodians: ['alice', 'bob'], approvedBy: ['bob'] } });
    const added = events.find((r) => r.eventName === 'AddCustodian');
    expect(JSON.stringify(added?.responseElements)).toMatch(/"fingerprint":"SHA256:/);
    expect(t.kms.audit.verify().ok).toBe(true);
  });

  it('validates rules: known custodians, each once, 1 ≤ M ≤ N', async () => {
    const other = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    expect(() => t.kms.setQuorumRule(other, 0, ['alice'])).toThrow(/threshold must be a whole number from 1 to 1/);
    expect(() => t.kms.setQuorumRule(other, 3, ['alice', 'bob'])).toThrow(/from 1 to 2/);
    expect(() => t.kms.setQuorumRule(other, 1, ['alice', 'zed'])).toThrow(/Not custodians of this installation: zed/);
    expect(() => t.kms.setQuorumRule(other, 1, ['alice', 'alice'])).toThrow(/names someone twice/);
    expect(() => t.kms.setQuorumRule('alias/none', 1, ['alice'])).toThrow(expect.objectContaining({ name: 'NotFoundException', message: expect.stringMatching(/alias\/none/) }));
    expect(t.kms.getQuorumRule(other)).toBeNull();
  });

  it('disappears with the key when the key is deleted', async () => {
    const request = t.kms.createApprovalRequest('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, { approvals: [approve(alice, request), approve(bob, request)] });
    t.clock.advance(7 * DAY_MS);
    t.kms.purgeDueDeletions();
    expect(t.kms.listCustodians().every((c) => c.keys.length === 0)).toBe(true);
    t.kms.removeCustodian('alice');
  });
});

describe('what a custodian is shown', () => {
  it('describes the request in plain words, with terminal escapes and bidi overrides made visible', () => {
    const policy = `{"Statement":[]}\u001b[2K\u001b[1A\u202etext\u009b`;
    // The key policy schema refuses most of these, but a request file can be written by hand.
    const made = t.kms.createApprovalRequest('PutKeyPolicy', { KeyId: keyId, Policy: '{"Statement":[]}', BypassPolicyLockoutSafetyCheck: true });
    const request: ApprovalRequest = { ...made, input: { ...made.input, Policy: policy } };
    const shown = describeRequest(request);
    expect(shown).toContain(`You are approving ONE PutKeyPolicy call, to REPLACE the key policy of key ${arn} with the policy below, bypassing the lockout safety check.`);
    expect(shown).toContain(`Installation ${t.kms.installation.installationId} (account 111122223333, region local-1).`);
    expect(shown).toContain('\\u{1b}[2K\\u{1b}[1A\\u{202e}text');
    expect([...shown].filter((ch) => ['\u001b', '\u202e', '\u009b'].includes(ch))).toEqual([]);
    expect(shown).toContain(`expires ${request.expiresAt}. It can be used once (nonce ${request.nonce}).`);
  });
});

describe('custodians', () => {
  it('accepts Ed25519 keys made by openssl, and refuses other key types and duplicates', async () => {
    const dir = t.dir;
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(dir, 'dan.key')]);
    execFileSync('openssl', ['pkey', '-in', join(dir, 'dan.key'), '-pubout', '-out', join(dir, 'dan.pub.pem')]);
    const dan = { name: 'dan', privatePem: readFileSync(join(dir, 'dan.key'), 'utf8'), publicPem: readFileSync(join(dir, 'dan.pub.pem'), 'utf8') };
    t.kms.addCustodian('dan', dan.publicPem);
    const request = t.kms.createApprovalRequest('SetQuorumRule', { KeyId: keyId, Threshold: 2, Custodians: ['alice', 'dan'] });
    t.kms.setQuorumRule(keyId, 2, ['alice', 'dan'], [approve(alice, request), approve(bob, request)]);
    const disable = t.kms.createApprovalRequest('DisableKey', { KeyId: keyId });
    await t.kms.invoke('DisableKey', { KeyId: keyId }, { approvals: [approve(dan, disable), approve(alice, disable)] });

    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(dir, 'ec.key')]);
    const ecPub = execFileSync('openssl', ['pkey', '-in', join(dir, 'ec.key'), '-pubout'], { encoding: 'utf8' });
    expect(() => t.kms.addCustodian('erin', ecPub)).toThrow(/is a ec key; custodian keys are Ed25519/);
    expect(() => t.kms.addCustodian('erin', alice.publicPem)).toThrow(/already custodian 'alice'/);
    expect(() => t.kms.addCustodian('alice', custodian('x').publicPem)).toThrow(/already exists/);
    expect(() => t.kms.addCustodian('bad name', custodian('x').publicPem)).toThrow(/not a valid custodian name/);
  });
});

describe('over the AWS-compatible endpoint', () => {
  it('refuses a guarded call on a marked key (approvals cannot travel there, not even as an extra body member)', async () => {
    const ep = await startTestEndpoint();
    try {
      const c = custodian('alice');
      ep.kms.addCustodian('alice', c.publicPem);
      const id = (await ep.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
      ep.kms.setQuorumRule(id, 1, ['alice']);
      const request = ep.kms.createApprovalRequest('DisableKey', { KeyId: id });
      const r = await rawRequest(ep, { target: 'TrentService.DisableKey', body: JSON.stringify({ KeyId: id, XStrongroomApprovals: [approve(c, request)] }) });
      expect(r.status).toBe(400);
      expect(r.json()).toMatchObject({ __type: 'AccessDeniedException' });
      expect(String(r.json().message)).toContain('needs 1 of 1 custodian approvals (alice); no approvals were given');
      expect(String(r.json().message)).toContain('the AWS-compatible endpoint and the app cannot carry approvals');
      // The same approval works through the engine API the CLI uses.
      await ep.kms.invoke('DisableKey', { KeyId: id }, { approvals: [approve(c, request)] });
      const other = (await ep.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
      expect((await rawRequest(ep, { target: 'TrentService.DisableKey', body: JSON.stringify({ KeyId: other }) })).status).toBe(200);
    } finally {
      await ep.close();
    }
  });
});

