// The AWS-compatible endpoint: AWS JSON 1.1 over HTTP on loopback, so the AWS CLI, boto3 and
// the AWS SDKs talk to Strongroom unmodified. Every operation in shared/api/operations.ts is
// served through one generic path — parse, authenticate (SigV4, recomputed), dispatch by
// X-Amz-Target, encode — so operations added to the table appear here without wiring.
//
// Requests that arrive together are committed together (Kms.invoke's commit group): one SQLite
// fsync per group instead of one per call, and no caller hears "done" before its call is durable.

import { newRequestId } from '../kms/request-id.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isOperationName, type OperationName } from '../../shared/api/operations.ts';
import type { Caller } from '../kms/iam/caller.ts';
import type { Kms } from '../kms/engine.ts';
import { SerializationException, toKmsError } from '../kms/errors.ts';
import { AuthError, type AccessKeyLookup } from './contracts.ts';
import { headerMap, readBoundedBody } from './http-request.ts';
import { verifySigV4 } from './sigv4.ts';
import { encodeOutput, errorBody, JSON_1_1, statusFor, type WireErrorName } from './wire.ts';
import { isSecretsTarget, SECRETS_SIGNING_NAME, secretsOperation, serveSecrets } from './secrets-dispatch.ts';
import { isXksPath, xksHandler, type XksSurfaceOptions } from './xks-endpoint.ts';

export const DEFAULT_PORT = 8567;
export const DEFAULT_HOST = '127.0.0.1';
/** The largest legitimate request (a 128 KiB policy, a 256 KiB attestation document in base64) fits with room to spare. */
export const MAX_BODY_BYTES = 1024 * 1024;
const TARGET_PREFIX = 'TrentService.';

export type EndpointOptions = {
  readonly kms: Kms;
  /** Resolves access key ids to principals and secrets (Kms.lookupAccessKey). */
  readonly lookup: AccessKeyLookup;
  readonly host?: string;
  readonly port?: number;
  /** Required to bind to anything but a loopback address. */
  readonly allowRemote?: boolean;
  readonly maxBodyBytes?: number;
  /** Wall clock for signature freshness (not the engine's clock, which a developer may move). */
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /** Serves AWS's XKS proxy API beside the KMS API (xks-endpoint.ts); absent, its paths are not served. */
  readonly xks?: Omit<XksSurfaceOptions, 'now' | 'log'>;
  /** A PEM certificate (chain) and private key: the endpoint serves HTTPS. Without them, plain HTTP on loopback only. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
};

export type Endpoint = {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
};

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

export function isLoopbackAddress(host: string): boolean {
  return LOOPBACK_HOSTS.test(host);
}

/** The Host header's name part, for the DNS-rebinding check. */
function hostName(header: string | undefined): string {
  if (header === undefined) {
    return '';
  }
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(header.trim());
  return m?.[1] ?? '';
}

class HttpProblem extends Error {
  readonly errorName: WireErrorName;
  readonly status: number;
  constructor(errorName: WireErrorName, message: string, status: number = statusFor(errorName)) {
    super(message);
    this.errorName = errorName;
    this.status = status;
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new HttpProblem('RequestEntityTooLargeException', `The request body is ${declared} bytes; the limit is ${limit} bytes.`));
  }
  return readBoundedBody(req, limit, () => new HttpProblem('RequestEntityTooLargeException', `The request body is larger than the limit of ${limit} bytes.`));
}

function targetOperation(header: string | undefined): OperationName {
  if (header === undefined || header === '') {
    throw new HttpProblem('UnknownOperationException', 'Missing X-Amz-Target header: use TrentService.<Operation>, e.g. TrentService.Encrypt.');
  }
  const name = header.startsWith(TARGET_PREFIX) ? header.slice(TARGET_PREFIX.length) : '';
  if (!isOperationName(name)) {
    throw new HttpProblem('UnknownOperationException', `Unknown operation '${header}'. Strongroom serves TrentService.<Operation> for the operations listed in docs/aws-kms.md.`);
  }
  return name;
}

/** Strict UTF-8: bytes that are not UTF-8 are refused, never replaced by U+FFFD (two inputs would become one value). */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function parseBody(body: Buffer): unknown {
  let decoded: string;
  try {
    decoded = UTF8.decode(body);
  } catch {
    throw new SerializationException('The request body is not valid UTF-8: send JSON text encoded as UTF-8.');
  }
  const text = decoded.trim();
  if (text === '') {
    return {};
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SerializationException(`The request body is not valid JSON: ${(err as Error).message}`);
  }
}

function send(res: ServerResponse, status: number, body: string, errorName?: string): void {
  if (res.headersSent || res.destroyed) {
    return;
  }
  const headers: Record<string, string | number> = { 'content-type': JSON_1_1, 'content-length': Buffer.byteLength(body) };
  if (errorName !== undefined) {
    headers['x-amzn-errortype'] = errorName;
  }
  res.writeHead(status, headers);
  res.end(body);
}

