// The audit screen's pure parts: reading fields of a CloudTrail-shaped record, turning the
// filter form into the engine's query (shared/api/audit.ts names), filling the activity
// buckets the engine leaves out (empty hours or days), scaling the chart, and the visible-row
// window of the virtualized table.

import type { AuditQueryRequest } from '../../../shared/api/audit.ts';
import type { AuditActivityBucket } from '../../../shared/api/bridge.ts';
import { fromLocalInput } from './format.ts';

type AnyRecord = Readonly<Record<string, unknown>>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): AnyRecord | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as AnyRecord) : undefined);

export type AuditRow = {
  readonly seq: number;
  readonly eventTime: string | undefined;
  readonly eventName: string;
  readonly outcome: 'Success' | 'Failure';
  readonly errorCode: string | undefined;
  readonly errorMessage: string | undefined;
  /** The caller: an ARN, or the service for service events. */
  readonly principal: string;
  /** Key ARNs the record names (resources[].ARN). */
  readonly keys: ReadonlyArray<string>;
  readonly requestId: string | undefined;
  /** The installation an imported record came from (workspace records only). */
  readonly installationId: string | undefined;
  /**
   * For a call through the XKS proxy API (AWS KMS using a key held here): who in AWS asked, and
   * for which KMS operation, from the requestMetadata AWS KMS sent. The caller itself is AWS KMS.
   */
  readonly xks: XksCall | undefined;
  /** Unique within one listing: seq alone repeats across imported installations. */
  readonly rowKey: string;
  readonly record: AnyRecord;
};

export type XksCall = {
  readonly awsPrincipalArn: string | undefined;
  readonly kmsOperation: string | undefined;
  readonly kmsRequestId: string | undefined;
  readonly kmsKeyArn: string | undefined;
  readonly kmsViaService: string | undefined;
};

/** The requestMetadata of an XKS proxy API record (eventName Xks…), if it has one. */
export function xksCall(record: AnyRecord): XksCall | undefined {
  const meta = /^Xks/.test(str(record.eventName) ?? '') ? obj(obj(record.requestParameters)?.requestMetadata) : undefined;
  if (meta === undefined) {
    return undefined;
  }
  return {
    awsPrincipalArn: str(meta.awsPrincipalArn),
    kmsOperation: str(meta.kmsOperation),
    kmsRequestId: str(meta.kmsRequestId),
    kmsKeyArn: str(meta.kmsKeyArn),
    kmsViaService: str(meta.kmsViaService),
  };
}

export function auditRow(seq: number, record: AnyRecord, installationId?: string): AuditRow {
  const identity = obj(record.userIdentity);
  const xks = xksCall(record);
  // An XKS call's principal is the AWS one AWS KMS acted for; the record's caller is AWS KMS itself.
  const principal = xks?.awsPrincipalArn ?? str(identity?.arn) ?? str(identity?.invokedBy) ?? str(identity?.principalId) ?? str(identity?.type) ?? '—';
  const resources = Array.isArray(record.resources) ? record.resources : [];
  const keys = resources.map((r) => str(obj(r)?.ARN)).filter((a): a is string => a !== undefined);
  const errorCode = str(record.errorCode);
  return {
    seq,
    eventTime: str(record.eventTime),
    eventName: str(record.eventName) ?? '—',
    outcome: errorCode === undefined ? 'Success' : 'Failure',
    errorCode,
    errorMessage: str(record.errorMessage),
    principal,
    keys,
    requestId: str(record.requestID),
    xks,
    installationId,
    rowKey: installationId === undefined ? String(seq) : `${installationId}:${seq}`,
    record,
  };
}

/** "arn:aws:kms:local-1:111122223333:key/1234…" → "1234…"; anything else unchanged. */
export function shortKey(arn: string): string {
  const m = /:key\/(.+)$/.exec(arn);
  return m === null ? arn : (m[1] as string);
}

/** "arn:aws:iam::111122223333:user/alice" → "user/alice"; the root → "root". */
export function shortPrincipal(arn: string): string {
  const m = /^arn:aws:(?:iam|sts)::\d{12}:(.+)$/.exec(arn);
  return m === null ? arn : (m[1] as string);
}

export type AuditFilters = {
  readonly start: string;
  readonly end: string;
  readonly eventName: string;
  readonly keyId: string;
  readonly principal: string;
  readonly errorCode: string;
  readonly outcome: '' | 'Success' | 'Failure';
  readonly requestId: string;
};

export const EMPTY_FILTERS: AuditFilters = { start: '', end: '', eventName: '', keyId: '', principal: '', errorCode: '', outcome: '', requestId: '' };

