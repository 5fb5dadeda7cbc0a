// Runs @doyensec/electronegativity (Electron security misconfiguration scanner) over the Electron
// glue and the renderer, and fails on any finding that docs/security.md does not explain. Usage:
//   node scripts/electronegativity.ts            (exit 0: nothing unexplained; 1: see the list)
//
// It scans a copy of electron/ (main, preload, bridge, server), renderer/ and, when a build
// exists, the built index.html (where the CSP <meta> is). The tool fetches translations and
// Electron's release list from the internet; offline (CI here) its HTTP client crashes on a
// retry timer, so its `got` module is replaced by one that fails at once, and the one check that
// needs the release list (AvailableSecurityFixesGlobalCheck: "is this Electron version the
// latest patch?") is left out — Electron's version is pinned in package.json and reviewed there.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Findings that do not apply, each explained in docs/security.md ("Electronegativity"). Keyed by
 * check id and the file it names ('N/A' for global checks).
 */
export const EXPLAINED: ReadonlyMap<string, string> = new Map([
  // Without a build there is no HTML carrying the policy: it is injected at build time.
  ['CSP_GLOBAL_CHECK N/A', 'no build to scan: the CSP is a response header (electron/bridge/csp.ts) and a <meta> the build injects'],
  // csp-evaluator's "maybe" warning on script-src 'self' (JSONP, Angular, user uploads on the origin).
  ['CSP_GLOBAL_CHECK built-index.html', "script-src 'self' is the renderer's own bundle: the origin serves no JSONP, no Angular, and never user files (see docs/security.md)"],
]);

export type Finding = { readonly check: string; readonly severity: string; readonly file: string; readonly location: string; readonly description: string };

type Sarif = {
  readonly runs?: ReadonlyArray<{
    readonly results?: ReadonlyArray<{
      readonly ruleId?: string;
      readonly level?: string;
      readonly message?: { readonly text?: string };
      readonly locations?: ReadonlyArray<{ readonly physicalLocation?: { readonly artifactLocation?: { readonly uri?: string }; readonly region?: { readonly startLine?: number } } }>;
    }>;
  }>;
};

/** The SARIF report (JSON: the CSV form breaks on CSP strings that span lines). */
function parseSarif(text: string): Array<Finding> {
  const sarif = JSON.parse(text) as Sarif;
  return (sarif.runs ?? []).flatMap((run) =>
    (run.results ?? []).map((r) => {
      const where = r.locations?.[0]?.physicalLocation;
      const uri = where?.artifactLocation?.uri;
      return {
        check: r.ruleId ?? '',
        severity: r.level ?? '',
        // Global findings name no file: the report says file:/// (the CSV form says N/A).
        file: uri === undefined || uri === '' || uri === 'file:///' ? 'N/A' : uri,
        location: String(where?.region?.startLine ?? 0),
        description: r.message?.text ?? '',
      };
    }),
  );
}

/** Scans the project; `plant` adds files to the scanned copy (a test proves the scan can fail). */
export function scan(plant: Readonly<Record<string, string>> = {}): Array<Finding> {
  const work = mkdtempSync(join(tmpdir(), 'strongroom-electronegativity-'));
  try {
    const target = join(work, 'app');
    cpSync(join(ROOT, 'electron'), join(target, 'electron'), { recursive: true, filter: (src) => !src.includes(`${join('electron', 'kms')}`) });
    cpSync(join(ROOT, 'renderer'), join(target, 'renderer'), { recursive: true });
    const built = join(ROOT, 'out', 'renderer', 'index.html');
    if (existsSync(built)) {
      cpSync(built, join(target, 'built-index.html'));
    }
    for (const [name, content] of Object.entries(plant)) {
      writeFileSync(join(target, name), content);
    }
    const stub = join(work, 'offline-got.cjs');
    writeFileSync(
      stub,
      "const Module = require('module'); const load = Module._load;\n" +
        "Module._load = function (request) { if (request === 'got') { const f = () => Promise.reject(new Error('offline')); f.default = f; return f; } return load.apply(this, arguments); };\n",
    );
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const report = join(work, 'report.sarif');
    const run = spawnSync(
      process.execPath,
      ['-r', stub, join(ROOT, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js'), '-i', target, '-e', pkg.devDependencies.electron ?? '45.0.0', '-x', 'AvailableSecurityFixesGlobalCheck', '-r', '-o', report],
      { encoding: 'utf8', timeout: 300_000 },
    );
    if (run.status !== 0 || !existsSync(report)) {
      throw new Error(`electronegativity failed (${String(run.status)}): ${run.stderr.slice(-2000)}`);
    }
    return parseSarif(readFileSync(report, 'utf8'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function unexplained(findings: ReadonlyArray<Finding>): Array<Finding> {
  return findings.filter((f) => !EXPLAINED.has(`${f.check} ${f.file}`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const findings = scan();
  for (const f of findings) {
    const reason = EXPLAINED.get(`${f.check} ${f.file}`);
    console.log(`${reason === undefined ? 'UNEXPLAINED' : 'explained  '} ${f.check} (${f.severity}) ${f.file}:${f.location} — ${reason ?? f.description}`);
  }
  const open = unexplained(findings);
  console.log(`${findings.length} finding(s), ${open.length} unexplained.`);
  process.exit(open.length === 0 ? 0 : 1);
}
