// Fuzzers for the AWS JSON 1.1 endpoint (issue 22, "Fuzzers per surface"): request bodies,
// headers, and SigV4's fields (damaged after signing a write). Every case gets an HTTP answer; client input never gets a 5xx; a
// refusal is an AWS error name (`__type`) with a message and changes nothing stored; a forged or
// damaged signature never runs the call; and the next valid request succeeds.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type OperationName } from '../../shared/api/operations.ts';
import { startEndpoint } from '../../electron/server/endpoint.ts';
import type { TestEndpoint } from '../support/endpoint.ts';
import { rawRequest, type RawOptions, type RawResponse } from '../support/signed-fetch.ts';
import { FUZZ_TIMEOUT_MS, FuzzTally, fuzzEngine, fuzzParameters, isAwsErrorName, StateProbe } from './support.ts';

/** Cases per surface in `npm test` (npm run fuzz: STRONGROOM_FUZZ_RUNS). */
const RUNS = 200;
let ep: TestEndpoint;
let probe: StateProbe;
let keyId: string;
const names = Object.keys(operations) as Array<OperationName>;

beforeAll(async () => {
  const { kms, dir } = await fuzzEngine('strongroom-fuzz-endpoint-');
  const access = kms.createAccessKey('root');
  const server = await startEndpoint({ kms, lookup: kms.lookupAccessKey, port: 0 });
  ep = {
    endpoint: server.url,
    region: 'local-1',
    accountId: '111122223333',
    credentials: { accessKeyId: access.AccessKeyId, secretAccessKey: access.SecretAccessKey },
    kms,
    dir,
    server,
    close: () => server.close(),
  };
  keyId = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
  probe = new StateProbe(dir);
});
afterAll(async () => {
  probe.close();
  await ep.close();
});

/** Sends one request and checks the answer's shape; returns it, and whether stored state changed. */
async function answered(tally: FuzzTally, options: RawOptions): Promise<{ res: RawResponse; changed: boolean }> {
  const before = probe.fingerprint();
  let res: RawResponse;
  try {
    res = await rawRequest(ep, options);
  } catch (err) {
    // A request Node's fetch will not send (a header it reserves: connection, upgrade, …) is no case.
    fc.pre(!(err instanceof TypeError && err.message === 'fetch failed'));
    throw err;
  }
  tally.cases++;
  const changed = probe.fingerprint() !== before;
  if (res.status >= 500) {
    tally.crashes++;
    throw new Error(`HTTP ${res.status} for client input: ${res.text}`);
  }
  if (res.status === 200) {
    tally.accepted++;
    return { res, changed };
  }
  let body: Record<string, unknown>;
  try {
    body = res.json();
  } catch {
    tally.crashes++;
    throw new Error(`HTTP ${res.status} without a JSON error body: ${res.text}`);
  }
  if (!isAwsErrorName(body.__type) || typeof body.message !== 'string' || body.message.length === 0) {
    tally.crashes++;
    throw new Error(`HTTP ${res.status} without an AWS error name and message: ${res.text}`);
  }
  tally.refusedWith(body.__type);
  if (changed) {
    tally.stateChanges++;
    throw new Error(`a refused request (${String(body.__type)}) changed stored state`);
  }
  return { res, changed };
}

const nextValidSucceeds = async (): Promise<void> => {
  expect((await rawRequest(ep, { target: 'TrentService.ListKeys', body: '{}' })).status).toBe(200);
};

const jsonValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom<unknown>('', 'alias/x', 'AAAA', 0, -1, 2 ** 53, true, null, [], {}), fc.string({ unit: 'binary', maxLength: 30 }));

