// `strongroom xks …` and `strongroom serve --tls-cert/--tls-key` as a user runs them: the store
// set up, a key exposed, credentials rotated and retired from the command line, then AWS KMS's
// calls (curl --aws-sigv4, service kms-xks-proxy) answered over HTTPS by a separate serve process.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, expectAwsError, expectOk, expectUsageError, STRONGROOM_BIN } from '../support/cli.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';
import { curlXks, metadata } from './support.ts';

const tempDir = tempDirsRemovedAfterAll();
const env = { STRONGROOM_PASSPHRASE: 'xks cli test passphrase' };
// A dozen commands, each unlocking the installation itself (scrypt): slow on a busy machine.

describe('strongroom xks', () => {
  it('sets up a store, exposes a key, rotates and retires credentials, and serve answers AWS KMS over HTTPS', async () => {
    const dir = tempDir('strongroom-xks-cli-');
    expectOk(cli(dir, ['init', '--root-key', 'passphrase'], { env }), { allowStderr: true });
    const keyId = String((expectOk(cli(dir, ['create-key', '--description', 'for S3 via XKS'], { env })).KeyMetadata as { KeyId: string }).KeyId);

    expectUsageError(cli(dir, ['xks', 'setup'], { env }));
    const configOut = join(dir, 'xks-proxy-configuration.json');
    const setup = cli(dir, ['xks', 'setup', '--uri-prefix', '/keystores/team-a', '--config-out', configOut], { env });
    const store = expectOk(setup, { allowStderr: true }) as { UriPrefix: string; XksProxyUriPath: string; AccessKeyId: string; SecretAccessKey: string };
    expect(setup.stderr).toMatch(/shown only now/);
    expect(store).toMatchObject({ UriPrefix: '/keystores/team-a', XksProxyUriPath: '/keystores/team-a/kms/xks/v1' });
    expect(store.AccessKeyId).toMatch(/^[A-Z2-7]{20,30}$/);
    expect(store.SecretAccessKey).toMatch(/^[A-Za-z0-9+/=]{43,64}$/);
    // The AWS KMS console's configuration file, owner-only, as the specification shows it.
    expect(JSON.parse(readFileSync(configOut, 'utf8'))).toEqual({ XksProxyUriPath: '/keystores/team-a/kms/xks/v1', XksProxyAuthenticationCredential: { AccessKeyId: store.AccessKeyId, RawSecretAccessKey: store.SecretAccessKey } });
    expect(statSync(configOut).mode & 0o777).toBe(0o600);
    expectAwsError(cli(dir, ['xks', 'setup', '--uri-prefix', '/keystores/team-b', '--config-out', configOut], { env }), 'ValidationException', 'xks');
    expectAwsError(cli(dir, ['xks', 'setup', '--uri-prefix', '/keystores/team-a'], { env }), 'AlreadyExistsException', 'xks');
    // The refused --config-out created no store.
    expect((expectOk(cli(dir, ['xks', 'list'], { env })) as { XksKeyStores: Array<unknown> }).XksKeyStores).toHaveLength(1);

    expectOk(cli(dir, ['xks', 'add-key', '--key-id', keyId], { env }));
    const rotated = cli(dir, ['xks', 'rotate-credentials'], { env });
    const next = expectOk(rotated, { allowStderr: true }) as { AccessKeyId: string; SecretAccessKey: string; ActiveAccessKeyIds: Array<string> };
    expect(next.ActiveAccessKeyIds).toEqual([store.AccessKeyId, next.AccessKeyId]);
    expect(rotated.stderr).toMatch(/retire the old one/);
    expectOk(cli(dir, ['xks', 'retire-credential', '--access-key-id', store.AccessKeyId], { env }));
    const listed = expectOk(cli(dir, ['xks', 'list'], { env })) as { XksKeyStores: Array<Record<string, unknown>> };
    expect(listed.XksKeyStores).toMatchObject([{ UriPrefix: '/keystores/team-a', AccessKeyIds: [next.AccessKeyId], Keys: [{ KeyId: keyId }] }]);
    expect(JSON.stringify(listed)).not.toContain(next.SecretAccessKey);

    // Plain HTTP is for loopback only.
    expectUsageError(cli(dir, ['serve', '--host', '0.0.0.0', '--allow-remote'], { env }));

    const certPath = join(dir, 'cert.pem');
    const keyPath = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=xks.test', '-addext', 'subjectAltName=DNS:xks.test', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
    const server = spawn(process.execPath, [STRONGROOM_BIN, 'serve', '--port', '0', '--tls-cert', certPath, '--tls-key', keyPath], {
      env: { ...process.env, STRONGROOM_DATA_DIR: dir, STRONGROOM_AGENT: 'off', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const printed = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.trim().endsWith('}')) {
            resolve(out);
          }
        });
        server.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      const endpoint = String((JSON.parse(printed) as { Endpoint: string }).Endpoint);
      expect(endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const port = new URL(endpoint).port;
      const base = `https://xks.test:${port}${store.XksProxyUriPath}`;
      const tls = ['--cacert', certPath, '--resolve', `xks.test:${port}:127.0.0.1`];
      const credentials = { accessKeyId: next.AccessKeyId, secretAccessKey: next.SecretAccessKey };
      expect((await curlXks(`${base}/health`, { requestMetadata: { kmsOperation: 'CreateCustomKeyStore', kmsRequestId: 'c-1' } }, credentials, tls)).status).toBe(200);
      expect((await curlXks(`${base}/keys/${keyId}/metadata`, { requestMetadata: metadata('CreateKey') }, credentials, tls)).body).toEqual({ keySpec: 'AES_256', keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: 'ENABLED' });
      const sealed = await curlXks(`${base}/keys/${keyId}/encrypt`, { requestMetadata: metadata('GenerateDataKey'), plaintext: Buffer.from('s3 data key').toString('base64'), encryptionAlgorithm: 'AES_GCM' }, credentials, tls);
      expect(sealed.status).toBe(200);
      const { ciphertext, ciphertextMetadata, initializationVector, authenticationTag } = sealed.body;
      const opened = await curlXks(`${base}/keys/${keyId}/decrypt`, { requestMetadata: metadata('Decrypt'), encryptionAlgorithm: 'AES_GCM', ciphertext, ciphertextMetadata, initializationVector, authenticationTag }, credentials, tls);
      expect(Buffer.from(String(opened.body.plaintext), 'base64').toString()).toBe('s3 data key');
      // The retired credential no longer signs.
      expect((await curlXks(`${base}/health`, { requestMetadata: { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'h' } }, { accessKeyId: store.AccessKeyId, secretAccessKey: store.SecretAccessKey }, tls)).body.errorName).toBe('AuthenticationFailedException');
    } finally {
      const exited = new Promise<void>((resolve) => server.on('exit', () => resolve()));
      server.kill('SIGTERM');
      await exited;
    }
    const audit = expectOk(cli(dir, ['audit', 'query', '--event-name', 'XksDecrypt'], { env })) as { Records: Array<{ Record: { requestParameters: { requestMetadata: { awsPrincipalArn: string; kmsOperation: string } } } }> };
    expect(audit.Records[0]?.Record.requestParameters.requestMetadata).toMatchObject({ awsPrincipalArn: 'arn:aws:iam::123456789012:user/Alice', kmsOperation: 'Decrypt' });
  }, 300_000);
});
