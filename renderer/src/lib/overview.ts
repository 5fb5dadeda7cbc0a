// The overview screen's pure parts (issue 23): keys counted by state, the keys pending deletion
// with their dates (soonest first), and how long ago the last backup was, with the nudge when it
// is too long or never. No DOM: tested in Node.

import type { KeyRow } from './keys.ts';
import { toDate } from './format.ts';

/** After this many days without a backup, the overview asks for one. */
export const BACKUP_NUDGE_DAYS = 7;

export type KeysByState = ReadonlyArray<{ readonly state: string; readonly count: number }>;

/** Key counts by KeyState, most common first (then by name). */
export function keysByState(rows: ReadonlyArray<KeyRow>): KeysByState {
  const counts = new Map<string, number>();
  for (const r of rows) {
    counts.set(r.meta.KeyState, (counts.get(r.meta.KeyState) ?? 0) + 1);
  }
  return [...counts].map(([state, count]) => ({ state, count })).sort((a, b) => b.count - a.count || a.state.localeCompare(b.state));
}

export type PendingDeletion = { readonly row: KeyRow; readonly deletionDate: Date | null };

/** Keys in PendingDeletion, the soonest deletion first (a key without a date last). */
export function pendingDeletions(rows: ReadonlyArray<KeyRow>): ReadonlyArray<PendingDeletion> {
  return rows
    .filter((r) => r.meta.KeyState === 'PendingDeletion')
    .map((row) => ({ row, deletionDate: toDate(row.meta.DeletionDate) }))
    .sort((a, b) => (a.deletionDate?.getTime() ?? Infinity) - (b.deletionDate?.getTime() ?? Infinity));
}

export type BackupAge = { readonly days: number | null; readonly nudge: boolean; readonly words: string };

/** How long since the last successful backup (its audit record's time), in whole days. */
export function backupAge(lastBackup: Date | null, now: Date): BackupAge {
  if (lastBackup === null) {
    return { days: null, nudge: true, words: 'No backup has been made of this installation.' };
  }
  const days = Math.max(0, Math.floor((now.getTime() - lastBackup.getTime()) / 86_400_000));
  const words = days === 0 ? 'The last backup was made today.' : `The last backup was made ${days} day${days === 1 ? '' : 's'} ago.`;
  return { days, nudge: days >= BACKUP_NUDGE_DAYS, words };
}
