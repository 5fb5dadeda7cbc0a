// The authorization decision, as AWS documents it for KMS (docs/aws-kms.md §10.5):
//   1. an explicit Deny that applies — in the key policy or an identity policy — denies;
//   2. otherwise an Allow is needed from the key policy naming the caller directly, or from the
//      key policy naming the caller's account together with an identity policy of the caller,
//      or from a grant for the caller that covers the operation and its constraints;
//   3. actions with no key (CreateKey, ListKeys, …) need an identity policy, or the account root.
// The decision carries the statements that produced it, so `simulate-policy` and the policy
// editor can say why, and AccessDeniedException carries AWS's message.

import type { ConditionValues } from './conditions.ts';
import { clauseHolds } from './conditions.ts';
import type { PolicyDocument, PrincipalSet, Statement } from './document.ts';
import { isStrongroomPrefixed } from './actions.ts';

export type CallerIdentity = {
  /** aws:PrincipalArn: arn:aws:iam::<account>:root | user/<name> | role/<name>. */
  readonly arn: string;
  readonly accountId: string;
  /** The principal's unique id (AIDA…/AROA…); null for the account root. */
  readonly principalId: string | null;
};

export type BoundKeyPolicy = {
  readonly document: PolicyDocument;
  /** For each user or role ARN the policy names, the unique id it meant when stored. */
  readonly bindings: Readonly<Record<string, string>>;
};

export type NamedIdentityPolicy = { readonly name: string; readonly document: PolicyDocument };

export type GrantConstraints = {
  readonly EncryptionContextSubset?: Readonly<Record<string, string>>;
  readonly EncryptionContextEquals?: Readonly<Record<string, string>>;
};

export type GrantForEvaluation = {
  readonly grantId: string;
  readonly name: string | null;
  readonly granteeArn: string;
  readonly granteeId: string | null;
  readonly operations: ReadonlyArray<string>;
  readonly constraints: GrantConstraints | null;
};

export type AuthorizationRequest = {
  readonly caller: CallerIdentity;
  /** 'kms:Encrypt', 'kms:ReEncryptFrom', … */
  readonly action: string;
  /** The key or alias ARN acted on; null for actions with no resource (CreateKey, ListKeys, …). */
  readonly resource: string | null;
  /** The key's policy when the resource is a key; null otherwise. */
  readonly keyPolicy: BoundKeyPolicy | null;
  readonly identityPolicies: ReadonlyArray<NamedIdentityPolicy>;
  readonly grants: ReadonlyArray<GrantForEvaluation>;
  /** The request's encryption context, for grant constraints; null when the operation has none. */
  readonly encryptionContext: Readonly<Record<string, string>> | null;
  readonly conditions: ConditionValues;
};

export type StatementRef = {
  readonly source: 'KeyPolicy' | 'IdentityPolicy' | 'Grant';
  /** The identity policy's name, or the grant's name. */
  readonly policyName?: string;
  readonly statementIndex?: number;
  readonly sid?: string;
  readonly grantId?: string;
  readonly effect: 'Allow' | 'Deny';
  /** How a key policy statement named the caller. */
  readonly principalMatch?: 'caller' | 'account' | 'everyone';
};

export type Decision = {
  readonly decision: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
  /** The statements that decided: the denying ones, or the allowing ones that were needed. */
  readonly statements: ReadonlyArray<StatementRef>;
  /** A sentence for people: what decided, or what is missing. */
  readonly explanation: string;
  /** AWS's AccessDeniedException message; empty when allowed. */
  readonly message: string;
};

/** Operations whose requests carry an encryption context, so grant constraints apply to them. */
const CONTEXT_OPERATIONS = new Set([
  'Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
]);

type PrincipalMatch = 'caller' | 'account' | 'everyone' | null;

function accountOf(arnOrAccount: string): string | null {
  if (arnOrAccount.length === 12) {
    return /^\d{12}$/.test(arnOrAccount) ? arnOrAccount : null;
  }
  // arn:aws:iam::<12 digits>:root
  return arnOrAccount.length === 30 && arnOrAccount.startsWith('arn:aws:iam::') && arnOrAccount.endsWith(':root') ? arnOrAccount.slice(13, 25) : null;
}

function principalMatch(set: PrincipalSet, caller: CallerIdentity, bindings: Readonly<Record<string, string>>): PrincipalMatch {
  let best: PrincipalMatch = null;
  for (const name of set.aws) {
    if (name === caller.arn && caller.principalId !== null) {
      // A user or role named by ARN is the principal that ARN meant when the policy was stored.
      if (bindings[name] === caller.principalId) {
        return 'caller';
      }
    } else if (accountOf(name) === caller.accountId) {
      if (caller.principalId === null) {
        return 'caller';
      }
      best = 'account';
    }
  }
  // "*" names every principal directly, so it outranks naming the caller's account.
  return set.everyone ? 'everyone' : best;
}

