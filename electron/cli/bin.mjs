#!/usr/bin/env node
// The `strongroom` executable. Runs the prebuilt bundle in out/cli/ (scripts/build-cli.ts, built
// by `npm ci`/`npm install`) while it is current, else the TypeScript sources through Node's type
// stripping. Either way it needs Node 24 (type stripping; better-sqlite3 needs Node >= 22).
// STRONGROOM_CLI_SOURCE=1 forces the sources.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`strongroom needs Node.js 24 or newer; this is Node ${process.versions.node}. Install Node 24 and run it again.\n`);
  process.exit(1);
}

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The bundle's entry URL when every source file it was built from is unchanged, else null. */
function currentBundle() {
  if (process.env.STRONGROOM_CLI_SOURCE === '1') {
    return null;
  }
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'out/cli/manifest.json'), 'utf8'));
    for (const input of manifest.inputs) {
      const s = statSync(join(root, input.path));
      if (s.size !== input.size || s.mtimeMs !== input.mtimeMs) {
        return null;
      }
    }
    return new URL(`../../out/cli/${manifest.entry}`, import.meta.url).href;
  } catch {
    return null;
  }
}

/**
 * V8's compiled code, kept between calls (Node's compile cache) in a per-user folder: under
 * $XDG_CACHE_HOME or ~/.cache, created owner-only. Node's default (a shared folder in /tmp) would
 * let another user of the machine plant code for this one. Skipped when the folder is not ours.
 */
function enableUserCompileCache() {
  try {
    const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
    const dir = join(base, 'strongroom', 'compile-cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const s = statSync(dir);
    if (s.uid === process.getuid?.() && (s.mode & 0o077) === 0) {
      enableCompileCache(dir);
    }
  } catch {
    // A read-only or foreign home: run without the cache.
  }
}

const bundle = currentBundle();
if (bundle !== null) {
  enableUserCompileCache();
}
const { main } = await import(bundle ?? './main.ts');
process.exitCode = await main({
  argv: process.argv.slice(2),
  env: process.env,
  // process.stdin is built on first use (an fs, net or tty stream); most commands never read it.
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
});
