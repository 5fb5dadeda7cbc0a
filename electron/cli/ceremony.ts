// `strongroom ceremony run` and `strongroom ceremony verify-transcript` (docs/decisions.md D26):
// the command line's shell around the engine's ceremony (electron/kms/ceremony/). It reads the
// flags, the plan, answers and transcript files, asks on the terminal through the operator port
// (ceremony-operator.ts), adds command-line hints to the engine's messages, and prints results.

import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { map, SchemaError, str, struct, validateInput, type Infer } from '../../shared/api/schema.ts';
import { readPublicKey } from '../kms/audit/checkpoints.ts';
import { chainFromDataDir, chainFromExport } from '../kms/ceremony/chain.ts';
import { readFileOrFail } from '../kms/ceremony/out-dir.ts';
import { CUSTODIAN_NAME, parsePlan } from '../kms/ceremony/plan.ts';
import { prepareCeremony, runCeremony } from '../kms/ceremony/runner.ts';
import { verifyTranscript } from '../kms/ceremony/verify.ts';
import { InstallationError, ValidationException, type InstallationProblem } from '../kms/errors.ts';
import type { ProviderForKind } from '../kms/installation.ts';
import type { RootKeyProvider } from '../kms/rootkey/provider.ts';
import { rejectLeftovers, runSubcommand, takeOne, takeSwitch } from './args.ts';
import { CliCeremonyOperator, type Ask } from './ceremony-operator.ts';
import { UsageError } from './usage-error.ts';

type Flags = Map<string, ReadonlyArray<string>>;

export const CEREMONY_SUBCOMMANDS = ['run', 'verify-transcript'] as const;
export const CEREMONY_REPEATABLE_FLAGS: ReadonlySet<string> = new Set(['reentered-share', 'custodian-key']);

export type CeremonyCliHost = {
  readonly dataDir: string;
  readonly userAgent: string;
  readonly stdin: NodeJS.ReadStream;
  /** Where a terminal ceremony's prompts go (and typed answers echo). */
  readonly stderr: NodeJS.WritableStream;
  readonly print: (value: unknown) => void;
  readonly warn: (text: string) => void;
  /** A provider for a new installation's root key (asks for a new passphrase twice when interactive). */
  readonly newProvider: (kind: 'keychain' | 'passphrase') => RootKeyProvider;
  readonly providerForKind: ProviderForKind;
};

/** `--reentered-share alice=F …`: custodian name → file. */
function namedFiles(values: ReadonlyArray<string>, flag: string, command: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const value of values) {
    const at = value.indexOf('=');
    const name = value.slice(0, Math.max(at, 0));
    const file = value.slice(at + 1);
    if (at < 0 || !CUSTODIAN_NAME.test(name) || file === '') {
      throw new UsageError(`argument --${flag}: expected <custodian name>=<file>, like alice=alice-share.txt; got '${value}'`, command);
    }
    if (out.has(name)) {
      throw new UsageError(`argument --${flag}: ${name} is named twice`, command);
    }
    out.set(name, file);
  }
  return out;
}

/** The engine's installation problem `problem`, with what to do about it on the command line. */
function withHint<T>(problem: InstallationProblem, hint: string, act: () => T): T {
  try {
    return act();
  } catch (err) {
    throw err instanceof InstallationError && err.problem === problem ? new InstallationError(problem, `${err.message} ${hint}`, { cause: err }) : err;
  }
}

/** A JSON file's value. @throws ValidationException naming `what` and the file when it cannot be read or parsed */
function readJson(file: string, what: string): unknown {
  const text = readFileOrFail(file, what).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ValidationException(`${what.charAt(0).toUpperCase()}${what.slice(1)} ${file} is not JSON: ${(err as Error).message}.`);
  }
}

const answersSpec = struct({
  ReenteredShares: map({ key: str({ pattern: CUSTODIAN_NAME }), value: str({ min: 1 }) }),
  CustodianKeys: map({ key: str({ pattern: CUSTODIAN_NAME }), value: str({ min: 1 }) }),
});

