// The engine's scheduled work: automatic rotations that are due, imported material whose ValidTo
// has passed, keys whose deletion window has passed, and expired import tokens. It runs at open,
// on a timer in long-running processes (app, endpoint), and after a developer installation's
// clock moves. Each item is its own transaction with its own AwsServiceEvent audit record, so an
// interruption loses at most the item in progress, which the next pass does again. A timer's
// pass that fails is retried with backoff and logged once: it never throws out of the timer.

import type { KeyObject } from 'node:crypto';
import { newRequestId } from './request-id.ts';
import type { JsonObject } from './audit/canonical.ts';
import type { AuditLog } from './audit/log.ts';
import { buildRecord } from './audit/record.ts';
import { DAY_MS, type Clock } from './clock.ts';
import { keyArn, type Scope } from './identifiers.ts';
import { destroyImportedMaterial } from './operations/import.ts';
import { rotateKey } from './operations/rotation.ts';
import type { Db } from './store/database.ts';
import type { KeyRepository } from './store/repository.ts';

/** How often a long-running process looks for due deletions, rotations and expiries. */
export const SCHEDULED_WORK_MS = 60_000;

/** The longest wait between retries of a failing pass. */
export const MAX_RETRY_DELAY_MS = 10 * SCHEDULED_WORK_MS;

/**
 * How long to wait before retrying after `failures` consecutive failed passes: 5 s, doubling,
 * at most MAX_RETRY_DELAY_MS. A lock held by another process is usually gone within seconds; a
 * lasting failure (full disk) is not hammered.
 */
export function retryDelayMs(failures: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, failures - 1), MAX_RETRY_DELAY_MS);
}

/** What one pass of scheduled work did. */
export type ScheduledWork = { readonly rotated: number; readonly expired: number; readonly deleted: number };

/**
 * Points inside the scheduled work where a test may stop the process (kill -9) to prove an
 * interrupted rotation or deletion leaves the database consistent. Production passes no hook.
 */
export type Seam = 'rotation:before-audit' | 'deletion:before-audit' | 'expiry:before-audit';

export type SchedulerHost = {
  readonly db: Db;
  readonly repo: KeyRepository;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly scope: Scope;
  readonly rootKey: () => KeyObject;
  readonly onSeam: (seam: Seam) => void;
  readonly checkpointWal: () => void;
  /** Where a failed timer pass is reported (stderr by default). */
  readonly log?: (message: string) => void;
};

export class Scheduler {
  readonly #h: SchedulerHost;
  #timer: NodeJS.Timeout | null = null;

  constructor(host: SchedulerHost) {
    this.#h = host;
  }

  run(): ScheduledWork {
    const h = this.#h;
    const rotated = this.#rotateDueKeys();
    const expired = this.#expireImportedMaterial();
    const deleted = this.purgeDueDeletions();
    const tokens = h.db.transaction(() => h.repo.deleteExpiredImportTokens(h.clock.now())).immediate();
    if (expired > 0 || tokens > 0) {
      h.checkpointWal();
    }
    h.audit.checkpointIfDue();
    return { rotated, expired, deleted };
  }

  /**
   * Starts the periodic pass; `pass` is the facade's (it refreshes the clock first). A pass that
   * fails (another process holding the write lock past the busy timeout, a full disk) never
   * throws out of the timer: it is retried after retryDelayMs(failures), and the log hears of it
   * once when it starts failing and once when it works again, not at every attempt.
   */
  start(pass: () => void): void {
    if (this.#timer !== null) {
      return;
    }
    const log = this.#h.log ?? ((m: string) => process.stderr.write(`${m}\n`));
    let failures = 0;
    const tick = (): void => {
      try {
        pass();
        if (failures > 0) {
          log(`strongroom: scheduled work runs again (after ${failures} failed attempt${failures === 1 ? '' : 's'}).`);
        }
        failures = 0;
      } catch (err) {
        failures++;
        if (failures === 1) {
          const reason = err instanceof Error ? err.message : String(err);
          log(`strongroom: scheduled work (due rotations, deletions, expiries) failed: ${reason}. Retrying with backoff from ${retryDelayMs(1) / 1000} s up to ${MAX_RETRY_DELAY_MS / 60_000} min; the next message comes when it works again.`);
        }
      }
      if (this.#timer !== null) {
        this.#timer = schedule(failures === 0 ? SCHEDULED_WORK_MS : retryDelayMs(failures));
      }
    };
    const schedule = (ms: number): NodeJS.Timeout => setTimeout(tick, ms).unref();
    this.#timer = schedule(SCHEDULED_WORK_MS);
  }

