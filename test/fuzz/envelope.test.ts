// A fuzzer for the file format (issue 22): AWS Encryption SDK messages, signed and unsigned, with
// their headers (version, suite, message id, encryption context, encrypted data keys, frame
// length, commitment), frames and footers mutated. Decrypting one either gives back the original
// plaintext or fails with a KmsError (an AWS name and a message); whatever it released before
// failing is a prefix of the original (no unauthenticated plaintext ever leaves a frame).
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { KmsError } from '../../electron/kms/errors.ts';
import { rawAesKeyring } from '../../electron/kms/envelope/keyrings.ts';
import { decryptStream, encryptStream } from '../../electron/kms/envelope/message.ts';
import { SIGNED_SUITE, UNSIGNED_SUITE } from '../../electron/kms/envelope/suites.ts';
import { FUZZ_TIMEOUT_MS, FuzzTally, fuzzParameters, isAwsErrorName } from './support.ts';

const RUNS = 1000;
const keyring = rawAesKeyring('strongroom-fuzz', 'file-key', createHash('sha256').update('envelope fuzz').digest());
const PLAINTEXT = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 251));

async function* chunks(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) {
    yield bytes.subarray(at, at + size);
  }
}

async function seal(suiteId: number): Promise<Buffer> {
  const out: Array<Buffer> = [];
  await encryptStream(chunks(PLAINTEXT, 100), (c) => void out.push(Buffer.from(c)), { keyrings: [keyring], context: { purpose: 'fuzz', team: 'reliability' }, suiteId: suiteId as typeof SIGNED_SUITE, frameLength: 64 });
  return Buffer.concat(out);
}

describe('encrypted file messages', () => {
  const tally = new FuzzTally('file-messages');
  afterAll(() => tally.write());
  const mutation = fc.oneof(
    // Mostly the header (its first ~250 bytes), where the parser does the most.
    fc.record({ kind: fc.constant('flip' as const), at: fc.oneof(fc.nat(250), fc.nat()), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.oneof(fc.nat(250), fc.nat()), byte: fc.constantFrom(0, 1, 2, 0x7f, 0x80, 0xff) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 600 }) }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

  function mutate(message: Buffer, m: Mutation): Buffer {
    const out = Buffer.from(message);
    switch (m.kind) {
      case 'flip':
        out[m.at % out.length] = (out[m.at % out.length] as number) ^ (1 << m.bit);
        return out;
      case 'set':
        out[m.at % out.length] = m.byte;
        return out;
      case 'truncate':
        return out.subarray(0, m.at % out.length);
      case 'insert':
        return Buffer.concat([out.subarray(0, m.at % out.length), m.bytes, out.subarray(m.at % out.length)]);
      case 'random':
        return Buffer.from(m.bytes);
    }
  }

  it(
    'a mutated message decrypts to the original or fails with an AWS error, releasing only authenticated plaintext',
    async () => {
      const messages = { signed: await seal(SIGNED_SUITE), unsigned: await seal(UNSIGNED_SUITE) };
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('signed' as const, 'unsigned' as const), mutation, fc.integer({ min: 1, max: 97 }), async (which, m, readSize) => {
          tally.cases++;
          const released: Array<Buffer> = [];
          try {
            await decryptStream(chunks(mutate(messages[which], m), readSize), (c) => void released.push(Buffer.from(c)), { keyrings: [keyring] });
            tally.accepted++;
            expect(Buffer.concat(released).equals(PLAINTEXT)).toBe(true);
          } catch (err) {
            if (!(err instanceof KmsError) || !isAwsErrorName(err.name) || err.message.length === 0) {
              tally.crashes++;
              throw err;
            }
            tally.refusedWith(err.name);
            const out = Buffer.concat(released);
            expect(PLAINTEXT.subarray(0, out.length).equals(out)).toBe(true);
          }
        }),
        fuzzParameters(RUNS),
      );
      expect(tally.crashes).toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});
