// Shares of a backup key: splitting with the audited `shamir-secret-sharing` package (privy-io),
// one self-describing, checksummed payload per share, its encodings (words, JSON, QR text), and
// recombination that is VERIFIED against the commitment stored in the backup header. The library
// does not check what it reconstructs (any wrong or foreign share silently gives another key),
// so nothing here returns a key that has not matched the commitment in constant time.
//
// Share payload, version 1 (57 bytes):
//   version u8 = 1 | backup id (16) | index u8 (1..N) | threshold u8 | total u8 | share (33: the
//   library's 32 y-bytes and its x tag) | checksum (4) = first 4 bytes of SHA-256 over the rest.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type * as Shamir from 'shamir-secret-sharing';
import type * as Bip39English from '@scure/bip39/wordlists/english.js';
import { ValidationException } from '../errors.ts';
import { lazyModule } from '../lazy-module.ts';

// Loaded by the backup and ceremony commands that use them, not by every engine start.
const shamir = lazyModule<typeof Shamir>('shamir-secret-sharing');
const english = lazyModule<typeof Bip39English>('@scure/bip39/wordlists/english.js');

export const SHARE_VERSION = 1;
export const BACKUP_ID_BYTES = 16;
export const BACKUP_KEY_BYTES = 32;
const SHARE_BYTES = BACKUP_KEY_BYTES + 1;
const CHECKSUM_BYTES = 4;
const BODY_BYTES = 1 + BACKUP_ID_BYTES + 3 + SHARE_BYTES;
export const SHARE_PAYLOAD_BYTES = BODY_BYTES + CHECKSUM_BYTES;
/** 11 bits a word (BIP-39 English list): 57 bytes = 456 bits → 42 words, the last 6 bits zero. */
export const SHARE_WORDS = Math.ceil((SHARE_PAYLOAD_BYTES * 8) / 11);
export const MAX_SHARES = 255;

/** The text a QR code carries and that `backup restore` also reads from a file. */
export const SHARE_URI_PREFIX = 'strongroom-share:1:';

export const KEY_CHECK_LABEL = 'strongroom/backup-key-check/v1';

export type Share = {
  readonly backupId: string; // 32 hex digits
  readonly index: number;
  readonly threshold: number;
  readonly total: number;
  readonly share: Uint8Array; // SHARE_BYTES
};

/** HMAC-SHA256(backupKey, label || backupId): stored in the backup header, proves a recombination. */
export function backupKeyCheck(backupKey: Uint8Array, backupId: string): Buffer {
  return createHmac('sha256', backupKey).update(KEY_CHECK_LABEL, 'utf8').update(Buffer.from(backupId, 'hex')).digest();
}

export function checkCounts(total: number, threshold: number): void {
  if (!Number.isInteger(total) || total < 2 || total > MAX_SHARES) {
    throw new ValidationException(`--shares must be a whole number from 2 to ${MAX_SHARES}; got ${total}.`);
  }
  if (!Number.isInteger(threshold) || threshold < 2 || threshold > total) {
    throw new ValidationException(`--threshold must be a whole number from 2 to the number of shares (${total}); got ${threshold}.`);
  }
}

export async function splitBackupKey(backupKey: Uint8Array, backupId: string, total: number, threshold: number): Promise<Array<Share>> {
  checkCounts(total, threshold);
  const parts = await shamir().split(backupKey, total, threshold);
  return parts.map((share, i) => ({ backupId, index: i + 1, threshold, total, share }));
}

function checksum(body: Uint8Array): Buffer {
  return createHash('sha256').update(body).digest().subarray(0, CHECKSUM_BYTES);
}

export function encodeShare(s: Share): Buffer {
  const body = Buffer.concat([
    Buffer.from([SHARE_VERSION]),
    Buffer.from(s.backupId, 'hex'),
    Buffer.from([s.index, s.threshold, s.total]),
    Buffer.from(s.share),
  ]);
  return Buffer.concat([body, checksum(body)]);
}

