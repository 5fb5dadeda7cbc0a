// ScheduleKeyDeletion and CancelKeyDeletion. The deletion itself — when the window has passed —
// is a service event run by the engine at open and on a timer (engine.ts, purgeDueDeletions).

import type { Handler } from '../context.ts';
import { DAY_MS } from '../clock.ts';
import { keyArn } from '../identifiers.ts';
import { requireState } from '../key-state.ts';
import { resolveKey } from '../resolve.ts';

export const DEFAULT_PENDING_WINDOW_DAYS = 30;

export const scheduleKeyDeletion: Handler<'ScheduleKeyDeletion'> = (ctx, input) => {
  const key = resolveKey(ctx, input.KeyId, 'keyOnly');
  const arn = keyArn(ctx.scope, key.keyId);
  ctx.authorize('kms:ScheduleKeyDeletion', key);
  requireState('scheduleDeletion', key.keyState, arn);
  const days = input.PendingWindowInDays ?? DEFAULT_PENDING_WINDOW_DAYS;
  const deletionDate = ctx.clock.now() + days * DAY_MS;
  ctx.repo.setState(key.keyId, 'PendingDeletion', deletionDate, days);
  return { KeyId: arn, DeletionDate: new Date(deletionDate), KeyState: 'PendingDeletion', PendingWindowInDays: days };
};

export const cancelKeyDeletion: Handler<'CancelKeyDeletion'> = (ctx, input) => {
  const key = resolveKey(ctx, input.KeyId, 'keyOnly');
  const arn = keyArn(ctx.scope, key.keyId);
  ctx.authorize('kms:CancelKeyDeletion', key);
  requireState('cancelDeletion', key.keyState, arn);
  // AWS returns a key whose deletion was cancelled as Disabled, never straight to Enabled.
  ctx.repo.setState(key.keyId, 'Disabled', null, null);
  return { KeyId: arn };
};
