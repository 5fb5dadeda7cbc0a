// Secrets Manager's operations as entries of the engine's one pipeline (pipeline.ts): each with
// its request schema (shared/api/secretsmanager.ts), its handler, and what its audit record says
// — eventSource secretsmanager.amazonaws.com, the request's loggable members (SecretString is
// sensitive and SecretBinary a blob: neither is ever logged) and, for changes, the secret's ARN,
// name and version, never a value.

import { secretsOperations, type SecretsOperationName } from '../../../shared/api/secretsmanager.ts';
import type { ActionEntry } from '../actions/table.ts';
import type { JsonObject } from '../audit/canonical.ts';
import type { EngineHooks } from '../context.ts';
import { EVENT_SOURCE_SECRETS, deleteResourcePolicy, deleteSecret, describeSecret, getResourcePolicy, putResourcePolicy, restoreSecret } from './lifecycle.ts';
import { batchGetSecretValue, listSecretVersionIds, listSecrets } from './listing.ts';
import { getRandomPassword } from './password.ts';
import { updateSecretVersionStage } from './stages.ts';
import type { Handler } from './table-types.ts';
import { tagResource, untagResource } from './tags.ts';
import { createSecret, getSecretValue, putSecretValue, updateSecret } from './values-ops.ts';

const HANDLERS: { readonly [N in SecretsOperationName]: Handler<N> } = {
  CreateSecret: createSecret,
  GetSecretValue: getSecretValue,
  BatchGetSecretValue: batchGetSecretValue,
  PutSecretValue: putSecretValue,
  UpdateSecret: updateSecret,
  DescribeSecret: describeSecret,
  ListSecrets: listSecrets,
  ListSecretVersionIds: listSecretVersionIds,
  DeleteSecret: deleteSecret,
  RestoreSecret: restoreSecret,
  UpdateSecretVersionStage: updateSecretVersionStage,
  TagResource: tagResource,
  UntagResource: untagResource,
  GetRandomPassword: getRandomPassword,
  PutResourcePolicy: putResourcePolicy,
  GetResourcePolicy: getResourcePolicy,
  DeleteResourcePolicy: deleteResourcePolicy,
};

/** A change's responseElements: which secret and version, as CloudTrail shows them; never a value. */
function changeResponse(output: unknown): JsonObject | null {
  if (typeof output !== 'object' || output === null) {
    return null;
  }
  const o = output as Record<string, unknown>;
  const out: JsonObject = {};
  for (const [member, field] of [['ARN', 'aRN'], ['Name', 'name'], ['VersionId', 'versionId']] as const) {
    if (typeof o[member] === 'string') {
      out[field] = o[member];
    }
  }
  if (Array.isArray(o.VersionStages)) {
    out.versionStages = (o.VersionStages as Array<unknown>).filter((s): s is string => typeof s === 'string');
  }
  if (o.DeletionDate instanceof Date) {
    out.deletionDate = o.DeletionDate.toISOString();
  }
  return Object.keys(out).length === 0 ? null : out;
}

function entry(name: SecretsOperationName): ActionEntry {
  const spec = secretsOperations[name];
  return {
    readOnly: spec.readOnly,
    input: spec.input,
    access: 'policy',
    handler: HANDLERS[name] as ActionEntry['handler'],
    responseElements: (output) => (spec.readOnly ? null : changeResponse(output)),
    eventSource: EVENT_SOURCE_SECRETS,
    // A destroyed secret's pages leave the WAL file too.
    ...(name === 'DeleteSecret' ? { afterCommit: (hooks: EngineHooks) => hooks.checkpointWal() } : {}),
  };
}

export const SECRETS_ACTIONS: ReadonlyMap<SecretsOperationName, ActionEntry> = new Map(
  (Object.keys(secretsOperations) as Array<SecretsOperationName>).map((n) => [n, entry(n)]),
);
