// DESIGN.md: the engine runs in plain Node (CLI, tests, benchmarks), so nothing under
// electron/kms — nor the CLI, the servers, or shared/ — may import `electron`. The lint rule says
// the same; this scan also catches require() and dynamic import().

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = new URL('../..', import.meta.url).pathname;
const ELECTRON_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)(['"`])electron(?:\/[^'"`]*)?\1/;

function sources(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      return sources(path);
    }
    return /\.(?:[cm]?[jt]sx?)$/.test(name) ? [path] : [];
  });
}

describe('engine boundary', () => {
  it('the pattern catches every import form', () => {
    for (const line of [
      "import { app } from 'electron';",
      'import type { App } from "electron";',
      "import 'electron';",
      "const e = require('electron');",
      "await import('electron/main');",
    ]) {
      expect(ELECTRON_IMPORT.test(line), line).toBe(true);
    }
    for (const line of ["import { x } from './kms/x.ts';", "// runs without electron", "const name = 'electron-vite';"]) {
      expect(ELECTRON_IMPORT.test(line), line).toBe(false);
    }
  });

  it('electron/kms holds sources, and none of them imports electron', () => {
    const files = sources(join(repo, 'electron', 'kms'));
    expect(files.length).toBeGreaterThan(0);
    const offenders = files.filter((file) => ELECTRON_IMPORT.test(readFileSync(file, 'utf8'))).map((file) => relative(repo, file));
    expect(offenders).toEqual([]);
  });

  it('nor do the CLI, the servers, or shared/', () => {
    const files = ['electron/cli', 'electron/server', 'shared'].flatMap((dir) => sources(join(repo, dir)));
    const offenders = files.filter((file) => ELECTRON_IMPORT.test(readFileSync(file, 'utf8'))).map((file) => relative(repo, file));
    expect(offenders).toEqual([]);
  });
});
