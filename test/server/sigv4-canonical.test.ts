// Our SigV4 canonicaliser held to two references: AWS's published test suite (each case's
// canonical request, string to sign and signature), and AWS's own JavaScript signer
// (@smithy/signature-v4) over thousands of random requests — every one it signs must verify,
// and every one changed after signing must not. Plus the signing-key cache's one rule: a key
// derived from a secret that has since changed never verifies anything.
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AccessKeyLookup } from '../../electron/kms/iam/access-keys.ts';
import { AuthError, type SignedRequest } from '../../electron/server/contracts.ts';
import {
  canonicalHeaderValue, canonicalPath, canonicalQuery, canonicalRequest, credentialScope, deriveSigningKey, requestSignature, stringToSign,
} from '../../electron/server/sigv4-canonical.ts';
import { verifySigV4 } from '../../electron/server/sigv4.ts';
import { SUITE_ACCESS_KEY_ID, SUITE_AMZ_DATE, SUITE_CASES, SUITE_REGION, SUITE_SECRET, SUITE_SERVICE, type SuiteCase } from './fixtures/sigv4-suite.ts';

function suiteHeaders(c: SuiteCase): Record<string, string> {
  return { host: 'example.amazonaws.com', 'x-amz-date': SUITE_AMZ_DATE, ...c.headers };
}

/** The query as @smithy's HttpRequest takes it: decoded, a repeated key's values in a list. */
function queryObject(query: string): Record<string, string | Array<string>> {
  const out: Record<string, string | Array<string>> = {};
  for (const [k, v] of new URLSearchParams(query)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

describe("AWS's SigV4 test suite", () => {
  for (const c of SUITE_CASES) {
    it(c.name, async () => {
      const body = c.body ?? '';
      const request = canonicalRequest({
        method: c.method,
        path: c.path,
        query: c.query,
        headers: suiteHeaders(c),
        signedHeaders: c.signedHeaders.split(';'),
        payloadHash: createHash('sha256').update(body).digest('hex'),
      });
      if (c.canonicalRequest !== undefined) {
        expect(request).toBe(c.canonicalRequest);
      }
      const toSign = stringToSign(SUITE_AMZ_DATE, credentialScope('20150830', SUITE_REGION, SUITE_SERVICE), request);
      if (c.stringToSign !== undefined) {
        expect(toSign).toBe(c.stringToSign);
      }
      expect(requestSignature(deriveSigningKey(SUITE_SECRET, '20150830', SUITE_REGION, SUITE_SERVICE), toSign).toString('hex')).toBe(c.signature);

      // The reference signs the same transcription the same way (so the fixture says what the suite says).
      const signer = new SignatureV4({ credentials: { accessKeyId: SUITE_ACCESS_KEY_ID, secretAccessKey: SUITE_SECRET }, region: SUITE_REGION, service: SUITE_SERVICE, sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
      const signed = await signer.sign(
        new HttpRequest({ method: c.method, protocol: 'https:', hostname: 'example.amazonaws.com', path: c.path, query: queryObject(c.query), headers: suiteHeaders(c), body }),
        { signingDate: new Date('2015-08-30T12:36:00Z') },
      );
      expect(String(signed.headers.authorization)).toBe(`AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${c.signedHeaders}, Signature=${c.signature}`);
    });
  }

  it('canonicalises paths, queries and header values by the rules the suite exercises', () => {
    expect(canonicalPath('/a%20b/./c/../d//')).toBe('/a%2520b/d/');
    expect(canonicalPath("/!'()*")).toBe('/%21%27%28%29%2A');
    expect(canonicalQuery('b=2&a=2&a=1&X-Amz-Signature=ff&c')).toBe('a=1&a=2&b=2&c=');
    expect(canonicalQuery('k=a+b&k=%7e&k=%2a')).toBe('k=%2A&k=a%20b&k=~');
    expect(canonicalHeaderValue(' a \t\t b\r\nc ')).toBe('a b c');
    expect(canonicalHeaderValue('plain value')).toBe('plain value');
  });
});

// ---- Random requests signed by @smithy, verified by verifySigV4 ----------------------------

const AKID = 'AKIAPROPERTYPROPERTY';
const SECRET = 'property+secret/forty/characters/exampleX';
const caller = { type: 'IAMUser' as const, arn: 'arn:aws:iam::111122223333:user/prop', accessKeyId: AKID };
const lookup: AccessKeyLookup = (id) => (id === AKID ? { caller, secret: SECRET } : null);
const NOW = Date.UTC(2026, 4, 19, 8, 30, 0);

const TEXT_CHARS = [...'aZ09 -_.~!*\'();:@&=+$,/?#[]%"<>\\^`{|}ሴé', ' ', '\t'];
const text = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...TEXT_CHARS), maxLength });
const HEADER_VALUE_CHARS = [...'aZ09 -_.,;:=/"()[]{}é', ' ', ' ', '\t'];
const headerValue = fc.string({ unit: fc.constantFrom(...HEADER_VALUE_CHARS), maxLength: 24 });
const headerName = fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/).map((n) => `X-P-${n}`);

