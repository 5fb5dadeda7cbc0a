// Running a key ceremony (docs/decisions.md D26): the steps of steps.ts in order, each shown to
// the operator and confirmed before it acts, each entered in the transcript with the audit records
// it produced, the transcript (JSON and printable HTML) saved after every step. The first step that
// fails, or is not confirmed, stops the ceremony: the transcript says where and why, and a final
// checkpoint signs what was done, so even a stopped ceremony's transcript can be verified.

import { basename, join } from 'node:path';
import { wipe } from '../crypto/wipe.ts';
import { InstallationError, KmsError } from '../errors.ts';
import { faultPoint } from '../fault-point.ts';
import { transcriptHtml } from './html.ts';
import { checkOutDirEmpty, makeOutDir, writeAtomic } from './out-dir.ts';
import { hasInstallation } from './chain.ts';
import {
  auditVerifyStep,
  backupStep,
  checkpointStep,
  custodiansStep,
  installationStep,
  keysStep,
  publicKeysStep,
  reentryStep,
  signFinalCheckpoint,
  type CeremonySetup,
  type KeyMade,
  type StepDefinition,
  type StepEnv,
} from './steps.ts';
import { newTranscript, transcriptRecord, type Transcript, type TranscriptStep } from './transcript.ts';

export type CeremonyOptions = CeremonySetup & {
  /** The plan file as read: its name goes in the transcript, the SHA-256 of its text too. */
  readonly planFile: { readonly path: string; readonly text: string };
  /** How a reader checks the transcript later, printed in transcript.html. */
  readonly verifyHow?: string;
  /** Wall-clock time for the transcript's timestamps (before the installation, and its clock, is open). */
  readonly now?: () => Date;
};

export type CeremonyOutcome = {
  readonly status: 'completed' | 'stopped';
  readonly transcript: Readonly<Transcript>;
  readonly transcriptFile: string;
  readonly transcriptHtmlFile: string;
  readonly keys: ReadonlyArray<KeyMade>;
  readonly backupId: string | null;
};

/** A step that failed or was not confirmed: the ceremony stops here. */
class StepFailed extends Error {}

/** In the order they run; a step whose factory gives null (no keys in the plan) is left out. */
const STEPS: ReadonlyArray<(env: StepEnv) => StepDefinition | null> = [installationStep, custodiansStep, keysStep, backupStep, reentryStep, publicKeysStep, checkpointStep, auditVerifyStep];

function messageOf(err: unknown): string {
  return err instanceof KmsError ? `${err.name}: ${err.message}` : err instanceof Error ? err.message : String(err);
}

/**
 * Checks that a ceremony can start, then makes its output folders: the output folder is new or
 * empty, and the data directory holds an installation exactly when `existing` says so.
 * @throws ValidationException, InstallationError ('AlreadyInitialized', 'NotInitialized')
 */
export function prepareCeremony(options: { readonly dataDir: string; readonly outDir: string; readonly existing: boolean }): void {
  checkOutDirEmpty(options.outDir);
  const present = hasInstallation(options.dataDir);
  if (present && !options.existing) {
    throw new InstallationError('AlreadyInitialized', `There is already an installation in ${options.dataDir}: a ceremony creates its own.`);
  }
  if (!present && options.existing) {
    throw new InstallationError('NotInitialized', `The ceremony was to be held on the existing installation, but there is no installation in ${options.dataDir}.`);
  }
  makeOutDir(options.outDir);
}

class CeremonyRun {
  readonly #options: CeremonyOptions;
  readonly #env: StepEnv;
  readonly #now: () => Date;

  constructor(options: CeremonyOptions) {
    this.#options = options;
    this.#now = options.now ?? ((): Date => new Date());
    this.#env = {
      setup: options,
      state: { kms: null, keys: [], backup: null, checkpoint: null, generatedKeys: new Map() },
      transcript: newTranscript({ file: basename(options.planFile.path), text: options.planFile.text }, options.dataDir, this.#now()),
    };
  }

