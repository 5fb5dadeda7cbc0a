// One schema language for every external input. Operation shapes are declared once (see
// operations.ts) in the terms the AWS service model uses — strings with length and pattern,
// blobs with length, integers with range, enums, maps, lists, structures — and this module
// checks a request against them, producing AWS's own error forms:
//   SerializationException for values of the wrong JSON type or undecodable base64;
//   ValidationException "N validation error(s) detected: Value '…' at 'member' failed to
//   satisfy constraint: Member must …" for constraint violations.
// The CLI, the HTTP endpoint and the IPC bridge all call validateInput(), so validation is
// written once. No Node or DOM APIs here: the renderer imports this file too.

import { setOwnMember } from './own-member.ts';
import { decodeBase64 } from './base64.ts';

export type StringSpec = {
  readonly type: 'string';
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  readonly enum?: ReadonlyArray<string>;
  readonly sensitive?: boolean;
};
export type BlobSpec = {
  readonly type: 'blob';
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly sensitive?: boolean;
};
export type IntegerSpec = {
  readonly type: 'integer';
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
};
export type BooleanSpec = { readonly type: 'boolean'; readonly required?: boolean };
export type TimestampSpec = { readonly type: 'timestamp'; readonly required?: boolean };
export type MapSpec = {
  readonly type: 'map';
  readonly required?: boolean;
  readonly key: StringSpec;
  readonly value: StringSpec;
  readonly max?: number;
};
export type ListSpec = {
  readonly type: 'list';
  readonly required?: boolean;
  readonly member: Spec;
  readonly min?: number;
  readonly max?: number;
};
/**
 * Smithy's document type: a JSON object whose shape another schema checks later (an approval
 * request's guarded input, validated against that operation's own schema). Never logged.
 */
export type DocumentSpec = { readonly type: 'document'; readonly required?: boolean };
export type StructureSpec = {
  readonly type: 'structure';
  readonly required?: boolean;
  readonly members: Readonly<Record<string, Spec>>;
};
export type Spec =
  | StringSpec
  | BlobSpec
  | IntegerSpec
  | BooleanSpec
  | TimestampSpec
  | MapSpec
  | ListSpec
  | DocumentSpec
  | StructureSpec;

/** The TypeScript type of a value that passed validation against spec S. */
export type Infer<S> = S extends { type: 'string'; enum: ReadonlyArray<infer E> }
  ? E
  : S extends { type: 'string' }
    ? string
    : S extends { type: 'blob' }
      ? Uint8Array
      : S extends { type: 'integer' }
        ? number
        : S extends { type: 'boolean' }
          ? boolean
          : S extends { type: 'timestamp' }
            ? Date
            : S extends { type: 'map' }
              ? Record<string, string>
              : S extends { type: 'list'; member: infer M }
                ? Array<Infer<M>>
                : S extends { type: 'structure'; members: infer Ms }
                  ? InferMembers<Ms>
                  : S extends { type: 'document' }
                    ? Readonly<Record<string, unknown>>
                    : never;

type RequiredKeys<Ms> = {
  [K in keyof Ms]: Ms[K] extends { required: true } ? K : never;
}[keyof Ms];
type OptionalKeys<Ms> = Exclude<keyof Ms, RequiredKeys<Ms>>;
type Flatten<T> = { [K in keyof T]: T[K] };
export type InferMembers<Ms> = Flatten<
  { readonly [K in RequiredKeys<Ms>]: Infer<Ms[K]> } & {
    readonly [K in OptionalKeys<Ms>]?: Infer<Ms[K]>;
  }
>;

// Spec constructors: keep operation tables short and let `as const` inference see literals.
export const str = <const O extends Omit<StringSpec, 'type'>>(o?: O): { type: 'string' } & O =>
  ({ type: 'string', ...o }) as { type: 'string' } & O;
export const blob = <const O extends Omit<BlobSpec, 'type'>>(o?: O): { type: 'blob' } & O =>
  ({ type: 'blob', ...o }) as { type: 'blob' } & O;
export const int = <const O extends Omit<IntegerSpec, 'type'>>(o?: O): { type: 'integer' } & O =>
  ({ type: 'integer', ...o }) as { type: 'integer' } & O;
export const bool = <const O extends Omit<BooleanSpec, 'type'>>(o?: O): { type: 'boolean' } & O =>
  ({ type: 'boolean', ...o }) as { type: 'boolean' } & O;
