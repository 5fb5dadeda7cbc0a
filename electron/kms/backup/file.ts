// The backup file (format v1). One AES-256-GCM message under a fresh random 256-bit backup key:
//
//   "SRBACKUP" | header length (u32 big-endian) | header (UTF-8 JSON) | nonce (12) | ciphertext | tag (16)
//
// The whole prefix up to and including the header is the AAD, so the backup id, installation id,
// creation time, schema version, share counts and key check cannot be changed without the
// decryption failing. The plaintext is "SRPAYLD1" | root key (32) | the SQLite database (a
// VACUUM INTO snapshot). The backup key exists only as Shamir shares (shares.ts); the header's
// KeyCheck = HMAC-SHA256(backupKey, label || backupId) lets a recombination be verified before
// anything is decrypted.

import { readFileSync } from 'node:fs';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { InvalidCiphertextException, ValidationException } from '../errors.ts';
import { ROOT_KEY_BYTES } from '../rootkey/provider.ts';

const MAGIC = Buffer.from('SRBACKUP', 'ascii');
const PAYLOAD_MAGIC = Buffer.from('SRPAYLD1', 'ascii');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const MAX_HEADER = 64 * 1024;

export type BackupHeader = {
  readonly Format: 'strongroom-backup';
  readonly Version: 1;
  readonly BackupId: string;
  readonly InstallationId: string;
  readonly AccountId: string;
  readonly Region: string;
  readonly CreatedAt: string;
  readonly SchemaVersion: number;
  readonly Threshold: number;
  readonly Total: number;
  readonly Cipher: 'AES-256-GCM';
  readonly KeyCheck: string; // base64
  readonly DatabaseBytes: number;
};

export type BackupPayload = { readonly rootKey: Uint8Array; readonly database: Buffer };

export function sealBackup(header: BackupHeader, backupKey: Uint8Array, payload: BackupPayload): Buffer {
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);
  const prefix = Buffer.concat([MAGIC, length, headerBytes]);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', backupKey, nonce);
  cipher.setAAD(prefix);
  const parts = [cipher.update(PAYLOAD_MAGIC), cipher.update(payload.rootKey), cipher.update(payload.database), cipher.final()];
  return Buffer.concat([prefix, nonce, ...parts, cipher.getAuthTag()]);
}

export type OpenedBackupFile = { readonly header: BackupHeader; readonly prefix: Buffer; readonly body: Buffer };

/** Reads and checks the clear header; nothing is decrypted. */
export function readBackupFile(path: string): OpenedBackupFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new ValidationException(`Cannot read the backup file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
  }
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC)) {
    throw new ValidationException(`${path} is not a Strongroom backup file (it does not start with SRBACKUP).`);
  }
  const length = bytes.readUInt32BE(8);
  if (length > MAX_HEADER || 12 + length + NONCE_BYTES + TAG_BYTES > bytes.length) {
    throw new InvalidCiphertextException(`The backup file ${path} is truncated or damaged: its header length does not fit the file.`);
  }
  let header: BackupHeader;
  try {
    header = JSON.parse(bytes.subarray(12, 12 + length).toString('utf8')) as BackupHeader;
  } catch {
    throw new InvalidCiphertextException(`The backup file ${path} is damaged: its header is not JSON.`);
  }
  if (header.Format !== 'strongroom-backup') {
    throw new ValidationException(`${path} is not a Strongroom backup file.`);
  }
  if (header.Version !== 1) {
    throw new ValidationException(`${path} is backup format version ${String(header.Version)}; this Strongroom reads version 1. Upgrade Strongroom to restore it.`);
  }
  if (typeof header.BackupId !== 'string' || !/^[0-9a-f]{32}$/.test(header.BackupId) || typeof header.KeyCheck !== 'string' || !Number.isInteger(header.Threshold) || !Number.isInteger(header.Total)) {
    throw new InvalidCiphertextException(`The backup file ${path} is damaged: its header misses required fields.`);
  }
  return { header, prefix: bytes.subarray(0, 12 + length), body: bytes.subarray(12 + length) };
}

/** Decrypts with the verified backup key; a file altered anywhere fails here, as a whole. */
export function openBackup(file: OpenedBackupFile, backupKey: Uint8Array, path: string): BackupPayload {
  const { prefix, body } = file;
  const decipher = createDecipheriv('aes-256-gcm', backupKey, body.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(prefix);
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(body.subarray(NONCE_BYTES, body.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new InvalidCiphertextException(
      `The backup file ${path} was altered or damaged: it does not authenticate under the key the shares recombine to (the shares themselves matched its key check). Nothing was restored; use an intact copy of the backup file.`,
    );
  }
  if (!plain.subarray(0, 8).equals(PAYLOAD_MAGIC) || plain.length < 8 + ROOT_KEY_BYTES) {
    throw new InvalidCiphertextException(`The backup file ${path} authenticates but its contents are not a Strongroom backup payload.`);
  }
  const rootKey = Uint8Array.from(plain.subarray(8, 8 + ROOT_KEY_BYTES));
  const database = Buffer.from(plain.subarray(8 + ROOT_KEY_BYTES));
  plain.fill(0);
  return { rootKey, database };
}
