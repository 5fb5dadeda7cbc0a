// `npm test`: every check the project has, in one command, on any Linux machine with the
// packages .ci/run installs. Order: typecheck, lint, Vitest, then (once it exists) Playwright.
// Every runner runs even when an earlier one fails; each leaves a JSON report in
// .test-tmp/reports/, and the last line printed is the summed `N passed, N failed, N skipped`
// (test/summary.mjs). Arguments after `npm test --` go to Vitest (e.g. a file filter).
//
// The keychain tests need a real Secret Service. When none is usable here (CI, SSH, a
// container), this script re-runs itself inside a private D-Bus session (dbus-run-session) with
// a throwaway, unlocked gnome-keyring in fresh XDG_DATA_HOME/XDG_RUNTIME_DIR folders, so the
// tests never touch the developer's own keyring and never depend on its state. Either way it sets
// STRONGROOM_REQUIRE_KEYCHAIN=1, so a keychain that still cannot be reached fails those tests
// instead of skipping them.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countReport, printSummary, REPORTS_DIR } from './summary.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TMP = join(ROOT, '.test-tmp');
const extraArgs = process.argv.slice(2);
const PRIVATE_SESSION = process.env.STRONGROOM_PRIVATE_KEYRING === '1';

const major = Number(process.versions.node.split('.')[0]);
if (!(major >= 24)) {
  console.error(
    `Strongroom's tests need Node 24 or newer; this is Node ${process.version} (${process.execPath}). ` +
      'better-sqlite3 crashes under older versions. Put Node 24 first on PATH (.ci/run shows how to fetch it) and run again.',
  );
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Keychain

// Runs in a child process with a time limit: a Secret Service waiting on an unlock prompt that
// nobody can answer must not hang the test command.
const PROBE = `
import { existsSync } from 'node:fs';
const env = process.env;
if (process.platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS && !(env.XDG_RUNTIME_DIR && existsSync(env.XDG_RUNTIME_DIR + '/bus'))) {
  console.log('no D-Bus session bus'); process.exit(1);
}
const keytar = (await import('keytar')).default;
const service = 'Strongroom test probe', account = 'probe-' + process.pid + '-' + Date.now();
try {
  await keytar.setPassword(service, account, 'probe');
  const back = await keytar.getPassword(service, account);
  await keytar.deletePassword(service, account);
  if (back !== 'probe') { console.log('the keychain did not return what was stored'); process.exit(1); }
} catch (err) { console.log(err && err.message ? err.message : String(err)); process.exit(1); }
`;

/** null when a Secret Service stores and returns a secret; otherwise why not. */
function probeKeychain() {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  if (r.error !== undefined) {
    return r.error.code === 'ETIMEDOUT' ? 'the keychain did not answer within 20 s' : r.error.message;
  }
  if (r.status === 0) {
    return null;
  }
  return (r.stdout.trim() || r.stderr.trim() || `probe exited with ${r.status ?? r.signal}`).split('\n').slice(-3).join(' ');
}

function onPath(cmd) {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, cmd)));
}

