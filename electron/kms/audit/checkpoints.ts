// Signed checkpoints: the gap a bare hash chain has is its end. Deleting the last records, or
// rewriting them with recomputed hashes, leaves a chain that verifies. A checkpoint is a statement
// "record N of installation I has hash H", signed with the installation's audit-signing key
// (ECDSA P-256, generated at init, private half wrapped under the root key), and naming the
// previous checkpoint's signature — so checkpoints form their own chain, as CloudTrail's digest
// files do. Kept off the machine (`audit checkpoints --out`), they let a security team prove
// later that nothing they saw signed has gone.
//
// Checkpoints are made inside the transaction that appends the record they sign (count-based),
// by the scheduled work (time-based: no record waits longer than the interval unsigned), and on
// demand. The body is canonical JSON, so a verifier on any machine signs-checks the same bytes.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AesKey } from '../crypto/aes-gcm.ts';
import { unwrapMaterial, wrapMaterial } from '../crypto/material-wrap.ts';
import { canonicalJson } from './canonical.ts';
import { hashHex } from './chain.ts';

export const CHECKPOINT_FORMAT = 'strongroom-audit-checkpoint-v1';
/** Count-based: a checkpoint at least every this many records. */
export const DEFAULT_CHECKPOINT_EVERY_RECORDS = 1000;
/** Time-based: no record stays unsigned longer than this (as CloudTrail's hourly digests). */
export const DEFAULT_CHECKPOINT_EVERY_MS = 3_600_000;

export type CheckpointReason = 'count' | 'time' | 'request' | 'export' | 'archive';

/** The signed statement. Member names are the exported JSON's. */
export type CheckpointBody = {
  format: typeof CHECKPOINT_FORMAT;
  installationId: string;
  number: number;
  /** The record signed: usually the head when the checkpoint was made; an export's last record. */
  headSeq: number;
  headHash: string;
  /** ISO-8601 with milliseconds. */
  createdAt: string;
  reason: CheckpointReason;
  /** Base64 of checkpoint number - 1's signature; null for checkpoint 1. */
  previousSignature: string | null;
  /** Hex SHA-256 of the signing key's SPKI DER. */
  signingKey: string;
  /** Export and archive checkpoints: the first record of the range the file holds, so a file cut at the front fails. */
  firstSeq?: number;
};

export type Checkpoint = { readonly body: CheckpointBody; readonly bodyText: string; readonly signature: Uint8Array };

export type CheckpointPolicy = { readonly everyRecords: number; readonly everyMs: number };

const SIGNING_PURPOSE = 'ECC_NIST_P256:AUDIT_CHECKPOINT';
const SIGNATURE_BYTES = 64;

export function publicKeyFingerprint(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}

function binding(fingerprint: string): { keyId: string; version: number; purpose: string } {
  return { keyId: `audit-signing/${fingerprint}`, version: 1, purpose: SIGNING_PURPOSE };
}

/** Reads an SPKI public key from PEM or DER bytes. @throws TypeError when it is neither. */
export function readPublicKey(data: Uint8Array | string): KeyObject {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
  if (text.includes('-----BEGIN')) {
    return createPublicKey({ key: text, format: 'pem' });
  }
  return createPublicKey({ key: Buffer.from(typeof data === 'string' ? Buffer.from(data, 'base64') : data), format: 'der', type: 'spki' });
}

export function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type: 'spki' }));
}

export function publicKeyPem(spkiDer: Uint8Array): string {
  return createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString();
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A problem with the checkpoint chain itself. */
export type CheckpointProblem = { kind: 'checkpoint-invalid' | 'checkpoint-missing'; number: number; detail: string };

const BODY_KEYS = ['createdAt', 'format', 'headHash', 'headSeq', 'installationId', 'number', 'previousSignature', 'reason', 'signingKey'];

/** Parses and shape-checks a body; null when it is not a checkpoint body. */
export function parseCheckpointBody(text: string): CheckpointBody | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return null;
  }
  const body = value as Record<string, unknown>;
  const keys = Object.keys(body).filter((k) => k !== 'firstSeq');
  const ok =
    keys.sort().join(',') === BODY_KEYS.join(',') &&
    (body.firstSeq === undefined || (Number.isSafeInteger(body.firstSeq) && (body.firstSeq as number) >= 1 && (body.firstSeq as number) <= (body.headSeq as number))) &&
    body.format === CHECKPOINT_FORMAT &&
    typeof body.installationId === 'string' &&
    Number.isSafeInteger(body.number) &&
    Number.isSafeInteger(body.headSeq) &&
    typeof body.headHash === 'string' &&
    /^[0-9a-f]{64}$/.test(body.headHash) &&
    typeof body.createdAt === 'string' &&
    typeof body.reason === 'string' &&
    (body.previousSignature === null || typeof body.previousSignature === 'string') &&
    typeof body.signingKey === 'string';
  return ok ? (body as CheckpointBody) : null;
}

/**
 * Checks a checkpoint chain in number order: each body well-formed and in canonical form, made by
 * `installationId`, signed by `publicKey`, numbered one after the other from `firstNumber`, and
 * naming the previous checkpoint's signature. Returns the first problem, or null.
 */