/** `--answers F`: the re-entries and custodian keys as a file, paths relative to it. */
function readAnswers(file: string): Infer<typeof answersSpec> {
  const value = readJson(file, 'the answers file');
  try {
    return validateInput(answersSpec, value, 'bytes');
  } catch (err) {
    throw err instanceof SchemaError ? new ValidationException(`The answers file ${file} is not valid: ${err.message}`) : err;
  }
}

export class CeremonyCli {
  readonly #host: CeremonyCliHost;

  constructor(host: CeremonyCliHost) {
    this.#host = host;
  }

  async run(sub: string | undefined, args: ReadonlyArray<string>, flags: Flags): Promise<number> {
    return runSubcommand('ceremony', sub, args, CEREMONY_SUBCOMMANDS, {
      run: (command) => this.#run(flags, command),
      'verify-transcript': (command) => this.#verifyTranscript(flags, command),
    });
  }

  async #run(flags: Flags, command: string): Promise<number> {
    const planFile = takeOne(flags, 'plan', command);
    const outDirFlag = takeOne(flags, 'out-dir', command);
    const yes = takeSwitch(flags, 'yes', command);
    const existing = takeSwitch(flags, 'existing', command);
    const reentered = namedFiles(flags.get('reentered-share') ?? [], 'reentered-share', command);
    flags.delete('reentered-share');
    const custodianKeys = namedFiles(flags.get('custodian-key') ?? [], 'custodian-key', command);
    flags.delete('custodian-key');
    const answersFile = takeOne(flags, 'answers', command);
    rejectLeftovers(flags, command);
    if (answersFile !== undefined) {
      const answers = readAnswers(answersFile);
      for (const [target, given, flag] of [[reentered, answers.ReenteredShares, 'reentered-share'], [custodianKeys, answers.CustodianKeys, 'custodian-key']] as const) {
        for (const [name, path] of Object.entries(given ?? {})) {
          if (target.has(name)) {
            throw new UsageError(`${name} is named both by --${flag} and in ${answersFile}`, command);
          }
          target.set(name, resolve(dirname(resolve(answersFile)), path));
        }
      }
    }
    if (planFile === undefined || outDirFlag === undefined) {
      throw new UsageError(`the following arguments are required: ${[planFile === undefined ? '--plan' : '', outDirFlag === undefined ? '--out-dir' : ''].filter((f) => f !== '').join(', ')}`, command);
    }
    const interactive = !yes && this.#host.stdin.isTTY === true;
    if (!yes && !interactive) {
      throw new UsageError('stdin is not a terminal, so nobody can confirm the steps or re-enter shares: pass --yes, with --reentered-share <name>=<file> for each custodian', command);
    }
    const planText = readFileOrFail(planFile, 'the ceremony plan').toString('utf8');
    const plan = parsePlan(planText, planFile);
    for (const name of [...reentered.keys(), ...custodianKeys.keys()]) {
      if (!plan.Custodians.some((c) => c.Name === name)) {
        throw new UsageError(`--reentered-share / --custodian-key name '${name}', who is not a custodian in the plan`, command);
      }
    }
    const outDir = resolve(outDirFlag);
    const { dataDir } = this.#host;
    withHint('AlreadyInitialized', 'Point --data-dir at an empty folder, or pass --existing to hold the ceremony on this installation.', () =>
      withHint('NotInitialized', 'Leave out --existing to create one there, or point --data-dir at it.', () => prepareCeremony({ dataDir, outDir, existing })),
    );
    const operator = new CliCeremonyOperator({ ask: interactive ? this.#terminalAsk() : null, say: (text) => this.#host.warn(text), reenteredShares: reentered, custodianKeys });
    const outcome = await runCeremony({
      plan,
      planFile: { path: planFile, text: planText },
      outDir,
      dataDir,
      existing,
      userAgent: this.#host.userAgent,
      newProvider: this.#host.newProvider,
      providerForKind: this.#host.providerForKind,
      operator,
      verifyHow: 'strongroom ceremony verify-transcript --transcript transcript.json',
    });
    const t = outcome.transcript;
    if (outcome.status === 'completed') {
      this.#host.print({
        Status: 'Completed',
        OutDir: outDir,
        Transcript: outcome.transcriptFile,
        TranscriptHtml: outcome.transcriptHtmlFile,
        InstallationId: t.InstallationId,
        Keys: outcome.keys.map((k) => ({ Alias: k.alias, KeyId: k.keyId, Arn: k.arn })),
        BackupId: outcome.backupId,
        Checkpoint: t.Checkpoint === null ? null : { Number: t.Checkpoint.Number, HeadSeq: t.Checkpoint.HeadSeq, SignatureFingerprint: t.Checkpoint.SignatureFingerprint },
        Steps: t.Steps.length,
      });
      this.#host.warn(`Ceremony complete: print ${outcome.transcriptHtmlFile}; check it later with strongroom ceremony verify-transcript --transcript ${outcome.transcriptFile}.\n`);
      return 0;
    }
    const stop = t.StoppedAt ?? { Step: 0, Title: '', Reason: '' };
    this.#host.print({ Status: 'Stopped', StoppedAt: t.StoppedAt, OutDir: outDir, Transcript: outcome.transcriptFile });
    this.#host.warn(
      `strongroom: the ceremony stopped at step ${stop.Step} (${stop.Title}): ${stop.Reason}\nThe steps done before it are audited and in ${outcome.transcriptFile} (and .html), marked "stopped at step ${stop.Step}".\n`,
    );
    return 1;
  }

  /**
   * One line-reader per question, closed after it: between questions stdin is free for the
   * passphrase prompt (echo off), which another open reader would echo.
   */
  #terminalAsk(): Ask {
    return async (question) => {
      const rl = createInterface({ input: this.#host.stdin, output: this.#host.stderr, terminal: true });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    };
  }

  async #verifyTranscript(flags: Flags, command: string): Promise<number> {
    const file = takeOne(flags, 'transcript', command);
    const fromExport = takeOne(flags, 'from-export', command);
    const trustedFile = takeOne(flags, 'trusted-public-key', command);
    const reviewedPlan = takeOne(flags, 'plan', command);
    rejectLeftovers(flags, command);
    if (file === undefined) {
      throw new UsageError('the following arguments are required: --transcript', command);
    }
    const transcript = readJson(file, 'the transcript');
    const trusted = trustedFile === undefined ? undefined : readPublicKey(readFileOrFail(trustedFile, 'the trusted public key'));
    const chain =
      fromExport === undefined
        ? withHint('NotInitialized', 'Give --data-dir, or --from-export <audit export>.', () => chainFromDataDir(this.#host.dataDir, trusted))
        : await chainFromExport(fromExport, trusted);
    const plan = reviewedPlan === undefined ? undefined : { name: reviewedPlan, bytes: readFileOrFail(reviewedPlan, 'the plan') };
    const result = verifyTranscript(transcript, dirname(resolve(file)), chain, plan);
    const summary = {
      Transcript: file,
      Source: fromExport ?? this.#host.dataDir,
      InstallationId: result.installationId,
      Steps: result.steps,
      Records: result.records,
      Checkpoint: result.checkpoint,
      FilesChecked: result.filesChecked,
      FilesNotBesideTranscript: result.filesNotBesideTranscript,
      KeyFingerprint: result.keyFingerprint,
      KeyTrust: trusted === undefined ? (fromExport === undefined ? 'the public key stored in this installation' : 'the public key inside the export') : 'the trusted public key given',
    };
    if (result.matches) {
      this.#host.print({ Matches: true, ...summary });
      return 0;
    }
    this.#host.print({ Matches: false, ...summary, Problems: result.problems });
    for (const p of result.problems) {
      this.#host.warn(`strongroom: the transcript does not match the audit records: ${p}\n`);
    }
    return 1;
  }
}
