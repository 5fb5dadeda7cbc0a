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
import type { Caller } from '../caller.ts';
import { memberPath, type Spec, type StructureSpec } from '../../../shared/api/schema.ts';
import { isOperationName, operations } from '../../../shared/api/operations.ts';
import type { JsonObject, JsonValue } from './canonical.ts';

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

export type AuditResource = { accountId: string; type: 'AWS::KMS::Key'; ARN: string };

export type AuditEventType = 'AwsApiCall' | 'AwsServiceEvent';

export type AuditRecord = {
  eventVersion: typeof EVENT_VERSION;
  userIdentity: UserIdentity;
  /** ISO-8601 UTC, second precision: 'YYYY-MM-DDTHH:MM:SSZ'. */
  eventTime: string;
  eventSource: typeof EVENT_SOURCE;
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

function userIdentityFor(caller: Caller | null, accountId: string): UserIdentity {
  if (caller === null) {
    return { type: 'AWSService', accountId, invokedBy: SERVICE_PRINCIPAL };
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
  return identity;
}

/**
 * Throws if `value` holds anything binary (Uint8Array, Buffer, any ArrayBuffer view or
 * ArrayBuffer). The last line of defence for invariant 3: the record builders already strip
 * every blob member, so reaching this throw means a caller passed raw bytes somewhere.
 */
export function assertNoBinary(value: unknown, path = 'record'): void {
  if (value === null || typeof value !== 'object') {
    return;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
    throw new AuditRecordError(
      `${path} holds binary data; audit records never carry plaintext, ciphertext or key material.`,
    );
  }
  if (Array.isArray(value)) {
    value.forEach((item: unknown, i) => assertNoBinary(item, `${path}[${i}]`));
    return;
  }
  for (const [key, member] of Object.entries(value)) {
    assertNoBinary(member, `${path}.${key}`);
  }
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
      resources.push({ accountId: arnAccount(arn) ?? params.accountId, type: 'AWS::KMS::Key', ARN: arn });
    }
  }
  const record: AuditRecord = {
    eventVersion: EVENT_VERSION,
    userIdentity: userIdentityFor(params.caller, params.accountId),
    eventTime: formatEventTime(params.eventTimeMs),
    eventSource: EVENT_SOURCE,
    eventName: params.eventName,
    awsRegion: params.region,
    sourceIPAddress: params.caller?.sourceIp ?? SERVICE_PRINCIPAL,
    userAgent: params.caller?.userAgent ?? SERVICE_PRINCIPAL,
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
  return record;
}

// --- Request parameters and response elements ------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True for members that are never logged: bytes of any kind, and anything marked sensitive. */
function isSecret(spec: Spec): boolean {
  if (spec.type === 'blob') {
    return true;
  }
  if (spec.type === 'string') {
    return spec.sensitive === true;
  }
  if (spec.type === 'list') {
    return isSecret(spec.member);
  }
  if (spec.type === 'map') {
    return isSecret(spec.key) || isSecret(spec.value);
  }
  return false;
}

/**
 * Converts one value by its spec. Values of the wrong type are dropped (returned as undefined),
 * never passed through: that keeps the conversion safe even on input that failed validation,
 * which is logged too.
 */
function convert(spec: Spec, value: unknown): JsonValue | undefined {
  if (isSecret(spec)) {
    return undefined;
  }
  switch (spec.type) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'integer':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'timestamp':
      if (value instanceof Date && Number.isFinite(value.getTime())) {
        return value.toISOString();
      }
      return undefined;
    case 'map': {
      if (!isPlainObject(value)) {
        return undefined;
      }
      // Map keys are the caller's data (encryption context keys): never renamed.
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        if (typeof v === 'string') {
          out[k] = v;
        }
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) {
        return undefined;
      }
      const out: Array<JsonValue> = [];
      for (const item of value as ReadonlyArray<unknown>) {
        const converted = convert(spec.member, item);
        if (converted !== undefined) {
          out.push(converted);
        }
      }
      return out;
    }
    case 'structure':
      return convertStructure(spec, value);
    case 'blob':
      return undefined;
  }
}

