// The endpoint's own behaviour, with raw signed requests: AWS-shaped errors for bad input,
// hardening (Host check, body cap, no CORS), request ids matching the audit, unauthenticated
// requests running nothing, batching under concurrency, and graceful shutdown.
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { request as httpRequest } from 'node:http';
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { startTestEndpoint, type TestEndpoint } from '../support/endpoint.ts';
import { rawRequest } from '../support/signed-fetch.ts';
import { snapshotState } from '../support/snapshot.ts';

let ep: TestEndpoint;
let db: Database.Database;
beforeEach(async () => {
  ep = await startTestEndpoint({ maxBodyBytes: 64 * 1024 });
  db = new Database(join(ep.dir, DATABASE_FILE), { readonly: true });
});
afterEach(async () => {
  db.close();
  await ep.close();
});

async function expectServing(): Promise<void> {
  const ok = await rawRequest(ep, { target: 'TrentService.ListKeys' });
  expect(ok.status).toBe(200);
}

describe('AWS JSON 1.1 over HTTP', () => {
  it('answers with the AWS content type, epoch-second timestamps and base64 blobs', async () => {
    const created = await rawRequest(ep, { target: 'TrentService.CreateKey', body: '{"Description":"wire"}' });
    expect(created.status).toBe(200);
    expect(created.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    const md = created.json().KeyMetadata as Record<string, unknown>;
    expect(typeof md.CreationDate).toBe('number');
    expect(Math.abs((md.CreationDate as number) - Date.now() / 1000)).toBeLessThan(60);
    const enc = await rawRequest(ep, { target: 'TrentService.Encrypt', body: JSON.stringify({ KeyId: md.KeyId, Plaintext: Buffer.from('hi').toString('base64') }) });
    expect(enc.json().CiphertextBlob).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const dec = await rawRequest(ep, { target: 'TrentService.Decrypt', body: JSON.stringify({ CiphertextBlob: enc.json().CiphertextBlob }) });
    expect(Buffer.from(String(dec.json().Plaintext), 'base64').toString()).toBe('hi');
  });

  it('puts x-amzn-RequestId on every response, equal to the audit record requestID', async () => {
    const ok = await rawRequest(ep, { target: 'TrentService.ListKeys' });
    const bad = await rawRequest(ep, { target: 'TrentService.DescribeKey', body: '{"KeyId":"alias/none"}' });
    const unauth = await rawRequest(ep, { sign: false });
    for (const r of [ok, bad, unauth]) {
      expect(r.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const records = ep.kms.audit.list({ MaxResults: 2 }).map((r) => r.record);
    expect(records[0]).toMatchObject({ requestID: bad.headers.get('x-amzn-requestid'), errorCode: 'NotFoundException' });
    expect(records[1]).toMatchObject({ requestID: ok.headers.get('x-amzn-requestid'), eventName: 'ListKeys' });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ __type: 'NotFoundException' });
    expect(bad.headers.get('x-amzn-errortype')).toBe('NotFoundException');
  });

  it('records the authenticated principal and source address', async () => {
    await rawRequest(ep, { target: 'TrentService.ListKeys', headers: { 'user-agent': 'test-agent/1.0' } });
    const record = ep.kms.audit.list({ MaxResults: 1 })[0]?.record;
    expect(record?.userIdentity).toMatchObject({ type: 'Root', arn: 'arn:aws:iam::111122223333:root', accessKeyId: ep.credentials.accessKeyId });
    expect(record?.sourceIPAddress).toMatch(/127\.0\.0\.1/);
    expect(record?.userAgent).toBe('test-agent/1.0');
  });
});

describe('bad input over HTTP: an AWS-shaped error, the server keeps serving, nothing changes', () => {
  const cases: Array<[string, Parameters<typeof rawRequest>[1], number, string, RegExp]> = [
    ['truncated JSON', { target: 'TrentService.CreateKey', body: '{"Description":"x' }, 400, 'SerializationException', /not valid JSON/],
    ['a JSON array body', { target: 'TrentService.CreateKey', body: '[1,2]' }, 400, 'SerializationException', /object/],
    ['wrong member types', { target: 'TrentService.GenerateRandom', body: '{"NumberOfBytes":"32"}' }, 400, 'SerializationException', /integer/],
    ['malformed base64', { target: 'TrentService.Encrypt', body: '{"KeyId":"alias/x","Plaintext":"***"}' }, 400, 'SerializationException', /base64/],
    ['a constraint violation', { target: 'TrentService.GenerateRandom', body: '{"NumberOfBytes":5000}' }, 400, 'ValidationException', /^1 validation error detected: Value '5000' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024$/],
    ['an unknown target', { target: 'TrentService.LaunchRockets' }, 400, 'UnknownOperationException', /Unknown operation/],
    ['a missing target', { target: null }, 400, 'UnknownOperationException', /X-Amz-Target/],
    ['another service prefix', { target: 'DynamoDB_20120810.ListTables' }, 400, 'UnknownOperationException', /Unknown operation/],
    ['a wrong content type', { target: 'TrentService.ListKeys', headers: { 'content-type': 'text/plain' } }, 400, 'SerializationException', /Content-Type/],
    ['a body over the limit', { target: 'TrentService.CreateKey', body: JSON.stringify({ Description: 'x'.repeat(70 * 1024) }) }, 413, 'RequestEntityTooLargeException', /limit/],
  ];
  for (const [what, options, status, name, message] of cases) {
    it(what, async () => {
      const before = snapshotState(db);
      const r = await rawRequest(ep, options);
      expect(r.status).toBe(status);
      expect(r.json().__type).toBe(name);
      expect(String(r.json().message)).toMatch(message);
      expect(snapshotState(db)).toBe(before);
      await expectServing();
    });
  }

  it('ignores unknown members, as AWS does for newer SDK fields', async () => {
    const r = await rawRequest(ep, { target: 'TrentService.CreateKey', body: '{"Description":"x","SomeFutureField":true}' });
    expect(r.status).toBe(200);
  });

  it('audits a body that is not JSON as a failed call of its operation', async () => {
    await rawRequest(ep, { target: 'TrentService.Encrypt', body: '{"KeyId":' });
    expect(ep.kms.audit.list({ MaxResults: 1 })[0]?.record).toMatchObject({ eventName: 'Encrypt', errorCode: 'SerializationException' });
  });

  it('refuses other methods and paths', async () => {
    const get = await rawRequest(ep, { method: 'GET', sign: false });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const path = await rawRequest(ep, { path: '/other' });
    expect(path.status).toBe(404);
    await expectServing();
  });
});

describe('HTTP status as AWS sends it', () => {
  it('answers every client fault with 400 (NotFound, Disabled, KMSInvalidState, AlreadyExists, DryRunOperation)', async () => {
    const created = await rawRequest(ep, { target: 'TrentService.CreateKey', body: '{}' });
    const keyId = String((created.json().KeyMetadata as Record<string, unknown>).KeyId);
    const plaintext = Buffer.from('x').toString('base64');
    const notFound = await rawRequest(ep, { target: 'TrentService.DescribeKey', body: '{"KeyId":"alias/none"}' });
    const dryRun = await rawRequest(ep, { target: 'TrentService.Encrypt', body: JSON.stringify({ KeyId: keyId, Plaintext: plaintext, DryRun: true }) });
    await rawRequest(ep, { target: 'TrentService.CreateAlias', body: JSON.stringify({ AliasName: 'alias/taken', TargetKeyId: keyId }) });
    const exists = await rawRequest(ep, { target: 'TrentService.CreateAlias', body: JSON.stringify({ AliasName: 'alias/taken', TargetKeyId: keyId }) });
    await rawRequest(ep, { target: 'TrentService.DisableKey', body: JSON.stringify({ KeyId: keyId }) });
    const disabled = await rawRequest(ep, { target: 'TrentService.Encrypt', body: JSON.stringify({ KeyId: keyId, Plaintext: plaintext }) });
    await rawRequest(ep, { target: 'TrentService.ScheduleKeyDeletion', body: JSON.stringify({ KeyId: keyId }) });
    const invalidState = await rawRequest(ep, { target: 'TrentService.Encrypt', body: JSON.stringify({ KeyId: keyId, Plaintext: plaintext }) });
    const seen = [notFound, dryRun, exists, disabled, invalidState].map((r) => [r.json().__type, r.status]);
    expect(seen).toEqual([
      ['NotFoundException', 400],
      ['DryRunOperationException', 400],
      ['AlreadyExistsException', 400],
      ['DisabledException', 400],
      ['KMSInvalidStateException', 400],
    ]);
  });
});

describe('SigV4 over the wire', () => {
  it('verifies a signed header sent on several lines, as SigV4 joins them (with commas, no spaces)', async () => {
    const url = new URL(ep.endpoint);
    const body = '{}';
    const headers = { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys', 'x-amz-meta-repeated': 'first,second' };
    const signer = new SignatureV4({ credentials: ep.credentials, region: ep.region, service: 'kms', sha256: Hash.bind(null, 'sha256') });
    const signed = (await signer.sign(new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers, body }))).headers as Record<string, string>;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: '/' }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      for (const [name, value] of Object.entries(signed)) {
        // Two header lines, which Node's own header map would join with ", ".
        req.setHeader(name, name === 'x-amz-meta-repeated' ? ['first', 'second'] : value);
      }
      req.end(body);
    });
    expect(status).toBe(200);
  });
  it("refuses the replayed-target attack: DescribeKey signed without x-amz-target, replayed as ScheduleKeyDeletion (AWS: every x-amz-* header must be signed)", async () => {
    const created = await rawRequest(ep, { target: 'TrentService.CreateKey', body: '{}' });
    const keyId = String((created.json().KeyMetadata as Record<string, unknown>).KeyId);
    const url = new URL(ep.endpoint);
    const body = JSON.stringify({ KeyId: keyId });
    const headers = { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.DescribeKey' };
    const signer = new SignatureV4({ credentials: ep.credentials, region: ep.region, service: 'kms', sha256: Hash.bind(null, 'sha256') });
    const request = new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers, body });
    const signed = (await signer.sign(request, { unsignableHeaders: new Set(['x-amz-target', 'content-type']) })).headers as Record<string, string>;
    expect(signed.authorization).toMatch(/SignedHeaders=host;x-amz-content-sha256;x-amz-date,/);
    const { host: _host, ...sent } = signed;
    const replayed = await fetch(ep.endpoint, { method: 'POST', headers: { ...sent, 'x-amz-target': 'TrentService.ScheduleKeyDeletion' }, body });
    expect(replayed.status).toBe(400);
    expect(await replayed.json()).toMatchObject({ __type: 'InvalidSignatureException', message: expect.stringMatching(/^'x-amz-target' must be a 'SignedHeader'/) as unknown });
    expect(ep.kms.invokeSync('DescribeKey', { KeyId: keyId }).KeyMetadata.KeyState).toBe('Enabled');
  });
});

