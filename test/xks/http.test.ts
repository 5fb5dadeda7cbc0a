// curl, signing as AWS KMS's proxy fleet does (--aws-sigv4 "aws:amz:us-east-1:kms-xks-proxy"),
// drives all four XKS operations over plain HTTP on loopback and over HTTPS with a certificate
// openssl makes here; a GET is refused with 405.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine.ts';
import { curlXks, metadata, pathOf, startXks, xksFetch, type XksTest } from './support.ts';

let t: XksTest | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const certDir = tempDir('strongroom-xks-tls-');
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

/** A self-signed certificate for xks.test, made by openssl for this test run. */
function testCertificate(): { cert: string; key: string; certPath: string } {
  const keyPath = join(certDir, 'key.pem');
  const certPath = join(certDir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=xks.test', '-addext', 'subjectAltName=DNS:xks.test', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath };
}

async function allFour(base: string, x: XksTest, extra: ReadonlyArray<string> = []): Promise<void> {
  const url = (op: 'metadata' | 'encrypt' | 'decrypt' | 'health'): string => `${base}${pathOf(x, op)}`;
  const meta = await curlXks(url('metadata'), { requestMetadata: metadata('DescribeKey') }, x.credentials, extra);
  expect(meta).toEqual({ status: 200, body: { keySpec: 'AES_256', keyUsage: ['ENCRYPT', 'DECRYPT'], keyStatus: 'ENABLED' } });

  const plaintext = Buffer.from('Hello World!').toString('base64');
  const aad = Buffer.from('project=nile,department=marketing').toString('base64');
  const enc = await curlXks(url('encrypt'), { requestMetadata: metadata('GenerateDataKey'), plaintext, encryptionAlgorithm: 'AES_GCM', additionalAuthenticatedData: aad, ciphertextDataIntegrityValueAlgorithm: 'SHA_256' }, x.credentials, extra);
  expect(enc.status).toBe(200);
  expect(Object.keys(enc.body).sort()).toEqual(['authenticationTag', 'ciphertext', 'ciphertextDataIntegrityValue', 'ciphertextMetadata', 'initializationVector']);
  expect(Buffer.from(String(enc.body.initializationVector), 'base64')).toHaveLength(12);
  expect(Buffer.from(String(enc.body.authenticationTag), 'base64')).toHaveLength(16);

  const dec = await curlXks(
    url('decrypt'),
    { requestMetadata: metadata('Decrypt'), encryptionAlgorithm: 'AES_GCM', additionalAuthenticatedData: aad, ciphertext: enc.body.ciphertext, ciphertextMetadata: enc.body.ciphertextMetadata, initializationVector: enc.body.initializationVector, authenticationTag: enc.body.authenticationTag },
    x.credentials,
    extra,
  );
  expect(dec).toEqual({ status: 200, body: { plaintext } });

  const health = await curlXks(url('health'), { requestMetadata: { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'h-1' } }, x.credentials, extra);
  expect(health.status).toBe(200);
  expect(health.body).toMatchObject({ xksProxyFleetSize: 1, xksProxyVendor: 'Strongroom', ekmVendor: 'Strongroom', ekmFleetDetails: [{ healthStatus: 'ACTIVE' }] });
}

describe('curl --aws-sigv4 "aws:amz:us-east-1:kms-xks-proxy"', () => {
  it('drives GetKeyMetadata, Encrypt (with CDIV), Decrypt and GetHealthStatus over HTTP on loopback', async () => {
    t = await startXks();
    await allFour(t.server.url, t);
  });

  it('drives all four over HTTPS with a test certificate made by openssl', async () => {
    const tls = testCertificate();
    t = await startXks({ endpoint: { tls: { cert: tls.cert, key: tls.key } } });
    expect(t.server.url).toMatch(/^https:/);
    const port = new URL(t.server.url).port;
    await allFour(`https://xks.test:${port}`, t, ['--cacert', tls.certPath, '--resolve', `xks.test:${port}:127.0.0.1`]);
  });

  it('is refused by its signature with a wrong secret (AuthenticationFailedException, 401)', async () => {
    t = await startXks();
    const r = await curlXks(`${t.server.url}${pathOf(t, 'health')}`, { requestMetadata: { kmsOperation: 'KmsHealthCheck', kmsRequestId: 'h' } }, { ...t.credentials, secretAccessKey: 'A'.repeat(44) });
    expect(r).toMatchObject({ status: 401, body: { errorName: 'AuthenticationFailedException' } });
  });
});

describe('methods', () => {
  it('refuses GET on every operation URI with 405 and Allow: POST', async () => {
    t = await startXks();
    for (const op of ['metadata', 'encrypt', 'decrypt', 'health'] as const) {
      const res = await fetch(`${t.server.url}${pathOf(t, op)}`);
      expect(res.status, op).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
    // Signed or not, a GET is not an XKS call.
    expect((await xksFetch(t, pathOf(t, 'health'), {}, { method: 'GET' })).status).toBe(405);
  });

  it('refuses plain HTTP on a non-loopback address', async () => {
    await expect(startXks({ endpoint: { host: '0.0.0.0', allowRemote: true } })).rejects.toThrow(/plain HTTP/);
  });
});
