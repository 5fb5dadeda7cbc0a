// Key policies and identity policies: parsed and validated once when stored, into statements
// whose patterns are compiled for evaluation. Every refusal is MalformedPolicyDocumentException
// with the JSON path of what is wrong (Statement[1].Condition.StringEquals.kms:CallerAccount) and
// what to write instead; the 32 KB quota is LimitExceededException (docs/aws-kms.md §10.1).

import { type KmsError, LimitExceededException, MalformedPolicyDocumentException } from '../errors.ts';
import { actionsMatching, wildcardPattern } from './actions.ts';
import { compileConditions, ConditionSyntaxError, type ConditionClause } from './conditions.ts';

export type PolicyKind = 'key' | 'identity';

/** The key policy quota: 32 KB, not adjustable. */
export const MAX_POLICY_BYTES = 32_768;

export type PrincipalSet = {
  /** "*" or {"AWS": "*"}: everyone. */
  readonly everyone: boolean;
  /** AWS principal ARNs and account ids, as written. */
  readonly aws: ReadonlyArray<string>;
  /** Service principals ("logs.amazonaws.com"): valid, but no local caller is one. */
  readonly services: ReadonlyArray<string>;
};

export type Statement = {
  /** Position in the Statement array, for explanations. */
  readonly index: number;
  readonly sid: string | null;
  readonly effect: 'Allow' | 'Deny';
  readonly principal: PrincipalSet | null;
  readonly notPrincipal: PrincipalSet | null;
  /** Compiled Action or NotAction patterns (exactly one is non-null unless the statement has neither). */
  readonly actions: ReadonlyArray<RegExp> | null;
  readonly notActions: ReadonlyArray<RegExp> | null;
  readonly resources: ReadonlyArray<RegExp> | null;
  readonly notResources: ReadonlyArray<RegExp> | null;
  readonly conditions: ReadonlyArray<ConditionClause>;
};

export type PolicyDocument = {
  readonly statements: ReadonlyArray<Statement>;
  /** Every principal ARN the policy names (Principal and NotPrincipal), for binding to unique ids. */
  readonly principalArns: ReadonlyArray<string>;
};

const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_MEMBERS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
// eslint-disable-next-line no-control-regex
const POLICY_CHARS = /^[\u0009\u000A\u000D\u0020-\u00FF]*$/;
const ACCOUNT_ID = /^\d{12}$/;
const IAM_PRINCIPAL_ARN = /^arn:aws:(iam::\d{12}:(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+|federated-user\/[\w+=,.@-]+)|sts::\d{12}:(assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+|federated-user\/[\w+=,.@-]+))$/;

