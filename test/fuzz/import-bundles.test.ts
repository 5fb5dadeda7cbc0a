// A fuzzer for import bundles (issue 22, "import bundles"): what ImportKeyMaterial takes for a key
// pending import — EncryptedKeyMaterial, ImportToken, ValidTo and ExpirationModel — each valid,
// mutated (bits flipped, cut short, extended, another key's token, the material wrapped with the
// wrong hash or of the wrong length, other material), or any value at all. Each case: refused with
// an AWS-named KmsError and a message, one audit record and nothing else stored changed, the key
// still PendingImport; or accepted only when it is the valid bundle (the key then encrypts and
// decrypts, and is put back to PendingImport). After every case the valid bundle imports.
import fc from 'fast-check';
import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kms } from '../../electron/kms/engine.ts';
import { FUZZ_TIMEOUT_MS, FuzzTally, fuzzEngine, fuzzParameters, refusedCleanly, StateProbe } from './support.ts';

/** Cases in `npm test` (npm run fuzz: STRONGROOM_FUZZ_RUNS). */
const RUNS = 200;
const MATERIAL = Buffer.alloc(32, 0x5c);
const PLAINTEXT = Buffer.from('imported, then used');
const DAY_MS = 86_400_000;

let kms: Kms;
let probe: StateProbe;
let keyId: string;
let now: number;
let token: Uint8Array;
let otherToken: Uint8Array;
let wrap: (material: Uint8Array, hash?: 'sha256' | 'sha1') => Uint8Array;
let wrapped: Uint8Array;

