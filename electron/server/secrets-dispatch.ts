// Secrets Manager on the endpoint: requests whose X-Amz-Target is secretsmanager.<Operation>
// (signed for the SigV4 service 'secretsmanager') go to the engine's Secrets Manager operations,
// with the same credentials, authorization model, commit group and audit log as KMS calls.

import { isSecretsOperationName, type SecretsOperationName } from '../../shared/api/secretsmanager.ts';
import type { Kms } from '../kms/engine.ts';
import type { InvokeOptions } from '../kms/pipeline.ts';
import { toKmsError } from '../kms/errors.ts';

export const SECRETS_TARGET_PREFIX = 'secretsmanager.';
export const SECRETS_SIGNING_NAME = 'secretsmanager';

export function isSecretsTarget(target: string | undefined): boolean {
  return target !== undefined && target.startsWith(SECRETS_TARGET_PREFIX);
}

/** The operation a secretsmanager.<Operation> target names, or null when Strongroom does not serve it. */
export function secretsOperation(target: string): SecretsOperationName | null {
  const name = target.slice(SECRETS_TARGET_PREFIX.length);
  return isSecretsOperationName(name) ? name : null;
}

/** Runs one Secrets Manager call; a body that cannot be read is audited as a refused call. */
export async function serveSecrets(kms: Kms, name: SecretsOperationName, parse: () => unknown, options: InvokeOptions): Promise<Readonly<Record<string, unknown>>> {
  let input: unknown;
  try {
    input = parse();
  } catch (err) {
    throw kms.rejectSecrets(name, toKmsError(err), options);
  }
  return kms.invokeSecrets(name, input, { ...options, blobs: 'base64' });
}
