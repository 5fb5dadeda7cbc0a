// SigV4 verification against signatures made by two independent signers — AWS's JavaScript
// signer (@smithy/signature-v4) and botocore's (Python, what the AWS CLI and boto3 use) — and
// every way a request can fail authentication, with AWS's error names.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import type { AccessKeyLookup } from '../../electron/kms/iam/access-keys.ts';
import { AuthError, type SignedRequest } from '../../electron/server/contracts.ts';
import { MAX_CLOCK_SKEW_MS, verifySigV4 } from '../../electron/server/sigv4.ts';
import { canonicalRequest, credentialScope, deriveSigningKey, requestSignature, stringToSign } from '../../electron/server/sigv4-canonical.ts';

const AKID = 'AKIAEXAMPLEEXAMPLE01';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const caller = { type: 'IAMUser' as const, arn: 'arn:aws:iam::111122223333:user/alice', accessKeyId: AKID };
const lookup: AccessKeyLookup = (id) => (id === AKID ? { caller, secret: SECRET } : null);
const BODY = '{"KeyId":"alias/x","Plaintext":"aGk="}';
const NOW = Date.UTC(2026, 10, 23, 6, 0, 0);

async function smithySigned(options: { body?: string; headers?: Record<string, string>; date?: number; secret?: string; region?: string; service?: string } = {}): Promise<SignedRequest> {
  const body = options.body ?? BODY;
  const signer = new SignatureV4({ credentials: { accessKeyId: AKID, secretAccessKey: options.secret ?? SECRET }, region: options.region ?? 'us-east-1', service: options.service ?? 'kms', sha256: Hash.bind(null, 'sha256') });
  const req = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 8567,
    path: '/',
    headers: { host: '127.0.0.1:8567', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt', ...options.headers },
    body,
  });
  const signed = await signer.sign(req, { signingDate: new Date(options.date ?? NOW) });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) {
    headers[k.toLowerCase()] = String(v);
  }
  return { method: 'POST', path: '/', query: '', headers, body: Buffer.from(body) };
}