function malformed(kind: PolicyKind, where: string, what: string): KmsError {
  const doc = kind === 'key' ? 'key policy' : 'identity policy';
  return new MalformedPolicyDocumentException(where === '' ? `The ${doc} ${what}` : `The ${doc} is malformed at ${where}: ${what}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(kind: PolicyKind, value: unknown, where: string): ReadonlyArray<string> {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) {
    throw malformed(kind, where, 'give at least one value');
  }
  return list.map((v, i) => {
    if (typeof v !== 'string' || v === '') {
      throw malformed(kind, Array.isArray(value) ? `${where}[${i}]` : where, 'must be a non-empty string');
    }
    return v;
  });
}

function parseActions(kind: PolicyKind, value: unknown, where: string): ReadonlyArray<RegExp> {
  return stringList(kind, value, where).map((action, i) => {
    const at = Array.isArray(value) ? `${where}[${i}]` : where;
    if (action === '*') {
      return /^.*$/s;
    }
    if (!/^(kms|strongroom|secretsmanager):[A-Za-z*?]+$/i.test(action)) {
      throw malformed(kind, at, `'${action}' is not a KMS action; actions are written kms:<Operation> (kms:Encrypt, kms:Describe*, kms:*), strongroom:ExportKeyMaterial, or secretsmanager:<Operation> (secretsmanager:GetSecretValue)`);
    }
    const pattern = wildcardPattern(action, true);
    if (actionsMatching(pattern).length === 0) {
      throw malformed(kind, at, `'${action}' matches no KMS action; check its spelling (kms:Encrypt, kms:Decrypt, kms:GenerateDataKey*, kms:ReEncrypt*, kms:CreateGrant, kms:PutKeyPolicy, …)`);
    }
    return pattern;
  });
}

function parseResources(kind: PolicyKind, value: unknown, where: string): ReadonlyArray<RegExp> {
  return stringList(kind, value, where).map((resource, i) => {
    if (resource !== '*' && !resource.startsWith('arn:')) {
      throw malformed(kind, Array.isArray(value) ? `${where}[${i}]` : where, `'${resource}' is not "*" or an ARN (arn:aws:kms:<region>:<account>:key/<key id>)`);
    }
    return wildcardPattern(resource, false);
  });
}

function parsePrincipal(kind: PolicyKind, value: unknown, where: string): PrincipalSet {
  if (value === '*') {
    return { everyone: true, aws: [], services: [] };
  }
  if (!isObject(value)) {
    throw malformed(kind, where, 'must be "*" or an object such as {"AWS": "arn:aws:iam::111122223333:user/alice"}');
  }
  let everyone = false;
  const aws: Array<string> = [];
  const services: Array<string> = [];
  for (const [type, names] of Object.entries(value)) {
    const at = `${where}.${type}`;
    if (type === 'AWS') {
      for (const [i, name] of stringList(kind, names, at).entries()) {
        const itemAt = Array.isArray(names) ? `${at}[${i}]` : at;
        if (name === '*') {
          everyone = true;
        } else if (name.includes('*') || name.includes('?')) {
          throw malformed(kind, itemAt, `'${name}': a principal cannot contain wildcards except "*" alone; to match principals by pattern, use "*" with an ArnLike condition on aws:PrincipalArn`);
        } else if (ACCOUNT_ID.test(name) || IAM_PRINCIPAL_ARN.test(name)) {
          aws.push(name);
        } else {
          throw malformed(kind, itemAt, `'${name}' is not a valid principal; use an account id (111122223333), arn:aws:iam::<account>:root, arn:aws:iam::<account>:user/<name> or …:role/<name>`);
        }
      }
    } else if (type === 'Service') {
      for (const [i, name] of stringList(kind, names, at).entries()) {
        if (!/^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(name)) {
          throw malformed(kind, Array.isArray(names) ? `${at}[${i}]` : at, `'${name}' is not a service principal (logs.amazonaws.com)`);
        }
        services.push(name);
      }
    } else {
      throw malformed(kind, at, `principal type '${type}' is not supported in KMS policies; use "AWS" or "Service"`);
    }
  }
  return { everyone, aws, services };
}

function parseStatement(kind: PolicyKind, raw: unknown, index: number, where: string): Statement {
  if (!isObject(raw)) {
    throw malformed(kind, where, 'each statement must be a JSON object');
  }
  for (const member of Object.keys(raw)) {
    if (!STATEMENT_MEMBERS.has(member)) {
      throw malformed(kind, `${where}.${member}`, `'${member}' is not a statement element; elements are ${[...STATEMENT_MEMBERS].join(', ')}`);
    }
  }
  const pairs: ReadonlyArray<readonly [string, string]> = [['Principal', 'NotPrincipal'], ['Action', 'NotAction'], ['Resource', 'NotResource']];
  for (const [a, b] of pairs) {
    if (a in raw && b in raw) {
      throw malformed(kind, where, `a statement has ${a} or ${b}, not both`);
    }
  }
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') {
    throw malformed(kind, `${where}.Effect`, `must be "Allow" or "Deny"${raw.Effect === undefined ? ' (it is missing)' : `, not ${JSON.stringify(raw.Effect)}`}`);
  }
  if (raw.Sid !== undefined && (typeof raw.Sid !== 'string' || !/^[\w .:/=+\-@,]*$/.test(raw.Sid))) {
    throw malformed(kind, `${where}.Sid`, 'must be a string of letters, digits, spaces and . : / = + - @ , _');
  }
  const hasPrincipal = 'Principal' in raw || 'NotPrincipal' in raw;
  if (kind === 'key' && !hasPrincipal) {
    throw malformed(kind, where, 'every key policy statement needs a Principal (or NotPrincipal), e.g. {"AWS": "arn:aws:iam::111122223333:root"}');
  }
  if (kind === 'identity' && hasPrincipal) {
    throw malformed(kind, where, 'identity policies apply to the principal they are attached to, so their statements take no Principal; remove it');
  }
  if (kind === 'identity' && !('Action' in raw || 'NotAction' in raw)) {
    throw malformed(kind, where, 'the statement needs an Action (or NotAction)');
  }
  if (kind === 'identity' && !('Resource' in raw || 'NotResource' in raw)) {
    throw malformed(kind, where, 'the statement needs a Resource (or NotResource): "*" or key ARNs');
  }
  let conditions: ReadonlyArray<ConditionClause> = [];
  if (raw.Condition !== undefined) {
    try {
      conditions = compileConditions(raw.Condition, `${where}.Condition`);
    } catch (err) {
      if (err instanceof ConditionSyntaxError) {
        throw malformed(kind, err.where, err.message);
      }
      throw err;
    }
  }
  return {
    index,
    sid: typeof raw.Sid === 'string' ? raw.Sid : null,
    effect: raw.Effect,
    principal: raw.Principal === undefined ? null : parsePrincipal(kind, raw.Principal, `${where}.Principal`),
    notPrincipal: raw.NotPrincipal === undefined ? null : parsePrincipal(kind, raw.NotPrincipal, `${where}.NotPrincipal`),
    actions: raw.Action === undefined ? null : parseActions(kind, raw.Action, `${where}.Action`),
    notActions: raw.NotAction === undefined ? null : parseActions(kind, raw.NotAction, `${where}.NotAction`),
    resources: raw.Resource === undefined ? null : parseResources(kind, raw.Resource, `${where}.Resource`),
    notResources: raw.NotResource === undefined ? null : parseResources(kind, raw.NotResource, `${where}.NotResource`),
    conditions,
  };
}

/**
 * Parses and validates a policy document. @throws MalformedPolicyDocumentException (what and
 * where) or LimitExceededException (over 32 KB).
 */
export function parsePolicy(text: string, kind: PolicyKind): PolicyDocument {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_POLICY_BYTES) {
    throw new LimitExceededException(`The ${kind === 'key' ? 'key' : 'identity'} policy is ${bytes} bytes; the quota is 32 KB (${MAX_POLICY_BYTES} bytes). Merge statements or shorten it.`);
  }
  const bad = POLICY_CHARS.exec(text) === null ? [...text].findIndex((c) => !POLICY_CHARS.test(c)) : -1;
  if (bad >= 0) {
    throw malformed(kind, '', `contains the character U+${(text.codePointAt(bad) ?? 0).toString(16).toUpperCase().padStart(4, '0')} at offset ${bad}; policies may contain only tab, line feed, carriage return and U+0020–U+00FF`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw malformed(kind, '', `is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) {
    throw malformed(kind, '', 'must be a JSON object with Version and Statement');
  }
  for (const member of Object.keys(doc)) {
    if (!TOP_LEVEL.has(member)) {
      throw malformed(kind, member, `'${member}' is not a policy element; a policy has Version, Id and Statement`);
    }
  }
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') {
    throw malformed(kind, 'Version', `must be "2012-10-17" (or the older "2008-10-17"), not ${JSON.stringify(doc.Version)}`);
  }
  if (doc.Id !== undefined && typeof doc.Id !== 'string') {
    throw malformed(kind, 'Id', 'must be a string');
  }
  const raw = doc.Statement;
  if (raw === undefined) {
    throw malformed(kind, '', 'has no Statement; add "Statement": [{"Effect": "Allow", …}]');
  }
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) {
    throw malformed(kind, 'Statement', 'must contain at least one statement');
  }
  const statements = list.map((s, i) => parseStatement(kind, s, i, Array.isArray(raw) ? `Statement[${i}]` : 'Statement'));
  const principalArns = new Set<string>();
  for (const s of statements) {
    for (const p of [...(s.principal?.aws ?? []), ...(s.notPrincipal?.aws ?? [])]) {
      if (p.startsWith('arn:')) {
        principalArns.add(p);
      }
    }
  }
  return { statements, principalArns: [...principalArns] };
}
