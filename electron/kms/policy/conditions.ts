// A statement's Condition block: parsed once when the policy is stored, evaluated per request.
// Semantics as IAM documents them: operators AND together, keys within an operator AND, the
// values of one key OR (NOR for the negated operators); a key absent from the request makes a
// positive operator false and a negated one true, except ...IfExists (absent → true) and Null.
// ForAllValues is true when every request value matches (vacuously, when there are none);
// ForAnyValue when at least one does.

import type { BlockList } from 'node:net';
import { nodeNet } from '../lazy-builtins.ts';
import { wildcardPattern } from './actions.ts';
import { MULTI_VALUED, unknownConditionKey } from './condition-keys.ts';

type Family = 'String' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'Ip' | 'Arn' | 'Null';

type BaseOperator = {
  readonly family: Family;
  /** True for StringNotEquals, NumericNotEquals, NotIpAddress, ArnNotLike, …: they match when no value does. */
  readonly negated: boolean;
  readonly test: (requestValue: string, policyValue: CompiledValue) => boolean;
  readonly compile: (policyValue: string, where: string) => CompiledValue;
};

type CompiledValue = { readonly text: string; readonly number?: number; readonly pattern?: RegExp; readonly arnParts?: ReadonlyArray<RegExp>; readonly net?: BlockList };

export class ConditionSyntaxError extends Error {
  readonly where: string;
  constructor(where: string, what: string) {
    super(what);
    this.where = where;
  }
}

function asNumber(text: string, where: string): CompiledValue {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) {
    throw new ConditionSyntaxError(where, `'${text}' is not a number`);
  }
  return { text, number: n };
}

/** ISO 8601 or epoch seconds, as IAM accepts for Date operators; milliseconds since the epoch. */
export function parseDate(text: string): number | null {
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    return null;
  }
  // A date-time without a zone is UTC (as aws:CurrentTime is), never the machine's local time.
  const zoned = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? null : ms;
}

function asDate(text: string, where: string): CompiledValue {
  const ms = parseDate(text);
  if (ms === null) {
    throw new ConditionSyntaxError(where, `'${text}' is not a date; use ISO 8601 (2027-01-31T00:00:00Z) or epoch seconds`);
  }
  return { text, number: ms };
}

function asBool(text: string, where: string): CompiledValue {
  const lower = text.toLowerCase();
  if (lower !== 'true' && lower !== 'false') {
    throw new ConditionSyntaxError(where, `'${text}' is not true or false`);
  }
  return { text: lower };
}

function asArn(text: string): CompiledValue {
  return { text, arnParts: splitArn(text).map((p) => wildcardPattern(p, false)) };
}

