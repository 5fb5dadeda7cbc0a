// Exporting and archiving the live log (both need the engine: an export ends with a checkpoint
// that signs its last record, and the audit-signing key is unwrapped only in an open engine).
//
// Archive = export + verify + prune, never less: records leave the live table only after the
// archive file has been written, synced, read back and verified, and its last hash matches the
// live record it ends at. The prune, the anchor row and the ArchiveAuditLog record commit
// together, so the live chain verifies from the anchor and names the archive it continues.

import { basename } from 'node:path';
import type Database from 'better-sqlite3';
import { ValidationException } from '../errors.ts';
import type { JsonObject } from './canonical.ts';
import { readPublicKey } from './checkpoints.ts';
import { AUDIT_LOG_ARMS } from './index-tail.ts';
import { readExport, verifyExport, writeExport, type ExportLayout, type ExportSummary } from './export.ts';
import { ARCHIVE_EVENT, type AuditLog } from './log.ts';

/** What the engine lends this module. */
export type AuditHost = {
  readonly db: Database.Database;
  readonly audit: AuditLog;
  readonly installation: { readonly installationId: string; readonly accountId: string; readonly region: string };
  readonly now: () => number;
  /** Runs `act` in a write transaction with a Strongroom audit record (or a failure record). */
  readonly audited: <T>(eventName: string, requestParameters: JsonObject, response: (result: T) => JsonObject | null, act: () => T) => T;
};

export type ExportOptions = {
  readonly file: string;
  readonly layout?: ExportLayout;
  readonly gzip?: boolean;
  readonly force?: boolean;
  readonly startTime?: Date;
  readonly endTime?: Date;
};

export type ArchiveOptions = {
  readonly file: string;
  /** Records strictly before this time are archived. */
  readonly before: Date;
  readonly layout?: ExportLayout;
  readonly gzip?: boolean;
  readonly force?: boolean;
};

export type ArchiveSummary = ExportSummary & { readonly throughSeq: number; readonly remaining: number };

