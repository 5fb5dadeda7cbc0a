// One verifier for every form an audit log takes: the live table, an export file, an archive.
// It walks records in seq order (streaming: memory stays flat however long the log) and reports
// the first problem, naming positions a person can act on:
//
//   edited       record N's hash does not match its contents
//   missing      records N..M are gone (a gap, deleted first records, or deleted without an archive)
//   reordered    record N holds the link of a record at another position (moved or swapped)
//   broken-link  record N's prev_hash matches no record (altered, or N-1 rewritten with a new hash)
//   rewritten    checkpoint K signed record N with another hash: records were rewritten and their
//                hashes recomputed after K was signed
//   truncated    checkpoint K signed record N, but the log ends before N
//   inserted     an export holds records after the last one its own checkpoint signs
//   checkpoint-invalid / checkpoint-missing   the checkpoint chain itself is damaged
//   schema-altered   the live audit tables' definitions were changed (audit/schema.ts)
//
// Checkpoint problems come first (a damaged checkpoint chain makes the rest unprovable), then
// record problems in seq order, then truncation.

import { chainHashHex } from './chain.ts';
import type { Checkpoint, CheckpointProblem } from './checkpoints.ts';

export type AuditProblemKind =
  | 'edited'
  | 'missing'
  | 'reordered'
  | 'broken-link'
  | 'rewritten'
  | 'truncated'
  | 'inserted'
  | 'checkpoint-invalid'
  | 'checkpoint-missing'
  | 'schema-altered';

export type AuditProblem = {
  readonly kind: AuditProblemKind;
  /** The first record position the problem is at, when it is at one. */
  readonly seq?: number;
  /** The checkpoint the problem is at or was found by. */
  readonly checkpoint?: number;
  /** A sentence for people. */
  readonly detail: string;
};

/** seq, prev_hash (hex), hash (hex), canonical record text. */
export type ChainRow = readonly [number, string, string, string];

/** Where the first record must link to. */
export type ChainStart =
  /** Record 1, linked to the genesis value. */
  | { readonly kind: 'genesis' }
  /** An archive anchor: record seq + 1 must link to hash. */
  | { readonly kind: 'anchor'; readonly seq: number; readonly hashHex: string }
  /**
   * An export of a range: the first record's link is taken as given (checkpoints authenticate
   * it). With fromSeq (signed by the export's checkpoint) the first record must be that one.
   */
  | { readonly kind: 'range'; readonly fromSeq?: number };

export type WalkOptions = {
  readonly start: ChainStart;
  /** Checkpoints already checked by verifyCheckpointChain. */
  readonly checkpoints: ReadonlyArray<Checkpoint>;
  /**
   * The checkpoints whose signed record must be present (nothing cut from the end). Default: all.
   * An export of an old range holds later checkpoints for continuity but ends before their heads.
   */
  readonly tailCheckpoints?: ReadonlyArray<Checkpoint>;
  /** An export's last signed record: a record after it was added to the file. */
  readonly endSeq?: number;
  /** Rows come in file order, not sorted by seq: a gap may be a record moved elsewhere. */
  readonly fileOrder?: boolean;
  readonly onProgress?: (checked: number) => void;
};

export type WalkInput = WalkOptions & {
  readonly rows: Iterable<ChainRow>;
  /** Which record has this hash (hex), for telling a moved record from a broken link. */
  readonly ownerOfHash: (hashHex: string) => number | undefined;
};

export type WalkResult = {
  readonly problem: AuditProblem | null;
  readonly records: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  readonly headHashHex: string | null;
  /**
   * The matched checkpoint that signs the furthest record (the newest of those signing it):
   * checkpoints are numbered in time, but an export's may sign a record below the head.
   */
  readonly lastMatched: { readonly number: number; readonly headSeq: number } | null;
};

export const GENESIS_HEX = '0'.repeat(64);
const PROGRESS_INTERVAL = 10_000;

function range(from: number, to: number): string {
  return from === to ? `record ${from} is` : `records ${from}..${to} are`;
}

