// The ceremony's engine side (electron/kms/ceremony/) depends on no surface and no terminal: it
// imports nothing from the CLI, the server, the main process or Electron, and nothing that reads a
// terminal; people are reached only through its operator port. It does not reach into the store
// either, except where a line is marked for the Kms method that will replace it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CEREMONY = join(ROOT, 'electron/kms/ceremony');

/** Where the ceremony may not import from (folders relative to the repository, or module names). */
const FORBIDDEN = [/^electron\/cli\//, /^electron\/server\//, /^electron\/main\//, /^electron\/preload/, /^renderer\//, /^electron$/, /^node:(readline|tty)/];
const STORE = /^electron\/kms\/store\//;
const MARK = '// lead: replace with Kms.';

/** The problems with one source file's imports; `file` is its path relative to the repository. */
function importProblems(file: string, source: string): Array<string> {
  const problems: Array<string> = [];
  const specifiers = [...source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? '');
  for (const spec of specifiers) {
    const target = spec.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), spec)) : spec;
    if (FORBIDDEN.some((p) => p.test(target))) {
      problems.push(`${file} imports ${target}`);
    }
    if (STORE.test(target) && !source.includes(MARK)) {
      problems.push(`${file} reaches into the store (${target}) with no line marked '${MARK}<method>'`);
    }
  }
  if (/process\.(stdin|stdout|stderr)|console\./.test(source)) {
    problems.push(`${file} uses the process's terminal`);
  }
  return problems;
}

describe('the ceremony engine module’s boundaries', () => {
  it('imports no surface, no terminal, and the store only on marked lines', () => {
    const files = readdirSync(CEREMONY).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const problems = files.flatMap((f) => importProblems(relative(ROOT, join(CEREMONY, f)), readFileSync(join(CEREMONY, f), 'utf8')));
    expect(problems).toEqual([]);
  });

  it('catches each kind of crossing (so the check above can fail)', () => {
    const file = 'electron/kms/ceremony/example.ts';
    expect(importProblems(file, "import { UsageError } from '../../cli/usage-error.ts';")).toEqual([`${file} imports electron/cli/usage-error.ts`]);
    expect(importProblems(file, "import {\n  createInterface,\n} from 'node:readline/promises';")).toEqual([`${file} imports node:readline/promises`]);
    expect(importProblems(file, "import { openDatabase } from '../store/database.ts';")).toHaveLength(1);
    expect(importProblems(file, `import { openDatabase } from '../store/database.ts';\n${MARK}open(dataDir)`)).toEqual([]);
    expect(importProblems(file, 'process.stderr.write("Proceed?")')).toEqual([`${file} uses the process's terminal`]);
  });
});
