// Issue 22, finding 1: a failure in the scheduled work (another process holding the write lock
// past the busy timeout: SQLITE_BUSY) must not end a long-running process. The pass is retried
// with backoff and the log hears of it once, not once a minute for as long as the lock is held.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Kms } from '../../electron/kms/engine.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { ManualClock } from '../../electron/kms/clock.ts';
import { MAX_RETRY_DELAY_MS, retryDelayMs, SCHEDULED_WORK_MS, Scheduler, type SchedulerHost } from '../../electron/kms/scheduler.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const tempDir = tempDirsRemovedAfterAll();

afterEach(() => {
  vi.useRealTimers();
});

/** A scheduler whose host is never touched: the pass given to start() is what runs. */
function schedulerLoggingTo(lines: Array<string>): Scheduler {
  return new Scheduler({ log: (m: string) => lines.push(m) } as unknown as SchedulerHost);
}

describe('scheduled work that fails (issue 22, finding 1)', () => {
  it('is retried with growing delays, logged once when it starts failing and once when it recovers', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const lines: Array<string> = [];
    const attempts: Array<number> = [];
    let failuresLeft = 4;
    const scheduler = schedulerLoggingTo(lines);
    scheduler.start(() => {
      attempts.push(Date.now());
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Database.SqliteError('database is locked', 'SQLITE_BUSY');
      }
    });
    const start = Date.now();
    vi.advanceTimersByTime(SCHEDULED_WORK_MS + 5_000 + 10_000 + 20_000 + 40_000);
    scheduler.stop();
    expect(attempts.map((t) => t - start)).toEqual([60_000, 65_000, 75_000, 95_000, 135_000]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/scheduled work .*failed: database is locked.*Retrying with backoff/);
    expect(lines[1]).toMatch(/runs again \(after 4 failed attempts\)/);
  });

  it('backs off to at most ten minutes and returns to the normal interval after a success', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(retryDelayMs(50)).toBe(MAX_RETRY_DELAY_MS);
    expect(MAX_RETRY_DELAY_MS).toBe(600_000);
  });

  it('survives a real SQLITE_BUSY from another process holding the write lock, and runs once the lock is gone', async () => {
    const dir = tempDir('strongroom-sched-');
    const clock = new ManualClock();
    const lines: Array<string> = [];
    const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider(), clock, accountId: '111122223333', region: 'local-1', log: (m) => lines.push(m) });
    const other = new Database(join(dir, 'strongroom.db'));
    try {
      // A key whose deletion falls due while the lock is held: the pass that finally runs deletes it.
      const { KeyMetadata } = await kms.invoke('CreateKey', {});
      await kms.invoke('ScheduleKeyDeletion', { KeyId: KeyMetadata.KeyId, PendingWindowInDays: 7 });
      clock.advance(8 * 24 * 3600 * 1000);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
      kms.startTimers();
      other.exec('BEGIN IMMEDIATE');
      // The pass waits out the busy timeout (10 s, real time) and fails with SQLITE_BUSY.
      vi.advanceTimersByTime(SCHEDULED_WORK_MS);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/database is locked/);
      other.exec('ROLLBACK');
      vi.advanceTimersByTime(retryDelayMs(1));
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/runs again/);
      await expect(kms.invoke('DescribeKey', { KeyId: KeyMetadata.KeyId })).rejects.toMatchObject({ name: 'NotFoundException' });
    } finally {
      other.close();
      kms.close();
    }
  }, 40_000);
});