describe('request bodies', () => {
  const tally = new FuzzTally('http-bodies');
  afterAll(() => tally.write());

  /** An operation and a body built from its own member names (so validation goes deep), or any text. */
  const request = fc.constantFrom(...names).chain((name) =>
    fc.record({
      name: fc.constant(name),
      body: fc.oneof(
        fc
          .dictionary(fc.oneof(fc.constantFrom(...Object.keys(operations[name].input.members), 'KeyId'), fc.string({ maxLength: 12 })), fc.oneof(jsonValue, fc.constant(keyId)), { maxKeys: 5 })
          .map((o) => JSON.stringify(o)),
        fc.json({ maxDepth: 3 }),
        fc.string({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
      ),
    }),
  );

  it(
    'any body for any operation: an answer, never a 5xx, an AWS error with a message, no stored change on refusal',
    async () => {
      await fc.assert(
        fc.asyncProperty(request, async ({ name, body }) => {
          await answered(tally, { target: `TrentService.${name}`, body });
          await nextValidSucceeds();
        }),
        fuzzParameters(RUNS),
      );
      expect(tally.crashes + tally.stateChanges).toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});

describe('request headers', () => {
  const tally = new FuzzTally('http-headers');
  afterAll(() => tally.write());
  const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
  const header = fc.tuple(
    fc.oneof(fc.constantFrom('content-type', 'x-amz-target', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'user-agent', 'accept', 'content-encoding', 'x-amz-user-agent'), fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/)),
    fc.oneof(printable, fc.constantFrom('application/x-amz-json-1.1', 'application/json', 'TrentService.CreateKey', 'TrentService.', 'gzip', '20261207T000000Z', 'UNSIGNED-PAYLOAD')),
  );
  const cases = fc.record({
    headers: fc.array(header, { maxLength: 4 }),
    signed: fc.boolean(),
    method: fc.constantFrom('POST', 'POST', 'POST', 'PUT', 'GET', 'DELETE'),
    path: fc.oneof(fc.constant('/'), fc.stringMatching(/^\/[a-zA-Z0-9._~%-]{0,20}$/)),
  });

  it(
    'any headers, signed or added after signing, any method and path: never a 5xx, an AWS error, no stored change on refusal',
    async () => {
      await fc.assert(
        fc.asyncProperty(cases, async ({ headers, signed, method, path }) => {
          const extra = Object.fromEntries(headers);
          await answered(tally, {
            // A write that does not add rows: a long run's state stays small, and so each case's fingerprint.
            target: 'TrentService.UpdateKeyDescription',
            body: JSON.stringify({ KeyId: keyId, Description: 'from the header fuzzer' }),
            method,
            path,
            ...(signed ? { headers: extra } : { afterSigning: (req) => Object.assign(req.headers, extra) }),
          });
          await nextValidSucceeds();
        }),
        fuzzParameters(RUNS),
      );
      expect(tally.crashes + tally.stateChanges).toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});

describe('SigV4 fields', () => {
  const tally = new FuzzTally('sigv4');
  afterAll(() => tally.write());
  const anyText = fc.oneof(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 }), fc.constantFrom('', ' ', ',', '=', '/', 'AWS4-HMAC-SHA256', 'Credential=', 'SignedHeaders=', 'Signature='));
  type Damage =
    | { kind: 'replace-authorization'; text: string }
    | { kind: 'field'; field: 'Credential' | 'SignedHeaders' | 'Signature'; text: string }
    | { kind: 'signature-char'; at: number; char: string }
    | { kind: 'date'; text: string }
    | { kind: 'drop'; header: 'authorization' | 'x-amz-date' }
    | { kind: 'body-after-signing'; body: string };
  const damage: fc.Arbitrary<Damage> = fc.oneof(
    fc.record({ kind: fc.constant('replace-authorization' as const), text: anyText }),
    fc.record({ kind: fc.constant('field' as const), field: fc.constantFrom('Credential' as const, 'SignedHeaders' as const, 'Signature' as const), text: anyText }),
    fc.record({ kind: fc.constant('signature-char' as const), at: fc.nat(63), char: fc.constantFrom(...'0123456789abcdefABCDEF g') }),
    fc.record({ kind: fc.constant('date' as const), text: fc.oneof(anyText, fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace(/[-:]|\.\d{3}/g, ''))) }),
    fc.record({ kind: fc.constant('drop' as const), header: fc.constantFrom('authorization' as const, 'x-amz-date' as const) }),
    fc.record({ kind: fc.constant('body-after-signing' as const), body: fc.json({ maxDepth: 2 }) }),
  );

  function apply(d: Damage, req: { headers: Record<string, string>; body: string | Uint8Array }): void {
    const auth = req.headers.authorization ?? '';
    switch (d.kind) {
      case 'replace-authorization':
        req.headers.authorization = d.text;
        return;
      case 'field':
        req.headers.authorization = auth.replace(new RegExp(`${d.field}=[^,]*`), `${d.field}=${d.text}`);
        return;
      case 'signature-char': {
        const i = auth.indexOf('Signature=') + 'Signature='.length + d.at;
        req.headers.authorization = auth.slice(0, i) + d.char + auth.slice(i + 1);
        return;
      }
      case 'date':
        req.headers['x-amz-date'] = d.text;
        return;
      case 'drop':
        delete req.headers[d.header];
        return;
      case 'body-after-signing':
        req.body = d.body;
        return;
    }
  }

  it(
    'a damaged signature, credential, signed-header list, date or body never runs the call: an AWS auth error, nothing stored',
    async () => {
      await fc.assert(
        fc.asyncProperty(damage, async (d) => {
          let original = '';
          let damaged = '';
          const { res } = await answered(tally, {
            target: 'TrentService.UpdateKeyDescription',
            body: JSON.stringify({ KeyId: keyId, Description: 'forged' }),
            afterSigning: (req) => {
              original = JSON.stringify([req.headers, req.body]);
              apply(d, req);
              damaged = JSON.stringify([req.headers, req.body]);
            },
          });
          if (damaged !== original) {
            expect(res.status, `${JSON.stringify(d)} was accepted: ${res.text}`).not.toBe(200);
          }
          await nextValidSucceeds();
        }),
        fuzzParameters(RUNS),
      );
      expect(tally.crashes + tally.stateChanges).toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});
