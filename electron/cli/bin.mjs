#!/usr/bin/env node
// The `strongroom` executable. Runs the TypeScript sources directly through Node's type
// stripping, which needs Node 24 (better-sqlite3 also needs Node >= 22).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`strongroom needs Node.js 24 or newer; this is Node ${process.versions.node}. Install Node 24 and run it again.\n`);
  process.exit(1);
}
const { main } = await import('./main.ts');
process.exitCode = await main({
  argv: process.argv.slice(2),
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
