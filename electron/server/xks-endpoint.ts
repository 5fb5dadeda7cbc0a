// The XKS proxy API over HTTP (AWS's "External Key Store (XKS) Proxy API Specification"), served
// by `strongroom serve` beside the KMS endpoint: POST [/<prefix>]/kms/xks/v1/keys/<id>/metadata |
// encrypt | decrypt and [/<prefix>]/kms/xks/v1/health, JSON bodies, SigV4 with service
// 'kms-xks-proxy' and a logical key store's own credentials, errors as {errorName, errorMessage}
// with the specification's names and HTTP codes.
//
// This module routes, authenticates and translates; the operations themselves are pipeline actions
// (electron/kms/xks/proxy.ts), so each call is validated, run and audited with its requestMetadata
// like every other. A request that authenticates but is refused here (wrong URI prefix, throttled,
// not JSON) is audited too, through the engine's reject path.
//
// No Host check: behind a tunnel or reverse proxy the Host header is the public name AWS KMS
// signed, and every XKS request must carry a valid signature anyway (D35).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KmsErrorName } from '../../shared/api/errors.ts';
import { XKS_PATH_SUFFIX, type XksOperation } from '../../shared/api/xks.ts';
import type { Kms } from '../kms/engine.ts';
import { KmsError, toKmsError } from '../kms/errors.ts';
import type { Caller } from '../kms/iam/caller.ts';
import { newRequestId } from '../kms/request-id.ts';
import type { XksCredentialLookup } from '../kms/xks/lookup.ts';
import { AuthError } from './contracts.ts';
import { headerMap, readBoundedBody } from './http-request.ts';
import { verifySigV4 } from './sigv4.ts';
import { encodeOutput } from './wire.ts';

export const XKS_SIGV4_SERVICE = 'kms-xks-proxy';
/** The specification: requests more than 5 minutes in the past or future fail authentication. */
export const XKS_MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** AWS KMS's default request quota for an external key store, per logical key store here. */
export const XKS_DEFAULT_RATE_PER_SECOND = 1800;
/** How long the engine may take before the answer is DependencyTimeoutException (AWS KMS itself gives up after 250 ms). */
export const XKS_DEFAULT_DEADLINE_MS = 1000;
const XKS_MAX_BODY_BYTES = 1024 * 1024;

/** The specification's error names and their HTTP codes. */
export const XKS_ERROR_STATUS = {
  ValidationException: 400,
  InvalidStateException: 400,
  InvalidCiphertextException: 400,
  InvalidKeyUsageException: 400,
  AuthenticationFailedException: 401,
  AccessDeniedException: 403,
  KeyNotFoundException: 404,
  InvalidUriPathException: 404,
  ThrottlingException: 429,
  UnsupportedOperationException: 501,
  DependencyTimeoutException: 503,
  InternalException: 500,
} as const;
export type XksErrorName = keyof typeof XKS_ERROR_STATUS;

/** The engine's error names as the specification names them; anything else is InternalException. */
const FROM_ENGINE: Readonly<Record<string, XksErrorName>> = {
  ValidationException: 'ValidationException',
  SerializationException: 'ValidationException',
  KMSInvalidStateException: 'InvalidStateException',
  DisabledException: 'InvalidStateException',
  InvalidCiphertextException: 'InvalidCiphertextException',
  InvalidKeyUsageException: 'InvalidKeyUsageException',
  AccessDeniedException: 'AccessDeniedException',
  NotFoundException: 'KeyNotFoundException',
  UnsupportedOperationException: 'UnsupportedOperationException',
  ThrottlingException: 'ThrottlingException',
  DependencyTimeoutException: 'DependencyTimeoutException',
};

/** The engine's name for a refusal this surface makes itself, for its audit record. */
function auditErrorName(name: XksErrorName): KmsErrorName {
  switch (name) {
    case 'ThrottlingException':
    case 'UnsupportedOperationException':
    case 'ValidationException':
      return name;
    case 'InvalidUriPathException':
      return 'NotFoundException';
    default:
      return 'KMSInternalException';
  }
}

