#!/usr/bin/env node
// The `strongroom` executable. Runs the prebuilt bundle in out/cli/ (scripts/build-cli.ts, built
// by `npm ci`/`npm install`) while it is current, else the TypeScript sources through Node's type
// stripping. Either way it needs Node 24 (type stripping; better-sqlite3 needs Node >= 22).
// STRONGROOM_CLI_SOURCE=1 forces the sources.
//
// CommonJS, like the bundle, because every call pays for its start: an ES module entry starts
// Node's ES module loader, and its builtins load through it, which costs more than the same
// require() calls (docs/decisions.md, D30). Only the sources are imported as ES modules.
'use strict';

const { mkdirSync, readFileSync, statSync } = require('node:fs');
const { enableCompileCache } = require('node:module');
const { homedir } = require('node:os');
const { join } = require('node:path');

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`strongroom needs Node.js 24 or newer; this is Node ${process.versions.node}. Install Node 24 and run it again.\n`);
  process.exit(1);
}

const root = join(__dirname, '..', '..');

/** The bundle's entry file when every source file it was built from is unchanged, else null. */
function currentBundle() {
  if (process.env.STRONGROOM_CLI_SOURCE === '1') {
    return null;
  }
  try {
    const manifest = JSON.parse(readFileSync(`${root}/out/cli/manifest.json`, 'utf8'));
    for (const input of manifest.inputs) {
      // Concatenated, not path.join()ed: joining ~170 paths cost more than statting them.
      const s = statSync(`${root}/${input.path}`);
      if (s.size !== input.size || s.mtimeMs !== input.mtimeMs) {
        return null;
      }
    }
    return `${root}/out/cli/${manifest.entry}`;
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

async function run() {
  const bundle = currentBundle();
  if (bundle !== null) {
    enableUserCompileCache();
  }
  const { main } = bundle === null ? await import('./main.ts') : require(bundle);
  return main({
    argv: process.argv.slice(2),
    env: process.env,
    // process.stdin is built on first use (an fs, net or tty stream); most commands never read it.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
  });
}

// As the ES module entry's top-level await did: a rejection is printed and exits 1 (Node's
// unhandled rejection), and a command the process ends before it finished (its promise never
// settled, nothing left to wait for) exits 13 rather than 0, so no script mistakes it for success.
let finished = false;
process.on('exit', () => {
  if (!finished && !process.exitCode) {
    process.stderr.write('strongroom: the command ended before it finished (an unsettled promise)\n');
    process.exitCode = 13;
  }
});
// A closed stdout (`strongroom audit list | head -1`: the reader has what it wanted) ends the
// command quietly, as `aws` does and as SIGPIPE would end a C program, instead of an unhandled
// EPIPE 'error' event and its stack trace. Anything the command had done is already committed.
process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') {
    finished = true;
    process.exit(process.exitCode || 0);
  }
  throw err;
});
run().then((code) => {
  finished = true;
  process.exitCode = code;
});