export async function startEndpoint(options: EndpointOptions): Promise<Endpoint> {
  const { kms, lookup } = options;
  const host = options.host ?? DEFAULT_HOST;
  const loopbackOnly = isLoopbackAddress(host);
  if (!loopbackOnly && options.allowRemote !== true) {
    throw new Error(`Refusing to listen on ${host}: the endpoint binds to loopback unless remote access is explicitly allowed.`);
  }
  if (!loopbackOnly && options.tls === undefined) {
    throw new Error(`Refusing to listen on ${host} over plain HTTP: give a TLS certificate and key, or bind to loopback (behind a reverse proxy or tunnel that terminates TLS).`);
  }
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const xks = options.xks === undefined ? null : xksHandler({ ...options.xks, now, log });

  let closing = false;
  let inFlight = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (xks !== null) {
      // The XKS proxy API has its own routing, credentials and error shape (xks-endpoint.ts).
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      if (isXksPath(path)) {
        await xks(req, res, path, q === -1 ? '' : url.slice(q + 1));
        return;
      }
    }
    const requestId = newRequestId();
    res.setHeader('x-amzn-RequestId', requestId);
    if (closing) {
      res.setHeader('connection', 'close');
    }
    try {
      if (loopbackOnly && !isLoopbackAddress(hostName(req.headers.host))) {
        throw new HttpProblem(
          'AccessDeniedException',
          `Host '${req.headers.host ?? ''}' is not a loopback name. This endpoint answers only requests addressed to 127.0.0.1, localhost or [::1].`,
        );
      }
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        throw new HttpProblem('UnknownOperationException', `${req.method ?? ''} is not supported: send POST / with X-Amz-Target: TrentService.<Operation>.`, 405);
      }
      if (path !== '/') {
        throw new HttpProblem('UnknownOperationException', `No resource at '${path}': send POST / with X-Amz-Target: TrentService.<Operation>.`, 404);
      }
      const contentType = req.headers['content-type'] ?? '';
      if (!contentType.toLowerCase().includes('json')) {
        throw new HttpProblem('SerializationException', `Content-Type '${contentType}' is not supported: send ${JSON_1_1}.`);
      }
      const body = await readBody(req, limit);
      const rawTarget = req.headers['x-amz-target'];
      const target = Array.isArray(rawTarget) ? rawTarget.join(',') : rawTarget;
      // Secrets Manager's calls are signed for its own service name; everything else for kms.
      const secrets = isSecretsTarget(target);
      const verified = verifySigV4(
        { method: req.method, path, query: q === -1 ? '' : url.slice(q + 1), headers: headerMap(req), body },
        lookup,
        now(),
        secrets ? { service: SECRETS_SIGNING_NAME } : {},
      );
      const caller: Caller = {
        ...verified,
        sourceIp: req.socket.remoteAddress ?? 'unknown',
        userAgent: String(req.headers['user-agent'] ?? ''),
      };
      if (secrets) {
        const name = secretsOperation(target ?? '');
        if (name === null) {
          throw new HttpProblem('UnknownOperationException', `Unknown operation '${target ?? ''}'. Strongroom serves secretsmanager.<Operation> for the Secrets Manager operations listed in its README.`);
        }
        send(res, 200, encodeOutput(await serveSecrets(kms, name, () => parseBody(body), { caller, requestId })));
        return;
      }
      const operation: OperationName = targetOperation(target);
      let input: unknown;
      try {
        input = parseBody(body);
      } catch (err) {
        throw kms.reject(operation, toKmsError(err), { caller, requestId });
      }
      const output = await kms.invoke(operation, input, { blobs: 'base64', caller, requestId });
      send(res, 200, encodeOutput(output));
    } catch (err) {
      if (err instanceof AuthError) {
        log(`auth failure from ${req.socket.remoteAddress ?? '?'}: ${err.errorName}${err.claimedAccessKeyId === null ? '' : ` (access key ${err.claimedAccessKeyId})`}: ${err.message}`);
        send(res, statusFor(err.errorName), errorBody(err.errorName, err.message), err.errorName);
      } else if (err instanceof HttpProblem) {
        if (err.errorName === 'RequestEntityTooLargeException') {
          res.setHeader('connection', 'close');
        }
        send(res, err.status, errorBody(err.errorName, err.message), err.errorName);
      } else {
        const error = toKmsError(err);
        if (error.name === 'KMSInternalException') {
          log(`internal error ${requestId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        }
        send(res, error.httpStatus, errorBody(error.name, error.message), error.name);
      }
    }
  };

  const serverOptions = { keepAlive: true, requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: 16 * 1024 };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (closing) {
        server.closeIdleConnections();
      }
    });
    void handle(req, res);
  };
  // An https.Server is an http.Server (tls.Server in between): the rest of this function uses only that.
  const server: Server = options.tls === undefined ? createServer(serverOptions, listener) : createTlsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, listener);
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  // No CORS headers are ever sent: browsers may not call this endpoint from web pages.

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (!loopbackOnly) {
    log(`WARNING: listening on ${shownHost}:${address.port}, reachable from other machines. Anyone with an access key can use your keys from the network.`);
  }

  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://${shownHost}:${address.port}`,
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        const forced = setTimeout(() => server.closeAllConnections(), 10_000);
        forced.unref();
        server.close(() => {
          clearTimeout(forced);
          resolve();
        });
        server.closeIdleConnections();
        if (inFlight === 0) {
          server.closeIdleConnections();
        }
      }),
  };
}