/** Filters from the URL query (#/audit?key=…&event=…), for links from other screens. */
export function filtersFromQuery(query: Readonly<Record<string, string>>): AuditFilters {
  const outcome = query.outcome === 'Success' || query.outcome === 'Failure' ? query.outcome : '';
  return {
    ...EMPTY_FILTERS,
    keyId: query.key ?? '',
    eventName: query.event ?? '',
    principal: query.principal ?? '',
    errorCode: query.error ?? '',
    requestId: query.request ?? '',
    outcome,
  };
}

/** The engine's query for a set of filters, or what is wrong with them (field → message). */
export function auditQueryFor(filters: AuditFilters): { readonly query: AuditQueryRequest; readonly problems: Readonly<Partial<Record<keyof AuditFilters, string>>> } {
  const problems: Partial<Record<keyof AuditFilters, string>> = {};
  const q: { -readonly [K in keyof AuditQueryRequest]: AuditQueryRequest[K] } = {};
  const start = filters.start === '' ? null : fromLocalInput(filters.start);
  const end = filters.end === '' ? null : fromLocalInput(filters.end);
  if (filters.start !== '' && start === null) {
    problems.start = 'Not a date and time.';
  }
  if (filters.end !== '' && end === null) {
    problems.end = 'Not a date and time.';
  }
  if (start !== null && end !== null && start.getTime() > end.getTime()) {
    problems.end = 'The end is before the start.';
  }
  if (start !== null) {
    q.StartTime = start;
  }
  if (end !== null) {
    // The input has minute precision: include the whole minute.
    q.EndTime = new Date(end.getTime() + 59_999);
  }
  const eventName = filters.eventName.trim();
  if (eventName !== '') {
    if (/^[A-Za-z0-9]+$/.test(eventName)) {
      q.EventName = eventName;
    } else {
      problems.eventName = 'An event name is letters and digits only, e.g. Decrypt.';
    }
  }
  const errorCode = filters.errorCode.trim();
  if (errorCode !== '') {
    if (/^[A-Za-z0-9.]+$/.test(errorCode)) {
      q.ErrorCode = errorCode;
    } else {
      problems.errorCode = 'An error code is letters, digits and dots, e.g. AccessDeniedException.';
    }
  }
  const keyId = filters.keyId.trim();
  if (keyId !== '') {
    q.KeyId = keyId;
  }
  const principal = filters.principal.trim();
  if (principal !== '') {
    q.Principal = principal;
  }
  const requestId = filters.requestId.trim();
  if (requestId !== '') {
    q.RequestId = requestId;
  }
  if (filters.outcome !== '') {
    q.Outcome = filters.outcome;
  }
  return { query: q, problems };
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The UTC start of the hour or day holding `t`. */
export function bucketStart(t: number, bucket: 'hour' | 'day'): number {
  const width = bucket === 'hour' ? HOUR : DAY;
  return Math.floor(t / width) * width;
}

/**
 * Every bucket from `from` to `to` (inclusive, as bucket starts), the engine's counts where it
 * has them and zero elsewhere. At most `max` buckets, the newest kept.
 */
export function fillBuckets(
  buckets: ReadonlyArray<AuditActivityBucket>,
  bucket: 'hour' | 'day',
  from: number,
  to: number,
  max = 400,
): Array<{ readonly start: number; readonly success: number; readonly failure: number }> {
  const width = bucket === 'hour' ? HOUR : DAY;
  const byStart = new Map<number, AuditActivityBucket>();
  for (const b of buckets) {
    const t = Date.parse(b.start);
    if (!Number.isNaN(t)) {
      byStart.set(bucketStart(t, bucket), b);
    }
  }
  let first = bucketStart(from, bucket);
  const last = bucketStart(to, bucket);
  if (last < first) {
    return [];
  }
  if ((last - first) / width + 1 > max) {
    first = last - (max - 1) * width;
  }
  const out: Array<{ start: number; success: number; failure: number }> = [];
  for (let t = first; t <= last; t += width) {
    const b = byStart.get(t);
    out.push({ start: t, success: b?.success ?? 0, failure: b?.failure ?? 0 });
  }
  return out;
}

/** A "nice" axis maximum at or above `n`: 1, 2, 5, 10, 20, 50, … */
export function niceMax(n: number): number {
  if (!(n > 0)) {
    return 1;
  }
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) {
    if (m * p >= n) {
      return m * p;
    }
  }
  return 10 * p;
}

/**
 * Which rows of a virtualized list to render: those in view plus `overscan` either side.
 * Returns [start, end) row indexes.
 */
export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, total: number, overscan = 8): { readonly start: number; readonly end: number } {
  if (total <= 0 || rowHeight <= 0) {
    return { start: 0, end: 0 };
  }
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(total - 1, first) - overscan);
  const end = Math.min(total, first + count + overscan);
  return { start, end: Math.max(start, end) };
}

/** Whether the next page should be fetched: the rendered window reaches within `threshold` rows of what is loaded. */
export function needsMore(end: number, loaded: number, hasMore: boolean, threshold = 40): boolean {
  return hasMore && end + threshold >= loaded;
}
