// The import graph of the product's sources, read the way the bundler and tsc read them: static
// `import` and `import type`, `export … from`, side-effect imports, `require()` and `import()` with
// a literal specifier. Type-only imports count: a type cycle is still a design cycle, and a type
// import from a forbidden layer is still a dependency on it. Relative specifiers are resolved to
// files; anything else is a package (or a node: builtin).
//
// The parser is TypeScript's own pre-processor (ts.preProcessFile), so comments, strings and
// template literals are never mistaken for imports.

import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix, relative } from 'node:path';
import ts from 'typescript';

/** One import, resolved: a repo-relative file, or a package specifier. */
export type ImportEdge =
  | { readonly from: string; readonly kind: 'file'; readonly to: string; readonly specifier: string }
  | { readonly from: string; readonly kind: 'package'; readonly to: string; readonly specifier: string };

export interface ImportGraph {
  /** Repo-relative paths with forward slashes, sorted. */
  readonly files: readonly string[];
  readonly edges: readonly ImportEdge[];
  /** Relative specifiers that name no file among the sources: the graph would be incomplete. */
  readonly unresolved: readonly { readonly from: string; readonly specifier: string }[];
}

const SOURCE = /\.(?:[cm]?[jt]sx?)$/;
const RESOLVE_SUFFIXES = ['', '.ts', '.tsx', '.mts', '.js', '.mjs', '/index.ts', '/index.tsx'];

/**
 * Reads every file under the given repo-relative folders. Sources are parsed for imports; other
 * files (a stylesheet, index.html) are kept so that an import of them resolves.
 */
export function readSources(repo: string, folders: readonly string[]): Map<string, string> {
  const sources = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        visit(path);
      } else {
        sources.set(relative(repo, path).split('\\').join('/'), readFileSync(path, 'utf8'));
      }
    }
  };
  for (const folder of folders) {
    visit(join(repo, folder));
  }
  return sources;
}

/** The specifiers one source file imports, in source order. */
export function importSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

/** Builds the graph of the given sources; resolution looks only at the sources given. */
export function buildImportGraph(sources: ReadonlyMap<string, string>): ImportGraph {
  const edges: ImportEdge[] = [];
  const unresolved: { from: string; specifier: string }[] = [];
  for (const [from, source] of sources) {
    if (!SOURCE.test(from)) {
      continue;
    }
    for (const specifier of importSpecifiers(source)) {
      if (!specifier.startsWith('.')) {
        edges.push({ from, kind: 'package', to: specifier, specifier });
        continue;
      }
      const to = resolveRelative(sources, from, specifier);
      if (to === undefined) {
        unresolved.push({ from, specifier });
      } else {
        edges.push({ from, kind: 'file', to, specifier });
      }
    }
  }
  return { files: [...sources.keys()].sort(), edges, unresolved };
}

function resolveRelative(sources: ReadonlyMap<string, string>, from: string, specifier: string): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier.replace(/[?#].*$/, '')));
  const candidates = RESOLVE_SUFFIXES.map((suffix) => base + suffix);
  // `./x.js` may name `./x.ts` (the NodeNext convention), though this repo writes `.ts`.
  if (/\.[cm]?js$/.test(base)) {
    candidates.push(base.replace(/js$/, 'ts'), base.replace(/\.js$/, '.tsx'));
  }
  return candidates.find((candidate) => sources.has(candidate));
}

/** Is this specifier a Node builtin (`node:fs`, or the bare `fs`, `fs/promises`)? */
export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier) || builtinModules.includes(specifier.split('/')[0] ?? '');
}

/** The package an import names: `@scope/name` or `name`, without its subpath. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}
