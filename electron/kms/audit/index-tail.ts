// The audit log's unindexed tail (store/migrations/0009-audit-index-tail.ts): records are
// appended outside the indexes and enter them in batches, so one audited call's commit writes
// about one page instead of one per index. This module owns the two halves of that bargain:
// the batch (indexTailIfDue, run by whoever appends) and the two arms every indexed query is
// split into (the indexed records, and the tail scanned by seq), plus verify's check that the
// flags say what the watermark says.

import type Database from 'better-sqlite3';
import type { AuditProblem, ChainRow } from './verify.ts';

/**
 * Records the tail holds before a writer moves them into the indexes. A query scans at most
 * this many records past the indexes (~1 ms); a batch commit writes each index's pages once.
 */
export const INDEX_BATCH_RECORDS = 512;

/** The records in the indexes: with this term a query may use the partial indexes. */
export const INDEXED_ARM = 'indexed = 1';

/**
 * The records past the indexes, found by seq (the table's rowid) with no index at all. The flag
 * keeps the arms disjoint whatever it says; the watermark keeps the scan short.
 */
export const TAIL_ARM = 'seq > (SELECT indexed_through FROM audit_index_state WHERE id = 1) AND indexed = 0';

/**
 * The arms a query over audit_log is the union of. Each holds a disjoint part of the log, so
 * UNION ALL of the arms, each with the query's own conditions, is the query over every record —
 * every record but one taken out of the indexes below the watermark, which verify reports.
 */
export const AUDIT_LOG_ARMS: ReadonlyArray<string> = [INDEXED_ARM, TAIL_ARM];

export class AuditIndexTail {
  readonly #indexedThrough: Database.Statement<[], { through: number }>;
  readonly #markIndexed: Database.Statement<[number, number]>;
  readonly #advance: Database.Statement<[number]>;

  constructor(db: Database.Database) {
    this.#indexedThrough = db.prepare('SELECT indexed_through AS through FROM audit_index_state WHERE id = 1');
    this.#markIndexed = db.prepare('UPDATE audit_log SET indexed = 1 WHERE seq > ? AND seq <= ?');
    this.#advance = db.prepare('UPDATE audit_index_state SET indexed_through = ? WHERE id = 1');
  }

  /**
   * Called inside the transaction that appended record `headSeq`: once the tail is a batch long,
   * moves it into the indexes in that same transaction, so the watermark and the flags commit
   * (or roll back) with the records. One read by primary key when nothing is due.
   */
  indexTailIfDue(headSeq: number): void {
    const through = this.#indexedThrough.get()?.through ?? 0;
    if (headSeq - through < INDEX_BATCH_RECORDS) {
      return;
    }
    this.#markIndexed.run(through, headSeq);
    this.#advance.run(headSeq);
  }

  /** indexed_through, or undefined when the watermark row is gone (written outside Strongroom). */
  watermark(): number | undefined {
    return this.#indexedThrough.get()?.through;
  }
}

/** A chain row (verify.ts) with the record's index flag after it. */
export type FlaggedChainRow = readonly [number, string, string, string, number];

/**
 * verify's check of the flags, made on its one pass over the rows: the first record neither arm
 * reads — taken out of the indexes (indexed = 0) at or below the watermark, which only a write
 * outside Strongroom does, and which hides it from queries.
 */
export class IndexFlagCheck {
  readonly #through: number | undefined;
  #hidden: number | null = null;

  constructor(through: number | undefined) {
    this.#through = through;
  }

  /** The rows as the chain walker reads them, noting the first hidden record on the way. */
  *rows(flagged: Iterable<FlaggedChainRow>): Generator<ChainRow> {
    const through = this.#through ?? Infinity;
    for (const [seq, prevHash, hash, record, indexed] of flagged) {
      if (indexed === 0 && seq <= through && this.#hidden === null) {
        this.#hidden = seq;
      }
      yield [seq, prevHash, hash, record];
    }
  }

  problem(): AuditProblem | null {
    if (this.#through === undefined) {
      return { kind: 'schema-altered', detail: 'the audit index watermark (audit_index_state) is missing; it was removed outside Strongroom' };
    }
    return this.#hidden === null
      ? null
      : { kind: 'schema-altered', seq: this.#hidden, detail: `record ${this.#hidden} was taken out of the audit indexes outside Strongroom, which hides it from queries` };
  }
}
