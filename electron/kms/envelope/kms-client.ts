// What envelope encryption needs of a KMS: calls (GenerateDataKey, Encrypt, Decrypt) and the
// installation's account and region (to recognise its own key ARNs in a file). The engine (Kms)
// is one such client, the CLI's agent connection another (the unlocked engine in `strongroom
// agent run`, so a file command skips the KDF); envelope code depends on this port, not on the
// engine, so the file format never reaches into the engine's internals and a test double can serve it.

import type { OperationName, OperationOutput } from '../../../shared/api/operations.ts';
import type { InvokeOptions } from '../pipeline.ts';

export type { InvokeOptions } from '../pipeline.ts';

export type KmsClient = {
  readonly installation: { readonly accountId: string; readonly region: string };
  invoke<N extends OperationName>(name: N, input: unknown, options?: InvokeOptions): Promise<OperationOutput<N>>;
  /** The ARN of a service's managed key (alias/aws/<service>) if it exists yet; never creates it. */
  managedKeyArn?(service: string): string | null;
};
