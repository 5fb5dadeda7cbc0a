// A secret's life: DescribeSecret, DeleteSecret (a 7–30 day recovery window, or at once with
// ForceDeleteWithoutRecovery), RestoreSecret, the scheduled destruction when the window ends
// (a service event, as CloudTrail records Secrets Manager's own work), and resource policies.

import { DAY_MS } from '../clock.ts';
import type { AuditLog } from '../audit/log.ts';
import { buildRecord } from '../audit/record.ts';
import { InvalidParameterException, InvalidRequestException } from '../errors.ts';
import type { Scope } from '../identifiers.ts';
import { servicePrincipal } from '../managed-keys.ts';
import { newRequestId } from '../request-id.ts';
import type { Db } from '../store/database.ts';
import { authorizeSecret, bindResourcePolicy } from './access.ts';
import { findSecret, liveSecret } from './names.ts';
import { SecretRepository, type SecretRow } from './store.ts';
import type { Handler } from './table-types.ts';
import { SERVICE } from './values.ts';
import { kmsKeyIdField } from './values-ops.ts';

export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
export const EVENT_SOURCE_SECRETS = servicePrincipal(SERVICE);

export const describeSecret: Handler<'DescribeSecret'> = (ctx, input) => {
  const secret = findSecret(ctx, input.SecretId);
  ctx.touchResource(secret.arn);
  authorizeSecret(ctx, 'secretsmanager:DescribeSecret', secret, input);
  const store = SecretRepository.of(ctx.repo.db);
  const tags = store.tags(secret.arn);
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.description === null ? {} : { Description: secret.description }),
    ...kmsKeyIdField(ctx, secret),
    LastChangedDate: new Date(secret.lastChangedAt),
    ...(secret.lastAccessedAt === null ? {} : { LastAccessedDate: new Date(secret.lastAccessedAt) }),
    ...(secret.deletedAt === null ? {} : { DeletedDate: new Date(secret.deletedAt) }),
    ...(tags.length === 0 ? {} : { Tags: tags }),
    VersionIdsToStages: Object.fromEntries(store.stagesByVersion(secret.arn)),
    CreatedDate: new Date(secret.createdAt),
  };
};

export const deleteSecret: Handler<'DeleteSecret'> = (ctx, input) => {
  const secret = findSecret(ctx, input.SecretId);
  ctx.touchResource(secret.arn);
  authorizeSecret(ctx, 'secretsmanager:DeleteSecret', secret, input);
  const force = input.ForceDeleteWithoutRecovery === true;
  if (force && input.RecoveryWindowInDays !== undefined) {
    throw new InvalidParameterException("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  }
  const days = input.RecoveryWindowInDays ?? DEFAULT_RECOVERY_WINDOW_DAYS;
  if (days < 7 || days > 30) {
    throw new InvalidParameterException('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
  }
  const store = SecretRepository.of(ctx.repo.db);
  const now = ctx.clock.now();
  if (force) {
    store.remove(secret.arn);
    return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(now) };
  }
  if (secret.deletedAt !== null) {
    throw new InvalidRequestException("You can't perform this operation on the secret because it was already scheduled for deletion.");
  }
  const deletionDate = now + days * DAY_MS;
  store.update({ ...secret, deletedAt: now, deletionDate });
  return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(deletionDate) };
};

export const restoreSecret: Handler<'RestoreSecret'> = (ctx, input) => {
  const secret = findSecret(ctx, input.SecretId);
  ctx.touchResource(secret.arn);
  authorizeSecret(ctx, 'secretsmanager:RestoreSecret', secret, input);
  if (secret.deletedAt !== null) {
    SecretRepository.of(ctx.repo.db).update({ ...secret, deletedAt: null, deletionDate: null, lastChangedAt: ctx.clock.now() });
  }
  return { ARN: secret.arn, Name: secret.name };
};

export const putResourcePolicy: Handler<'PutResourcePolicy'> = (ctx, input) => {
  const secret = liveSecret(ctx, input.SecretId);
  ctx.touchResource(secret.arn);
  authorizeSecret(ctx, 'secretsmanager:PutResourcePolicy', secret, input);
  const bindings = bindResourcePolicy(ctx, input.ResourcePolicy, input.BlockPublicPolicy ?? true);
  SecretRepository.of(ctx.repo.db).update({ ...secret, resourcePolicy: input.ResourcePolicy, policyBindings: bindings, lastChangedAt: ctx.clock.now() });
  return { ARN: secret.arn, Name: secret.name };
};

export const getResourcePolicy: Handler<'GetResourcePolicy'> = (ctx, input) => {
  const secret = findSecret(ctx, input.SecretId);
  ctx.touchResource(secret.arn);
  authorizeSecret(ctx, 'secretsmanager:GetResourcePolicy', secret, input);
  return { ARN: secret.arn, Name: secret.name, ...(secret.resourcePolicy === null ? {} : { ResourcePolicy: secret.resourcePolicy }) };
};

export const deleteResourcePolicy: Handler<'DeleteResourcePolicy'> = (ctx, input) => {
  const secret = liveSecret(ctx, input.SecretId);
  ctx.touchResource(secret.arn);
  authorizeSecret(ctx, 'secretsmanager:DeleteResourcePolicy', secret, input);
  SecretRepository.of(ctx.repo.db).update({ ...secret, resourcePolicy: null, policyBindings: null, lastChangedAt: ctx.clock.now() });
  return { ARN: secret.arn, Name: secret.name };
};

export type PurgeHost = { readonly db: Db; readonly audit: AuditLog; readonly now: () => number; readonly scope: Scope };

/**
 * Destroys every secret whose recovery window has ended, each with its versions, in its own
 * transaction with its service-event record. Returns how many.
 */
export function purgeDueSecrets(host: PurgeHost): number {
  const store = SecretRepository.of(host.db);
  const now = host.now();
  let purged = 0;
  for (const due of store.dueDeletions(now)) {
    host.db
      .transaction(() => {
        const secret: SecretRow | null = store.byArn(due.arn);
        if (secret === null || secret.deletionDate === null || secret.deletionDate > now) {
          return;
        }
        const versionIds = store.versions(secret.arn).map((v) => v.versionId);
        store.remove(secret.arn);
        host.audit.append(
          buildRecord({
            eventName: 'EndSecretVersionDelete',
            eventSource: EVENT_SOURCE_SECRETS,
            invokedBy: EVENT_SOURCE_SECRETS,
            eventTimeMs: now,
            requestId: newRequestId(),
            caller: null,
            accountId: host.scope.accountId,
            region: host.scope.region,
            readOnly: false,
            requestParameters: null,
            responseElements: null,
            serviceEventDetails: { secretName: secret.name, versionIds, deletionDate: new Date(secret.deletionDate).toISOString() },
            resourceArns: [secret.arn],
          }),
        );
        purged++;
      })
      .immediate();
  }
  return purged;
}
