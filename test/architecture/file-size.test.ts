// No file under electron/kms/ over 400 lines (docs/architecture.md, "Where each concern lives"):
// a module that grows past it is doing more than one thing. Files still being split are listed
// in known-exceptions.ts.

import { describe, expect, it } from 'vitest';
import { readSources } from './import-graph.ts';
import { KNOWN_LONG_FILES } from './known-exceptions.ts';

const repo = new URL('../..', import.meta.url).pathname;
const ENGINE_LINE_LIMIT = 400;

/** Files longer than `limit` lines (a final newline does not start a line), with their length. */
function longFiles(sources: ReadonlyMap<string, string>, limit: number): { file: string; lines: number }[] {
  return [...sources]
    .map(([file, text]) => ({ file, lines: text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length }))
    .filter((entry) => entry.lines > limit)
    .sort((a, b) => a.file.localeCompare(b.file));
}

describe('the line counter', () => {
  it('reports a file one line over the limit, not one at it', () => {
    const sources = new Map([
      ['electron/kms/at.ts', 'x\n'.repeat(400)],
      ['electron/kms/over.ts', 'x\n'.repeat(400) + 'x'],
    ]);
    expect(longFiles(sources, ENGINE_LINE_LIMIT)).toEqual([{ file: 'electron/kms/over.ts', lines: 401 }]);
  });
});

describe('the engine', () => {
  const long = longFiles(readSources(repo, ['electron/kms']), ENGINE_LINE_LIMIT);
  const known = new Set(KNOWN_LONG_FILES.map((entry) => entry.file));

  it(`has no file over ${ENGINE_LINE_LIMIT} lines, outside the known exceptions`, () => {
    expect(long.filter((entry) => !known.has(entry.file))).toEqual([]);
  });

  it('still has every long file known-exceptions.ts lists (remove an entry once the file is split)', () => {
    expect([...known].filter((file) => !long.some((entry) => entry.file === file))).toEqual([]);
  });
});
