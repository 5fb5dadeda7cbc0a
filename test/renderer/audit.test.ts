// The audit screen's pure parts: record fields, filters → the engine's query, activity buckets,
// and the virtualized table's window.

import { describe, expect, it } from 'vitest';
import { auditQueryFor, auditRow, bucketStart, EMPTY_FILTERS, fillBuckets, filtersFromQuery, keysWithAliases, needsMore, niceMax, shortKey, shortPrincipal, visibleRange } from '../../renderer/src/lib/audit.ts';
import { toLocalInput } from '../../renderer/src/lib/format.ts';

const ARN = 'arn:aws:kms:local-1:111122223333:key/1234abcd-0000-4000-8000-000000000000';

describe('audit records', () => {
  it('reads a failed call', () => {
    const r = auditRow(42, {
      eventTime: '2026-11-23T11:00:00Z',
      eventName: 'Decrypt',
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333' },
      errorCode: 'AccessDeniedException',
      errorMessage: 'no',
      requestID: 'req-1',
      resources: [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN }],
    });
    expect(r).toMatchObject({ seq: 42, eventName: 'Decrypt', outcome: 'Failure', errorCode: 'AccessDeniedException', principal: 'arn:aws:iam::111122223333:user/alice', keys: [ARN], requestId: 'req-1' });
    expect(shortKey(ARN)).toBe('1234abcd-0000-4000-8000-000000000000');
    expect(shortPrincipal(r.principal)).toBe('user/alice');
    expect(shortPrincipal('arn:aws:iam::111122223333:root')).toBe('root');
  });

  it('reads a service event and a record with little in it', () => {
    expect(auditRow(1, { eventName: 'RotateKey', userIdentity: { type: 'AWSService', invokedBy: 'kms.amazonaws.com' } })).toMatchObject({ outcome: 'Success', principal: 'kms.amazonaws.com', keys: [] });
    expect(auditRow(2, {})).toMatchObject({ eventName: '—', principal: '—', eventTime: undefined });
  });
});

describe('audit filters', () => {
  it('sends only the filters given, with the engine’s names', () => {
    expect(auditQueryFor(EMPTY_FILTERS)).toEqual({ query: {}, problems: {} });
    const start = new Date(2026, 10, 1, 8, 0);
    const { query, problems } = auditQueryFor({
      start: toLocalInput(start),
      end: toLocalInput(new Date(2026, 10, 2, 8, 0)),
      eventName: ' Decrypt ',
      keyId: 'alias/files',
      principal: 'alice',
      errorCode: 'AccessDeniedException',
      outcome: 'Failure',
      requestId: 'r-1',
      reads: 'hide',
    });
    expect(problems).toEqual({});
    expect(query).toMatchObject({ EventName: 'Decrypt', KeyId: 'alias/files', Principal: 'alice', ErrorCode: 'AccessDeniedException', Outcome: 'Failure', RequestId: 'r-1', HideReads: true });
    expect(query.StartTime?.getTime()).toBe(start.getTime());
    // The end minute is included whole.
    expect(query.EndTime?.getTime()).toBe(new Date(2026, 10, 2, 8, 0, 59, 999).getTime());
  });

  it('hides reads on request (#/audit?reads=hide too), and shows every record otherwise', () => {
    expect(auditQueryFor({ ...EMPTY_FILTERS, reads: 'hide' }).query).toEqual({ HideReads: true });
    expect(auditQueryFor(filtersFromQuery({ reads: 'hide' })).query).toEqual({ HideReads: true });
    expect(auditQueryFor(filtersFromQuery({})).query).toEqual({});
  });

  it('shows aliases beside key ids', () => {
    const arn = (id: string) => `arn:aws:kms:local-1:111122223333:key/${id}`;
    const aliases = new Map([['k-1', ['alias/files', 'alias/zz']]]);
    expect(keysWithAliases([arn('k-1'), arn('k-2')], aliases)).toBe('alias/files (k-1), k-2');
    expect(keysWithAliases([], aliases)).toBe('—');
  });

  it('says what is wrong instead of sending a query the engine refuses', () => {
    const { problems } = auditQueryFor({ ...EMPTY_FILTERS, start: '2026-11-02T00:00', end: '2026-11-01T00:00', eventName: 'kms:Decrypt', errorCode: 'Access Denied' });
    expect(problems.end).toContain('before the start');
    expect(problems.eventName).toBeDefined();
    expect(problems.errorCode).toBeDefined();
  });

  it('takes filters from a link', () => {
    expect(filtersFromQuery({ key: 'k1', outcome: 'Failure', event: 'Encrypt' })).toMatchObject({ keyId: 'k1', outcome: 'Failure', eventName: 'Encrypt' });
    expect(filtersFromQuery({ outcome: 'maybe' }).outcome).toBe('');
  });
});

describe('activity', () => {
  const t = (iso: string): number => Date.parse(iso);

  it('fills the hours the engine leaves out with zero', () => {
    const filled = fillBuckets(
      [
        { start: '2026-11-23T10:00:00Z', success: 3, failure: 1 },
        { start: '2026-11-23T13:00:00Z', success: 1, failure: 0 },
      ],
      'hour',
      t('2026-11-23T09:30:00Z'),
      t('2026-11-23T13:10:00Z'),
    );
    expect(filled.map((b) => [new Date(b.start).toISOString().slice(11, 13), b.success, b.failure])).toEqual([
      ['09', 0, 0],
      ['10', 3, 1],
      ['11', 0, 0],
      ['12', 0, 0],
      ['13', 1, 0],
    ]);
  });

  it('keeps the newest buckets when the range is too long, and days start at UTC midnight', () => {
    const filled = fillBuckets([], 'day', t('2020-01-01T00:00:00Z'), t('2026-01-01T12:00:00Z'), 10);
    expect(filled).toHaveLength(10);
    expect(new Date(filled[9]?.start ?? 0).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(bucketStart(t('2026-01-01T23:59:59Z'), 'day')).toBe(t('2026-01-01T00:00:00Z'));
    expect(fillBuckets([], 'day', 2 * 86_400_000, 0)).toEqual([]);
  });

  it('rounds the axis up to 1, 2 or 5 × 10ⁿ', () => {
    expect([0, 1, 3, 7, 12, 51, 200, 201].map(niceMax)).toEqual([1, 1, 5, 10, 20, 100, 200, 500]);
  });
});

describe('virtualized table window', () => {
  it('renders the rows in view plus overscan, within bounds', () => {
    expect(visibleRange(0, 360, 36, 1000, 5)).toEqual({ start: 0, end: 16 });
    expect(visibleRange(3600, 360, 36, 1000, 5)).toEqual({ start: 95, end: 116 });
    expect(visibleRange(36_000, 360, 36, 1000, 5)).toEqual({ start: 994, end: 1000 });
    expect(visibleRange(0, 360, 36, 0)).toEqual({ start: 0, end: 0 });
    expect(visibleRange(-50, 360, 36, 3, 5)).toEqual({ start: 0, end: 3 });
  });

  it('asks for the next page as the window nears the end of what is loaded', () => {
    expect(needsMore(150, 200, true)).toBe(false);
    expect(needsMore(170, 200, true)).toBe(true);
    expect(needsMore(200, 200, false)).toBe(false);
  });
});
