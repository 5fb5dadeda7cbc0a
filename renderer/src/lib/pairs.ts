// Key/value rows (encryption context, tags, grant constraints, simulator context entries): the
// rows a form edits, and the map or list a request takes, with what is wrong with them.

export type Pair = { readonly id: number; readonly key: string; readonly value: string };

let nextId = 1;

export function newPair(key = '', value = ''): Pair {
  return { id: nextId++, key, value };
}

export function pairsFrom(map: Readonly<Record<string, string>> | undefined): Array<Pair> {
  return Object.entries(map ?? {}).map(([k, v]) => newPair(k, v));
}

export type PairRules = {
  /** Reserved key prefixes ("aws-crypto-" for file encryption context). */
  readonly reservedPrefixes?: ReadonlyArray<string>;
  readonly maxKeyLength?: number;
  readonly maxValueLength?: number;
  readonly maxPairs?: number;
  /** Compare keys case-insensitively for duplicates (grant constraints compare keys so). */
  readonly caseInsensitiveKeys?: boolean;
  /** What one pair is called in messages: "encryption context pair", "tag". */
  readonly noun?: string;
};

/**
 * The map the rows make: rows with both cells empty are skipped; a value without a key, a
 * repeated key, a reserved prefix or an over-long cell is a problem (row numbers are 1-based).
 */
export function pairsToMap(rows: ReadonlyArray<Pair>, rules: PairRules = {}): { readonly map: Record<string, string>; readonly problems: ReadonlyArray<string> } {
  const map: Record<string, string> = {};
  const problems: Array<string> = [];
  const seen = new Set<string>();
  const noun = rules.noun ?? 'pair';
  let count = 0;
  rows.forEach((row, i) => {
    const n = i + 1;
    if (row.key === '' && row.value === '') {
      return;
    }
    if (row.key === '') {
      problems.push(`Row ${n}: give the ${noun} a key, or clear its value.`);
      return;
    }
    const norm = rules.caseInsensitiveKeys === true ? row.key.toLowerCase() : row.key;
    if (seen.has(norm)) {
      problems.push(`Row ${n}: the key "${row.key}" is already used in an earlier row.`);
      return;
    }
    seen.add(norm);
    const reserved = rules.reservedPrefixes?.find((p) => row.key.startsWith(p));
    if (reserved !== undefined) {
      problems.push(`Row ${n}: keys starting "${reserved}" are reserved.`);
    }
    if (rules.maxKeyLength !== undefined && row.key.length > rules.maxKeyLength) {
      problems.push(`Row ${n}: the key is longer than ${rules.maxKeyLength} characters.`);
    }
    if (rules.maxValueLength !== undefined && row.value.length > rules.maxValueLength) {
      problems.push(`Row ${n}: the value is longer than ${rules.maxValueLength} characters.`);
    }
    map[row.key] = row.value;
    count++;
  });
  if (rules.maxPairs !== undefined && count > rules.maxPairs) {
    problems.push(`At most ${rules.maxPairs} ${noun}s.`);
  }
  return { map, problems };
}
