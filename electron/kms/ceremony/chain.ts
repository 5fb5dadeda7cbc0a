// The verified audit chain a ceremony transcript is checked against (verify.ts): an installation's
// own log, or an audit export. Either is verified first, whole, so that a transcript matching it
// means something; neither needs the root key, so an auditor can check a transcript on a machine
// that cannot unlock the installation.

import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../audit/canonical.ts';
import { publicKeyFingerprint, spkiOf } from '../audit/checkpoints.ts';
import { readExport, verifyExport } from '../audit/export.ts';
import { AuditLog } from '../audit/log.ts';
import { InstallationError, ValidationException } from '../errors.ts';
import { DATABASE_FILE, openDatabase } from '../store/database.ts';
import type { ChainView } from './verify.ts';

/** Whether `dataDir` holds an installation, without opening it. */
export function hasInstallation(dataDir: string): boolean {
  // lead: replace with Kms.exists(dataDir)
  return existsSync(join(dataDir, DATABASE_FILE));
}

/** The installation's own audit log, verified (against `trusted`, a key the reader holds, when given). @throws InstallationError, ValidationException */
export function chainFromDataDir(dataDir: string, trusted: KeyObject | undefined): ChainView {
  if (!hasInstallation(dataDir)) {
    throw new InstallationError('NotInitialized', `There is no Strongroom installation in ${dataDir}, so there is no audit log to check the transcript against.`);
  }
  // lead: replace with Kms.readAuditLog(dataDir, use) — the log and installation id without the root key
  const db = openDatabase(join(dataDir, DATABASE_FILE));
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

/** An audit export file's chain, verified (against `trusted` when given, else the key inside it). */
export async function chainFromExport(file: string, trusted: KeyObject | undefined): Promise<ChainView> {
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
