// What opening an engine takes.

import type { CheckpointPolicy } from './audit/checkpoints.ts';
import type { Clock } from './clock.ts';
import type { RootKeyProvider, RootKeyProviderKind } from './rootkey/provider.ts';
import type { Seam } from './scheduler.ts';

export type CommonOptions = {
  readonly dataDir: string;
  readonly clock?: Clock;
  /** Tests only: called at each Seam. */
  readonly onSeam?: (seam: Seam) => void;
  /** CloudTrail userAgent for calls made without an explicit caller. */
  readonly userAgent?: string;
  /** When the audit head is signed: every N records, and before any record is older than M ms unsigned. */
  readonly auditCheckpoints?: Partial<CheckpointPolicy>;
  /** Where failures of background work (the scheduled-work timer) are reported; stderr by default. */
  readonly log?: (message: string) => void;
};

export type InitOptions = CommonOptions & { readonly provider: RootKeyProvider; readonly region?: string; readonly accountId?: string; readonly developer?: boolean };
export type OpenOptions = CommonOptions & { readonly providerForKind: (kind: RootKeyProviderKind) => RootKeyProvider };

