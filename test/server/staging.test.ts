// Issue 22, finding 7: the UI's upload staging folder (plaintext of dropped files) survived a
// crash of `ui` and was not cleaned at the next start. The next start removes every staging
// folder whose process is gone; a running `ui`'s folder is left alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBrowserServer } from '../../electron/server/browser.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const tempDir = tempDirsRemovedAfterAll();

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe.skipIf(process.platform === 'win32')('upload staging left by a crashed ui (issue 22, finding 7)', () => {
  it('is removed at the next start; a running process\'s folder and unrelated folders stay', async () => {
    const base = tempDir('strongroom-staging-');
    const stagingParent = join(base, 'tmp');
    const rendererDir = join(base, 'renderer');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Strongroom</title>');
    const crashed = join(stagingParent, `strongroom-uploads-${deadPid()}-Ab12Cd`);
    const legacy = join(stagingParent, 'strongroom-uploads-Qw34Er');
    const running = join(stagingParent, `strongroom-uploads-${process.ppid}-Zx56Cv`);
    const unrelated = join(stagingParent, 'someone-elses-folder');
    for (const dir of [crashed, legacy, running, unrelated]) {
      mkdirSync(join(dir, 'u-0123456789abcdef'), { recursive: true, mode: 0o700 });
      writeFileSync(join(dir, 'u-0123456789abcdef', 'payroll.xlsx'), 'plaintext of a dropped file', { mode: 0o600 });
    }
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(legacy, old, old);
    const server = await startBrowserServer({
      dataDir: join(base, 'data'),
      rendererDir,
      host: { status: () => Promise.reject(new Error('not used')), engine: () => null },
      outputDir: join(base, 'out'),
      stagingParent,
      log: () => {},
    });
    try {
      expect(existsSync(crashed)).toBe(false);
      expect(existsSync(legacy)).toBe(false);
      expect(existsSync(running)).toBe(true);
      expect(existsSync(unrelated)).toBe(true);
      // Its own folder carries its pid, so the next start can tell it from a live one.
      expect(readdirSync(stagingParent).filter((n) => n.startsWith(`strongroom-uploads-${process.pid}-`))).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
