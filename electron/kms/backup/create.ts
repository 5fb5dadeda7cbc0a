// Creating a backup: a consistent snapshot of the whole database (VACUUM INTO: keys' wrapped
// material, audit tables and checkpoints, principals, access keys, settings), the root key, one
// AES-256-GCM file under a fresh backup key, and N share files of that key (any M recover it).
// Every file is written under a temporary name first (fsynced); the CreateBackup audit record is
// committed; then they get their names. So there is never a backup that the log does not know of:
// a failure to name them is recorded as the same backup's failure, and a process killed between
// the record and the names leaves only staging files, which the next backup into the folder removes.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { JsonObject } from '../audit/canonical.ts';
import { KmsError, ValidationException } from '../errors.ts';
import { lazyModule } from '../lazy-module.ts';
import type { InstallationInfo } from '../installation.ts';
import type { Db } from '../store/database.ts';
import { commitStaged, removeStaleStagingIn, stageBytes } from '../storage/atomic-file.ts';
import { sealBackup, type BackupHeader } from './file.ts';
import { snapshotDatabase } from './snapshot.ts';
import { sealToPassphrase, sealToPublicKey } from './seal.ts';
import type QRCodeModule from 'qrcode';
import { backupKeyCheck, BACKUP_ID_BYTES, BACKUP_KEY_BYTES, checkCounts, encodeShare, shareJson, shareUri, shareWordsText, splitBackupKey, type Share } from './shares.ts';

// QR codes are drawn only by `backup create`; the package is not loaded with the engine.
const loadQrCode = lazyModule<typeof QRCodeModule>('qrcode');

export const SHARE_FORMATS = ['words', 'qr-svg', 'qr-png', 'json'] as const;
export type ShareFormat = (typeof SHARE_FORMATS)[number];

export type BackupCreateOptions = {
  readonly out: string;
  readonly shares: number;
  readonly threshold: number;
  /** Where share files go; the backup file's folder when omitted. */
  readonly shareDir?: string;
  readonly shareFormat?: ShareFormat;
  /** Share index → custodian X25519 public key (raw); that share is sealed to it. */
  readonly sealTo?: ReadonlyMap<number, Uint8Array>;
  /** Share index → passphrase; that share is sealed to it. */
  readonly passphrases?: ReadonlyMap<number, string>;
};

export type BackupShareFile = { readonly Index: number; readonly File: string; readonly Format: ShareFormat | 'sealed-json'; readonly SealedTo?: 'public-key' | 'passphrase' };

export type BackupSummary = {
  readonly BackupId: string;
  readonly File: string;
  readonly Sha256: string;
  readonly Bytes: number;
  readonly InstallationId: string;
  readonly CreatedAt: string;
  readonly Threshold: number;
  readonly Total: number;
  readonly Shares: ReadonlyArray<BackupShareFile>;
};

/** What creating a backup needs of the open engine (Kms#createBackup). */
export type BackupHost = {
  readonly db: Db;
  readonly dataDir: string;
  readonly installation: InstallationInfo;
  readonly schemaVersion: number;
  readonly now: () => number;
  /** A copy of the root key; the caller wipes it. */
  readonly rootKey: () => Uint8Array;
  readonly audited: <T>(eventName: string, requestParameters: JsonObject, response: (result: T) => JsonObject | null, act: () => T) => T;
};

function shareFileName(out: string, s: Share, ext: string): string {
  const stem = basename(out, extname(out));
  return `${stem}.share-${s.index}-of-${s.total}.${ext}`;
}

async function renderShare(s: Share, format: ShareFormat): Promise<{ bytes: Buffer; ext: string }> {
  switch (format) {
    case 'words':
      return { bytes: Buffer.from(shareWordsText(s), 'utf8'), ext: 'txt' };
    case 'json':
      return { bytes: Buffer.from(`${JSON.stringify(shareJson(s), null, 2)}\n`, 'utf8'), ext: 'json' };
    case 'qr-svg':
      return { bytes: Buffer.from(await loadQrCode().toString(shareUri(s), { type: 'svg', errorCorrectionLevel: 'M', margin: 4 }), 'utf8'), ext: 'svg' };
    case 'qr-png':
      return { bytes: await loadQrCode().toBuffer(shareUri(s), { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 8 }), ext: 'png' };
  }
}

