// Record 1 of every audit log: the installation's creation, with where its root key lives. It
// anchors the chain's beginning (losing early records then always shows as missing records) and
// tells an auditor when and how the installation was made.

import { newRequestId } from './request-id.ts';
import type { AuditLog } from './audit/log.ts';
import { buildRecord } from './audit/record.ts';
import type { Caller } from './iam/caller.ts';
import type { InstallationInfo } from './installation.ts';

export function recordCreation(audit: AuditLog, info: InstallationInfo, caller: Caller): void {
  audit.append(
    buildRecord({
      eventName: 'CreateInstallation',
      eventTimeMs: info.createdAt,
      requestId: newRequestId(),
      caller,
      accountId: info.accountId,
      region: info.region,
      readOnly: false,
      requestParameters: { accountId: info.accountId, region: info.region, rootKeyProvider: info.rootKeyProvider, developer: info.developer },
      responseElements: { installationId: info.installationId },
      resourceArns: [],
    }),
  );
}
