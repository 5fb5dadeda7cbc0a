// The developer clock (time travel): a developer installation's clock moves forward, never
// back, so the audit log's times only grow. The facade runs the scheduled work the new time
// makes due once the move is committed.

import type { StrongroomActionInput } from '../../../shared/api/strongroom-actions.ts';
import type { JsonObject } from '../audit/canonical.ts';
import type { OperationContext } from '../context.ts';
import { UnsupportedOperationException, ValidationException } from '../errors.ts';

export type ClockMove = { readonly previous: number; readonly current: number };

export function advanceClock(ctx: OperationContext, input: StrongroomActionInput<'AdvanceClock'>): ClockMove {
  if (!ctx.installation.developer) {
    throw new UnsupportedOperationException(
      'This is not a developer installation, so its clock cannot be changed. Time travel is only for installations created as developer installations.',
    );
  }
  const ms = input.AdvanceByMs;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new ValidationException('The clock can only move forward: give a positive duration such as 366d, 12h or 30m.');
  }
  const previous = ctx.clock.now();
  ctx.developerClock.advance(ms);
  return { previous, current: previous + ms };
}

export function clockMoveResponse(move: ClockMove): JsonObject {
  return { previousTime: new Date(move.previous).toISOString(), currentTime: new Date(move.current).toISOString() };
}