/** `what` names the share in messages ("share #2 (alice.txt)"). */
export function decodeShare(payload: Uint8Array, what: string): Share {
  if (payload.length !== SHARE_PAYLOAD_BYTES) {
    throw new ValidationException(`${what} is mistyped or corrupted: it holds ${payload.length} bytes, a share holds ${SHARE_PAYLOAD_BYTES}.`);
  }
  const body = payload.subarray(0, BODY_BYTES);
  if (!timingSafeEqual(checksum(body), payload.subarray(BODY_BYTES))) {
    throw new ValidationException(`${what} is mistyped or corrupted: its checksum does not match. Compare it word by word with the original.`);
  }
  if (body[0] !== SHARE_VERSION) {
    throw new ValidationException(`${what} has share format version ${String(body[0])}; this Strongroom reads version ${SHARE_VERSION}.`);
  }
  const at = 1 + BACKUP_ID_BYTES;
  const index = body[at] ?? 0;
  const threshold = body[at + 1] ?? 0;
  const total = body[at + 2] ?? 0;
  if (index < 1 || index > total || threshold < 2 || threshold > total) {
    throw new ValidationException(`${what} is malformed: index ${index}, threshold ${threshold}, total ${total}.`);
  }
  return { backupId: Buffer.from(body.subarray(1, at)).toString('hex'), index, threshold, total, share: Uint8Array.from(body.subarray(at + 3)) };
}

// --- words ------------------------------------------------------------------------------------

export function shareToWords(payload: Uint8Array): Array<string> {
  let bits = '';
  for (const b of payload) {
    bits += b.toString(2).padStart(8, '0');
  }
  bits = bits.padEnd(SHARE_WORDS * 11, '0');
  const words: Array<string> = [];
  for (let i = 0; i < SHARE_WORDS; i++) {
    words.push(english().wordlist[parseInt(bits.slice(i * 11, i * 11 + 11), 2)] as string);
  }
  return words;
}

// BIP-39 English words are unique in their first four letters, so a word may be typed that short.
let prefixes: Map<string, number> | undefined;
function byPrefix(): Map<string, number> {
  if (prefixes === undefined) {
    prefixes = new Map(english().wordlist.map((w, i) => [w.slice(0, 4), i]));
  }
  return prefixes;
}

export function wordsToShare(words: ReadonlyArray<string>, what: string): Buffer {
  if (words.length !== SHARE_WORDS) {
    throw new ValidationException(`${what} has ${words.length} words; a share has ${SHARE_WORDS}. Check for a missing or doubled line.`);
  }
  let bits = '';
  for (const [i, raw] of words.entries()) {
    const word = raw.toLowerCase();
    const n = byPrefix().get(word.slice(0, 4));
    if (n === undefined || !(english().wordlist[n] ?? '').startsWith(word)) {
      throw new ValidationException(`${what} is mistyped: word ${i + 1} '${raw}' is not in the share word list (BIP-39 English).`);
    }
    bits += n.toString(2).padStart(11, '0');
  }
  if (/1/.test(bits.slice(SHARE_PAYLOAD_BYTES * 8))) {
    throw new ValidationException(`${what} is mistyped or corrupted: its last word is not one a share can end with.`);
  }
  const out = Buffer.alloc(SHARE_PAYLOAD_BYTES);
  for (let i = 0; i < SHARE_PAYLOAD_BYTES; i++) {
    out[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  }
  return out;
}

export function shareWordsText(s: Share): string {
  const words = shareToWords(encodeShare(s));
  const lines: Array<string> = [];
  for (let i = 0; i < words.length; i += 6) {
    lines.push(words.slice(i, i + 6).join(' '));
  }
  return [
    `# Strongroom backup share ${s.index} of ${s.total} (${s.threshold} needed to restore), backup ${s.backupId}`,
    `# ${SHARE_WORDS} words; the first four letters of each are enough. Keep this secret.`,
    ...lines,
    '',
  ].join('\n');
}

// --- JSON and QR text -------------------------------------------------------------------------

export function shareJson(s: Share): Record<string, unknown> {
  return {
    Format: 'strongroom-backup-share',
    Version: SHARE_VERSION,
    BackupId: s.backupId,
    Index: s.index,
    Threshold: s.threshold,
    Total: s.total,
    Share: encodeShare(s).toString('base64'),
  };
}

export function shareUri(s: Share): string {
  return `${SHARE_URI_PREFIX}${encodeShare(s).toString('base64url')}`;
}

/**
 * Any plaintext share encoding back to a share: the JSON object, the QR text, or the words (lines
 * starting with # are comments). Sealed shares are not handled here (see seal.ts).
 */
export function parseShareText(text: string, what: string): Share {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(trimmed) as Record<string, unknown>;
    } catch (err) {
      throw new ValidationException(`${what} is not valid JSON (${(err as Error).message}).`);
    }
    if (value.Format !== 'strongroom-backup-share' || typeof value.Share !== 'string') {
      throw new ValidationException(`${what} is JSON but not a Strongroom backup share (expected Format "strongroom-backup-share").`);
    }
    const share = decodeShare(Buffer.from(value.Share, 'base64'), what);
    if (value.BackupId !== share.backupId || value.Index !== share.index || value.Threshold !== share.threshold || value.Total !== share.total) {
      throw new ValidationException(`${what} is corrupted: its BackupId, Index, Threshold or Total fields do not match the share they carry.`);
    }
    return share;
  }
  if (trimmed.startsWith(SHARE_URI_PREFIX)) {
    const body = trimmed.slice(SHARE_URI_PREFIX.length);
    if (!/^[A-Za-z0-9_-]+$/.test(body)) {
      throw new ValidationException(`${what} is mistyped or corrupted: the text after ${SHARE_URI_PREFIX} is not base64url.`);
    }
    return decodeShare(Buffer.from(body, 'base64url'), what);
  }
  const words = trimmed
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .join(' ')
    .split(/[\s,]+/)
    .filter((w) => w !== '')
    // A numbered list ("1. abandon") is accepted.
    .filter((w) => !/^\d+[.)]?$/.test(w));
  return decodeShare(wordsToShare(words, what), what);
}

