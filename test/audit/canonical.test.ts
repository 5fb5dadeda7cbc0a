import { describe, expect, it } from 'vitest';
import { canonicalJson, CanonicalJsonError } from '../../electron/kms/audit/canonical.ts';

describe('canonicalJson', () => {
  it('sorts keys at every level, writes no whitespace and drops undefined members', () => {
    const value = { b: 1, a: { d: [3, { z: true, y: null }], c: 'x' }, u: undefined };
    expect(canonicalJson(value)).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives the same text whatever order the members were inserted in', () => {
    const one: Record<string, unknown> = {};
    const two: Record<string, unknown> = {};
    const keys = ['eventName', 'awsRegion', 'Z', 'a', 'é', '10', '2', 'aa', 'a\u0000'];
    keys.forEach((k, i) => (one[k] = i));
    [...keys].reverse().forEach((k) => (two[k] = keys.indexOf(k)));
    expect(canonicalJson(one)).toBe(canonicalJson(two));
    // Sorted by UTF-16 code unit (digits < upper case < lower case < non-ASCII). Checked on the
    // text: a parsed object would list integer-like keys first whatever the text order.
    expect(canonicalJson(one).indexOf('"10"')).toBeLessThan(canonicalJson(one).indexOf('"2"'));
    expect(canonicalJson(one).indexOf('"Z"')).toBeLessThan(canonicalJson(one).indexOf('"a"'));
    expect(canonicalJson(one).indexOf('"aa"')).toBeLessThan(canonicalJson(one).indexOf('"é"'));
  });

  it('sorts by code unit, not by code point or locale', () => {
    // U+FF5E (one unit) sorts after U+1F600 (surrogates D83D DE00) by code unit.
    const text = canonicalJson({ '\uFF5E': 1, '\u{1F600}': 2 });
    expect(text.indexOf('\u{1F600}')).toBeLessThan(text.indexOf('\uFF5E'));
  });

  it('round-trips through JSON.parse and is stable', () => {
    const value = { s: 'quote " backslash \\ newline \n lone \uD800', n: -0, f: 1.5e-7, big: 2 ** 53 };
    const text = canonicalJson(value);
    expect(canonicalJson(JSON.parse(text))).toBe(text);
    expect(text).toContain('\\ud800');
  });

  it('refuses values that are not plain JSON instead of coercing them', () => {
    expect(() => canonicalJson({ p: new Uint8Array([1, 2]) })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ p: Buffer.from('x') })).toThrow(/binary data/);
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ b: 1n })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson([undefined])).toThrow(CanonicalJsonError);
    expect(() => canonicalJson(new Map())).toThrow(CanonicalJsonError);
    expect(() => canonicalJson(undefined)).toThrow(CanonicalJsonError);
  });
});
