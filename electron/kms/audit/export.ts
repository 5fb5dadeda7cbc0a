// Audit exports: the records of a seq range with their chain fields, and the checkpoint chain up
// to a checkpoint signing the range's last record, so the file verifies on another machine with
// only the installation's public audit key. Two layouts:
//
//   jsonl       one JSON object per line: a header, the checkpoints, then the records
//               {"type":"record","seq":N,"prevHash":hex,"hash":hex,"record":{…}}. Streams both
//               ways; the layout for large logs.
//   cloudtrail  CloudTrail's log-file layout {"Records":[…]}, each record carrying a
//               "strongroomChain" member {seq, prevHash, hash}, with the header and checkpoints
//               under "StrongroomExport". Tools that read CloudTrail files read it unchanged.
//
// Either may be gzip-compressed (written as one gzip member per page of records, which every gzip
// reader accepts as one stream). Readers detect gzip by its magic bytes.

import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type Database from 'better-sqlite3';
import { ValidationException } from '../errors.ts';
import { fsPromises, stringDecoder, zlib } from '../lazy-builtins.ts';
import { writeFileAtomically } from '../storage/atomic-file.ts';
import { canonicalJson } from './canonical.ts';
import { checkpointFromJson, checkpointToJson, publicKeyFingerprint, readPublicKey, spkiOf, verifyCheckpointChain, type Checkpoint } from './checkpoints.ts';
import { ChainWalker, checkpointProblem, type AuditProblem, type ChainRow, type WalkResult } from './verify.ts';

export const EXPORT_FORMAT = 'strongroom-audit-export-v1';
export type ExportLayout = 'jsonl' | 'cloudtrail';

export type ExportHeader = {
  format: typeof EXPORT_FORMAT;
  installationId: string;
  accountId: string;
  region: string;
  /** Base64 SPKI DER: informative only. A verifier trusts the key it is given, or says it used this one. */
  publicKey: string;
  keyFingerprint: string;
  firstSeq: number | null;
  lastSeq: number | null;
  records: number;
  /** The checkpoint that signs lastSeq: the last checkpoint in the file. */
  exportCheckpoint: number;
  exportedAt: string;
};

export type ExportSource = {
  readonly db: Database.Database;
  readonly header: Omit<ExportHeader, 'format' | 'firstSeq' | 'lastSeq' | 'records' | 'exportCheckpoint' | 'exportedAt' | 'publicKey' | 'keyFingerprint'>;
  readonly publicKeySpki: Uint8Array;
  readonly fromSeq: number;
  readonly toSeq: number;
  /** Checkpoints 1..K, K signing toSeq. */
  readonly checkpoints: ReadonlyArray<Checkpoint>;
  readonly exportedAtMs: number;
};

export type ExportSummary = { readonly file: string; readonly records: number; readonly firstSeq: number | null; readonly lastSeq: number | null; readonly sha256: string; readonly bytes: number; readonly checkpoint: number };

const PAGE = 5000;
const GZIP_MAGIC = [0x1f, 0x8b];

function recordLine(seq: number, prev: string, hash: string, record: string): string {
  return `{"type":"record","seq":${seq},"prevHash":"${prev}","hash":"${hash}","record":${record}}\n`;
}

function cloudTrailRecord(seq: number, prev: string, hash: string, record: string): string {
  // The record text is canonical JSON of an object: splice the chain member in before its last brace.
  return `${record.slice(0, -1)},"strongroomChain":{"hash":"${hash}","prevHash":"${prev}","seq":${seq}}}`;
}

