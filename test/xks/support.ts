// A real engine and endpoint serving the XKS proxy API, a logical key store with one exposed key,
// and two clients that sign as AWS KMS's proxy fleet does (service 'kms-xks-proxy'): AWS's own
// signer (@smithy/signature-v4) with fetch, and curl's --aws-sigv4.
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ManualClock } from '../../electron/kms/clock.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { startEndpoint, type Endpoint, type EndpointOptions } from '../../electron/server/endpoint.ts';
import { tempDir } from '../support/engine.ts';

export const PRINCIPAL = 'arn:aws:iam::123456789012:user/Alice';

export type XksTest = {
  readonly kms: Kms;
  readonly dir: string;
  readonly server: Endpoint;
  readonly keyId: string;
  readonly keyStoreId: string;
  readonly prefix: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
};

export async function startXks(options: { readonly prefix?: string; readonly endpoint?: Partial<EndpointOptions>; readonly wrap?: (kms: Kms) => NonNullable<EndpointOptions['xks']>['kms'] } = {}): Promise<XksTest> {
  const dir = tempDir('strongroom-xks-');
  const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider(), clock: new ManualClock(), accountId: '111122223333', region: 'local-1' });
  const prefix = options.prefix ?? '/keystores/team-a';
  const store = kms.createXksKeyStore(prefix);
  const keyId = (await kms.invoke('CreateKey', { Description: 'exposed to AWS KMS' })).KeyMetadata.KeyId;
  kms.addXksKey(keyId);
  let server: Endpoint;
  try {
    server = await startEndpoint({ kms, lookup: kms.lookupAccessKey, port: 0, ...options.endpoint, xks: { ...options.endpoint?.xks, kms: options.wrap?.(kms) ?? kms } });
  } catch (err) {
    kms.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    kms,
    dir,
    server,
    keyId,
    keyStoreId: store.KeyStoreId,
    prefix,
    credentials: { accessKeyId: store.AccessKeyId, secretAccessKey: store.SecretAccessKey },
    async close() {
      await server.close();
      kms.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type XksResponse = { readonly status: number; readonly body: Record<string, unknown> };

export function metadata(kmsOperation: string, extra: Record<string, string> = {}): Record<string, string> {
  return { awsPrincipalArn: PRINCIPAL, kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', kmsOperation, kmsRequestId: `req-${kmsOperation}`, kmsViaService: 's3', ...extra };
}

/** POSTs (or another method) to <endpoint><path>, signed by AWS's signer for service kms-xks-proxy. */
export async function xksFetch(
  t: XksTest,
  path: string,
  body: unknown,
  options: { readonly method?: string; readonly credentials?: { accessKeyId: string; secretAccessKey: string }; readonly service?: string; readonly sign?: boolean } = {},
): Promise<XksResponse> {
  const url = new URL(t.server.url);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const method = options.method ?? 'POST';
  const request = new HttpRequest({ method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, headers: { host: url.host, 'content-type': 'application/json' }, body: text });
  const signer = new SignatureV4({ credentials: options.credentials ?? t.credentials, region: 'us-east-1', service: options.service ?? 'kms-xks-proxy', sha256: Hash.bind(null, 'sha256') });
  const headers = { ...(options.sign === false ? request.headers : (await signer.sign(request)).headers) } as Record<string, string>;
  delete headers.host;
  const res = await fetch(`${t.server.url}${path}`, { method, headers, ...(method === 'GET' ? {} : { body: text }) });
  const raw = await res.text();
  return { status: res.status, body: raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>) };
}

/** The four operations' paths under the test store. */
export function pathOf(t: XksTest, op: 'metadata' | 'encrypt' | 'decrypt' | 'health', keyId = t.keyId): string {
  return op === 'health' ? `${t.prefix}/kms/xks/v1/health` : `${t.prefix}/kms/xks/v1/keys/${keyId}/${op}`;
}

/** curl --aws-sigv4 "aws:amz:us-east-1:kms-xks-proxy", as the specification's Appendix D does. */
export function curlXks(url: string, body: unknown, credentials: { accessKeyId: string; secretAccessKey: string }, extra: ReadonlyArray<string> = []): Promise<XksResponse> {
  const dir = tempDir('strongroom-xks-curl-');
  const file = join(dir, 'request.json');
  writeFileSync(file, JSON.stringify(body));
  const args = ['--silent', '--show-error', '--aws-sigv4', 'aws:amz:us-east-1:kms-xks-proxy', '--user', `${credentials.accessKeyId}:${credentials.secretAccessKey}`, '-X', 'POST', '-H', 'Content-Type:application/json', '--data', `@${file}`, '-w', '\n%{http_code}', ...extra, url];
  return new Promise((resolve, reject) => {
    execFile('curl', args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      if (err !== null) {
        reject(new Error(`curl failed: ${stderr}`));
        return;
      }
      const cut = stdout.lastIndexOf('\n');
      const raw = stdout.slice(0, cut);
      resolve({ status: Number(stdout.slice(cut + 1)), body: raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>) });
    });
  });
}
