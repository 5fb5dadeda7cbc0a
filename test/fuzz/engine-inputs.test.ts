// Fuzzers for what callers hand the engine inside valid requests: ciphertext blobs, encryption
// contexts, key policies (issue 22, "Fuzzers per surface"). Each case: the call either succeeds
// with the right answer or fails with a KmsError carrying an AWS error name and a message; a
// refusal writes exactly its one audit record and changes nothing else stored; the next valid
// request succeeds.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kms } from '../../electron/kms/engine.ts';
import { FUZZ_TIMEOUT_MS, FuzzTally, fuzzEngine, fuzzParameters, refusedCleanly, StateProbe } from './support.ts';

/** Cases per surface in `npm test` (npm run fuzz: STRONGROOM_FUZZ_RUNS). */
const RUNS = 200;
let kms: Kms;
let probe: StateProbe;
let keyId: string;
let otherKey: string;
const PLAINTEXT = new TextEncoder().encode('fuzzed, never lost');
const isPlaintext = (bytes: Uint8Array): boolean => Buffer.from(bytes).equals(Buffer.from(PLAINTEXT));

beforeAll(async () => {
  const engine = await fuzzEngine('strongroom-fuzz-engine-');
  kms = engine.kms;
  keyId = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
  otherKey = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
  probe = new StateProbe(engine.dir);
});
afterAll(() => probe.close());

const validDecryptWorks = async (blob: Uint8Array): Promise<void> => {
  expect(isPlaintext((await kms.invoke('Decrypt', { CiphertextBlob: blob })).Plaintext)).toBe(true);
};

describe('ciphertext blobs', () => {
  const tally = new FuzzTally('ciphertext-blobs');
  afterAll(() => tally.write());

  type Mutation =
    | { kind: 'flip'; at: number; bit: number }
    | { kind: 'truncate'; at: number }
    | { kind: 'append'; bytes: Uint8Array }
    | { kind: 'overwrite'; at: number; bytes: Uint8Array }
    | { kind: 'random'; bytes: Uint8Array }
    | { kind: 'splice'; at: number };
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
    fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 6200 }) }),
    fc.record({ kind: fc.constant('splice' as const), at: fc.nat() }),
  );

  function mutate(blob: Uint8Array, other: Uint8Array, m: Mutation): Uint8Array {
    const out = Uint8Array.from(blob);
    switch (m.kind) {
      case 'flip':
        out[m.at % out.length] = (out[m.at % out.length] as number) ^ (1 << m.bit);
        return out;
      case 'truncate':
        return out.subarray(0, m.at % out.length);
      case 'append':
        return Uint8Array.from([...out, ...m.bytes]);
      case 'overwrite':
        out.set(m.bytes.subarray(0, Math.max(0, out.length - (m.at % out.length))), m.at % out.length);
        return out;
      case 'random':
        return m.bytes;
      case 'splice':
        // The first part of one blob, the rest of another (another key's: a different header).
        return Uint8Array.from([...blob.subarray(0, m.at % blob.length), ...other.subarray(m.at % blob.length)]);
    }
  }

  it(
    'a mutated blob is refused with an AWS error and changes nothing, or decrypts to the original',
    async () => {
      const blob = (await kms.invoke('Encrypt', { KeyId: keyId, Plaintext: PLAINTEXT })).CiphertextBlob;
      const other = (await kms.invoke('Encrypt', { KeyId: otherKey, Plaintext: PLAINTEXT })).CiphertextBlob;
      await fc.assert(
        fc.asyncProperty(mutation, fc.boolean(), async (m, withKeyId) => {
          const mutated = mutate(blob, other, m);
          const out = await refusedCleanly(tally, probe, () => kms.invoke('Decrypt', { CiphertextBlob: mutated, ...(withKeyId ? { KeyId: keyId } : {}) }));
          if (out !== null) {
            // Accepted only when the mutation changed nothing the blob authenticates.
            expect(isPlaintext(out.Plaintext)).toBe(true);
          }
          await validDecryptWorks(blob);
        }),
        fuzzParameters(RUNS),
      );
      expect(tally.crashes + tally.stateChanges).toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});

