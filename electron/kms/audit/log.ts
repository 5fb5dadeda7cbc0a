// The audit log: an append-only, hash-chained table of CloudTrail-shaped records
// (DESIGN.md invariant 3). Every record stores the hash of the one before (see chain.ts), so
// verify() can say exactly where the stored log stops being the log that was written: which
// record was edited, which were deleted, which were moved.
//
// What a bare chain cannot detect: deleting records from the END (the remaining prefix is a
// perfectly valid chain), or rewriting the last records and recomputing their hashes. Both need
// a head remembered elsewhere — verify({ expectedHead }) checks against one; signed checkpoints
// are a separate, later piece of work.
//
// Several processes (the app, the CLI) share the database, so nothing about the head is cached
// in memory: append() reads the last row inside the write lock every time.

import type Database from 'better-sqlite3';
import { canonicalJson } from './canonical.ts';
import { chainHash, GENESIS_HASH, HASH_LENGTH, hashesEqual } from './chain.ts';
import type { AuditRecord } from './record.ts';
import { assertNoBinary } from './record.ts';

export type AuditHead = { seq: number; hash: Uint8Array };

export type VerifyProblemKind = 'edited' | 'missing' | 'reordered' | 'broken-link' | 'index-mismatch';

export type VerifyProblem = {
  kind: VerifyProblemKind;
  /** The first sequence number at which the log is wrong (for 'missing', the first missing one). */
  seq: number;
  /** A sentence for people: what is wrong, naming record positions. */
  detail: string;
};

export type VerifyReport =
  | { ok: true; records: number; headHash: Uint8Array | null }
  | { ok: false; records: number; problem: VerifyProblem };

export type VerifyOptions = {
  /**
   * A head recorded earlier (e.g. by an export or a checkpoint). The log must still contain that
   * record with that hash; this is what catches records deleted from the end.
   */
  expectedHead?: AuditHead;
  /** Called every PROGRESS_INTERVAL records with the number checked so far (for long logs). */
  onProgress?: (checked: number) => void;
};

export type AuditQuery = {
  /** At most this many records, newest first. Default 100, at most MAX_LIST_LIMIT. */
  limit?: number;
  /** Only records with seq < beforeSeq: pass the last seq of one page to get the next. */
  beforeSeq?: number;
  eventName?: string;
  errorsOnly?: boolean;
};

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;
const PROGRESS_INTERVAL = 10_000;

type Row = {
  seq: number;
  event_time: number;
  event_name: string;
  request_id: string;
  error_code: string | null;
  record: string;
  prev_hash: Uint8Array;
  hash: Uint8Array;
};

/** A first problem found while streaming, before it is classified (which needs more queries). */
type Pending =
  | { kind: 'problem'; problem: VerifyProblem }
  | { kind: 'link'; seq: number; prevHash: Uint8Array; expectedPrev: Uint8Array };

function eventTimeMsOf(record: AuditRecord): number {
  const ms = Date.parse(record.eventTime);
  if (!Number.isFinite(ms)) {
    throw new RangeError(`Audit record eventTime '${record.eventTime}' is not an ISO-8601 time.`);
  }
  return ms;
}

export class AuditLog {
  readonly #db: Database.Database;
  readonly #last: Database.Statement<[], { seq: number; hash: Uint8Array }>;
  readonly #insert: Database.Statement<[Row]>;
  readonly #count: Database.Statement<[], { n: number }>;
  readonly #all: Database.Statement<[], Row>;
  readonly #seqOfHash: Database.Statement<[Uint8Array], { seq: number }>;
  readonly #appendInTransaction: Database.Transaction<(record: AuditRecord) => AuditHead>;
  readonly #listStatements = new Map<string, Database.Statement<Array<string | number>, { seq: number; record: string }>>();

