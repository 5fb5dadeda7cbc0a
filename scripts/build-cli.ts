// Builds the `strongroom` command into out/cli/: the TypeScript sources of electron/cli/main.ts and
// everything it imports, bundled by rolldown (which vite already brings) into plain JavaScript, so
// a CLI call loads a few CommonJS files and strips no types. The sources stay the truth: bin.cjs
// runs the bundle only while out/cli/manifest.json says it is current (every source file it was
// built from still has the size and mtime recorded here), else it runs the sources.
//
//   node scripts/build-cli.ts        (run by `npm ci` / `npm install` through the `prepare` script)
//
// Packages from node_modules stay runtime imports (native ones must; the others are loaded only by
// the commands that use them). Dynamic import() calls in the sources become separate chunks, so a
// command loads only the chunks it reaches. The chunks sit flat in out/cli/, two levels below the
// repository like electron/cli/, so `new URL('../../package.json', import.meta.url)` finds the same file
// (in the CommonJS output import.meta.url is pathToFileURL(__filename)).

import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutputChunk, RolldownOutput } from 'rolldown';

export const CLI_OUT_DIR = 'out/cli';
export const CLI_MANIFEST = 'manifest.json';

/** What bin.cjs reads to decide whether the bundle is current, and what the start test maps chunks with. */
export type CliManifest = {
  readonly entry: string;
  /** Source files (relative to the repository) with the size and mtime they had when built. */
  readonly inputs: ReadonlyArray<{ readonly path: string; readonly size: number; readonly mtimeMs: number }>;
  /** Each output file with the source files bundled into it. */
  readonly chunks: Readonly<Record<string, ReadonlyArray<string>>>;
};

const root = fileURLToPath(new URL('..', import.meta.url));

function isPackageImport(id: string): boolean {
  return isBuiltin(id) || !(id.startsWith('.') || id.startsWith('/') || id.startsWith('\0'));
}

type Output = RolldownOutput['output'];

type Groups = { readonly start: ReadonlySet<string>; readonly engine: ReadonlySet<string>; readonly shared: ReadonlySet<string> };

async function bundle(dir: string, groups: Groups | null): Promise<RolldownOutput> {
  // Imported here, not at the top: an install without devDependencies has no rolldown, and then
  // the CLI simply runs its sources.
  const { build } = await import('rolldown');
  return build({
    input: { main: join(root, 'electron/cli/main.ts') },
    platform: 'node',
    external: isPackageImport,
    logLevel: 'warn',
    onLog: (_level, log) => {
      // The only import.meta forms CommonJS output can stand in for are url, filename and dirname
      // (rolldown writes pathToFileURL(__filename) and so on); any other would silently become {}.
      if (log.code === 'EMPTY_IMPORT_META') {
        throw new Error(`The CLI bundle cannot be CommonJS: ${log.message}`);
      }
    },
    write: dir !== '',
    output: {
      dir: dir === '' ? join(root, CLI_OUT_DIR) : dir,
      // CommonJS, not ESM: Node loads CommonJS files and builtins through require() in about half the
      // time it takes to link the same as ES modules (docs/decisions.md, D30). `.cjs` because the
      // package is "type": "module".
      format: 'cjs',
      entryFileNames: '[name].cjs',
      chunkFileNames: '[name]-[hash].cjs',
      // A package imported on use (keytar, node:readline) becomes require() too: an import() would
      // start Node's ES module loader for that one call. ES-only packages load through require(esm).
      dynamicImportInCjs: false,
      sourcemap: false,
      ...(groups === null
        ? {}
        : {
            codeSplitting: {
              groups: [
                // What both the engine and the file commands use (the atomic writer) goes with the start:
                // a few kilobytes every call parses, where a chunk of its own was merged back into the engine's.
                { name: 'start', test: (id: string) => groups.start.has(id) || groups.shared.has(id), priority: 2 },
                { name: 'engine', test: (id: string) => groups.engine.has(id), priority: 1 },
              ],
            },
          }),
    },
  });
}

/** The modules in a chunk and every chunk it imports statically: what loading it loads. */
function closureOf(output: Output, first: (chunk: OutputChunk) => boolean): Set<string> {
  const byName = new Map(output.flatMap((item) => (item.type === 'chunk' ? [[item.fileName, item] as const] : [])));
  const seen = new Set<string>();
  const modules = new Set<string>();
  const visit = (name: string): void => {
    const chunk = byName.get(name);
    if (chunk === undefined || seen.has(name)) {
      return;
    }
    seen.add(name);
    chunk.moduleIds.forEach((id) => modules.add(id));
    chunk.imports.forEach(visit);
  };
  const start = output.find((item): item is OutputChunk => item.type === 'chunk' && first(item));
  if (start !== undefined) {
    visit(start.fileName);
  }
  return modules;
}

/**
 * What every call loads (the entry), and what a call that opens the installation adds (the
 * engine). What the file commands reach stays out of the engine's chunk: through an agent they
 * never open the installation, and the engine's chunk is most of the bundle.
 */
function groupsOf(output: Output): Groups {
  const start = closureOf(output, (c) => c.fileName === 'main.cjs');
  const engine = closureOf(output, (c) => c.moduleIds.some((id) => id.endsWith('/electron/kms/engine.ts')));
  const files = closureOf(output, (c) => c.moduleIds.some((id) => id.endsWith('/electron/cli/files.ts')));
  return {
    start,
    engine: new Set([...engine].filter((id) => !start.has(id) && !files.has(id))),
    shared: new Set([...engine].filter((id) => !start.has(id) && files.has(id))),
  };
}

export async function buildCli(): Promise<CliManifest> {
  const outDir = join(root, CLI_OUT_DIR);
  // Built beside, then swapped in: a CLI call running during the build sees the old or the new bundle, never half.
  const staging = `${outDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(root, 'out'), { recursive: true });
  // Rolldown puts modules shared by the entry and a dynamic import into chunks of their own, a
  // score of small files that every call then loads one by one. A first pass finds the modules
  // every call loads anyway, and those the engine brings; the second puts each set into one
  // chunk, leaving the other dynamic imports lazy.
  const first = await bundle('', null);
  const result = await bundle(staging, groupsOf(first.output));
  const chunks: Record<string, Array<string>> = {};
  const sources = new Set<string>();
  for (const item of result.output) {
    if (item.type !== 'chunk') {
      continue;
    }
    const ids = item.moduleIds.filter((id) => id.startsWith(root) && !id.includes('/node_modules/')).map((id) => relative(root, id));
    chunks[item.fileName] = ids;
    for (const id of ids) {
      sources.add(id);
    }
  }
  const inputs = [...sources].sort().map((path) => {
    const s = statSync(join(root, path));
    return { path, size: s.size, mtimeMs: s.mtimeMs };
  });
  const manifest: CliManifest = { entry: 'main.cjs', inputs, chunks };
  writeFileSync(join(staging, CLI_MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
  const old = `${outDir}.old-${process.pid}`;
  try {
    renameSync(outDir, old);
  } catch {
    // No earlier build.
  }
  renameSync(staging, outDir);
  rmSync(old, { recursive: true, force: true });
  return manifest;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  try {
    await import('rolldown');
  } catch {
    console.log('strongroom CLI not bundled: rolldown is not installed (an install without devDependencies); the CLI runs its TypeScript sources.');
    process.exit(0);
  }
  const manifest = await buildCli();
  console.log(
    `strongroom CLI built into ${CLI_OUT_DIR}/: ${manifest.inputs.length} source files in ${Object.keys(manifest.chunks).length} chunks (${Math.round(performance.now() - started)} ms)`,
  );
}
