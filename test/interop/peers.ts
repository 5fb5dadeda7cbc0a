// Peer programs for interoperability tests: the AWS CLI v2 and boto3 from Debian's packages
// (installed by .ci/run). In CI they must be present; elsewhere a missing one skips its tests
// with the reason.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const AWS_CLI_V2 = '/usr/bin/aws';
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const OPENSSL = '/usr/bin/openssl';

const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0';

/** True when the tests for this peer should run: it exists, or CI requires it (then they fail loudly). */
export function peerAvailable(path: string): boolean {
  return existsSync(path) || ci;
}

export type Spawned = { code: number | null; stdout: string; stderr: string };

/**
 * Runs a peer program without blocking: the endpoint it talks to runs in this same process, so
 * spawnSync would deadlock.
 */
export function run(cmd: string, args: ReadonlyArray<string>, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