export const time = <const O extends Omit<TimestampSpec, 'type'>>(
  o?: O,
): { type: 'timestamp' } & O => ({ type: 'timestamp', ...o }) as { type: 'timestamp' } & O;
export const map = <const O extends Omit<MapSpec, 'type'>>(o: O): { type: 'map' } & O =>
  ({ type: 'map', ...o }) as { type: 'map' } & O;
export const list = <const O extends Omit<ListSpec, 'type'>>(o: O): { type: 'list' } & O =>
  ({ type: 'list', ...o }) as { type: 'list' } & O;
export const struct = <const Ms extends Readonly<Record<string, Spec>>, const R extends boolean = false>(
  members: Ms,
  o?: { required?: R },
): { type: 'structure'; members: Ms; required: R } =>
  ({ type: 'structure', members, required: (o?.required ?? false) as R });

export const doc = <const O extends Omit<DocumentSpec, 'type'>>(o?: O): { type: 'document' } & O =>
  ({ type: 'document', ...o }) as { type: 'document' } & O;

/** How blob members arrive: base64 text (JSON wire, CLI) or bytes already (IPC, in-process). */
export type BlobEncoding = 'base64' | 'bytes';

export class SchemaError extends Error {
  readonly errorName: 'ValidationException' | 'SerializationException';
  constructor(errorName: 'ValidationException' | 'SerializationException', message: string) {
    super(message);
    this.name = errorName;
    this.errorName = errorName;
  }
}

/** AWS member paths are the model's member names with a lower-case first letter. */
export function memberPath(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function describeType(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'array';
  }
  if (value instanceof Uint8Array) {
    return 'bytes';
  }
  return typeof value;
}

function quote(value: string): string {
  // Long values are cut so an error message never echoes a megabyte back.
  const shown = value.length > 256 ? `${value.slice(0, 256)}…` : value;
  return `'${shown}'`;
}

type Context = { readonly blobs: BlobEncoding; readonly violations: Array<string> };

function violation(ctx: Context, shown: string | null, path: string, constraint: string): void {
  const value = shown === null ? 'Value' : `Value ${shown}`;
  ctx.violations.push(`${value} at '${path}' failed to satisfy constraint: Member must ${constraint}`);
}

function wrongType(path: string, expected: string, value: unknown): never {
  throw new SerializationError(`Expected ${expected} at '${path}', got ${describeType(value)}.`);
}

class SerializationError extends SchemaError {
  constructor(message: string) {
    super('SerializationException', message);
  }
}

function checkLength(
  ctx: Context,
  length: number,
  spec: { min?: number; max?: number },
  path: string,
  shown: string | null,
): void {
  if (spec.min !== undefined && length < spec.min) {
    violation(ctx, shown, path, `have length greater than or equal to ${spec.min}`);
  }
  if (spec.max !== undefined && length > spec.max) {
    violation(ctx, shown, path, `have length less than or equal to ${spec.max}`);
  }
}

/** Finds the first lone surrogate (half of a UTF-16 pair): with the `u` flag a proper pair is one code point. */
const LONE_SURROGATE = /\p{Cs}/u;

function checkString(ctx: Context, spec: StringSpec, value: unknown, path: string): string {
  if (typeof value !== 'string') {
    return wrongType(path, 'a string', value);
  }
  // A lone surrogate has no UTF-8 form: stored, it would come back as U+FFFD and two different
  // inputs would become one value. isWellFormed is a native scan: every string of every call passes here.
  if (!value.isWellFormed()) {
    // AWS answers SerializationException for text that is not valid Unicode; never echoed (it cannot be printed).
    throw new SerializationError(`The value at '${path}' is not valid Unicode text: it holds an unpaired UTF-16 surrogate (\\u${value.charCodeAt(value.search(LONE_SURROGATE)).toString(16).toUpperCase()}). Send text that is valid UTF-8.`);
  }
  const shown = spec.sensitive === true ? null : quote(value);
  checkLength(ctx, value.length, spec, path, shown);
  if (spec.enum !== undefined && !spec.enum.includes(value)) {
    violation(ctx, shown, path, `satisfy enum value set: [${spec.enum.join(', ')}]`);
  } else if (spec.pattern !== undefined && !spec.pattern.test(value)) {
    violation(ctx, shown, path, `satisfy regular expression pattern: ${spec.pattern.source}`);
  }
  return value;
}

