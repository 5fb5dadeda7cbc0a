// Canonical JSON for audit records: the same value always serializes to the same text, so the
// text stored in audit_log.record and the bytes hashed into the chain are one and the same and
// any process (the app, the CLI, an exported-log verifier) can recompute them.
//
// Rules: object keys sorted by UTF-16 code unit (JavaScript's default string order, which is
// also what RFC 8785 uses); no whitespace; object members whose value is undefined are dropped;
// strings and numbers are written as JSON.stringify writes them (lone surrogates escaped, so
// the text is always well-formed UTF-8). Anything that is not plain JSON data — bytes, Dates,
// Maps, class instances, functions, bigints, NaN/Infinity, undefined inside an array — throws
// instead of being coerced: a coercion here would be a silent change to what gets hashed, and a
// Uint8Array would be exactly the kind of secret the audit log must never hold.

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonArray | JsonObject;
export type JsonArray = Array<JsonValue>;
export type JsonObject = { [member: string]: JsonValue | undefined };

export class CanonicalJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (ArrayBuffer.isView(value)) {
    return 'binary data';
  }
  if (typeof value === 'object' && value !== null) {
    return `an object of class ${value.constructor?.name ?? 'unknown'}`;
  }
  return typeof value;
}

/**
 * The path of the member being written, kept as a stack and joined only for an error message:
 * building '$.a.b' for every member cost as much as the writing (profile, issue 19).
 */
type PathStack = Array<string | number>;

function pathOf(stack: PathStack): string {
  return stack.map((p) => (typeof p === 'number' ? `[${p}]` : p === '$' ? p : `.${p}`)).join('');
}

function write(value: unknown, stack: PathStack): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CanonicalJsonError(`${pathOf(stack)} is ${value}, which JSON cannot represent.`);
      }
      return JSON.stringify(value);
    case 'object': {
      if (value === null) {
        return 'null';
      }
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          stack.push(i);
          if (item === undefined) {
            throw new CanonicalJsonError(`${pathOf(stack)} is undefined; arrays may only hold JSON values.`);
          }
          out += (i > 0 ? ',' : '') + write(item, stack);
          stack.pop();
        }
        return `${out}]`;
      }
      if (!isPlainObject(value)) {
        throw new CanonicalJsonError(`${pathOf(stack)} is ${describe(value)}; only plain JSON data may be canonicalized.`);
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) {
          continue;
        }
        stack.push(key);
        out += `${first ? '' : ','}${JSON.stringify(key)}:${write(member, stack)}`;
        stack.pop();
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new CanonicalJsonError(`${pathOf(stack)} is ${describe(value)}, which JSON cannot represent.`);
  }
}

/** Serializes plain JSON data canonically. @throws CanonicalJsonError for non-JSON values. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) {
    throw new CanonicalJsonError('The value is undefined.');
  }
  return write(value, ['$']);
}
