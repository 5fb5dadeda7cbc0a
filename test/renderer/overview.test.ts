// The overview's pure parts: keys by state, pending deletions soonest first, and the backup nudge.
import { describe, expect, it } from 'vitest';
import type { KeyRow } from '../../renderer/src/lib/keys.ts';
import { backupAge, BACKUP_NUDGE_DAYS, keysByState, pendingDeletions } from '../../renderer/src/lib/overview.ts';

const row = (KeyId: string, KeyState: string, DeletionDate?: Date): KeyRow =>
  ({ meta: { KeyId, KeyState, ...(DeletionDate === undefined ? {} : { DeletionDate }) }, aliases: [], rotation: null }) as unknown as KeyRow;

describe('overview', () => {
  it('counts keys by state, most common first', () => {
    expect(keysByState([row('a', 'Enabled'), row('b', 'Disabled'), row('c', 'Enabled'), row('d', 'PendingDeletion')])).toEqual([
      { state: 'Enabled', count: 2 },
      { state: 'Disabled', count: 1 },
      { state: 'PendingDeletion', count: 1 },
    ]);
    expect(keysByState([])).toEqual([]);
  });

  it('lists keys pending deletion with their dates, the soonest first', () => {
    const later = new Date('2027-01-20T00:00:00Z');
    const sooner = new Date('2027-01-10T00:00:00Z');
    const pending = pendingDeletions([row('a', 'PendingDeletion', later), row('b', 'Enabled'), row('c', 'PendingDeletion', sooner)]);
    expect(pending.map((p) => [p.row.meta.KeyId, p.deletionDate?.toISOString()])).toEqual([
      ['c', sooner.toISOString()],
      ['a', later.toISOString()],
    ]);
  });

  it('says how long since the last backup and nudges after a week, or when there was none', () => {
    const now = new Date('2026-12-07T12:00:00Z');
    expect(backupAge(null, now)).toMatchObject({ days: null, nudge: true });
    expect(backupAge(new Date('2026-12-07T08:00:00Z'), now)).toMatchObject({ days: 0, nudge: false, words: 'The last backup was made today.' });
    expect(backupAge(new Date('2026-12-06T08:00:00Z'), now)).toMatchObject({ days: 1, nudge: false, words: 'The last backup was made 1 day ago.' });
    expect(backupAge(new Date(now.getTime() - BACKUP_NUDGE_DAYS * 86_400_000), now)).toMatchObject({ days: BACKUP_NUDGE_DAYS, nudge: true });
  });
});
