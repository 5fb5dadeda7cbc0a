// Every citation in the product's code points into the repository (docs/architecture.md and the
// other pages of docs/): no "DESIGN.md invariant N", no "reference §N", no Markdown file that is
// not here. Files still being reworked on other branches are listed in known-exceptions.ts.

import { describe, expect, it } from 'vitest';
import { deadCitations } from './citations.ts';
import { readSources } from './import-graph.ts';
import { KNOWN_DEAD_CITATIONS } from './known-exceptions.ts';

const repo = new URL('../..', import.meta.url).pathname;

describe('the citation checker', () => {
  it('reports the old design documents and Markdown files the repository does not hold', () => {
    const source = [
      '// Time is injected (DESIGN.md invariant 7).',
      '// The key-state table (reference §6.1).',
      '// CloudTrail records (reference/aws-kms.md §14).',
      '// Suites (reference encryption-sdk-format.md §3).',
      '// Origin checked (electron.md item 17).',
      '// Time is injected (docs/architecture.md, invariant 7).',
      '// Formats: docs/file-format.md and README.md; see security-model.md.',
      "const reference = { '§': 1 };",
    ].join('\n');
    const found = deadCitations('electron/kms/x.ts', source, ['README.md', 'docs/architecture.md', 'docs/file-format.md', 'docs/security-model.md']);
    expect(found.map((citation) => citation.line)).toEqual([1, 2, 3, 4, 5]);
    expect(found[0]).toEqual({ file: 'electron/kms/x.ts', line: 1, text: '// Time is injected (DESIGN.md invariant 7).' });
  });
});

describe('the product', () => {
  const markdown = [...readSources(repo, ['docs']).keys(), 'README.md'];
  const sources = readSources(repo, ['electron', 'shared', 'renderer']);
  const dead = [...sources].flatMap(([file, text]) => deadCitations(file, text, markdown));
  const known = new Set(KNOWN_DEAD_CITATIONS.map((entry) => entry.file));

  it('cites only documents in the repository, outside the known exceptions', () => {
    expect(dead.filter((citation) => !known.has(citation.file)).map((citation) => `${citation.file}:${citation.line}: ${citation.text}`)).toEqual([]);
  });

  it('still has a dead citation in every file known-exceptions.ts lists (remove an entry once fixed)', () => {
    expect([...known].filter((file) => !dead.some((citation) => citation.file === file))).toEqual([]);
  });
});
