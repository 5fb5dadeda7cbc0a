// The `strongroom` command spawned as a user runs it: a fresh Node process per command, on the
// data directory given, with no passphrase from the environment unless a test sets one.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const STRONGROOM_BIN = fileURLToPath(new URL('../../electron/cli/bin.mjs', import.meta.url));

export type CliRun = { code: number | null; stdout: string; stderr: string; json: () => Record<string, unknown> };

export function cli(dataDir: string, args: ReadonlyArray<string>, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliRun {
  const r = spawnSync(process.execPath, [STRONGROOM_BIN, ...args], {
    env: { ...process.env, STRONGROOM_DATA_DIR: dataDir, STRONGROOM_PASSPHRASE: '', ...options.env },
    encoding: 'utf8',
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) as Record<string, unknown> };
}
