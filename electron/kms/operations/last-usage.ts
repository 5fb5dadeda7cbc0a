// GetKeyLastUsage (AWS's service model, botocore 1.43): the last successful cryptographic
// operation with a key, answered from the audit log, which records every call with its key(s),
// outcome, event id and request id. The log's own indexed query serves it (the key's records,
// successes only, newest first; audit/query.ts), so no index is added for it. ReEncrypt names both of its keys, so it counts
// for each, as at AWS.

import type { OperationOutput } from '../../../shared/api/operations.ts';
import type { KeyedHandler, OperationContext } from '../context.ts';
import { keyArn } from '../identifiers.ts';

type Tracked = NonNullable<NonNullable<OperationOutput<'GetKeyLastUsage'>['KeyLastUsage']>['Operation']>;

/** AWS's KeyLastUsageTrackingOperation: the operations that count as using a key. */
const TRACKED: ReadonlySet<string> = new Set<Tracked>([
  'Decrypt', 'DeriveSharedSecret', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
  'GenerateDataKeyWithoutPlaintext', 'GenerateMac', 'ReEncrypt', 'Sign', 'Verify', 'VerifyMac',
]);

function isTracked(name: string): name is Tracked {
  return TRACKED.has(name);
}

/** The newest successful records of a key read first: the last use is almost always among them. */
const FIRST_PAGE = 1000;

type Usage = NonNullable<OperationOutput<'GetKeyLastUsage'>['KeyLastUsage']>;

function usageOf(record: { eventName: string; eventTime: string; eventID: string; requestID: string }): Usage | undefined {
  return isTracked(record.eventName)
    ? { Operation: record.eventName, Timestamp: new Date(record.eventTime), CloudTrailEventId: record.eventID, KmsRequestId: record.requestID }
    : undefined;
}

/**
 * The newest successful record of a tracked operation naming the key. One page of the key's
 * newest successes first; past it, one single-record query per tracked operation, the newest
 * answer winning: a bounded number of queries, however long the key's history (paging through
 * it grew with its length: D36).
 */
function lastUse(ctx: OperationContext, keyId: string): Usage | undefined {
  const KeyId = keyArn(ctx.scope, keyId);
  const first = ctx.auditReads.query({ KeyId, Outcome: 'Success', MaxResults: FIRST_PAGE });
  for (const { record } of first.records) {
    const used = usageOf(record);
    if (used !== undefined) {
      return used;
    }
  }
  if (first.nextToken === undefined) {
    return undefined;
  }
  let newest: { seq: number; usage: Usage } | undefined;
  for (const EventName of TRACKED) {
    const hit = ctx.auditReads.query({ KeyId, EventName, Outcome: 'Success', MaxResults: 1 }).records[0];
    const usage = hit === undefined ? undefined : usageOf(hit.record);
    if (hit !== undefined && usage !== undefined && (newest === undefined || hit.seq > newest.seq)) {
      newest = { seq: hit.seq, usage };
    }
  }
  return newest?.usage;
}

/**
 * Since when the log can answer for this key: its creation, or the newest archive of the log if
 * later (archived records leave the live log; tracking is never claimed for a time it cannot
 * show). AWS: "the date from which KMS began recording … or the date the KMS key was created,
 * whichever is later".
 */
function trackingStart(ctx: OperationContext, createdAt: number): Date {
  const archived = ctx.auditReads.query({ EventName: 'ArchiveAuditLog', Outcome: 'Success', MaxResults: 1 }).records[0]?.record.eventTime;
  const archivedAt = archived === undefined ? 0 : Date.parse(archived);
  return new Date(Math.max(createdAt, archivedAt));
}

export const getKeyLastUsage: KeyedHandler<'GetKeyLastUsage'> = (ctx, input, key) => {
  const used = lastUse(ctx, key.keyId);
  return {
    KeyId: key.keyId,
    ...(used === undefined ? {} : { KeyLastUsage: used }),
    TrackingStartDate: trackingStart(ctx, key.createdAt),
    KeyCreationDate: new Date(key.createdAt),
  };
};