type Generated = {
  readonly method: string;
  readonly segments: ReadonlyArray<string>;
  readonly trailingSlash: boolean;
  readonly params: ReadonlyArray<readonly [string, string]>;
  /** How the client put the query on the wire: RFC 3986 strict, encodeURIComponent, or form-encoded. */
  readonly queryStyle: 'strict' | 'component' | 'form';
  readonly headers: ReadonlyArray<readonly [string, ReadonlyArray<string>]>;
  readonly body: Uint8Array;
  readonly region: string;
  readonly applyChecksum: boolean;
  readonly tamper: 'body' | 'header' | 'query' | 'signature' | 'path' | 'method';
  readonly pick: number;
};

const generated: fc.Arbitrary<Generated> = fc.record({
  method: fc.constantFrom('POST', 'GET', 'PUT', 'DELETE'),
  segments: fc.array(fc.oneof({ weight: 6, arbitrary: text(8) }, { weight: 1, arbitrary: fc.constantFrom('.', '..', '') }), { maxLength: 4 }),
  trailingSlash: fc.boolean(),
  params: fc.array(fc.tuple(fc.oneof(text(6), fc.constantFrom('k', 'K', 'k2')), text(8)), { maxLength: 6 }),
  queryStyle: fc.constantFrom('strict', 'component', 'form'),
  headers: fc.uniqueArray(fc.tuple(headerName, fc.array(headerValue, { minLength: 1, maxLength: 3 })), { maxLength: 5, selector: ([name]) => name.toLowerCase() }),
  body: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 300 })),
  region: fc.constantFrom('us-east-1', 'eu-west-2', 'local'),
  applyChecksum: fc.boolean(),
  tamper: fc.constantFrom('body', 'header', 'query', 'signature', 'path', 'method'),
  pick: fc.nat(),
});

function strict(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function wireQuery(g: Generated): string {
  if (g.queryStyle === 'form') {
    return new URLSearchParams(g.params.map(([k, v]) => [k, v])).toString();
  }
  const encode = g.queryStyle === 'strict' ? strict : encodeURIComponent;
  return g.params.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
}

async function signedBySmithy(g: Generated): Promise<SignedRequest> {
  // Paths go out as SDKs send them: each segment percent-encoded, the HttpRequest given the same.
  const path = `/${g.segments.map(encodeURIComponent).join('/')}${g.trailingSlash && g.segments.length > 0 ? '/' : ''}`;
  const query = wireQuery(g);
  const headers: Record<string, string> = { Host: '127.0.0.1:8567', 'Content-Type': 'application/x-amz-json-1.1' };
  for (const [name, values] of g.headers) {
    headers[name] = values.join(',');
  }
  const signer = new SignatureV4({ credentials: { accessKeyId: AKID, secretAccessKey: SECRET }, region: g.region, service: 'kms', sha256: Hash.bind(null, 'sha256'), applyChecksum: g.applyChecksum });
  const signed = await signer.sign(
    new HttpRequest({ method: g.method, protocol: 'http:', hostname: '127.0.0.1', port: 8567, path, query: queryObject(query), headers, body: g.body }),
    { signingDate: new Date(NOW - 60_000) },
  );
  const received: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) {
    received[k.toLowerCase()] = String(v);
  }
  return { method: g.method, path, query, headers: received, body: Buffer.from(g.body) };
}

/** One change the signature covers: a byte, a character, a parameter, a hex digit. */
function tampered(req: SignedRequest, g: Generated): SignedRequest {
  switch (g.tamper) {
    case 'body': {
      if (req.body.length === 0) {
        return { ...req, body: Buffer.from([g.pick % 256]) };
      }
      const body = Buffer.from(req.body);
      const at = g.pick % body.length;
      body[at] = (body[at] ?? 0) ^ 1;
      return { ...req, body };
    }
    case 'header': {
      const names = ['host', 'content-type', ...g.headers.map(([n]) => n.toLowerCase())];
      const name = names[g.pick % names.length] ?? 'host';
      const value = req.headers[name] ?? '';
      // A visible character in place of another (or added): never equal after canonicalisation.
      const at = value.length === 0 ? 0 : g.pick % value.length;
      const replacement = value[at] === 'Q' ? 'R' : 'Q';
      return { ...req, headers: { ...req.headers, [name]: `${value.slice(0, at)}${replacement}${value.slice(at + 1)}` } };
    }
    case 'query':
      return { ...req, query: req.query === '' ? 'extra=1' : `${req.query}&extra=1` };
    case 'path':
      return { ...req, path: `${req.path}${req.path.endsWith('/') ? '' : '/'}more` };
    case 'method':
      return { ...req, method: req.method === 'POST' ? 'PUT' : 'POST' };
    case 'signature': {
      const auth = req.headers.authorization ?? '';
      const at = auth.indexOf('Signature=') + 'Signature='.length + (g.pick % 64);
      const digit = auth[at] === '0' ? '1' : '0';
      return { ...req, headers: { ...req.headers, authorization: `${auth.slice(0, at)}${digit}${auth.slice(at + 1)}` } };
    }
  }
}

