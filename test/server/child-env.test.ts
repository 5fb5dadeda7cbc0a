// Issue 22, finding 8: `ui` launched the browser opener with the inherited environment,
// STRONGROOM_PASSPHRASE included. No secret reaches a child process.
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInBrowser } from '../../electron/cli/ui.ts';
import { openInFileManager } from '../../electron/server/desktop-open.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const tempDir = tempDirsRemovedAfterAll();

async function waitForFile(path: string): Promise<string> {
  for (let i = 0; i < 200 && !existsSync(path); i++) {
    await new Promise((done) => setTimeout(done, 25));
  }
  // The opener writes its environment in one go; give it a moment to finish.
  await new Promise((done) => setTimeout(done, 50));
  return readFileSync(path, 'utf8');
}

let saved: NodeJS.ProcessEnv;
beforeEach(() => {
  saved = { ...process.env };
});
afterEach(() => {
  process.env = saved;
});

describe.skipIf(process.platform !== 'linux')('the environment of child processes (issue 22, finding 8)', () => {
  it('the browser opener `ui` starts and the file manager get no STRONGROOM_PASSPHRASE', async () => {
    const bin = tempDir('strongroom-opener-');
    const dump = join(bin, 'env.txt');
    // A stand-in xdg-open: it records the environment it was given.
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nenv > "${dump}.tmp" && mv "${dump}.tmp" "${dump}"\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
    process.env.STRONGROOM_PASSPHRASE = 'correct horse battery staple';
    process.env.STRONGROOM_MARKER = 'kept';

    const launched = await openInBrowser('http://127.0.0.1:1/#secret=abc');
    expect(launched.opened).toBe(true);
    const env = await waitForFile(dump);
    expect(env).toContain('STRONGROOM_MARKER=kept');
    expect(env).not.toContain('STRONGROOM_PASSPHRASE');
    expect(env).not.toContain('correct horse');

    rmSync(dump);
    expect(await openInFileManager(join(bin, 'xdg-open'))).toBe(true);
    const env2 = await waitForFile(dump);
    expect(env2).toContain('STRONGROOM_MARKER=kept');
    expect(env2).not.toContain('correct horse');
    rmSync(launched.folder, { recursive: true, force: true });
  });
});
