// GetKeyLastUsage (AWS's service model, botocore 1.43): the last successful cryptographic
// operation with a key, answered from the audit log, which records every call with its key(s),
// outcome, event id and request id. The log's own indexed query serves it (the key's records,
// successes only, newest first; audit/query.ts): pages are read until the first record of a
// tracked operation, so no index is added for it. ReEncrypt names both of its keys, so it counts
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

/** Successful records of a key read per page while looking for the last use. */
const PAGE = 200;

function lastUse(ctx: OperationContext, keyId: string): OperationOutput<'GetKeyLastUsage'>['KeyLastUsage'] {
  let token: string | undefined;
  for (;;) {
    const page = ctx.auditReads.query({ KeyId: keyArn(ctx.scope, keyId), Outcome: 'Success', MaxResults: PAGE, ...(token === undefined ? {} : { NextToken: token }) });
    for (const { record } of page.records) {
      if (isTracked(record.eventName)) {
        return { Operation: record.eventName, Timestamp: new Date(record.eventTime), CloudTrailEventId: record.eventID, KmsRequestId: record.requestID };
      }
    }
    if (page.nextToken === undefined) {
      return undefined;
    }
    token = page.nextToken;
  }
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