export function checkpointProblem(problem: CheckpointProblem): AuditProblem {
  return { kind: problem.kind, checkpoint: problem.number, detail: problem.detail };
}

/**
 * Walks a chain fed one row at a time (so a file can be streamed into it). feed() returns false
 * once a problem is found; finish() adds the end-of-log checks. A link that does not match is
 * left for the caller to classify (classifyLink), as finding the record that owns a hash needs
 * another pass over the rows.
 */
export class ChainWalker {
  readonly #options: WalkOptions;
  readonly #bySeq = new Map<number, Array<Checkpoint>>();
  #expectedSeq: number | null;
  #prevHex: string | null;
  #firstSeq: number | null = null;
  #lastSeq: number | null = null;
  #records = 0;
  #lastMatched: WalkResult['lastMatched'] = null;
  #problem: AuditProblem | null = null;
  /** A link mismatch awaiting classification: the row's seq and its prev_hash. */
  #link: { seq: number; linkHex: string } | null = null;

  constructor(options: WalkOptions) {
    this.#options = options;
    for (const checkpoint of options.checkpoints) {
      const list = this.#bySeq.get(checkpoint.body.headSeq) ?? [];
      list.push(checkpoint);
      this.#bySeq.set(checkpoint.body.headSeq, list);
    }
    const start = options.start;
    this.#expectedSeq = start.kind === 'anchor' ? start.seq + 1 : start.kind === 'genesis' ? 1 : (start.fromSeq ?? null);
    this.#prevHex = start.kind === 'anchor' ? start.hashHex.toLowerCase() : start.kind === 'genesis' ? GENESIS_HEX : null;
  }

  get link(): { seq: number; linkHex: string } | null {
    return this.#link;
  }