  get #t(): Transcript {
    return this.#env.transcript;
  }

  #file(name: string): string {
    return join(this.#options.outDir, name);
  }

  #save(): void {
    writeAtomic(this.#file('transcript.json'), `${JSON.stringify(this.#t, null, 2)}\n`);
    writeAtomic(this.#file('transcript.html'), transcriptHtml(this.#t, this.#options.verifyHow === undefined ? {} : { verifyHow: this.#options.verifyHow }));
  }

  async #run(step: StepDefinition): Promise<void> {
    const s: TranscriptStep = {
      Number: this.#t.Steps.length + 1,
      Name: step.name,
      Title: step.title,
      StartedAt: this.#now().toISOString(),
      FinishedAt: null,
      Status: 'done',
      Actors: [...step.actors],
      Summary: [...step.summary],
      Outputs: [],
      AuditRecords: [],
    };
    this.#t.Steps.push(s);
    const { state } = this.#env;
    // Where this step's records begin: after the current head, or from record 1 of a log the
    // installation step is about to create. An existing log opened by this step has records
    // from before the ceremony, none of them this step's.
    const before = state.kms?.audit.head()?.seq ?? (this.#options.existing ? null : 0);
    const collect = (): void => {
      if (state.kms !== null && before !== null) {
        s.AuditRecords = state.kms.audit.recordsFrom(before + 1).map(transcriptRecord);
      }
    };
    try {
      if (!(await this.#options.operator.confirmStep({ number: s.Number, title: s.Title, summary: s.Summary }))) {
        throw new StepFailed('the operator did not confirm the step');
      }
      await step.act(s);
    } catch (err) {
      collect();
      s.Status = 'failed';
      s.Error = messageOf(err);
      s.FinishedAt = this.#now().toISOString();
      throw new StepFailed(s.Error);
    }
    collect();
    s.FinishedAt = this.#now().toISOString();
    this.#save();
    this.#options.operator.stepDone(s);
  }

  #outcome(status: CeremonyOutcome['status']): CeremonyOutcome {
    const { state } = this.#env;
    return { status, transcript: this.#t, transcriptFile: this.#file('transcript.json'), transcriptHtmlFile: this.#file('transcript.html'), keys: state.keys, backupId: state.backup?.BackupId ?? null };
  }

  async run(): Promise<CeremonyOutcome> {
    this.#save();
    try {
      for (const make of STEPS) {
        const step = make(this.#env);
        if (step !== null) {
          await this.#run(step);
        }
      }
      faultPoint('ceremony-done');
      this.#t.Status = 'completed';
      this.#t.FinishedAt = this.#now().toISOString();
      this.#save();
      return this.#outcome('completed');
    } catch (err) {
      if (!(err instanceof StepFailed)) {
        throw err;
      }
      const failed = this.#t.Steps.at(-1);
      this.#t.Status = 'stopped';
      this.#t.StoppedAt = { Step: failed?.Number ?? 0, Title: failed?.Title ?? '', Reason: err.message };
      this.#t.FinishedAt = this.#now().toISOString();
      // What was done is audited; a checkpoint signs it, so the partial transcript is checkable too.
      if (this.#env.state.kms !== null) {
        try {
          signFinalCheckpoint(this.#env);
        } catch {
          // The stop is what matters; the transcript says there is no checkpoint.
        }
      }
      this.#save();
      return this.#outcome('stopped');
    } finally {
      this.#env.state.kms?.close();
      wipe(...[...this.#env.state.generatedKeys.values()].map((k) => k.pem));
    }
  }
}

/**
 * Runs a ceremony into an output folder made by prepareCeremony. A step that fails is not thrown:
 * the outcome says 'stopped' and the transcript where and why. Throws only what no step caught.
 */
export function runCeremony(options: CeremonyOptions): Promise<CeremonyOutcome> {
  return new CeremonyRun(options).run();
}
