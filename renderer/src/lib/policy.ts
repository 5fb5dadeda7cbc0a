// Key policies in words: who can do what, per statement, read from the policy JSON as written
// (the engine is the judge of validity; this only describes). Also the policy templates the
// create-key wizard offers and the action list of the policy simulator.

import { defaultKeyPolicy } from '../../../shared/api/key-policy.ts';
import { operationNames } from '../../../shared/api/operations.ts';

/**
 * Every action a policy can name for an operation the engine serves, as kms:<Name> (and
 * strongroom:ExportKeyMaterial, which kms:* never grants: D23), sorted.
 */
export const KMS_ACTIONS: ReadonlyArray<string> = [
  ...new Set(
    operationNames.flatMap((op) =>
      op === 'ReEncrypt' ? ['kms:ReEncryptFrom', 'kms:ReEncryptTo'] : op === 'ExportKeyMaterial' ? ['strongroom:ExportKeyMaterial'] : [`kms:${op}`],
    ),
  ),
].sort();

export { defaultKeyPolicy };

/**
 * Only the installation owner (the account root itself): unlike the default policy, users and
 * roles get nothing from their identity policies, because the statement requires the caller's
 * own ARN to be the root's.
 */
export function ownerOnlyKeyPolicy(accountId: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'key-owner-only-1',
      Statement: [
        {
          Sid: 'Owner only',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
          Condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${accountId}:root` } },
        },
      ],
    },
    null,
    2,
  );
}

export type StatementSummary = {
  readonly index: number;
  readonly sid: string | null;
  readonly effect: 'Allow' | 'Deny' | null;
  /** Who, in words: ["user alice", "role admin"]; the NotPrincipal case starts with "everyone except". */
  readonly who: ReadonlyArray<string>;
  /** What actions, in words. */
  readonly what: ReadonlyArray<string>;
  /** On which resources, in words. */
  readonly on: ReadonlyArray<string>;
  /** Each condition as a sentence fragment: 'encryption context "dept" is "payroll"'. */
  readonly conditions: ReadonlyArray<string>;
  /** The whole statement as one sentence. */
  readonly sentence: string;
};

export type PolicySummary = { readonly statements: ReadonlyArray<StatementSummary>; readonly problems: ReadonlyArray<string> };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): Array<string> => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));

/**
 * One principal in words. `ownAccount` is this installation's account id, when known. An account
 * in an Allow reaches its users and roles only through their identity policies; in a Deny it
 * reaches every one of them, whatever their policies say (`effect` 'Deny').
 */
export function describePrincipal(name: string, ownAccount?: string, effect?: 'Allow' | 'Deny' | null): string {
  if (name === '*') {
    return 'everyone (any principal)';
  }
  const members = effect === 'Deny' ? 'every user and role in it' : 'users and roles whose identity policies allow it';
  const accountWords = (account: string): string =>
    account === ownAccount
      ? `this installation’s account (${account}): its owner, and ${members}`
      : `account ${account}: its root, and ${effect === 'Deny' ? members : `its ${members}`}`;
  if (/^\d{12}$/.test(name)) {
    return accountWords(name);
  }
  const m = /^arn:aws:(iam|sts)::(\d{12}):(.+)$/.exec(name);
  if (m !== null) {
    const account = m[2] as string;
    const rest = m[3] as string;
    const suffix = ownAccount !== undefined && account !== ownAccount ? ` in account ${account}` : '';
    if (rest === 'root') {
      return accountWords(account);
    }
    const [kind, ...parts] = rest.split('/');
    const last = parts[parts.length - 1] ?? '';
    switch (kind) {
      case 'user':
        return `user ${last}${suffix}`;
      case 'role':
        return `role ${last}${suffix}`;
      case 'assumed-role':
        return `session ${parts[1] ?? '?'} of role ${parts[0] ?? '?'}${suffix}`;
      case 'federated-user':
        return `federated user ${last}${suffix}`;
      default:
        return name;
    }
  }
  if (/^(AIDA|AROA)[A-Z0-9]+$/.test(name)) {
    return `a deleted ${name.startsWith('AIDA') ? 'user' : 'role'} (unique id ${name}; a new principal of the same name gets nothing from this)`;
  }
  return name;
}

function principals(value: unknown, ownAccount?: string, effect?: 'Allow' | 'Deny' | null): Array<string> {
  if (value === '*') {
    return [describePrincipal('*')];
  }
  if (!isObject(value)) {
    return [JSON.stringify(value)];
  }
  const out: Array<string> = [];
  for (const [type, names] of Object.entries(value)) {
    for (const name of strings(names)) {
      if (type === 'AWS') {
        out.push(describePrincipal(name, ownAccount, effect));
      } else if (type === 'Service') {
        out.push(`the service ${name}`);
      } else {
        out.push(`${type} principal ${name}`);
      }
    }
  }
  return out;
}

/** The known actions a wildcard pattern covers. */
export function actionsCovered(pattern: string): ReadonlyArray<string> {
  let source = '';
  for (const ch of pattern) {
    source += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`, 'i');
  return KMS_ACTIONS.filter((a) => re.test(a));
}

export function describeAction(action: string): string {
  if (action === '*' || action.toLowerCase() === 'kms:*') {
    return 'every KMS action';
  }
  if (action.includes('*') || action.includes('?')) {
    const covered = actionsCovered(action).map((a) => a.replace(/^kms:/i, ''));
    if (covered.length === 0) {
      return `${action} (no action the app knows)`;
    }
    const shown = covered.length > 6 ? `${covered.slice(0, 6).join(', ')} and ${covered.length - 6} more` : covered.join(', ');
    return `${action} (${shown})`;
  }
  return action.replace(/^kms:/i, '');
}

const OPERATOR_WORDS: Readonly<Record<string, string>> = {
  StringEquals: 'is',
  StringNotEquals: 'is not',
  StringEqualsIgnoreCase: 'is (ignoring case)',
  StringNotEqualsIgnoreCase: 'is not (ignoring case)',
  StringLike: 'matches',
  StringNotLike: 'does not match',
  NumericEquals: 'equals',
  NumericNotEquals: 'does not equal',
  NumericLessThan: 'is less than',
  NumericLessThanEquals: 'is at most',
  NumericGreaterThan: 'is greater than',
  NumericGreaterThanEquals: 'is at least',
  DateEquals: 'is',
  DateNotEquals: 'is not',
  DateLessThan: 'is before',
  DateLessThanEquals: 'is at or before',
  DateGreaterThan: 'is after',
  DateGreaterThanEquals: 'is at or after',
  Bool: 'is',
  BinaryEquals: 'equals',
  IpAddress: 'is in',
  NotIpAddress: 'is not in',
  ArnEquals: 'is',
  ArnNotEquals: 'is not',
  ArnLike: 'matches',
  ArnNotLike: 'does not match',
};

const CONDITION_KEY_WORDS: Readonly<Record<string, string>> = {
  'kms:encryptioncontextkeys': 'the encryption context keys',
  'kms:calleraccount': 'the caller’s account',
  'kms:encryptionalgorithm': 'the encryption algorithm',
  'kms:signingalgorithm': 'the signing algorithm',
  'kms:macalgorithm': 'the MAC algorithm',
  'kms:keyagreementalgorithm': 'the key agreement algorithm',
  'kms:messagetype': 'the message type',
  'kms:grantoperations': 'the granted operations',
  'kms:granteeprincipal': 'the grantee',
  'kms:retiringprincipal': 'the retiring principal',
  'kms:grantconstrainttype': 'the grant constraint type',
  'kms:grantisforawsresource': 'whether the grant is for an AWS resource',
  'kms:keyspec': 'the key spec',
  'kms:keyusage': 'the key usage',
  'kms:keyorigin': 'the key origin',
  'kms:datakeypairspec': 'the data key pair spec',
  'kms:requestalias': 'the alias in the request',
  'kms:resourcealiases': 'the key’s aliases',
  'kms:reencryptonsamekey': 're-encryption to the same key',
  'kms:bypasspolicylockoutsafetycheck': 'bypassing the lockout safety check',
  'kms:rotationperiodindays': 'the rotation period in days',
  'kms:schedulekeydeletionpendingwindowindays': 'the deletion waiting period in days',
  'aws:principalarn': 'the caller’s ARN',
  'aws:principalaccount': 'the caller’s account',
  'aws:principaltype': 'the caller’s type',
  'aws:userid': 'the caller’s unique id',
  'aws:username': 'the caller’s user name',
  'aws:currenttime': 'the current time',
  'aws:epochtime': 'the current time (epoch seconds)',
  'aws:sourceip': 'the caller’s IP address',
  'aws:securetransport': 'a secure connection',
  'aws:requestedregion': 'the requested region',
  'aws:tagkeys': 'the tag keys in the request',
};

export function describeConditionKey(key: string): string {
  const lower = key.toLowerCase();
  if (lower.startsWith('kms:encryptioncontext:')) {
    return `encryption context "${key.slice('kms:EncryptionContext:'.length)}"`;
  }
  if (lower.startsWith('aws:resourcetag/')) {
    return `the key’s tag "${key.slice('aws:ResourceTag/'.length)}"`;
  }
  if (lower.startsWith('aws:requesttag/')) {
    return `the tag "${key.slice('aws:RequestTag/'.length)}" in the request`;
  }
  return CONDITION_KEY_WORDS[lower] ?? key;
}

/** One condition operator's clause for one key, in words. */
export function describeCondition(operator: string, key: string, values: ReadonlyArray<string>): string {
  let op = operator;
  let qualifier = '';
  const set = /^(ForAnyValue|ForAllValues):(.+)$/.exec(op);
  if (set !== null) {
    qualifier = set[1] === 'ForAnyValue' ? 'any of ' : 'every one of ';
    op = set[2] as string;
  }
  let ifExists = '';
  if (op.endsWith('IfExists')) {
    op = op.slice(0, -'IfExists'.length);
    ifExists = ' (when present)';
  }
  const subject = `${qualifier}${describeConditionKey(key)}`;
  if (op === 'Null') {
    const absent = values.some((v) => v.toLowerCase() === 'true');
    return `${subject} is ${absent ? 'absent' : 'present'}`;
  }
  const words = OPERATOR_WORDS[op] ?? op;
  const shown = values.map((v) => `"${v}"`).join(' or ');
  return `${subject} ${words} ${shown}${ifExists}`;
}

function conditions(value: unknown): Array<string> {
  if (!isObject(value)) {
    return value === undefined ? [] : [JSON.stringify(value)];
  }
  const out: Array<string> = [];
  for (const [operator, clauses] of Object.entries(value)) {
    if (!isObject(clauses)) {
      out.push(`${operator} ${JSON.stringify(clauses)}`);
      continue;
    }
    for (const [key, values] of Object.entries(clauses)) {
      out.push(describeCondition(operator, key, strings(values)));
    }
  }
  return out;
}

function joinWords(items: ReadonlyArray<string>): string {
  if (items.length <= 1) {
    return items[0] ?? '';
  }
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function summarizeStatement(raw: unknown, index: number, ownAccount: string | undefined): StatementSummary {
  if (!isObject(raw)) {
    return { index, sid: null, effect: null, who: [], what: [], on: [], conditions: [], sentence: `Statement[${index}] is not an object.` };
  }
  const effect = raw.Effect === 'Allow' || raw.Effect === 'Deny' ? raw.Effect : null;
  const sid = typeof raw.Sid === 'string' && raw.Sid !== '' ? raw.Sid : null;
  let who: Array<string>;
  if (raw.NotPrincipal !== undefined) {
    who = [`everyone except ${joinWords(principals(raw.NotPrincipal, ownAccount))}`];
  } else if (raw.Principal !== undefined) {
    who = principals(raw.Principal, ownAccount, effect);
  } else {
    who = ['the principal whose identity policy this is'];
  }
  let what: Array<string>;
  if (raw.NotAction !== undefined) {
    what = [`every action except ${joinWords(strings(raw.NotAction).map(describeAction))}`];
  } else {
    what = strings(raw.Action).map(describeAction);
  }
  let on: Array<string>;
  if (raw.NotResource !== undefined) {
    on = [`every resource except ${joinWords(strings(raw.NotResource))}`];
  } else {
    on = strings(raw.Resource).map((r) => (r === '*' ? 'this key' : r));
  }
  const conds = conditions(raw.Condition);
  const verb = effect === 'Deny' ? 'Deny' : effect === 'Allow' ? 'Allow' : 'Unknown effect for';
  const doWhat = what.length === 0 ? 'no action' : joinWords(what);
  const onWhat = on.length === 0 ? '' : ` on ${joinWords(on)}`;
  const when = conds.length === 0 ? '' : `, only when ${conds.join(' and ')}`;
  const sentence = `${verb} ${joinWords(who)} ${effect === 'Deny' ? 'the use of ' : 'to use '}${doWhat}${onWhat}${when}.`.replace(/\s+/g, ' ');
  return { index, sid, effect, who, what, on, conditions: conds, sentence };
}

/** A policy document (already parsed JSON) in words; problems for what it cannot read. */
export function summarizePolicy(document: unknown, ownAccount?: string): PolicySummary {
  if (!isObject(document)) {
    return { statements: [], problems: ['A policy must be a JSON object with a Statement list.'] };
  }
  const problems: Array<string> = [];
  const raw = document.Statement;
  if (raw === undefined) {
    problems.push('The policy has no Statement.');
  }
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const statements = list.map((s, i) => summarizeStatement(s, i, ownAccount));
  for (const s of statements) {
    if (s.effect === null) {
      problems.push(`Statement[${s.index}] needs an Effect of "Allow" or "Deny".`);
    }
  }
  return { statements, problems };
}

/** 'key policy Statement[1] (Sid "Allow use")' or 'grant 1a2b…' for a simulator match (indexes as the engine writes them). */
export function describeMatch(match: { readonly Source: string; readonly StatementIndex?: number; readonly Sid?: string; readonly GrantId?: string; readonly PolicyName?: string }): string {
  if (match.Source === 'Grant') {
    return `grant ${match.GrantId ?? '(unknown id)'}`;
  }
  const where = match.Source === 'KeyPolicy' ? 'key policy' : `identity policy${match.PolicyName === undefined ? '' : ` "${match.PolicyName}"`}`;
  const n = match.StatementIndex === undefined ? ' statement' : ` Statement[${match.StatementIndex}]`;
  const sid = match.Sid === undefined || match.Sid === '' ? '' : ` (Sid "${match.Sid}")`;
  return `${where}${n}${sid}`;
}

/**
 * A principal as an ARN for CreateGrant, from what a person types: an ARN as is; 'root' → the
 * account root; 'user/alice', 'role/admin'; a bare name is a user. Null when it cannot be one.
 */
export function principalArn(input: string, accountId: string | undefined): string | null {
  const text = input.trim();
  if (text === '') {
    return null;
  }
  if (text.startsWith('arn:')) {
    return text;
  }
  if (accountId === undefined) {
    return null;
  }
  if (text === 'root') {
    return `arn:aws:iam::${accountId}:root`;
  }
  if (/^\d{12}$/.test(text)) {
    return `arn:aws:iam::${text}:root`;
  }
  const m = /^(user|role)\/([\w+=,.@-]+)$/.exec(text);
  if (m !== null) {
    return `arn:aws:iam::${accountId}:${m[1]}/${m[2]}`;
  }
  if (/^[\w+=,.@-]+$/.test(text)) {
    return `arn:aws:iam::${accountId}:user/${text}`;
  }
  return null;
}
