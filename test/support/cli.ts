// The `strongroom` command spawned as a user runs it: a fresh Node process per command, on the
// data directory given, with no passphrase from the environment unless a test sets one, and no
// unlock agent (D30) unless a test turns it on: each call unlocks for itself.
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { fileURLToPath } from 'node:url';

export const STRONGROOM_BIN = fileURLToPath(new URL('../../electron/cli/bin.cjs', import.meta.url));

export type CliRun = { code: number | null; stdout: string; stderr: string; json: () => Record<string, unknown> };

export function cli(dataDir: string, args: ReadonlyArray<string>, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliRun {
  const r = spawnSync(process.execPath, [STRONGROOM_BIN, ...args], {
    env: { ...process.env, STRONGROOM_DATA_DIR: dataDir, STRONGROOM_PASSPHRASE: '', STRONGROOM_AGENT: 'off', ...options.env },
    encoding: 'utf8',
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) as Record<string, unknown> };
}

/** A command that succeeded: exit 0 and its JSON (`{}` for no output). Stderr must be empty unless `allowStderr` (notes and warnings). */
export function expectOk(r: CliRun, options: { allowStderr?: boolean } = {}): Record<string, unknown> {
  if (options.allowStderr !== true) {
    expect(r.stderr, r.stderr).toBe('');
  }
  expect(r.code, r.stderr).toBe(0);
  return r.stdout === '' ? {} : r.json();
}

/** An AWS-style error: exit 1 and `An error occurred (Name) when calling the <command> command: …`. Returns stderr. */
export function expectAwsError(r: CliRun, name: string, command: string): string {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^An error occurred \\(${name}\\) when calling the ${command} command: `));
  return r.stderr;
}

/** A usage error: exit 2 and `strongroom: error: …`. Returns stderr. */
export function expectUsageError(r: CliRun): string {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^strongroom: error: /);
  return r.stderr;
}