// --- verified recombination -------------------------------------------------------------------

export type NamedShare = { readonly share: Share; readonly what: string };

/**
 * Recombines the backup key from shares and checks it against the header's commitment. Every
 * way this can go wrong is an error that names the problem; a key is returned only when it
 * matches. `indexes` of the shares used come back for the audit record.
 */
export async function recoverBackupKey(
  named: ReadonlyArray<NamedShare>,
  header: { readonly backupId: string; readonly threshold: number; readonly total: number; readonly keyCheck: Uint8Array },
): Promise<{ readonly key: Uint8Array; readonly indexes: Array<number> }> {
  for (const { share, what } of named) {
    if (share.backupId !== header.backupId) {
      throw new ValidationException(`${what} belongs to backup ${share.backupId}, not ${header.backupId}. Use the shares made with this backup file.`);
    }
    if (share.threshold !== header.threshold || share.total !== header.total) {
      throw new ValidationException(`${what} says ${share.threshold} of ${share.total}, but this backup is ${header.threshold} of ${header.total}: it is corrupted.`);
    }
  }
  const seen = new Map<number, string>();
  const seenX = new Map<number, string>();
  for (const { share, what } of named) {
    const earlier = seen.get(share.index);
    if (earlier !== undefined) {
      throw new ValidationException(`${what} and ${earlier} are both share ${share.index}: give ${header.threshold} different shares.`);
    }
    seen.set(share.index, what);
    const x = share.share[SHARE_BYTES - 1] ?? 0;
    const earlierX = seenX.get(x);
    if (earlierX !== undefined) {
      throw new ValidationException(`${what} and ${earlierX} carry the same share point: one of them is corrupted.`);
    }
    seenX.set(x, what);
  }
  if (named.length < header.threshold) {
    throw new ValidationException(
      `${named.length} share${named.length === 1 ? '' : 's'} given; this backup needs ${header.threshold} (of ${header.total}). Add ${header.threshold - named.length} more.`,
    );
  }
  const key = await shamir().combine(named.map((n) => n.share.share));
  const check = backupKeyCheck(key, header.backupId);
  if (check.length !== header.keyCheck.length || !timingSafeEqual(check, header.keyCheck)) {
    key.fill(0);
    throw new ValidationException(
      `The shares given do not recombine to this backup's key (the key check in the backup header does not match). Each share's checksum was fine, so one share was altered with a valid checksum, or the backup header was tampered with. Try another set of ${header.threshold} shares.`,
    );
  }
  return { key, indexes: named.map((n) => n.share.index).sort((a, b) => a - b) };
}
