// The audit log's query input, declared once for every surface that queries it (the CLI's
// `audit query`, the app's audit screen, an imported-logs workspace). Names follow CloudTrail's
// LookupEvents: StartTime, EndTime, MaxResults, NextToken. No Node or DOM APIs here.

import { bool, int, str, struct, time, type Infer } from './schema.ts';

export const AUDIT_OUTCOMES = ['Success', 'Failure'] as const;
export const MAX_AUDIT_RESULTS = 1000;
export const DEFAULT_AUDIT_RESULTS = 100;

export const auditQueryInput = struct({
  /** Records at or after this time (second precision, as records are). */
  StartTime: time(),
  /** Records at or before this time. */
  EndTime: time(),
  EventName: str({ min: 1, max: 128, pattern: /^[A-Za-z0-9]+$/ }),
  /** A key id, key ARN, alias name or alias ARN; an alias means the key(s) it named at each record's time. */
  KeyId: str({ min: 1, max: 2048 }),
  /** An IAM ARN (user, role, assumed-role session, root), or a user or role name, or 'root'. */
  Principal: str({ min: 1, max: 2048 }),
  ErrorCode: str({ min: 1, max: 128, pattern: /^[A-Za-z0-9.]+$/ }),
  Outcome: str({ enum: AUDIT_OUTCOMES }),
  /**
   * True leaves out reads that succeeded (CloudTrail's readOnly records: Describe, List, Get, and
   * Decrypt); changes stay, and so does every failure and denial, reads included.
   */
  HideReads: bool(),
  RequestId: str({ min: 1, max: 128 }),
  /** Imported workspaces only: records from one installation (its id or label). */
  Installation: str({ min: 1, max: 128 }),
  MaxResults: int({ min: 1, max: MAX_AUDIT_RESULTS }),
  NextToken: str({ min: 1, max: 1024 }),
});

export type AuditQueryRequest = Infer<typeof auditQueryInput>;