export function xksErrorName(engineErrorName: string): XksErrorName {
  return FROM_ENGINE[engineErrorName] ?? 'InternalException';
}

/** What the XKS surface needs of the engine. */
export type XksEngine = Pick<Kms, 'actGrouped' | 'rejectAction' | 'lookupXksCredential'>;

export type XksSurfaceOptions = {
  readonly kms: XksEngine;
  /** Wall clock for signature freshness. */
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /** Requests per second each logical key store may make (a token bucket of one second's worth). */
  readonly ratePerSecond?: number;
  readonly deadlineMs?: number;
};

type Route = { readonly prefix: string; readonly operation: XksOperation; readonly externalKeyId: string | null };

const ROUTE = /^((?:\/[A-Za-z0-9_-]+)*)\/kms\/xks\/v1\/(?:keys\/([A-Za-z0-9._-]{1,128})\/(metadata|encrypt|decrypt)|(health))$/;
const OPERATION_OF = { metadata: 'XksGetKeyMetadata', encrypt: 'XksEncrypt', decrypt: 'XksDecrypt', health: 'XksGetHealthStatus' } as const;

/** Whether a request path is the XKS proxy API's (the endpoint hands those here). */
export function isXksPath(path: string): boolean {
  return path.includes(`${XKS_PATH_SUFFIX}/`);
}

export function parseXksRoute(path: string): Route | null {
  const m = ROUTE.exec(path);
  if (m === null) {
    return null;
  }
  const op = (m[3] ?? m[4]) as keyof typeof OPERATION_OF;
  return { prefix: m[1] ?? '', operation: OPERATION_OF[op], externalKeyId: m[2] ?? null };
}

class XksProblem extends Error {
  readonly errorName: XksErrorName;
  constructor(errorName: XksErrorName, message: string) {
    super(message);
    this.errorName = errorName;
  }
}

/** errorMessage: printable ASCII, under 512 characters (the specification's bounds). */
function printable(message: string): string {
  const ascii = message.replace(/[–—]/g, '-').replace(/[‘’]/g, "'").replace(/[^\x20-\x7e]/g, '?');
  return ascii.length < 512 ? ascii : `${ascii.slice(0, 508)}...`;
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) {
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, name: XksErrorName, message: string): void {
  sendJson(res, XKS_ERROR_STATUS[name], JSON.stringify({ errorName: name, errorMessage: printable(message) }));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return readBoundedBody(req, XKS_MAX_BODY_BYTES, () => new XksProblem('UnsupportedOperationException', `The request body is larger than this proxy's limit of ${XKS_MAX_BODY_BYTES} bytes.`));
}

/** The specification's camelCase members as the actions' PascalCase ones (requestMetadata's too). */
function pascalMembers(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > 1) {
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // Assigning '__proto__' would set the copy's prototype instead of a member.
    if (k !== '__proto__') {
      out[k.charAt(0).toUpperCase() + k.slice(1)] = pascalMembers(v, depth + 1);
    }
  }
  return out;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(UTF8.decode(body)) as unknown;
  } catch {
    throw new XksProblem('ValidationException', 'The request body is not JSON text in UTF-8.');
  }
}

