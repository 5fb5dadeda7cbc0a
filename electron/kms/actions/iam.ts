// The installation's IAM actions: users and roles, their identity policies, and the endpoint's
// access keys. Principals keep their unique id for life, so policies and grants that named a
// deleted principal never apply to a new one of the same name.

import type { StrongroomActionInput } from '../../../shared/api/strongroom-actions.ts';
import type { AccessKeyStore } from '../iam/access-keys.ts';
import type { JsonObject } from '../audit/canonical.ts';
import type { OperationContext } from '../context.ts';
import { NotFoundException } from '../errors.ts';
import type { PrincipalKind } from '../iam/principal-id.ts';
import { resolvePrincipal, type IdentityPolicyRow, type PrincipalRow } from '../iam/principals.ts';

export type CreatedAccessKey = { AccessKeyId: string; SecretAccessKey: string; PrincipalArn: string };
export type DeletedPrincipal = { readonly principal: PrincipalRow; readonly accessKeys: number };

type Named = { readonly UserName?: string; readonly RoleName?: string };

function nameOf(kind: PrincipalKind, input: Named): string {
  return (kind === 'user' ? input.UserName : input.RoleName) ?? '';
}

/** One handler per kind from a handler over both: CreateUser and CreateRole differ only in their noun. */
function forKind<I extends Named, O>(kind: PrincipalKind, handler: (ctx: OperationContext, kind: PrincipalKind, name: string, input: I) => O): (ctx: OperationContext, input: I) => O {
  return (ctx, input) => handler(ctx, kind, nameOf(kind, input), input);
}

function createPrincipal(ctx: OperationContext, kind: PrincipalKind, name: string): PrincipalRow {
  return ctx.principals.create(kind, name);
}

function listPrincipals(ctx: OperationContext, kind: PrincipalKind): Array<PrincipalRow> {
  return ctx.principals.list(kind);
}

function deletePrincipal(ctx: OperationContext, kind: PrincipalKind, name: string): DeletedPrincipal {
  return ctx.principals.delete(kind, name);
}

function putPolicy(ctx: OperationContext, kind: PrincipalKind, name: string, input: { readonly PolicyName: string; readonly PolicyDocument: string }): null {
  const principal = ctx.principals.get(kind, name);
  ctx.access.parse(input.PolicyDocument, 'identity');
  ctx.principals.putPolicy(principal.principalId, input.PolicyName, input.PolicyDocument);
  return null;
}

function getPolicy(ctx: OperationContext, kind: PrincipalKind, name: string, input: { readonly PolicyName: string }): IdentityPolicyRow {
  return ctx.principals.getPolicy(ctx.principals.get(kind, name), input.PolicyName);
}

function listPolicies(ctx: OperationContext, kind: PrincipalKind, name: string): Array<string> {
  return ctx.principals.policies(ctx.principals.get(kind, name).principalId).map((p) => p.policyName);
}

function deletePolicy(ctx: OperationContext, kind: PrincipalKind, name: string, input: { readonly PolicyName: string }): null {
  ctx.principals.deletePolicy(ctx.principals.get(kind, name), input.PolicyName);
  return null;
}

export const iamHandlers = {
  CreateUser: forKind('user', createPrincipal),
  CreateRole: forKind('role', createPrincipal),
  ListUsers: (ctx: OperationContext): Array<PrincipalRow> => listPrincipals(ctx, 'user'),
  ListRoles: (ctx: OperationContext): Array<PrincipalRow> => listPrincipals(ctx, 'role'),
  DeleteUser: forKind('user', deletePrincipal),
  DeleteRole: forKind('role', deletePrincipal),
  PutUserPolicy: forKind('user', (ctx, kind, name, input: StrongroomActionInput<'PutUserPolicy'>) => putPolicy(ctx, kind, name, input)),
  PutRolePolicy: forKind('role', (ctx, kind, name, input: StrongroomActionInput<'PutRolePolicy'>) => putPolicy(ctx, kind, name, input)),
  GetUserPolicy: forKind('user', (ctx, kind, name, input: StrongroomActionInput<'GetUserPolicy'>) => getPolicy(ctx, kind, name, input)),
  GetRolePolicy: forKind('role', (ctx, kind, name, input: StrongroomActionInput<'GetRolePolicy'>) => getPolicy(ctx, kind, name, input)),
  ListUserPolicies: forKind('user', listPolicies),
  ListRolePolicies: forKind('role', listPolicies),
  DeleteUserPolicy: forKind('user', (ctx, kind, name, input: StrongroomActionInput<'DeleteUserPolicy'>) => deletePolicy(ctx, kind, name, input)),
  DeleteRolePolicy: forKind('role', (ctx, kind, name, input: StrongroomActionInput<'DeleteRolePolicy'>) => deletePolicy(ctx, kind, name, input)),
  CreateAccessKey: (ctx: OperationContext, input: StrongroomActionInput<'CreateAccessKey'>): CreatedAccessKey =>
    ctx.accessKeys.create(resolvePrincipal(ctx.principals, ctx.scope.accountId, input.Principal), ctx.rootKey),
  ListAccessKeys: (ctx: OperationContext): ReturnType<AccessKeyStore['list']> => ctx.accessKeys.list(),
  DeleteAccessKey: (ctx: OperationContext, input: StrongroomActionInput<'DeleteAccessKey'>): null => {
    if (!ctx.accessKeys.delete(input.AccessKeyId)) {
      throw new NotFoundException(`Access key '${input.AccessKeyId}' does not exist. \`strongroom list-access-keys\` lists them.`);
    }
    return null;
  },
};

/** CloudTrail responseElements of the IAM actions that change something (ids, never secrets). */
export const iamAudit = {
  created: (kind: PrincipalKind) => (row: PrincipalRow): JsonObject => ({ [kind]: { arn: row.arn, [`${kind}Id`]: row.principalId } }),
  deleted: (kind: PrincipalKind) => (r: DeletedPrincipal): JsonObject => ({ [`${kind}Id`]: r.principal.principalId, deletedAccessKeys: r.accessKeys }),
  accessKey: (created: CreatedAccessKey): JsonObject => ({ accessKey: { accessKeyId: created.AccessKeyId, principalArn: created.PrincipalArn } }),
};
