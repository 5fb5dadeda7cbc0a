// Checking and restoring a backup. Shares are read and checked one by one (checksum, backup id,
// duplicates, count), recombined, and the result is compared with the header's key check before
// anything is decrypted. The restore then works in a staging folder beside the target: database
// written, its integrity and installation row checked against the root key, the root key adopted
// by the chosen provider, the RestoreBackup record appended by the engine; only then is the staging
// folder renamed into place. A failure leaves the target as it was (absent or empty).

import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AuditLog } from '../audit/log.ts';
import { Kms } from '../engine.ts';
import { InstallationError, InvalidCiphertextException, ValidationException } from '../errors.ts';
import { faultPoint } from '../fault-point.ts';
import { rootKeyCheckMatches } from '../rootkey/check.ts';
import type { RootKeyProvider } from '../rootkey/provider.ts';
import { DATABASE_FILE } from '../store/database.ts';
import { processFolderPrefix, removeStrayFolders } from '../storage/stray-folders.ts';
import { SCHEMA_VERSION } from '../store/migrate.ts';
import { openBackup, readBackupFile, type BackupHeader, type BackupPayload } from './file.ts';
import { parseSealed } from './seal.ts';
import { parseShareText, recoverBackupKey, type NamedShare } from './shares.ts';

/** A share as given on the command line: its text and how to name it in messages. */
export type ShareInput = { readonly text: string; readonly what: string };

