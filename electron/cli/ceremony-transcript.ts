// The ceremony transcript (decision D26): transcript.json (machine-readable) and transcript.html
// (the same data, self-contained and printable: no scripts, no external resources). It lists every
// step with the audit records it produced (seq, eventName, requestID, record hash) and the signed
// checkpoint that covers them; `ceremony verify-transcript` checks those against a verified audit
// chain. It names outputs by identifiers and fingerprints only: never a share, a key or a passphrase.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecord } from '../kms/audit/record.ts';
import type { Checkpoint } from '../kms/audit/checkpoints.ts';
import { canonicalJson } from '../kms/audit/canonical.ts';
import { writeTemp } from '../kms/backup/file.ts';

export const TRANSCRIPT_FORMAT = 'strongroom-ceremony-transcript-v1';

export type TranscriptRecord = { readonly Seq: number; readonly EventName: string; readonly RequestId: string; readonly Hash: string };

export type TranscriptStep = {
  readonly Number: number;
  readonly Name: string;
  readonly Title: string;
  StartedAt: string;
  FinishedAt: string | null;
  Status: 'done' | 'failed';
  /** Who took part: custodian names, or 'owner' for the installation's owner. */
  Actors: Array<string>;
  Summary: Array<string>;
  /** What the step made, by identifier and fingerprint; shown as a table. */
  Outputs: Array<Record<string, string | number | boolean | null>>;
  AuditRecords: Array<TranscriptRecord>;
  Error?: string;
};

export type TranscriptCheckpoint = {
  readonly Number: number;
  readonly HeadSeq: number;
  readonly HeadHash: string;
  readonly CreatedAt: string;
  /** SHA-256 of the signature bytes (hex). */
  readonly SignatureFingerprint: string;
  readonly Body: unknown;
  readonly Signature: string;
};

export type Transcript = {
  Format: typeof TRANSCRIPT_FORMAT;
  Title: string;
  Plan: { File: string; Sha256: string };
  InstallationId: string | null;
  AccountId: string | null;
  Region: string | null;
  DataDir: string;
  StartedAt: string;
  FinishedAt: string | null;
  Status: 'running' | 'completed' | 'stopped';
  StoppedAt: { Step: number; Title: string; Reason: string } | null;
  Steps: Array<TranscriptStep>;
  Checkpoint: TranscriptCheckpoint | null;
  AuditPublicKeyFingerprint: string | null;
};

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function transcriptRecord(r: { seq: number; hash: string; record: AuditRecord }): TranscriptRecord {
  return { Seq: r.seq, EventName: r.record.eventName, RequestId: r.record.requestID, Hash: r.hash };
}

export function transcriptCheckpoint(c: Checkpoint, signatureBase64: string): TranscriptCheckpoint {
  return {
    Number: c.body.number,
    HeadSeq: c.body.headSeq,
    HeadHash: c.body.headHash.toLowerCase(),
    CreatedAt: c.body.createdAt,
    SignatureFingerprint: sha256Hex(c.signature),
    Body: JSON.parse(c.bodyText) as unknown,
    Signature: signatureBase64,
  };
}

