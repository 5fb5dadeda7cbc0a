// Operations per second of a synchronous function: a warm-up, then batches until the time is up.

export type Rate = { readonly ops: number; readonly seconds: number; readonly perSecond: number };

export function measure(label: string, fn: () => void, minSeconds: number): Rate {
  for (let i = 0; i < 50; i++) {
    fn();
  }
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minSeconds) {
    for (let i = 0; i < 50; i++) {
      fn();
    }
    ops += 50;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  const rate = { ops, seconds: elapsed, perSecond: ops / elapsed };
  console.log(`  ${label.padEnd(58)} ${rate.perSecond.toFixed(0).padStart(10)} ops/s`);
  return rate;
}

