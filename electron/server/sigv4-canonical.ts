// The SigV4 algorithm itself (AWS4-HMAC-SHA256): the canonical request built from a request as it
// arrived, the string to sign, the signing key and the signature. Pure and synchronous, on
// node:crypto only — electron/server/sigv4.ts decides what to feed it and what each failure is
// called. The service is a parameter so AWS's published test suite (service 'service') runs
// against exactly this code; the endpoint passes 'kms'.
//
// Each rule below is the one @smithy/signature-v4 applies when the AWS SDK for JavaScript signs
// for a non-S3 service (uriEscapePath on), and the one AWS's test suite expects; the tests sign
// random requests with @smithy and verify them here to keep the two equal (D10).

import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const SCOPE_TERMINATOR = 'aws4_request';
/** A query parameter that is the signature itself (presigned URLs) is never part of what is signed. */
const SIGNATURE_PARAMETER = 'x-amz-signature';

/** A request as the canonicaliser needs it: raw path and query, header names lower-cased. */
export type CanonicalInput = {
  readonly method: string;
  /** As sent, before any decoding, without the query string. */
  readonly path: string;
  /** As sent, without '?'; '' when none. */
  readonly query: string;
  /** Lower-cased names; a repeated header's values joined with ','. */
  readonly headers: Readonly<Record<string, string>>;
  /** Lower-cased, sorted, unique, each present in headers. */
  readonly signedHeaders: ReadonlyArray<string>;
  /** Hex SHA-256 of the body. */
  readonly payloadHash: string;
};

/** RFC 3986 percent-encoding of everything but the unreserved set (A–Z a–z 0–9 - . _ ~), UTF-8. */
export function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Nothing to resolve or encode: '/', or '/'-led segments of unreserved characters other than '.'. */
const PLAIN_PATH = /^(\/[A-Za-z0-9\-_~]+)+\/?$|^\/$/;

/**
 * The path as sent, with empty, '.' and '..' segments resolved, each segment URI-encoded once
 * more (so '%20' on the wire is '%2520' here, as every non-S3 AWS signer does).
 */
export function canonicalPath(path: string): string {
  if (PLAIN_PATH.test(path)) {
    return path;
  }
  const segments: Array<string> = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') {
      continue;
    }
    if (segment === '..') {
      segments.pop();
    } else {
      segments.push(uriEscape(segment));
    }
  }
  const lead = path.startsWith('/') ? '/' : '';
  const trail = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `${lead}${segments.join('/')}${trail}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every parameter decoded (application/x-www-form-urlencoded, as URLSearchParams reads it) and
 * re-encoded with uriEscape, sorted by key then value, 'key=value' even when the value is empty.
 */
export function canonicalQuery(query: string): string {
  if (query === '') {
    return '';
  }
  const pairs: Array<readonly [string, string]> = [];
  for (const [key, value] of new URLSearchParams(query)) {
    if (key.toLowerCase() !== SIGNATURE_PARAMETER) {
      pairs.push([uriEscape(key), uriEscape(value)]);
    }
  }
  pairs.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  return pairs.map(([key, value]) => `${key}=${value}`).join('&');
}

const UNTIDY_VALUE = /[\t\r\n]|^ | $| {2}/;

/** Line breaks become spaces, runs of spaces and tabs one space, no space at either end. */
export function canonicalHeaderValue(value: string): string {
  if (!UNTIDY_VALUE.test(value)) {
    return value;
  }
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

export function canonicalRequest(input: CanonicalInput): string {
  let headerLines = '';
  for (const name of input.signedHeaders) {
    headerLines += `${name}:${canonicalHeaderValue(input.headers[name] ?? '')}\n`;
  }
  return `${input.method}\n${canonicalPath(input.path)}\n${canonicalQuery(input.query)}\n${headerLines}\n${input.signedHeaders.join(';')}\n${input.payloadHash}`;
}

export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/${SCOPE_TERMINATOR}`;
}

/** amzDate is the request's X-Amz-Date (yyyymmddThhmmssZ); scope from credentialScope. */
export function stringToSign(amzDate: string, scope: string, request: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${createHash('sha256').update(request).digest('hex')}`;
}

/**
 * The four chained HMACs: a key valid for one access key, day, region and service. A KeyObject,
 * because an HMAC keyed with one starts in ~2.6 µs where a Buffer key is imported again each
 * time (~12 µs, most of a request's verification when it was a Buffer).
 */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): KeyObject {
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  for (const part of [region, service, SCOPE_TERMINATOR]) {
    key = createHmac('sha256', key).update(part).digest();
  }
  return createSecretKey(key);
}

/** The 32-byte signature; its lowercase hex is what goes in the Authorization header. */
export function requestSignature(signingKey: KeyObject, toSign: string): Buffer {
  return createHmac('sha256', signingKey).update(toSign).digest();
}
