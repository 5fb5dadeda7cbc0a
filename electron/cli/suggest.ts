// "Did you mean": the known names closest to a mistyped one (`lsit-keys` → list-keys,
// `--key-di` → --key-id), by edit distance counting a swap of neighbours as one edit.

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows: Array<Array<number>> = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push(Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  }
  const at = (i: number, j: number): number => rows[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The candidates nearest to `word` (at most three), when near enough to be what was meant. */
export function closest(word: string, candidates: Iterable<string>): Array<string> {
  const limit = Math.max(2, Math.floor(word.length / 3));
  const scored = [...new Set(candidates)].map((c) => ({ c, d: editDistance(word, c) })).filter((s) => s.d <= limit);
  const best = Math.min(...scored.map((s) => s.d));
  return scored
    .filter((s) => s.d === best)
    .map((s) => s.c)
    .sort()
    .slice(0, 3);
}

/** " Did you mean 'x'?" (or 'x' or 'y'), or '' when nothing is near. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const near = closest(word, candidates);
  return near.length === 0 ? '' : ` Did you mean ${near.map((n) => `'${n}'`).join(' or ')}?`;
}
