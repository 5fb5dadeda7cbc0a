// SigV4 verification for the endpoint. The signature is recomputed from the request exactly as
// it arrived — method, raw path and query, the headers the client listed in SignedHeaders, the
// body's SHA-256 — by our own canonicaliser (electron/server/sigv4-canonical.ts), synchronously
// on node:crypto, then compared in constant time. This module decides what to feed it and what
// each way of failing is called (docs/aws-kms.md §1.2).
//
// Why not AWS's signer at run time: @smithy/signature-v4 re-signed each request through a new
// signer object, an HttpRequest clone and a chain of promises, a large share of the endpoint's
// CPU under load (D13). It stays the reference the tests hold this code to: AWS's published
// test suite and random requests signed by @smithy must verify here, and any change to them
// must not (D10).
//
// Decisions:
// - Any region in the credential scope is accepted: developers point SDKs configured for
//   us-east-1 (or anything) at the local endpoint, and the key ARNs carry the installation's
//   own region either way. The service must be the verifier's: 'kms' for the KMS endpoint,
//   'kms-xks-proxy' for the XKS proxy API (SigV4Options), each with its own credential source.
// - X-Amz-Security-Token (temporary credentials) → UnrecognizedClientException: Strongroom
//   issues no session tokens, so such a token can only be someone else's.
// - Query-string (presigned) authentication is refused: KMS clients sign headers.
// - A signed x-amz-content-sha256 header must equal the body's hash: a signer would otherwise
//   trust the header, and a body changed after signing would verify.
// - The signing key (four chained HMACs) is derived once per access key, day, region and
//   service and kept in a small LRU map. An entry remembers the secret it was derived from and
//   is used only while the lookup still returns that secret, so a changed secret never signs.

import { createHash, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Caller } from '../kms/iam/caller.ts';
import { LruMap } from '../kms/lru-map.ts';
import { AuthError, type AccessKeyLookup, type SignedRequest } from './contracts.ts';
import { ALGORITHM, canonicalRequest, credentialScope, deriveSigningKey, requestSignature, stringToSign } from './sigv4-canonical.ts';

export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const SERVICE = 'kms';

/** What differs between the surfaces that verify SigV4: the signing service and the allowed clock skew. */
export type SigV4Options = {
  /** The service in the credential scope; 'kms' when omitted. */
  readonly service?: string;
  /** How far X-Amz-Date may be from now; MAX_CLOCK_SKEW_MS when omitted. */
  readonly maxSkewMs?: number;
};
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

function parseAuthorization(header: string, expectedService: string): ParsedAuthorization {
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
      `Credential '${parts.get('Credential') ?? ''}' is malformed: expected <access key id>/<yyyymmdd>/<region>/${expectedService}/aws4_request.`,
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

/**
 * Signers send SignedHeaders sorted and unique; a list that is not is read as the sorted set, as
 * the verifier did when @smithy re-signed the request.
 */
function sortedUnique(names: ReadonlyArray<string>): ReadonlyArray<string> {
  for (let i = 1; i < names.length; i++) {
    if ((names[i - 1] ?? '') >= (names[i] ?? '')) {
      return [...new Set(names)].sort();
    }
  }
  return names;
}

/** Signing keys kept at most: one per active access key and day is the usual need. */
const SIGNING_KEYS_KEPT = 64;
const signingKeys = new LruMap<string, { readonly secret: string; readonly key: KeyObject }>(SIGNING_KEYS_KEPT);

function signingKey(accessKeyId: string, secret: string, date: string, region: string, service: string): KeyObject {
  // No part can contain '/': each came from splitting the Credential on it.
  const id = `${accessKeyId}/${date}/${region}/${service}`;
  const kept = signingKeys.get(id);
  if (kept !== undefined && kept.secret === secret) {
    return kept.key;
  }
  const key = deriveSigningKey(secret, date, region, service);
  signingKeys.set(id, { secret, key });
  return key;
}

/**
 * Verifies a request's SigV4 signature and returns the principal it was signed for.
 * @throws AuthError with AWS's error name for every way a request can fail authentication.
 */
export function verifySigV4(req: SignedRequest, lookup: AccessKeyLookup, nowMs: number, options: SigV4Options = {}): Omit<Caller, 'sourceIp' | 'userAgent'> {
  const service = options.service ?? SERVICE;
  const maxSkew = options.maxSkewMs ?? MAX_CLOCK_SKEW_MS;
  const header = req.headers.authorization;
  if (header === undefined || header === '') {
    if (/(^|&)X-Amz-(Signature|Credential)=/i.test(req.query)) {
      throw incomplete('Query-string (presigned) authentication is not supported: sign the Authorization header.');
    }
    throw new AuthError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const auth = parseAuthorization(header, service);
  const amzDate = req.headers['x-amz-date'];
  const signingDate = parseAmzDate(amzDate, auth.accessKeyId);
  if (auth.service !== service) {
    throw new AuthError('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'.`, auth.accessKeyId);
  }
  const signingDay = basic(signingDate).slice(0, 8);
  if (signingDay !== auth.date) {
    throw new AuthError('InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${signingDay}'.`, auth.accessKeyId);
  }
  const missingSigned = ['host', 'x-amz-date'].filter((h) => !auth.signedHeaders.includes(h));
  if (missingSigned.length > 0) {
    throw new AuthError('InvalidSignatureException', `SignedHeaders must include ${missingSigned.join(' and ')}.`, auth.accessKeyId);
  }
  for (const name of auth.signedHeaders) {
    // Own properties only: a listed name like 'constructor' must not find Object.prototype's.
    if (!Object.hasOwn(req.headers, name)) {
      throw new AuthError('InvalidSignatureException', `Header '${name}' is listed in SignedHeaders but absent from the request.`, auth.accessKeyId);
    }
  }
  const skew = signingDate.getTime() - nowMs;
  if (skew < -maxSkew) {
    throw new AuthError(
      'InvalidSignatureException',
      `Signature expired: ${basic(signingDate)} is now earlier than ${basic(new Date(nowMs - maxSkew))} (${basic(new Date(nowMs))} - ${maxSkew / 60_000} min.)`,
      auth.accessKeyId,
    );
  }
  if (skew > maxSkew) {
    throw new AuthError(
      'InvalidSignatureException',
      `Signature not yet current: ${basic(signingDate)} is still later than ${basic(new Date(nowMs + maxSkew))} (${basic(new Date(nowMs))} + ${maxSkew / 60_000} min.)`,
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
  if (auth.signedHeaders.includes('x-amz-content-sha256') && req.headers['x-amz-content-sha256'] !== bodyHash) {
    throw mismatch();
  }
  const request = canonicalRequest({ method: req.method, path: req.path, query: req.query, headers: req.headers, signedHeaders: sortedUnique(auth.signedHeaders), payloadHash: bodyHash });
  const toSign = stringToSign(amzDate ?? '', credentialScope(auth.date, auth.region, service), request);
  const expected = requestSignature(signingKey(auth.accessKeyId, key.secret, auth.date, auth.region, service), toSign);
  if (!timingSafeEqual(expected, Buffer.from(auth.signature, 'hex'))) {
    throw mismatch();
  }
  return key.caller;
}