/** An ARN's six components; the last keeps any further colons (arn:aws:kms:r:a:key/x). */
function splitArn(arn: string): Array<string> {
  const parts = arn.split(':');
  return parts.length <= 6 ? parts : [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function asNetwork(text: string, where: string): CompiledValue {
  const [address = '', prefixText, ...extra] = text.split('/');
  const family = nodeNet().isIP(address);
  const max = family === 6 ? 128 : 32;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (family === 0 || extra.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new ConditionSyntaxError(where, `'${text}' is not an IP address or CIDR range (203.0.113.0/24, 2001:db8::/32)`);
  }
  const block = new (nodeNet().BlockList)();
  block.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  return { text, net: block };
}

function compare(op: (a: number, b: number) => boolean, parse: (t: string) => number | null) {
  return (requestValue: string, p: CompiledValue): boolean => {
    const a = parse(requestValue);
    return a !== null && p.number !== undefined && op(a, p.number);
  };
}

const parseNumber = (t: string): number | null => (t.trim() === '' || !Number.isFinite(Number(t)) ? null : Number(t));
const eq = (a: number, b: number) => a === b;
const lt = (a: number, b: number) => a < b;
const le = (a: number, b: number) => a <= b;
const gt = (a: number, b: number) => a > b;
const ge = (a: number, b: number) => a >= b;

const stringEquals = (r: string, p: CompiledValue) => r === p.text;
const stringEqualsIgnoreCase = (r: string, p: CompiledValue) => r.toLowerCase() === p.text.toLowerCase();
const stringLike = (r: string, p: CompiledValue) => p.pattern?.test(r) ?? false;
const arnLike = (r: string, p: CompiledValue) => {
  const parts = splitArn(r);
  return p.arnParts !== undefined && parts.length === p.arnParts.length && parts.every((part, i) => p.arnParts?.[i]?.test(part) === true);
};
const inNetwork = (r: string, p: CompiledValue) => {
  const family = nodeNet().isIP(r);
  return family !== 0 && p.net !== undefined && p.net.check(r, family === 6 ? 'ipv6' : 'ipv4');
};

const text = (t: string): CompiledValue => ({ text: t });
const like = (t: string): CompiledValue => ({ text: t, pattern: wildcardPattern(t, false) });

function op(family: Family, negated: boolean, test: BaseOperator['test'], compile: BaseOperator['compile']): BaseOperator {
  return { family, negated, test, compile };
}

const OPERATORS: Readonly<Record<string, BaseOperator>> = {
  StringEquals: op('String', false, stringEquals, text),
  StringNotEquals: op('String', true, stringEquals, text),
  StringEqualsIgnoreCase: op('String', false, stringEqualsIgnoreCase, text),
  StringNotEqualsIgnoreCase: op('String', true, stringEqualsIgnoreCase, text),
  StringLike: op('String', false, stringLike, like),
  StringNotLike: op('String', true, stringLike, like),
  NumericEquals: op('Numeric', false, compare(eq, parseNumber), asNumber),
  NumericNotEquals: op('Numeric', true, compare(eq, parseNumber), asNumber),
  NumericLessThan: op('Numeric', false, compare(lt, parseNumber), asNumber),
  NumericLessThanEquals: op('Numeric', false, compare(le, parseNumber), asNumber),
  NumericGreaterThan: op('Numeric', false, compare(gt, parseNumber), asNumber),
  NumericGreaterThanEquals: op('Numeric', false, compare(ge, parseNumber), asNumber),
  DateEquals: op('Date', false, compare(eq, parseDate), asDate),
  DateNotEquals: op('Date', true, compare(eq, parseDate), asDate),
  DateLessThan: op('Date', false, compare(lt, parseDate), asDate),
  DateLessThanEquals: op('Date', false, compare(le, parseDate), asDate),
  DateGreaterThan: op('Date', false, compare(gt, parseDate), asDate),
  DateGreaterThanEquals: op('Date', false, compare(ge, parseDate), asDate),
  Bool: op('Bool', false, (r, p) => r.toLowerCase() === p.text, asBool),
  BinaryEquals: op('Binary', false, stringEquals, text),
  IpAddress: op('Ip', false, inNetwork, asNetwork),
  NotIpAddress: op('Ip', true, inNetwork, asNetwork),
  ArnEquals: op('Arn', false, arnLike, asArn),
  ArnNotEquals: op('Arn', true, arnLike, asArn),
  ArnLike: op('Arn', false, arnLike, asArn),
  ArnNotLike: op('Arn', true, arnLike, asArn),
  Null: op('Null', false, () => false, asBool),
};

export const CONDITION_OPERATORS: ReadonlyArray<string> = Object.keys(OPERATORS);

export type ConditionClause = {
  /** As written in the policy, for explanations. */
  readonly operator: string;
  readonly key: string;
  readonly values: ReadonlyArray<string>;
  readonly lowerKey: string;
  readonly base: BaseOperator;
  readonly ifExists: boolean;
  readonly set: 'ForAllValues' | 'ForAnyValue' | null;
  readonly compiled: ReadonlyArray<CompiledValue>;
};

/** What a request offers a condition: the values of a key (lower-case name), or undefined when absent. */
export type ConditionValues = (lowerKey: string) => ReadonlyArray<string> | undefined;

/** Parses one operator/key/values triple. @throws ConditionSyntaxError naming `where`. */
export function compileClause(operator: string, key: string, raw: unknown, where: string): ConditionClause {
  let name = operator;
  let set: ConditionClause['set'] = null;
  const colon = name.indexOf(':');
  if (colon >= 0) {
    const qualifier = name.slice(0, colon);
    if (qualifier !== 'ForAllValues' && qualifier !== 'ForAnyValue') {
      throw new ConditionSyntaxError(where, `'${operator}' has an unknown set qualifier; use ForAllValues: or ForAnyValue:`);
    }
    set = qualifier;
    name = name.slice(colon + 1);
  }
  const ifExists = name.endsWith('IfExists') && name !== 'IfExists';
  if (ifExists) {
    name = name.slice(0, -'IfExists'.length);
  }
  const base = OPERATORS[name];
  if (base === undefined || (ifExists && name === 'Null')) {
    throw new ConditionSyntaxError(
      where,
      `'${operator}' is not a condition operator. Operators: ${CONDITION_OPERATORS.join(', ')}; each (but Null) may end in IfExists and start with ForAllValues: or ForAnyValue:`,
    );
  }
  const unknown = unknownConditionKey(key);
  if (unknown !== null) {
    throw new ConditionSyntaxError(where, `${unknown}`);
  }
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) {
    throw new ConditionSyntaxError(where, `give at least one value`);
  }
  const values = list.map((v, i) => {
    if (typeof v === 'string') {
      return v;
    }
    if (typeof v === 'number' || typeof v === 'boolean') {
      return String(v);
    }
    throw new ConditionSyntaxError(`${where}${Array.isArray(raw) ? `[${i}]` : ''}`, 'condition values are strings, numbers or booleans');
  });
  const compiled = values.map((v, i) => base.compile(v, `${where}${Array.isArray(raw) ? `[${i}]` : ''}`));
  return { operator, key, values, lowerKey: key.toLowerCase(), base, ifExists, set, compiled };
}

/** Does one request value satisfy the operator against the policy's values? */
function valueMatches(c: ConditionClause, requestValue: string): boolean {
  const any = c.compiled.some((p) => c.base.test(requestValue, p));
  return c.base.negated ? !any : any;
}

export function clauseHolds(c: ConditionClause, values: ConditionValues): boolean {
  const present = values(c.lowerKey);
  if (c.base.family === 'Null') {
    const absent = present === undefined || present.length === 0;
    return c.compiled.some((p) => (p.text === 'true') === absent);
  }
  if (c.set === 'ForAllValues') {
    return (present ?? []).every((v) => valueMatches(c, v));
  }
  if (present === undefined || present.length === 0) {
    return c.set === 'ForAnyValue' ? false : c.ifExists || c.base.negated;
  }
  if (c.set === 'ForAnyValue' || MULTI_VALUED.has(c.lowerKey)) {
    return present.some((v) => valueMatches(c, v));
  }
  return valueMatches(c, present[0] as string);
}

/** Parses a statement's Condition element. */
export function compileConditions(raw: unknown, where: string): ReadonlyArray<ConditionClause> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConditionSyntaxError(where, `Condition must be an object of operators, e.g. {"StringEquals": {"kms:CallerAccount": "111122223333"}}`);
  }
  const clauses: Array<ConditionClause> = [];
  for (const [operator, block] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof block !== 'object' || block === null || Array.isArray(block)) {
      throw new ConditionSyntaxError(`${where}.${operator}`, `must be an object of condition keys to values`);
    }
    for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
      clauses.push(compileClause(operator, key, value, `${where}.${operator}.${key}`));
    }
  }
  return clauses;
}
