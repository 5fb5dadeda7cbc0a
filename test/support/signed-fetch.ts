// Raw, SigV4-signed requests to the endpoint, for the cases an SDK will not send (truncated
// JSON, wrong types, odd headers). Signed with AWS's own signer (@smithy/signature-v4).
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { TestEndpoint } from './endpoint.ts';

export type RawResponse = { status: number; headers: Headers; text: string; json: () => Record<string, unknown> };

export type RawOptions = {
  readonly target?: string | null;
  readonly body?: string | Uint8Array;
  readonly headers?: Record<string, string>;
  /** Applied after signing: a change the signature does not cover (or tampers with one it does). */
  readonly afterSigning?: (req: { headers: Record<string, string>; body: string | Uint8Array }) => void;
  readonly sign?: boolean;
  readonly method?: string;
  readonly path?: string;
  /** The SigV4 service name signed for; 'kms' when omitted. */
  readonly service?: string;
};

export async function rawRequest(ep: TestEndpoint, options: RawOptions = {}): Promise<RawResponse> {
  const url = new URL(ep.endpoint);
  const body = options.body ?? '{}';
  const headers: Record<string, string> = {
    host: url.host,
    'content-type': 'application/x-amz-json-1.1',
    ...(options.target === null ? {} : { 'x-amz-target': options.target ?? 'TrentService.ListKeys' }),
    ...options.headers,
  };
  const request = new HttpRequest({ method: options.method ?? 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: options.path ?? '/', headers, body });
  let signedHeaders = headers;
  if (options.sign !== false) {
    const signer = new SignatureV4({ credentials: ep.credentials, region: ep.region, service: options.service ?? 'kms', sha256: Hash.bind(null, 'sha256') });
    signedHeaders = (await signer.sign(request)).headers as Record<string, string>;
  }
  const mutable = { headers: { ...signedHeaders }, body };
  options.afterSigning?.(mutable);
  delete mutable.headers.host;
  const res = await fetch(`${ep.endpoint}${options.path ?? '/'}`, {
    method: options.method ?? 'POST',
    headers: { ...mutable.headers, ...(options.headers?.host === undefined ? {} : { host: options.headers.host }) },
    ...(options.method === 'GET' ? {} : { body: typeof mutable.body === 'string' ? mutable.body : Buffer.from(mutable.body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}
