// Strongroom's own actions beside the KMS operations: the installation's IAM (users, roles,
// identity policies, access keys), custody (custodians, quorum rules, approval requests) and the
// developer clock. Each has a request schema here, in the same language as the KMS operations
// (PascalCase members, which the audit log renames to camelCase as CloudTrail does), so every
// surface validates them once and the engine runs them through the same pipeline as KMS calls:
// validated, audited with the key they touched, success or failure.
//
// Values the engine checks itself (principal names, thresholds, custodian lists) are only typed
// here: the engine's own checks give the messages that say what to fix.

import { doc, int, list, str, struct, type Infer } from './schema.ts';
import { xksActions } from './xks.ts';

const userName = str({ required: true, max: 1024 });
const roleName = str({ required: true, max: 1024 });
const policyName = str({ required: true, max: 1024 });
const keyId = str({ required: true, min: 1, max: 2048 });
const custodianName = str({ required: true, max: 1024 });

type ActionSpec = {
  /** Which service's namespace the action belongs to, as a CloudTrail eventSource would say. */
  readonly service: 'iam' | 'strongroom';
  /** CloudTrail readOnly: reads are true, changes false. */
  readonly readOnly: boolean;
  readonly summary: string;
  readonly input: ReturnType<typeof struct>;
};

export const strongroomActions = {
  CreateUser: { service: 'iam', readOnly: false, summary: 'Creates a user with a new unique id.', input: struct({ UserName: userName }) },
  CreateRole: { service: 'iam', readOnly: false, summary: 'Creates a role with a new unique id.', input: struct({ RoleName: roleName }) },
  ListUsers: { service: 'iam', readOnly: true, summary: 'Lists the users.', input: struct({}) },
  ListRoles: { service: 'iam', readOnly: true, summary: 'Lists the roles.', input: struct({}) },
  DeleteUser: { service: 'iam', readOnly: false, summary: 'Deletes a user with its identity policies and access keys.', input: struct({ UserName: userName }) },
  DeleteRole: { service: 'iam', readOnly: false, summary: 'Deletes a role with its identity policies and access keys.', input: struct({ RoleName: roleName }) },
  PutUserPolicy: {
    service: 'iam',
    readOnly: false,
    summary: "Attaches (or replaces) an identity policy on a user, validated like a key policy.",
    input: struct({ UserName: userName, PolicyName: policyName, PolicyDocument: str({ required: true, max: 131072 }) }),
  },
  PutRolePolicy: {
    service: 'iam',
    readOnly: false,
    summary: "Attaches (or replaces) an identity policy on a role, validated like a key policy.",
    input: struct({ RoleName: roleName, PolicyName: policyName, PolicyDocument: str({ required: true, max: 131072 }) }),
  },
  GetUserPolicy: { service: 'iam', readOnly: true, summary: "A user's identity policy.", input: struct({ UserName: userName, PolicyName: policyName }) },
  GetRolePolicy: { service: 'iam', readOnly: true, summary: "A role's identity policy.", input: struct({ RoleName: roleName, PolicyName: policyName }) },
  ListUserPolicies: { service: 'iam', readOnly: true, summary: "The names of a user's identity policies.", input: struct({ UserName: userName }) },
  ListRolePolicies: { service: 'iam', readOnly: true, summary: "The names of a role's identity policies.", input: struct({ RoleName: roleName }) },
  DeleteUserPolicy: { service: 'iam', readOnly: false, summary: "Removes a user's identity policy.", input: struct({ UserName: userName, PolicyName: policyName }) },
  DeleteRolePolicy: { service: 'iam', readOnly: false, summary: "Removes a role's identity policy.", input: struct({ RoleName: roleName, PolicyName: policyName }) },
  CreateAccessKey: {
    service: 'iam',
    readOnly: false,
    summary: 'Creates an access key for the endpoint; the secret is returned once.',
    input: struct({ Principal: str({ required: true, max: 2048 }) }),
  },
  ListAccessKeys: { service: 'iam', readOnly: true, summary: 'Lists the access keys (never their secrets).', input: struct({}) },
  DeleteAccessKey: { service: 'iam', readOnly: false, summary: 'Deletes an access key: requests signed with it are refused.', input: struct({ AccessKeyId: str({ required: true, max: 128 }) }) },
  AddCustodian: {
    service: 'strongroom',
    readOnly: false,
    summary: 'Registers a custodian: a name and an Ed25519 public key (PEM).',
    // The public key is not secret, but it is long and its fingerprint (in the response) names it.
    input: struct({ CustodianName: custodianName, PublicKeyPem: str({ required: true, max: 16384, sensitive: true }) }),
  },
  ListCustodians: { service: 'strongroom', readOnly: true, summary: 'Lists the custodians and the keys whose quorum rules name each.', input: struct({}) },
  RemoveCustodian: { service: 'strongroom', readOnly: false, summary: 'Removes a custodian no quorum rule names.', input: struct({ CustodianName: custodianName }) },
  GetQuorumRule: { service: 'strongroom', readOnly: true, summary: "A key's quorum rule, or none.", input: struct({ KeyId: keyId }) },
  SetQuorumRule: {
    service: 'strongroom',
    readOnly: false,
    summary: "Sets (or, with approvals meeting the current rule, changes) a key's quorum rule.",
    input: struct({ KeyId: keyId, Threshold: int({ required: true }), Custodians: list({ required: true, member: str() }) }),
  },
  ClearQuorumRule: { service: 'strongroom', readOnly: false, summary: "Removes a key's quorum rule; needs approvals meeting it.", input: struct({ KeyId: keyId }) },
  CreateApprovalRequest: {
    service: 'strongroom',
    readOnly: false,
    summary: 'Writes the request custodians sign to approve one guarded call.',
    input: struct({
      Operation: str({ required: true, min: 1, max: 128 }),
      /** The guarded call's input, checked against that operation's own schema. */
      Input: doc({ required: true }),
      ExpiresInMs: int(),
    }),
  },
  AdvanceClock: {
    service: 'strongroom',
    readOnly: false,
    summary: "Moves a developer installation's clock forward, then runs the work that makes due.",
    input: struct({ AdvanceByMs: int({ required: true }) }),
  },
  // The external key store (XKS) proxy API and its administration (issue 24).
  ...xksActions,
} as const satisfies Record<string, ActionSpec>;

export type StrongroomActionName = keyof typeof strongroomActions;
export type StrongroomActionInput<N extends StrongroomActionName> = Infer<(typeof strongroomActions)[N]['input']>;

export const strongroomActionNames = Object.keys(strongroomActions) as ReadonlyArray<StrongroomActionName>;

export function isStrongroomActionName(name: string): name is StrongroomActionName {
  return Object.hasOwn(strongroomActions, name);
}