describe('hardening', () => {
  function withHost(host: string): Promise<{ status: number; body: string }> {
    const url = new URL(ep.endpoint);
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end('{}');
    });
  }

  it('rejects Host headers that are not loopback names (DNS rebinding)', async () => {
    for (const host of ['evil.example', 'evil.example:8567', '10.0.0.1', 'localhost.evil.example']) {
      const r = await withHost(host);
      expect(r.status, host).toBe(400);
      expect(JSON.parse(r.body)).toMatchObject({ __type: 'AccessDeniedException' });
    }
    expect((await withHost('localhost:1234')).body).not.toContain('not a loopback name');
    expect((await withHost('[::1]:1234')).body).not.toContain('not a loopback name');
  });

  it('sends no CORS headers, even to a browser origin', async () => {
    const r = await rawRequest(ep, { headers: { origin: 'https://evil.example' } });
    for (const name of r.headers.keys()) {
      expect(name.startsWith('access-control-')).toBe(false);
    }
  });

  it('runs nothing and audits no identity for a request without a valid signature', async () => {
    const count = ep.kms.audit.count();
    const before = snapshotState(db);
    const attempts = [
      await rawRequest(ep, { target: 'TrentService.CreateKey', sign: false }),
      await rawRequest(ep, { target: 'TrentService.CreateKey', afterSigning: (r) => (r.body = '{"Description":"changed after signing"}') }),
    ];
    expect(attempts.map((a) => a.json().__type)).toEqual(['MissingAuthenticationTokenException', 'InvalidSignatureException']);
    expect(attempts[0]?.status).toBe(403);
    expect(attempts[1]?.status).toBe(400);
    expect(ep.kms.audit.count()).toBe(count);
    expect(snapshotState(db)).toBe(before);
  });
});