/** Writes the export through a staging file; `beforeName` (atomic-file.ts) sees its summary before the file is named. */
export async function writeExport(source: ExportSource, file: string, layout: ExportLayout, gzip: boolean, force: boolean, beforeName?: (summary: ExportSummary) => void): Promise<ExportSummary> {
  const last = source.checkpoints.at(-1);
  if (last === undefined || last.body.headSeq !== source.toSeq) {
    throw new Error('An export ends with the checkpoint that signs its last record.');
  }
  const page = source.db.prepare<[number, number, number], ChainRow>(
    'SELECT seq, lower(hex(prev_hash)), lower(hex(hash)), record FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?',
  ).raw(true);
  const count = source.db.prepare<[number, number], { n: number; lo: number | null; hi: number | null }>('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM audit_log WHERE seq >= ? AND seq <= ?').get(source.fromSeq, source.toSeq);
  const header: ExportHeader = {
    ...source.header,
    format: EXPORT_FORMAT,
    publicKey: Buffer.from(source.publicKeySpki).toString('base64'),
    keyFingerprint: publicKeyFingerprint(source.publicKeySpki),
    firstSeq: count?.lo ?? null,
    lastSeq: count?.hi ?? null,
    records: count?.n ?? 0,
    exportCheckpoint: last.body.number,
    exportedAt: new Date(source.exportedAtMs).toISOString(),
  };
  const digest = createHash('sha256');
  let bytes = 0;
  let sha256: string | undefined;
  const summaryOf = (): ExportSummary => ({ file, records: header.records, firstSeq: header.firstSeq, lastSeq: header.lastSeq, sha256: (sha256 ??= digest.digest('hex')), bytes, checkpoint: last.body.number });
  await writeFileAtomically(file, { replace: force, ...(beforeName === undefined ? {} : { beforeName: () => beforeName(summaryOf()) }) }, async (staged) => {
    const emit = async (text: string) => {
      const raw = Buffer.from(text, 'utf8');
      const out = gzip ? zlib().gzipSync(raw) : raw;
      digest.update(out);
      bytes += out.length;
      await staged.write(out);
    };
    const checkpoints = source.checkpoints.map(checkpointToJson);
    if (layout === 'jsonl') {
      await emit([JSON.stringify({ type: 'header', ...header }), ...checkpoints.map((c) => JSON.stringify({ type: 'checkpoint', ...c }))].join('\n') + '\n');
    } else {
      await emit(`{"StrongroomExport":${JSON.stringify({ ...header, checkpoints })},"Records":[`);
    }
    let next = source.fromSeq;
    let first = true;
    for (;;) {
      const rows = page.all(next, source.toSeq, PAGE);
      if (rows.length === 0) {
        break;
      }
      let text = '';
      for (const [seq, prev, hash, record] of rows) {
        if (layout === 'jsonl') {
          text += recordLine(seq, prev, hash, record);
        } else {
          text += `${first ? '' : ','}\n${cloudTrailRecord(seq, prev, hash, record)}`;
          first = false;
        }
      }
      await emit(text);
      next = (rows.at(-1)?.[0] ?? source.toSeq) + 1;
    }
    if (layout === 'cloudtrail') {
      await emit('\n]}\n');
    }
  });
  return summaryOf();
}

// --- Reading and verifying ----------------------------------------------------------------

export class ExportFormatError extends ValidationException {}

export type ExportReader = {
  readonly header: ExportHeader;
  readonly checkpoints: ReadonlyArray<Checkpoint>;
  /** The records in file order; may be iterated more than once (to classify a problem). */
  readonly rows: () => AsyncIterable<ChainRow>;
};