/** One token bucket per logical key store. */
class Throttle {
  readonly #rate: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(rate: number) {
    this.#rate = rate;
  }
  admit(storeId: string, nowMs: number): boolean {
    const b = this.#buckets.get(storeId) ?? { tokens: this.#rate, at: nowMs };
    b.tokens = Math.min(this.#rate, b.tokens + ((nowMs - b.at) / 1000) * this.#rate);
    b.at = nowMs;
    this.#buckets.set(storeId, b);
    if (b.tokens < 1) {
      return false;
    }
    b.tokens -= 1;
    return true;
  }
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new XksProblem('DependencyTimeoutException', `The key manager did not answer within ${ms} ms. Retry the request.`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The XKS request handler the endpoint calls for paths isXksPath() accepts. */
export function xksHandler(options: XksSurfaceOptions): (req: IncomingMessage, res: ServerResponse, path: string, query: string) => Promise<void> {
  const { kms } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const throttle = new Throttle(options.ratePerSecond ?? XKS_DEFAULT_RATE_PER_SECOND);
  const deadline = options.deadlineMs ?? XKS_DEFAULT_DEADLINE_MS;
  const lookup = (id: string): XksCredentialLookup | null => kms.lookupXksCredential(id);

  return async (req, res, path, query) => {
    const requestId = newRequestId();
    res.setHeader('x-amzn-RequestId', requestId);
    let audited: { readonly operation: XksOperation; readonly caller: Caller } | null = null;
    try {
      const route = parseXksRoute(path);
      if (route === null) {
        throw new XksProblem('InvalidUriPathException', `No XKS proxy API at '${path}': use [/<prefix>]/kms/xks/v1/keys/<externalKeyId>/metadata|encrypt|decrypt or [/<prefix>]/kms/xks/v1/health.`);
      }
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        sendJson(res, 405, JSON.stringify({ errorName: 'UnsupportedOperationException', errorMessage: `${req.method ?? ''} is not allowed: every XKS proxy API call is a POST.` }));
        return;
      }
      const body = await readBody(req);
      let found: XksCredentialLookup | null = null;
      const verified = verifySigV4({ method: req.method, path, query, headers: headerMap(req), body }, (id) => (found = lookup(id)), now(), {
        service: XKS_SIGV4_SERVICE,
        maxSkewMs: XKS_MAX_CLOCK_SKEW_MS,
      });
      const credential = found as XksCredentialLookup | null;
      if (credential === null) {
        throw new XksProblem('AuthenticationFailedException', 'The credential did not resolve.');
      }
      const caller: Caller = { ...verified, sourceIp: req.socket.remoteAddress ?? 'unknown', userAgent: String(req.headers['user-agent'] ?? '') };
      audited = { operation: route.operation, caller };
      if (route.prefix !== credential.uriPrefix) {
        throw new XksProblem('InvalidUriPathException', `This credential's external key store is at '${credential.uriPrefix === '' ? '/' : credential.uriPrefix}', not '${route.prefix === '' ? '/' : route.prefix}': check XksProxyUriPath.`);
      }
      if (!throttle.admit(credential.keyStoreId, now())) {
        throw new XksProblem('ThrottlingException', 'This external key store is over its request rate. Retry later.');
      }
      const parsed = pascalMembers(parseJson(body));
      const input = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? { ...parsed, KeyStoreId: credential.keyStoreId, ...(route.externalKeyId === null ? {} : { ExternalKeyId: route.externalKeyId }) }
        : parsed;
      const output = await withDeadline(kms.actGrouped(route.operation, input, { blobs: 'base64', caller, requestId }), deadline);
      sendJson(res, 200, encodeOutput(output));
    } catch (err) {
      if (err instanceof AuthError) {
        log(`XKS auth failure from ${req.socket.remoteAddress ?? '?'}: ${err.errorName}${err.claimedAccessKeyId === null ? '' : ` (access key ${err.claimedAccessKeyId})`}: ${err.message}`);
        sendError(res, 'AuthenticationFailedException', err.message);
        return;
      }
      if (err instanceof XksProblem) {
        if (audited !== null && err.errorName !== 'DependencyTimeoutException') {
          // Refused after authentication, before the engine: recorded like any failed call.
          try {
            kms.rejectAction(audited.operation, new KmsError(auditErrorName(err.errorName), err.message), { caller: audited.caller, requestId });
          } catch (auditFailure) {
            // An engine closing under the request: the refusal is still answered, and logged.
            log(`XKS ${requestId}: the refusal could not be audited: ${auditFailure instanceof Error ? auditFailure.message : String(auditFailure)}`);
          }
        }
        if (err.errorName === 'DependencyTimeoutException') {
          log(`XKS ${requestId}: ${err.message}`);
        }
        sendError(res, err.errorName, err.message);
        return;
      }
      const error = toKmsError(err);
      const name = xksErrorName(error.name);
      if (name === 'InternalException') {
        log(`XKS internal error ${requestId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
      sendError(res, name, error.message);
    }
  };
}