  constructor(db: Database.Database) {
    this.#db = db;
    this.#last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.#insert = db.prepare(
      `INSERT INTO audit_log (seq, event_time, event_name, request_id, error_code, record, prev_hash, hash)
       VALUES (@seq, @event_time, @event_name, @request_id, @error_code, @record, @prev_hash, @hash)`,
    );
    this.#count = db.prepare('SELECT count(*) AS n FROM audit_log');
    this.#all = db.prepare(
      'SELECT seq, event_time, event_name, request_id, error_code, record, prev_hash, hash FROM audit_log ORDER BY seq',
    );
    this.#seqOfHash = db.prepare('SELECT seq FROM audit_log WHERE hash = ? ORDER BY seq LIMIT 1');
    this.#appendInTransaction = db.transaction((record: AuditRecord) => this.#appendNow(record));
  }

  /**
   * Appends one record as seq = last + 1, chained to the last record's hash. Inside the caller's
   * transaction when there is one (so an operation and its record commit or roll back together;
   * that transaction should be IMMEDIATE, or another process may append between our read of the
   * head and our insert and this insert fails on the primary key); otherwise in its own
   * IMMEDIATE transaction, which takes the write lock before reading the head.
   * @throws AuditRecordError / CanonicalJsonError if the record holds bytes or non-JSON values.
   */
  append(record: AuditRecord): AuditHead {
    // Checked before any SQL runs, so a bad record cannot leave a half-done transaction.
    assertNoBinary(record);
    if (this.#db.inTransaction) {
      return this.#appendNow(record);
    }
    return this.#appendInTransaction.immediate(record);
  }

  #appendNow(record: AuditRecord): AuditHead {
    const text = canonicalJson(record);
    const last = this.#last.get();
    const seq = last === undefined ? 1 : last.seq + 1;
    const prevHash = last === undefined ? GENESIS_HASH : last.hash;
    const hash = chainHash(prevHash, seq, text);
    this.#insert.run({
      seq,
      event_time: eventTimeMsOf(record),
      event_name: record.eventName,
      request_id: record.requestID,
      error_code: record.errorCode ?? null,
      record: text,
      prev_hash: prevHash,
      hash,
    });
    return { seq, hash };
  }

  /** The last record's seq and hash, or null for an empty log. */
  head(): AuditHead | null {
    const last = this.#last.get();
    return last === undefined ? null : { seq: last.seq, hash: new Uint8Array(last.hash) };
  }

  count(): number {
    return this.#count.get()?.n ?? 0;
  }

  /** Records newest first, filtered. @throws RangeError for a limit that is not a positive integer. */
  list(query: AuditQuery = {}): Array<{ seq: number; record: AuditRecord }> {
    const limit = query.limit ?? DEFAULT_LIST_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`limit must be a positive integer, got ${limit}.`);
    }
    const where: Array<string> = [];
    const args: Array<string | number> = [];
    if (query.beforeSeq !== undefined) {
      where.push('seq < ?');
      args.push(query.beforeSeq);
    }
    if (query.eventName !== undefined) {
      where.push('event_name = ?');
      args.push(query.eventName);
    }
    if (query.errorsOnly === true) {
      where.push('error_code IS NOT NULL');
    }
    args.push(Math.min(limit, MAX_LIST_LIMIT));
    const sql = `SELECT seq, record FROM audit_log${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    // At most eight distinct filter shapes: each is prepared once and kept.
    let statement = this.#listStatements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#listStatements.set(sql, statement);
    }
    return statement.all(...args).map((row) => ({ seq: row.seq, record: JSON.parse(row.record) as AuditRecord }));
  }

  /**
   * Walks every record in seq order (streaming: memory stays constant however long the log) and
   * reports the first problem:
   *  - 'missing'   — a gap in the sequence (records deleted), or the log ends before expectedHead;
   *  - 'reordered' — a record's prev_hash is the hash of a record at another position (records
   *                  were swapped or renumbered);
   *  - 'broken-link' — a record's prev_hash matches no record at all (it was altered, or the
   *                  record before it was rewritten with a recomputed hash);
   *  - 'edited'    — a record's stored hash does not match its contents;
   *  - 'index-mismatch' — the query columns (event_time, event_name, request_id, error_code)
   *                  disagree with the record they index.
   * Checks per row run in that order, so a swapped pair is reported at the first of the two.
   */
  verify(options: VerifyOptions = {}): VerifyReport {
    let prevSeq = 0;
    let prevHash: Uint8Array = GENESIS_HASH;
    let checked = 0;
    let pending: Pending | null = null;
    const expected = options.expectedHead;
    for (const row of this.#all.iterate()) {
      pending = this.#checkRow(row, prevSeq, prevHash);
      if (pending === null && expected !== undefined && row.seq === expected.seq && !hashesEqual(row.hash, expected.hash)) {
        pending = {
          kind: 'problem',
          problem: {
            kind: 'edited',
            seq: row.seq,
            detail: `record ${row.seq} does not match the expected head: the log was rewritten from record ${row.seq} or earlier, with its hashes recomputed`,
          },
        };
      }
      if (pending !== null) {
        // Leaving the loop ends the iteration, freeing the connection for classifying queries.
        break;
      }
      checked++;
      prevSeq = row.seq;
      prevHash = row.hash;
      if (options.onProgress !== undefined && checked % PROGRESS_INTERVAL === 0) {
        options.onProgress(checked);
      }
    }
    if (pending === null && expected !== undefined && prevSeq < expected.seq) {
      pending = {
        kind: 'problem',
        problem: {
          kind: 'missing',
          seq: prevSeq + 1,
          detail: `${range(prevSeq + 1, expected.seq)} missing (deleted from the end): the log ends at record ${prevSeq} but the expected head is record ${expected.seq}`,
        },
      };
    }
    if (pending === null) {
      return { ok: true, records: checked, headHash: checked === 0 ? null : new Uint8Array(prevHash) };
    }
    return { ok: false, records: checked, problem: this.#classify(pending) };
  }

  #checkRow(row: Row, prevSeq: number, prevHash: Uint8Array): Pending | null {
    const seq = row.seq;
    if (seq > prevSeq + 1) {
      return {
        kind: 'problem',
        problem: { kind: 'missing', seq: prevSeq + 1, detail: `${range(prevSeq + 1, seq - 1)} missing (deleted)` },
      };
    }
    if (seq < 1) {
      // Only the first row can be here (rows come in seq order); seq is part of the hash input,
      // so a renumbered row is an edit.
      return {
        kind: 'problem',
        problem: { kind: 'edited', seq, detail: `a record has sequence number ${seq}; sequence numbers start at 1` },
      };
    }
    if (!(row.prev_hash instanceof Uint8Array) || !(row.hash instanceof Uint8Array) || row.hash.length !== HASH_LENGTH) {
      return {
        kind: 'problem',
        problem: { kind: 'edited', seq, detail: `record ${seq} was edited: its hash columns are not ${HASH_LENGTH}-byte values` },
      };
    }
    if (!hashesEqual(row.prev_hash, prevHash)) {
      return { kind: 'link', seq, prevHash: new Uint8Array(row.prev_hash), expectedPrev: new Uint8Array(prevHash) };
    }
    if (typeof row.record !== 'string' || !hashesEqual(chainHash(row.prev_hash, seq, row.record), row.hash)) {
      return {
        kind: 'problem',
        problem: { kind: 'edited', seq, detail: `record ${seq} was edited: its hash does not match its contents` },
      };
    }
    const mismatch = indexMismatch(row);
    if (mismatch !== null) {
      return {
        kind: 'problem',
        problem: { kind: 'index-mismatch', seq, detail: `record ${seq}'s ${mismatch} column was edited: it does not match the record` },
      };
    }
    return null;
  }

  /** Tells a moved record from a damaged link: does its prev_hash belong to some other record? */
  #classify(pending: Pending): VerifyProblem {
    if (pending.kind === 'problem') {
      return pending.problem;
    }
    const { seq, prevHash } = pending;
    const expectedWhat = seq === 1 ? 'the start of the log' : `record ${seq - 1}`;
    if (hashesEqual(prevHash, GENESIS_HASH)) {
      return {
        kind: 'reordered',
        seq,
        detail: `record ${seq} is out of order: it holds the first record of the log (its prev_hash is the genesis value); records were moved or swapped`,
      };
    }
    const owner = this.#seqOfHash.get(prevHash);
    if (owner !== undefined) {
      return {
        kind: 'reordered',
        seq,
        detail: `record ${seq} is out of order: its prev_hash is the hash of the record now at seq ${owner.seq}, so it belongs after that one, not after ${expectedWhat}; records were moved or swapped`,
      };
    }
    return {
      kind: 'broken-link',
      seq,
      detail:
        seq === 1
          ? 'record 1 does not start the chain: its prev_hash is not the genesis value (it was altered)'
          : `record ${seq} does not link to record ${seq - 1}: its prev_hash matches no record (record ${seq}'s link was altered, or record ${seq - 1} was rewritten with a recomputed hash)`,
    };
  }
}

function range(from: number, to: number): string {
  return from === to ? `record ${from} is` : `records ${from}..${to} are`;
}

/** Which indexed column disagrees with the (hash-verified) record text, or null. */
function indexMismatch(row: Row): string | null {
  let record: Partial<AuditRecord>;
  try {
    record = JSON.parse(row.record) as Partial<AuditRecord>;
  } catch {
    return 'record';
  }
  if (row.event_name !== record.eventName) {
    return 'event_name';
  }
  if (row.request_id !== record.requestID) {
    return 'request_id';
  }
  if (row.error_code !== (record.errorCode ?? null)) {
    return 'error_code';
  }
  if (typeof record.eventTime !== 'string' || row.event_time !== Date.parse(record.eventTime)) {
    return 'event_time';
  }
  return null;
}