  feed(row: ChainRow): boolean {
    const [seq, rowPrev, rowHash, record] = row;
    const endSeq = this.#options.endSeq;
    if (endSeq !== undefined && seq > endSeq) {
      return this.#stop({ kind: 'inserted', seq, detail: `record ${seq} follows record ${endSeq}, the last one the export's own checkpoint signs: it was added to the file` });
    }
    this.#expectedSeq ??= seq;
    const expectedSeq = this.#expectedSeq;
    if (seq > expectedSeq) {
      const how = this.#options.fileOrder === true ? 'missing here (deleted, or moved elsewhere in the file)' : 'missing (deleted)';
      return this.#stop({ kind: 'missing', seq: expectedSeq, detail: `${range(expectedSeq, seq - 1)} ${how}` });
    }
    if (seq < expectedSeq) {
      // Rows come in seq order, so only a renumbered row gets here.
      return this.#stop({ kind: 'edited', seq, detail: `a record has sequence number ${seq}; the log continues at ${expectedSeq}` });
    }
    if (this.#prevHex === null && seq === 1) {
      // A range that starts at the beginning starts at the genesis value.
      this.#prevHex = GENESIS_HEX;
    }
    const linkHex = rowPrev.toLowerCase();
    if (this.#prevHex !== null && linkHex !== this.#prevHex) {
      this.#link = { seq, linkHex };
      return this.#stop(classifyLink(seq, linkHex, undefined, this.#options.start));
    }
    let computed: string;
    try {
      computed = chainHashHex(linkHex, seq, record);
    } catch {
      return this.#stop({ kind: 'edited', seq, detail: `record ${seq} was edited: its hash columns are not 32-byte values` });
    }
    if (computed !== rowHash.toLowerCase()) {
      return this.#stop({ kind: 'edited', seq, detail: `record ${seq} was edited: its hash does not match its contents` });
    }
    const signed = this.#bySeq.get(seq);
    if (signed !== undefined) {
      for (const checkpoint of signed) {
        const matched = this.#lastMatched;
        if (checkpoint.body.headHash !== computed) {
          const since = matched === null ? 'the start of the log' : `record ${matched.headSeq} (checkpoint ${matched.number}, which still matches)`;
          return this.#stop({
            kind: 'rewritten',
            seq,
            checkpoint: checkpoint.body.number,
            detail: `checkpoint ${checkpoint.body.number} signed record ${seq} with another hash: records after ${since} up to ${seq} were rewritten and their hashes recomputed`,
          });
        }
        if (matched === null || seq > matched.headSeq || checkpoint.body.number > matched.number) {
          this.#lastMatched = { number: checkpoint.body.number, headSeq: seq };
        }
      }
    }
    this.#firstSeq ??= seq;
    this.#lastSeq = seq;
    this.#prevHex = computed;
    this.#expectedSeq = seq + 1;
    this.#records++;
    if (this.#options.onProgress !== undefined && this.#records % PROGRESS_INTERVAL === 0) {
      this.#options.onProgress(this.#records);
    }
    return true;
  }

  #stop(problem: AuditProblem): false {
    this.#problem = problem;
    return false;
  }

  /** The result, with the end-of-log check: nothing a tail checkpoint signed may be missing. */
  finish(owner?: number): WalkResult {
    let problem = this.#problem;
    if (problem !== null && this.#link !== null && owner !== undefined) {
      problem = classifyLink(this.#link.seq, this.#link.linkHex, owner, this.#options.start);
    }
    const start = this.#options.start;
    const lastSeq = this.#lastSeq;
    if (problem === null) {
      let beyond: Checkpoint | null = null;
      for (const checkpoint of this.#options.tailCheckpoints ?? this.#options.checkpoints) {
        if ((lastSeq === null || checkpoint.body.headSeq > lastSeq) && (beyond === null || checkpoint.body.headSeq > beyond.body.headSeq)) {
          beyond = checkpoint;
        }
      }
      const end = lastSeq ?? (start.kind === 'anchor' ? start.seq : 0);
      if (beyond !== null && beyond.body.headSeq > end) {
        problem = {
          kind: 'truncated',
          seq: end + 1,
          checkpoint: beyond.body.number,
          detail: `the log was truncated: checkpoint ${beyond.body.number} signed record ${beyond.body.headSeq}, but the log ends at record ${end} (${range(end + 1, beyond.body.headSeq)} gone)`,
        };
      }
    }
    return {
      problem,
      records: this.#records,
      firstSeq: this.#firstSeq,
      lastSeq,
      headHashHex: lastSeq === null ? null : this.#prevHex,
      lastMatched: this.#lastMatched,
    };
  }
}

/** Walks rows that are at hand synchronously (the live table). */
export function walkChain(input: WalkInput): WalkResult {
  const walker = new ChainWalker(input);
  for (const row of input.rows) {
    if (!walker.feed(row)) {
      break;
    }
  }
  const link = walker.link;
  return walker.finish(link === null ? undefined : input.ownerOfHash(link.linkHex));
}

/** Tells a moved record (its link is the hash of a record elsewhere, `owner`) from a damaged link. */
export function classifyLink(seq: number, linkHex: string, owner: number | undefined, start: ChainStart): AuditProblem {
  const expectedWhat = start.kind === 'anchor' && seq === start.seq + 1 ? `the archive anchor (record ${start.seq})` : seq === 1 ? 'the start of the log' : `record ${seq - 1}`;
  if (linkHex === GENESIS_HEX) {
    return {
      kind: 'reordered',
      seq,
      detail: `record ${seq} is out of order: it holds the first record of the log (its prev_hash is the genesis value); records were moved or swapped`,
    };
  }
  if (owner !== undefined) {
    return {
      kind: 'reordered',
      seq,
      detail: `record ${seq} is out of order: its prev_hash is the hash of the record now at seq ${owner}, so it belongs after that one, not after ${expectedWhat}; records were moved or swapped`,
    };
  }
  return {
    kind: 'broken-link',
    seq,
    detail:
      seq === 1
        ? 'record 1 does not start the chain: its prev_hash is not the genesis value (it was altered)'
        : `record ${seq} does not link to ${expectedWhat}: its prev_hash matches no record (record ${seq}'s link was altered, or record ${seq - 1} was rewritten with a recomputed hash)`,
  };
}
