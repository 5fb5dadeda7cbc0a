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


/**
 * Builds the CLI bundle before a bench spawns `strongroom`: a source edited since the last build
 * makes bin.cjs run the TypeScript sources (correct, but ~0.2 s slower a call), and a bench must
 * time what ships.
 */
export async function buildCliBundle(): Promise<void> {
  const { buildCli } = await import('../scripts/build-cli.ts');
  await buildCli();
}
