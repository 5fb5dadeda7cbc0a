// Request ids are UUID version 7: AWS's 8-4-4-4-12 form, time-ordered (so the audit log's
// request-id index appends instead of touching a random page per record), and still random.
import { describe, expect, it } from 'vitest';
import { newRequestId } from '../../electron/kms/request-id.ts';

describe('newRequestId', () => {
  it('is a version-7, RFC 9562-variant UUID carrying the time in milliseconds', () => {
    const id = newRequestId(Date.UTC(2026, 11, 7, 12, 0, 0, 123));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(Date.UTC(2026, 11, 7, 12, 0, 0, 123));
  });

  it('sorts by time and never repeats', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => newRequestId(1_800_000_000_000 + Math.floor(i / 10)));
    expect(new Set(ids).size).toBe(ids.length);
    const byTime = ids.map((id) => id.slice(0, 13));
    expect([...byTime].sort()).toEqual(byTime);
  });
});
