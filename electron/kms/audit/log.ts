// The audit log: an append-only, hash-chained table of CloudTrail-shaped records
// (docs/architecture.md, invariant 3). Every record stores the hash of the one before (see
// chain.ts), so verify() can say exactly where the stored log stops being the log that was written:
// which record was edited, which were deleted, which were moved. Signed checkpoints
// (checkpoints.ts) cover what a bare chain cannot: records deleted from the end, or rewritten with
// recomputed hashes. An archive (archive.ts) moves old records to a file and leaves an anchor the
// live chain continues from.
//
// Several processes (the app, the CLI) share the database, so nothing about the head is cached
// in memory: append() reads the last row inside the write lock every time.

import type { KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import { canonicalJson } from './canonical.ts';
import { chainHash, GENESIS_HASH } from './chain.ts';
import {
  CheckpointStore,
  publicKeyFingerprint,
  readPublicKey,
  spkiOf,
  verifyCheckpointChain,
  type Checkpoint,
  type CheckpointReason,
  type CheckpointSigner,
} from './checkpoints.ts';
import { AuditQueries, type AuditPage, type AuditQueryInput } from './query.ts';
import type { AuditRecord } from './record.ts';
import { assertNoBinary } from './record.ts';
import { AUDIT_LOG_ARMS, AuditIndexTail, IndexFlagCheck, type FlaggedChainRow } from './index-tail.ts';
import { checkAuditSchema } from './schema.ts';
import { checkpointProblem, walkChain, type AuditProblem, type ChainStart, type WalkResult } from './verify.ts';

export type AuditHead = { seq: number; hash: Uint8Array };

/** Where the checkpoints' public key came from: the caller's trusted copy, or the database itself. */
export type KeyTrust = 'trusted-key' | 'installation-key' | 'no-key';

export type VerifyReport = {
  readonly ok: boolean;
  readonly records: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  /** Hex hash of the last record, null for an empty log. */
  readonly headHash: string | null;
  /** The archive anchor the live log continues from, if records were archived. */
  readonly archivedThrough: number | null;
  readonly checkpoints: {
    readonly count: number;
    readonly keyFingerprint: string | null;
    readonly trust: KeyTrust;
    /** The newest checkpoint whose signed record is in the log with the signed hash. */
    readonly lastMatched: { readonly number: number; readonly headSeq: number } | null;
  };
  /** Records after the newest matched checkpoint: not yet covered by a signature. */
  readonly unsignedRecords: number;
  readonly problem?: AuditProblem;
};

export type VerifyOptions = {
  /** The installation's audit public key as the caller holds it (PEM or DER); otherwise the database's own is used. */
  readonly trustedPublicKey?: KeyObject;
  /** Checkpoints kept elsewhere (exported earlier): the log must still hold what they signed. */
  readonly externalCheckpoints?: ReadonlyArray<Checkpoint>;
  /** Called every 10,000 records with the number checked so far. */
  readonly onProgress?: (checked: number) => void;
};

export type AuditLogOptions = {
  /** Present in an open engine (which holds the root key): appends make count-based checkpoints. */
  readonly signer?: CheckpointSigner;
  /** Milliseconds since the epoch, for checkpoint times. */
  readonly now?: () => number;
};

export const ARCHIVE_EVENT = 'ArchiveAuditLog';

export class AuditLog {
  readonly #db: Database.Database;
  readonly #signer: CheckpointSigner | null;
  readonly #now: () => number;
  readonly #checkpoints: CheckpointStore;
  readonly #queries: AuditQueries;
  readonly #last: Database.Statement<[], { seq: number; hash: Uint8Array }>;
  readonly #lastArchived: Database.Statement<[], { seq: number; hash: Uint8Array }>;
  readonly #insert: Database.Statement<[{ seq: number; record: string; prev_hash: Uint8Array; hash: Uint8Array }]>;
  readonly #count: Database.Statement<[], { n: number }>;
  readonly #rows: Database.Statement<[], FlaggedChainRow>;
  readonly #seqOfHash: Database.Statement<[Buffer], { seq: number }>;
  readonly #eventTimeOf: Database.Statement<[number], { t: string }>;
  readonly #appendInTransaction: Database.Transaction<(record: AuditRecord) => AuditHead>;
  readonly #indexTail: AuditIndexTail;

  constructor(db: Database.Database, options: AuditLogOptions = {}) {
    this.#db = db;
    this.#signer = options.signer ?? null;
    this.#now = options.now ?? Date.now;
    this.#checkpoints = new CheckpointStore(db);
    this.#queries = new AuditQueries(db, { table: 'audit_log', arms: AUDIT_LOG_ARMS });
    this.#last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.#lastArchived = db.prepare('SELECT through_seq AS seq, through_hash AS hash FROM audit_archives ORDER BY through_seq DESC LIMIT 1');
    // Outside the indexes until the tail is a batch long (index-tail.ts).
    this.#insert = db.prepare('INSERT INTO audit_log (seq, record, prev_hash, hash, indexed) VALUES (@seq, @record, @prev_hash, @hash, 0)');
    this.#indexTail = new AuditIndexTail(db);
    this.#count = db.prepare('SELECT count(*) AS n FROM audit_log');
    // Hashes as hex text: far cheaper to read than as Buffers, and the verifier hashes hex.
    // With each record's index flag, which verify checks on the same pass (index-tail.ts).
    this.#rows = db.prepare<[], FlaggedChainRow>('SELECT seq, hex(prev_hash), hex(hash), record, indexed FROM audit_log ORDER BY seq').raw(true);
    this.#seqOfHash = db.prepare('SELECT seq FROM audit_log WHERE hash = ? ORDER BY seq LIMIT 1');
    this.#eventTimeOf = db.prepare('SELECT event_time AS t FROM audit_log WHERE seq = ?');
    this.#appendInTransaction = db.transaction((record: AuditRecord) => this.#appendNow(record));
  }

  /**
   * Appends one record as seq = last + 1, chained to the last record's hash. Inside the caller's
   * transaction when there is one (so an operation and its record commit or roll back together;
   * that transaction should be IMMEDIATE, or another process may append between our read of the
   * head and our insert and this insert fails on the primary key); otherwise in its own
   * IMMEDIATE transaction, which takes the write lock before reading the head. With a signer,
   * every DEFAULT_CHECKPOINT_EVERY_RECORDS-th record is signed in the same transaction.
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
    // An archive that took every record leaves the table empty: the chain continues from its anchor.
    const last = this.#last.get() ?? this.#lastArchived.get();
    const seq = last === undefined ? 1 : last.seq + 1;
    const prevHash = last === undefined ? GENESIS_HASH : last.hash;
    const hash = chainHash(prevHash, seq, text);
    // A trigger could swallow the insert without an error; verify reports such a trigger, and
    // this refuses to report a record as written that is not.
    if (this.#insert.run({ seq, record: text, prev_hash: prevHash, hash }).changes !== 1) {
      throw new Error(`Audit record ${seq} was not stored; the audit tables were altered (verifying the log shows how).`);
    }
    this.#indexTail.indexTailIfDue(seq);
    // Read from the database each time (one indexed read), never cached: a cache would survive a
    // rolled-back transaction, and another process may have signed meanwhile.
    const signer = this.#signer;
    if (signer !== null && seq - signer.signedThrough() >= signer.policy.everyRecords) {
      signer.create(seq, hash, 'count', this.#now());
    }
    return { seq, hash };
  }

  /**
   * Signs the head now (on demand, before an export or archive). Returns the new checkpoint, or
   * the newest one when it already signs the head and `force` is not set.
   * @throws Error without a signer (a log opened without the root key cannot sign).
   */
  checkpoint(reason: CheckpointReason, options: { force?: boolean; seq?: number; firstSeq?: number } = {}): Checkpoint {
    const signer = this.#requireSigner();
    return this.#db
      .transaction(() => {
        const head = this.#last.get();
        const seq = options.seq ?? head?.seq ?? 0;
        const last = signer.last();
        if (options.force !== true && options.firstSeq === undefined && last !== null && last.body.headSeq === seq) {
          return last;
        }
        const row = seq === 0 ? undefined : this.#db.prepare<[number], { hash: Uint8Array }>('SELECT hash FROM audit_log WHERE seq = ?').get(seq);
        if (seq !== 0 && row === undefined) {
          throw new RangeError(`There is no audit record ${seq} to sign.`);
        }
        return signer.create(seq, row === undefined ? GENESIS_HASH : new Uint8Array(row.hash), reason, this.#now(), options.firstSeq);
      })
      .immediate();
  }

  /**
   * Time-based checkpoints: signs the head when the oldest record not yet covered by a
   * checkpoint is older than the policy's interval. Cheap when nothing is due (two indexed reads).
   * Returns the checkpoint made, or null.
   */
  checkpointIfDue(): Checkpoint | null {
    const signer = this.#signer;
    if (signer === null) {
      return null;
    }
    const head = this.#last.get();
    const signedSeq = signer.signedThrough();
    if (head === undefined || head.seq <= signedSeq) {
      return null;
    }
    const oldestUnsigned = this.#eventTimeOf.get(signedSeq + 1);
    const age = oldestUnsigned === undefined ? 0 : this.#now() - Date.parse(oldestUnsigned.t);
    if (!(age >= signer.policy.everyMs)) {
      return null;
    }
    return this.checkpoint('time');
  }

  #requireSigner(): CheckpointSigner {
    if (this.#signer === null) {
      throw new Error('Checkpoints are signed by an open engine: this audit log was opened without the root key.');
    }
    return this.#signer;
  }

  /** Every checkpoint, oldest first. */
  checkpoints(): Array<Checkpoint> {
    return this.#checkpoints.all();
  }

  /** The installation's audit public key (SPKI DER) and its fingerprint; null before the engine first opened. */
  publicKey(): { fingerprint: string; spki: Uint8Array } | null {
    return this.#checkpoints.publicKey();
  }

  /** The last record's seq and hash, or null for an empty log. */
  head(): AuditHead | null {
    const last = this.#last.get();
    return last === undefined ? null : { seq: last.seq, hash: new Uint8Array(last.hash) };
  }

  count(): number {
    return this.#count.get()?.n ?? 0;
  }

  /** Records newest first, filtered and paged (see query.ts). @throws ValidationException for a bad query. */
  query(input: AuditQueryInput = {}): AuditPage {
    return this.#queries.query(input);
  }

  /**
   * Records per hour or day by outcome (the app's activity chart), oldest first. Times are the
   * records' own (UTC); an empty bucket is absent.
   */
  activity(bucket: 'hour' | 'day', start?: Date, end?: Date): Array<{ start: string; success: number; failure: number }> {
    const width = bucket === 'hour' ? 13 : 10;
    const rows = this.#db
      .prepare<[{ start: string; end: string }], { b: string; ok: number; failed: number }>(
        `SELECT substr(event_time, 1, ${width}) AS b, sum(error_code IS NULL) AS ok, sum(error_code IS NOT NULL) AS failed
         FROM (${AUDIT_LOG_ARMS.map((arm) => `SELECT event_time, error_code FROM audit_log WHERE ${arm} AND event_time >= @start AND event_time <= @end`).join(' UNION ALL ')})
         GROUP BY b ORDER BY b`,
      )
      .all({ start: start === undefined ? '' : `${start.toISOString().slice(0, 19)}Z`, end: end === undefined ? '\uffff' : `${end.toISOString().slice(0, 19)}Z` });
    return rows.map((r) => ({ start: bucket === 'hour' ? `${r.b}:00:00Z` : `${r.b}T00:00:00Z`, success: r.ok, failure: r.failed }));
  }

  /** Every alias and the key it named just after record `seq` (an archive records them). */
  aliasesAt(seq: number): Record<string, string> {
    return this.#queries.aliasesAt(seq);
  }

  /**
   * Records from `fromSeq` on, oldest first, with their chain hashes (lower-case hex): what a
   * ceremony transcript lists and `ceremony verify-transcript` looks up.
   */
  recordsFrom(fromSeq: number): Array<{ seq: number; hash: string; record: AuditRecord }> {
    return this.#db
      .prepare<[number], { seq: number; hash: string; record: string }>('SELECT seq, lower(hex(hash)) AS hash, record FROM audit_log WHERE seq >= ? ORDER BY seq')
      .all(fromSeq)
      .map((r) => ({ seq: r.seq, hash: r.hash, record: JSON.parse(r.record) as AuditRecord }));
  }

  /** query() without paging: the newest `limit` records matching. */
  list(input: AuditQueryInput = {}): Array<{ seq: number; record: AuditRecord }> {
    return this.query(input).records.map((r) => ({ seq: r.seq, record: r.record }));
  }

  /**
   * Checks the whole log: the audit tables' definitions, the checkpoint chain (signatures under
   * the trusted key, or the installation's own when none is given, and continuity), then every
   * record in seq order against its predecessor, its own hash and every checkpoint that signed
   * it, then that nothing a checkpoint signed has gone from the end. Reports the first problem.
   */
  verify(options: VerifyOptions = {}): VerifyReport {
    const stored = this.#checkpoints.publicKey();
    const key = options.trustedPublicKey ?? (stored === null ? null : readPublicKey(stored.spki));
    const trust: KeyTrust = options.trustedPublicKey !== undefined ? 'trusted-key' : stored === null ? 'no-key' : 'installation-key';
    const checkpoints = this.#checkpoints.all();
    const external = options.externalCheckpoints ?? [];
    const installationId = this.#db.prepare<[], { id: string }>('SELECT installation_id AS id FROM installation WHERE id = 1').get()?.id ?? '';
    const anchor = this.#anchor();
    const summary = (walk: Omit<WalkResult, 'problem'>, problem: AuditProblem | null): VerifyReport => ({
      ok: problem === null,
      records: walk.records,
      firstSeq: walk.firstSeq,
      lastSeq: walk.lastSeq,
      headHash: walk.headHashHex,
      archivedThrough: anchor?.seq ?? null,
      checkpoints: { count: checkpoints.length, keyFingerprint: key === null ? null : publicKeyFingerprint(spkiOf(key)), trust, lastMatched: walk.lastMatched },
      unsignedRecords: walk.lastSeq === null ? 0 : walk.lastSeq - Math.max(walk.lastMatched?.headSeq ?? 0, (walk.firstSeq ?? 1) - 1),
      ...(problem === null ? {} : { problem }),
    });
    const empty = { records: 0, firstSeq: null, lastSeq: null, headHashHex: null, lastMatched: null };

    const schemaProblem = checkAuditSchema(this.#db);
    if (schemaProblem !== null) {
      return summary(empty, schemaProblem);
    }
    if (key !== null) {
      for (const [chain, whole] of [[checkpoints, true], [external, false]] as const) {
        const problem = verifyCheckpointChain(chain, key, installationId, whole);
        if (problem !== null) {
          return summary(empty, checkpointProblem(problem));
        }
      }
    } else if (checkpoints.length > 0) {
      return summary(empty, { kind: 'checkpoint-invalid', checkpoint: 1, detail: 'the log has checkpoints but the installation has no audit public key to check them with (its key row was removed)' });
    }
    const start: ChainStart = anchor === null ? { kind: 'genesis' } : { kind: 'anchor', seq: anchor.seq, hashHex: anchor.hashHex };
    const flags = new IndexFlagCheck(this.#indexTail.watermark());
    const walk = walkChain({
      rows: flags.rows(this.#rows.iterate()),
      start,
      checkpoints: [...checkpoints, ...external],
      ownerOfHash: (hex) => this.#seqOfHash.get(Buffer.from(hex, 'hex'))?.seq,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    if (walk.problem !== null) {
      return summary(walk, walk.problem);
    }
    if (anchor !== null && !this.#archiveRecorded(anchor.seq)) {
      return summary(walk, {
        kind: 'missing',
        seq: 1,
        detail: `${anchor.seq === 1 ? 'record 1 is' : `records 1..${anchor.seq} are`} missing: an archive anchor says they were archived, but no ${ARCHIVE_EVENT} record for them is in the chain (they were deleted and the anchor forged)`,
      });
    }
    // After the chain: a record edited or moved is reported as such, not as its index flag.
    return summary(walk, flags.problem());
  }

  /** The newest archive's anchor: the last archived record's seq and hash. */
  #anchor(): { seq: number; hashHex: string } | null {
    const row = this.#db.prepare<[], { seq: number; hash: string }>('SELECT through_seq AS seq, hex(through_hash) AS hash FROM audit_archives ORDER BY through_seq DESC LIMIT 1').get();
    return row === undefined ? null : { seq: row.seq, hashHex: row.hash };
  }

  /** Whether the (verified) chain holds a successful archive record for records through `seq`. */
  #archiveRecorded(seq: number): boolean {
    const rows = this.#db
      .prepare<[{ event: string }], { record: string }>(AUDIT_LOG_ARMS.map((arm) => `SELECT record FROM audit_log WHERE ${arm} AND event_name = @event`).join(' UNION ALL '))
      .all({ event: ARCHIVE_EVENT });
    return rows.some((row) => {
      const record = JSON.parse(row.record) as AuditRecord;
      return record.errorCode === undefined && record.requestParameters?.throughSeq === seq;
    });
  }
}

