// `strongroom audit …`: query, verify, checkpoints, export, import and archive. Reading (query,
// verify, public-key, checkpoints, import into a workspace) needs no root key — a security team
// may not hold it; signing (checkpoint, export, archive) needs the open engine.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { auditQueryInput } from '../../shared/api/audit.ts';
import { checkpointFromJson, checkpointToJson, publicKeyPem, readPublicKey, type Checkpoint } from '../kms/audit/checkpoints.ts';
import { readExport, verifyExport, type ExportLayout } from '../kms/audit/export.ts';
import type { AuditLog, VerifyReport } from '../kms/audit/log.ts';
import { withAuditLog } from '../kms/audit/read-only.ts';
import type { AuditPage } from '../kms/audit/query.ts';
import { AuditWorkspace, WORKSPACE_FILE } from '../kms/audit/workspace.ts';
import type { AuditProblem } from '../kms/audit/verify.ts';
import type { Kms } from '../kms/engine.ts';
import { ValidationException } from '../kms/errors.ts';
import { rejectLeftovers, runSubcommand, takeOne, takeSwitch } from './args.ts';
import type { OutputFormat } from './output.ts';
import { UsageError } from './usage-error.ts';

type Flags = Map<string, ReadonlyArray<string>>;

/** What the audit commands use of the CLI. */
export type AuditCliHost = {
  readonly dataDir: string;
  readonly output: OutputFormat;
  readonly textTable: boolean;
  readonly print: (value: unknown) => void;
  readonly write: (text: string) => void;
  readonly warn: (text: string) => void;
  readonly open: () => Promise<Kms>;
};

export const AUDIT_SUBCOMMANDS = ['query', 'list', 'verify', 'checkpoint', 'checkpoints', 'public-key', 'export', 'import', 'sources', 'archive'] as const;

/** ISO-8601 (2026-11-23, 2026-11-23T10:00:00Z) or epoch seconds. */
function parseTime(text: string | undefined, flag: string, command: string): Date | undefined {
  if (text === undefined) {
    return undefined;
  }
  const date = /^\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  if (!Number.isFinite(date.getTime())) {
    throw new UsageError(`argument --${flag}: '${text}' is not a time; give ISO-8601 (2026-11-23T10:00:00Z) or epoch seconds`, command);
  }
  return date;
}

function readKeyFile(path: string | undefined): KeyObject | undefined {
  if (path === undefined) {
    return undefined;
  }
  try {
    return readPublicKey(readFileSync(path));
  } catch (err) {
    throw new ValidationException(`${path} is not a public key (PEM or DER SubjectPublicKeyInfo): ${err instanceof Error ? err.message : String(err)}.`);
  }
}

/** A checkpoints file as `audit checkpoints` writes it: JSON { Checkpoints: [{ body, signature }] }. */
function readCheckpointsFile(path: string | undefined): Array<Checkpoint> {
  if (path === undefined) {
    return [];
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ValidationException(`${path} is not a checkpoints file (JSON): ${err instanceof Error ? err.message : String(err)}.`);
  }
  const list = (value as { Checkpoints?: unknown } | null)?.Checkpoints;
  if (!Array.isArray(list)) {
    throw new ValidationException(`${path} is not a checkpoints file: expected {"Checkpoints": [...]} as \`strongroom audit checkpoints --out\` writes.`);
  }
  return list.map((item, i) => {
    const checkpoint = checkpointFromJson(item);
    if (checkpoint === null) {
      throw new ValidationException(`${path}: checkpoint entry ${i + 1} is malformed.`);
    }
    return checkpoint;
  });
}

function layoutOf(text: string | undefined, command: string): ExportLayout {
  if (text === undefined || text === 'jsonl' || text === 'cloudtrail') {
    return text ?? 'jsonl';
  }
  throw new UsageError(`argument --format: invalid choice: '${text}' (choose from 'jsonl', 'cloudtrail')`, command);
}

function problemJson(problem: AuditProblem): Record<string, unknown> {
  return { Kind: problem.kind, ...(problem.seq === undefined ? {} : { Seq: problem.seq }), ...(problem.checkpoint === undefined ? {} : { Checkpoint: problem.checkpoint }), Detail: problem.detail };
}

