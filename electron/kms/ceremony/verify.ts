// Checking a ceremony transcript (docs/decisions.md D26) against a verified audit chain (chain.ts)
// and against the files beside it: every record a step lists is in the chain with that hash, event
// and request id; every identifier a step shows is in that step's records; steps are numbered
// without gaps; no signed record is left out; the checkpoint is the log's signed one.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecord } from '../audit/record.ts';
import type { Checkpoint } from '../audit/checkpoints.ts';
import { canonicalJson } from '../audit/canonical.ts';
import { CEREMONY_STEPS, sha256Hex, TRANSCRIPT_FORMAT, type Transcript, type TranscriptStep } from './transcript.ts';

export type ChainView = {
  /** seq → (hash hex, canonical record text) for every record in the verified chain. */
  readonly rows: ReadonlyMap<number, { readonly hash: string; readonly text: string }>;
  /** The verified checkpoints (their chain and signatures already checked). */
  readonly checkpoints: ReadonlyArray<Checkpoint>;
  readonly installationId: string;
  readonly keyFingerprint: string | null;
};

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
    const names: ReadonlyArray<unknown> = t.Steps.map((step) => (step as Partial<TranscriptStep>).Name);
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

export type TranscriptVerification = {
  readonly matches: boolean;
  /** Everything wrong, most specific first; empty when the transcript matches. */
  readonly problems: ReadonlyArray<string>;
  readonly installationId: string;
  readonly steps: number;
  readonly records: number;
  readonly checkpoint: { readonly Number: number; readonly HeadSeq: number; readonly SignatureFingerprint: string } | null;
  readonly filesChecked: number;
  readonly filesNotBesideTranscript: number;
  readonly keyFingerprint: string | null;
};

/**
 * A transcript (parsed JSON, not trusted) checked against a verified chain, the files in its folder
 * and, when given, the plan the custodians reviewed (its bytes, and a name for the message).
 */
export function verifyTranscript(value: unknown, dir: string, chain: ChainView, reviewedPlan?: { readonly name: string; readonly bytes: Uint8Array }): TranscriptVerification {
  const files = fileProblems(value, dir);
  const problems = [...transcriptProblems(value, chain), ...files.problems];
  const t = (typeof value === 'object' && value !== null ? value : {}) as Partial<Transcript>;
  if (reviewedPlan !== undefined) {
    const sha = sha256Hex(reviewedPlan.bytes);
    const named = t.Plan?.Sha256;
    if (sha !== named) {
      problems.push(`the plan ${reviewedPlan.name} has SHA-256 ${sha}; the transcript's ceremony ran a plan with SHA-256 ${String(named)}`);
    }
  }
  const steps = Array.isArray(t.Steps) ? t.Steps : [];
  return {
    matches: problems.length === 0,
    problems,
    installationId: chain.installationId,
    steps: steps.length,
    records: steps.reduce((n, s) => n + (Array.isArray(s.AuditRecords) ? s.AuditRecords.length : 0), 0),
    checkpoint: t.Checkpoint === null || t.Checkpoint === undefined ? null : { Number: t.Checkpoint.Number, HeadSeq: t.Checkpoint.HeadSeq, SignatureFingerprint: t.Checkpoint.SignatureFingerprint },
    filesChecked: files.checked,
    filesNotBesideTranscript: files.absent,
    keyFingerprint: chain.keyFingerprint,
  };
}
