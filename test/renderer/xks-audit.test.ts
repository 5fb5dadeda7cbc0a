// The audit viewer on real records of XKS proxy API calls (made by a real engine through the
// pipeline, as the endpoint makes them): the row shows the AWS principal and the KMS operation
// from AWS KMS's requestMetadata, and the record drawer's rows show them with the via-service,
// AWS's key ARN and request id. Other records read as before.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { XksCallRows } from '../../renderer/src/components/XksCallRows.tsx';
import { auditRow, shortPrincipal } from '../../renderer/src/lib/audit.ts';
import { bytes, newEngine, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
afterEach(() => t.cleanup());

const PRINCIPAL = 'arn:aws:iam::123456789012:role/S3Writer';

describe('the audit viewer on XKS calls', () => {
  it('shows the AWS principal and KMS operation of an XKS call, and details in the drawer', async () => {
    t = await newEngine();
    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const store = t.kms.createXksKeyStore('/ks');
    t.kms.addXksKey(keyId);
    const found = t.kms.lookupXksCredential(store.AccessKeyId);
    expect(found).not.toBeNull();
    const caller = { ...(found?.caller ?? { type: 'AWSService' as const, arn: '' }), sourceIp: '127.0.0.1', userAgent: 'curl/7.88.1' };
    const RequestMetadata = { AwsPrincipalArn: PRINCIPAL, KmsOperation: 'GenerateDataKey', KmsRequestId: 'aws-req-7', KmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/abcd', KmsViaService: 's3' };
    await t.kms.actGrouped('XksEncrypt', { KeyStoreId: store.KeyStoreId, ExternalKeyId: keyId, RequestMetadata, Plaintext: bytes('k'), EncryptionAlgorithm: 'AES_GCM' }, { caller });

    const [latest] = t.kms.audit.list({ MaxResults: 1 });
    const row = auditRow(latest?.seq ?? 0, latest?.record as unknown as Record<string, unknown>);
    expect(row.eventName).toBe('XksEncrypt');
    expect(row.principal).toBe(PRINCIPAL);
    expect(shortPrincipal(row.principal)).toBe('role/S3Writer');
    expect(row.xks).toEqual({ awsPrincipalArn: PRINCIPAL, kmsOperation: 'GenerateDataKey', kmsRequestId: 'aws-req-7', kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/abcd', kmsViaService: 's3' });
    expect(row.keys).toEqual([`arn:aws:kms:local-1:111122223333:key/${keyId}`]);

    const html = renderToStaticMarkup(createElement(XksCallRows, { call: row.xks ?? { awsPrincipalArn: undefined, kmsOperation: undefined, kmsRequestId: undefined, kmsKeyArn: undefined, kmsViaService: undefined } }));
    for (const [label, value] of [['AWS principal', PRINCIPAL], ['KMS operation', 'GenerateDataKey'], ['Via AWS service', 's3'], ['KMS request ID', 'aws-req-7']]) {
      expect(html).toContain(`<dt>${label}</dt><dd class="mono small">${value}</dd>`);
    }

    // A KMS call's row is unchanged: no XKS details, the caller as principal.
    const [createKey] = t.kms.audit.list({ EventName: 'CreateKey', MaxResults: 1 });
    const kmsRow = auditRow(createKey?.seq ?? 0, createKey?.record as unknown as Record<string, unknown>);
    expect(kmsRow.xks).toBeUndefined();
    expect(kmsRow.principal).toBe('arn:aws:iam::111122223333:root');
  });
});
