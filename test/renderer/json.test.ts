// JSON errors at line and column: the scanner agrees with JSON.parse on what is valid, and
// points at the right place.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSyntaxError, lineColumn, locateJsonPath, parseJson, policyCharacterProblem, policyErrorPath } from '../../renderer/src/lib/json.ts';

function failure(text: string): { line: number; column: number; message: string } {
  const r = parseJson(text);
  if (r.ok) {
    throw new Error(`expected ${JSON.stringify(text)} to be invalid`);
  }
  return r;
}

describe('JSON error positions', () => {
  it('parses valid JSON to the value JSON.parse gives', () => {
    expect(parseJson('{"a": [1, 2.5e3, true, null, "x\\u00e9"]}')).toEqual({ ok: true, value: { a: [1, 2500, true, null, 'xé'] } });
  });

  it('points at a missing comma between properties', () => {
    const text = '{\n  "Version": "2012-10-17"\n  "Statement": []\n}';
    const e = failure(text);
    expect(e).toMatchObject({ line: 3, column: 3 });
    expect(e.message).toContain("Expected ',' or '}'");
  });

  it('points at a trailing comma', () => {
    const e = failure('{\n  "a": 1,\n}');
    expect(e).toMatchObject({ line: 3, column: 1 });
    expect(e.message).toContain('trailing comma');
    expect(failure('[1,\n 2,\n]')).toMatchObject({ line: 3, column: 1 });
  });

  it('names curly quotes, single quotes and unclosed strings', () => {
    expect(failure('{\u201Ca\u201D: 1}').message).toContain('curly quote');
    expect(failure("{'a': 1}")).toMatchObject({ line: 1, column: 2 });
    const open = failure('{"a": "b}');
    expect(open.message).toContain('never closed');
    expect(open).toMatchObject({ line: 1, column: 7 });
  });

  it('refuses control characters inside strings and bad escapes', () => {
    expect(failure('"a\tb"')).toMatchObject({ line: 1, column: 3 });
    expect(failure('"a\\qb"').message).toContain('escape');
    expect(failure('"\\u12G4"').message).toContain('four hex digits');
  });

  it('handles empty text, trailing text and bad numbers', () => {
    expect(failure('').message).toContain('empty');
    expect(failure('  ')).toMatchObject({ line: 1, column: 3 });
    expect(failure('{} x')).toMatchObject({ column: 4 });
    expect(failure('01')).toMatchObject({ column: 2 });
    expect(failure('1.')).toMatchObject({ column: 3 });
    expect(failure('-')).toMatchObject({ column: 2 });
    expect(failure('tru')).toMatchObject({ column: 1 });
  });

  it('agrees with JSON.parse on validity for arbitrary JSON-like text', () => {
    const alphabet = fc.constantFrom(...'{}[]:,"\\ \n\t0123456789-+.eEtrufalsn\u00e9x\u0001'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }).map((a) => a.join('')), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(jsonSyntaxError(text) === null).toBe(valid);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with JSON.parse on real documents, mangled at one position', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', ' '), (value, at, insert) => {
        const text = JSON.stringify(value, null, 2);
        const i = at % (text.length + 1);
        const mangled = text.slice(0, i) + insert + text.slice(i);
        let valid = true;
        try {
          JSON.parse(mangled);
        } catch {
          valid = false;
        }
        const found = jsonSyntaxError(mangled);
        expect(found === null).toBe(valid);
        if (found !== null) {
          expect(found.offset).toBeGreaterThanOrEqual(0);
          expect(found.offset).toBeLessThanOrEqual(mangled.length);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('converts offsets to 1-based lines and columns', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 3)).toEqual({ line: 2, column: 1 });
    expect(lineColumn('ab\ncd', 99)).toEqual({ line: 2, column: 3 });
  });

  it('finds characters a key policy may not hold', () => {
    expect(policyCharacterProblem('{"Sid": "caf\u00e9"}')).toBeNull();
    const p = policyCharacterProblem('{\n "Sid": "a\u2014b"}');
    expect(p).toMatchObject({ line: 2, column: 11 });
    expect(p?.message).toContain('U+2014');
  });
});

describe('policy error paths', () => {
  const policy = '{\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": ["kms:Encrypt", "kms:Encrpyt"],\n      "Condition": { "StringEquals": { "kms:CallerAccount": "1", "aws:ResourceTag/team": "x" } }\n    }\n  ]\n}';

  it('reads the path out of the engine’s message', () => {
    expect(policyErrorPath("The key policy is malformed at Statement[0].Action[1]: 'kms:Encrpyt' matches no KMS action")).toBe('Statement[0].Action[1]');
    expect(policyErrorPath('The key policy is malformed at Statement[0].Condition.StringEquals.kms:CallerAccount: give a 12-digit account')).toBe(
      'Statement[0].Condition.StringEquals.kms:CallerAccount',
    );
    expect(policyErrorPath('The key policy is malformed at Statement[0].Condition.StringEquals.aws:ResourceTag/team: x')).toBe('Statement[0].Condition.StringEquals.aws:ResourceTag/team');
    expect(policyErrorPath('The key policy is not valid JSON')).toBeNull();
  });

  it('finds where the value at a path starts', () => {
    expect(locateJsonPath(policy, 'Statement[0].Action[1]')).toMatchObject({ line: 5, column: 33 });
    expect(locateJsonPath(policy, 'Statement[0].Condition.StringEquals.kms:CallerAccount')).toMatchObject({ line: 6, column: 61 });
    expect(locateJsonPath(policy, 'Statement')).toMatchObject({ line: 2, column: 16 });
    expect(locateJsonPath(policy, 'Statement[1]')).toBeNull();
    expect(locateJsonPath('{', 'Statement')).toBeNull();
  });
});
