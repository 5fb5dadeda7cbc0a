// A fuzzer for backup shares as custodians type or scan them back (issue 22, "backup shares"):
// a valid share in each of its text forms (words, JSON, the QR code's URI) with characters
// changed, words swapped or dropped, text cut short, or any text at all. Parsing either gives back
// exactly the share that was written (a harmless change: spacing, a comment line) or refuses with
// a KmsError naming what to fix; a damaged share is never read as another share.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsError } from '../../electron/kms/errors.ts';
import { parseShareText, shareJson, shareUri, shareWordsText, splitBackupKey, type Share } from '../../electron/kms/backup/shares.ts';
import { FUZZ_TIMEOUT_MS, FuzzTally, fuzzParameters, isAwsErrorName } from './support.ts';

const RUNS = 1000;
let share: Share;
let forms: Record<'words' | 'json' | 'uri', string>;

beforeAll(async () => {
  const shares = await splitBackupKey(new Uint8Array(32).fill(9), 'ab'.repeat(16), 3, 2);
  share = shares[1] as Share;
  forms = { words: shareWordsText(share), json: `${JSON.stringify(shareJson(share), null, 2)}\n`, uri: shareUri(share) };
});

describe('backup share text', () => {
  const tally = new FuzzTally('backup-shares');
  afterAll(() => tally.write());
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('char' as const), at: fc.nat(), char: fc.constantFrom(...'abcxyz019 \n,{}":-_=+/#\u00e9\ud800') }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('swap-words' as const), a: fc.nat(), b: fc.nat() }),
    fc.record({ kind: fc.constant('drop-word' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('any' as const), text: fc.oneof(fc.string({ maxLength: 400 }), fc.json({ maxDepth: 3 })) }),
  );
  type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

  function apply(text: string, e: Edit): string {
    const words = text.split(' ');
    switch (e.kind) {
      case 'char': {
        const i = e.at % text.length;
        return text.slice(0, i) + e.char + text.slice(i + 1);
      }
      case 'cut':
        return text.slice(0, e.at % text.length);
      case 'swap-words': {
        const [i, j] = [e.a % words.length, e.b % words.length];
        [words[i], words[j]] = [words[j] as string, words[i] as string];
        return words.join(' ');
      }
      case 'drop-word':
        words.splice(e.at % words.length, 1);
        return words.join(' ');
      case 'any':
        return e.text;
    }
  }

  it(
    'a damaged share is refused in words, or read as exactly the share written',
    async () => {
      await fc.assert(
        fc.property(fc.constantFrom('words' as const, 'json' as const, 'uri' as const), fc.array(edit, { minLength: 1, maxLength: 3 }), (form, edits) => {
          tally.cases++;
          const text = edits.reduce(apply, forms[form]);
          let parsed: Share;
          try {
            parsed = parseShareText(text, 'share #1 (fuzz)');
          } catch (err) {
            if (!(err instanceof KmsError) || !isAwsErrorName(err.name) || err.message.length === 0) {
              tally.crashes++;
              throw err;
            }
            tally.refusedWith(err.name);
            return;
          }
          tally.accepted++;
          expect({ ...parsed, share: Buffer.from(parsed.share).toString('hex') }).toEqual({ ...share, share: Buffer.from(share.share).toString('hex') });
        }),
        fuzzParameters(RUNS),
      );
      expect(tally.crashes).toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});
