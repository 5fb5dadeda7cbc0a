// Querying an audit table: filters by time range, event name, key (id, ARN, or an alias as it
// was at each record's time), principal, error code, outcome and request id; newest first;
// paged with an opaque token. Every filter is served by an index on a column SQLite computes
// from the record (store/migrations/0005-audit.ts), so a page stays milliseconds at millions of
// records; the live log's newest records, not yet in the indexes, are scanned by seq beside
// them (index-tail.ts). The same code serves the live log and an imported-logs workspace (workspace.ts),
// whose table adds a source column.

import type Database from 'better-sqlite3';
import { auditQueryInput, DEFAULT_AUDIT_RESULTS, type AuditQueryRequest } from '../../../shared/api/audit.ts';
import { ValidationException } from '../errors.ts';
import { validateRequest } from '../validate.ts';
import type { AuditRecord } from './record.ts';

/**
 * A query as the shared schema types it (times as Date). Validated again here: it may come from
 * a surface (CLI flags, the bridge) as plain data.
 */
export type AuditQueryInput = { readonly [K in keyof AuditQueryRequest]?: AuditQueryRequest[K] };

export type AuditPageRecord = {
  readonly seq: number;
  readonly record: AuditRecord;
  /** Workspaces: the installation the record came from. */
  readonly installationId?: string;
};

export type AuditPage = { readonly records: ReadonlyArray<AuditPageRecord>; readonly nextToken?: string };

export type AuditTable = {
  readonly table: string;
  /** The rowid column, which breaks ties between records of the same second. Default 'seq'. */
  readonly rowid?: string;
  /**
   * Conditions that split the table into disjoint parts a query reads separately and unites: the
   * live log's indexed records and its unindexed tail (index-tail.ts). Default: one part, the table.
   */
  readonly arms?: ReadonlyArray<string>;
  /** Workspaces: resolves an Installation filter to source ids, and source ids to installation ids. */
  readonly sources?: {
    readonly find: (installation: string) => ReadonlyArray<number>;
    readonly installationId: (source: number) => string;
  };
};

/** One stretch of records during which an alias named a key. */
type AliasInterval = { readonly source: number | null; readonly keyId: string; readonly fromSeq: number; readonly toSeq: number };

/** A key a KeyId filter means, and the stretches of records (seq from, to exclusive) it means it for. */
type KeyTarget = { readonly source: number | null; readonly keyId: string; readonly ranges: Array<{ readonly fromSeq: number; readonly toSeq: number }> };

const KEY_ID_IN_ARN = /^arn:[a-z-]+:kms:[^:]*:[^:]*:key\/(.+)$/;
const ALIAS_IN_ARN = /^arn:[a-z-]+:kms:[^:]*:[^:]*:(alias\/.+)$/;
const ALIAS_EVENTS = ['CreateAlias', 'UpdateAlias', 'DeleteAlias', 'DeleteKey'];
/** log.ts's ARCHIVE_EVENT (not imported: log.ts imports this module). */
const ARCHIVE_EVENT_NAME = 'ArchiveAuditLog';

/** CloudTrail's second-precision ISO text, which the event_time column holds. */
function isoSecond(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function encodeToken(eventTime: string, rowid: number): string {
  return Buffer.from(JSON.stringify([eventTime, rowid])).toString('base64url');
}

function decodeToken(token: string): [string, number] {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Number.isSafeInteger(value[1])) {
      return [value[0], value[1] as number];
    }
  } catch {
    // Reported below.
  }
  throw new ValidationException('NextToken is not a token an audit query returned: pass the NextToken of the previous page unchanged.');
}

function keyIdOfArn(arn: unknown): string | null {
  return typeof arn === 'string' ? (KEY_ID_IN_ARN.exec(arn)?.[1] ?? null) : null;
}

export class AuditQueries {
  readonly #db: Database.Database;
  readonly #config: AuditTable;
  readonly #rowid: string;
  readonly #arms: ReadonlyArray<ReadonlyArray<string>>;
  readonly #statements = new Map<string, Database.Statement<unknown[], { rid: number; seq: number; record: string; event_time: string; source: number | null }>>();

  constructor(db: Database.Database, config: AuditTable) {
    this.#db = db;
    this.#config = config;
    this.#rowid = config.rowid ?? 'seq';
    this.#arms = config.arms === undefined ? [[]] : config.arms.map((arm) => [arm]);
  }

