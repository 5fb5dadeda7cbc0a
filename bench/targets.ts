// The regression guard: every figure an issue sets a target for, gathered from the sections of
// one `npm run bench` run and printed together at the end, each with its target and whether this
// run met it. Ratios are measured against a baseline in the same run (the primitive, a peer).

export type TargetRow = { readonly label: string; readonly value: number; readonly unit: string; readonly target: string; readonly met: boolean };

/** A figure that must stay at or below `bound`: the target's text and the verdict both come from it. */
export function atMost(label: string, value: number, unit: string, bound: number): TargetRow {
  return { label, value, unit, target: `≤ ${bound.toLocaleString('en-US')}`, met: value <= bound };
}

/** A figure that must reach at least `bound`. */
export function atLeast(label: string, value: number, unit: string, bound: number): TargetRow {
  return { label, value, unit, target: `≥ ${bound.toLocaleString('en-US')}`, met: value >= bound };
}

export function printTargets(rows: ReadonlyArray<TargetRow>): void {
  if (rows.length === 0) {
    return;
  }
  console.log('\nTargets (this run)');
  const width = Math.max(...rows.map((r) => r.label.length));
  for (const r of rows) {
    const value = r.value >= 100 ? r.value.toFixed(0) : r.value.toFixed(2);
    console.log(`  ${r.label.padEnd(width)}  ${`${value} ${r.unit}`.padStart(22)}  target ${r.target.padEnd(12)} ${r.met ? 'met' : 'NOT met'}`);
  }
  const missed = rows.filter((r) => !r.met).length;
  console.log(`  ${rows.length - missed} of ${rows.length} met`);
}
