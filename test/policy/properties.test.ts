// Property tests over random policies and requests. The expectations are computed by a small
// independent model of AWS's rules written here (wildcard matching, principal naming, the
// condition operators the generator uses), not by calling evaluate().

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_ACTIONS, GRANT_OPERATIONS, KMS_ACTIONS } from '../../electron/kms/policy/actions.ts';
import { parsePolicy } from '../../electron/kms/policy/document.ts';
import { evaluate, type AuthorizationRequest, type CallerIdentity, type GrantConstraints, type GrantForEvaluation } from '../../electron/kms/policy/evaluate.ts';
import {
  ACCOUNT, alice, aliceRecreated, BINDINGS, bob, conditionValues, contextValues, denialMessage, eve, type Json, KEY_ARN, keyAdmin, OTHER_ACCOUNT,
  OTHER_KEY_ARN, OTHER_ROOT_ARN, root, ROOT_ARN,
} from './fixtures.ts';

const RUNS = { numRuns: 300 };

const CALLERS: ReadonlyArray<CallerIdentity> = [root, alice, bob, keyAdmin, aliceRecreated, eve];
const PROP_BINDINGS: Readonly<Record<string, string>> = { ...BINDINGS, [eve.arn]: eve.principalId ?? '' };
/** Principal names a key policy may use ("*" here is {"AWS": "*"} inside a list). */
const PRINCIPAL_NAMES = ['*', ROOT_ARN, ACCOUNT, alice.arn, bob.arn, keyAdmin.arn, OTHER_ROOT_ARN, OTHER_ACCOUNT, eve.arn];
const ACTION_PATTERNS = [
  '*', 'kms:*', 'kms:Encrypt', 'kms:Decrypt', 'KMS:DECRYPT', 'kms:Describe*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Create*',
  'kms:List*', 'kms:Put*', 'kms:Get*', 'kms:ScheduleKeyDeletion', 'kms:Sign', 'kms:*Grant', 'kms:Re?ireGrant',
];
const KEY_RESOURCES = ['*', KEY_ARN, OTHER_KEY_ARN];
const IDENTITY_RESOURCES = ['*', KEY_ARN, OTHER_KEY_ARN, `arn:aws:kms:*:${ACCOUNT}:key/*`];
const CONTEXT_CONDITION_KEYS = ['kms:EncryptionContext:Department', 'kms:encryptioncontext:department', 'kms:EncryptionContext:Project'];
const CONDITION_VALUES = ['IT', 'it', 'Finance', 'I*', '?T', '*'];
const CONTEXT_VALUES = ['IT', 'it', 'Finance', 'Ops'];
const KEY_ACTIONS = KMS_ACTIONS.filter((a) => !ACCOUNT_ACTIONS.has(a));

// ---- The generated structure and its JSON -------------------------------------------------

type StringOp = 'StringEquals' | 'StringNotEquals' | 'StringLike' | 'StringNotLike' | 'StringEqualsIfExists';
type GenCondition = { readonly op: StringOp | 'Null'; readonly key: string; readonly values: ReadonlyArray<string> };
type GenStatement = {
  readonly effect: 'Allow' | 'Deny';
  /** '*' (the whole principal element) or AWS principal names. */
  readonly principal: '*' | ReadonlyArray<string>;
  readonly actions: ReadonlyArray<string>;
  readonly resources: ReadonlyArray<string>;
  readonly conditions: ReadonlyArray<GenCondition>;
};
type GenGrant = { readonly grantee: CallerIdentity; readonly operations: ReadonlyArray<string>; readonly constraints: GrantConstraints | null };
type GenRequest = {
  readonly caller: CallerIdentity;
  readonly action: string;
  readonly keyPolicy: ReadonlyArray<GenStatement>;
  readonly identity: ReadonlyArray<ReadonlyArray<GenStatement>>;
  readonly grants: ReadonlyArray<GenGrant>;
  readonly context: Readonly<Record<string, string>> | null;
};

