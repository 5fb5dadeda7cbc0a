// Before the UI tests: build the renderer (electron-vite), make a fresh installation in a temporary
// data directory with the real CLI (passphrase root key, so it needs no keychain), and serve it
// with `strongroom ui`. Two custodians are registered there with the CLI (keys from `custodian
// keygen`), and a SoftHSM2 token is initialised in a temporary folder whose SOFTHSM2_CONF the
// server gets, for the Custody steps. The address (with its per-launch secret) reaches the tests
// through the environment; the teardown returned here stops the server and removes the folders.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findSoftHsm, initSoftHsm } from '../support/softhsm.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'electron', 'cli', 'bin.cjs');
export const PASSPHRASE = 'playwright correct horse battery staple';
/** The SoftHSM2 token the Custody steps make a custom key store of. */
export const TOKEN = { label: 'e2e-token', pin: '246810', soPin: '13579111' } as const;
export const CUSTODIANS = ['alice', 'bob'] as const;

export default async function globalSetup(): Promise<() => Promise<void>> {
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(`electron-vite build failed:\n${build.stdout}\n${build.stderr}`);
  }
  const base = mkdtempSync(join(tmpdir(), 'strongroom-ui-'));
  const dataDir = join(base, 'data');
  const outputDir = join(base, 'output');
  const softhsm = findSoftHsm();
  if ('missing' in softhsm) {
    throw new Error(`The UI tests need SoftHSM2 and opensc for the Custody steps: ${softhsm.missing}.`);
  }
  // Sets SOFTHSM2_CONF in this process, so the server (and the tests' CLI calls) inherit it.
  initSoftHsm(join(base, 'softhsm'), TOKEN);
  const env = { ...process.env, STRONGROOM_DATA_DIR: dataDir, STRONGROOM_PASSPHRASE: PASSPHRASE, STRONGROOM_AGENT: 'off' };
  const cli = (...args: Array<string>): string => {
    const run = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
    if (run.status !== 0) {
      throw new Error(`strongroom ${args.join(' ')} failed: ${run.stderr}`);
    }
    return run.stdout;
  };
  cli('init', '--root-key', 'passphrase', '--account-id', '111122223333');
  const custodianDir = join(base, 'custodians');
  mkdirSync(custodianDir);
  for (const name of CUSTODIANS) {
    cli('custodian', 'keygen', '--name', name, '--out', join(custodianDir, `${name}.key`), '--public-out', join(custodianDir, `${name}.pub.pem`));
    cli('custodian', 'add', '--name', name, '--public-key', join(custodianDir, `${name}.pub.pem`));
  }
  const server = spawn(process.execPath, [BIN, 'ui', '--port', '0', '--no-open', '--output-dir', outputDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`strongroom ui did not start: ${stderr}`)), 60_000);
    server.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      try {
        const printed = JSON.parse(stdout) as { Url?: string };
        if (typeof printed.Url === 'string') {
          clearTimeout(timer);
          resolve(printed.Url);
        }
      } catch {
        // The JSON is not complete yet.
      }
    });
    server.once('exit', (code) => reject(new Error(`strongroom ui exited (${String(code)}): ${stderr}`)));
  });
  process.env.STRONGROOM_UI_URL = url;
  process.env.STRONGROOM_UI_DATA_DIR = dataDir;
  process.env.STRONGROOM_UI_OUTPUT_DIR = outputDir;
  process.env.STRONGROOM_UI_BASE = base;
  process.env.STRONGROOM_UI_SOFTHSM_MODULE = softhsm.modulePath;
  return async () => {
    // A server that already stopped (it crashed mid-run) emits no second 'exit' to wait for.
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(base, { recursive: true, force: true });
  };
}
