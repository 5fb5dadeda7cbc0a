// Secrets Manager on the endpoint, at the HTTP level: routed by X-Amz-Target secretsmanager.<Op>
// and signed for the SigV4 service 'secretsmanager' (a request signed for the other service is
// refused before anything runs), unknown operations and unreadable bodies answered in AWS's
// forms, and the response's request id is the audit record's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEndpoint, type TestEndpoint } from '../support/endpoint.ts';
import { rawRequest } from '../support/signed-fetch.ts';

let ep: TestEndpoint;
beforeAll(async () => {
  ep = await startTestEndpoint();
});
afterAll(async () => {
  await ep?.close();
});

describe('secretsmanager.<Operation> on the endpoint', () => {
  it('runs a call signed for secretsmanager, and its request id is the audit record’s', async () => {
    const r = await rawRequest(ep, { target: 'secretsmanager.CreateSecret', service: 'secretsmanager', body: JSON.stringify({ Name: 'raw/one', SecretString: 'v' }) });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(String(r.json().ARN)).toMatch(/:secret:raw\/one-/);
    const id = r.headers.get('x-amzn-requestid');
    const record = ep.kms.audit.list({ EventName: 'CreateSecret' })[0]?.record;
    expect(record?.requestID).toBe(id);
    expect(record?.eventSource).toBe('secretsmanager.amazonaws.com');
  });

  it('refuses a secrets call signed for kms, and a kms call signed for secretsmanager', async () => {
    const wrong = await rawRequest(ep, { target: 'secretsmanager.ListSecrets', service: 'kms' });
    expect(wrong.status).toBe(400);
    expect(wrong.json()).toEqual({ __type: 'InvalidSignatureException', message: "Credential should be scoped to correct service: 'secretsmanager'." });
    const other = await rawRequest(ep, { target: 'TrentService.ListKeys', service: 'secretsmanager' });
    expect(other.json().__type).toBe('InvalidSignatureException');
  });

  it('answers UnknownOperationException and SerializationException as AWS does; the refused body is audited', async () => {
    const unknown = await rawRequest(ep, { target: 'secretsmanager.RotateSecret', service: 'secretsmanager' });
    expect(unknown.status).toBe(400);
    expect(unknown.json().__type).toBe('UnknownOperationException');
    const bad = await rawRequest(ep, { target: 'secretsmanager.GetSecretValue', service: 'secretsmanager', body: '{"SecretId":' });
    expect(bad.status).toBe(400);
    expect(bad.json().__type).toBe('SerializationException');
    const record = ep.kms.audit.list({ EventName: 'GetSecretValue' })[0]?.record;
    expect(record).toMatchObject({ eventSource: 'secretsmanager.amazonaws.com', errorCode: 'SerializationException' });
    const missing = await rawRequest(ep, { target: 'secretsmanager.GetSecretValue', service: 'secretsmanager', body: JSON.stringify({ SecretId: 'raw/none' }) });
    expect(missing.json()).toEqual({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
  });
});
