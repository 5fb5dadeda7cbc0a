// The ceremony's steps (docs/decisions.md D26), each composed from the engine's public operations
// (Kms.init/open, addCustodian, invoke, setQuorumRule, createBackup, checkpointAuditLog, audit):
// nothing here does crypto or storage of its own. A step says who takes part and what it will do
// (shown before it runs), then acts, adding what it made to its transcript entry by identifier and
// fingerprint. runner.ts runs them in order and records their audit records.

import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkpointToJson, readPublicKey, type Checkpoint } from '../audit/checkpoints.ts';
import type { BackupSummary } from '../backup/create.ts';
import { custodianPublicKey } from '../backup/seal.ts';
import { encodeShare, type Share } from '../backup/shares.ts';
import { Kms } from '../engine.ts';
import { ValidationException } from '../errors.ts';
import type { ProviderForKind } from '../installation.ts';
import { generateCustodianKey } from '../quorum/approval.ts';
import type { RootKeyProvider } from '../rootkey/provider.ts';
import type { CeremonyOperator, CustodianKey } from './operator.ts';
import { aliasFileName, readFileOrFail, spkiPem, writeAtomic } from './out-dir.ts';
import { planPath, type CeremonyPlan } from './plan.ts';
import { recombine, reenterShare } from './reentry.ts';
import { sha256Hex, transcriptCheckpoint, type CeremonyStepName, type Transcript, type TranscriptStep } from './transcript.ts';

/** What a ceremony is given: the plan, where it writes, the installation to make or open, and who answers. */
export type CeremonySetup = {
  readonly plan: CeremonyPlan;
  readonly outDir: string;
  readonly dataDir: string;
  /** Hold the ceremony on the installation already in dataDir instead of creating one. */
  readonly existing: boolean;
  readonly userAgent: string;
  /** The root key provider for a new installation (may ask for a new passphrase). */
  readonly newProvider: (kind: 'keychain' | 'passphrase') => RootKeyProvider;
  readonly providerForKind: ProviderForKind;
  readonly operator: CeremonyOperator;
};

export type KeyMade = { readonly alias: string; readonly keyId: string; readonly arn: string; readonly keySpec: string };

/** What the steps hand on to later ones as they run. */
export type CeremonyState = {
  kms: Kms | null;
  readonly keys: Array<KeyMade>;
  backup: BackupSummary | null;
  checkpoint: Checkpoint | null;
  /** Custodian name → the private key the ceremony generated for them. */
  readonly generatedKeys: Map<string, CustodianKey>;
};

export type StepEnv = { readonly setup: CeremonySetup; readonly state: CeremonyState; readonly transcript: Transcript };

export type StepDefinition = {
  readonly name: CeremonyStepName;
  readonly title: string;
  readonly actors: ReadonlyArray<string>;
  readonly summary: ReadonlyArray<string>;
  readonly act: (s: TranscriptStep) => Promise<void>;
};

const isAsymmetric = (spec: string | undefined): boolean => spec !== undefined && spec !== 'SYMMETRIC_DEFAULT' && !spec.startsWith('HMAC_');

/** The open engine; the installation step opens it before any step that needs it. */
function kmsOf(env: StepEnv): Kms {
  if (env.state.kms === null) {
    throw new Error('the installation is not open');
  }
  return env.state.kms;
}

function backupOf(env: StepEnv): BackupSummary {
  if (env.state.backup === null) {
    throw new Error('no backup');
  }
  return env.state.backup;
}

/** A path inside the out folder as the transcript names it: relative, so the folder can be moved. */
const rel = (env: StepEnv, path: string): string => relative(env.setup.outDir, path);

