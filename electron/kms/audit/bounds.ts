// Bounds on what one audit record stores of a caller's input (issue 22, finding 2). Every call
// is recorded, refused ones included, so without a bound anyone able to send a request — even one
// with no permissions — could grow the log by a megabyte a call (a 1 MB Marker, a 900 KB
// encryption context). A value over its bound is stored as its length and SHA-256: the record
// stays CloudTrail-sized, and whoever holds the original can still prove which value it was.
// The rule is docs/audit-format.md, "Bounds".

import { setOwnMember } from '../../../shared/api/own-member.ts';
import { createHash } from 'node:crypto';
import { canonicalJson, type JsonObject, type JsonValue } from './canonical.ts';

/** The longest string kept as given: AWS's largest KMS string member, a key policy (32 KB). */
export const MAX_LOGGED_STRING_CHARS = 32_768;

/** The longest top-level field (its canonical JSON) kept as given; many small entries add up. */
export const MAX_LOGGED_FIELD_CHARS = 65_536;

/** How much of an over-long error message is kept before its summary. */
const ERROR_MESSAGE_PREFIX_CHARS = 1_024;

/** '<omitted: N bytes, sha256 HEX>': the UTF-8 length and SHA-256 of `text`. */
export function omittedValue(text: string): string {
  const utf8 = Buffer.from(text, 'utf8');
  return `<omitted: ${utf8.length} bytes, sha256 ${createHash('sha256').update(utf8).digest('hex')}>`;
}

/** Every string in `value` longer than MAX_LOGGED_STRING_CHARS replaced by its summary. */
function boundStrings(value: JsonValue): JsonValue {
  if (typeof value === 'string') {
    return value.length > MAX_LOGGED_STRING_CHARS ? omittedValue(value) : value;
  }
  if (Array.isArray(value)) {
    return value.map(boundStrings);
  }
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [name, member] of Object.entries(value)) {
      if (member !== undefined) {
        // A map key is the caller's data too (an encryption context key).
        setOwnMember(out, name.length > MAX_LOGGED_STRING_CHARS ? omittedValue(name) : name, boundStrings(member));
      }
    }
    return out;
  }
  return value;
}

/**
 * A record field (requestParameters, additionalEventData, serviceEventDetails) with each string
 * bounded, then each top-level member whose canonical JSON is still over MAX_LOGGED_FIELD_CHARS
 * replaced by the summary of that JSON. The number of top-level members is fixed by the
 * operation's schema, so the field as a whole is bounded too.
 */
export function boundField(field: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [name, member] of Object.entries(field)) {
    if (member === undefined) {
      continue;
    }
    const bounded = boundStrings(member);
    // JSON.stringify (native, on the hot path) has the canonical text's length: only the key order differs.
    const over = typeof bounded !== 'string' && JSON.stringify(bounded).length > MAX_LOGGED_FIELD_CHARS;
    out[name] = over ? omittedValue(canonicalJson(bounded)) : bounded;
  }
  return out;
}

/** A string field written by Strongroom from the caller's input (userAgent), bounded. */
export function boundString(text: string): string {
  return text.length > MAX_LOGGED_STRING_CHARS ? omittedValue(text) : text;
}

/** An error message (it may list thousands of violations): its start, then the whole one's summary. */
export function boundErrorMessage(message: string): string {
  if (message.length <= MAX_LOGGED_STRING_CHARS) {
    return message;
  }
  // Never cut a surrogate pair in two: a lone half is not valid text.
  const end = /[\uD800-\uDBFF]/.test(message.charAt(ERROR_MESSAGE_PREFIX_CHARS - 1)) ? ERROR_MESSAGE_PREFIX_CHARS - 1 : ERROR_MESSAGE_PREFIX_CHARS;
  return `${message.slice(0, end)}… ${omittedValue(message)}`;
}
