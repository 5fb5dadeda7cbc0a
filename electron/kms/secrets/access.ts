// Who may call a Secrets Manager operation on a secret. Unlike a KMS key, a secret needs no
// resource policy: as AWS evaluates it within one account, an identity policy OR the secret's
// resource policy may allow (the account root always may), and an explicit Deny in either
// denies. The key behind the secret is authorized separately, by the KMS calls Secrets Manager
// makes for the caller (kms:ViaService), so a key policy that denies Decrypt denies the read.

import type { OperationContext } from '../context.ts';
import { AccessDeniedException, PublicPolicyException } from '../errors.ts';
import { evaluate, type AuthorizationRequest, type BoundKeyPolicy } from '../policy/evaluate.ts';
import { requestConditions } from '../policy/request-context.ts';
import { SecretRepository, type SecretRow } from './store.ts';

/** Condition values Secrets Manager adds to the request's aws: ones (lower-case keys). */
function secretConditions(ctx: OperationContext, secret: SecretRow | null, input: Readonly<Record<string, unknown>>): Map<string, ReadonlyArray<string>> {
  const values = new Map<string, ReadonlyArray<string>>();
  const set = (k: string, v: unknown) => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      values.set(k, [String(v)]);
    }
  };
  if (secret !== null) {
    set('secretsmanager:secretid', secret.arn);
    set('aws:resourceaccount', ctx.scope.accountId);
  }
  for (const [member, key] of [
    ['Name', 'secretsmanager:name'],
    ['Description', 'secretsmanager:description'],
    ['KmsKeyId', 'secretsmanager:kmskeyid'],
    ['VersionId', 'secretsmanager:versionid'],
    ['VersionStage', 'secretsmanager:versionstage'],
    ['BlockPublicPolicy', 'secretsmanager:blockpublicpolicy'],
    ['ForceDeleteWithoutRecovery', 'secretsmanager:forcedeletewithoutrecovery'],
    ['RecoveryWindowInDays', 'secretsmanager:recoverywindowindays'],
  ] as const) {
    set(key, input[member]);
  }
  if (Array.isArray(input.Tags)) {
    const tags = input.Tags as Array<{ Key?: string; Value?: string }>;
    values.set('aws:tagkeys', tags.map((t) => t.Key ?? ''));
    for (const t of tags) {
      set(`aws:requesttag/${(t.Key ?? '').toLowerCase()}`, t.Value);
    }
  } else if (Array.isArray(input.TagKeys)) {
    values.set('aws:tagkeys', input.TagKeys as Array<string>);
  }
  return values;
}

/** A secret's resource policy as evaluation takes it (its principals bound as stored). */
function resourcePolicyOf(ctx: OperationContext, secret: SecretRow | null): BoundKeyPolicy | null {
  if (secret === null || secret.resourcePolicy === null) {
    return null;
  }
  return { document: ctx.access.parse(secret.resourcePolicy, 'key'), bindings: JSON.parse(secret.policyBindings ?? '{}') as Record<string, string> };
}

/**
 * Authorizes `action` (secretsmanager:<Operation>) on a secret (null: an action on no secret,
 * CreateSecret's name, ListSecrets, GetRandomPassword).
 * @throws AccessDeniedException in AWS's words.
 */
export function authorizeSecret(ctx: OperationContext, action: string, secret: SecretRow | null, input: Readonly<Record<string, unknown>>, resourceArn?: string): void {
  const resource = secret?.arn ?? resourceArn ?? null;
  const identity = ctx.access.identity(ctx.caller, action, resource ?? '*');
  const base = requestConditions({ caller: ctx.caller, scope: ctx.scope, now: ctx.clock.now(), action, input, key: null, repo: ctx.repo });
  const own = secretConditions(ctx, secret, input);
  // The secret's tags are read only if a condition asks for one (most policies never do).
  let tags: Map<string, string> | null = null;
  const resourceTag = (k: string): ReadonlyArray<string> | undefined => {
    const prefix = k.startsWith('secretsmanager:resourcetag/') ? 'secretsmanager:resourcetag/' : k.startsWith('aws:resourcetag/') ? 'aws:resourcetag/' : null;
    if (prefix === null || secret === null) {
      return undefined;
    }
    tags ??= new Map(SecretRepository.of(ctx.repo.db).tags(secret.arn).map((t) => [t.Key.toLowerCase(), t.Value]));
    const value = tags.get(k.slice(prefix.length));
    return value === undefined ? undefined : [value];
  };
  const request: AuthorizationRequest = {
    caller: identity,
    action,
    resource,
    keyPolicy: null,
    identityPolicies:
      identity.principalId === null
        ? []
        : ctx.principals.policies(identity.principalId).map((p) => ({ name: p.policyName, document: ctx.access.parse(p.document, 'identity') })),
    grants: [],
    encryptionContext: null,
    conditions: (k) => own.get(k) ?? resourceTag(k) ?? base(k),
  };
  const policy = resourcePolicyOf(ctx, secret);
  let decision = policy === null ? evaluate(request) : evaluate({ ...request, keyPolicy: policy });
  // A resource policy that neither allows nor denies leaves the identity policies to decide.
  if (policy !== null && decision.decision === 'ImplicitDeny') {
    decision = evaluate(request);
  }
  if (decision.decision !== 'Allow') {
    throw new AccessDeniedException(decision.message);
  }
}

/**
 * Checks a resource policy for storing; returns its principal bindings. With BlockPublicPolicy
 * (the default), a policy that lets anyone in unconditionally is refused, as AWS refuses it.
 */
export function bindResourcePolicy(ctx: OperationContext, text: string, blockPublic: boolean): string {
  const bound = ctx.access.bindKeyPolicy(text);
  if (blockPublic) {
    const open = bound.document.statements.some((s) => s.effect === 'Allow' && s.principal?.everyone === true && s.conditions.length === 0);
    if (open) {
      throw new PublicPolicyException('The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.');
    }
  }
  return bound.bindingsJson;
}