async function isGzip(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await fsPromises().open(file, 'r');
  } catch (err) {
    throw new ExportFormatError(`Cannot read ${file}: ${err instanceof Error ? err.message : String(err)}.`);
  }
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === GZIP_MAGIC[0] && magic[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/**
 * The file's (decompressed) bytes, chunk by chunk. Streams are destroyed however the caller stops
 * (a reader that needs only the first line leaves early), and a read or decompression error —
 * a cut-short or corrupt gzip file — becomes an ExportFormatError naming the file.
 */
async function* chunksOf(file: string, gzip: boolean): AsyncGenerator<Buffer> {
  const raw = createReadStream(file);
  const gunzip = gzip ? zlib().createGunzip() : null;
  const source: NodeJS.ReadableStream & { destroy: (error?: Error) => void } = gunzip ?? raw;
  if (gunzip !== null) {
    raw.on('error', (err) => gunzip.destroy(err));
    raw.pipe(gunzip);
  }
  try {
    for await (const chunk of source) {
      yield chunk as Buffer;
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ExportFormatError(gzip ? `${file} is not a complete gzip file (${why}): it was cut short or damaged.` : `Cannot read ${file}: ${why}.`);
  } finally {
    raw.destroy();
    gunzip?.destroy();
  }
}

/** The file's lines (without their line breaks), streamed. */
async function* linesOf(file: string, gzip: boolean): AsyncGenerator<string> {
  const decoder = new (stringDecoder().StringDecoder)('utf8');
  let rest = '';
  for await (const chunk of chunksOf(file, gzip)) {
    const text = rest + decoder.write(chunk);
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) {
      yield part.endsWith('\r') ? part.slice(0, -1) : part;
    }
  }
  rest += decoder.end();
  if (rest.length > 0) {
    yield rest;
  }
}

async function readAll(file: string, gzip: boolean): Promise<string> {
  const chunks: Array<Buffer> = [];
  for await (const chunk of chunksOf(file, gzip)) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseHeader(value: unknown, file: string): ExportHeader {
  const h = value as Partial<ExportHeader> | null;
  if (h === null || typeof h !== 'object' || h.format !== EXPORT_FORMAT || typeof h.installationId !== 'string' || typeof h.publicKey !== 'string' || !Number.isSafeInteger(h.exportCheckpoint)) {
    throw new ExportFormatError(`${file} is not a Strongroom audit export (its header is missing or not format ${EXPORT_FORMAT}).`, { inputs: ['file'] });
  }
  return h as ExportHeader;
}

function parseCheckpoints(values: ReadonlyArray<unknown>, file: string): Array<Checkpoint> {
  return values.map((value, i) => {
    const checkpoint = checkpointFromJson(value);
    if (checkpoint === null) {
      throw new ExportFormatError(`${file}: checkpoint entry ${i + 1} is malformed (it was edited).`);
    }
    return checkpoint;
  });
}

function rowOf(value: unknown, where: string): ChainRow {
  const v = value as { seq?: unknown; prevHash?: unknown; hash?: unknown; record?: unknown } | null;
  if (v === null || typeof v !== 'object' || !Number.isSafeInteger(v.seq) || typeof v.prevHash !== 'string' || typeof v.hash !== 'string' || typeof v.record !== 'object' || v.record === null) {
    throw new ExportFormatError(`${where} is not an audit record with its chain fields (it was edited).`);
  }
  let text: string;
  try {
    text = canonicalJson(v.record);
  } catch {
    throw new ExportFormatError(`${where} holds a record that is not JSON data (it was edited).`);
  }
  return [v.seq as number, v.prevHash, v.hash, text];
}

/** Opens an export of either layout, gzip or not. @throws ExportFormatError for a file that is not one. */
export async function readExport(file: string): Promise<ExportReader> {
  const gzip = await isGzip(file);
  const lines = () => linesOf(file, gzip);
  let firstLine = '';
  for await (const line of lines()) {
    if (line.trim().length > 0) {
      firstLine = line;
      break;
    }
  }
  if (firstLine === '') {
    throw new ExportFormatError(`${file} is empty: it is not a Strongroom audit export.`);
  }
  // JSON Lines start with the header object on its own line; the CloudTrail layout is one object.
  let parsedFirst: unknown;
  try {
    parsedFirst = JSON.parse(firstLine);
  } catch {
    parsedFirst = undefined;
  }
  if (typeof parsedFirst === 'object' && parsedFirst !== null && (parsedFirst as { type?: unknown }).type === 'header') {
    return readJsonl(file, lines, parsedFirst);
  }
  if (!firstLine.trimStart().startsWith('{')) {
    throw new ExportFormatError(`${file} is not a Strongroom audit export (neither JSON Lines nor the CloudTrail layout).`);
  }
  let document: unknown;
  try {
    document = JSON.parse(await readAll(file, gzip));
  } catch (err) {
    if (err instanceof ExportFormatError) {
      throw err;
    }
    throw new ExportFormatError(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}.`);
  }
  const doc = document as { StrongroomExport?: { checkpoints?: unknown } & Record<string, unknown>; Records?: unknown };
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.Records) || typeof doc.StrongroomExport !== 'object') {
    throw new ExportFormatError(`${file} is neither a JSON Lines nor a CloudTrail-layout Strongroom audit export.`);
  }
  const header = parseHeader(doc.StrongroomExport, file);
  const checkpoints = parseCheckpoints(Array.isArray(doc.StrongroomExport.checkpoints) ? doc.StrongroomExport.checkpoints : [], file);
  const records = doc.Records as ReadonlyArray<unknown>;
  return {
    header,
    checkpoints,
    rows: async function* () {
      for (let i = 0; i < records.length; i++) {
        const item = records[i] as ({ strongroomChain?: { seq?: unknown; prevHash?: unknown; hash?: unknown } } & Record<string, unknown>) | null;
        const chain = item?.strongroomChain;
        const record = item === null || typeof item !== 'object' ? null : Object.fromEntries(Object.entries(item).filter(([k]) => k !== 'strongroomChain'));
        yield rowOf({ ...(chain ?? {}), record }, `${file}: Records[${i}]`);
      }
    },
  };
}

async function readJsonl(file: string, lines: () => AsyncIterable<string>, headerValue: unknown): Promise<ExportReader> {
  const header = parseHeader(headerValue, file);
  const checkpointValues: Array<unknown> = [];
  let lineNo = 0;
  for await (const line of lines()) {
    lineNo++;
    if (lineNo === 1 || line.trim().length === 0) {
      continue;
    }
    if (!line.startsWith('{"type":"checkpoint"')) {
      break;
    }
    try {
      checkpointValues.push(JSON.parse(line));
    } catch {
      throw new ExportFormatError(`${file} line ${lineNo} is not valid JSON (it was edited).`);
    }
  }
  return {
    header,
    checkpoints: parseCheckpoints(checkpointValues, file),
    rows: async function* () {
      let n = 0;
      for await (const line of lines()) {
        n++;
        if (n === 1 || line.trim().length === 0 || line.startsWith('{"type":"checkpoint"')) {
          continue;
        }
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          throw new ExportFormatError(`${file} line ${n} is not valid JSON (it was edited or cut short).`);
        }
        if ((value as { type?: unknown } | null)?.type !== 'record') {
          throw new ExportFormatError(`${file} line ${n} is not a record line (it was edited).`);
        }
        yield rowOf(value, `${file} line ${n}`);
      }
    },
  };
}

export type ExportVerifyReport = {
  readonly ok: boolean;
  readonly header: ExportHeader;
  /** Whose key checked the signatures: the caller's trusted key, or the one the file carries. */
  readonly trust: 'trusted-key' | 'export-key';
  readonly keyFingerprint: string;
  readonly walk: WalkResult;
  readonly problem?: AuditProblem;
};

/**
 * Verifies an export: its checkpoint chain under the trusted key (or, saying so, the key the
 * file carries), every record's link and hash, every checkpoint against the record it signed,
 * and that the export's own checkpoint signs its last record (nothing cut from the end).
 */
export async function verifyExport(reader: ExportReader, trustedKey?: KeyObject): Promise<ExportVerifyReport> {
  const { header, checkpoints } = reader;
  const key = trustedKey ?? readPublicKey(Buffer.from(header.publicKey, 'base64'));
  const keyFingerprint = publicKeyFingerprint(spkiOf(key));
  const base = { header, trust: trustedKey === undefined ? ('export-key' as const) : ('trusted-key' as const), keyFingerprint };
  const emptyWalk: WalkResult = { problem: null, records: 0, firstSeq: null, lastSeq: null, headHashHex: null, lastMatched: null };
  const chainProblem = verifyCheckpointChain(checkpoints, key, header.installationId);
  if (chainProblem !== null) {
    return { ...base, ok: false, walk: emptyWalk, problem: checkpointProblem(chainProblem) };
  }
  const own = checkpoints.at(-1);
  if (own === undefined || own.body.number < header.exportCheckpoint) {
    const number = (own?.body.number ?? 0) + 1;
    return { ...base, ok: false, walk: emptyWalk, problem: { kind: 'checkpoint-missing', checkpoint: number, detail: `checkpoint ${number} (the export's own, which signs its last record) is missing from the file` } };
  }
  const walker = new ChainWalker({
    start: own.body.firstSeq === undefined ? { kind: 'range' } : { kind: 'range', fromSeq: own.body.firstSeq },
    checkpoints,
    tailCheckpoints: [own],
    endSeq: own.body.headSeq,
    fileOrder: true,
  });
  for await (const row of reader.rows()) {
    if (!walker.feed(row)) {
      break;
    }
  }
  // A link that does not match: a second pass finds whether it is another record's hash (moved).
  const link = walker.link;
  let owner: number | undefined;
  if (link !== null) {
    for await (const [seq, , hash] of reader.rows()) {
      if (hash.toLowerCase() === link.linkHex) {
        owner = seq;
        break;
      }
    }
  }
  const walk = walker.finish(owner);
  return { ...base, ok: walk.problem === null, walk, ...(walk.problem === null ? {} : { problem: walk.problem }) };
}