function checkBlob(ctx: Context, spec: BlobSpec, value: unknown, path: string): Uint8Array {
  let bytes: Uint8Array;
  if (ctx.blobs === 'bytes') {
    if (!(value instanceof Uint8Array)) {
      return wrongType(path, 'bytes', value);
    }
    bytes = value;
  } else {
    if (typeof value !== 'string') {
      return wrongType(path, 'a base64-encoded string', value);
    }
    const decoded = decodeBase64(value);
    if (decoded === null) {
      throw new SerializationError(
        `The value at '${path}' is not valid base64: use the standard alphabet (A–Z, a–z, 0–9, +, /) with '=' padding.`,
      );
    }
    bytes = decoded;
  }
  // Blob values are never echoed: they may be plaintext or key material.
  checkLength(ctx, bytes.length, spec, path, null);
  return bytes;
}

function checkInteger(ctx: Context, spec: IntegerSpec, value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return wrongType(path, 'an integer', value);
  }
  if (spec.min !== undefined && value < spec.min) {
    violation(ctx, `'${value}'`, path, `have value greater than or equal to ${spec.min}`);
  }
  if (spec.max !== undefined && value > spec.max) {
    violation(ctx, `'${value}'`, path, `have value less than or equal to ${spec.max}`);
  }
  return value;
}

function checkValue(ctx: Context, spec: Spec, value: unknown, path: string): unknown {
  switch (spec.type) {
    case 'string':
      return checkString(ctx, spec, value, path);
    case 'blob':
      return checkBlob(ctx, spec, value, path);
    case 'integer':
      return checkInteger(ctx, spec, value, path);
    case 'boolean':
      if (typeof value !== 'boolean') {
        return wrongType(path, 'a boolean', value);
      }
      return value;
    case 'timestamp': {
      if (value instanceof Date) {
        return value;
      }
      if (typeof value === 'number' && Number.isFinite(value)) {
        return new Date(value * 1000);
      }
      return wrongType(path, 'a timestamp (epoch seconds)', value);
    }
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
        return wrongType(path, 'an object of string values', value);
      }
      const entries = Object.entries(value);
      if (spec.max !== undefined && entries.length > spec.max) {
        violation(ctx, null, path, `have length less than or equal to ${spec.max}`);
      }
      const out: Record<string, string> = {};
      for (const [k, v] of entries) {
        checkString(ctx, spec.key, k, `${path}.key`);
        setOwnMember(out, k, checkString(ctx, spec.value, v, `${path}.${k}`));
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) {
        return wrongType(path, 'a list', value);
      }
      checkLength(ctx, value.length, spec, path, null);
      return value.map((item, i) => checkValue(ctx, spec.member, item, `${path}.${i + 1}.member`));
    }
    case 'structure':
      return checkStructure(ctx, spec, value, path);
    case 'document':
      if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
        return wrongType(path, 'a JSON object', value);
      }
      return value;
  }
}

function checkStructure(
  ctx: Context,
  spec: StructureSpec,
  value: unknown,
  path: string,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    return wrongType(path === '' ? 'the request body' : path, 'an object', value);
  }
  const input = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(spec.members)) {
    const memberValuePath = path === '' ? memberPath(name) : `${path}.${memberPath(name)}`;
    const v = input[name];
    if (v === undefined || v === null) {
      if (member.required === true) {
        ctx.violations.push(
          `Value null at '${memberValuePath}' failed to satisfy constraint: Member must not be null`,
        );
      }
      continue;
    }
    out[name] = checkValue(ctx, member, v, memberValuePath);
  }
  // Members the model does not know are ignored, as AWS does: newer SDKs send newer fields.
  return out;
}

/**
 * Checks `input` against a structure spec and returns a copy holding only known members, with
 * blobs as bytes.
 * @throws SchemaError with errorName SerializationException (wrong JSON type, bad base64) or
 *   ValidationException (every constraint violation found, in AWS's message form).
 */
export function validateInput<S extends StructureSpec>(
  spec: S,
  input: unknown,
  blobs: BlobEncoding,
): Infer<S> {
  const ctx: Context = { blobs, violations: [] };
  const out = checkStructure(ctx, spec, input ?? {}, '');
  if (ctx.violations.length > 0) {
    const n = ctx.violations.length;
    throw new SchemaError(
      'ValidationException',
      `${n} validation error${n === 1 ? '' : 's'} detected: ${ctx.violations.join('; ')}`,
    );
  }
  return out as Infer<S>;
}
