// `npm run fuzz`: every fuzzer in test/fuzz/ run long, then a table of what each surface saw.
//
//   npm run fuzz                         100,000 cases per surface
//   npm run fuzz -- --runs 5000          another count
//   npm run fuzz -- --seconds 600        each surface for 10 minutes (however many cases that is)
//   npm run fuzz -- --seed 42            replay a run (fast-check prints a failure's seed)
//   npm run fuzz -- test/fuzz/cli.test.ts   one surface
//
// The counts come from the reports each surface writes to .test-tmp/fuzz/ (test/fuzz/support.ts).
// Exit status: Vitest's (non-zero when a property failed: its counterexample is printed above).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REPORTS = join(ROOT, '.test-tmp', 'fuzz');

const args = process.argv.slice(2);
const env = { ...process.env };
const files = [];
for (let i = 0; i < args.length; i++) {
  const [flag, value] = [args[i], args[i + 1]];
  if (flag === '--runs' || flag === '--seconds' || flag === '--seed') {
    if (value === undefined || !/^\d+$/.test(value)) {
      console.error(`${flag} takes a whole number`);
      process.exit(2);
    }
    env[{ '--runs': 'STRONGROOM_FUZZ_RUNS', '--seconds': 'STRONGROOM_FUZZ_SECONDS', '--seed': 'STRONGROOM_FUZZ_SEED' }[flag]] = value;
    i++;
  } else {
    files.push(flag);
  }
}
if (env.STRONGROOM_FUZZ_SECONDS !== undefined && env.STRONGROOM_FUZZ_RUNS === undefined) {
  // Bounded by time only: as many cases as fit.
  env.STRONGROOM_FUZZ_RUNS = String(Number.MAX_SAFE_INTEGER);
}
env.STRONGROOM_FUZZ_RUNS ??= '100000';

rmSync(REPORTS, { recursive: true, force: true });
const vitest = join(ROOT, 'node_modules', '.bin', 'vitest');
const started = Date.now();
const child = spawn(vitest, ['run', '--config', 'test/config/vitest.config.ts', ...(files.length > 0 ? files : ['test/fuzz/'])], { cwd: ROOT, env, stdio: 'inherit' });
const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(c ?? (signal === null ? 1 : 1))));

const reports = existsSync(REPORTS) ? readdirSync(REPORTS).filter((n) => n.endsWith('.json')).sort() : [];
const rows = reports.map((n) => JSON.parse(readFileSync(join(REPORTS, n), 'utf8')));
const columns = ['surface', 'cases', 'accepted', 'refused', 'crashes', 'stateChangesOnRefusal'];
const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
const line = (cells) => cells.map((v, i) => (i === 0 ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]))).join('  ');
console.log(`\nFuzzing, ${Math.round((Date.now() - started) / 1000)} s (STRONGROOM_FUZZ_RUNS=${env.STRONGROOM_FUZZ_RUNS}${env.STRONGROOM_FUZZ_SECONDS === undefined ? '' : `, STRONGROOM_FUZZ_SECONDS=${env.STRONGROOM_FUZZ_SECONDS}`}):`);
console.log(line(columns));
for (const r of rows) {
  console.log(line(columns.map((c) => r[c])));
}
for (const r of rows) {
  const names = Object.entries(r.errorNames ?? {}).map(([n, k]) => `${n} ${k}`).join(', ');
  console.log(`  ${r.surface}: ${names || 'no refusals'}`);
}
process.exitCode = code;
