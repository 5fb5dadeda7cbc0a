// electron/cli/bin.cjs's choice between the bundle and the sources, and its compile cache, on a
// copy of it in a scratch tree (so the test edits no file of the repository): a stub bundle and
// a stub main.ts each say which ran and where the compile cache is.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const BIN = fileURLToPath(new URL('../../electron/cli/bin.cjs', import.meta.url));
const tempDir = tempDirsRemovedAfterAll();

// The sources are ES modules (main.ts), the bundle CommonJS (main.cjs), as they ship.
const body = (which: string): string => `io.stdout.write(JSON.stringify({ ran: '${which}', cache: getCompileCacheDir() ?? null })); return 0;`;
const sourceStub = (): string => `import { getCompileCacheDir } from 'node:module';\nexport async function main(io) { ${body('sources')} }\n`;
const bundleStub = (): string => `'use strict';\nconst { getCompileCacheDir } = require('node:module');\nexports.main = async function main(io) { ${body('bundle')} };\n`;

let root = '';
let cacheHome = '';

function writeManifest(): void {
  const source = join(root, 'electron/cli/main.ts');
  const s = statSync(source);
  const manifest = { entry: 'main.cjs', inputs: [{ path: 'electron/cli/main.ts', size: s.size, mtimeMs: s.mtimeMs }], chunks: { 'main.cjs': ['electron/cli/main.ts'] } };
  writeFileSync(join(root, 'out/cli/manifest.json'), JSON.stringify(manifest));
}

function run(env: NodeJS.ProcessEnv = {}): { ran: string; cache: string | null } {
  const r = spawnSync(process.execPath, [join(root, 'electron/cli/bin.cjs')], { env: { ...process.env, XDG_CACHE_HOME: cacheHome, STRONGROOM_CLI_SOURCE: '', ...env }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { ran: string; cache: string | null };
}

beforeEach(() => {
  root = tempDir('strongroom-bin-');
  cacheHome = join(tempDir('strongroom-bin-cache-'), 'cache');
  mkdirSync(join(root, 'electron/cli'), { recursive: true });
  mkdirSync(join(root, 'out/cli'), { recursive: true });
  copyFileSync(BIN, join(root, 'electron/cli/bin.cjs'));
  writeFileSync(join(root, 'electron/cli/main.ts'), sourceStub());
  writeFileSync(join(root, 'out/cli/main.cjs'), bundleStub());
  writeManifest();
});

describe('strongroom bin.cjs', () => {
  it('runs the bundle while its sources are unchanged, else the sources; STRONGROOM_CLI_SOURCE=1 forces them', () => {
    expect(run().ran).toBe('bundle');
    expect(run({ STRONGROOM_CLI_SOURCE: '1' }).ran).toBe('sources');
    writeFileSync(join(root, 'electron/cli/main.ts'), `${sourceStub()}// edited\n`);
    expect(run().ran).toBe('sources');
    writeManifest();
    expect(run().ran).toBe('bundle');
    writeFileSync(join(root, 'out/cli/manifest.json'), '{ not json');
    expect(run().ran).toBe('sources');
  });

  it('keeps the compile cache in a private folder of the user, and goes without one when that folder is not private', () => {
    const first = run();
    expect(first.cache?.startsWith(`${join(cacheHome, 'strongroom', 'compile-cache')}/`), String(first.cache)).toBe(true); // Node adds a per-version folder
    expect(statSync(join(cacheHome, 'strongroom', 'compile-cache')).mode & 0o777).toBe(0o700);
    chmodSync(join(cacheHome, 'strongroom', 'compile-cache'), 0o777);
    expect(run().cache).toBe(null);
  });

  it('exits with the code the command returns; 1 when it throws; 13, not 0, when the process ends before the command settles', () => {
    const exitOf = (body: string): { status: number | null; stderr: string } => {
      writeFileSync(join(root, 'out/cli/main.cjs'), `'use strict';\nexports.main = async function main() { ${body} };\n`);
      return spawnSync(process.execPath, [join(root, 'electron/cli/bin.cjs')], { env: { ...process.env, XDG_CACHE_HOME: cacheHome, STRONGROOM_CLI_SOURCE: '' }, encoding: 'utf8' });
    };
    expect(exitOf('return 3;').status).toBe(3);
    const thrown = exitOf("throw new Error('command failed');");
    expect(thrown.status).toBe(1);
    expect(thrown.stderr).toContain('command failed');
    const unsettled = exitOf('return new Promise(() => {});');
    expect(unsettled.status).toBe(13);
    expect(unsettled.stderr).toContain('ended before it finished');
  });
});
