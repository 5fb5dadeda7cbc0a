// Before the UI tests: build the renderer (electron-vite), make a fresh installation in a temporary
// data directory with the real CLI (passphrase root key, so it needs no keychain), and serve it
// with `strongroom ui`. The address (with its per-launch secret) reaches the tests through the
// environment; the teardown returned here stops the server and removes the folders.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'electron', 'cli', 'bin.mjs');
export const PASSPHRASE = 'playwright correct horse battery staple';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(`electron-vite build failed:\n${build.stdout}\n${build.stderr}`);
  }
  const base = mkdtempSync(join(tmpdir(), 'strongroom-ui-'));
  const dataDir = join(base, 'data');
  const outputDir = join(base, 'output');
  const env = { ...process.env, STRONGROOM_DATA_DIR: dataDir, STRONGROOM_PASSPHRASE: PASSPHRASE };
  const init = spawnSync(process.execPath, [BIN, 'init', '--root-key', 'passphrase', '--account-id', '111122223333'], { env, encoding: 'utf8' });
  if (init.status !== 0) {
    throw new Error(`strongroom init failed: ${init.stderr}`);
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
