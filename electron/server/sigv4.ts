// SigV4 verification for the endpoint. The signature is recomputed with AWS's own signer
// (@smithy/signature-v4, what the AWS SDK for JavaScript signs with) from exactly the headers
// the client listed in SignedHeaders, then compared in constant time. Nothing here
// reimplements the algorithm; this module decides what to feed the signer and what each way of
// failing is called (reference §1.2).
//
// Decisions:
// - Any region in the credential scope is accepted: developers point SDKs configured for
//   us-east-1 (or anything) at the local endpoint, and the key ARNs carry the installation's
//   own region either way. The service must be 'kms'.
// - X-Amz-Security-Token (temporary credentials) → UnrecognizedClientException: Strongroom
//   issues no session tokens, so such a token can only be someone else's.
// - Query-string (presigned) authentication is refused: KMS clients sign headers.
// - A signed x-amz-content-sha256 header must equal the body's hash: the signer would otherwise
//   trust the header, and a body changed after signing would verify.

import { createHash, timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Caller } from '../kms/iam/caller.ts';
import { AuthError, type AccessKeyLookup, type SignedRequest } from './contracts.ts';

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const ALGORITHM = 'AWS4-HMAC-SHA256';
const SERVICE = 'kms';
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

type ParsedAuthorization = {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: ReadonlyArray<string>;
  readonly signature: string;
};

function incomplete(message: string, accessKeyId: string | null = null): AuthError {
  return new AuthError('IncompleteSignatureException', message, accessKeyId);
}

function parseAuthorization(header: string): ParsedAuthorization {
  const space = header.indexOf(' ');
  const algorithm = space === -1 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw incomplete(`Unsupported Authorization algorithm '${algorithm}': sign requests with ${ALGORITHM} (Signature Version 4).`);
  }
  const parts = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((p) => !parts.get(p));
  if (missing.length > 0) {
    throw incomplete(missing.map((p) => `Authorization header requires '${p}' parameter.`).join(' '));
  }
  const scope = (parts.get('Credential') ?? '').split('/');
  const [accessKeyId = '', date = '', region = '', service = '', terminator = ''] = scope;
  if (scope.length !== 5 || accessKeyId === '' || !/^\d{8}$/.test(date) || region === '' || terminator !== 'aws4_request') {
    throw incomplete(
      `Credential '${parts.get('Credential') ?? ''}' is malformed: expected <access key id>/<yyyymmdd>/<region>/kms/aws4_request.`,
      accessKeyId === '' ? null : accessKeyId,
    );
  }
  const signature = parts.get('Signature') ?? '';
  if (!/^[0-9a-f]{64}$/.test(signature)) {
    throw incomplete('Signature must be 64 lowercase hexadecimal characters.', accessKeyId);
  }
  const signedHeaders = (parts.get('SignedHeaders') ?? '').split(';');
  return { accessKeyId, date, region, service, signedHeaders, signature };
}

function parseAmzDate(value: string | undefined, accessKeyId: string): Date {
  const m = value === undefined ? null : AMZ_DATE.exec(value);
  if (m === null) {
    throw incomplete(
      value === undefined
        ? "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        : `X-Amz-Date '${value}' is malformed: expected ISO 8601 basic format, e.g. 20260131T235959Z.`,
      accessKeyId,
    );
  }
  const [, y, mo, d, h, mi, s] = m;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

function basic(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function queryObject(query: string): Record<string, string | Array<string>> {
  const out: Record<string, string | Array<string>> = {};
  for (const [k, v] of new URLSearchParams(query)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/**
 * Verifies a request's SigV4 signature and returns the principal it was signed for.
 * @throws AuthError with AWS's error name for every way a request can fail authentication.
 */
export async function verifySigV4(req: SignedRequest, lookup: AccessKeyLookup, nowMs: number): Promise<Omit<Caller, 'sourceIp' | 'userAgent'>> {
  const header = req.headers.authorization;
  if (header === undefined || header === '') {
    if (/(^|&)X-Amz-(Signature|Credential)=/i.test(req.query)) {
      throw incomplete('Query-string (presigned) authentication is not supported: sign the Authorization header.');
    }
    throw new AuthError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const auth = parseAuthorization(header);
  const signingDate = parseAmzDate(req.headers['x-amz-date'], auth.accessKeyId);
  if (auth.service !== SERVICE) {
    throw new AuthError('InvalidSignatureException', `Credential should be scoped to correct service: '${SERVICE}'.`, auth.accessKeyId);
  }
  if (basic(signingDate).slice(0, 8) !== auth.date) {
    throw new AuthError('InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${basic(signingDate).slice(0, 8)}'.`, auth.accessKeyId);
  }
  const missingSigned = ['host', 'x-amz-date'].filter((h) => !auth.signedHeaders.includes(h));
  if (missingSigned.length > 0) {
    throw new AuthError('InvalidSignatureException', `SignedHeaders must include ${missingSigned.join(' and ')}.`, auth.accessKeyId);
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) {
      throw new AuthError('InvalidSignatureException', `Header '${name}' is listed in SignedHeaders but absent from the request.`, auth.accessKeyId);
    }
    headers[name] = value;
  }
  const skew = signingDate.getTime() - nowMs;
  if (skew < -MAX_CLOCK_SKEW_MS) {
    throw new AuthError(
      'InvalidSignatureException',
      `Signature expired: ${basic(signingDate)} is now earlier than ${basic(new Date(nowMs - MAX_CLOCK_SKEW_MS))} (${basic(new Date(nowMs))} - 15 min.)`,
      auth.accessKeyId,
    );
  }
  if (skew > MAX_CLOCK_SKEW_MS) {
    throw new AuthError(
      'InvalidSignatureException',
      `Signature not yet current: ${basic(signingDate)} is still later than ${basic(new Date(nowMs + MAX_CLOCK_SKEW_MS))} (${basic(new Date(nowMs))} + 15 min.)`,
      auth.accessKeyId,
    );
  }
  if (req.headers['x-amz-security-token'] !== undefined) {
    throw new AuthError('UnrecognizedClientException', 'The security token included in the request is invalid.', auth.accessKeyId);
  }
  const key = lookup(auth.accessKeyId);
  if (key === null) {
    throw new AuthError('UnrecognizedClientException', 'The security token included in the request is invalid.', auth.accessKeyId);
  }
  const mismatch = (): AuthError =>
    new AuthError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      auth.accessKeyId,
    );
  const bodyHash = createHash('sha256').update(req.body).digest('hex');
  const declaredHash = headers['x-amz-content-sha256'];
  if (declaredHash !== undefined && declaredHash !== bodyHash) {
    throw mismatch();
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: key.secret },
    region: auth.region,
    service: SERVICE,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const signed = await signer.sign(
    new HttpRequest({ method: req.method, protocol: 'http:', hostname: headers.host ?? '', path: req.path, query: queryObject(req.query), headers, body: req.body }),
    { signingDate, signingRegion: auth.region, signingService: SERVICE, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  const ok = expected.length === 64 && timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(auth.signature, 'latin1'));
  if (!ok) {
    throw mismatch();
  }
  return key.caller;
}