const arbCondition: fc.Arbitrary<GenCondition> = fc.oneof(
  fc.record({
    op: fc.constantFrom<StringOp>('StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'StringEqualsIfExists'),
    key: fc.constantFrom(...CONTEXT_CONDITION_KEYS),
    values: fc.uniqueArray(fc.constantFrom(...CONDITION_VALUES), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({ op: fc.constant<'Null'>('Null'), key: fc.constantFrom(...CONTEXT_CONDITION_KEYS), values: fc.constantFrom(['true'], ['false']) }),
);
const arbConditions = fc.uniqueArray(arbCondition, { maxLength: 2, selector: (c) => `${c.op}|${c.key}` });

function arbStatement(principals: ReadonlyArray<string> | null, resources: ReadonlyArray<string>): fc.Arbitrary<GenStatement> {
  const principal: fc.Arbitrary<'*' | ReadonlyArray<string>> =
    principals === null
      ? fc.constant<ReadonlyArray<string>>([])
      : principals.includes('*')
        ? fc.oneof(fc.constant<'*'>('*'), fc.uniqueArray(fc.constantFrom(...principals), { minLength: 1, maxLength: 3 }))
        : fc.uniqueArray(fc.constantFrom(...principals), { minLength: 1, maxLength: 3 });
  return fc.record({
    effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Deny'),
    principal,
    actions: fc.uniqueArray(fc.constantFrom(...ACTION_PATTERNS), { minLength: 1, maxLength: 3 }),
    resources: fc.uniqueArray(fc.constantFrom(...resources), { minLength: 1, maxLength: 2 }),
    conditions: arbConditions,
  });
}

const arbContext: fc.Arbitrary<Readonly<Record<string, string>> | null> = fc.option(
  fc.record({ Department: fc.constantFrom(...CONTEXT_VALUES), Project: fc.constantFrom(...CONTEXT_VALUES) }, { requiredKeys: [] }),
  { nil: null },
);

const arbConstraints: fc.Arbitrary<GrantConstraints | null> = fc.option(
  fc.oneof(
    fc.record({ EncryptionContextSubset: fc.record({ Department: fc.constantFrom(...CONTEXT_VALUES) }) }),
    fc.record({ EncryptionContextEquals: fc.record({ Department: fc.constantFrom(...CONTEXT_VALUES) }, { requiredKeys: [] }) }),
  ),
  { nil: null },
);

function arbGrants(grantees: ReadonlyArray<CallerIdentity>): fc.Arbitrary<ReadonlyArray<GenGrant>> {
  if (grantees.length === 0) {
    return fc.constant([]);
  }
  return fc.array(
    fc.record({ grantee: fc.constantFrom(...grantees), operations: fc.subarray([...GRANT_OPERATIONS], { minLength: 1, maxLength: 4 }), constraints: arbConstraints }),
    { maxLength: 2 },
  );
}

/** A request; the account root has no identity policies. */
function arbRequest(callers: ReadonlyArray<CallerIdentity>, actions: ReadonlyArray<string>, principalsFor: (c: CallerIdentity) => ReadonlyArray<string>, granteesFor: (c: CallerIdentity) => ReadonlyArray<CallerIdentity>): fc.Arbitrary<GenRequest> {
  return fc.constantFrom(...callers).chain((caller) =>
    fc.record({
      caller: fc.constant(caller),
      action: fc.constantFrom(...actions),
      keyPolicy: fc.array(arbStatement(principalsFor(caller), KEY_RESOURCES), { minLength: 1, maxLength: 4 }),
      identity: caller.principalId === null ? fc.constant([]) : fc.array(fc.array(arbStatement(null, IDENTITY_RESOURCES), { minLength: 1, maxLength: 3 }), { maxLength: 2 }),
      grants: arbGrants(granteesFor(caller)),
      context: arbContext,
    }),
  );
}

function statementJson(s: GenStatement, kind: 'key' | 'identity'): Json {
  const condition: Record<string, Record<string, Json>> = {};
  for (const c of s.conditions) {
    condition[c.op] = { ...(condition[c.op] ?? {}), [c.key]: [...c.values] };
  }
  return {
    Effect: s.effect,
    ...(kind === 'key' ? { Principal: s.principal === '*' ? '*' : { AWS: s.principal.length === 1 ? (s.principal[0] ?? '') : [...s.principal] } } : {}),
    Action: [...s.actions],
    Resource: [...s.resources],
    ...(s.conditions.length === 0 ? {} : { Condition: condition }),
  };
}

function policyJson(statements: ReadonlyArray<GenStatement>, kind: 'key' | 'identity'): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements.map((s) => statementJson(s, kind)) });
}

const DENY_EVERYTHING: Json = { Sid: 'DenyEverything', Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' };

function toRequest(g: GenRequest, extraKeyStatements: ReadonlyArray<Json> = []): AuthorizationRequest {
  const resource = ACCOUNT_ACTIONS.has(g.action) ? null : KEY_ARN;
  let keyPolicy: AuthorizationRequest['keyPolicy'] = null;
  if (resource !== null) {
    const parsed = JSON.parse(policyJson(g.keyPolicy, 'key')) as { Version: string; Statement: Array<Json> };
    const text = JSON.stringify({ ...parsed, Statement: [...parsed.Statement, ...extraKeyStatements] });
    keyPolicy = { document: parsePolicy(text, 'key'), bindings: PROP_BINDINGS };
  }
  const grants: Array<GrantForEvaluation> = g.grants.map((x, i) => ({
    grantId: `grant-${i}`,
    name: null,
    granteeArn: x.grantee.arn,
    granteeId: x.grantee.principalId,
    operations: x.operations,
    constraints: x.constraints,
  }));
  return {
    caller: g.caller,
    action: g.action,
    resource,
    keyPolicy,
    identityPolicies: g.identity.map((statements, i) => ({ name: `generated-${i}`, document: parsePolicy(policyJson(statements, 'identity'), 'identity') })),
    grants,
    encryptionContext: g.context,
    conditions: conditionValues({
      'aws:principalarn': g.caller.arn,
      'kms:calleraccount': g.caller.accountId,
      ...contextValues(g.context),
    }),
  };
}

// ---- The independent model ------------------------------------------------------------------

/** IAM wildcard match: '*' any run (also empty), '?' exactly one character. */
function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === value[v])) {
      p += 1;
      v += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      mark = v;
      p += 1;
    } else if (star >= 0) {
      p = star + 1;
      mark += 1;
      v = mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') {
    p += 1;
  }
  return p === pattern.length;
}

