// The verified audit chain a ceremony transcript is checked against (verify.ts): an installation's
// own log, or an audit export. Either is verified first, whole, so that a transcript matching it
// means something; neither needs the root key, so an auditor can check a transcript on a machine
// that cannot unlock the installation.

import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '../audit/canonical.ts';
import { publicKeyFingerprint, spkiOf } from '../audit/checkpoints.ts';
import { readExport, verifyExport } from '../audit/export.ts';
import { ValidationException } from '../errors.ts';
import { withAuditLog } from '../audit/read-only.ts';
import type { ChainView } from './verify.ts';

export { hasInstallation } from '../audit/read-only.ts';

/** The installation's own audit log, verified (against `trusted`, a key the reader holds, when given). @throws InstallationError, ValidationException */
export function chainFromDataDir(dataDir: string, trusted: KeyObject | undefined): ChainView {
  const missing = `There is no Strongroom installation in ${dataDir}, so there is no audit log to check the transcript against.`;
  return withAuditLog(dataDir, missing, (log, installationId) => {
    const report = log.verify(trusted === undefined ? {} : { trustedPublicKey: trusted });
    if (!report.ok) {
      throw new ValidationException(`The audit log is not intact, so no transcript can be checked against it: ${report.problem?.detail ?? 'unknown problem'}.`);
    }
    const rows = new Map(log.recordsFrom(1).map((r) => [r.seq, { hash: r.hash, text: canonicalJson(r.record) }]));
    return { rows, checkpoints: log.checkpoints(), installationId, keyFingerprint: trusted === undefined ? (log.publicKey()?.fingerprint ?? null) : publicKeyFingerprint(spkiOf(trusted)) };
  });
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
