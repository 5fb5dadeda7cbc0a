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

function write(value: unknown, path: string, out: Array<string>): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CanonicalJsonError(`${path} is ${value}, which JSON cannot represent.`);
      }
      out.push(JSON.stringify(value));
      return;
    case 'object': {
      if (value === null) {
        out.push('null');
        return;
      }
      if (Array.isArray(value)) {
        out.push('[');
        value.forEach((item: unknown, i) => {
          if (i > 0) {
            out.push(',');
          }
          if (item === undefined) {
            throw new CanonicalJsonError(`${path}[${i}] is undefined; arrays may only hold JSON values.`);
          }
          write(item, `${path}[${i}]`, out);
        });
        out.push(']');
        return;
      }
      if (!isPlainObject(value)) {
        throw new CanonicalJsonError(`${path} is ${describe(value)}; only plain JSON data may be canonicalized.`);
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      out.push('{');
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) {
          continue;
        }
        if (!first) {
          out.push(',');
        }
        first = false;
        out.push(JSON.stringify(key), ':');
        write(member, `${path}.${key}`, out);
      }
      out.push('}');
      return;
    }
    default:
      throw new CanonicalJsonError(`${path} is ${describe(value)}, which JSON cannot represent.`);
  }
}

/** Serializes plain JSON data canonically. @throws CanonicalJsonError for non-JSON values. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) {
    throw new CanonicalJsonError('The value is undefined.');
  }
  const out: Array<string> = [];
  write(value, '$', out);
  return out.join('');
}