function accountNamed(name: string): string | null {
  if (/^\d{12}$/.test(name)) {
    return name;
  }
  const m = /^arn:aws:iam::(\d{12}):root$/.exec(name);
  return m?.[1] ?? null;
}

/** Does a key policy Principal element cover the caller (AWS: "*", its account, or itself as bound)? */
function modelPrincipalCovers(principal: GenStatement['principal'], caller: CallerIdentity): boolean {
  if (principal === '*') {
    return true;
  }
  return principal.some((name) => name === '*' || accountNamed(name) === caller.accountId || (name === caller.arn && caller.principalId !== null && PROP_BINDINGS[name] === caller.principalId));
}

function modelConditionHolds(c: GenCondition, context: Readonly<Record<string, string>> | null): boolean {
  const keyName = c.key.slice('kms:encryptioncontext:'.length).toLowerCase();
  const present = Object.entries(context ?? {})
    .filter(([k]) => k.toLowerCase() === keyName)
    .map(([, v]) => v);
  const has = present.length > 0;
  const eq = present.some((v) => c.values.includes(v));
  const like = present.some((v) => c.values.some((p) => globMatch(p, v)));
  switch (c.op) {
    case 'StringEquals':
      return has && eq;
    case 'StringNotEquals':
      return !has || !eq;
    case 'StringLike':
      return has && like;
    case 'StringNotLike':
      return !has || !like;
    case 'StringEqualsIfExists':
      return !has || eq;
    case 'Null':
      return c.values.includes(has ? 'false' : 'true');
  }
}