/** Runs this script again inside a private D-Bus session; resolves with its exit code. */
function reexecInPrivateSession() {
  const base = mkdtempSync(join(tmpdir(), 'strongroom-keyring-'));
  const dataHome = join(base, 'data');
  const runtimeDir = join(base, 'run');
  mkdirSync(dataHome, { mode: 0o700 });
  mkdirSync(runtimeDir, { mode: 0o700 });
  const env = { ...process.env, XDG_DATA_HOME: dataHome, XDG_RUNTIME_DIR: runtimeDir, STRONGROOM_PRIVATE_KEYRING: '1', STRONGROOM_REQUIRE_KEYCHAIN: '1' };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  return new Promise((resolve) => {
    const child = spawn('dbus-run-session', ['--', process.execPath, fileURLToPath(import.meta.url), ...extraArgs], { cwd: ROOT, env, stdio: 'inherit' });
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (err) => {
      console.error(`Could not start dbus-run-session: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      rmSync(base, { recursive: true, force: true });
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Inside the private session: an unlocked gnome-keyring that this process owns and stops. */
async function startPrivateKeyring() {
  mkdirSync(TMP, { recursive: true });
  const logPath = join(TMP, 'gnome-keyring.log');
  const log = openSync(logPath, 'w');
  // --unlock reads the password from stdin and creates the "login" collection and the default
  // alias in the fresh XDG_DATA_HOME; --foreground keeps it our child so we can stop it by pid.
  const daemon = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { stdio: ['pipe', log, log] });
  closeSync(log);
  daemon.on('error', () => {});
  daemon.stdin.end(randomBytes(18).toString('base64'));
  let reason = 'not probed';
  for (let i = 0; i < 40; i++) {
    await sleep(250);
    if (daemon.exitCode !== null) {
      reason = `gnome-keyring-daemon exited with ${daemon.exitCode}`;
      break;
    }
    reason = probeKeychain();
    if (reason === null) {
      return daemon;
    }
  }
  console.error(`Warning: the private gnome-keyring is not usable (${reason}); the keychain tests will fail. Daemon log: ${logPath}`);
  console.error(readFileSync(logPath, 'utf8').split('\n').slice(-10).join('\n'));
  return daemon;
}

async function stopDaemon(daemon) {
  if (daemon === undefined || daemon.exitCode !== null || daemon.signalCode !== null) {
    return;
  }
  const exited = new Promise((r) => daemon.once('exit', r));
  daemon.kill('SIGTERM');
  await Promise.race([exited, sleep(3000)]);
}

let keyringDaemon;
if (PRIVATE_SESSION) {
  keyringDaemon = await startPrivateKeyring();
} else if (process.platform === 'linux') {
  const reason = probeKeychain();
  if (reason !== null) {
    if (onPath('dbus-run-session') && onPath('gnome-keyring-daemon')) {
      console.log(`No usable Secret Service here (${reason}); running the tests in a private D-Bus session with a throwaway gnome-keyring.`);
      process.exit(await reexecInPrivateSession());
    }
    console.error(
      `Warning: no usable Secret Service (${reason}), and dbus-run-session or gnome-keyring-daemon is not installed ` +
        '(Debian: apt-get install gnome-keyring dbus dbus-x11 libsecret-tools). The keychain tests will fail.',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Runners

const bin = (name) => join(ROOT, 'node_modules', '.bin', name);
const report = (name) => join(REPORTS_DIR, `${name}.json`);

/**
 * In order. `kind: 'check'` counts as one passed or failed check; 'vitest' and 'playwright' write
 * their own JSON report. A runner with `requires` is skipped while that folder does not exist.
 */
const RUNNERS = [
  { name: 'typecheck', kind: 'check', cmd: bin('tsc'), args: ['-p', 'tsconfig.json', '--noEmit'] },
  { name: 'lint', kind: 'check', cmd: bin('eslint'), args: ['--config', 'test/config/eslint.config.js', '--max-warnings', '0', '.'] },
  {
    name: 'vitest',
    kind: 'vitest',
    cmd: bin('vitest'),
    args: ['run', '--config', 'test/config/vitest.config.ts', ...extraArgs],
    env: { VITEST_JSON_REPORT: report('vitest') },
  },
  {
    name: 'playwright',
    kind: 'playwright',
    requires: 'test/ui',
    cmd: bin('playwright'),
    args: ['test', '--config', 'test/ui/playwright.config.ts', '--reporter=list,json'],
    env: { PLAYWRIGHT_JSON_OUTPUT_FILE: report('playwright'), PLAYWRIGHT_JSON_OUTPUT_NAME: report('playwright') },
  },
];

const TAIL_CHARS = 4000;

function runOne(runner) {
  return new Promise((resolve) => {
    const started = Date.now();
    let tail = '';
    const keep = (chunk) => {
      tail = (tail + chunk.toString()).slice(-TAIL_CHARS);
    };
    const env = {
      ...process.env,
      ...runner.env,
      // Children get this same Node (24) first, whatever PATH said.
      PATH: [dirname(process.execPath), join(ROOT, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter),
      STRONGROOM_REQUIRE_KEYCHAIN: '1',
      ...(process.stdout.isTTY && process.env.NO_COLOR === undefined ? { FORCE_COLOR: '1' } : {}),
    };
    const child = spawn(runner.cmd, runner.args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c) => {
      process.stdout.write(c);
      keep(c);
    });
    child.stderr.on('data', (c) => {
      process.stderr.write(c);
      keep(c);
    });
    child.on('error', (err) => {
      keep(`\n${runner.cmd}: ${err.message} (is the project installed? run npm ci)\n`);
      console.error(`${runner.name}: could not start ${runner.cmd}: ${err.message}`);
    });
    child.on('close', (code, signal) => {
      resolve({ exitCode: code ?? 1, signal, durationMs: Date.now() - started, tail });
    });
  });
}

function writeCheck(file, name, ok, result, note) {
  writeFileSync(
    file,
    JSON.stringify(
      {
        format: 'strongroom-check',
        name,
        passed: ok ? 1 : 0,
        failed: ok ? 0 : 1,
        exitCode: result.exitCode,
        signal: result.signal ?? null,
        durationMs: result.durationMs,
        ...(note !== undefined ? { note } : {}),
        outputTail: result.tail,
      },
      null,
      2,
    ),
  );
}

rmSync(REPORTS_DIR, { recursive: true, force: true });
mkdirSync(REPORTS_DIR, { recursive: true });

let anyFailed = false;
const skippedRunners = [];
for (const runner of RUNNERS) {
  if (runner.requires !== undefined && !existsSync(join(ROOT, runner.requires))) {
    skippedRunners.push(`${runner.name} (no ${runner.requires}/)`);
    continue;
  }
  console.log(`\n=== ${runner.name}: ${[runner.cmd.replace(ROOT, ''), ...runner.args].join(' ')}`);
  const result = await runOne(runner);
  const ok = result.exitCode === 0;
  if (!ok) {
    anyFailed = true;
  }
  if (runner.kind === 'check') {
    writeCheck(report(runner.name), runner.name, ok, result);
    continue;
  }
  // A test runner that crashed before writing its report, or exited non-zero while its report
  // shows no failure (an unhandled error, a broken config), still counts as a failure.
  let counts;
  try {
    counts = countReport(JSON.parse(readFileSync(report(runner.name), 'utf8')));
  } catch {
    writeCheck(report(runner.name), runner.name, false, result, `${runner.name} wrote no readable JSON report`);
    continue;
  }
  if (!ok && counts.failed === 0) {
    writeCheck(report(`${runner.name}-exit`), `${runner.name} exit status`, false, result, `${runner.name} exited with ${result.exitCode} but its report lists no failure`);
  }
}

await stopDaemon(keyringDaemon);

console.log('');
if (skippedRunners.length > 0) {
  console.log(`  runners not run: ${skippedRunners.join(', ')}`);
}
const total = printSummary(REPORTS_DIR);
process.exitCode = anyFailed || total.failed > 0 ? 1 : 0;