export function readShareFiles(files: ReadonlyArray<string>): Array<ShareInput> {
  return files.map((file, i) => {
    const what = `share #${i + 1} (${file})`;
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new ValidationException(`Cannot read ${what}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
    }
    if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) || bytes.subarray(0, 200).toString('utf8').includes('<svg')) {
      throw new ValidationException(`${what} is a QR code image: scan it and save the text it holds (strongroom-share:1:…) to a file, and give that file.`);
    }
    return { text: bytes.toString('utf8'), what };
  });
}

function parseShares(inputs: ReadonlyArray<ShareInput>): Array<NamedShare> {
  return inputs.map(({ text, what }) => {
    const sealed = parseSealed(text, what);
    if (sealed !== null) {
      throw new ValidationException(
        `${what} is share ${sealed.Index}, still encrypted to ${sealed.Recipient.Type === 'passphrase' ? 'a passphrase' : "a custodian's key"}: decrypt it with ${sealed.Recipient.Type === 'passphrase' ? 'its passphrase' : "the custodian's private key"} first, and give the decrypted share.`,
        { inputs: ['shares'] },
      );
    }
    return { share: parseShareText(text, what), what };
  });
}

export type VerifiedBackup = {
  readonly header: BackupHeader;
  readonly payload: BackupPayload;
  readonly indexes: ReadonlyArray<number>;
};

/** Everything short of writing: header, shares, key check, decryption. */
export async function unlockBackup(file: string, shares: ReadonlyArray<ShareInput>): Promise<VerifiedBackup> {
  const opened = readBackupFile(file);
  const h = opened.header;
  if (shares.length === 0) {
    throw new ValidationException(`No shares given; this backup needs ${h.Threshold} (of ${h.Total}).`, { inputs: ['shares'] });
  }
  const named = parseShares(shares);
  const { key, indexes } = await recoverBackupKey(named, { backupId: h.BackupId, threshold: h.Threshold, total: h.Total, keyCheck: Buffer.from(h.KeyCheck, 'base64') });
  try {
    return { header: h, payload: openBackup(opened, key, file), indexes };
  } finally {
    key.fill(0);
  }
}

type Row = { installation_id: string; root_key_check: Uint8Array };

/**
 * Checks the snapshot (a file, or the bytes themselves, deserialized in memory) is the
 * installation the header names, under this root key. Reads only.
 */
function checkSnapshot(source: string | Buffer, header: BackupHeader, rootKey: Uint8Array): { auditRecords: number; auditIntact: boolean } {
  const db = typeof source === 'string' ? new Database(source, { readonly: true, fileMustExist: true }) : new Database(source);
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') {
      throw new InvalidCiphertextException(`The database inside the backup fails SQLite's integrity check (${String(integrity)}).`);
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new InstallationError('UnsupportedSchema', `The backup holds a database of schema ${version}; this Strongroom knows ${SCHEMA_VERSION}. Upgrade Strongroom to restore it.`);
    }
    const row = db.prepare('SELECT installation_id, root_key_check FROM installation WHERE id = 1').get() as Row | undefined;
    if (row === undefined || row.installation_id !== header.InstallationId) {
      throw new InvalidCiphertextException(`The database inside the backup is not installation ${header.InstallationId}.`);
    }
    if (!rootKeyCheckMatches(rootKey, row.root_key_check)) {
      throw new InvalidCiphertextException('The root key inside the backup does not match its database (key check value differs).');
    }
    const audit = new AuditLog(db);
    return { auditRecords: audit.count(), auditIntact: audit.verify().ok };
  } finally {
    db.close();
  }
}

export type VerifySummary = {
  readonly Intact: true;
  readonly BackupId: string;
  readonly InstallationId: string;
  readonly AccountId: string;
  readonly Region: string;
  readonly CreatedAt: string;
  readonly Threshold: number;
  readonly Total: number;
  readonly SharesUsed: ReadonlyArray<number>;
  readonly DatabaseBytes: number;
  readonly AuditRecords: number;
  readonly AuditIntact: boolean;
};

function summaryOf(v: VerifiedBackup, snap: { auditRecords: number; auditIntact: boolean }): VerifySummary {
  const h = v.header;
  return {
    Intact: true,
    BackupId: h.BackupId,
    InstallationId: h.InstallationId,
    AccountId: h.AccountId,
    Region: h.Region,
    CreatedAt: h.CreatedAt,
    Threshold: h.Threshold,
    Total: h.Total,
    SharesUsed: v.indexes,
    DatabaseBytes: v.payload.database.length,
    AuditRecords: snap.auditRecords,
    AuditIntact: snap.auditIntact,
  };
}

/** `backup verify`: the shares recover this backup's key, and the backup decrypts to a sound installation. Writes nothing. */
export async function verifyBackup(file: string, shares: ReadonlyArray<ShareInput>): Promise<VerifySummary> {
  const v = await unlockBackup(file, shares);
  try {
    return summaryOf(v, checkSnapshot(v.payload.database, v.header, v.payload.rootKey));
  } finally {
    v.payload.rootKey.fill(0);
    v.payload.database.fill(0);
  }
}

export type RestoreOptions = {
  readonly file: string;
  readonly shares: ReadonlyArray<ShareInput>;
  readonly dataDir: string;
  readonly provider: RootKeyProvider;
  readonly userAgent?: string;
};

export type RestoreSummary = VerifySummary & { readonly DataDir: string; readonly RootKeyProvider: string; readonly RootKeyLocation: string };

function assertFresh(dataDir: string): void {
  if (!existsSync(dataDir)) {
    return;
  }
  const entries = readdirSync(dataDir);
  if (entries.length > 0) {
    throw new ValidationException(
      `The data directory ${dataDir} is not empty (it holds ${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}). A backup is restored only into a new or empty directory.`,
      { inputs: ['dataDir'] },
    );
  }
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreSummary> {
  const dataDir = resolve(options.dataDir);
  assertFresh(dataDir);
  const adopt = options.provider.adopt;
  if (adopt === undefined) {
    throw new InstallationError('ProviderNotAllowed', `The ${options.provider.kind} root key provider cannot take a restored root key.`);
  }
  const v = await unlockBackup(options.file, options.shares);
  mkdirSync(dirname(dataDir), { recursive: true });
  // A restore killed before its rename left its staging folder, a full database: removed here
  // unless its process still runs (storage/stray-folders.ts).
  const stagingPrefix = `.${basename(dataDir)}.restoring-`;
  removeStrayFolders(dirname(dataDir), stagingPrefix);
  let adopted: { params: string; stored: boolean } | null = null;
  // mkdtemp: mode 0700, named `<prefix><pid>-<random>`.
  const staging = mkdtempSync(join(dirname(dataDir), processFolderPrefix(stagingPrefix)));
  try {
    const dbPath = join(staging, DATABASE_FILE);
    writeFileSync(dbPath, v.payload.database, { mode: 0o600 });
    const snap = checkSnapshot(dbPath, v.header, v.payload.rootKey);
    adopted = await adopt.call(options.provider, v.header.InstallationId, v.payload.rootKey);
    const db = new Database(dbPath);
    try {
      db.prepare('UPDATE installation SET root_key_provider = ?, root_key_params = ? WHERE id = 1').run(options.provider.kind, adopted.params);
    } finally {
      db.close();
    }
    const summary = summaryOf(v, snap);
    const kms = await Kms.openRestored(
      { dataDir: staging, providerForKind: () => options.provider, ...(options.userAgent === undefined ? {} : { userAgent: options.userAgent }) },
      {
        requestParameters: { backupId: v.header.BackupId, sharesUsed: [...v.indexes], rootKeyProvider: options.provider.kind },
        responseElements: { backupId: v.header.BackupId, backupCreatedAt: v.header.CreatedAt, installationId: v.header.InstallationId, restoredAuditRecords: snap.auditRecords },
      },
    );
    const location = kms.installation.rootKeyLocation;
    kms.close();
    assertFresh(dataDir);
    if (existsSync(dataDir)) {
      rmdirSync(dataDir);
    }
    faultPoint('restore-staged');
    renameSync(staging, dataDir);
    return { ...summary, DataDir: dataDir, RootKeyProvider: options.provider.kind, RootKeyLocation: location };
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (adopted?.stored === true && options.provider.kind === 'keychain') {
      const { deleteKeychainRootKey } = await import('../rootkey/keychain.ts');
      await deleteKeychainRootKey(v.header.InstallationId).catch(() => false);
    }
    throw err;
  } finally {
    v.payload.rootKey.fill(0);
    v.payload.database.fill(0);
  }
}