function statementPrincipal(s: Statement, caller: CallerIdentity, bindings: Readonly<Record<string, string>>): PrincipalMatch {
  if (s.principal !== null) {
    return principalMatch(s.principal, caller, bindings);
  }
  if (s.notPrincipal !== null) {
    // NotPrincipal exempts only the principals it names: listing an account exempts the account
    // (its root), not every principal in it (IAM's NotPrincipal example lists both).
    const named = principalMatch(s.notPrincipal, caller, bindings);
    return named === 'caller' || named === 'everyone' ? null : 'caller';
  }
  return 'caller';
}

/** A compiled Action pattern written with the strongroom: prefix (strongroom:ExportKeyMaterial, strongroom:*). */
function namesStrongroomPrefix(pattern: RegExp): boolean {
  return /^\^strongroom:/i.test(pattern.source);
}

function patternsApply(s: Statement, action: string): boolean {
  return s.actions !== null ? s.actions.some((a) => a.test(action)) : s.notActions !== null && !s.notActions.some((a) => a.test(action));
}

/**
 * Whether a statement's Action (or NotAction) covers `action`. D23: a strongroom: action is
 * allowed only by an explicit strongroom: pattern — never by Action "*", kms:* or NotAction — but
 * denied by anything that would deny it under either prefix (Deny kms:* denies
 * strongroom:ExportKeyMaterial too): allows are strict, denies generous.
 */
function actionApplies(s: Statement, action: string): boolean {
  if (!isStrongroomPrefixed(action)) {
    return patternsApply(s, action);
  }
  if (s.effect === 'Allow') {
    return s.actions !== null && s.actions.some((a) => namesStrongroomPrefix(a) && a.test(action));
  }
  return patternsApply(s, action) || patternsApply(s, `kms:${action.slice(action.indexOf(':') + 1)}`);
}

function appliesTo(s: Statement, action: string, resource: string, conditions: ConditionValues): boolean {
  if (!actionApplies(s, action)) {
    return false;
  }
  if (s.resources !== null ? !s.resources.some((r) => r.test(resource)) : s.notResources === null || s.notResources.some((r) => r.test(resource))) {
    return false;
  }
  return s.conditions.every((c) => clauseHolds(c, conditions));
}

function ref(source: 'KeyPolicy' | 'IdentityPolicy', s: Statement, policyName?: string, match?: PrincipalMatch): StatementRef {
  return {
    source,
    ...(policyName === undefined ? {} : { policyName }),
    statementIndex: s.index,
    ...(s.sid === null ? {} : { sid: s.sid }),
    effect: s.effect,
    ...(match === undefined || match === null ? {} : { principalMatch: match }),
  };
}

