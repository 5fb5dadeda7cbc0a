// The engine's scheduled work: automatic rotations that are due, imported material whose ValidTo
// has passed, keys whose deletion window has passed, and expired import tokens. It runs at open,
// on a timer in long-running processes (app, endpoint), and after a developer installation's
// clock moves. Each item is its own transaction with its own AwsServiceEvent audit record, so an
// interruption loses at most the item in progress, which the next pass does again. A timer's
// pass that fails is logged and retried at the next tick: it never throws out of the timer.

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

  /** Starts the periodic pass; `pass` is the facade's (it refreshes the clock first). */
  start(pass: () => void): void {
    if (this.#timer !== null) {
      return;
    }
    this.#timer = setInterval(() => {
      try {
        pass();
      } catch (err) {
        // The next tick tries again: each item re-reads its state inside its own transaction.
        const log = this.#h.log ?? ((m: string) => process.stderr.write(`${m}\n`));
        log(`strongroom: scheduled work failed and will be retried in ${SCHEDULED_WORK_MS / 1000} s: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, SCHEDULED_WORK_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) {
      clearInterval(this.#timer);
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
