// The layer order of docs/architecture.md ("Layers"), checked on every import of electron/,
// shared/ and renderer/: type-only imports and dynamic imports included.

import { describe, expect, it } from 'vitest';
import { buildImportGraph, readSources } from './import-graph.ts';
import { KNOWN_LAYER_BREACHES } from './known-exceptions.ts';
import { LAYERS, layerOf, layerViolations } from './layers.ts';

const repo = new URL('../..', import.meta.url).pathname;

describe('the layer checker', () => {
  it('reports each forbidden import, with the rule it breaks', () => {
    const graph = buildImportGraph(
      new Map([
        ['electron/kms/engine.ts', "import type { Cli } from '../cli/main.ts';\nimport { app } from 'electron';\nexport const x = 1;"],
        ['electron/kms/late.ts', "export const load = () => import('../server/endpoint.ts');"],
        ['electron/cli/main.ts', "import { window } from '../main/window.ts';\nexport type Cli = number;"],
        ['electron/server/endpoint.ts', "export { csp } from '../main/csp.ts';"],
        ['electron/main/window.ts', 'export const window = 1;'],
        ['electron/main/csp.ts', 'export const csp = 1;'],
        ['shared/api/x.ts', "import { readFileSync } from 'node:fs';\nimport { join } from 'path';\nimport type { Kms } from '../../electron/kms/engine.ts';"],
        ['renderer/src/a.ts', "import { x } from '../../electron/kms/engine.ts';\nimport { ipcRenderer } from 'electron';\nimport { window } from '../../electron/main/window.ts';"],
        ['electron/preload/index.ts', "import type { Kms } from '../kms/engine.ts';"],
      ]),
    );
    const found = layerViolations(graph).map((violation) => `${violation.from} -> ${violation.to}`);
    expect(found.sort()).toEqual(
      [
        'electron/kms/engine.ts -> electron/cli/main.ts',
        'electron/kms/engine.ts -> electron',
        'electron/kms/late.ts -> electron/server/endpoint.ts',
        'electron/cli/main.ts -> electron/main/window.ts',
        'electron/server/endpoint.ts -> electron/main/csp.ts',
        'shared/api/x.ts -> node:fs',
        'shared/api/x.ts -> path',
        'shared/api/x.ts -> electron/kms/engine.ts',
        'renderer/src/a.ts -> electron/kms/engine.ts',
        'renderer/src/a.ts -> electron',
        'renderer/src/a.ts -> electron/main/window.ts',
        'electron/preload/index.ts -> electron/kms/engine.ts',
      ].sort(),
    );
    const [first] = layerViolations(graph);
    expect(first?.rule).toMatch(/^engine \(electron\/kms\/\): may not import cli \(electron\/cli\/\); the engine runs in plain Node/);
  });

  it('accepts the imports the order allows', () => {
    const graph = buildImportGraph(
      new Map([
        ['shared/api/a.ts', "import { b } from './b.ts';"],
        ['shared/api/b.ts', 'export const b = 1;'],
        ['renderer/src/a.tsx', "import { b } from '../../shared/api/b.ts';\nimport { useState } from 'react';\nimport './styles.css';"],
        ['renderer/src/styles.css', 'body {}'],
        ['electron/kms/engine.ts', "import { b } from '../../shared/api/b.ts';\nimport Database from 'better-sqlite3';\nimport { createHash } from 'node:crypto';"],
        ['electron/bridge/dispatch.ts', "import { k } from '../kms/engine.ts';\nimport { e } from '../server/endpoint.ts';"],
        ['electron/server/endpoint.ts', "import { k } from '../kms/engine.ts';"],
        ['electron/server/browser.ts', "import { d } from '../bridge/dispatch.ts';"],
        ['electron/cli/main.ts', "import { k } from '../kms/engine.ts';\nconst s = () => import('../server/browser.ts');"],
        ['electron/main/app.ts', "import { app } from 'electron';\nimport { d } from '../bridge/dispatch.ts';\nimport { k } from '../kms/engine.ts';"],
        ['electron/preload/index.ts', "import { contextBridge } from 'electron';\nimport { b } from '../../shared/api/b.ts';"],
      ]),
    );
    expect(layerViolations(graph)).toEqual([]);
  });

  it('knows a layer for every folder of the product', () => {
    const files = readSources(repo, ['electron', 'shared', 'renderer']).keys();
    expect([...files].filter((file) => layerOf(file) === undefined)).toEqual([]);
    expect(new Set(LAYERS.map((layer) => layer.folder)).size).toBe(LAYERS.length);
  });
});

describe('the product', () => {
  const violations = layerViolations(buildImportGraph(readSources(repo, ['electron', 'shared', 'renderer'])));
  const isKnown = (from: string, to: string) => KNOWN_LAYER_BREACHES.some((entry) => entry.from === from && entry.to === to);

  it('imports nothing against the layer order, outside the known exceptions', () => {
    expect(violations.filter((violation) => !isKnown(violation.from, violation.to)).map((violation) => `${violation.from} -> ${violation.to}: ${violation.rule}`)).toEqual([]);
  });

  it('still has every breach known-exceptions.ts lists (remove an entry once it is fixed)', () => {
    expect(KNOWN_LAYER_BREACHES.filter((entry) => !violations.some((violation) => violation.from === entry.from && violation.to === entry.to))).toEqual([]);
  });
});