/**
 * Does the statement's Action cover the action? D23: a strongroom: action is allowed only by a
 * pattern written with the strongroom: prefix, and denied by anything covering it under either
 * prefix (Deny kms:* denies strongroom:ExportKeyMaterial).
 */
function modelActionCovers(s: GenStatement, action: string): boolean {
  const covers = (name: string, pattern: string) => globMatch(pattern.toLowerCase(), name.toLowerCase());
  if (!action.startsWith('strongroom:')) {
    return s.actions.some((a) => covers(action, a));
  }
  if (s.effect === 'Allow') {
    return s.actions.some((a) => a.toLowerCase().startsWith('strongroom:') && covers(action, a));
  }
  const asKms = `kms:${action.slice('strongroom:'.length)}`;
  return s.actions.some((a) => covers(action, a) || covers(asKms, a));
}

/** Do the statement's Action, Resource and Condition cover the request (principal aside)? */
function modelStatementCovers(s: GenStatement, action: string, resource: string, context: Readonly<Record<string, string>> | null): boolean {
  return (
    modelActionCovers(s, action) &&
    s.resources.some((r) => globMatch(r, resource)) &&
    s.conditions.every((c) => modelConditionHolds(c, context))
  );
}

function modelDenyApplies(g: GenRequest): boolean {
  const resource = ACCOUNT_ACTIONS.has(g.action) ? null : KEY_ARN;
  const keyDeny = resource !== null && g.keyPolicy.some((s) => s.effect === 'Deny' && modelPrincipalCovers(s.principal, g.caller) && modelStatementCovers(s, g.action, resource, g.context));
  const identityDeny = g.identity.some((p) => p.some((s) => s.effect === 'Deny' && modelStatementCovers(s, g.action, resource ?? '*', g.context)));
  return keyDeny || identityDeny;
}

function modelIdentityAllows(g: GenRequest): boolean {
  return g.identity.some((p) => p.some((s) => s.effect === 'Allow' && modelStatementCovers(s, g.action, KEY_ARN, g.context)));
}

/** Is the caller named anywhere: its ARN, its account, "*" in the key policy, or a grant's grantee (ARN or account)? */
function modelMentions(g: GenRequest): boolean {
  const names = (n: string) => n === '*' || n === g.caller.arn || accountNamed(n) === g.caller.accountId;
  return g.keyPolicy.some((s) => s.principal === '*' || s.principal.some(names)) || g.grants.some((x) => names(x.grantee.arn));
}

// ---- Properties -------------------------------------------------------------------------------

