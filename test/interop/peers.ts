// Peer programs for interoperability tests: the AWS CLI v2 and boto3 from Debian's packages
// (installed by .ci/run). In CI they must be present; elsewhere a missing one skips its tests
// with the reason.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const AWS_CLI_V2 = '/usr/bin/aws';
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const OPENSSL = '/usr/bin/openssl';

const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0';

/** True when the tests for this peer should run: it exists, or CI requires it (then they fail loudly). */
export function peerAvailable(path: string): boolean {
  return existsSync(path) || ci;
}

/**
 * An environment for the AWS CLI that holds nothing of the machine's own AWS set-up: these
 * credentials, an empty config and credentials file (written to `work/empty`), no instance
 * metadata, no pager, `work` as HOME.
 */
export function isolatedAwsCliEnv(work: string, credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }): NodeJS.ProcessEnv {
  const empty = join(work, 'empty');
  writeFileSync(empty, '');
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: empty,
    AWS_SHARED_CREDENTIALS_FILE: empty,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    HOME: work,
  };
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
