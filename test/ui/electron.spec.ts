// The real Electron app, driven through Playwright's _electron: the window opens on app://, the
// preload exposes exactly the bridge's members, and status answers. Electron's binary cannot be
// downloaded on every machine (this project's CI has no internet beyond the npm registry), so the
// test skips, saying why, when node_modules/electron holds no binary.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test } from '@playwright/test';
import { bridgeMemberNames } from '../../shared/api/bridge.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ELECTRON_DIR = join(ROOT, 'node_modules', 'electron');

/** The binary the electron package downloaded at first use, or null (path.txt names it). */
function electronBinary(): string | null {
  const pathFile = join(ELECTRON_DIR, 'path.txt');
  if (!existsSync(pathFile)) {
    return null;
  }
  const binary = join(ELECTRON_DIR, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

test('the Electron app opens its one secure window with exactly the bridge', async () => {
  const binary = electronBinary();
  test.skip(binary === null, 'The Electron binary is not installed (node_modules/electron has no dist/ — it is downloaded on first use, which needs the internet); the window is tested in Chromium through browser mode instead.');
  const app = await electron.launch({
    executablePath: binary ?? undefined,
    args: [join(ROOT, 'out', 'main', 'index.js'), '--no-sandbox'],
    env: { ...process.env, STRONGROOM_DATA_DIR: process.env.STRONGROOM_UI_DATA_DIR ?? '' },
  });
  try {
    const window = await app.firstWindow();
    expect(window.url()).toBe('app://strongroom/index.html');
    const members = await window.evaluate(() => Object.keys((window as unknown as { strongroom: Record<string, unknown> }).strongroom).sort());
    expect(members).toEqual([...bridgeMemberNames()].sort());
    const status = await window.evaluate(() => (window as unknown as { strongroom: { status: () => Promise<{ ok: boolean }> } }).strongroom.status());
    expect(status.ok).toBe(true);
  } finally {
    await app.close();
  }
});
