// Durations on the command line (`strongroom dev clock advance 366d`): whole numbers with a unit,
// combinable (1d12h). Weeks and days are fixed lengths of 24-hour days, as the engine counts
// rotation periods and deletion windows.

import { UsageError } from './usage-error.ts';

const UNIT_MS: Readonly<Record<string, number>> = {
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
};

export function parseDuration(text: string, command: string): number {
  const parts = [...text.matchAll(/(\d+)([wdhms])/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed !== text) {
    throw new UsageError(`invalid duration '${text}': use a number and a unit, w d h m or s, such as 366d, 12h or 1d12h`, command);
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_MS[p[2] ?? ''] ?? 0), 0);
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new UsageError(`invalid duration '${text}': it must be more than zero`, command);
  }
  return ms;
}