/** Writes a whole file or nothing: a temp file beside it, fsynced, then renamed over the name. */
export function writeAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const temp = writeTemp(path, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, mode);
  try {
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `
body { font: 11pt/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em; color: #111; }
h1 { font-size: 18pt; margin: 0 0 .3em; }
h2 { font-size: 13pt; margin: 1.4em 0 .3em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin: .4em 0; font-size: 9pt; }
th, td { border: 1px solid #bbb; padding: 2px 5px; text-align: left; vertical-align: top; }
th { background: #eee; }
code, .mono { font-family: "SF Mono", Menlo, Consolas, monospace; font-size: 8.5pt; word-break: break-all; }
.status-stopped { color: #a00; font-weight: bold; }
.status-completed { color: #060; font-weight: bold; }
.failed { border-left: 4px solid #a00; padding-left: .6em; }
.sign { margin-top: 2em; display: grid; grid-template-columns: 1fr 1fr; gap: 2em; }
.sign div { border-top: 1px solid #000; padding-top: .2em; font-size: 9pt; }
@media print { body { margin: 0; } section.step { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
`;

function table(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) {
    return '<p>—</p>';
  }
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const head = columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td class="mono">${esc(r[c] === undefined || r[c] === null ? '' : String(r[c]))}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Rows of different shapes (a backup, then its shares) as one table per run of same-shaped rows. */
function tables(rows: ReadonlyArray<Record<string, unknown>>): string {
  const groups: Array<Array<Record<string, unknown>>> = [];
  let shape = '';
  for (const row of rows) {
    const next = Object.keys(row).join('\u0000');
    if (next !== shape || groups.length === 0) {
      groups.push([]);
      shape = next;
    }
    groups.at(-1)?.push(row);
  }
  return groups.length === 0 ? table([]) : groups.map(table).join('\n');
}

/** The printable transcript: one self-contained page, no scripts, no external resources. */
export function transcriptHtml(t: Transcript): string {
  const status =
    t.Status === 'completed'
      ? '<span class="status-completed">Completed</span>'
      : t.Status === 'stopped' && t.StoppedAt !== null
        ? `<span class="status-stopped">Stopped at step ${t.StoppedAt.Step} (${esc(t.StoppedAt.Title)}): ${esc(t.StoppedAt.Reason)}</span>`
        : 'Running';
  const steps = t.Steps.map(
    (s) => `<section class="step${s.Status === 'failed' ? ' failed' : ''}">
<h2>Step ${s.Number}: ${esc(s.Title)}</h2>
<p>Started <code>${esc(s.StartedAt)}</code>${s.FinishedAt === null ? '' : `, finished <code>${esc(s.FinishedAt)}</code>`} · Actors: ${esc(s.Actors.join(', '))} · ${s.Status === 'done' ? 'Done' : `<strong>Failed</strong>: ${esc(s.Error ?? '')}`}</p>
${s.Summary.length === 0 ? '' : `<ul>${s.Summary.map((line) => `<li>${esc(line)}</li>`).join('')}</ul>`}
<h3>Outputs</h3>
${tables(s.Outputs)}
<h3>Audit records</h3>
${table(s.AuditRecords.map((r) => ({ Seq: r.Seq, EventName: r.EventName, RequestID: r.RequestId, 'Record hash (SHA-256)': r.Hash })))}
</section>`,
  ).join('\n');
  const checkpoint =
    t.Checkpoint === null
      ? '<p>No checkpoint was made.</p>'
      : table([{ Number: t.Checkpoint.Number, 'Signed seq': t.Checkpoint.HeadSeq, 'Head hash': t.Checkpoint.HeadHash, Created: t.Checkpoint.CreatedAt, 'Signature fingerprint (SHA-256)': t.Checkpoint.SignatureFingerprint }]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(t.Title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(t.Title)}</h1>
${table([{ Installation: t.InstallationId ?? '', Account: t.AccountId ?? '', Region: t.Region ?? '', 'Plan SHA-256': t.Plan.Sha256, Started: t.StartedAt, Finished: t.FinishedAt ?? '' }])}
<p>Status: ${status}</p>
<p>Every step lists the audit records it produced. <code>strongroom ceremony verify-transcript --transcript transcript.json</code> checks them, and the checkpoint below, against the installation's verified audit chain. This transcript holds no share, key material or passphrase.</p>
${steps}
<h2>Audit checkpoint</h2>
${checkpoint}
<p>Audit public key fingerprint (SHA-256 of its SPKI): <code>${esc(t.AuditPublicKeyFingerprint ?? '')}</code></p>
<div class="sign"><div>Ceremony officer (name, signature, date)</div><div>Witness (name, signature, date)</div></div>
</body>
</html>
`;
}

// --- verify-transcript ---------------------------------------------------------------------

export type ChainView = {
  /** seq → (hash hex, canonical record text) for every record in the verified chain. */
  readonly rows: ReadonlyMap<number, { readonly hash: string; readonly text: string }>;
  /** The verified checkpoints (their chain and signatures already checked). */
  readonly checkpoints: ReadonlyArray<Checkpoint>;
  readonly installationId: string;
  readonly keyFingerprint: string | null;
};

/** Every ceremony's steps, in order ('keys' only when the plan has keys). */
export const CEREMONY_STEPS = ['installation', 'custodians', 'keys', 'backup', 'reentry', 'public-keys', 'checkpoint', 'audit-verify'] as const;

/** Output fields that name what the audit records name: each must appear in one of its step's records. */
export const IDENTIFIER_FIELDS: ReadonlySet<string> = new Set(['KeyId', 'Arn', 'Alias', 'Fingerprint', 'BackupId']);

/** Everything wrong with a transcript against a verified chain, most specific first; empty when it matches. */
export function transcriptProblems(value: unknown, chain: ChainView): Array<string> {
  const t = value as Partial<Transcript> | null;
  if (t === null || typeof t !== 'object' || t.Format !== TRANSCRIPT_FORMAT || !Array.isArray(t.Steps)) {
    return [`not a ceremony transcript (expected Format ${TRANSCRIPT_FORMAT} and a Steps list)`];
  }
  const problems: Array<string> = [];
  if (t.InstallationId !== chain.installationId) {
    problems.push(`the transcript is of installation ${String(t.InstallationId)}, the audit log of ${chain.installationId}`);
  }
  const listed = new Map<number, number>();
  let expected = 1;
  t.Steps.forEach((step, i) => {
    const s = step as Partial<TranscriptStep>;
    const label = `step ${String(s.Number)} (${String(s.Title)})`;
    if (s.Number !== expected) {
      problems.push(
        typeof s.Number === 'number' && s.Number > expected
          ? `step${s.Number - expected > 1 ? `s ${expected}–${s.Number - 1} are` : ` ${expected} is`} missing: the transcript goes from step ${expected - 1} to step ${s.Number} (a step was removed)`
          : `the transcript's step ${i + 1} is numbered ${String(s.Number)}, expected ${expected} (steps were reordered or repeated)`,
      );
    }
    expected = (typeof s.Number === 'number' ? s.Number : expected) + 1;
    const records = Array.isArray(s.AuditRecords) ? s.AuditRecords : [];
    const texts: Array<string> = [];
    for (const r of records) {
      const row = chain.rows.get(r.Seq);
      if (row === undefined) {
        problems.push(`${label}: audit record ${r.Seq} is not in the audit log`);
        continue;
      }
      listed.set(r.Seq, s.Number ?? i + 1);
      if (row.hash !== String(r.Hash).toLowerCase()) {
        problems.push(`${label}: audit record ${r.Seq} has hash ${row.hash} in the log, not ${String(r.Hash)} as the transcript says`);
        continue;
      }
      const rec = JSON.parse(row.text) as AuditRecord;
      if (rec.eventName !== r.EventName || rec.requestID !== r.RequestId) {
        problems.push(`${label}: audit record ${r.Seq} is ${rec.eventName} (request ${rec.requestID}), not ${r.EventName} (request ${r.RequestId}) as the transcript says`);
      }
      texts.push(row.text);
    }
    for (const row of Array.isArray(s.Outputs) ? s.Outputs : []) {
      for (const [field, v] of Object.entries(row)) {
        if (field === 'InstallationId') {
          if (v !== chain.installationId) {
            problems.push(`${label}: InstallationId ${String(v)} is not the audit log's installation ${chain.installationId}`);
          }
        } else if (IDENTIFIER_FIELDS.has(field) && !texts.some((text) => text.includes(String(v)))) {
          problems.push(`${label}: ${field} '${String(v)}' appears in none of the step's audit records (the transcript was edited, or names an output the log does not)`);
        }
      }
    }
  });
  if (t.Status === 'completed') {
    const names = t.Steps.map((step) => (step as Partial<TranscriptStep>).Name);
    const missing = CEREMONY_STEPS.filter((n) => n !== 'keys' && !names.includes(n));
    if (missing.length > 0) {
      problems.push(`the transcript says the ceremony completed, but it has no ${missing.join(', ')} step (a step was removed)`);
    }
  }
  const cp = t.Checkpoint;
  if (cp === null || cp === undefined) {
    problems.push('the transcript has no checkpoint: nothing signs its records');
  } else {
    const match = chain.checkpoints.find((c) => c.body.number === cp.Number);
    if (match === undefined) {
      problems.push(`checkpoint ${cp.Number} is not among the audit log's verified checkpoints`);
    } else if (sha256Hex(match.signature) !== cp.SignatureFingerprint || Buffer.from(match.signature).toString('base64') !== cp.Signature || match.bodyText !== canonicalJson(cp.Body)) {
      problems.push(`checkpoint ${cp.Number} in the transcript differs from the log's signed checkpoint ${cp.Number} (signature fingerprint ${sha256Hex(match.signature)})`);
    } else if (match.body.headSeq !== cp.HeadSeq || match.body.headHash.toLowerCase() !== cp.HeadHash) {
      problems.push(`checkpoint ${cp.Number}: its signed head is record ${match.body.headSeq} (${match.body.headHash}), not ${cp.HeadSeq} (${cp.HeadHash})`);
    }
    if (match !== undefined) {
      const seqs = [...listed.keys()].sort((a, b) => a - b);
      const first = seqs[0];
      if (first !== undefined) {
        // Unlisted signed records, as runs: "records 2–6 (AddCustodian)".
        let run: Array<number> = [];
        const flush = (): void => {
          if (run.length > 0) {
            const names = [...new Set(run.map((q) => (JSON.parse(chain.rows.get(q)?.text ?? '{}') as AuditRecord).eventName))].join(', ');
            const span = run.length === 1 ? `audit record ${run[0]}` : `audit records ${run[0]}–${run.at(-1)}`;
            problems.push(`${span} (${names}) ${run.length === 1 ? 'is' : 'are'} signed by the checkpoint but listed in no step (a step or a record was removed from the transcript)`);
            run = [];
          }
        };
        for (let seq = first; seq <= match.body.headSeq; seq++) {
          if (!listed.has(seq) && chain.rows.has(seq)) {
            run.push(seq);
          } else {
            flush();
          }
        }
        flush();
        const last = seqs.at(-1) ?? 0;
        if (last > match.body.headSeq) {
          problems.push(`audit records after ${match.body.headSeq} are listed but not signed by checkpoint ${cp.Number}`);
        }
      }
    }
  }
  if (t.AuditPublicKeyFingerprint !== chain.keyFingerprint) {
    problems.push(`the transcript names audit public key ${String(t.AuditPublicKeyFingerprint)}, the log's checkpoints are signed by ${String(chain.keyFingerprint)}`);
  }
  return problems;
}

