// Building an operation's request from its flags, as the AWS CLI v2 does, for every member of
// the operation's input spec. The result is JSON-shaped, exactly like an AWS JSON 1.1 body
// (blobs as base64 text), and goes through the engine's one schema validation — so bad base64,
// oversize values and constraint violations get the same AWS errors here as on the wire. Only
// what the schema cannot see (a flag that does not exist, a missing value, a number that is
// not a number, a file that cannot be read) is a usage error.

import { readFileSync } from 'node:fs';
import { encodeBase64 } from '../../shared/api/base64.ts';
import { operations, type OperationName } from '../../shared/api/operations.ts';
import type { Spec, StructureSpec } from '../../shared/api/schema.ts';
import { kebab } from './names.ts';
import { UnknownOptionError, UsageError } from './usage-error.ts';

/** Strict UTF-8 for file:// text; a BOM is kept as read, as readFileSync(path, 'utf8') kept it. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

type Json = string | number | boolean | null | Array<Json> | { [k: string]: Json };

function readFileArg(path: string, binary: true, flag: string, command: string): Uint8Array;
function readFileArg(path: string, binary: false, flag: string, command: string): string;
function readFileArg(path: string, binary: boolean, flag: string, command: string): Uint8Array | string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UsageError(`argument --${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, command);
  }
  if (binary) {
    return bytes;
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    // Never replaced by U+FFFD: two different files would become one value (issue 22, finding 12).
    throw new UsageError(`argument --${flag}: ${path} is not valid UTF-8 text (use fileb:// for bytes)`, command);
  }
}

/** file:// loads a file's text for any parameter, as in the AWS CLI. */
function textValue(raw: string, flag: string, command: string): string {
  return raw.startsWith('file://') ? readFileArg(raw.slice('file://'.length), false, flag, command) : raw;
}

function parseJson(text: string, flag: string, command: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new UsageError(`argument --${flag}: invalid JSON: ${(err as Error).message}`, command);
  }
}

/** Splits on commas outside braces: `a=1,b={c=2,d=3}` → ['a=1', 'b={c=2,d=3}']. */
function topLevelPairs(text: string): Array<string> {
  const pairs: Array<string> = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') {
      depth++;
    } else if (c === '}') {
      depth--;
    } else if (c === ',' && depth === 0) {
      pairs.push(text.slice(start, i));
      start = i + 1;
    }
  }
  pairs.push(text.slice(start));
  return pairs;
}

/** `k=v,k2=v2` (the AWS CLI shorthand, nested as `k={a=b}`) or JSON. */
function shorthandMap(text: string, flag: string, command: string): Json {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') && trimmed.includes('"')) {
    return parseJson(trimmed, flag, command);
  }
  const body = trimmed.startsWith('{') && trimmed.endsWith('}') ? trimmed.slice(1, -1) : trimmed;
  const out: Record<string, Json> = {};
  if (body.trim() === '') {
    return out;
  }
  for (const pair of topLevelPairs(body)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(`argument --${flag}: expected key=value pairs separated by commas (or JSON), got '${pair}'`, command);
    }
    const value = pair.slice(eq + 1);
    out[pair.slice(0, eq)] = value.startsWith('{') && value.endsWith('}') ? shorthandMap(value, flag, command) : value;
  }
  return out;
}

/** A string map flag (`k=v,k2=v2` or JSON, file:// allowed): the encryption context of file commands. */
export function stringMapFlag(raw: string, flag: string, command: string): Record<string, string> {
  const parsed = shorthandMap(textValue(raw, flag, command), flag, command);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new UsageError(`argument --${flag}: expected key=value pairs (or a JSON object of strings)`, command);
  }
  return parsed as Record<string, string>;
}

