// `strongroom ui` as a user runs it: a separate process on a passphrase installation, serving a
// renderer folder (a fixture here, so no build is needed), printing its address with the secret;
// the page and the bridge answer there, and SIGTERM stops it and removes its staging folder.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createBrowserBridge } from '../../renderer/src/bridge/browser-bridge.ts';
import { cli, STRONGROOM_BIN } from '../support/cli.ts';
import { tempDir as makeTempDir } from '../support/engine.ts';

/** A temp folder removed when the test ends. */
function tempDir(prefix: string): string {
  const dir = makeTempDir(prefix);
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('strongroom ui', () => {
  it('serves the pages and the bridge at the printed address, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir('strongroom-ui-');
    const dataDir = join(dir, 'data');
    const rendererDir = join(dir, 'renderer');
    const tmp = join(dir, 'tmp');
    mkdirSync(rendererDir);
    mkdirSync(tmp);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Strongroom</title>');
    const env = { STRONGROOM_PASSPHRASE: 'ui test passphrase', TMPDIR: tmp };
    expect(cli(dataDir, ['init', '--root-key', 'passphrase'], { env }).code).toBe(0);

    const child = spawn(process.execPath, [STRONGROOM_BIN, 'ui', '--no-open', '--port', '0', '--renderer-dir', rendererDir, '--output-dir', join(dir, 'out')], {
      env: { ...process.env, STRONGROOM_DATA_DIR: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // A failed expectation must not leave the server running.
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const printed = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.trim().endsWith('}')) {
          resolve(out);
        }
      });
      child.on('exit', (code) => reject(new Error(`ui exited ${code}: ${stderr}`)));
    });
    const { Url, OutputDir } = JSON.parse(printed) as { Url: string; OutputDir: string };
    expect(Url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#secret=[A-Za-z0-9_-]{43}$/);
    expect(OutputDir).toBe(join(dir, 'out'));
    // The human line follows the JSON on stderr.
    for (let i = 0; i < 500 && !stderr.includes('Ctrl-C stops it'); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(stderr).toContain('Ctrl-C stops it');

    const page = new URL(Url);
    const res = await fetch(`${page.origin}/`);
    expect(await res.text()).toContain('<title>Strongroom</title>');
    expect(res.headers.get('content-security-policy')).toContain(`connect-src ws://${page.host}`);

    const made = createBrowserBridge({
      url: `ws://${page.host}/bridge`,
      secret: page.hash.replace(/^#secret=/, ''),
      connect: (url, protocols) => new WebSocket(url, { protocols, headers: { Origin: page.origin } } as unknown as Array<string>),
    });
    expect(await made.bridge.status()).toMatchObject({ ok: true, value: { initialized: true, unlocked: true, rootKeyProvider: 'passphrase' } });
    expect(await made.bridge.getSettings()).toMatchObject({ ok: true, value: { surface: 'browser', dataDirectory: dataDir } });
    expect(readdirSync(tmp).filter((d) => d.startsWith('strongroom-uploads-'))).toHaveLength(1);

    const exited = new Promise<number | null>((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', (code) => resolve(code));
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    made.close();
    expect(stderr).toContain('SIGTERM: stopping');
    expect(readdirSync(tmp).filter((d) => d.startsWith('strongroom-uploads-'))).toHaveLength(0);
  });

  it('says to build first when the pages are not built', () => {
    const dir = tempDir('strongroom-ui-');
    const r = cli(join(dir, 'data'), ['ui', '--no-open', '--renderer-dir', join(dir, 'nothing')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('npm run build');
  });

  it('checks its flags and documents itself', () => {
    const dir = tempDir('strongroom-ui-');
    expect(cli(dir, ['ui', '--port', 'http']).code).toBe(2);
    expect(cli(dir, ['ui', '--port', '70000']).stderr).toMatch(/invalid port/);
    expect(cli(dir, ['ui', '--open-wide']).stderr).toMatch(/unknown option: --open-wide/);
    const help = cli(dir, ['ui', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('strongroom ui [--port 0] [--output-dir d] [--no-open]');
  });
});