/** Output columns holding a file's SHA-256 (whole, or its first 16 hex digits). */
const FILE_HASH_FIELDS = ['Sha256', 'File SHA-256', 'File SHA-256 (first 16)'];

/**
 * The files a transcript names (backup, public keys, checkpoints, shares) that are still beside it,
 * checked against the SHA-256 it gives; files no longer there (shares handed over) are counted.
 */
export function fileProblems(value: unknown, dir: string): { checked: number; absent: number; problems: Array<string> } {
  const t = value as Partial<Transcript> | null;
  const out = { checked: 0, absent: 0, problems: [] as Array<string> };
  for (const step of Array.isArray(t?.Steps) ? t.Steps : []) {
    for (const row of Array.isArray(step.Outputs) ? step.Outputs : []) {
      const field = FILE_HASH_FIELDS.find((f) => typeof row[f] === 'string');
      if (typeof row.File !== 'string' || field === undefined) {
        continue;
      }
      const path = join(dir, row.File);
      if (!existsSync(path)) {
        out.absent++;
        continue;
      }
      out.checked++;
      const expected = String(row[field]).toLowerCase();
      const actual = sha256Hex(readFileSync(path));
      if (!actual.startsWith(expected) || expected.length < 16) {
        out.problems.push(`step ${String(step.Number)} (${String(step.Title)}): ${row.File} has SHA-256 ${actual}, not ${expected} as the transcript says`);
      }
    }
  }
  return out;
}