/** Grant constraints compare context keys case-insensitively and values exactly (as AWS's do). */
function contextSatisfies(constraints: GrantConstraints | null, context: Readonly<Record<string, string>> | null): boolean {
  if (constraints === null) {
    return true;
  }
  const given = new Map(Object.entries(context ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const holds = (want: Readonly<Record<string, string>>) => Object.entries(want).every(([k, v]) => given.get(k.toLowerCase()) === v);
  if (constraints.EncryptionContextEquals !== undefined) {
    const want = constraints.EncryptionContextEquals;
    return given.size === Object.keys(want).length && holds(want);
  }
  if (constraints.EncryptionContextSubset !== undefined) {
    return holds(constraints.EncryptionContextSubset);
  }
  return true;
}

/** Does the grant cover this caller and operation (and the request's context)? */
export function grantApplies(g: GrantForEvaluation, caller: CallerIdentity, operation: string, context: Readonly<Record<string, string>> | null): 'caller' | 'account' | null {
  if (!g.operations.includes(operation)) {
    return null;
  }
  if (CONTEXT_OPERATIONS.has(operation) && !contextSatisfies(g.constraints, context)) {
    return null;
  }
  if (g.granteeArn === caller.arn && (g.granteeId === null || g.granteeId === caller.principalId)) {
    return 'caller';
  }
  return accountOf(g.granteeArn) === caller.accountId ? 'account' : null;
}

function denied(req: AuthorizationRequest, decision: 'ExplicitDeny' | 'ImplicitDeny', statements: ReadonlyArray<StatementRef>, because: string, explanation: string): Decision {
  return {
    decision,
    statements,
    explanation,
    message: `User: ${req.caller.arn} is not authorized to perform: ${req.action} on resource: ${req.resource ?? '*'} ${because}`,
  };
}

function describe(r: StatementRef): string {
  if (r.source === 'Grant') {
    return `grant ${r.grantId ?? ''}${r.policyName === undefined ? '' : ` ('${r.policyName}')`}`;
  }
  const where = `Statement[${r.statementIndex ?? 0}]${r.sid === undefined ? '' : ` (Sid '${r.sid}')`}`;
  return r.source === 'KeyPolicy' ? `the key policy's ${where}` : `identity policy '${r.policyName ?? ''}' ${where}`;
}

export function evaluate(req: AuthorizationRequest): Decision {
  const { caller, action, keyPolicy } = req;
  const resource = req.resource ?? '*';
  const operation = action.slice(action.indexOf(':') + 1);
  const isRoot = caller.principalId === null;

  const keyAllows: Array<StatementRef> = [];
  const keyAccountAllows: Array<StatementRef> = [];
  if (keyPolicy !== null) {
    const denies: Array<StatementRef> = [];
    for (const s of keyPolicy.document.statements) {
      if (!actionApplies(s, action)) {
        continue;
      }
      const match = statementPrincipal(s, caller, keyPolicy.bindings);
      if (match === null || !appliesTo(s, action, resource, req.conditions)) {
        continue;
      }
      if (s.effect === 'Deny') {
        denies.push(ref('KeyPolicy', s, undefined, match));
      } else if (match === 'account') {
        keyAccountAllows.push(ref('KeyPolicy', s, undefined, match));
      } else {
        keyAllows.push(ref('KeyPolicy', s, undefined, match));
      }
    }
    if (denies.length > 0) {
      return denied(req, 'ExplicitDeny', denies, 'with an explicit deny in a resource-based policy', `Denied by ${denies.map(describe).join(' and ')}.`);
    }
  }

  const identityAllows: Array<StatementRef> = [];
  if (!isRoot) {
    const denies: Array<StatementRef> = [];
    for (const p of req.identityPolicies) {
      for (const s of p.document.statements) {
        if (appliesTo(s, action, resource, req.conditions)) {
          (s.effect === 'Deny' ? denies : identityAllows).push(ref('IdentityPolicy', s, p.name));
        }
      }
    }
    if (denies.length > 0) {
      return denied(req, 'ExplicitDeny', denies, 'with an explicit deny in an identity-based policy', `Denied by ${denies.map(describe).join(' and ')}.`);
    }
  }

  if (keyPolicy === null) {
    // No key: the account root may; anyone else needs an identity policy.
    if (isRoot) {
      return { decision: 'Allow', statements: [], explanation: `The account root may call ${action}, which acts on no key.`, message: '' };
    }
    if (identityAllows.length > 0) {
      return { decision: 'Allow', statements: identityAllows, explanation: `Allowed by ${identityAllows.map(describe).join(' and ')}.`, message: '' };
    }
    return denied(req, 'ImplicitDeny', [], `because no identity-based policy allows the ${action} action`, `No identity policy of ${caller.arn} allows ${action} on ${resource}.`);
  }

  if (keyAllows.length > 0) {
    return { decision: 'Allow', statements: keyAllows, explanation: `Allowed by ${keyAllows.map(describe).join(' and ')}, which names ${keyAllows.some((r) => r.principalMatch === 'everyone') ? 'every principal' : 'the caller'}.`, message: '' };
  }
  if (keyAccountAllows.length > 0 && identityAllows.length > 0) {
    const both = [...keyAccountAllows, ...identityAllows];
    return {
      decision: 'Allow',
      statements: both,
      explanation: `Allowed by ${keyAccountAllows.map(describe).join(' and ')}, which delegates to the account, together with ${identityAllows.map(describe).join(' and ')}.`,
      message: '',
    };
  }
  const grantRefs: Array<StatementRef> = [];
  for (const g of req.grants) {
    const match = grantApplies(g, caller, operation, req.encryptionContext);
    if (match === 'caller' || (match === 'account' && (isRoot || identityAllows.length > 0))) {
      grantRefs.push({ source: 'Grant', grantId: g.grantId, ...(g.name === null ? {} : { policyName: g.name }), effect: 'Allow' });
    }
  }
  if (grantRefs.length > 0) {
    return { decision: 'Allow', statements: grantRefs, explanation: `Allowed by ${grantRefs.map(describe).join(' and ')}.`, message: '' };
  }
  if (keyAccountAllows.length > 0) {
    return denied(
      req,
      'ImplicitDeny',
      keyAccountAllows,
      `because no identity-based policy allows the ${action} action`,
      `${keyAccountAllows.map(describe).join(' and ')} delegates ${action} to the account, but no identity policy of ${caller.arn} allows it, and no grant does.`,
    );
  }
  return denied(
    req,
    'ImplicitDeny',
    [],
    `because no resource-based policy allows the ${action} action`,
    `The key policy does not allow ${caller.arn} (or its account) ${action}, and no grant does.`,
  );
}