function scalar(spec: Spec, raw: string, flag: string, command: string): Json {
  switch (spec.type) {
    case 'blob':
      if (raw.startsWith('fileb://')) {
        return encodeBase64(readFileArg(raw.slice('fileb://'.length), true, flag, command));
      }
      // CLI v2: file:// contents and bare values are base64 text. Trailing newlines from
      // `base64 > file` are not part of the value.
      return raw.startsWith('file://') ? textValue(raw, flag, command).trim() : raw;
    case 'integer': {
      const text = textValue(raw, flag, command).trim();
      if (!/^-?\d+$/.test(text)) {
        throw new UsageError(`argument --${flag}: invalid integer value: '${text}'`, command);
      }
      return Number(text);
    }
    case 'string':
      return textValue(raw, flag, command);
    case 'timestamp': {
      // The AWS CLI takes ISO 8601 or epoch seconds.
      const text = textValue(raw, flag, command).trim();
      const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Date.parse(text) / 1000;
      if (!Number.isFinite(seconds)) {
        throw new UsageError(`argument --${flag}: invalid timestamp '${text}': use ISO 8601 (2027-01-31T00:00:00Z) or epoch seconds`, command);
      }
      return seconds;
    }
    case 'map':
    case 'structure':
    case 'document':
      return shorthandMap(textValue(raw, flag, command), flag, command);
    case 'boolean':
    case 'list':
      throw new UsageError(`argument --${flag}: unexpected value '${raw}'`, command);
  }
}

function listValue(spec: Extract<Spec, { type: 'list' }>, values: ReadonlyArray<string>, flag: string, command: string): Json {
  if (values.length === 0) {
    throw new UsageError(`argument --${flag}: expected at least one value`, command);
  }
  const first = values[0] ?? '';
  if (values.length === 1 && (first.startsWith('[') || first.startsWith('file://'))) {
    const text = textValue(first, flag, command).trim();
    if (text.startsWith('[')) {
      return parseJson(text, flag, command);
    }
  }
  return values.map((v) => scalar(spec.member, v, flag, command));
}

/** The flags an operation accepts: its input members in kebab case, with their specs. */
export function operationFlags(name: OperationName): Array<{ flag: string; member: string; spec: Spec }> {
  return inputFlags(operations[name].input);
}

/** The flags of any request schema (a KMS operation's, a Secrets Manager operation's). */
export function inputFlags(input: StructureSpec): Array<{ flag: string; member: string; spec: Spec }> {
  return Object.entries(input.members).map(([member, spec]) => ({ flag: kebab(member), member, spec }));
}

/**
 * Turns the flags left after the global ones into the request body. Consumes every flag it
 * knows; anything left over is an unknown flag.
 */
export function buildRequest(name: OperationName, flags: Map<string, ReadonlyArray<string>>, command: string): Record<string, Json> {
  return buildRequestFor(operations[name].input, flags, command);
}

/** buildRequest for any request schema. */
export function buildRequestFor(input: StructureSpec, flags: Map<string, ReadonlyArray<string>>, command: string): Record<string, Json> {
  const request: Record<string, Json> = {};
  const missing: Array<string> = [];
  for (const { flag, member, spec } of inputFlags(input)) {
    const negated = `no-${flag}`;
    if (spec.type === 'boolean') {
      const on = flags.get(flag);
      const off = flags.get(negated);
      if (on !== undefined && off !== undefined) {
        throw new UsageError(`--${flag} and --${negated} cannot be used together`, command);
      }
      for (const [given, value] of [[on, true], [off, false]] as const) {
        if (given !== undefined) {
          if (given.length > 0) {
            throw new UsageError(`argument --${value ? flag : negated}: takes no value, got: ${given.join(' ')}`, command);
          }
          request[member] = value;
        }
      }
      flags.delete(flag);
      flags.delete(negated);
      continue;
    }
    const values = flags.get(flag);
    flags.delete(flag);
    if (values === undefined) {
      if (spec.required === true) {
        missing.push(`--${flag}`);
      }
      continue;
    }
    if (spec.type === 'list') {
      request[member] = listValue(spec, values, flag, command);
    } else if (values.length !== 1) {
      throw new UsageError(`argument --${flag}: expected one argument${values.length > 1 ? `, got ${values.length}: ${values.join(' ')}` : ''}`, command);
    } else {
      request[member] = scalar(spec, values[0] ?? '', flag, command);
    }
  }
  if (missing.length > 0) {
    throw new UsageError(`the following arguments are required: ${missing.join(', ')}`, command);
  }
  const unknown = [...flags.keys()];
  if (unknown.length > 0) {
    throw new UnknownOptionError(unknown, command);
  }
  return request;
}