export function installationStep(env: StepEnv): StepDefinition {
  const { plan, dataDir, existing } = env.setup;
  const i = plan.Installation;
  return {
    name: 'installation',
    title: existing ? 'Open the existing installation' : 'Create the installation',
    actors: ['owner'],
    summary: existing ? [`Open the installation in ${dataDir}`] : [`Create an installation in ${dataDir}: account ${i.AccountId ?? '(generated)'}, region ${i.Region ?? '(default)'}, root key in the ${i.RootKeyProvider}`],
    act: async (s) => {
      const { userAgent } = env.setup;
      const kms = existing
        ? await Kms.open({ dataDir, providerForKind: env.setup.providerForKind, userAgent })
        : await Kms.init({ dataDir, provider: env.setup.newProvider(i.RootKeyProvider), userAgent, ...(i.Region === undefined ? {} : { region: i.Region }), ...(i.AccountId === undefined ? {} : { accountId: i.AccountId }) });
      env.state.kms = kms;
      const info = kms.installation;
      if (existing && (info.rootKeyProvider !== i.RootKeyProvider || (i.AccountId !== undefined && i.AccountId !== info.accountId) || (i.Region !== undefined && i.Region !== info.region))) {
        throw new ValidationException(`The installation in ${dataDir} (account ${info.accountId}, region ${info.region}, root key in the ${info.rootKeyProvider}) is not the one the plan describes.`);
      }
      env.transcript.InstallationId = info.installationId;
      env.transcript.AccountId = info.accountId;
      env.transcript.Region = info.region;
      s.Outputs.push({ InstallationId: info.installationId, AccountId: info.accountId, Region: info.region, RootKeyProvider: info.rootKeyProvider, RootKeyLocation: info.rootKeyLocation });
    },
  };
}

export function custodiansStep(env: StepEnv): StepDefinition {
  const { plan, outDir } = env.setup;
  const list = plan.Custodians;
  return {
    name: 'custodians',
    title: 'Register the custodians',
    actors: list.map((c) => c.Name),
    summary: list.map((c) => (c.Generate === true ? `${c.Name}: generate an Ed25519 key pair (private key to custodians/${c.Name}.key, mode 0600)` : `${c.Name}: register the public key in ${c.PublicKeyFile ?? ''}`)),
    act: async (s) => {
      for (const c of list) {
        let pem: string;
        let source: string;
        if (c.Generate === true) {
          const key = generateCustodianKey();
          const keyFile = join(outDir, 'custodians', `${c.Name}.key`);
          writeAtomic(keyFile, key.privatePem, 0o600);
          writeAtomic(join(outDir, 'custodians', `${c.Name}.pub.pem`), key.publicPem);
          env.state.generatedKeys.set(c.Name, { pem: Buffer.from(key.privatePem, 'utf8'), what: `${c.Name}'s private key ${keyFile}` });
          pem = key.publicPem;
          source = `generated: ${rel(env, keyFile)} (hand to ${c.Name}, then delete here)`;
        } else {
          pem = readFileOrFail(planPath(plan, c.PublicKeyFile ?? ''), `custodian ${c.Name}'s public key`).toString('utf8');
          writeAtomic(join(outDir, 'custodians', `${c.Name}.pub.pem`), pem);
          source = `public key file ${c.PublicKeyFile ?? ''}`;
        }
        const added = kmsOf(env).addCustodian(c.Name, pem);
        s.Outputs.push({ Custodian: c.Name, Fingerprint: added.fingerprint, Key: source });
      }
    },
  };
}

