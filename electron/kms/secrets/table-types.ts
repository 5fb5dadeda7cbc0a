// The shape of a Secrets Manager handler: the pipeline's context and the validated request; it
// returns the response body (Dates and bytes are encoded by the surface, as for KMS).

import type { SecretsOperationInput, SecretsOperationName } from '../../../shared/api/secretsmanager.ts';
import type { OperationContext } from '../context.ts';

export type SecretsOutput = Readonly<Record<string, unknown>>;

export type Handler<N extends SecretsOperationName> = (ctx: OperationContext, input: SecretsOperationInput<N>) => SecretsOutput;
