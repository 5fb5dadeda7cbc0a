// `strongroom serve` as a user runs it: a separate process, an access key made with
// `strongroom create-access-key`, the AWS SDK calling it, and SIGTERM stopping it cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CreateKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine.ts';

const bin = fileURLToPath(new URL('../../electron/cli/bin.cjs', import.meta.url));

describe('strongroom serve', () => {
  it('serves the AWS SDK with a CLI-made access key and stops gracefully on SIGTERM', async () => {
    const dir = tempDir('strongroom-serve-');
    const env = { ...process.env, STRONGROOM_DATA_DIR: dir, STRONGROOM_PASSPHRASE: 'serve test passphrase' };
    expect(spawnSync(process.execPath, [bin, 'init', '--root-key', 'passphrase'], { env }).status).toBe(0);
    // A user whose identity policy allows the account-level calls the SDK makes below.
    expect(spawnSync(process.execPath, [bin, 'create-user', '--user-name', 'ci'], { env }).status).toBe(0);
    const identityPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:CreateKey', 'kms:ListKeys'], Resource: '*' }] });
    expect(spawnSync(process.execPath, [bin, 'put-user-policy', '--user-name', 'ci', '--policy-name', 'keys', '--policy-document', identityPolicy], { env }).status).toBe(0);
    const made = spawnSync(process.execPath, [bin, 'create-access-key', '--principal', 'user/ci'], { env, encoding: 'utf8' });
    expect(made.status).toBe(0);
    expect(made.stderr).toMatch(/shown only now/);
    const key = (JSON.parse(made.stdout) as { AccessKey: { AccessKeyId: string; SecretAccessKey: string; PrincipalArn: string } }).AccessKey;
    expect(key.PrincipalArn).toMatch(/:user\/ci$/);

    const server = spawn(process.execPath, [bin, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const printed = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.trim().endsWith('}')) {
          resolve(out);
        }
      });
      server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const { Endpoint } = JSON.parse(printed) as { Endpoint: string };
    expect(Endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new KMSClient({ endpoint: Endpoint, region: 'us-east-1', credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }, maxAttempts: 1 });
    const created = await client.send(new CreateKeyCommand({ Description: 'via serve' }));
    expect((await client.send(new ListKeysCommand({}))).Keys?.map((k) => k.KeyId)).toContain(created.KeyMetadata?.KeyId);
    client.destroy();

    const exited = new Promise<number | null>((resolve) => {
      server.removeAllListeners('exit');
      server.on('exit', (code) => resolve(code));
    });
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM: finishing requests in flight/);
    const audit = JSON.parse(spawnSync(process.execPath, [bin, 'audit', 'list', '--limit', '2'], { env, encoding: 'utf8' }).stdout) as { Records: Array<{ Record: { eventName: string; userIdentity: { arn: string } } }> };
    expect(audit.Records.map((r) => [r.Record.eventName, r.Record.userIdentity.arn.split(':').pop()])).toEqual([
      ['ListKeys', 'user/ci'],
      ['CreateKey', 'user/ci'],
    ]);
  });

  it('refuses a non-loopback address without --allow-remote', () => {
    const r = spawnSync(process.execPath, [bin, 'serve', '--host', '0.0.0.0', '--data-dir', tempDir()], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--allow-remote/);
  });
});
