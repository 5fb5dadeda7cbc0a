// The ceremony's port to the people in the room (docs/decisions.md D26). The engine runs the
// steps and decides what each answer means; a surface (the CLI on a terminal, the CLI with answer
// files, later the app's screens) implements how a step is shown, how a custodian's share and
// private key are asked for, and what is said when one is refused. Nothing here prints or reads a
// terminal.

import type { TranscriptStep } from './transcript.ts';

/** A step as the operator sees it before it runs. */
export type StepPreview = { readonly number: number; readonly title: string; readonly summary: ReadonlyArray<string> };

/** Whose share is asked for: the custodian the plan assigns share `index` to. */
export type ShareRequest = { readonly custodian: string; readonly index: number };

/** A share as a custodian re-entered it: its text (words, a share file, a sealed share) and where it came from, for messages. */
export type ShareEntry = { readonly text: string; readonly what: string };

/** A custodian's Ed25519 private key (PEM bytes), and what to call it in messages. */
export type CustodianKey = { readonly pem: Uint8Array; readonly what: string };

export interface CeremonyOperator {
  /** Shows a step before it runs; false stops the ceremony there, as not confirmed. */
  confirmStep(step: StepPreview): Promise<boolean>;
  /** The custodian's re-entry of their share; null when they stop. Throws (a KmsError saying why) when there is none to give. */
  reenterShare(request: ShareRequest): Promise<ShareEntry | null>;
  /** The re-entered share checked out (checksum, backup id, index). */
  shareAccepted(request: ShareRequest): void;
  /** Why a re-entered share was refused; true asks the custodian again, false fails the step with that reason. */
  shareRefused(request: ShareRequest, reason: Error): boolean;
  /**
   * The private key that opens a custodian's sealed share (its label already checked), or null to
   * use the one the ceremony generated for them, when `generated` says there is one.
   */
  custodianKey(request: ShareRequest & { readonly what: string; readonly generated: boolean }): Promise<CustodianKey | null>;
  /** A step finished and the transcript, with it, is saved. */
  stepDone(step: TranscriptStep): void;
}
