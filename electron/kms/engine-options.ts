// What opening an engine takes, and the shapes of a batch of calls (group commit).

import type { OperationName } from '../../shared/api/operations.ts';
import type { CheckpointPolicy } from './audit/checkpoints.ts';
import type { Clock } from './clock.ts';
import type { KmsError } from './errors.ts';
import type { InvokeOptions } from './pipeline.ts';
import type { RootKeyProvider, RootKeyProviderKind } from './rootkey/provider.ts';
import type { Seam } from './scheduler.ts';

export type BatchCall = { readonly name: OperationName; readonly input: unknown; readonly options?: InvokeOptions };
export type BatchResult = { readonly ok: true; readonly output: unknown } | { readonly ok: false; readonly error: KmsError };

export type CommonOptions = {
  readonly dataDir: string;
  readonly clock?: Clock;
  /** Tests only: called at each Seam. */
  readonly onSeam?: (seam: Seam) => void;
  /** CloudTrail userAgent for calls made without an explicit caller. */
  readonly userAgent?: string;
  /** When the audit head is signed: every N records, and before any record is older than M ms unsigned. */
  readonly auditCheckpoints?: Partial<CheckpointPolicy>;
};

export type InitOptions = CommonOptions & { readonly provider: RootKeyProvider; readonly region?: string; readonly accountId?: string; readonly developer?: boolean };
export type OpenOptions = CommonOptions & { readonly providerForKind: (kind: RootKeyProviderKind) => RootKeyProvider };

