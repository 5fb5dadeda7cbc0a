// Key/value rows to maps, with their problems.

import { describe, expect, it } from 'vitest';
import { newPair, pairsFrom, pairsToMap } from '../../renderer/src/lib/pairs.ts';

describe('key/value rows', () => {
  it('skips empty rows and keeps the rest', () => {
    expect(pairsToMap([newPair('a', '1'), newPair(), newPair('b', '')])).toEqual({ map: { a: '1', b: '' }, problems: [] });
  });

  it('reports values without keys, repeated keys, reserved prefixes, lengths and counts', () => {
    const { problems } = pairsToMap([newPair('', 'x'), newPair('a', '1'), newPair('a', '2'), newPair('aws-crypto-public-key', 'k'), newPair('long', 'xxxxx')], {
      reservedPrefixes: ['aws-crypto-'],
      maxValueLength: 4,
      maxPairs: 2,
      noun: 'pair',
    });
    expect(problems).toEqual([
      'Row 1: give the pair a key, or clear its value.',
      'Row 3: the key "a" is already used in an earlier row.',
      'Row 4: keys starting "aws-crypto-" are reserved.',
      'Row 5: the value is longer than 4 characters.',
      'At most 2 pairs.',
    ]);
  });

  it('compares keys without case when asked (grant constraints)', () => {
    expect(pairsToMap([newPair('Dept', '1'), newPair('dept', '2')], { caseInsensitiveKeys: true }).problems).toHaveLength(1);
    expect(pairsToMap([newPair('Dept', '1'), newPair('dept', '2')]).problems).toHaveLength(0);
  });

  it('makes rows from a map with distinct ids', () => {
    const rows = pairsFrom({ a: '1', b: '2' });
    expect(rows.map((r) => [r.key, r.value])).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(2);
  });
});
