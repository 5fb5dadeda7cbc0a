// ScheduleKeyDeletion and CancelKeyDeletion. The deletion itself — when the window has passed —
// is a service event run by the engine at open and on a timer (engine.ts, purgeDueDeletions).

import type { KeyedHandler } from '../context.ts';
import { DAY_MS } from '../clock.ts';
import { keyArn } from '../identifiers.ts';

export const DEFAULT_PENDING_WINDOW_DAYS = 30;

export const scheduleKeyDeletion: KeyedHandler<'ScheduleKeyDeletion'> = (ctx, input, key) => {
  const arn = keyArn(ctx.scope, key.keyId);
  const days = input.PendingWindowInDays ?? DEFAULT_PENDING_WINDOW_DAYS;
  const deletionDate = ctx.clock.now() + days * DAY_MS;
  ctx.repo.setState(key.keyId, 'PendingDeletion', deletionDate, days);
  return { KeyId: arn, DeletionDate: new Date(deletionDate), KeyState: 'PendingDeletion', PendingWindowInDays: days };
};

export const cancelKeyDeletion: KeyedHandler<'CancelKeyDeletion'> = (ctx, input, key) => {
  const arn = keyArn(ctx.scope, key.keyId);
  // AWS returns a key whose deletion was cancelled as Disabled, never straight to Enabled.
  ctx.repo.setState(key.keyId, 'Disabled', null, null);
  return { KeyId: arn };
};
