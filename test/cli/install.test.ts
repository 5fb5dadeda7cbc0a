// `strongroom` on PATH from the README's install steps: the first install block runs `npm link`,
// which links package.json's "bin" into npm's global bin folder. Here the global folder is a
// scratch one (npm_config_prefix), so the test changes nothing outside its temporary folders,
// and the command is run from an unrelated folder through PATH, as a user would.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The shell lines of the README's first ```sh block (the install block), comments removed. */
function firstInstallBlock(): Array<string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '');
}

describe('strongroom on PATH', () => {
  it('package.json names bin.cjs as the strongroom command, and it is executable', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    expect(pkg.bin).toEqual({ strongroom: 'electron/cli/bin.cjs' });
    expect(lstatSync(join(ROOT, 'electron/cli/bin.cjs')).mode & 0o111).not.toBe(0);
    expect(readFileSync(join(ROOT, 'electron/cli/bin.cjs'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('the README’s first install block runs npm link, and after it `strongroom` runs from any folder', () => {
    const lines = firstInstallBlock();
    expect(lines.slice(0, 2)).toEqual(['npm install', 'npm link']);
    const work = tempDir('strongroom-cli-install-');
    const prefix = join(work, 'npm-global');
    mkdirSync(join(prefix, 'lib'), { recursive: true });
    const env = { ...process.env, npm_config_prefix: prefix, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
    // --ignore-scripts: the checkout is installed already; `prepare` would only rebuild the bundle.
    const link = spawnSync('npm', ['link', '--ignore-scripts'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(link.status, link.stderr).toBe(0);
    expect(existsSync(join(prefix, 'bin', 'strongroom'))).toBe(true);
    const elsewhere = join(work, 'elsewhere');
    mkdirSync(elsewhere);
    const pathEnv = { ...process.env, PATH: `${join(prefix, 'bin')}${delimiter}${process.env.PATH ?? ''}`, STRONGROOM_DATA_DIR: join(work, 'data'), STRONGROOM_AGENT: 'off' };
    const version = spawnSync('strongroom', ['--version'], { cwd: elsewhere, env: pathEnv, encoding: 'utf8' });
    expect(version.status, version.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout).toBe(`strongroom ${pkg.version}\n`);
    const status = spawnSync('strongroom', ['status'], { cwd: elsewhere, env: pathEnv, encoding: 'utf8' });
    expect(status.status).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({ Initialized: false });
  });
});