async function fails(req: SignedRequest, now = NOW): Promise<AuthError> {
  try {
    await verifySigV4(req, lookup, now);
  } catch (err) {
    if (err instanceof AuthError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected the request to be refused');
}

describe('SigV4: valid signatures', () => {
  it('accepts a request signed by @smithy/signature-v4, in any region', async () => {
    expect(await verifySigV4(await smithySigned(), lookup, NOW)).toEqual(caller);
    expect(await verifySigV4(await smithySigned({ region: 'eu-west-2' }), lookup, NOW)).toEqual(caller);
  });

  it('accepts a request signed by botocore (the AWS CLI and boto3 signer), which signs other headers', () => {
    const script = `
import json, sys, datetime
from unittest import mock
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
req = AWSRequest(method='POST', url='http://127.0.0.1:8567/', data=${JSON.stringify(BODY)}.encode(), headers={'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'TrentService.Encrypt', 'User-Agent': 'aws-cli/2.9 test'})
with mock.patch('botocore.auth.datetime') as d:
    d.datetime.utcnow.return_value = datetime.datetime(2026, 11, 23, 6, 0, 0)
    d.datetime.now.return_value = datetime.datetime(2026, 11, 23, 6, 0, 0)
    SigV4Auth(Credentials('${AKID}', '${SECRET}'), 'kms', 'us-west-2').add_auth(req)
print(json.dumps(dict(req.headers.items())))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const raw = JSON.parse(r.stdout) as Record<string, string>;
    const headers: Record<string, string> = { host: '127.0.0.1:8567' };
    for (const [k, v] of Object.entries(raw)) {
      headers[k.toLowerCase()] = v;
    }
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEEXAMPLE01\/20261123\/us-west-2\/kms\/aws4_request/);
    expect(verifySigV4({ method: 'POST', path: '/', query: '', headers, body: Buffer.from(BODY) }, lookup, NOW)).toEqual(caller);
  });

  it('accepts clock skew up to 15 minutes either way', async () => {
    const req = await smithySigned();
    expect(verifySigV4(req, lookup, NOW + MAX_CLOCK_SKEW_MS)).toEqual(caller);
    expect(verifySigV4(req, lookup, NOW - MAX_CLOCK_SKEW_MS)).toEqual(caller);
  });
});

describe('SigV4: every failure has its AWS name', () => {
  it('MissingAuthenticationTokenException: no Authorization header', async () => {
    const req = await smithySigned();
    const { authorization: _dropped, ...headers } = req.headers;
    const err = await fails({ ...req, headers });
    expect([err.errorName, err.message]).toEqual(['MissingAuthenticationTokenException', 'Missing Authentication Token']);
  });

  it('IncompleteSignatureException: malformed Authorization headers and dates', async () => {
    const req = await smithySigned();
    const auth = req.headers.authorization ?? '';
    const variants: Array<[Record<string, string>, RegExp]> = [
      [{ authorization: 'Bearer abc' }, /Unsupported Authorization algorithm/],
      [{ authorization: 'AWS4-HMAC-SHA256 Credential=x' }, /requires 'SignedHeaders' parameter.*requires 'Signature' parameter/],
      [{ authorization: auth.replace(/Credential=[^,]+/, 'Credential=AKIA/2026/us-east-1/kms') }, /Credential .* is malformed/],
      [{ authorization: auth.replace(/Signature=[0-9a-f]+/, 'Signature=xyz') }, /64 lowercase hexadecimal/],
      [{ 'x-amz-date': '2026-11-23T06:00:00Z' }, /X-Amz-Date .* is malformed/],
    ];
    for (const [change, message] of variants) {
      const err = await fails({ ...req, headers: { ...req.headers, ...change } });
      expect(err.errorName, JSON.stringify(change)).toBe('IncompleteSignatureException');
      expect(err.message).toMatch(message);
    }
    const { 'x-amz-date': _d, ...noDate } = req.headers;
    expect((await fails({ ...req, headers: noDate })).message).toMatch(/requires existence of either a 'X-Amz-Date'/);
  });

  it('UnrecognizedClientException: unknown access key, or a session token we never issued', async () => {
    const req = await smithySigned();
    const unknown = await fails({ ...req, headers: { ...req.headers, authorization: (req.headers.authorization ?? '').replace(AKID, 'AKIAUNKNOWNUNKNOWN00') } });
    expect([unknown.errorName, unknown.message]).toEqual(['UnrecognizedClientException', 'The security token included in the request is invalid.']);
    expect(unknown.claimedAccessKeyId).toBe('AKIAUNKNOWNUNKNOWN00');
    const token = await fails(await smithySigned({ headers: { 'x-amz-security-token': 'FwoGZXIvYXdzE' } }));
    expect(token.errorName).toBe('UnrecognizedClientException');
  });

  it('InvalidSignatureException: wrong secret, changed body, changed signed header', async () => {
    expect((await fails(await smithySigned({ secret: 'another secret entirely, forty characters' }))).message).toMatch(/does not match the signature you provided/);
    const req = await smithySigned();
    expect((await fails({ ...req, body: Buffer.from(BODY.replace('aGk=', 'aGl=')) })).errorName).toBe('InvalidSignatureException');
    expect((await fails({ ...req, headers: { ...req.headers, 'x-amz-target': 'TrentService.Decrypt' } })).errorName).toBe('InvalidSignatureException');
  });

  it('InvalidSignatureException: a signed x-amz-content-sha256 that does not match the body', async () => {
    const req = await smithySigned({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect((await fails(req)).errorName).toBe('InvalidSignatureException');
  });

  it('InvalidSignatureException: clock skew beyond 15 minutes, with AWS wording', async () => {
    const req = await smithySigned();
    const late = await fails(req, NOW + MAX_CLOCK_SKEW_MS + 1000);
    expect(late.errorName).toBe('InvalidSignatureException');
    expect(late.message).toMatch(/^Signature expired: 20261123T060000Z is now earlier than/);
    const early = await fails(req, NOW - MAX_CLOCK_SKEW_MS - 1000);
    expect(early.message).toMatch(/^Signature not yet current/);
  });

  it('InvalidSignatureException: a scope for another service, or a date that disagrees', async () => {
    expect((await fails(await smithySigned({ service: 's3' }))).message).toMatch(/correct service: 'kms'/);
    const req = await smithySigned();
    const shifted = await fails({ ...req, headers: { ...req.headers, 'x-amz-date': '20261124T060000Z' } }, Date.UTC(2026, 10, 24, 6));
    expect(shifted.errorName).toBe('InvalidSignatureException');
  });

  it('InvalidSignatureException: a header listed in SignedHeaders but missing', async () => {
    const req = await smithySigned();
    const { 'x-amz-target': _t, ...noTarget } = req.headers;
    expect((await fails({ ...req, headers: noTarget })).message).toMatch(/listed in SignedHeaders but absent/);
  });
});

/**
 * The request re-signed by our own canonicaliser with only the listed headers signed (plus the
 * x-amz-content-sha256 @smithy adds): a correct signature over too little.
 */
function signedOnly(req: SignedRequest, names: ReadonlyArray<string>): SignedRequest {
  const signedHeaders = [...names, 'x-amz-content-sha256'].sort();
  const amzDate = req.headers['x-amz-date'] ?? '';
  const date = amzDate.slice(0, 8);
  const request = canonicalRequest({ method: req.method, path: req.path, query: req.query, headers: req.headers, signedHeaders, payloadHash: createHash('sha256').update(req.body).digest('hex') });
  const signature = requestSignature(deriveSigningKey(SECRET, date, 'us-east-1', 'kms'), stringToSign(amzDate, credentialScope(date, 'us-east-1', 'kms'), request)).toString('hex');
  const authorization = `AWS4-HMAC-SHA256 Credential=${AKID}/${date}/us-east-1/kms/aws4_request, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return { ...req, headers: { ...req.headers, authorization } };
}

describe("SigV4: AWS's rule that host, x-amz-date and every x-amz-* header sent are signed", () => {
  it('accepts a correct signature over exactly host, x-amz-date and the x-amz-* headers (others may go unsigned)', async () => {
    const req = await smithySigned({ headers: { 'x-amz-user-agent': 'aws-sdk-js/3' } });
    expect(verifySigV4(signedOnly(req, ['host', 'x-amz-date', 'x-amz-target', 'x-amz-user-agent']), lookup, NOW)).toEqual(caller);
  });

  it("InvalidSignatureException \"'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.\": host not signed", async () => {
    const req = await smithySigned();
    const err = await fails(signedOnly(req, ['x-amz-date', 'x-amz-target', 'content-type']));
    expect(err.errorName).toBe('InvalidSignatureException');
    expect(err.message).toMatch(/^'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization\./);
  });

  it("InvalidSignatureException \"'x-amz-date' must be a 'SignedHeader' …\": the date not signed", async () => {
    const req = await smithySigned();
    const err = await fails(signedOnly(req, ['host', 'x-amz-target', 'content-type']));
    expect(err.errorName).toBe('InvalidSignatureException');
    expect(err.message).toMatch(/^'x-amz-date' must be a 'SignedHeader' in the AWS Authorization\./);
  });

  it("InvalidSignatureException \"'x-amz-target' must be a 'SignedHeader' …\": the operation not signed (a signature for one operation replayed as another)", async () => {
    const req = await smithySigned();
    const describeKeySigned = signedOnly(req, ['host', 'x-amz-date']);
    const replayed = { ...describeKeySigned, headers: { ...describeKeySigned.headers, 'x-amz-target': 'TrentService.ScheduleKeyDeletion' } };
    const err = await fails(replayed);
    expect(err.errorName).toBe('InvalidSignatureException');
    expect(err.message).toMatch(/^'x-amz-target' must be a 'SignedHeader' in the AWS Authorization\./);
  });

  it('InvalidSignatureException: any other x-amz-* header sent unsigned, named in the message (several at once)', async () => {
    const req = await smithySigned({ headers: { 'x-amz-user-agent': 'aws-sdk-js/3', 'x-amz-meta-anything': '1' } });
    const err = await fails(signedOnly(req, ['host', 'x-amz-date', 'x-amz-target']));
    expect(err.errorName).toBe('InvalidSignatureException');
    expect(err.message).toMatch(/'x-amz-meta-anything' must be a 'SignedHeader'.*'x-amz-user-agent' must be a 'SignedHeader'/);
  });

  it('does not count x-amzn-* (a different prefix) as x-amz-*', async () => {
    const req = await smithySigned({ headers: { 'x-amzn-query-mode': 'true' } });
    expect(verifySigV4(signedOnly(req, ['host', 'x-amz-date', 'x-amz-target']), lookup, NOW)).toEqual(caller);
  });
});
