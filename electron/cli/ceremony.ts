// `strongroom ceremony run` and `strongroom ceremony verify-transcript` (decision D26): a key
// ceremony from a plan file — create (or open) the installation, register custodians, generate
// keys, create the backup with shares sealed to custodians, have each custodian re-enter their
// share, export public keys and a signed audit checkpoint, verify the audit log — writing a
// transcript (JSON and printable HTML) after every step. Everything is composed from the engine's
// existing operations; nothing here does crypto or storage of its own.

import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { map, SchemaError, str, struct, validateInput, type Infer } from '../../shared/api/schema.ts';
import { AuditLog } from '../kms/audit/log.ts';
import { canonicalJson } from '../kms/audit/canonical.ts';
import { checkpointToJson, readPublicKey, spkiOf, publicKeyFingerprint, type Checkpoint } from '../kms/audit/checkpoints.ts';
import { readExport, verifyExport } from '../kms/audit/export.ts';
import type { BackupSummary } from '../kms/backup/create.ts';
import { verifyBackup } from '../kms/backup/restore.ts';
import { custodianPrivateKey, custodianPublicKey, parseSealed, unseal } from '../kms/backup/seal.ts';
import { decodeShare, encodeShare, parseShareText, shareWordsText, type Share } from '../kms/backup/shares.ts';
import { Kms } from '../kms/engine.ts';
import { KmsError, ValidationException } from '../kms/errors.ts';
import type { ProviderForKind } from '../kms/installation.ts';
import { generateCustodianKey } from '../kms/quorum/approval.ts';
import type { RootKeyProvider } from '../kms/rootkey/provider.ts';
import { DATABASE_FILE, openDatabase } from '../kms/store/database.ts';
import { rejectLeftovers, runSubcommand, takeOne, takeSwitch } from './args.ts';
import { parsePlan, planPath, type CeremonyPlan } from './ceremony-plan.ts';
import {
  fileProblems,
  sha256Hex,
  TRANSCRIPT_FORMAT,
  transcriptCheckpoint,
  transcriptHtml,
  transcriptProblems,
  transcriptRecord,
  writeAtomic,
  type ChainView,
  type Transcript,
  type TranscriptStep,
} from './ceremony-transcript.ts';
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

type Ask = (question: string) => Promise<string>;

/** A step that failed: the ceremony stops here. */
class StepFailed extends Error {}

function namedFiles(values: ReadonlyArray<string>, flag: string, command: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const value of values) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})=(.+)$/.exec(value);
    if (m === null) {
      throw new UsageError(`argument --${flag}: expected <custodian name>=<file>, like alice=alice-share.txt; got '${value}'`, command);
    }
    const name = m[1] ?? '';
    if (out.has(name)) {
      throw new UsageError(`argument --${flag}: ${name} is named twice`, command);
    }
    out.set(name, m[2] ?? '');
  }
  return out;
}

function messageOf(err: unknown): string {
  return err instanceof KmsError ? `${err.name}: ${err.message}` : err instanceof Error ? err.message : String(err);
}

