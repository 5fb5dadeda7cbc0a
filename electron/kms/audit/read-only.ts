// An installation's audit log read without its root key: what an auditor can check on a machine
// that cannot unlock the installation (audit query and verify, a ceremony transcript's check).
// Nothing is created: a data directory without an installation is reported, not initialized.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InstallationError } from '../errors.ts';
import { DATABASE_FILE, openDatabase } from '../store/database.ts';
import { AuditLog } from './log.ts';

/** Whether `dataDir` holds an installation, without opening it. */
export function hasInstallation(dataDir: string): boolean {
  return existsSync(join(dataDir, DATABASE_FILE));
}

/**
 * Runs `use` on the installation's audit log and its installation id, then closes the database.
 * @throws InstallationError NotInitialized, with `missing` as its message, when there is no installation
 */
export function withAuditLog<T>(dataDir: string, missing: string, use: (log: AuditLog, installationId: string) => T): T {
  if (!hasInstallation(dataDir)) {
    throw new InstallationError('NotInitialized', missing);
  }
  const db = openDatabase(join(dataDir, DATABASE_FILE));
  try {
    const id = db.prepare<[], { id: string }>('SELECT installation_id AS id FROM installation WHERE id = 1').get()?.id ?? '';
    return use(new AuditLog(db), id);
  } finally {
    db.close();
  }
}