const keyState = async (): Promise<string | undefined> => (await kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState;

/** The valid bundle: imported, used, deleted again (the key is back to PendingImport). */
async function validImportWorks(): Promise<void> {
  await kms.invoke('ImportKeyMaterial', { KeyId: keyId, ImportToken: token, EncryptedKeyMaterial: wrapped, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
  await usableThenPending();
}

async function usableThenPending(): Promise<void> {
  expect(await keyState()).toBe('Enabled');
  const blob = (await kms.invoke('Encrypt', { KeyId: keyId, Plaintext: PLAINTEXT })).CiphertextBlob;
  expect(Buffer.from((await kms.invoke('Decrypt', { CiphertextBlob: blob })).Plaintext).equals(PLAINTEXT)).toBe(true);
  await kms.invoke('DeleteImportedKeyMaterial', { KeyId: keyId });
  expect(await keyState()).toBe('PendingImport');
}

beforeAll(async () => {
  const engine = await fuzzEngine('strongroom-fuzz-import-');
  kms = engine.kms;
  keyId = (await kms.invoke('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
  const other = (await kms.invoke('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
  const params = await kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
  otherToken = (await kms.invoke('GetParametersForImport', { KeyId: other, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' })).ImportToken;
  token = params.ImportToken;
  const publicKey = createPublicKey({ key: Buffer.from(params.PublicKey), format: 'der', type: 'spki' });
  wrap = (material, hash = 'sha256') => publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, material);
  wrapped = wrap(MATERIAL);
  // Imported once and deleted: from here on only these bytes are this key's material.
  await validImportWorks();
  now = Date.now();
  probe = new StateProbe(engine.dir);
});
afterAll(() => probe.close());

describe('import bundles', () => {
  const tally = new FuzzTally('import-bundles');
  afterAll(() => tally.write());

  type Bytes = Uint8Array;
  type BytesEdit =
    | { kind: 'same' }
    | { kind: 'flip'; at: number; bit: number }
    | { kind: 'cut'; at: number }
    | { kind: 'extend'; bytes: Bytes }
    | { kind: 'random'; bytes: Bytes }
    | { kind: 'value'; value: unknown };
  const bytesEdit: fc.Arbitrary<BytesEdit> = fc.oneof(
    { weight: 6, arbitrary: fc.constant({ kind: 'same' as const }) },
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
    fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 600 }) }),
    fc.record({ kind: fc.constant('value' as const), value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom<unknown>(undefined, null, '', NaN, [], {})) }),
  );
  function edit(bytes: Bytes, e: BytesEdit): unknown {
    switch (e.kind) {
      case 'same':
        return bytes;
      case 'flip': {
        const out = Uint8Array.from(bytes);
        out[e.at % out.length] = (out[e.at % out.length] as number) ^ (1 << e.bit);
        return out;
      }
      case 'cut':
        return bytes.subarray(0, e.at % bytes.length);
      case 'extend':
        return Uint8Array.from([...bytes, ...e.bytes]);
      case 'random':
        return e.bytes;
      case 'value':
        return e.value;
    }
  }

  // What was wrapped, before the wrapped bytes are edited.
  type Material = 'valid' | 'sha1' | 'other-material' | 'short' | 'long' | 'empty';
  const material: fc.Arbitrary<Material> = fc.oneof(
    { weight: 3, arbitrary: fc.constant('valid' as const) },
    fc.constantFrom('sha1' as const, 'other-material' as const, 'short' as const, 'long' as const, 'empty' as const),
  );
  const wrappedFor = (m: Material): Uint8Array =>
    m === 'valid'
      ? wrapped
      : m === 'sha1'
        ? wrap(MATERIAL, 'sha1')
        : m === 'other-material'
          ? wrap(Buffer.alloc(32, 0x36))
          : m === 'short'
            ? wrap(MATERIAL.subarray(0, 16))
            : m === 'long'
              ? wrap(Buffer.concat([MATERIAL, MATERIAL]))
              : wrap(Buffer.alloc(0));
  const whichToken = fc.oneof({ weight: 3, arbitrary: fc.constant('valid' as const) }, fc.constant('other-key' as const));
  // ExpirationModel and ValidTo: mostly a consistent pair (so the token and material checks are
  // reached), else any date, any value, or either one alone.
  const anyValidTo = fc.oneof(
    fc.integer({ min: -400, max: 400 }).map((days) => new Date(now + days * DAY_MS)),
    fc.date({ noInvalidDate: false }),
    fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 30 }), fc.constant(null)),
  );
  const anyModel = fc.oneof(fc.constantFrom('KEY_MATERIAL_EXPIRES', 'KEY_MATERIAL_DOES_NOT_EXPIRE'), fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 1 }));
  const expiry: fc.Arbitrary<{ ExpirationModel?: unknown; ValidTo?: unknown }> = fc.oneof(
    { weight: 4, arbitrary: fc.constant({ ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 364 }).map((days) => ({ ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: new Date(now + days * DAY_MS) })) },
    fc.record({ ExpirationModel: anyModel, ValidTo: anyValidTo }, { requiredKeys: [] }),
  );

  it(
    'a damaged bundle is refused with an AWS error and changes nothing; only the valid bundle imports',
    async () => {
      await fc.assert(
        fc.asyncProperty(material, bytesEdit, whichToken, bytesEdit, expiry, async (m, materialEdit, t, tokenEdit, expiration) => {
          const input: Record<string, unknown> = {
            KeyId: keyId,
            EncryptedKeyMaterial: edit(wrappedFor(m), materialEdit),
            ImportToken: edit(t === 'valid' ? token : otherToken, tokenEdit),
            ...expiration,
          };
          if ((await refusedCleanly(tally, probe, () => kms.invoke('ImportKeyMaterial', input))) === null) {
            expect(await keyState()).toBe('PendingImport');
            await validImportWorks();
            return;
          }
          // Accepted: the material and token were the valid ones (an edit that changed nothing).
          expect(Buffer.from(input.EncryptedKeyMaterial as Uint8Array).equals(Buffer.from(wrapped))).toBe(true);
          expect(Buffer.from(input.ImportToken as Uint8Array).equals(Buffer.from(token))).toBe(true);
          await usableThenPending();
          await validImportWorks();
        }),
        fuzzParameters(RUNS),
      );
      expect(tally.crashes + tally.stateChanges).toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});