describe('evaluation properties (fast-check)', () => {
  it('(a) an applicable explicit Deny — in the key policy or an identity policy — means ExplicitDeny, never Allow; and only then', () => {
    const seen = { deny: 0, other: 0, allowed: 0 };
    fc.assert(
      fc.property(arbRequest(CALLERS, KMS_ACTIONS, () => PRINCIPAL_NAMES, () => [root, alice, bob, keyAdmin, eve]), (g) => {
        const result = evaluate(toRequest(g));
        if (modelDenyApplies(g)) {
          seen.deny += 1;
          expect(result.decision).toBe('ExplicitDeny');
        } else {
          seen.other += 1;
          expect(result.decision).not.toBe('ExplicitDeny');
          seen.allowed += result.decision === 'Allow' ? 1 : 0;
        }
      }),
      RUNS,
    );
    // Both sides of the property were exercised.
    expect(seen.deny).toBeGreaterThan(30);
    expect(seen.other).toBeGreaterThan(30);
    expect(seen.allowed).toBeGreaterThan(10);
  });

  it('(b) a caller no key policy statement and no grant names (not its ARN, not its account, not "*") is never allowed, whatever its identity policies say', () => {
    const seen = { identityAllows: 0 };
    const principalsFor = (c: CallerIdentity) => PRINCIPAL_NAMES.filter((n) => n !== '*' && n !== c.arn && accountNamed(n) !== c.accountId);
    const granteesFor = (c: CallerIdentity) => [root, alice, bob, keyAdmin, eve].filter((x) => x.arn !== c.arn && accountNamed(x.arn) !== c.accountId);
    fc.assert(
      fc.property(arbRequest(CALLERS, KEY_ACTIONS, principalsFor, granteesFor), (g) => {
        // The generator's restriction, checked independently.
        expect(modelMentions(g)).toBe(false);
        seen.identityAllows += modelIdentityAllows(g) ? 1 : 0;
        const result = evaluate(toRequest(g));
        expect(result.decision).not.toBe('Allow');
        expect(result.message).not.toBe('');
      }),
      RUNS,
    );
    expect(seen.identityAllows).toBeGreaterThan(20);
  });

  it('(c) adding {Effect: Deny, Principal: "*", Action: "kms:*", Resource: "*"} to a key policy denies every request on the key with ExplicitDeny', () => {
    fc.assert(
      fc.property(arbRequest(CALLERS, KEY_ACTIONS, () => PRINCIPAL_NAMES, () => [root, alice, bob, keyAdmin, eve]), (g) => {
        const req = toRequest(g, [DENY_EVERYTHING]);
        const result = evaluate(req);
        expect(result.decision).toBe('ExplicitDeny');
        expect(result.message).toBe(denialMessage(g.caller.arn, g.action, KEY_ARN, 'explicit-deny-resource'));
        expect(result.statements.some((s) => s.source === 'KeyPolicy' && s.effect === 'Deny' && s.sid === 'DenyEverything')).toBe(true);
      }),
      RUNS,
    );
  });

  it('(d) evaluate is deterministic and never throws', () => {
    fc.assert(
      fc.property(arbRequest(CALLERS, KMS_ACTIONS, () => PRINCIPAL_NAMES, () => [root, alice, bob, keyAdmin, aliceRecreated, eve]), (g) => {
        const first = evaluate(toRequest(g));
        const again = evaluate(toRequest(g));
        expect(again).toEqual(first);
        expect(['Allow', 'ExplicitDeny', 'ImplicitDeny']).toContain(first.decision);
        expect(first.message === '').toBe(first.decision === 'Allow');
      }),
      RUNS,
    );
  });
});

describe('the model agrees with itself on fixed points', () => {
  // Guards for the model the properties rely on.
  it('globMatch follows IAM wildcards', () => {
    expect(globMatch('kms:describe*', 'kms:describekey')).toBe(true);
    expect(globMatch('kms:re?iregrant', 'kms:retiregrant')).toBe(true);
    expect(globMatch('kms:re?iregrant', 'kms:revokegrant')).toBe(false);
    expect(globMatch('*', '')).toBe(true);
    expect(globMatch('?T', 'IT')).toBe(true);
    expect(globMatch('?T', 'T')).toBe(false);
    expect(globMatch('I*', 'it')).toBe(false);
  });

  it('modelPrincipalCovers honours bindings', () => {
    expect(modelPrincipalCovers([alice.arn], alice)).toBe(true);
    expect(modelPrincipalCovers([alice.arn], aliceRecreated)).toBe(false);
    expect(modelPrincipalCovers([ACCOUNT], bob)).toBe(true);
    expect(modelPrincipalCovers([OTHER_ROOT_ARN], bob)).toBe(false);
    expect(modelPrincipalCovers([OTHER_ROOT_ARN], eve)).toBe(true);
  });
});
