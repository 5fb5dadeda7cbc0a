// The audit record: CloudTrail's event record shape for KMS (docs/aws-kms.md §14), so the
// tools a security team already uses for CloudTrail can read an exported Strongroom log.
//
// What may never appear in a record (docs/architecture.md, invariant 3): plaintext, key material,
// data keys. That is enforced by construction — request parameters and response elements are
// derived from the operation's schema and every blob member and every member marked `sensitive` is
// left out (AWS logs neither plaintext nor ciphertext) — and then checked: buildRecord() walks the
// finished record and refuses it if any binary value survived, so a future caller that passes raw
// bytes fails loudly instead of writing them to disk.

import { randomUUID } from 'node:crypto';
import type { Caller } from '../iam/caller.ts';
import { boundErrorMessage, boundField, boundString } from './bounds.ts';
import type { JsonObject } from './canonical.ts';

export { requestParametersFor, responseElementsFor } from './members.ts';

export const EVENT_VERSION = '1.11';
export const EVENT_SOURCE = 'kms.amazonaws.com';
/** CloudTrail's sourceIPAddress / userAgent / invokedBy for events KMS raises itself. */
export const SERVICE_PRINCIPAL = 'kms.amazonaws.com';

export type UserIdentity = {
  /** The caller's type; 'AWSService' for service events (automatic rotation, scheduled deletion). */
  type: 'Root' | 'IAMUser' | 'AssumedRole' | 'AWSService';
  principalId?: string;
  arn?: string;
  accountId: string;
  accessKeyId?: string;
  invokedBy?: string;
};

export type AuditResourceType = 'AWS::KMS::Key' | 'AWS::SecretsManager::Secret';

export type AuditResource = { accountId: string; type: AuditResourceType; ARN: string };

/** The CloudTrail resource type of an ARN this installation issues. */
function resourceTypeOf(arn: string): AuditResourceType {
  return arn.startsWith('arn:aws:secretsmanager:') ? 'AWS::SecretsManager::Secret' : 'AWS::KMS::Key';
}

export type AuditEventType = 'AwsApiCall' | 'AwsServiceEvent';

export type AuditRecord = {
  eventVersion: typeof EVENT_VERSION;
  userIdentity: UserIdentity;
  /** ISO-8601 UTC, second precision: 'YYYY-MM-DDTHH:MM:SSZ'. */
  eventTime: string;
  /** kms.amazonaws.com, or secretsmanager.amazonaws.com for Secrets Manager's operations. */
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  requestParameters: JsonObject | null;
  responseElements: JsonObject | null;
  additionalEventData?: JsonObject;
  /** Present only on failure: the error name, e.g. 'NotFoundException'. */
  errorCode?: string;
  errorMessage?: string;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  resources: Array<AuditResource>;
  eventType: AuditEventType;
  managementEvent: true;
  eventCategory: 'Management';
  recipientAccountId: string;
  serviceEventDetails?: JsonObject;
};

export type BuildRecordParams = {
  eventName: string;
  /** Milliseconds since the epoch, from the injected clock; the record keeps whole seconds. */
  eventTimeMs: number;
  requestId: string;
  /** Defaults to a random UUID. */
  eventId?: string;
  /** null for service events (KMS acting on its own: rotation, scheduled deletion). */
  caller: Caller | null;
  /** The service the call came through (secretsmanager.amazonaws.com), as CloudTrail's invokedBy. */
  invokedBy?: string;
  /** Defaults to kms.amazonaws.com. */
  eventSource?: string;
  accountId: string;
  region: string;
  readOnly: boolean;
  /** From requestParametersFor(); null when the request had no loggable members. */
  requestParameters: JsonObject | null;
  /** From responseElementsFor(); null for reads, cryptographic operations and failures. */
  responseElements: JsonObject | null;
  additionalEventData?: JsonObject;
  error?: { name: string; message: string };
  /** Resolved key ARNs the call touched (even when the request named an alias or no key). */
  resourceArns: ReadonlyArray<string>;
  /** Defaults to 'AwsServiceEvent' when caller is null, otherwise 'AwsApiCall'. */
  eventType?: AuditEventType;
  serviceEventDetails?: JsonObject;
};

export class AuditRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditRecordError';
  }
}

/** 'YYYY-MM-DDTHH:MM:SSZ' for a millisecond timestamp (CloudTrail's second precision). */
export function formatEventTime(ms: number): string {
  if (!Number.isFinite(ms)) {
    throw new AuditRecordError(`Event time must be a finite millisecond timestamp, got ${ms}.`);
  }
  const iso = new Date(ms).toISOString();
  // toISOString always ends in '.sssZ'; drop the milliseconds.
  return `${iso.slice(0, -5)}Z`;
}

