// SimulatePolicy (Strongroom's own operation): would this principal be allowed this action on
// this key, with this encryption context — and which key policy, identity policy or grant
// statements decide it? The policy editor asks the same question of a draft policy (Policy).
// It runs the very evaluation every request runs; nothing is changed.

import type { Handler } from '../context.ts';
import { ValidationException } from '../errors.ts';
import { KMS_ACTIONS } from '../policy/actions.ts';
import { unknownConditionKey } from '../policy/condition-keys.ts';
import { resolvePrincipal } from '../iam/principals.ts';
import { resolveKey } from '../resolve.ts';

export const simulatePolicy: Handler<'SimulatePolicy'> = (ctx, input) => {
  const key = input.KeyId === undefined ? null : resolveKey(ctx, input.KeyId, 'keyOrAlias');
  ctx.authorize('kms:SimulatePolicy', key);
  const action = KMS_ACTIONS.find((a) => a.toLowerCase() === input.Action.toLowerCase());
  if (action === undefined) {
    throw new ValidationException(`'${input.Action}' is not a KMS action; use kms:<Operation>, e.g. kms:Decrypt, kms:ReEncryptFrom, kms:CreateGrant, or strongroom:ExportKeyMaterial.`);
  }
  const principal = resolvePrincipal(ctx.principals, ctx.scope.accountId, input.Principal);
  const extra = new Map<string, ReadonlyArray<string>>();
  for (const [name, value] of Object.entries(input.ContextEntries ?? {})) {
    const unknown = unknownConditionKey(name);
    if (unknown !== null) {
      throw new ValidationException(`ContextEntries: ${unknown}.`);
    }
    extra.set(name.toLowerCase(), [value]);
  }
  const context = input.EncryptionContext;
  const decision = ctx.access.decide({
    caller: { ...principal, sourceIp: ctx.caller.sourceIp, userAgent: ctx.caller.userAgent },
    action,
    key,
    input: {
      ...(input.KeyId === undefined ? {} : { KeyId: input.KeyId, SourceKeyId: input.KeyId, DestinationKeyId: input.KeyId }),
      ...(context === undefined ? {} : { EncryptionContext: context, SourceEncryptionContext: context, DestinationEncryptionContext: context }),
    },
    now: ctx.clock.now(),
    ...(input.Policy === undefined || key === null ? {} : { keyPolicy: ctx.access.bindKeyPolicy(input.Policy) }),
    extraConditions: extra,
  });
  return {
    Decision: decision.decision,
    Explanation: decision.explanation,
    ...(decision.message === '' ? {} : { Message: decision.message }),
    MatchedStatements: decision.statements.map((s) => ({
      Source: s.source,
      Effect: s.effect,
      ...(s.policyName === undefined ? {} : { PolicyName: s.policyName }),
      ...(s.statementIndex === undefined ? {} : { StatementIndex: s.statementIndex }),
      ...(s.sid === undefined ? {} : { Sid: s.sid }),
      ...(s.grantId === undefined ? {} : { GrantId: s.grantId }),
      ...(s.principalMatch === undefined ? {} : { PrincipalMatch: s.principalMatch }),
    })),
  };
};