function convertStructure(spec: StructureSpec, value: unknown): JsonObject | undefined {
  if (!isPlainObject(value)) {
    return undefined;
  }
  const out: JsonObject = {};
  for (const [name, memberSpec] of Object.entries(spec.members)) {
    const converted = convert(memberSpec, value[name]);
    if (converted !== undefined) {
      out[memberPath(name)] = converted;
    }
  }
  return out;
}

/**
 * CloudTrail requestParameters for a request: members renamed to camelCase at every level
 * (Tags → tags: [{ tagKey, tagValue }]), map keys (encryption context) kept as given, every blob
 * member (Plaintext, CiphertextBlob, …) and every sensitive member left out, members the spec
 * does not know ignored. Returns null when nothing loggable remains (e.g. ListKeys with no
 * arguments), as CloudTrail does. Safe to call with input that failed validation: values of the
 * wrong type are dropped, not copied.
 */
export function requestParametersFor(spec: StructureSpec, input: unknown): JsonObject | null {
  const out = convertStructure(spec, input);
  if (out === undefined || Object.keys(out).length === 0) {
    return null;
  }
  return out;
}

/**
 * Response members that are logged nowhere even for mutating operations. The grant token is a
 * bearer credential for a grant (reference §14: not logged for CreateGrant).
 */
const UNLOGGED_RESPONSE_MEMBERS: ReadonlySet<string> = new Set(['GrantToken']);

/** Schema-less fallback for operations not (yet) in the operation table. */
function convertUntyped(value: unknown): JsonValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : undefined;
  }
  if (value instanceof Date) {
    return Number.isFinite(value.getTime()) ? value.toISOString() : undefined;
  }
  if (Array.isArray(value)) {
    const out: Array<JsonValue> = [];
    for (const item of value as ReadonlyArray<unknown>) {
      const converted = convertUntyped(item);
      if (converted !== undefined) {
        out.push(converted);
      }
    }
    return out;
  }
  if (isPlainObject(value)) {
    const out: JsonObject = {};
    for (const [name, member] of Object.entries(value)) {
      if (UNLOGGED_RESPONSE_MEMBERS.has(name)) {
        continue;
      }
      const converted = convertUntyped(member);
      if (converted !== undefined) {
        out[memberPath(name)] = converted;
      }
    }
    return out;
  }
  // Bytes, class instances, functions, bigints: never logged.
  return undefined;
}

/**
 * CloudTrail responseElements: null for reads and cryptographic operations (readOnly true —
 * AWS logs no cryptographic results) and when the output is empty; otherwise the output in
 * camelCase with blobs, sensitive members and grant tokens removed and Dates as ISO-8601
 * strings (CreateKey → { keyMetadata: { aWSAccountId, keyId, creationDate, … } }).
 * Operations in the shared operation table are converted by their output spec; any other name
 * falls back to a schema-less conversion (which also drops bytes but, lacking a spec, renames
 * map keys too).
 */
export function responseElementsFor(
  operationName: string,
  readOnly: boolean,
  output: unknown,
): JsonObject | null {
  if (readOnly || output === null || output === undefined) {
    return null;
  }
  let out: JsonValue | undefined;
  if (isOperationName(operationName)) {
    const spec: StructureSpec = operations[operationName].output;
    const filtered = isPlainObject(output)
      ? Object.fromEntries(Object.entries(output).filter(([k]) => !UNLOGGED_RESPONSE_MEMBERS.has(k)))
      : output;
    out = convertStructure(spec, filtered);
  } else {
    out = convertUntyped(output);
  }
  if (!isPlainObject(out) || Object.keys(out).length === 0) {
    return null;
  }
  return out as JsonObject;
}
