// What envelope encryption needs of a KMS: synchronous calls (keyrings run inside the file
// pipeline's synchronous header step) and the installation's account and region (to recognise its
// own key ARNs in a file). The engine (Kms) is one such client; envelope code depends on this
// port, not on the engine, so the file format never reaches into the engine's internals and a
// test double can serve it.

import type { OperationName, OperationOutput } from '../../../shared/api/operations.ts';
import type { InvokeOptions } from '../pipeline.ts';

export type { InvokeOptions } from '../pipeline.ts';

export type KmsClient = {
  readonly installation: { readonly accountId: string; readonly region: string };
  invokeSync<N extends OperationName>(name: N, input: unknown, options?: InvokeOptions): OperationOutput<N>;
};
