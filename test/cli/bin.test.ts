// electron/cli/bin.mjs's choice between the bundle and the sources, and its compile cache, on a
// copy of it in a scratch tree (so the test edits no file of the repository): a stub bundle and
// a stub main.ts each say which ran and where the compile cache is.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const BIN = fileURLToPath(new URL('../../electron/cli/bin.mjs', import.meta.url));
const tempDir = tempDirsRemovedAfterAll();

const stub = (which: string): string =>
  `import { getCompileCacheDir } from 'node:module';\nexport async function main(io) { io.stdout.write(JSON.stringify({ ran: '${which}', cache: getCompileCacheDir() ?? null })); return 0; }\n`;

let root = '';
let cacheHome = '';

function writeManifest(): void {
  const source = join(root, 'electron/cli/main.ts');
  const s = statSync(source);
  const manifest = { entry: 'main.js', inputs: [{ path: 'electron/cli/main.ts', size: s.size, mtimeMs: s.mtimeMs }], chunks: { 'main.js': ['electron/cli/main.ts'] } };
  writeFileSync(join(root, 'out/cli/manifest.json'), JSON.stringify(manifest));
}

function run(env: NodeJS.ProcessEnv = {}): { ran: string; cache: string | null } {
  const r = spawnSync(process.execPath, [join(root, 'electron/cli/bin.mjs')], { env: { ...process.env, XDG_CACHE_HOME: cacheHome, STRONGROOM_CLI_SOURCE: '', ...env }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { ran: string; cache: string | null };
}

beforeEach(() => {
  root = tempDir('strongroom-bin-');
  cacheHome = join(tempDir('strongroom-bin-cache-'), 'cache');
  mkdirSync(join(root, 'electron/cli'), { recursive: true });
  mkdirSync(join(root, 'out/cli'), { recursive: true });
  copyFileSync(BIN, join(root, 'electron/cli/bin.mjs'));
  writeFileSync(join(root, 'electron/cli/main.ts'), stub('sources'));
  writeFileSync(join(root, 'out/cli/main.js'), stub('bundle'));
  writeManifest();
});

describe('strongroom bin.mjs', () => {
  it('runs the bundle while its sources are unchanged, else the sources; STRONGROOM_CLI_SOURCE=1 forces them', () => {
    expect(run().ran).toBe('bundle');
    expect(run({ STRONGROOM_CLI_SOURCE: '1' }).ran).toBe('sources');
    writeFileSync(join(root, 'electron/cli/main.ts'), `${stub('sources')}// edited\n`);
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
});