  stop(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  /**
   * Deletes every key whose deletion window has passed: its material (zeroed on disk by
   * secure_delete), aliases, tags and import tokens, with one DeleteKey service-event record each.
   */
  purgeDueDeletions(): number {
    const h = this.#h;
    const deleted = this.#eachDue(h.repo.dueDeletions(h.clock.now()), (due) => {
      const key = h.repo.getKey(due.keyId);
      if (key === null || key.keyState !== 'PendingDeletion' || (key.deletionDate ?? Infinity) > h.clock.now()) {
        return false;
      }
      h.repo.deleteKey(key.keyId);
      h.onSeam('deletion:before-audit');
      this.#serviceEvent('DeleteKey', key.keyId, {});
      return true;
    });
    if (deleted > 0) {
      h.checkpointWal();
    }
    return deleted;
  }

  /** One AwsServiceEvent record (a change the service made by itself, not a caller). */
  #serviceEvent(eventName: string, keyId: string, details: JsonObject): void {
    const h = this.#h;
    h.audit.append(
      buildRecord({
        eventName,
        eventTimeMs: h.clock.now(),
        requestId: newRequestId(),
        caller: null,
        accountId: h.scope.accountId,
        region: h.scope.region,
        readOnly: false,
        requestParameters: null,
        responseElements: null,
        resourceArns: [keyArn(h.scope, keyId)],
        eventType: 'AwsServiceEvent',
        serviceEventDetails: { keyId, ...details },
      }),
    );
  }

  /**
   * Runs `work` for each due item in its own write transaction and counts the items it did.
   * `work` re-reads what it acts on inside the lock — another process (the CLI beside a running
   * endpoint) may have done or undone it since the list was read — and returns false to skip.
   */
  #eachDue<T>(items: ReadonlyArray<T>, work: (item: T) => boolean): number {
    let done = 0;
    for (const item of items) {
      if (this.#h.db.transaction(() => work(item)).immediate()) {
        done++;
      }
    }
    return done;
  }

  #rotateDueKeys(): number {
    const h = this.#h;
    return this.#eachDue(h.repo.dueRotations(h.clock.now()), (due) => {
      const key = h.repo.getKey(due.keyId);
      const now = h.clock.now();
      if (key === null || key.keyState !== 'Enabled' || key.rotationPeriodDays === null || (key.nextRotationAt ?? Infinity) > now) {
        return false;
      }
      const material = rotateKey({ repo: h.repo, rootKey: h.rootKey(), clock: h.clock }, key, 'AUTOMATIC');
      // The next rotation counts from this one, however late it ran (a machine that was off).
      h.repo.setRotation(key.keyId, key.rotationPeriodDays, now + key.rotationPeriodDays * DAY_MS);
      h.onSeam('rotation:before-audit');
      this.#serviceEvent('RotateKey', key.keyId, { keyMaterialId: material?.materialId ?? null, rotationType: 'AUTOMATIC' });
      return true;
    });
  }

  #expireImportedMaterial(): number {
    const h = this.#h;
    return this.#eachDue(h.repo.expiredMaterial(h.clock.now()), (due) => {
      const key = h.repo.getKey(due.keyId);
      const material = h.repo.getMaterial(due.keyId, due.version);
      if (key === null || material === null || material.wrapped === null || (material.validTo ?? Infinity) > h.clock.now()) {
        return false;
      }
      destroyImportedMaterial({ repo: h.repo }, key, material);
      h.onSeam('expiry:before-audit');
      this.#serviceEvent('DeleteExpiredKeyMaterial', key.keyId, { keyMaterialId: material.materialId });
      return true;
    });
  }
}