describe('encryption contexts', () => {
  const tally = new FuzzTally('encryption-contexts');
  afterAll(() => tally.write());
  // Any text: lone surrogates and control characters included (finding 12).
  const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ maxLength: 3000 }));
  const context = fc.oneof(fc.dictionary(anyText, anyText, { maxKeys: 6 }), fc.constant({}));

  it(
    'a context is refused with an AWS error and changes nothing, or binds the blob to exactly that context',
    async () => {
      await fc.assert(
        fc.asyncProperty(context, anyText, async (ctx, extra) => {
          const out = await refusedCleanly(tally, probe, () => kms.invoke('Encrypt', { KeyId: keyId, Plaintext: PLAINTEXT, EncryptionContext: ctx }));
          if (out === null) {
            return;
          }
          const back = await kms.invoke('Decrypt', { CiphertextBlob: out.CiphertextBlob, EncryptionContext: ctx });
          expect(isPlaintext(back.Plaintext)).toBe(true);
          // Another context (one more pair, or one pair fewer) does not decrypt it.
          const changed: Record<string, string> = Object.keys(ctx).length > 0 ? Object.fromEntries(Object.entries(ctx).slice(1)) : { [`k${extra}`]: extra };
          const wrong = await refusedCleanly(tally, probe, () => kms.invoke('Decrypt', { CiphertextBlob: out.CiphertextBlob, EncryptionContext: changed }));
          expect(wrong).toBeNull();
        }),
        fuzzParameters(RUNS),
      );
      expect(tally.crashes + tally.stateChanges).toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});

describe('key policies', () => {
  const tally = new FuzzTally('key-policies');
  afterAll(() => tally.write());
  const ACCOUNT = '111122223333';
  const principal = fc.oneof(
    fc.constant('*'),
    fc.constantFrom({ AWS: `arn:aws:iam::${ACCOUNT}:root` }, { AWS: ACCOUNT }, { AWS: '*' }, { AWS: [`arn:aws:iam::${ACCOUNT}:root`, `arn:aws:iam::${ACCOUNT}:user/nobody`] }, { Service: 'kms.amazonaws.com' }),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const action = fc.oneof(fc.constantFrom('kms:*', 'kms:Encrypt', 'kms:PutKeyPolicy', '*', 'kms:Decrypt*', ['kms:Encrypt', 'kms:Decrypt'], 'iam:*', ''), fc.jsonValue({ maxDepth: 1 }));
  const condition = fc.oneof(
    fc.constant(undefined),
    fc.record({ StringEquals: fc.dictionary(fc.constantFrom('kms:CallerAccount', 'kms:EncryptionContext:dept', 'aws:PrincipalArn', 'kms:ViaService'), fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }))) }),
    fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
  );
  const statement = fc.record(
    {
      Sid: fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 1 })),
      Effect: fc.oneof(fc.constantFrom('Allow', 'Deny'), fc.string({ maxLength: 8 })),
      Principal: principal,
      NotPrincipal: principal,
      Action: action,
      NotAction: action,
      Resource: fc.oneof(fc.constant('*'), fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 1 })),
      Condition: condition,
    },
    { requiredKeys: [] },
  );
  const ownerStatement = { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };
  const policy = fc.oneof(
    // Well-formed around the owner's statement, so some are accepted and stored.
    fc.array(statement, { maxLength: 3 }).map((more) => JSON.stringify({ Version: '2012-10-17', Statement: [ownerStatement, ...more] })),
    fc.record({ Version: fc.oneof(fc.constantFrom('2012-10-17', '2008-10-17'), fc.string({ maxLength: 12 })), Statement: fc.oneof(fc.array(statement, { maxLength: 4 }), statement) }, { requiredKeys: [] }).map((p) => JSON.stringify(p)),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );
  const DEFAULT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] });

  it(
    'a policy is refused with an AWS error and changes nothing, or is stored as given and can be replaced again',
    async () => {
      await fc.assert(
        fc.asyncProperty(policy, fc.boolean(), async (text, bypass) => {
          const out = await refusedCleanly(tally, probe, () => kms.invoke('PutKeyPolicy', { KeyId: keyId, PolicyName: 'default', Policy: text, ...(bypass ? { BypassPolicyLockoutSafetyCheck: false } : {}) }));
          if (out !== null) {
            expect((await kms.invoke('GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' })).Policy).toBe(text);
          }
          // The lockout safety check's promise: the owner can always put a policy back.
          await kms.invoke('PutKeyPolicy', { KeyId: keyId, PolicyName: 'default', Policy: DEFAULT });
        }),
        fuzzParameters(RUNS),
      );
      expect(tally.crashes + tally.stateChanges).toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});