/** The account field of an ARN (arn:partition:service:region:account:resource), if it has one. */
function arnAccount(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * CloudTrail's principalId: the account id for the root user; the principal's unique id
 * (AIDA…/AROA…) when the caller has one; otherwise a name taken from the ARN (user name, or
 * role:session for an assumed role).
 */
function principalIdFor(caller: Caller, accountId: string): string {
  if (caller.type === 'Root') {
    return accountId;
  }
  if (caller.principalId !== undefined) {
    return caller.principalId;
  }
  const resource = caller.arn.split(':').slice(5).join(':');
  const parts = resource.split('/');
  if (caller.type === 'AssumedRole' && parts.length >= 3) {
    return `${parts[1] ?? ''}:${parts.slice(2).join('/')}`;
  }
  return parts[parts.length - 1] ?? resource;
}

function userIdentityFor(caller: Caller | null, accountId: string, invokedBy: string | undefined): UserIdentity {
  if (caller === null) {
    return { type: 'AWSService', accountId, invokedBy: invokedBy ?? SERVICE_PRINCIPAL };
  }
  const callerAccount = arnAccount(caller.arn) ?? accountId;
  const identity: UserIdentity = {
    type: caller.type,
    principalId: principalIdFor(caller, callerAccount),
    arn: caller.arn,
    accountId: callerAccount,
  };
  if (caller.accessKeyId !== undefined) {
    identity.accessKeyId = caller.accessKeyId;
  }
  if (invokedBy !== undefined) {
    identity.invokedBy = invokedBy;
  }
  return identity;
}

/**
 * Throws if `value` holds anything binary (Uint8Array, Buffer, any ArrayBuffer view or
 * ArrayBuffer). The last line of defence for invariant 3: the record builders already strip
 * every blob member, so reaching this throw means a caller passed raw bytes somewhere.
 */
export function assertNoBinary(value: unknown, path = 'record'): void {
  const found = binaryPath(value, path);
  if (found !== null) {
    throw new AuditRecordError(`${found} holds binary data; audit records never carry plaintext, ciphertext or key material.`);
  }
}

/** Where `value` holds binary data, or null; the path is built only for what is found. */
function binaryPath(value: unknown, path: string): string | null {
  if (value === null || typeof value !== 'object') {
    return null;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
    return path;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item !== null && typeof item === 'object' && binaryPath(item, '') !== null) {
        return binaryPath(item, `${path}[${i}]`);
      }
    }
    return null;
  }
  for (const key in value) {
    const member: unknown = (value as Record<string, unknown>)[key];
    if (member !== null && typeof member === 'object' && binaryPath(member, '') !== null) {
      return binaryPath(member, `${path}.${key}`);
    }
  }
  return null;
}

/** Builds the record for one operation (or service event). @throws AuditRecordError */
export function buildRecord(params: BuildRecordParams): AuditRecord {
  const eventType = params.eventType ?? (params.caller === null ? 'AwsServiceEvent' : 'AwsApiCall');
  const seen = new Set<string>();
  const resources: Array<AuditResource> = [];
  for (const arn of params.resourceArns) {
    // ReEncrypt under one key names it twice; CloudTrail lists each key once.
    if (!seen.has(arn)) {
      seen.add(arn);
      resources.push({ accountId: arnAccount(arn) ?? params.accountId, type: resourceTypeOf(arn), ARN: arn });
    }
  }
  const record: AuditRecord = {
    eventVersion: EVENT_VERSION,
    userIdentity: userIdentityFor(params.caller, params.accountId, params.invokedBy),
    eventTime: formatEventTime(params.eventTimeMs),
    eventSource: params.eventSource ?? EVENT_SOURCE,
    eventName: params.eventName,
    awsRegion: params.region,
    // A call a service made for the caller shows the service here, as CloudTrail does.
    sourceIPAddress: params.invokedBy ?? params.caller?.sourceIp ?? SERVICE_PRINCIPAL,
    userAgent: params.invokedBy ?? params.caller?.userAgent ?? SERVICE_PRINCIPAL,
    requestParameters: params.requestParameters,
    // A failed call returned nothing, whatever the caller passed.
    responseElements: params.error === undefined ? params.responseElements : null,
    requestID: params.requestId,
    eventID: params.eventId ?? randomUUID(),
    readOnly: params.readOnly,
    resources,
    eventType,
    managementEvent: true,
    eventCategory: 'Management',
    recipientAccountId: params.accountId,
  };
  if (params.additionalEventData !== undefined) {
    record.additionalEventData = params.additionalEventData;
  }
  if (params.error !== undefined) {
    record.errorCode = params.error.name;
    record.errorMessage = params.error.message;
  }
  if (params.serviceEventDetails !== undefined) {
    record.serviceEventDetails = params.serviceEventDetails;
  }
  assertNoBinary(record);
  return boundCallerInput(record);
}

/**
 * The record with what the caller sent bounded (bounds.ts, docs/audit-format.md "Bounds"): a
 * refused call must not grow the log by a megabyte. Runs after assertNoBinary, on plain JSON.
 */
function boundCallerInput(record: AuditRecord): AuditRecord {
  record.userAgent = boundString(record.userAgent);
  if (record.requestParameters !== null) {
    record.requestParameters = boundField(record.requestParameters);
  }
  if (record.additionalEventData !== undefined) {
    record.additionalEventData = boundField(record.additionalEventData);
  }
  if (record.serviceEventDetails !== undefined) {
    record.serviceEventDetails = boundField(record.serviceEventDetails);
  }
  if (record.errorMessage !== undefined) {
    record.errorMessage = boundErrorMessage(record.errorMessage);
  }
  return record;
}

// --- Request parameters and response elements ------------------------------------------------