function iso(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The first and last seq of the records meeting every condition (none: the whole log). */
function seqRange(db: Database.Database, conditions: ReadonlyArray<string>, args: ReadonlyArray<string>): { from: number; to: number } | null {
  // Time conditions are served by the indexes for indexed records and by a scan of the short tail.
  const arms = conditions.length === 0 ? ['SELECT min(seq) AS lo, max(seq) AS hi FROM audit_log'] : AUDIT_LOG_ARMS.map((arm) => `SELECT min(seq) AS lo, max(seq) AS hi FROM audit_log WHERE ${[arm, ...conditions].join(' AND ')}`);
  const row = db
    .prepare<Array<string>, { lo: number | null; hi: number | null }>(`SELECT min(lo) AS lo, max(hi) AS hi FROM (${arms.join(' UNION ALL ')})`)
    .get(...arms.flatMap(() => args));
  return row?.lo == null || row.hi == null ? null : { from: row.lo, to: row.hi };
}

async function exportRange(
  host: AuditHost,
  from: number,
  to: number,
  reason: 'export' | 'archive',
  options: ExportOptions,
  beforeName?: (summary: ExportSummary) => void,
): Promise<ExportSummary> {
  // Always a new checkpoint: it signs the range's first seq too, so a file cut at either end fails.
  const own = host.audit.checkpoint(reason, { seq: to, firstSeq: from });
  const key = host.audit.publicKey();
  if (key === null) {
    throw new Error('The installation has no audit-signing key.');
  }
  return writeExport(
    {
      db: host.db,
      header: { installationId: host.installation.installationId, accountId: host.installation.accountId, region: host.installation.region },
      publicKeySpki: key.spki,
      fromSeq: from,
      toSeq: to,
      checkpoints: host.audit.checkpoints().filter((c) => c.body.number <= own.body.number),
      exportedAtMs: host.now(),
    },
    options.file,
    options.layout ?? 'jsonl',
    options.gzip ?? false,
    options.force ?? false,
    beforeName,
  );
}

function summaryJson(summary: ExportSummary): JsonObject {
  return { file: basename(summary.file), records: summary.records, firstSeq: summary.firstSeq, lastSeq: summary.lastSeq, sha256: summary.sha256, checkpoint: summary.checkpoint };
}

/**
 * Exports the records of a time range (default: all), ending with a checkpoint that signs the
 * last one. Audited as ExportAuditLog once the file is complete and durable but before it is
 * named, so a killed export never leaves a named file the log does not know of; a file that then
 * cannot be named is recorded as that export's failure too (as backup create does).
 */
export async function exportAuditLog(host: AuditHost, options: ExportOptions): Promise<ExportSummary> {
  const where: Array<string> = [];
  const args: Array<string> = [];
  if (options.startTime !== undefined) {
    where.push('event_time >= ?');
    args.push(iso(options.startTime));
  }
  if (options.endTime !== undefined) {
    where.push('event_time <= ?');
    args.push(iso(options.endTime));
  }
  const params: JsonObject = {
    file: basename(options.file),
    layout: options.layout ?? 'jsonl',
    gzip: options.gzip ?? false,
    ...(options.startTime === undefined ? {} : { startTime: options.startTime.toISOString() }),
    ...(options.endTime === undefined ? {} : { endTime: options.endTime.toISOString() }),
  };
  try {
    const range = seqRange(host.db, where, args);
    if (range === null) {
      throw new ValidationException('No audit records fall in that time range: nothing to export. Widen the time range.', { inputs: ['startTime', 'endTime'] });
    }
    return await exportRange(host, range.from, range.to, 'export', options, (summary) => {
      host.audited('ExportAuditLog', params, summaryJson, () => summary);
    });
  } catch (err) {
    // Records the failure (the file's, or its naming's after its record) and throws it as the engine's error.
    return host.audited('ExportAuditLog', params, () => null, () => {
      throw err;
    });
  }
}

/**
 * Archives every record before `before`: export, read back and verify (under the installation's
 * key), then prune with an anchor, in that order. Refused if nothing is old enough. Unlike an
 * export, the file is named before its record: the record commits the prune, and a prune whose
 * file could still be a staging file (removed by a later run) would lose records. A kill in
 * between leaves a whole, verifiable archive and an unpruned log.
 */
export async function archiveAuditLog(host: AuditHost, options: ArchiveOptions): Promise<ArchiveSummary> {
  const params: JsonObject = { archiveFile: basename(options.file), before: options.before.toISOString() };
  let prepared: { range: { from: number; to: number }; summary: ExportSummary; throughHash: string };
  try {
    prepared = await writeAndCheckArchive(host, options);
  } catch (err) {
    // Records the refusal and throws it as the engine's error; nothing was pruned.
    return host.audited(ARCHIVE_EVENT, params, () => null, () => {
      throw err;
    });
  }
  const { range, summary, throughHash } = prepared;
  const archived: JsonObject = {
    ...params,
    throughSeq: range.to,
    firstSeq: range.from,
    archiveSha256: summary.sha256,
    // Queries by alias replay alias records; these stand in for the ones archived away.
    aliases: host.audit.aliasesAt(range.to),
  };
  return host.audited(ARCHIVE_EVENT, archived, (r: ArchiveSummary) => ({ ...summaryJson(r), throughSeq: r.throughSeq, remaining: r.remaining }), () => {
    // Another process may have archived meanwhile: prune only what this archive holds.
    const first = seqRange(host.db, [], []);
    if (first?.from !== range.from) {
      throw new ValidationException('The live audit log changed while the archive was written (another archive ran); nothing was pruned.');
    }
    host.db.prepare('DELETE FROM audit_log WHERE seq <= ?').run(range.to);
    host.db
      .prepare('INSERT INTO audit_archives (through_seq, through_hash, first_seq, archive_sha256, archive_name, archived_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(range.to, Buffer.from(throughHash, 'hex'), range.from, summary.sha256, basename(options.file), host.now());
    // Counting this archive's own record, appended with this transaction.
    const remaining = host.audit.count() + 1;
    return { ...summary, throughSeq: range.to, remaining };
  });
}

/** Writes the archive file, reads it back and verifies it against the live log. Prunes nothing. */
async function writeAndCheckArchive(host: AuditHost, options: ArchiveOptions): Promise<{ range: { from: number; to: number }; summary: ExportSummary; throughHash: string }> {
  const range = seqRange(host.db, ['event_time < ?'], [iso(options.before)]);
  if (range === null) {
    throw new ValidationException(`No audit records are older than ${options.before.toISOString()}: nothing to archive.`);
  }
  const summary = await exportRange(host, range.from, range.to, 'archive', options);
  const key = host.audit.publicKey();
  const report = await verifyExport(await readExport(options.file), key === null ? undefined : readPublicKey(key.spki));
  const through = host.db.prepare<[number], { hash: string }>('SELECT lower(hex(hash)) AS hash FROM audit_log WHERE seq = ?').get(range.to);
  if (through === undefined || !report.ok || report.walk.firstSeq !== range.from || report.walk.lastSeq !== range.to || report.walk.headHashHex !== through.hash) {
    throw new ValidationException(
      `The archive written to ${options.file} did not verify against the live log (${report.problem?.detail ?? 'its records differ'}); nothing was pruned. Check the disk and try again.`,
    );
  }
  return { range, summary, throughHash: through.hash };
}