/** One generated request, signed by @smithy: fixed by its seed. */
async function sampleRequest(seed: number): Promise<SignedRequest> {
  const [g] = fc.sample(generated, { seed, numRuns: 1 });
  if (g === undefined) {
    throw new Error('fast-check gave no sample');
  }
  return signedBySmithy(g);
}

function refusal(req: SignedRequest): AuthError | null {
  try {
    verifySigV4(req, lookup, NOW);
    return null;
  } catch (err) {
    if (err instanceof AuthError) {
      return err;
    }
    throw err;
  }
}

describe('SigV4: @smithy/signature-v4 as the reference, over random requests', () => {
  it('accepts every request @smithy signs, and refuses each one changed after signing', async () => {
    await fc.assert(
      fc.asyncProperty(generated, async (g) => {
        const req = await signedBySmithy(g);
        expect(verifySigV4(req, lookup, NOW)).toEqual(caller);
        const changed = refusal(tampered(req, g));
        expect(changed?.errorName, `${g.tamper} changed`).toBe('InvalidSignatureException');
      }),
      { seed: 19, numRuns: 3000 },
    );
  });
});

describe('SigV4: what the verifier reads from SignedHeaders', () => {
  it('reads an unsorted or repeated list as the sorted set (as the @smithy-based verifier did)', async () => {
    const req = await sampleRequest(5);
    const auth = (req.headers.authorization ?? '').replace(/SignedHeaders=([^,]+)/, (_m, list: string) => `SignedHeaders=${[...list.split(';').reverse(), 'host'].join(';')}`);
    expect(verifySigV4({ ...req, headers: { ...req.headers, authorization: auth } }, lookup, NOW)).toEqual(caller);
  });

  it('refuses a listed name that only Object.prototype has, as an absent header (not a crash)', async () => {
    const req = await sampleRequest(6);
    for (const name of ['constructor', '__proto__', 'toString']) {
      const auth = (req.headers.authorization ?? '').replace(/SignedHeaders=/, `SignedHeaders=${name};`);
      expect(refusal({ ...req, headers: { ...req.headers, authorization: auth } })?.message).toBe(`Header '${name}' is listed in SignedHeaders but absent from the request.`);
    }
  });
});

describe('SigV4: the signing-key cache', () => {
  it('never verifies with a key derived from a secret that has since changed', async () => {
    let secret = SECRET;
    const rotating: AccessKeyLookup = (id) => (id === AKID ? { caller, secret } : null);
    const req = await sampleRequest(7);
    expect(verifySigV4(req, rotating, NOW)).toEqual(caller);
    secret = 'a different secret, also forty characters';
    expect(() => verifySigV4(req, rotating, NOW)).toThrow(/does not match the signature you provided/);
    secret = SECRET;
    expect(verifySigV4(req, rotating, NOW)).toEqual(caller);
  });

  it('keeps serving keys for many days and regions at once (entries evicted, not wrong)', async () => {
    const body = Buffer.from('{"KeyId":"alias/cache"}');
    const requests: Array<{ req: SignedRequest; now: number }> = [];
    for (let day = 0; day < 40; day++) {
      for (const region of ['us-east-1', 'eu-west-2']) {
        const now = NOW + day * 86_400_000;
        const signer = new SignatureV4({ credentials: { accessKeyId: AKID, secretAccessKey: SECRET }, region, service: 'kms', sha256: Hash.bind(null, 'sha256') });
        const signed = await signer.sign(new HttpRequest({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', path: '/', headers: { host: '127.0.0.1:8567' }, body }), { signingDate: new Date(now) });
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(signed.headers)) {
          headers[k.toLowerCase()] = String(v);
        }
        requests.push({ req: { method: 'POST', path: '/', query: '', headers, body }, now });
      }
    }
    // 80 keys through a cache of 64, twice: the second pass finds the early ones evicted.
    for (const pass of [1, 2]) {
      for (const { req, now } of requests) {
        expect(verifySigV4(req, lookup, now), `pass ${pass}`).toEqual(caller);
      }
    }
  });
});
