// The renderer bundle (built by global-setup) is browser code only: no Node built-in is imported
// or required anywhere in it, and it loads nothing from another origin.

import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';

const OUT = fileURLToPath(new URL('../../out/renderer', import.meta.url));

function files(dir: string): Array<string> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

test('the renderer bundle holds no Node built-in and no remote resource', () => {
  const scripts = files(OUT).filter((f) => f.endsWith('.js'));
  expect(scripts.length).toBeGreaterThan(0);
  const names = builtinModules.filter((m) => !m.startsWith('_')).map((m) => m.replace(/^node:/, ''));
  for (const file of scripts) {
    const code = readFileSync(file, 'utf8');
    const imports = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1] ?? '');
    const offending = imports.filter((spec) => spec.startsWith('node:') || names.includes(spec.split('/')[0] ?? ''));
    expect(offending, `${file} imports Node built-ins`).toEqual([]);
    expect(code, `${file} uses process.binding`).not.toMatch(/process\.binding\(/);
  }
  const html = readFileSync(join(OUT, 'index.html'), 'utf8');
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
});