  /** @throws ValidationException for input the shared schema refuses or a token this query did not return. */
  query(input: AuditQueryInput): AuditPage {
    const request: AuditQueryRequest = validateRequest(auditQueryInput, input, 'bytes');
    const limit = request.MaxResults ?? DEFAULT_AUDIT_RESULTS;
    const where: Array<string> = [];
    const args: Array<string | number> = [];
    if (request.StartTime !== undefined) {
      where.push('event_time >= ?');
      args.push(isoSecond(request.StartTime));
    }
    if (request.EndTime !== undefined) {
      where.push('event_time <= ?');
      args.push(isoSecond(request.EndTime));
    }
    if (request.StartTime !== undefined && request.EndTime !== undefined && request.StartTime > request.EndTime) {
      throw new ValidationException('StartTime is after EndTime: give a range whose start comes first.');
    }
    if (request.EventName !== undefined) {
      where.push('event_name = ?');
      args.push(request.EventName);
    }
    if (request.ErrorCode !== undefined) {
      where.push('error_code = ?');
      args.push(request.ErrorCode);
    }
    if (request.Outcome !== undefined) {
      where.push(request.Outcome === 'Success' ? 'error_code IS NULL' : 'error_code IS NOT NULL');
    }
    if (request.HideReads === true) {
      where.push("((record ->> '$.readOnly') = 0 OR error_code IS NOT NULL)");
    }
    if (request.RequestId !== undefined) {
      where.push('request_id = ?');
      args.push(request.RequestId);
    }
    if (request.Principal !== undefined) {
      const arns = this.#principalArns(request.Principal);
      where.push(`principal IN (${arns.map(() => '?').join(', ')})`);
      args.push(...arns);
    }
    if (request.Installation !== undefined) {
      const sources = this.#config.sources?.find(request.Installation);
      if (sources === undefined) {
        throw new ValidationException('Installation filters only an imported-logs workspace; the live log holds one installation.');
      }
      where.push(`source IN (${sources.length === 0 ? 'NULL' : sources.map(() => '?').join(', ')})`);
      args.push(...sources);
    }
    if (request.NextToken !== undefined) {
      const [time, rowid] = decodeToken(request.NextToken);
      where.push(`(event_time, ${this.#rowid}) < (?, ?)`);
      args.push(time, rowid);
    }

    const columns = `${this.#rowid} AS rid, seq, record, event_time, ${this.#config.sources === undefined ? 'NULL' : 'source'} AS source`;
    const order = `ORDER BY event_time DESC, ${this.#rowid} DESC LIMIT ?`;
    let sql: string;
    const params: Array<string | number> = [];
    if (request.KeyId === undefined) {
      // One branch per arm, each ordered and limited on its own index, merged and limited again.
      const branches = this.#arms.map((arm) => {
        const conditions = [...arm, ...where];
        params.push(...args, limit + 1);
        return `SELECT * FROM (SELECT ${columns} FROM ${this.#config.table}${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''} ${order})`;
      });
      sql = branches.length === 1 ? (branches[0] as string) : `${branches.join(' UNION ALL ')} ORDER BY event_time DESC, rid DESC LIMIT ?`;
      if (branches.length > 1) {
        params.push(limit + 1);
      }
    } else {
      // One indexed branch per key, key column and arm, each limited, merged and limited again:
      // an OR across the two key columns would make SQLite sort every match before the LIMIT. An
      // alias that named a key several times is one branch whose seq ranges are OR'd: the index
      // on (key, time) still serves it, and the branches stay few however often it moved.
      const branches: Array<string> = [];
      for (const target of this.#keyTargets(request.KeyId)) {
        const ranges = target.ranges.some((r) => r.fromSeq <= 1 && !Number.isFinite(r.toSeq)) ? [] : target.ranges;
        for (const [column, arm] of ['key_id', 'key_id2'].flatMap((c) => this.#arms.map((a) => [c, a] as const))) {
          const conditions = [...arm, `${column} = ?`, ...where];
          const branchArgs: Array<string | number> = [target.keyId, ...args];
          if (ranges.length > 0) {
            conditions.push(`(${ranges.map(() => '(seq >= ? AND seq < ?)').join(' OR ')})`);
            branchArgs.push(...ranges.flatMap((r) => [r.fromSeq, Number.isFinite(r.toSeq) ? r.toSeq : Number.MAX_SAFE_INTEGER]));
          }
          if (target.source !== null) {
            conditions.push('source = ?');
            branchArgs.push(target.source);
          }
          branches.push(`SELECT * FROM (SELECT ${columns} FROM ${this.#config.table} WHERE ${conditions.join(' AND ')} ${order})`);
          params.push(...branchArgs, limit + 1);
        }
      }
      if (branches.length === 0) {
        return { records: [] };
      }
      sql = `${branches.join(' UNION ')} ORDER BY event_time DESC, rid DESC LIMIT ?`;
      params.push(limit + 1);
    }
    const rows = this.#prepare(sql).all(...params);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    return {
      records: page.map((row) => ({
        seq: row.seq,
        record: JSON.parse(row.record) as AuditRecord,
        ...(row.source === null || this.#config.sources === undefined ? {} : { installationId: this.#config.sources.installationId(row.source) }),
      })),
      ...(more && last !== undefined ? { nextToken: encodeToken(last.event_time, last.rid) } : {}),
    };
  }

  /** `select` (a SELECT … WHERE …, with named parameters, which every arm shares) over every arm, united. */
  #armsOf(select: string): string {
    return this.#arms.map((arm) => (arm.length === 0 ? select : `${select} AND ${arm.join(' AND ')}`)).join(' UNION ALL ');
  }

  #prepare(sql: string): Database.Statement<unknown[], { rid: number; seq: number; record: string; event_time: string; source: number | null }> {
    // A handful of filter shapes recur; each is prepared once.
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      if (this.#statements.size > 256) {
        this.#statements.clear();
      }
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** ARNs a principal filter means: an ARN as given; a name as the user, role (or root) of every account in the table. */
  #principalArns(principal: string): Array<string> {
    if (principal.startsWith('arn:')) {
      return [principal];
    }
    const accounts = this.#db
      .prepare<[], { a: string }>(`SELECT DISTINCT record ->> '$.recipientAccountId' AS a FROM (SELECT record FROM ${this.#config.table} ORDER BY ${this.#rowid} DESC LIMIT 1)${this.#config.sources === undefined ? '' : ` UNION SELECT account_id AS a FROM sources`}`)
      .all()
      .map((r) => r.a)
      .filter((a): a is string => typeof a === 'string');
    return accounts.flatMap((account) =>
      principal === 'root' ? [`arn:aws:iam::${account}:root`] : [`arn:aws:iam::${account}:user/${principal}`, `arn:aws:iam::${account}:role/${principal}`],
    );
  }

  /** The key(s) a KeyId filter means: one key for an id or key ARN; for an alias, the keys it named and when. */
  #keyTargets(keyId: string): Array<KeyTarget> {
    const fromArn = keyIdOfArn(keyId);
    const always = [{ fromSeq: 1, toSeq: Infinity }];
    if (fromArn !== null) {
      return [{ source: null, keyId: fromArn, ranges: always }];
    }
    const alias = ALIAS_IN_ARN.exec(keyId)?.[1] ?? (keyId.startsWith('alias/') ? keyId : null);
    if (alias === null) {
      return [{ source: null, keyId, ranges: always }];
    }
    const targets = new Map<string, KeyTarget>();
    for (const interval of this.#aliasHistory(alias)) {
      const id = JSON.stringify([interval.source, interval.keyId]);
      const target = targets.get(id) ?? { source: interval.source, keyId: interval.keyId, ranges: [] };
      target.ranges.push({ fromSeq: interval.fromSeq, toSeq: interval.toSeq });
      targets.set(id, target);
    }
    return [...targets.values()];
  }

  /**
   * Replays the successful alias records (and key deletions, which remove a key's aliases) to find
   * which key the alias named from which record to which. Few records: read through the
   * event_name index. Records archived away are summed up by the newest ArchiveAuditLog record,
   * which carries the aliases as they stood at its last archived record.
   */
  #aliasHistory(alias: string): Array<AliasInterval> {
    const intervals: Array<AliasInterval> = [];
    for (const [source, replay] of this.#replayAliases(Infinity)) {
      for (const interval of replay.closed) {
        if (interval.alias === alias) {
          intervals.push({ source, keyId: interval.keyId, fromSeq: interval.fromSeq, toSeq: interval.toSeq });
        }
      }
      const current = replay.open.get(alias);
      if (current !== undefined) {
        intervals.push({ source, keyId: current.keyId, fromSeq: current.fromSeq, toSeq: Infinity });
      }
    }
    return intervals;
  }

  /** Every alias and the key it named just after record `seq` (the live log; for an archive's record). */
  aliasesAt(seq: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [, replay] of this.#replayAliases(seq)) {
      for (const [alias, current] of replay.open) {
        out[alias] = current.keyId;
      }
    }
    return out;
  }

  #replayAliases(throughSeq: number): Map<number | null, { open: Map<string, { keyId: string; fromSeq: number }>; closed: Array<{ alias: string; keyId: string; fromSeq: number; toSeq: number }> }> {
    const sourceColumn = this.#config.sources === undefined ? 'NULL' : 'source';
    const replays = new Map<number | null, { open: Map<string, { keyId: string; fromSeq: number }>; closed: Array<{ alias: string; keyId: string; fromSeq: number; toSeq: number }>; since: number }>();
    const replayOf = (source: number | null) => {
      let replay = replays.get(source);
      if (replay === undefined) {
        replay = { open: new Map(), closed: [], since: 0 };
        replays.set(source, replay);
      }
      return replay;
    };
    // The newest archive record per source seeds the state at its last archived record.
    const archives = this.#db
      .prepare<[{ event: string }], { seq: number; record: string; source: number | null }>(
        `${this.#armsOf(`SELECT seq, record, ${sourceColumn} AS source FROM ${this.#config.table} WHERE event_name = @event AND error_code IS NULL`)} ORDER BY seq`,
      )
      .all({ event: ARCHIVE_EVENT_NAME });
    for (const row of archives) {
      const params = (JSON.parse(row.record) as AuditRecord).requestParameters;
      const through = params?.throughSeq;
      const aliases = params?.aliases;
      if (typeof through !== 'number' || through >= throughSeq || typeof aliases !== 'object' || aliases === null || Array.isArray(aliases)) {
        continue;
      }
      const replay = replayOf(row.source);
      if (through > replay.since) {
        replay.since = through;
        replay.open = new Map(Object.entries(aliases).filter((e): e is [string, string] => typeof e[1] === 'string').map(([a, k]) => [a, { keyId: k, fromSeq: 1 }]));
        replay.closed = [];
      }
    }
    const rows = this.#db
      .prepare<[Record<string, string>], { seq: number; record: string; source: number | null }>(
        `${this.#armsOf(`SELECT seq, record, ${sourceColumn} AS source FROM ${this.#config.table} WHERE event_name IN (${ALIAS_EVENTS.map((_, i) => `@e${i}`).join(', ')}) AND error_code IS NULL`)} ORDER BY source, seq`,
      )
      .all(Object.fromEntries(ALIAS_EVENTS.map((e, i) => [`e${i}`, e])));
    for (const row of rows) {
      const replay = replayOf(row.source);
      if (row.seq <= replay.since || row.seq > throughSeq) {
        continue;
      }
      const close = (alias: string): void => {
        const current = replay.open.get(alias);
        if (current !== undefined) {
          replay.closed.push({ alias, keyId: current.keyId, fromSeq: current.fromSeq, toSeq: row.seq + 1 });
          replay.open.delete(alias);
        }
      };
      const record = JSON.parse(row.record) as AuditRecord;
      const resources = record.resources.map((r) => keyIdOfArn(r.ARN)).filter((k): k is string => k !== null);
      if (record.eventName === 'DeleteKey') {
        for (const [alias, current] of [...replay.open]) {
          if (current.keyId === resources[0]) {
            close(alias);
          }
        }
        continue;
      }
      const alias = record.requestParameters?.aliasName;
      if (typeof alias !== 'string') {
        continue;
      }
      // The alias record itself belongs to the key it named before and to the one it names after.
      close(alias);
      const target = record.eventName === 'DeleteAlias' ? undefined : resources.at(-1);
      if (target !== undefined) {
        replay.open.set(alias, { keyId: target, fromSeq: row.seq });
      }
    }
    return replays;
  }
}
