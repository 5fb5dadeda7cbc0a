// Engine messages say what is wrong; surfaces add their own hints (docs/architecture.md,
// "Layers"). No string under electron/kms/ names a CLI flag or a CLI command: the CLI adds those
// where it calls the engine (electron/cli/hints.ts). Messages still being moved are listed in
// known-exceptions.ts.

import { describe, expect, it } from 'vitest';
import { surfaceWordings } from './engine-messages.ts';
import { readSources } from './import-graph.ts';
import { KNOWN_SURFACE_WORDINGS } from './known-exceptions.ts';

const repo = new URL('../..', import.meta.url).pathname;

describe('the surface-wording checker', () => {
  it('finds CLI flags and commands in string and template literals, not in comments or identifiers', () => {
    const source = [
      '// pass --force to replace it (a comment may say so)',
      "const a = new Error('x already exists; pass --force to replace it.');",
      'const b = `${x} is the input file. Choose another --output-dir.`;',
      "const c = 'Create one with `strongroom init`.';",
      'const d = `there is no ${kind} named ${name}. \\`strongroom list-${kind}s\\` lists them.`;',
      "const e = 'strongroom:ExportKeyMaterial';",
      "const f = 'a -- b, x--y, 2026-11-23';",
      'const g = force ? 1 : 2;',
    ].join('\n');
    expect(surfaceWordings('electron/kms/x.ts', source).map((found) => found.line)).toEqual([2, 3, 4, 5]);
  });
});

describe('the engine', () => {
  const found = [...readSources(repo, ['electron/kms'])].flatMap(([file, text]) => surfaceWordings(file, text));
  const isKnown = (file: string, text: string) => KNOWN_SURFACE_WORDINGS.some((entry) => entry.file === file && text.includes(entry.fragment));

  it('names no CLI flag or command in its messages, outside the known exceptions', () => {
    expect(found.filter((wording) => !isKnown(wording.file, wording.text)).map((wording) => `${wording.file}:${wording.line}: ${wording.text}`)).toEqual([]);
  });

  it('still has every message known-exceptions.ts lists (remove an entry once it moved)', () => {
    expect(KNOWN_SURFACE_WORDINGS.filter((entry) => !found.some((wording) => wording.file === entry.file && wording.text.includes(entry.fragment)))).toEqual([]);
  });
});
