// The ceremony transcript's data (docs/decisions.md D26): what transcript.json holds and
// transcript.html (html.ts) shows. It lists every step with the audit records it produced (seq,
// eventName, requestID, record hash) and the signed checkpoint that covers them, so verify.ts can
// check it against a verified audit chain. It names outputs by identifiers and fingerprints only:
// never a share, a key or a passphrase.

import { createHash } from 'node:crypto';
import type { AuditRecord } from '../audit/record.ts';
import type { Checkpoint } from '../audit/checkpoints.ts';

export const TRANSCRIPT_FORMAT = 'strongroom-ceremony-transcript-v1';

export type TranscriptRecord = { readonly Seq: number; readonly EventName: string; readonly RequestId: string; readonly Hash: string };

/** Every ceremony's steps, in order ('keys' only when the plan has keys). */
export const CEREMONY_STEPS = ['installation', 'custodians', 'keys', 'backup', 'reentry', 'public-keys', 'checkpoint', 'audit-verify'] as const;

export type CeremonyStepName = (typeof CEREMONY_STEPS)[number];

export type TranscriptStep = {
  readonly Number: number;
  readonly Name: CeremonyStepName;
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

/** The transcript of a ceremony about to start: no steps yet, status running. */
export function newTranscript(plan: { readonly file: string; readonly text: string }, dataDir: string, now: Date): Transcript {
  return {
    Format: TRANSCRIPT_FORMAT,
    Title: 'Strongroom key ceremony transcript',
    Plan: { File: plan.file, Sha256: sha256Hex(plan.text) },
    InstallationId: null,
    AccountId: null,
    Region: null,
    DataDir: dataDir,
    StartedAt: now.toISOString(),
    FinishedAt: null,
    Status: 'running',
    StoppedAt: null,
    Steps: [],
    Checkpoint: null,
    AuditPublicKeyFingerprint: null,
  };
}
