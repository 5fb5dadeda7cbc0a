// @doyensec/electronegativity over the Electron glue and the renderer: every finding must be one
// docs/security.md explains (scripts/electronegativity.ts keeps the list). A planted insecure
// window proves the scan finds what it should.
import { describe, expect, it } from 'vitest';
import { EXPLAINED, scan, unexplained } from '../../scripts/electronegativity.ts';
import { readFileSync } from 'node:fs';

describe('electronegativity', () => {
  it('finds nothing that docs/security.md does not explain', () => {
    const findings = scan();
    expect(unexplained(findings)).toEqual([]);
    const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
    for (const key of EXPLAINED.keys()) {
      expect(doc, `docs/security.md explains ${key}`).toContain(key.split(' ')[0]);
    }
  });

  it('reports an insecure window when one is planted', () => {
    const planted = scan({
      'planted.js': "const { BrowserWindow } = require('electron');\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n",
    });
    const checks = unexplained(planted).map((f) => f.check);
    expect(checks).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK']));
  });
});