export async function createBackup(host: BackupHost, options: BackupCreateOptions): Promise<BackupSummary> {
  const format = options.shareFormat ?? 'words';
  checkCounts(options.shares, options.threshold);
  for (const [input, how, map] of [['sealTo', "a custodian's key", options.sealTo], ['passphrases', 'a passphrase', options.passphrases]] as const) {
    for (const index of map?.keys() ?? []) {
      if (!Number.isInteger(index) || index < 1 || index > options.shares) {
        throw new ValidationException(`Share ${index} is to be sealed with ${how}, but there is no share ${index}: shares are numbered 1 to ${options.shares}.`, { inputs: [input] });
      }
      if (input === 'sealTo' && options.passphrases?.has(index) === true) {
        throw new ValidationException(`Share ${index} is given both a custodian key and a passphrase; seal each share one way.`, { inputs: ['sealTo', 'passphrases'] });
      }
    }
  }
  const out = resolve(options.out);
  const shareDir = resolve(options.shareDir ?? dirname(out));
  if (!existsSync(dirname(out))) {
    throw new ValidationException(`The folder of the backup file (${dirname(out)}) does not exist.`, { inputs: ['out'] });
  }
  if (!existsSync(shareDir) || !statSync(shareDir).isDirectory()) {
    throw new ValidationException(`The share folder ${shareDir} is not an existing folder.`, { inputs: ['shareDir'] });
  }
  if (existsSync(out)) {
    throw new ValidationException(`${out} already exists; Strongroom does not replace files. Choose another backup file.`, { inputs: ['out'] });
  }

  // Staging files of a run that was killed before its files got their names.
  removeStaleStagingIn(dirname(out));
  removeStaleStagingIn(shareDir);

  const backupId = randomBytes(BACKUP_ID_BYTES).toString('hex');
  const backupKey = new Uint8Array(randomBytes(BACKUP_KEY_BYTES));
  const temps: Array<string> = [];
  let recorded = false;
  try {
    const database = snapshotDatabase(host.db, host.dataDir);
    const createdAt = new Date(host.now()).toISOString();
    const header: BackupHeader = {
      Format: 'strongroom-backup',
      Version: 1,
      BackupId: backupId,
      InstallationId: host.installation.installationId,
      AccountId: host.installation.accountId,
      Region: host.installation.region,
      CreatedAt: createdAt,
      SchemaVersion: host.schemaVersion,
      Threshold: options.threshold,
      Total: options.shares,
      Cipher: 'AES-256-GCM',
      KeyCheck: backupKeyCheck(backupKey, backupId).toString('base64'),
      DatabaseBytes: database.length,
    };
    const rootKey = host.rootKey();
    let sealed: Buffer;
    try {
      sealed = sealBackup(header, backupKey, { rootKey, database });
    } finally {
      rootKey.fill(0);
      database.fill(0);
    }
    const shares = await splitBackupKey(backupKey, backupId, options.shares, options.threshold);
    const planned: Array<{ temp: string; path: string; entry: BackupShareFile }> = [];
    const backupTemp = stageBytes(out, sealed);
    temps.push(backupTemp);
    for (const s of shares) {
      const pub = options.sealTo?.get(s.index);
      const passphrase = options.passphrases?.get(s.index);
      let bytes: Buffer;
      let entry: Omit<BackupShareFile, 'File'>;
      let ext: string;
      if (pub !== undefined || passphrase !== undefined) {
        const box = pub !== undefined ? sealToPublicKey(encodeShare(s), backupId, s.index, pub) : await sealToPassphrase(encodeShare(s), backupId, s.index, passphrase ?? '');
        bytes = Buffer.from(`${JSON.stringify(box, null, 2)}\n`, 'utf8');
        ext = 'sealed.json';
        entry = { Index: s.index, Format: 'sealed-json', SealedTo: pub !== undefined ? 'public-key' : 'passphrase' };
      } else {
        ({ bytes, ext } = await renderShare(s, format));
        entry = { Index: s.index, Format: format };
      }
      const path = join(shareDir, shareFileName(out, s, ext));
      if (existsSync(path)) {
        throw new ValidationException(`${path} already exists; Strongroom does not replace files. Choose another backup file name or share folder.`, { inputs: ['out', 'shareDir'] });
      }
      const temp = stageBytes(path, bytes);
      temps.push(temp);
      bytes.fill(0);
      s.share.fill(0);
      planned.push({ temp, path, entry: { ...entry, File: path } });
    }
    const summary: BackupSummary = {
      BackupId: backupId,
      File: out,
      Sha256: createHash('sha256').update(sealed).digest('hex'),
      Bytes: sealed.length,
      InstallationId: host.installation.installationId,
      CreatedAt: createdAt,
      Threshold: options.threshold,
      Total: options.shares,
      Shares: planned.map((p) => p.entry),
    };
    const requestParameters: JsonObject = {
      shares: options.shares,
      threshold: options.threshold,
      shareFormat: format,
      sealedShares: planned.filter((p) => p.entry.SealedTo !== undefined).map((p) => ({ index: p.entry.Index, sealedTo: p.entry.SealedTo ?? null })),
    };
    // The record is committed before any file gets its name: a process killed in between leaves a
    // record of a backup whose files are still staging files (removed by the next run), never a
    // backup the log does not know of (issue 22, kill points).
    host.audited('CreateBackup', requestParameters, () => ({ backupId, createdAt, sha256: summary.Sha256, bytes: summary.Bytes }), () => null);
    recorded = true;
    const committed: Array<string> = [];
    try {
      commitStaged(backupTemp, out);
      committed.push(out);
      for (const p of planned) {
        commitStaged(p.temp, p.path);
        committed.push(p.path);
      }
    } catch (err) {
      for (const path of committed) {
        rmSync(path, { force: true });
      }
      // The files did not all get their names (one appeared meanwhile, the disk failed): the
      // backup recorded above is recorded as failed too, under the same id.
      return host.audited('CreateBackup', { ...requestParameters, backupId }, () => null, () => {
        throw err;
      });
    }
    return summary;
  } catch (err) {
    // A refusal of the request (a share file in the way) is the caller's to report, as before.
    if (recorded || err instanceof KmsError) {
      throw err;
    }
    // The machine failed the snapshot or a staging file (a full disk, most often): recorded as a
    // failed CreateBackup, and reported in words (errors.ts, toKmsError), not as a raw ENOSPC.
    return host.audited('CreateBackup', { shares: options.shares, threshold: options.threshold, shareFormat: format }, () => null, () => {
      throw err;
    });
  } finally {
    backupKey.fill(0);
    for (const temp of temps) {
      rmSync(temp, { force: true });
    }
  }
}
