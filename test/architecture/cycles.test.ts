// No import cycles among the product's sources (docs/architecture.md, "Layers"): type-only
// imports, re-exports and dynamic imports included. A cycle is reported as its files in import
// order; the only tolerated ones are listed in known-exceptions.ts.

import { describe, expect, it } from 'vitest';
import { adjacency, describeCycle, findCycles } from './cycles.ts';
import { buildImportGraph, readSources } from './import-graph.ts';
import { KNOWN_CYCLES } from './known-exceptions.ts';

const repo = new URL('../..', import.meta.url).pathname;

describe('the cycle checker', () => {
  it('reports a cycle closed by a type-only import, a re-export and a dynamic import, in import order', () => {
    const graph = buildImportGraph(
      new Map([
        ['electron/kms/a.ts', "import type { B } from './b.ts';\nexport const a = 1;"],
        ['electron/kms/b.ts', "export * from './sub/c.ts';\nexport type B = number;"],
        ['electron/kms/sub/c.ts', "export const c = () => import('../a.ts');"],
        ['electron/kms/d.ts', "import { a } from './a.ts';\n// import './d.ts' in a comment is not an import\nexport const d = a;"],
      ]),
    );
    const cycles = findCycles(adjacency(graph));
    expect(cycles).toEqual([{ files: ['electron/kms/a.ts', 'electron/kms/b.ts', 'electron/kms/sub/c.ts'], cycle: ['electron/kms/a.ts', 'electron/kms/b.ts', 'electron/kms/sub/c.ts'] }]);
    expect(describeCycle(cycles[0]!)).toBe('electron/kms/a.ts -> electron/kms/b.ts -> electron/kms/sub/c.ts -> electron/kms/a.ts');
  });

  it('finds nothing in a graph without cycles, and a file that imports itself', () => {
    const acyclic = buildImportGraph(
      new Map([
        ['shared/a.ts', "import { b } from './b.ts';\nimport { c } from './c.ts';"],
        ['shared/b.ts', "import { c } from './c.ts';"],
        ['shared/c.ts', 'export const c = 1;'],
      ]),
    );
    expect(findCycles(adjacency(acyclic))).toEqual([]);
    const selfImport = buildImportGraph(new Map([['shared/a.ts', "export * from './a.ts';"]]));
    expect(findCycles(adjacency(selfImport)).map(describeCycle)).toEqual(['shared/a.ts -> shared/a.ts']);
  });

  it('names every file of a larger group, beside one cycle through it', () => {
    const graph = buildImportGraph(
      new Map([
        ['shared/a.ts', "import './b.ts';"],
        ['shared/b.ts', "import './a.ts';\nimport './c.ts';"],
        ['shared/c.ts', "import './b.ts';"],
      ]),
    );
    const [cycle] = findCycles(adjacency(graph));
    expect(cycle?.files).toEqual(['shared/a.ts', 'shared/b.ts', 'shared/c.ts']);
    expect(describeCycle(cycle!)).toContain('one cycle among 3 files');
  });

  it('reports a relative import that names no file, rather than leaving it out of the graph', () => {
    const graph = buildImportGraph(new Map([['shared/a.ts', "import { gone } from './gone.ts';"]]));
    expect(graph.unresolved).toEqual([{ from: 'shared/a.ts', specifier: './gone.ts' }]);
  });
});

describe('the product', () => {
  const graph = buildImportGraph(readSources(repo, ['electron', 'shared', 'renderer']));
  const cycles = findCycles(adjacency(graph));
  const known = (files: readonly string[]) => KNOWN_CYCLES.find((entry) => files.every((file) => entry.files.includes(file)));

  it('resolves every relative import of electron/, shared/ and renderer/ to a file', () => {
    expect(graph.files.length).toBeGreaterThan(100);
    expect(graph.unresolved).toEqual([]);
  });

  it('has no import cycle outside the known exceptions', () => {
    expect(cycles.filter((cycle) => known(cycle.files) === undefined).map(describeCycle)).toEqual([]);
  });

  it('still has every cycle known-exceptions.ts lists (remove an entry once its cycle is gone)', () => {
    const stale = KNOWN_CYCLES.filter((entry) => !cycles.some((cycle) => known(cycle.files) === entry)).map((entry) => entry.why);
    expect(stale).toEqual([]);
  });
});