export function verifyCheckpointChain(
  checkpoints: ReadonlyArray<Checkpoint>,
  publicKey: KeyObject,
  installationId: string,
  /** A whole chain (the live log's, an export's) starts at checkpoint 1; a kept excerpt need not. */
  startsAtOne = true,
): CheckpointProblem | null {
  const fingerprint = publicKeyFingerprint(spkiOf(publicKey));
  let previous: Checkpoint | null = null;
  for (const checkpoint of checkpoints) {
    const { body } = checkpoint;
    const number = body.number;
    if (canonicalJson(body) !== checkpoint.bodyText) {
      return { kind: 'checkpoint-invalid', number, detail: `checkpoint ${number} is not in canonical form: it was edited` };
    }
    if (body.installationId !== installationId) {
      return { kind: 'checkpoint-invalid', number, detail: `checkpoint ${number} was made by installation ${body.installationId}, not ${installationId}` };
    }
    if (body.signingKey !== fingerprint) {
      return {
        kind: 'checkpoint-invalid',
        number,
        detail: `checkpoint ${number} names signing key ${body.signingKey.slice(0, 16)}…, not the trusted key ${fingerprint.slice(0, 16)}…`,
      };
    }
    const signatureOk =
      checkpoint.signature.length === SIGNATURE_BYTES &&
      verify('sha256', Buffer.from(checkpoint.bodyText, 'utf8'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, checkpoint.signature);
    if (!signatureOk) {
      return { kind: 'checkpoint-invalid', number, detail: `checkpoint ${number}'s signature is invalid: it was not signed by key ${fingerprint.slice(0, 16)}…, or was edited after signing` };
    }
    const expectedNumber = previous === null ? (startsAtOne ? 1 : number) : previous.body.number + 1;
    if (number !== expectedNumber) {
      return {
        kind: 'checkpoint-missing',
        number: expectedNumber,
        detail: `checkpoint${number - expectedNumber > 1 ? `s ${expectedNumber}..${number - 1} are` : ` ${expectedNumber} is`} missing`,
      };
    }
    if (previous === null ? number === 1 && body.previousSignature !== null : body.previousSignature !== toBase64(previous.signature)) {
      return {
        kind: 'checkpoint-missing',
        number,
        detail: `checkpoint ${number} does not follow checkpoint ${number - 1}: it names another previous signature (a checkpoint was replaced or removed)`,
      };
    }
    previous = checkpoint;
  }
  return null;
}

/** The audit_checkpoints and audit_signing_keys tables: reading needs no root key. */
export class CheckpointStore {
  readonly #all: Database.Statement<[], { body: string; signature: Uint8Array }>;
  readonly #last: Database.Statement<[], { body: string; signature: Uint8Array }>;
  readonly #insert: Database.Statement<[number, string, Uint8Array]>;
  readonly #maxHead: Database.Statement<[], { h: number | null }>;
  readonly #publicKey: Database.Statement<[], { fingerprint: string; public_key: Uint8Array }>;

  constructor(db: Database.Database) {
    this.#all = db.prepare('SELECT body, signature FROM audit_checkpoints ORDER BY number');
    this.#last = db.prepare('SELECT body, signature FROM audit_checkpoints ORDER BY number DESC LIMIT 1');
    this.#insert = db.prepare('INSERT INTO audit_checkpoints (number, body, signature) VALUES (?, ?, ?)');
    this.#maxHead = db.prepare('SELECT max(head_seq) AS h FROM audit_checkpoints');
    this.#publicKey = db.prepare('SELECT fingerprint, public_key FROM audit_signing_keys ORDER BY created_at DESC LIMIT 1');
  }

  /**
   * Every checkpoint in number order. A row whose body is not a checkpoint body keeps its place
   * with a placeholder body, so verification reports it at its number.
   */
  all(): Array<Checkpoint> {
    return this.#all.all().map((row, i) => toCheckpoint(row, i + 1));
  }

  last(): Checkpoint | null {
    const row = this.#last.get();
    return row === undefined ? null : toCheckpoint(row, 0);
  }

  /** The furthest record any checkpoint signs (0 when none does): one indexed read. */
  signedThrough(): number {
    return this.#maxHead.get()?.h ?? 0;
  }

  insert(checkpoint: Checkpoint): void {
    this.#insert.run(checkpoint.body.number, checkpoint.bodyText, Buffer.from(checkpoint.signature));
  }

  /** The installation's audit public key (SPKI DER) and fingerprint, or null before one exists. */
  publicKey(): { fingerprint: string; spki: Uint8Array } | null {
    const row = this.#publicKey.get();
    return row === undefined ? null : { fingerprint: row.fingerprint, spki: new Uint8Array(row.public_key) };
  }
}

function toCheckpoint(row: { body: string; signature: Uint8Array }, fallbackNumber: number): Checkpoint {
  const body = parseCheckpointBody(row.body) ?? malformedBody(fallbackNumber);
  return { body, bodyText: row.body, signature: new Uint8Array(row.signature) };
}

/** Stands in for a body that does not parse, so it fails the canonical-form check at its number. */
function malformedBody(number: number): CheckpointBody {
  return { format: CHECKPOINT_FORMAT, installationId: '', number, headSeq: 0, headHash: '', createdAt: '', reason: 'request', previousSignature: null, signingKey: '' };
}

function loadOrCreateSigningKey(db: Database.Database, rootKey: AesKey, now: number): { fingerprint: string; privateKey: KeyObject } {
  const row = db
    .prepare<[], { fingerprint: string; wrapped_private: Uint8Array }>('SELECT fingerprint, wrapped_private FROM audit_signing_keys ORDER BY created_at DESC LIMIT 1')
    .get();
  if (row !== undefined) {
    const pkcs8 = unwrapMaterial(rootKey, binding(row.fingerprint), new Uint8Array(row.wrapped_private));
    if (pkcs8 === null) {
      throw new Error(`The audit-signing key ${row.fingerprint.slice(0, 16)}… does not unwrap under this installation's root key: the database was altered.`);
    }
    const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    pkcs8.fill(0);
    return { fingerprint: row.fingerprint, privateKey };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = spkiOf(publicKey);
  const fingerprint = publicKeyFingerprint(spki);
  const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
  const wrapped = wrapMaterial(rootKey, binding(fingerprint), pkcs8);
  pkcs8.fill(0);
  db.prepare('INSERT INTO audit_signing_keys (fingerprint, public_key, wrapped_private, created_at) VALUES (?, ?, ?, ?)').run(
    fingerprint,
    Buffer.from(spki),
    Buffer.from(wrapped),
    now,
  );
  return { fingerprint, privateKey };
}

/**
 * Makes checkpoints: holds the unwrapped audit-signing key for an open engine. Creating the key
 * pair, when the installation has none (new installations, and ones made before checkpoints),
 * happens in the constructor.
 */
export class CheckpointSigner {
  readonly #db: Database.Database;
  readonly #store: CheckpointStore;
  readonly #installationId: string;
  readonly #privateKey: KeyObject;
  readonly fingerprint: string;
  readonly policy: CheckpointPolicy;

  constructor(db: Database.Database, rootKey: AesKey, installationId: string, now: number, policy: CheckpointPolicy) {
    this.#db = db;
    this.#store = new CheckpointStore(db);
    this.#installationId = installationId;
    this.policy = policy;
    // In a write transaction, so two processes opening an installation that has no key yet
    // agree on one: the second finds the first's.
    const { fingerprint, privateKey } = db.transaction(() => loadOrCreateSigningKey(db, rootKey, now)).immediate();
    this.fingerprint = fingerprint;
    this.#privateKey = privateKey;
  }

  /**
   * Signs record `headSeq` (hash `headHash`) as the next checkpoint. Must run inside the write
   * transaction that read the head, so the number and previous signature are current.
   */
  create(headSeq: number, headHash: Uint8Array, reason: CheckpointReason, nowMs: number, firstSeq?: number): Checkpoint {
    if (!this.#db.inTransaction) {
      throw new Error('Checkpoints are made inside a write transaction.');
    }
    const last = this.#store.last();
    const body: CheckpointBody = {
      format: CHECKPOINT_FORMAT,
      installationId: this.#installationId,
      number: (last?.body.number ?? 0) + 1,
      headSeq,
      headHash: hashHex(headHash),
      createdAt: new Date(nowMs).toISOString(),
      reason,
      previousSignature: last === null ? null : toBase64(last.signature),
      signingKey: this.fingerprint,
      ...(firstSeq === undefined ? {} : { firstSeq }),
    };
    const bodyText = canonicalJson(body);
    const signature = new Uint8Array(sign('sha256', Buffer.from(bodyText, 'utf8'), { key: this.#privateKey, dsaEncoding: 'ieee-p1363' }));
    const checkpoint = { body, bodyText, signature };
    this.#store.insert(checkpoint);
    return checkpoint;
  }

  /** The newest checkpoint (another process may have made it). */
  last(): Checkpoint | null {
    return this.#store.last();
  }

  /** The furthest record any checkpoint signs, read now (another process may have signed). */
  signedThrough(): number {
    return this.#store.signedThrough();
  }
}

export function checkpointToJson(checkpoint: Checkpoint): { body: CheckpointBody; signature: string } {
  return { body: checkpoint.body, signature: toBase64(checkpoint.signature) };
}

/**
 * Reads a checkpoint as exported ({ body, signature }). The body is re-serialized canonically: a
 * body that was edited in the file either still parses (and then fails its signature) or does not.
 */
export function checkpointFromJson(value: unknown): Checkpoint | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const { body, signature } = value as { body?: unknown; signature?: unknown };
  if (typeof signature !== 'string' || typeof body !== 'object' || body === null) {
    return null;
  }
  let bodyText: string;
  try {
    bodyText = canonicalJson(body);
  } catch {
    return null;
  }
  const parsed = parseCheckpointBody(bodyText);
  return parsed === null ? null : { body: parsed, bodyText, signature: new Uint8Array(Buffer.from(signature, 'base64')) };
}