/** Creating the plan's keys, with their aliases and quorum rules; null when the plan has no keys. */
export function keysStep(env: StepEnv): StepDefinition | null {
  const keys = env.setup.plan.Keys;
  if (keys.length === 0) {
    return null;
  }
  return {
    name: 'keys',
    title: 'Generate the keys',
    actors: ['owner', ...new Set(keys.flatMap((k) => k.Quorum?.Custodians ?? []))],
    summary: keys.map(
      (k) =>
        `${k.Alias}: ${k.KeySpec ?? 'SYMMETRIC_DEFAULT'} ${k.KeyUsage ?? 'ENCRYPT_DECRYPT'}${k.Exportable === true ? ', exportable' : ''}${k.Quorum === undefined ? '' : `, quorum ${k.Quorum.Threshold} of ${k.Quorum.Custodians.join(', ')}`}`,
    ),
    act: async (s) => {
      const kms = kmsOf(env);
      for (const k of keys) {
        const created = await kms.invoke('CreateKey', {
          KeySpec: k.KeySpec ?? 'SYMMETRIC_DEFAULT',
          KeyUsage: k.KeyUsage ?? 'ENCRYPT_DECRYPT',
          ...(k.Description === undefined ? {} : { Description: k.Description }),
          ...(k.Exportable === true ? { XStrongroomExportable: true } : {}),
        });
        const meta = created.KeyMetadata;
        await kms.invoke('CreateAlias', { AliasName: k.Alias, TargetKeyId: meta.KeyId });
        if (k.Quorum !== undefined) {
          kms.setQuorumRule(meta.KeyId, k.Quorum.Threshold, k.Quorum.Custodians);
        }
        const made = { alias: k.Alias, keyId: meta.KeyId, arn: meta.Arn ?? '', keySpec: meta.KeySpec ?? k.KeySpec ?? 'SYMMETRIC_DEFAULT' };
        env.state.keys.push(made);
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
    },
  };
}

/** The plan's share assignments in share order. */
const assignmentsOf = (env: StepEnv): CeremonyPlan['Backup']['Assignments'] => [...env.setup.plan.Backup.Assignments].sort((x, y) => x.Index - y.Index);

export function backupStep(env: StepEnv): StepDefinition {
  const { outDir } = env.setup;
  const b = env.setup.plan.Backup;
  const byIndex = assignmentsOf(env);
  return {
    name: 'backup',
    title: 'Create the backup and its shares',
    actors: ['owner', ...byIndex.map((a) => a.Custodian)],
    summary: [
      `Back up the whole installation: ${b.Shares} shares, any ${b.Threshold} restore it, shares as ${b.ShareFormat ?? 'words'}`,
      ...byIndex.map((a) => `share ${a.Index} → ${a.Custodian}${a.Seal === true ? ' (sealed to their key)' : ''}`),
    ],
    act: async (s) => {
      const sealTo = new Map<number, Uint8Array>();
      for (const a of byIndex.filter((x) => x.Seal === true)) {
        const pem = readFileOrFail(join(outDir, 'custodians', `${a.Custodian}.pub.pem`), `custodian ${a.Custodian}'s public key`);
        sealTo.set(a.Index, custodianPublicKey(pem, `custodian ${a.Custodian}'s public key`));
      }
      const backup = await kmsOf(env).createBackup({
        out: join(outDir, 'backup.srb'),
        shares: b.Shares,
        threshold: b.Threshold,
        shareFormat: b.ShareFormat ?? 'words',
        shareDir: join(outDir, 'shares'),
        sealTo,
        passphrases: new Map(),
      });
      env.state.backup = backup;
      s.Outputs.push({ BackupId: backup.BackupId, File: rel(env, backup.File), Sha256: backup.Sha256, Bytes: backup.Bytes, Threshold: backup.Threshold, Total: backup.Total });
      for (const share of backup.Shares) {
        const holder = byIndex.find((a) => a.Index === share.Index)?.Custodian ?? '';
        s.Outputs.push({
          Share: share.Index,
          Custodian: holder,
          File: rel(env, share.File),
          Format: share.Format,
          SealedTo: share.SealedTo === undefined ? 'not sealed' : `${holder}'s public key`,
          'File SHA-256 (first 16)': sha256Hex(readFileSync(share.File)).slice(0, 16),
        });
      }
    },
  };
}

export function reentryStep(env: StepEnv): StepDefinition {
  const b = env.setup.plan.Backup;
  const byIndex = assignmentsOf(env);
  return {
    name: 'reentry',
    title: 'Custodians re-enter and verify their shares',
    actors: byIndex.map((a) => a.Custodian),
    summary: [
      'Each custodian re-enters their share (typed words or their share file; a sealed share is opened with their private key); each is checked alone: checksum, backup id, index',
      `Then ${b.Threshold} of them are recombined and the backup is verified with them: it decrypts, and its database and audit chain check out`,
    ],
    act: async (s) => {
      const backup = backupOf(env);
      const ctx = { backup, operator: env.setup.operator, generatedKeys: env.state.generatedKeys };
      const checked: Array<{ custodian: string; share: Share }> = [];
      for (const a of byIndex) {
        const share = await reenterShare(ctx, { custodian: a.Custodian, index: a.Index });
        checked.push({ custodian: a.Custodian, share });
        s.Outputs.push({ Share: a.Index, Custodian: a.Custodian, Check: 'checksum, backup id and index match', 'Share fingerprint (first 16)': sha256Hex(encodeShare(share)).slice(0, 16) });
      }
      const verified = await recombine(backup, checked);
      s.Outputs.push({ Recombined: verified.SharesUsed.join(', '), Backup: verified.BackupId, Intact: verified.Intact, AuditRecordsInBackup: verified.AuditRecords, AuditIntact: verified.AuditIntact });
      if (!verified.AuditIntact) {
        throw new ValidationException('The backup decrypts, but the audit log inside it does not verify.');
      }
    },
  };
}

export function publicKeysStep(env: StepEnv): StepDefinition {
  const { outDir } = env.setup;
  const asymmetric = env.state.keys.filter((k) => isAsymmetric(k.keySpec));
  return {
    name: 'public-keys',
    title: 'Export the public keys',
    actors: ['owner'],
    summary: [...asymmetric.map((k) => `${k.alias}: public key to public/${aliasFileName(k.alias)}.pem`), 'The audit-signing public key to public/audit-public-key.pem'],
    act: async (s) => {
      const kms = kmsOf(env);
      for (const k of asymmetric) {
        const out = await kms.invoke('GetPublicKey', { KeyId: k.alias });
        const der = out.PublicKey ?? new Uint8Array();
        const pem = spkiPem(der);
        const file = join(outDir, 'public', `${aliasFileName(k.alias)}.pem`);
        writeAtomic(file, pem);
        s.Outputs.push({ Alias: k.alias, KeyId: k.keyId, File: rel(env, file), 'SPKI SHA-256': sha256Hex(der), 'File SHA-256': sha256Hex(pem) });
      }
      const audit = kms.audit.publicKey();
      if (audit === null) {
        throw new ValidationException('The installation has no audit-signing key.');
      }
      const file = join(outDir, 'public', 'audit-public-key.pem');
      const pem = spkiPem(audit.spki);
      writeAtomic(file, pem);
      env.transcript.AuditPublicKeyFingerprint = audit.fingerprint;
      s.Outputs.push({ Key: 'audit signing key', File: rel(env, file), 'SPKI SHA-256': audit.fingerprint, 'File SHA-256': sha256Hex(pem) });
    },
  };
}

/**
 * Signs the audit head now and writes every checkpoint to audit-checkpoints.json; the transcript
 * names the new one. Also run when a ceremony stops, so that what was done is signed and checkable.
 */
export function signFinalCheckpoint(env: StepEnv): Checkpoint {
  const kms = kmsOf(env);
  const checkpoint = kms.checkpointAuditLog();
  const all = kms.audit.checkpoints().map(checkpointToJson);
  writeAtomic(join(env.setup.outDir, 'audit-checkpoints.json'), `${JSON.stringify({ Checkpoints: all }, null, 2)}\n`);
  env.state.checkpoint = checkpoint;
  env.transcript.Checkpoint = transcriptCheckpoint(checkpoint, checkpointToJson(checkpoint).signature);
  env.transcript.AuditPublicKeyFingerprint = kms.audit.publicKey()?.fingerprint ?? null;
  return checkpoint;
}

export function checkpointStep(env: StepEnv): StepDefinition {
  return {
    name: 'checkpoint',
    title: 'Sign an audit checkpoint and export the checkpoints',
    actors: ['owner'],
    summary: ['Sign the audit head now and write every checkpoint, this one last, to audit-checkpoints.json'],
    act: async (s) => {
      const c = signFinalCheckpoint(env);
      const file = join(env.setup.outDir, 'audit-checkpoints.json');
      s.Outputs.push({ Checkpoint: c.body.number, SignedSeq: c.body.headSeq, HeadHash: c.body.headHash, 'Signature SHA-256': sha256Hex(c.signature), File: rel(env, file), 'File SHA-256': sha256Hex(readFileSync(file)) });
    },
  };
}

export function auditVerifyStep(env: StepEnv): StepDefinition {
  return {
    name: 'audit-verify',
    title: 'Verify the audit log',
    actors: ['owner'],
    summary: ['Verify the whole audit chain, trusting only the exported audit public key and the checkpoint just signed'],
    act: async (s) => {
      const trusted = readPublicKey(readFileSync(join(env.setup.outDir, 'public', 'audit-public-key.pem')));
      const checkpoint = env.state.checkpoint;
      const report = kmsOf(env).audit.verify({ trustedPublicKey: trusted, externalCheckpoints: checkpoint === null ? [] : [checkpoint] });
      s.Outputs.push({ Intact: report.ok, Records: report.records, HeadHash: report.headHash ?? '', LastCheckpoint: report.checkpoints.lastMatched?.number ?? null, KeyTrust: report.checkpoints.trust });
      if (!report.ok) {
        throw new ValidationException(`The audit log is not intact: ${report.problem?.detail ?? 'unknown problem'}.`);
      }
    },
  };
}
