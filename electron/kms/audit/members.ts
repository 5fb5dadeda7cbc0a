// A record's requestParameters and responseElements, derived from the action's schema: members
// renamed to camelCase as CloudTrail names them, and every blob member and every member marked
// sensitive left out by construction, so plaintext, key material and data keys never reach a
// record (docs/architecture.md, invariant 3).

import { setOwnMember } from '../../../shared/api/own-member.ts';
import { memberPath, type Spec, type StructureSpec } from '../../../shared/api/schema.ts';
import { isOperationName, operations } from '../../../shared/api/operations.ts';
import type { JsonObject, JsonValue } from './canonical.ts';

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
          setOwnMember(out, k, v);
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
    case 'document':
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
 * bearer credential for a grant (docs/aws-kms.md §14: not logged for CreateGrant).
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
