// The endpoint setup lines Settings prints (renderer/src/lib/endpoint-setup.ts), run as a user
// would paste them, against `strongroom serve`: with Debian's AWS CLI 2.9 and boto3 1.26 (which
// read neither AWS_ENDPOINT_URL_KMS nor a profile's endpoint_url, and boto3 not AWS_REGION), and
// with current ones where this machine has them (another `aws` or `python3` on PATH whose botocore
// reads endpoint_url from the profile). The environment holds no AWS set-up of the machine's own:
// HOME is a temporary folder, so the profile lines go to its ~/.aws.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointSetup, type EndpointSetup } from '../../renderer/src/lib/endpoint-setup.ts';
import { tempDir } from '../support/engine.ts';
import { AWS_CLI_V2, DEBIAN_PYTHON, peerAvailable, run } from './peers.ts';

const BIN = fileURLToPath(new URL('../../electron/cli/bin.cjs', import.meta.url));

/** A program on PATH other than Debian's, whose botocore is new enough to read endpoint_url from a profile (1.31, 2023). */
function currentPeer(name: 'aws' | 'python3'): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name);
    if (dir === '' || dir === '/usr/bin' || dir === '/bin' || spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 }).status !== 0) {
      continue;
    }
    const probe =
      name === 'python3'
        ? spawnSync(path, ['-c', 'import botocore; print(botocore.__version__)'], { encoding: 'utf8', timeout: 20_000 }).stdout
        : (/botocore\/(\S+)/.exec(spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 }).stdout)?.[1] ?? '');
    const [major = 0, minor = 0] = probe.trim().split('.').map(Number);
    if (major > 1 || (major === 1 && minor >= 31)) {
      return path;
    }
  }
  return null;
}

describe.runIf(peerAvailable(AWS_CLI_V2) && peerAvailable(DEBIAN_PYTHON))('the endpoint setup lines Settings prints', () => {
  let work: string;
  let server: ChildProcess;
  let setup: EndpointSetup;
  let keyId: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    work = tempDir('strongroom-endpoint-setup-');
    const dataDir = join(work, 'data');
    const cliEnv = { ...process.env, STRONGROOM_DATA_DIR: dataDir, STRONGROOM_PASSPHRASE: 'endpoint setup passphrase', STRONGROOM_AGENT: 'off' };
    const cli = (...args: Array<string>): Record<string, unknown> => {
      const r = spawnSync(process.execPath, [BIN, ...args], { env: cliEnv, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    cli('init', '--root-key', 'passphrase');
    keyId = String((cli('create-key') as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId);
    // The window's access keys sign as the installation owner; so does this one.
    const key = (cli('create-access-key', '--principal', 'root') as { AccessKey: { AccessKeyId: string; SecretAccessKey: string } }).AccessKey;
    server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.trim().endsWith('}')) {
          resolve((JSON.parse(out) as { Endpoint: string }).Endpoint);
        }
      });
      server.on('exit', (code) => reject(new Error(`serve exited ${String(code)}`)));
    });
    setup = endpointSetup({ url, accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey, region: 'us-east-1', profile: 'strongroom' });
    const home = join(work, 'home');
    mkdirSync(join(home, '.aws'), { recursive: true });
    writeFileSync(join(home, '.aws', 'config'), `${setup.config}\n`);
    writeFileSync(join(home, '.aws', 'credentials'), `${setup.credentials}\n`);
    env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
      HOME: home,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
      AWS_MAX_ATTEMPTS: '1',
    };
  }, 180_000);

  afterAll(() => {
    server?.kill('SIGTERM');
  });

  /** Runs shell lines with `aws` being the given program. */
  const shell = (lines: string, aws: string) => run('/bin/bash', ['-e', '-c', lines], { env: { ...env, PATH: `${dirname(aws)}${delimiter}${env.PATH ?? ''}` } });

  it('the shell lines list the keys with the AWS CLI 2.9 (--endpoint-url, AWS_DEFAULT_REGION)', async () => {
    expect(setup.shell).toContain('--endpoint-url');
    const r = await shell(setup.shell, AWS_CLI_V2);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(keyId);
  });

  it('the profile lines list the keys with the AWS CLI 2.9 when the endpoint is on the command', async () => {
    const r = await shell(setup.profileCommandOlder, AWS_CLI_V2);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(keyId);
  });

  it('the Python lines list the keys with boto3 1.26, plain and with the profile', async () => {
    for (const code of [setup.python, setup.profilePythonOlder]) {
      const r = await run(DEBIAN_PYTHON, ['-c', code], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(keyId);
    }
  });

  const currentAws = currentPeer('aws');
  it.runIf(currentAws !== null)(`the profile alone (endpoint_url in ~/.aws/config) serves a current AWS CLI (${currentAws ?? 'none on PATH'})`, async () => {
    for (const lines of [setup.profileCommand, setup.shell]) {
      const r = await shell(lines, currentAws ?? '');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(keyId);
    }
  });

  const currentPython = currentPeer('python3');
  it.runIf(currentPython !== null)(`the profile alone serves a current boto3 (${currentPython ?? 'none on PATH'}), as do the plain lines`, async () => {
    for (const code of [setup.profilePython, setup.python]) {
      const r = await run(currentPython ?? '', ['-c', code], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(keyId);
    }
  });
});