describe('concurrency and shutdown', () => {
  it('serves many concurrent requests, each committed and audited once', async () => {
    const keyId = String(((await rawRequest(ep, { target: 'TrentService.CreateKey' })).json().KeyMetadata as Record<string, unknown>).KeyId);
    const before = ep.kms.audit.count();
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        rawRequest(ep, { target: 'TrentService.Encrypt', body: JSON.stringify({ KeyId: keyId, Plaintext: Buffer.from(`m${i}`).toString('base64') }) }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(ep.kms.audit.count()).toBe(before + 64);
    expect(ep.kms.audit.verify().ok).toBe(true);
  });

  it('finishes requests in flight when closing, then refuses new connections', async () => {
    // Closed while a request is known to be in the handler (its signature is being checked, after
    // the body was read): not after a guessed delay, which a loaded machine outruns.
    let entered: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const old = await startTestEndpoint({
      now: () => {
        entered();
        return Date.now();
      },
    });
    try {
      const inFlight = rawRequest(old, { target: 'TrentService.CreateKey' });
      await inHandler;
      const closed = old.server.close();
      expect((await inFlight).status).toBe(200);
      await closed;
      await expect(rawRequest(old, { target: 'TrentService.ListKeys' })).rejects.toThrow();
    } finally {
      old.kms.close();
      rmSync(old.dir, { recursive: true, force: true });
    }
  });
});
