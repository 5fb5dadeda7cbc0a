// The layer order of docs/architecture.md ("Layers"), as data the tests check the import graph
// against. A layer is a folder; each layer lists the layers it may import, and whether it may
// import Node builtins and the `electron` package. Everything not listed is forbidden.
//
//   renderer ──► shared ◄── main ──► bridge ──► engine (electron/kms)
//                  ▲          preload ─┘ (shared only)   ▲
//                  └── cli, server ──────────────────────┘
//
// test/, bench/ and scripts/ are not layers: they may reach anything.

import { isNodeBuiltin, packageName, type ImportEdge, type ImportGraph } from './import-graph.ts';

export type LayerName = 'shared' | 'renderer' | 'engine' | 'bridge' | 'server' | 'cli' | 'main' | 'preload';

export interface LayerRule {
  readonly name: LayerName;
  /** Repo-relative folder, with a trailing slash. */
  readonly folder: string;
  /** Layers this one may import, itself included. */
  readonly mayImport: readonly LayerName[];
  readonly nodeBuiltins: boolean;
  readonly electronPackage: boolean;
  /** Why the layer sits where it does: printed beside a violation. */
  readonly why: string;
}

export const LAYERS: readonly LayerRule[] = [
  {
    name: 'shared',
    folder: 'shared/',
    mayImport: ['shared'],
    nodeBuiltins: false,
    electronPackage: false,
    why: 'shared/ is imported by the sandboxed renderer and by Node alike: no Node, no Electron, nothing from electron/ or renderer/',
  },
  {
    name: 'renderer',
    folder: 'renderer/',
    mayImport: ['renderer', 'shared'],
    nodeBuiltins: false,
    electronPackage: false,
    why: 'the renderer is a sandboxed web page: it reaches the engine only through window.strongroom, typed by shared/',
  },
  {
    name: 'engine',
    folder: 'electron/kms/',
    mayImport: ['engine', 'shared'],
    nodeBuiltins: true,
    electronPackage: false,
    why: 'the engine runs in plain Node (CLI, tests, benchmarks) and knows none of its surfaces',
  },
  {
    name: 'bridge',
    folder: 'electron/bridge/',
    mayImport: ['bridge', 'server', 'engine', 'shared'],
    nodeBuiltins: true,
    electronPackage: false,
    why: "the window's calls, transport-free: the Electron main process and browser mode both host it",
  },
  {
    name: 'server',
    folder: 'electron/server/',
    mayImport: ['server', 'bridge', 'engine', 'shared'],
    nodeBuiltins: true,
    electronPackage: false,
    why: 'the AWS endpoint and browser mode run without Electron (from the CLI), so never from electron/main',
  },
  {
    name: 'cli',
    folder: 'electron/cli/',
    mayImport: ['cli', 'server', 'bridge', 'engine', 'shared'],
    nodeBuiltins: true,
    electronPackage: false,
    why: 'the CLI runs in plain Node: the engine, the servers and the bridge, never electron/main',
  },
  {
    name: 'main',
    folder: 'electron/main/',
    mayImport: ['main', 'bridge', 'engine', 'shared'],
    nodeBuiltins: true,
    electronPackage: true,
    why: "Electron's main process: window, protocol and IPC glue over the bridge",
  },
  {
    name: 'preload',
    folder: 'electron/preload/',
    mayImport: ['preload', 'shared'],
    nodeBuiltins: false,
    electronPackage: true,
    why: 'the preload exposes the bridge channels and nothing else: electron and shared/ only',
  },
];

export function layerOf(file: string): LayerRule | undefined {
  return LAYERS.find((layer) => file.startsWith(layer.folder));
}

/** An import the layer order forbids, with the rule it breaks. */
export interface LayerViolation {
  readonly from: string;
  readonly to: string;
  readonly rule: string;
}

/** Checks one edge; undefined when it is allowed (or when neither end is in a layer). */
export function checkEdge(edge: ImportEdge): LayerViolation | undefined {
  const from = layerOf(edge.from);
  if (from === undefined) {
    return undefined;
  }
  const violation = (rule: string): LayerViolation => ({ from: edge.from, to: edge.to, rule: `${from.name} (${from.folder}): ${rule}; ${from.why}` });
  if (edge.kind === 'package') {
    if (packageName(edge.to) === 'electron' && !from.electronPackage) {
      return violation('may not import the electron package');
    }
    if (isNodeBuiltin(edge.to) && !from.nodeBuiltins) {
      return violation('may not import Node builtins');
    }
    return undefined;
  }
  const to = layerOf(edge.to);
  if (to === undefined) {
    return violation(`may not import ${edge.to}, which is outside every layer`);
  }
  return from.mayImport.includes(to.name) ? undefined : violation(`may not import ${to.name} (${to.folder})`);
}

export function layerViolations(graph: ImportGraph): LayerViolation[] {
  return graph.edges.map(checkEdge).filter((violation): violation is LayerViolation => violation !== undefined);
}