function auditTable(rows: AuditPage['records']): string {
  const withSource = rows.some((r) => r.installationId !== undefined);
  const lines = rows.map(({ seq, record, installationId }) => {
    const key = record.resources[0]?.ARN.split('/').pop() ?? '-';
    const result = record.errorCode ?? 'OK';
    return [...(withSource ? [installationId?.slice(0, 8) ?? '-'] : []), String(seq), record.eventTime, record.eventName, record.userIdentity.arn ?? record.userIdentity.type, key, result].join('\t');
  });
  const header = [...(withSource ? ['INSTALLATION'] : []), 'SEQ', 'TIME', 'EVENT', 'PRINCIPAL', 'KEY', 'RESULT'].join('\t');
  return lines.length === 0 ? '' : `${header}\n${lines.join('\n')}\n`;
}

export class AuditCli {
  readonly #host: AuditCliHost;

  constructor(host: AuditCliHost) {
    this.#host = host;
  }

  /** The live log without the root key. */
  #withLog<T>(use: (log: AuditLog) => T): T {
    return withAuditLog(this.#host.dataDir, `There is no Strongroom installation in ${this.#host.dataDir}: nothing to audit.`, use);
  }

  #withWorkspace<T>(path: string | undefined, use: (workspace: AuditWorkspace) => Promise<T> | T): Promise<T> {
    const workspace = new AuditWorkspace(path ?? join(this.#host.dataDir, WORKSPACE_FILE));
    return Promise.resolve()
      .then(() => use(workspace))
      .finally(() => workspace.close());
  }

  async run(sub: string | undefined, args: ReadonlyArray<string>, flags: Flags): Promise<number> {
    return runSubcommand(
      'audit',
      sub,
      args,
      AUDIT_SUBCOMMANDS,
      {
        query: (command) => this.#query(flags, command, false),
        list: (command) => this.#query(flags, command, true),
        verify: (command) => this.#verify(flags, command),
        checkpoint: (command) => this.#checkpoint(flags, command),
        checkpoints: (command) => this.#checkpoints(flags, command),
        'public-key': (command) => this.#publicKey(flags, command),
        export: (command) => this.#export(flags, command),
        import: (command) => this.#import(args, flags, command),
        sources: (command) => this.#sources(flags, command),
        archive: (command) => this.#archive(flags, command),
      },
      ['import'],
    );
  }

  async #query(flags: Flags, command: string, legacyList: boolean): Promise<number> {
    const limit = takeOne(flags, legacyList ? 'limit' : 'max-results', command) ?? (legacyList ? takeOne(flags, 'max-results', command) : takeOne(flags, 'limit', command));
    if (limit !== undefined && !/^\d+$/.test(limit)) {
      throw new UsageError(`argument --max-results: invalid integer value: '${limit}'`, command);
    }
    const outcome = takeOne(flags, 'outcome', command);
    const errorsOnly = takeSwitch(flags, 'errors-only', command);
    const workspace = takeSwitch(flags, 'workspace', command);
    const workspaceFile = takeOne(flags, 'workspace-file', command);
    const input: Record<string, unknown> = {
      StartTime: parseTime(takeOne(flags, 'start-time', command), 'start-time', command),
      EndTime: parseTime(takeOne(flags, 'end-time', command), 'end-time', command),
      EventName: takeOne(flags, 'event-name', command),
      KeyId: takeOne(flags, 'key-id', command),
      Principal: takeOne(flags, 'principal', command),
      ErrorCode: takeOne(flags, 'error-code', command),
      Outcome: errorsOnly ? 'Failure' : outcome === undefined ? undefined : outcome.charAt(0).toUpperCase() + outcome.slice(1).toLowerCase(),
      RequestId: takeOne(flags, 'request-id', command),
      Installation: takeOne(flags, 'installation', command),
      MaxResults: limit === undefined ? (legacyList ? 20 : undefined) : Number(limit),
      NextToken: takeOne(flags, 'next-token', command),
    };
    rejectLeftovers(flags, command);
    for (const key of Object.keys(input)) {
      if (input[key] === undefined || !(key in auditQueryInput.members)) {
        delete input[key];
      }
    }
    const page = workspace || workspaceFile !== undefined ? await this.#withWorkspace(workspaceFile, (w) => w.query(input)) : this.#withLog((log) => log.query(input));
    if (this.#host.textTable) {
      this.#host.write(auditTable(page.records));
      if (page.nextToken !== undefined) {
        this.#host.warn(`More records: pass --next-token ${page.nextToken}\n`);
      }
    } else {
      this.#host.print({
        Records: page.records.map((r) => ({ Seq: r.seq, ...(r.installationId === undefined ? {} : { InstallationId: r.installationId }), Record: r.record })),
        ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
      });
    }
    return 0;
  }

  async #verify(flags: Flags, command: string): Promise<number> {
    const fromExport = takeOne(flags, 'from-export', command);
    const trusted = readKeyFile(takeOne(flags, 'trusted-public-key', command));
    const external = readCheckpointsFile(takeOne(flags, 'checkpoints', command));
    rejectLeftovers(flags, command);
    if (fromExport !== undefined) {
      const report = await verifyExport(await readExport(fromExport), trusted);
      const walk = report.walk;
      const fields = {
        InstallationId: report.header.installationId,
        Records: walk.records,
        FirstSeq: walk.firstSeq,
        LastSeq: walk.lastSeq,
        HeadHash: walk.headHashHex,
        Checkpoints: report.header.exportCheckpoint,
        KeyFingerprint: report.keyFingerprint,
        KeyTrust: report.trust === 'trusted-key' ? 'the trusted public key given' : 'the public key inside the export (pass --trusted-public-key to prove who signed it)',
      };
      return this.#verdict(report.ok, fields, report.problem, 'the export');
    }
    const report: VerifyReport = this.#withLog((log) => log.verify({ ...(trusted === undefined ? {} : { trustedPublicKey: trusted }), externalCheckpoints: external }));
    const fields = {
      Records: report.records,
      FirstSeq: report.firstSeq,
      LastSeq: report.lastSeq,
      HeadHash: report.headHash,
      ...(report.archivedThrough === null ? {} : { ArchivedThrough: report.archivedThrough }),
      Checkpoints: report.checkpoints.count,
      LastCheckpoint: report.checkpoints.lastMatched === null ? null : { Number: report.checkpoints.lastMatched.number, SignedSeq: report.checkpoints.lastMatched.headSeq },
      UnsignedRecords: report.unsignedRecords,
      KeyFingerprint: report.checkpoints.keyFingerprint,
      KeyTrust:
        report.checkpoints.trust === 'trusted-key'
          ? 'the trusted public key given'
          : report.checkpoints.trust === 'installation-key'
            ? 'the public key stored in this installation (pass --trusted-public-key for proof against a rewritten database)'
            : 'none (no audit key yet)',
    };
    return this.#verdict(report.ok, fields, report.problem, 'the audit log');
  }

  #verdict(ok: boolean, fields: Record<string, unknown>, problem: AuditProblem | undefined, what: string): number {
    if (ok || problem === undefined) {
      this.#host.print({ Intact: true, ...fields });
      return 0;
    }
    this.#host.print({ Intact: false, ...fields, Problem: problemJson(problem) });
    this.#host.warn(`strongroom: ${what} is not intact: ${problem.detail}\n`);
    return 1;
  }

  async #checkpoint(flags: Flags, command: string): Promise<number> {
    const out = takeOne(flags, 'out', command);
    rejectLeftovers(flags, command);
    const kms = await this.#host.open();
    try {
      const checkpoint = checkpointToJson(kms.checkpointAuditLog());
      if (out !== undefined) {
        writeFileSync(out, `${JSON.stringify({ Checkpoints: [checkpoint] }, null, 2)}\n`, { mode: 0o644 });
      }
      this.#host.print({ Checkpoint: checkpoint });
      return 0;
    } finally {
      kms.close();
    }
  }

  async #checkpoints(flags: Flags, command: string): Promise<number> {
    const out = takeOne(flags, 'out', command);
    rejectLeftovers(flags, command);
    const list = this.#withLog((log) => log.checkpoints().map(checkpointToJson));
    if (out !== undefined) {
      writeFileSync(out, `${JSON.stringify({ Checkpoints: list }, null, 2)}\n`, { mode: 0o644 });
      this.#host.print({ File: out, Checkpoints: list.length, Last: list.at(-1)?.body ?? null });
    } else {
      this.#host.print({ Checkpoints: list });
    }
    return 0;
  }

  async #publicKey(flags: Flags, command: string): Promise<number> {
    const out = takeOne(flags, 'out', command);
    rejectLeftovers(flags, command);
    const key = this.#withLog((log) => log.publicKey());
    if (key === null) {
      throw new ValidationException('This installation has no audit-signing key yet: open it once (any command that unlocks the root key) to create one.');
    }
    const pem = publicKeyPem(key.spki);
    if (out !== undefined) {
      writeFileSync(out, pem, { mode: 0o644 });
      this.#host.print({ File: out, Fingerprint: key.fingerprint });
    } else if (this.#host.textTable) {
      this.#host.write(pem);
    } else {
      this.#host.print({ PublicKey: pem, Fingerprint: key.fingerprint });
    }
    return 0;
  }

  async #export(flags: Flags, command: string): Promise<number> {
    const out = takeOne(flags, 'out', command);
    const layout = layoutOf(takeOne(flags, 'format', command), command);
    const gzip = takeSwitch(flags, 'gzip', command);
    const force = takeSwitch(flags, 'force', command);
    const startTime = parseTime(takeOne(flags, 'start-time', command), 'start-time', command);
    const endTime = parseTime(takeOne(flags, 'end-time', command), 'end-time', command);
    rejectLeftovers(flags, command);
    if (out === undefined) {
      throw new UsageError('the following arguments are required: --out', command);
    }
    const kms = await this.#host.open();
    try {
      const summary = await kms.exportAuditLog({ file: out, layout, gzip: gzip || out.endsWith('.gz'), force, ...(startTime === undefined ? {} : { startTime }), ...(endTime === undefined ? {} : { endTime }) });
      this.#host.print({ File: summary.file, Records: summary.records, FirstSeq: summary.firstSeq, LastSeq: summary.lastSeq, Checkpoint: summary.checkpoint, Sha256: summary.sha256, Bytes: summary.bytes });
      return 0;
    } finally {
      kms.close();
    }
  }

  async #import(files: ReadonlyArray<string>, flags: Flags, command: string): Promise<number> {
    const trusted = readKeyFile(takeOne(flags, 'trusted-public-key', command));
    const label = takeOne(flags, 'label', command);
    const workspaceFile = takeOne(flags, 'workspace-file', command);
    rejectLeftovers(flags, command);
    if (files.length === 0) {
      throw new UsageError('give the export file(s) to import: strongroom audit import <file>…', command);
    }
    const results = await this.#withWorkspace(workspaceFile, async (workspace) => {
      const done = [];
      for (const file of files) {
        done.push(await workspace.import(file, { ...(trusted === undefined ? {} : { trustedPublicKey: trusted }), ...(label === undefined ? {} : { label }), nowMs: Date.now() }));
      }
      return done;
    });
    this.#host.print({
      Imported: results.map((r) => ({ InstallationId: r.installationId, Label: r.label, Records: r.records, Added: r.added, KeyFingerprint: r.keyFingerprint, KeyTrust: r.trust })),
    });
    return 0;
  }

  async #sources(flags: Flags, command: string): Promise<number> {
    const workspaceFile = takeOne(flags, 'workspace-file', command);
    rejectLeftovers(flags, command);
    const sources = await this.#withWorkspace(workspaceFile, (w) => w.sources());
    this.#host.print({
      Sources: sources.map((s) => ({ InstallationId: s.installationId, Label: s.label, AccountId: s.accountId, Region: s.region, Records: s.records, FirstSeq: s.firstSeq, LastSeq: s.lastSeq, FirstTime: s.firstTime, LastTime: s.lastTime, KeyFingerprint: s.keyFingerprint })),
    });
    return 0;
  }

  async #archive(flags: Flags, command: string): Promise<number> {
    const out = takeOne(flags, 'out', command);
    const before = parseTime(takeOne(flags, 'before', command), 'before', command);
    const layout = layoutOf(takeOne(flags, 'format', command), command);
    const gzip = takeSwitch(flags, 'gzip', command);
    const force = takeSwitch(flags, 'force', command);
    rejectLeftovers(flags, command);
    if (out === undefined || before === undefined) {
      throw new UsageError(`the following arguments are required: ${[out === undefined ? '--out' : '', before === undefined ? '--before' : ''].filter((f) => f !== '').join(', ')}`, command);
    }
    const kms = await this.#host.open();
    try {
      const summary = await kms.archiveAuditLog({ file: out, before, layout, gzip: gzip || out.endsWith('.gz'), force });
      this.#host.print({ File: summary.file, Records: summary.records, FirstSeq: summary.firstSeq, ThroughSeq: summary.throughSeq, Remaining: summary.remaining, Sha256: summary.sha256 });
      return 0;
    } finally {
      kms.close();
    }
  }
}