function readOrFail(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ValidationException(`Cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
  }
}

const isAsymmetric = (spec: string | undefined): boolean => spec !== undefined && spec !== 'SYMMETRIC_DEFAULT' && !spec.startsWith('HMAC_');

/** A file name for an alias: alias/payments/signing → payments_signing. */
const aliasFileName = (alias: string): string => alias.slice('alias/'.length).replace(/\//g, '_');

const answersSpec = struct({
  ReenteredShares: map({ key: str({ pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/ }), value: str({ min: 1 }) }),
  CustodianKeys: map({ key: str({ pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/ }), value: str({ min: 1 }) }),
});

/** `--answers F`: the re-entries and custodian keys as a file, paths relative to it. */
function readAnswers(file: string): Infer<typeof answersSpec> {
  let value: unknown;
  try {
    value = JSON.parse(readOrFail(file, 'the answers file').toString('utf8'));
  } catch (err) {
    if (err instanceof KmsError) {
      throw err;
    }
    throw new ValidationException(`The answers file ${file} is not JSON: ${(err as Error).message}.`);
  }
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
    const planText = readOrFail(planFile, 'the ceremony plan').toString('utf8');
    const plan = parsePlan(planText, planFile);
    for (const name of [...reentered.keys(), ...custodianKeys.keys()]) {
      if (!plan.Custodians.some((c) => c.Name === name)) {
        throw new UsageError(`--reentered-share / --custodian-key name '${name}', who is not a custodian in the plan`, command);
      }
    }
    const outDir = resolve(outDirFlag);
    if (existsSync(outDir) && readdirSync(outDir).length > 0) {
      throw new ValidationException(`--out-dir ${outDir} is not empty: a ceremony writes into a new or empty folder, so no earlier transcript or share is replaced.`);
    }
    const hasInstallation = existsSync(join(this.#host.dataDir, DATABASE_FILE));
    if (hasInstallation && !existing) {
      throw new ValidationException(`There is already an installation in ${this.#host.dataDir}: a ceremony creates its own. Point --data-dir at an empty folder, or pass --existing to hold the ceremony on this installation.`);
    }
    if (!hasInstallation && existing) {
      throw new ValidationException(`--existing was given but there is no installation in ${this.#host.dataDir}.`);
    }
    for (const sub of ['', 'custodians', 'public', 'shares']) {
      mkdirSync(join(outDir, sub), { recursive: true, mode: sub === 'custodians' ? 0o700 : 0o755 });
    }
    // One line-reader per question, closed after it: between questions stdin is free for the
    // passphrase prompt (echo off), which another open reader would echo.
    const ask: Ask | null = interactive
      ? async (question) => {
          const rl = createInterface({ input: this.#host.stdin, output: this.#host.stderr, terminal: true });
          try {
            return await rl.question(question);
          } finally {
            rl.close();
          }
        }
      : null;
    return new Ceremony(this.#host, plan, planFile, planText, outDir, existing, ask, reentered, custodianKeys).run();
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
    let transcript: unknown;
    try {
      transcript = JSON.parse(readOrFail(file, 'the transcript').toString('utf8'));
    } catch (err) {
      if (err instanceof KmsError) {
        throw err;
      }
      throw new ValidationException(`${file} is not JSON: ${(err as Error).message}.`);
    }
    const trusted = trustedFile === undefined ? undefined : readPublicKey(readOrFail(trustedFile, 'the trusted public key'));
    const chain = fromExport === undefined ? this.#chainFromLog(trusted) : await chainFromExport(fromExport, trusted);
    const files = fileProblems(transcript, dirname(resolve(file)));
    const problems = [...transcriptProblems(transcript, chain), ...files.problems];
    if (reviewedPlan !== undefined) {
      const sha = sha256Hex(readOrFail(reviewedPlan, 'the plan'));
      const named = (transcript as Partial<Transcript> | null)?.Plan?.Sha256;
      if (sha !== named) {
        problems.push(`the plan ${reviewedPlan} has SHA-256 ${sha}; the transcript's ceremony ran a plan with SHA-256 ${String(named)}`);
      }
    }
    const t = transcript as Partial<Transcript>;
    const summary = {
      Transcript: file,
      Source: fromExport ?? this.#host.dataDir,
      InstallationId: chain.installationId,
      Steps: Array.isArray(t.Steps) ? t.Steps.length : 0,
      Records: Array.isArray(t.Steps) ? t.Steps.reduce((n, s) => n + (Array.isArray(s.AuditRecords) ? s.AuditRecords.length : 0), 0) : 0,
      Checkpoint: t.Checkpoint === null || t.Checkpoint === undefined ? null : { Number: t.Checkpoint.Number, HeadSeq: t.Checkpoint.HeadSeq, SignatureFingerprint: t.Checkpoint.SignatureFingerprint },
      FilesChecked: files.checked,
      FilesNotBesideTranscript: files.absent,
      KeyFingerprint: chain.keyFingerprint,
      KeyTrust: trusted === undefined ? (fromExport === undefined ? 'the public key stored in this installation' : 'the public key inside the export') : 'the trusted public key given',
    };
    if (problems.length === 0) {
      this.#host.print({ Matches: true, ...summary });
      return 0;
    }
    this.#host.print({ Matches: false, ...summary, Problems: problems });
    for (const p of problems) {
      this.#host.warn(`strongroom: the transcript does not match the audit records: ${p}\n`);
    }
    return 1;
  }

  #chainFromLog(trusted: ReturnType<typeof readPublicKey> | undefined): ChainView {
    const dbPath = join(this.#host.dataDir, DATABASE_FILE);
    if (!existsSync(dbPath)) {
      throw new ValidationException(`There is no Strongroom installation in ${this.#host.dataDir}: give --data-dir, or --from-export <audit export>.`);
    }
    const db = openDatabase(dbPath);
    try {
      const log = new AuditLog(db);
      const report = log.verify(trusted === undefined ? {} : { trustedPublicKey: trusted });
      if (!report.ok) {
        throw new ValidationException(`The audit log is not intact, so no transcript can be checked against it: ${report.problem?.detail ?? 'unknown problem'}.`);
      }
      const rows = new Map(log.recordsFrom(1).map((r) => [r.seq, { hash: r.hash, text: canonicalJson(r.record) }]));
      const id = db.prepare<[], { id: string }>('SELECT installation_id AS id FROM installation WHERE id = 1').get()?.id ?? '';
      return { rows, checkpoints: log.checkpoints(), installationId: id, keyFingerprint: trusted === undefined ? (log.publicKey()?.fingerprint ?? null) : publicKeyFingerprint(spkiOf(trusted)) };
    } finally {
      db.close();
    }
  }
}

async function chainFromExport(file: string, trusted: ReturnType<typeof readPublicKey> | undefined): Promise<ChainView> {
  const reader = await readExport(file);
  const report = await verifyExport(reader, trusted);
  if (!report.ok) {
    throw new ValidationException(`The audit export ${file} is not intact, so no transcript can be checked against it: ${report.problem?.detail ?? 'unknown problem'}.`);
  }
  const rows = new Map<number, { hash: string; text: string }>();
  for await (const [seq, , hash, text] of reader.rows()) {
    rows.set(seq, { hash: hash.toLowerCase(), text });
  }
  return { rows, checkpoints: reader.checkpoints, installationId: report.header.installationId, keyFingerprint: report.keyFingerprint };
}

type KeyMade = { readonly alias: string; readonly keyId: string; readonly arn: string; readonly keySpec: string };

class Ceremony {
  readonly #host: CeremonyCliHost;
  readonly #plan: CeremonyPlan;
  readonly #outDir: string;
  readonly #existing: boolean;
  /** Asks on the terminal; null when not interactive. */
  readonly #rl: Ask | null;
  readonly #reentered: ReadonlyMap<string, string>;
  readonly #custodianKeys: Map<string, string>;
  readonly #t: Transcript;
  #kms: Kms | null = null;
  #keys: Array<KeyMade> = [];
  #backup: BackupSummary | null = null;
  #checkpoint: Checkpoint | null = null;

  constructor(host: CeremonyCliHost, plan: CeremonyPlan, planFile: string, planText: string, outDir: string, existing: boolean, rl: Ask | null, reentered: ReadonlyMap<string, string>, custodianKeys: ReadonlyMap<string, string>) {
    this.#host = host;
    this.#plan = plan;
    this.#outDir = outDir;
    this.#existing = existing;
    this.#rl = rl;
    this.#reentered = reentered;
    this.#custodianKeys = new Map(custodianKeys);
    this.#t = {
      Format: TRANSCRIPT_FORMAT,
      Title: 'Strongroom key ceremony transcript',
      Plan: { File: basename(planFile), Sha256: sha256Hex(planText) },
      InstallationId: null,
      AccountId: null,
      Region: null,
      DataDir: host.dataDir,
      StartedAt: new Date().toISOString(),
      FinishedAt: null,
      Status: 'running',
      StoppedAt: null,
      Steps: [],
      Checkpoint: null,
      AuditPublicKeyFingerprint: null,
    };
  }

  #rel(path: string): string {
    return relative(this.#outDir, path);
  }

  #save(): void {
    writeAtomic(join(this.#outDir, 'transcript.json'), `${JSON.stringify(this.#t, null, 2)}\n`);
    writeAtomic(join(this.#outDir, 'transcript.html'), transcriptHtml(this.#t));
  }

  #say(text: string): void {
    this.#host.warn(text);
  }

  async #confirm(step: TranscriptStep): Promise<void> {
    if (this.#rl === null) {
      return;
    }
    this.#say(`\nStep ${step.Number}: ${step.Title}\n${step.Summary.map((l) => `  - ${l}\n`).join('')}`);
    const answer = await this.#rl('Proceed? [y/N] ');
    if (!/^y(es)?$/i.test(answer.trim())) {
      throw new StepFailed('the operator did not confirm the step');
    }
  }

  async #step(name: string, title: string, actors: ReadonlyArray<string>, summary: ReadonlyArray<string>, act: (s: TranscriptStep) => Promise<void>): Promise<void> {
    const s: TranscriptStep = {
      Number: this.#t.Steps.length + 1,
      Name: name,
      Title: title,
      StartedAt: new Date().toISOString(),
      FinishedAt: null,
      Status: 'done',
      Actors: [...actors],
      Summary: [...summary],
      Outputs: [],
      AuditRecords: [],
    };
    this.#t.Steps.push(s);
    const before = this.#kms?.audit.head()?.seq ?? (this.#existing ? null : 0);
    const collect = (): void => {
      const kms = this.#kms;
      if (kms !== null && before !== null) {
        s.AuditRecords = kms.audit.recordsFrom(before + 1).map(transcriptRecord);
      }
    };
    try {
      await this.#confirm(s);
      await act(s);
    } catch (err) {
      collect();
      s.Status = 'failed';
      s.Error = messageOf(err);
      s.FinishedAt = new Date().toISOString();
      throw new StepFailed(s.Error);
    }
    collect();
    s.FinishedAt = new Date().toISOString();
    this.#save();
    if (this.#rl === null) {
      this.#say(`Step ${s.Number} done: ${title}\n`);
    } else {
      this.#say(`Step ${s.Number} done.\n`);
    }
  }

  get #k(): Kms {
    if (this.#kms === null) {
      throw new Error('the installation is not open');
    }
    return this.#kms;
  }

  async run(): Promise<number> {
    this.#save();
    try {
      await this.#installation();
      await this.#custodians();
      await this.#makeKeys();
      await this.#makeBackup();
      await this.#reentry();
      await this.#publicKeys();
      await this.#signCheckpoint();
      await this.#verifyAudit();
      this.#t.Status = 'completed';
      this.#t.FinishedAt = new Date().toISOString();
      this.#save();
      this.#host.print({
        Status: 'Completed',
        OutDir: this.#outDir,
        Transcript: join(this.#outDir, 'transcript.json'),
        TranscriptHtml: join(this.#outDir, 'transcript.html'),
        InstallationId: this.#t.InstallationId,
        Keys: this.#keys.map((k) => ({ Alias: k.alias, KeyId: k.keyId, Arn: k.arn })),
        BackupId: this.#backup?.BackupId ?? null,
        Checkpoint: this.#t.Checkpoint === null ? null : { Number: this.#t.Checkpoint.Number, HeadSeq: this.#t.Checkpoint.HeadSeq, SignatureFingerprint: this.#t.Checkpoint.SignatureFingerprint },
        Steps: this.#t.Steps.length,
      });
      this.#say(`Ceremony complete: print ${join(this.#outDir, 'transcript.html')}; check it later with strongroom ceremony verify-transcript --transcript ${join(this.#outDir, 'transcript.json')}.\n`);
      return 0;
    } catch (err) {
      if (!(err instanceof StepFailed)) {
        throw err;
      }
      const failed = this.#t.Steps.at(-1);
      const number = failed?.Number ?? 0;
      this.#t.Status = 'stopped';
      this.#t.StoppedAt = { Step: number, Title: failed?.Title ?? '', Reason: err.message };
      this.#t.FinishedAt = new Date().toISOString();
      // What was done is audited; a checkpoint signs it, so the partial transcript is checkable too.
      if (this.#kms !== null) {
        try {
          this.#finalCheckpoint();
        } catch {
          // The stop is what matters; the transcript says there is no checkpoint.
        }
      }
      this.#save();
      this.#host.print({ Status: 'Stopped', StoppedAt: this.#t.StoppedAt, OutDir: this.#outDir, Transcript: join(this.#outDir, 'transcript.json') });
      this.#host.warn(`strongroom: the ceremony stopped at step ${number} (${failed?.Title ?? ''}): ${err.message}\nThe steps done before it are audited and in ${join(this.#outDir, 'transcript.json')} (and .html), marked "stopped at step ${number}".\n`);
      return 1;
    } finally {
      this.#kms?.close();
    }
  }

  async #installation(): Promise<void> {
    const i = this.#plan.Installation;
    const dataDir = this.#host.dataDir;
    const title = this.#existing ? 'Open the existing installation' : 'Create the installation';
    const summary = this.#existing
      ? [`Open the installation in ${dataDir}`]
      : [`Create an installation in ${dataDir}: account ${i.AccountId ?? '(generated)'}, region ${i.Region ?? '(default)'}, root key in the ${i.RootKeyProvider}`];
    await this.#step('installation', title, ['owner'], summary, async (s) => {
      const kms = this.#existing
        ? await Kms.open({ dataDir, providerForKind: this.#host.providerForKind, userAgent: this.#host.userAgent })
        : await Kms.init({
            dataDir,
            provider: this.#host.newProvider(i.RootKeyProvider),
            userAgent: this.#host.userAgent,
            ...(i.Region === undefined ? {} : { region: i.Region }),
            ...(i.AccountId === undefined ? {} : { accountId: i.AccountId }),
          });
      this.#kms = kms;
      if (this.#existing && (kms.installation.rootKeyProvider !== i.RootKeyProvider || (i.AccountId !== undefined && i.AccountId !== kms.installation.accountId) || (i.Region !== undefined && i.Region !== kms.installation.region))) {
        throw new ValidationException(`The installation in ${dataDir} (account ${kms.installation.accountId}, region ${kms.installation.region}, root key in the ${kms.installation.rootKeyProvider}) is not the one the plan describes.`);
      }
      const info = kms.installation;
      this.#t.InstallationId = info.installationId;
      this.#t.AccountId = info.accountId;
      this.#t.Region = info.region;
      s.Outputs.push({ InstallationId: info.installationId, AccountId: info.accountId, Region: info.region, RootKeyProvider: info.rootKeyProvider, RootKeyLocation: info.rootKeyLocation });
    });
  }

  async #custodians(): Promise<void> {
    const list = this.#plan.Custodians;
    const summary = list.map((c) => (c.Generate === true ? `${c.Name}: generate an Ed25519 key pair (private key to custodians/${c.Name}.key, mode 0600)` : `${c.Name}: register the public key in ${c.PublicKeyFile ?? ''}`));
    await this.#step('custodians', 'Register the custodians', list.map((c) => c.Name), summary, async (s) => {
      for (const c of list) {
        let pem: string;
        let source: string;
        if (c.Generate === true) {
          const key = generateCustodianKey();
          const keyFile = join(this.#outDir, 'custodians', `${c.Name}.key`);
          writeAtomic(keyFile, key.privatePem, 0o600);
          writeAtomic(join(this.#outDir, 'custodians', `${c.Name}.pub.pem`), key.publicPem);
          this.#custodianKeys.set(c.Name, this.#custodianKeys.get(c.Name) ?? keyFile);
          pem = key.publicPem;
          source = `generated: ${this.#rel(keyFile)} (hand to ${c.Name}, then delete here)`;
        } else {
          const file = planPath(this.#plan, c.PublicKeyFile ?? '');
          pem = readOrFail(file, `custodian ${c.Name}'s public key`).toString('utf8');
          writeAtomic(join(this.#outDir, 'custodians', `${c.Name}.pub.pem`), pem);
          source = `public key file ${c.PublicKeyFile ?? ''}`;
        }
        const added = this.#k.addCustodian(c.Name, pem);
        s.Outputs.push({ Custodian: c.Name, Fingerprint: added.fingerprint, Key: source });
      }
    });
  }

  async #makeKeys(): Promise<void> {
    const keys = this.#plan.Keys;
    if (keys.length === 0) {
      return;
    }
    const actors = ['owner', ...new Set(keys.flatMap((k) => k.Quorum?.Custodians ?? []))];
    const summary = keys.map(
      (k) =>
        `${k.Alias}: ${k.KeySpec ?? 'SYMMETRIC_DEFAULT'} ${k.KeyUsage ?? 'ENCRYPT_DECRYPT'}${k.Exportable === true ? ', exportable' : ''}${k.Quorum === undefined ? '' : `, quorum ${k.Quorum.Threshold} of ${k.Quorum.Custodians.join(', ')}`}`,
    );
    await this.#step('keys', 'Generate the keys', actors, summary, async (s) => {
      for (const k of keys) {
        const created = await this.#k.invoke('CreateKey', {
          KeySpec: k.KeySpec ?? 'SYMMETRIC_DEFAULT',
          KeyUsage: k.KeyUsage ?? 'ENCRYPT_DECRYPT',
          ...(k.Description === undefined ? {} : { Description: k.Description }),
          ...(k.Exportable === true ? { XStrongroomExportable: true } : {}),
        });
        const meta = created.KeyMetadata;
        await this.#k.invoke('CreateAlias', { AliasName: k.Alias, TargetKeyId: meta.KeyId });
        if (k.Quorum !== undefined) {
          this.#k.setQuorumRule(meta.KeyId, k.Quorum.Threshold, k.Quorum.Custodians);
        }
        const made = { alias: k.Alias, keyId: meta.KeyId, arn: meta.Arn ?? '', keySpec: meta.KeySpec ?? k.KeySpec ?? 'SYMMETRIC_DEFAULT' };
        this.#keys.push(made);
        s.Outputs.push({
          Alias: k.Alias,
          KeyId: meta.KeyId,
          Arn: made.arn,
          KeySpec: made.keySpec,
          KeyUsage: meta.KeyUsage ?? '',
          Exportable: k.Exportable === true,
          Quorum: k.Quorum === undefined ? '' : `${k.Quorum.Threshold} of ${k.Quorum.Custodians.join(', ')}`,
        });
      }
    });
  }

  async #makeBackup(): Promise<void> {
    const b = this.#plan.Backup;
    const byIndex = [...b.Assignments].sort((x, y) => x.Index - y.Index);
    const summary = [
      `Back up the whole installation: ${b.Shares} shares, any ${b.Threshold} restore it, shares as ${b.ShareFormat ?? 'words'}`,
      ...byIndex.map((a) => `share ${a.Index} → ${a.Custodian}${a.Seal === true ? ' (sealed to their key)' : ''}`),
    ];
    await this.#step('backup', 'Create the backup and its shares', ['owner', ...byIndex.map((a) => a.Custodian)], summary, async (s) => {
      const sealTo = new Map<number, Uint8Array>();
      for (const a of byIndex.filter((x) => x.Seal === true)) {
        const pem = readOrFail(join(this.#outDir, 'custodians', `${a.Custodian}.pub.pem`), `custodian ${a.Custodian}'s public key`);
        sealTo.set(a.Index, custodianPublicKey(pem, `custodian ${a.Custodian}'s public key`));
      }
      const summaryOut = await this.#k.createBackup({
        out: join(this.#outDir, 'backup.srb'),
        shares: b.Shares,
        threshold: b.Threshold,
        shareFormat: b.ShareFormat ?? 'words',
        shareDir: join(this.#outDir, 'shares'),
        sealTo,
        passphrases: new Map(),
      });
      this.#backup = summaryOut;
      s.Outputs.push({ BackupId: summaryOut.BackupId, File: this.#rel(summaryOut.File), Sha256: summaryOut.Sha256, Bytes: summaryOut.Bytes, Threshold: summaryOut.Threshold, Total: summaryOut.Total });
      for (const share of summaryOut.Shares) {
        const holder = byIndex.find((a) => a.Index === share.Index)?.Custodian ?? '';
        s.Outputs.push({
          Share: share.Index,
          Custodian: holder,
          File: this.#rel(share.File),
          Format: share.Format,
          SealedTo: share.SealedTo === undefined ? 'not sealed' : `${holder}'s public key`,
          'File SHA-256 (first 16)': sha256Hex(readFileSync(share.File)).slice(0, 16),
        });
      }
    });
  }

  /** One re-entered share checked alone: it opens (sealed), its checksum holds, it is this backup's, and the custodian's index. */
  async #checkShare(name: string, index: number, text: string, what: string): Promise<Share> {
    const backup = this.#backup;
    if (backup === null) {
      throw new Error('no backup');
    }
    // A PNG read as UTF-8 starts with U+FFFD (its 0x89 byte is not UTF-8), then PNG.
    if (/^\uFFFD?PNG\r\n/.test(text) || text.slice(0, 200).includes('<svg')) {
      throw new ValidationException(`${what} is a QR code image: scan it and give the text it holds (strongroom-share:1:…), or type the share's words.`);
    }
    let share: Share;
    const sealed = parseSealed(text, what);
    if (sealed !== null) {
      // The sealed label first: a share of another backup or index needs no key to be refused.
      if (sealed.BackupId !== backup.BackupId) {
        throw new ValidationException(`${what} belongs to backup ${sealed.BackupId}, not to this ceremony's backup ${backup.BackupId}.`);
      }
      if (sealed.Index !== index) {
        throw new ValidationException(`${what} is share ${sealed.Index}, but ${name} holds share ${index}.`);
      }
      const keyFile = this.#custodianKeys.get(name) ?? (this.#rl === null ? undefined : (await this.#rl(`${name}, your share is sealed: the path to your private key file: `)).trim());
      if (keyFile === undefined || keyFile === '') {
        throw new ValidationException(`${what} is sealed to ${name}'s key and no private key was given to open it (--custodian-key ${name}=<file>).`);
      }
      const payload = await unseal(sealed, { privateKey: custodianPrivateKey(readOrFail(keyFile, `${name}'s private key`), `${name}'s private key ${keyFile}`) }, what);
      share = decodeShare(payload, what);
    } else {
      share = parseShareText(text, what);
    }
    if (share.backupId !== backup.BackupId) {
      throw new ValidationException(`${what} belongs to backup ${share.backupId}, not to this ceremony's backup ${backup.BackupId}.`);
    }
    if (share.index !== index) {
      throw new ValidationException(`${what} is share ${share.index}, but ${name} holds share ${index}.`);
    }
    if (share.threshold !== backup.Threshold || share.total !== backup.Total) {
      throw new ValidationException(`${what} says ${share.threshold} of ${share.total}, but the backup is ${backup.Threshold} of ${backup.Total}.`);
    }
    return share;
  }

  async #reenterOne(name: string, index: number): Promise<Share> {
    const rl = this.#rl;
    if (rl === null) {
      const file = this.#reentered.get(name);
      if (file === undefined) {
        throw new ValidationException(`No re-entered share for ${name} (share ${index}): pass --reentered-share ${name}=<file with the words, or the share file>.`);
      }
      return this.#checkShare(name, index, readOrFail(file, `${name}'s re-entered share`).toString('utf8'), `${name}'s re-entered share (${file})`);
    }
    for (;;) {
      const answer = (await rl(`${name}, re-enter share ${index}: type its words on one line, or give the path to your share file (or 'stop'): `)).trim();
      if (answer === 'stop') {
        throw new ValidationException(`${name} stopped the re-entry of share ${index}.`);
      }
      const isFile = answer !== '' && !answer.includes(' ') && existsSync(answer);
      const text = isFile ? readOrFail(answer, `${name}'s share file`).toString('utf8') : answer;
      const what = `${name}'s re-entered share${isFile ? ` (${answer})` : ''}`;
      try {
        const share = await this.#checkShare(name, index, text, what);
        this.#say(`  ✔ ${name}'s share ${index} checks out (checksum, backup id, index).\n`);
        return share;
      } catch (err) {
        this.#say(`  ✘ ${err instanceof Error ? err.message : String(err)}\n  Try again.\n`);
      }
    }
  }

  async #reentry(): Promise<void> {
    const b = this.#plan.Backup;
    const byIndex = [...b.Assignments].sort((x, y) => x.Index - y.Index);
    const summary = [
      'Each custodian re-enters their share (typed words or their share file; a sealed share is opened with their private key); each is checked alone: checksum, backup id, index',
      `Then ${b.Threshold} of them are recombined and checked against the backup, as backup verify does`,
    ];
    await this.#step('reentry', 'Custodians re-enter and verify their shares', byIndex.map((a) => a.Custodian), summary, async (s) => {
      const backup = this.#backup;
      if (backup === null) {
        throw new Error('no backup');
      }
      const checked: Array<{ name: string; share: Share }> = [];
      for (const a of byIndex) {
        const share = await this.#reenterOne(a.Custodian, a.Index);
        checked.push({ name: a.Custodian, share });
        s.Outputs.push({ Share: a.Index, Custodian: a.Custodian, Check: 'checksum, backup id and index match', 'Share fingerprint (first 16)': sha256Hex(encodeShare(share)).slice(0, 16) });
      }
      const subset = checked.slice(0, b.Threshold);
      const verified = await verifyBackup(
        backup.File,
        subset.map((c) => ({ text: shareWordsText(c.share), what: `${c.name}'s share ${c.share.index}` })),
      );
      s.Outputs.push({ Recombined: verified.SharesUsed.join(', '), Backup: verified.BackupId, Intact: verified.Intact, AuditRecordsInBackup: verified.AuditRecords, AuditIntact: verified.AuditIntact });
      if (!verified.AuditIntact) {
        throw new ValidationException('The backup decrypts, but the audit log inside it does not verify.');
      }
    });
  }

  async #publicKeys(): Promise<void> {
    const asymmetric = this.#keys.filter((k) => isAsymmetric(k.keySpec));
    const summary = [...asymmetric.map((k) => `${k.alias}: public key to public/${aliasFileName(k.alias)}.pem`), 'The audit-signing public key to public/audit-public-key.pem'];
    await this.#step('public-keys', 'Export the public keys', ['owner'], summary, async (s) => {
      for (const k of asymmetric) {
        const out = await this.#k.invoke('GetPublicKey', { KeyId: k.alias });
        const der = out.PublicKey ?? new Uint8Array();
        const pem = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
        const file = join(this.#outDir, 'public', `${aliasFileName(k.alias)}.pem`);
        writeAtomic(file, pem);
        s.Outputs.push({ Alias: k.alias, KeyId: k.keyId, File: this.#rel(file), 'SPKI SHA-256': sha256Hex(der), 'File SHA-256': sha256Hex(pem) });
      }
      const audit = this.#k.audit.publicKey();
      if (audit === null) {
        throw new ValidationException('The installation has no audit-signing key.');
      }
      const file = join(this.#outDir, 'public', 'audit-public-key.pem');
      const pem = createPublicKey({ key: Buffer.from(audit.spki), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
      writeAtomic(file, pem);
      this.#t.AuditPublicKeyFingerprint = audit.fingerprint;
      s.Outputs.push({ Key: 'audit signing key', File: this.#rel(file), 'SPKI SHA-256': audit.fingerprint, 'File SHA-256': sha256Hex(pem) });
    });
  }

  #finalCheckpoint(): Checkpoint {
    const kms = this.#k;
    const checkpoint = kms.checkpointAuditLog();
    const all = kms.audit.checkpoints().map(checkpointToJson);
    writeAtomic(join(this.#outDir, 'audit-checkpoints.json'), `${JSON.stringify({ Checkpoints: all }, null, 2)}\n`);
    this.#checkpoint = checkpoint;
    this.#t.Checkpoint = transcriptCheckpoint(checkpoint, checkpointToJson(checkpoint).signature);
    this.#t.AuditPublicKeyFingerprint = kms.audit.publicKey()?.fingerprint ?? null;
    return checkpoint;
  }

  async #signCheckpoint(): Promise<void> {
    await this.#step('checkpoint', 'Sign an audit checkpoint and export the checkpoints', ['owner'], ['Sign the audit head now (audit checkpoint) and write every checkpoint to audit-checkpoints.json (audit checkpoints --out)'], async (s) => {
      const c = this.#finalCheckpoint();
      const file = join(this.#outDir, 'audit-checkpoints.json');
      s.Outputs.push({ Checkpoint: c.body.number, SignedSeq: c.body.headSeq, HeadHash: c.body.headHash, 'Signature SHA-256': sha256Hex(c.signature), File: this.#rel(file), 'File SHA-256': sha256Hex(readFileSync(file)) });
    });
  }

  async #verifyAudit(): Promise<void> {
    await this.#step('audit-verify', 'Verify the audit log', ['owner'], ['audit verify, with the exported public key and checkpoints'], async (s) => {
      const kms = this.#k;
      const trusted = readPublicKey(readFileSync(join(this.#outDir, 'public', 'audit-public-key.pem')));
      const report = kms.audit.verify({ trustedPublicKey: trusted, externalCheckpoints: this.#checkpoint === null ? [] : [this.#checkpoint] });
      s.Outputs.push({ Intact: report.ok, Records: report.records, HeadHash: report.headHash ?? '', LastCheckpoint: report.checkpoints.lastMatched?.number ?? null, KeyTrust: report.checkpoints.trust });
      if (!report.ok) {
        throw new ValidationException(`The audit log is not intact: ${report.problem?.detail ?? 'unknown problem'}.`);
      }
    });
  }
}
