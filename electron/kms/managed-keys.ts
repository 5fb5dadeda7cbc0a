// AWS managed keys (KeyManager AWS): one per Strongroom feature that encrypts on the user's
// behalf, created the first time that feature needs it (or DescribeKey names its alias, as AWS
// does), under the alias alias/aws/<service>. Their key policy is fixed: every principal of this
// account may use the key for cryptography only through its service (kms:ViaService and
// kms:CallerAccount), and the account may read its metadata — so no one can change its policy,
// disable, delete, tag or rotate it on demand: those calls answer AccessDeniedException from the
// policy, as AWS's do. They rotate every year (the scheduler rotates any key with a period).
//
// The services (decision D37):
// - secretsmanager: alias/aws/secretsmanager, AWS's own name, so code written for AWS finds it.
// - strongroom-files: alias/aws/strongroom-files, the default key of file encryption. The
//   "strongroom-" prefix can never be the name of an AWS service, so neither a policy nor a
//   backup carried to AWS can mistake it for one of AWS's managed keys.

import { randomUUID } from 'node:crypto';
import { DAY_MS } from './clock.ts';
import type { OperationContext } from './context.ts';
import { addMaterial } from './operations/material.ts';
import type { KeyRow } from './store/repository.ts';

export const MANAGED_SERVICES = {
  secretsmanager: { description: 'Default key that protects my Secrets Manager data when no other key is defined' },
  'strongroom-files': { description: 'Default key that protects my Strongroom files when no other key is defined' },
} as const;

export type ManagedService = keyof typeof MANAGED_SERVICES;

/** The service file encryption calls KMS through when it uses its managed default key. */
export const FILES_SERVICE = 'strongroom-files';

/** AWS rotates its managed keys every year (since May 2022). */
export const MANAGED_ROTATION_DAYS = 365;

export const MANAGED_ALIAS_PREFIX = 'alias/aws/';

export function managedAlias(service: ManagedService): string {
  return `${MANAGED_ALIAS_PREFIX}${service}`;
}

/** The service a predefined managed alias belongs to, or null. */
export function managedServiceOf(aliasName: string): ManagedService | null {
  if (!aliasName.startsWith(MANAGED_ALIAS_PREFIX)) {
    return null;
  }
  const service = aliasName.slice(MANAGED_ALIAS_PREFIX.length);
  return Object.hasOwn(MANAGED_SERVICES, service) ? (service as ManagedService) : null;
}

/** kms:ViaService's value for calls a service makes: <service>.<region>.amazonaws.com. */
export function viaServiceName(service: string, region: string): string {
  return `${service}.${region}.amazonaws.com`;
}

/** CloudTrail's invokedBy (and sourceIPAddress) for calls a service makes: <service>.amazonaws.com. */
export function servicePrincipal(service: string): string {
  return `${service}.amazonaws.com`;
}

/** The fixed key policy of a managed key, in the form AWS gives aws/secretsmanager's. */
export function managedKeyPolicy(service: ManagedService, accountId: string, region: string): string {
  const via = viaServiceName(service, region);
  const sid = `Allow access through ${service} for all principals in the account that are authorized to use ${service}`;
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: `auto-${service}-2`,
      Statement: [
        {
          Sid: sid,
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:CreateGrant', 'kms:DescribeKey'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:ViaService': via, 'kms:CallerAccount': accountId } },
        },
        {
          Sid: sid,
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'kms:GenerateDataKey*',
          Resource: '*',
          Condition: { StringEquals: { 'kms:CallerAccount': accountId }, StringLike: { 'kms:ViaService': via } },
        },
        {
          Sid: 'Allow direct access to key metadata to the account',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
          Resource: '*',
        },
      ],
    },
    null,
    2,
  );
}

/** What creating a managed key needs of a call. */
export type ManagedKeyContext = Pick<OperationContext, 'repo' | 'rootKey' | 'clock' | 'scope'>;

/**
 * The service's managed key, created (key, first material, alias, yearly rotation) if this is its
 * first use. Runs inside the calling operation's transaction, so a failed call creates nothing.
 */
export function managedKey(ctx: ManagedKeyContext, service: ManagedService): KeyRow {
  const alias = ctx.repo.getAlias(managedAlias(service));
  const existing = alias === null ? null : ctx.repo.getKey(alias.keyId);
  if (existing !== null) {
    return existing;
  }
  const now = ctx.clock.now();
  const row: KeyRow = {
    keyId: randomUUID(),
    createdAt: now,
    description: MANAGED_SERVICES[service].description,
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    origin: 'AWS_KMS',
    keyManager: 'AWS',
    keyState: 'Enabled',
    deletionDate: null,
    pendingWindowDays: null,
    multiRegion: false,
    policy: managedKeyPolicy(service, ctx.scope.accountId, ctx.scope.region),
    // The policy names no user or role, only the account: nothing to bind.
    policyBindings: '{}',
    currentVersion: 1,
    rotationPeriodDays: MANAGED_ROTATION_DAYS,
    nextRotationAt: now + MANAGED_ROTATION_DAYS * DAY_MS,
    exportable: false,
  };
  ctx.repo.insertKey(row);
  addMaterial(ctx, row, 1);
  ctx.repo.insertAlias(managedAlias(service), row.keyId, now);
  return row;
}
