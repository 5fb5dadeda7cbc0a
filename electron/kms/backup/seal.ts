// A share encrypted for one custodian: to their public key (an Ed25519 key pair as `openssl
// genpkey -algorithm ed25519` makes, converted to X25519 with @noble/curves; or an X25519 key)
// with an ephemeral X25519 key agreement, HKDF-SHA256 and AES-256-GCM; or to a passphrase with
// scrypt (the passphrase root key provider's cost) and AES-256-GCM. The sealed file keeps the
// backup id and share index in the clear, authenticated as AAD, so errors can name the share.

import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { IncorrectKeyException, ValidationException } from '../errors.ts';
import { lazyModule } from '../lazy-module.ts';
import type * as Ed25519Module from '@noble/curves/ed25519.js';
import { deriveKey, MIN_PASSPHRASE_LENGTH, SCRYPT_V1 } from '../rootkey/passphrase.ts';

// Loaded by the backup commands that seal or open a share, not by every engine start.
const curves = lazyModule<typeof Ed25519Module>('@noble/curves/ed25519.js');

export const SEALED_FORMAT = 'strongroom-sealed-share';
const HKDF_INFO = 'strongroom/backup-share-seal/x25519/v1';
const MAX_N = 2 ** 20;

export type SealedShare = {
  readonly Format: typeof SEALED_FORMAT;
  readonly Version: 1;
  readonly BackupId: string;
  readonly Index: number;
  readonly Recipient:
    | { readonly Type: 'x25519'; readonly PublicKey: string; readonly EphemeralPublicKey: string }
    | { readonly Type: 'passphrase'; readonly Kdf: 'scrypt'; readonly N: number; readonly r: number; readonly p: number; readonly Salt: string };
  readonly Nonce: string;
  readonly Ciphertext: string; // share payload || tag, base64
};

function aad(s: Omit<SealedShare, 'Nonce' | 'Ciphertext'>): Buffer {
  return Buffer.from(JSON.stringify([s.Format, s.Version, s.BackupId, s.Index, s.Recipient]), 'utf8');
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function rawOkp(key: KeyObject, part: 'x' | 'd'): Buffer {
  const jwk = key.export({ format: 'jwk' }) as { x?: string; d?: string };
  const value = jwk[part];
  if (value === undefined) {
    throw new ValidationException('The key has no raw component to read.');
  }
  return Buffer.from(value, 'base64url');
}

/** A custodian public key (PEM or DER SPKI; Ed25519 or X25519) as raw X25519 bytes. */
export function custodianPublicKey(pem: Uint8Array, what: string): Uint8Array {
  let key: KeyObject;
  try {
    key = createPublicKey(Buffer.from(pem));
  } catch (err) {
    throw new ValidationException(`${what} is not a public key in PEM (${(err as Error).message}). Give an Ed25519 or X25519 key, as \`openssl genpkey -algorithm ed25519\` then \`openssl pkey -pubout\` make.`);
  }
  if (key.asymmetricKeyType === 'ed25519') {
    return curves().ed25519.utils.toMontgomery(rawOkp(key, 'x'));
  }
  if (key.asymmetricKeyType === 'x25519') {
    return rawOkp(key, 'x');
  }
  throw new ValidationException(`${what} is a ${String(key.asymmetricKeyType)} key; custodian keys are Ed25519 (or X25519).`);
}

/** A custodian private key (PEM PKCS#8; Ed25519 or X25519) as raw X25519 secret bytes. */
export function custodianPrivateKey(pem: Uint8Array, what: string): Uint8Array {
  let key: KeyObject;
  try {
    key = createPrivateKey(Buffer.from(pem));
  } catch (err) {
    throw new ValidationException(`${what} is not a private key in PEM (${(err as Error).message}).`);
  }
  if (key.asymmetricKeyType === 'ed25519') {
    return curves().ed25519.utils.toMontgomerySecret(rawOkp(key, 'd'));
  }
  if (key.asymmetricKeyType === 'x25519') {
    return rawOkp(key, 'd');
  }
  throw new ValidationException(`${what} is a ${String(key.asymmetricKeyType)} key; custodian keys are Ed25519 (or X25519).`);
}

function deriveScrypt(passphrase: string, salt: Uint8Array, N: number, r: number, p: number): Promise<Buffer> {
  return deriveKey(passphrase.normalize('NFC'), salt, N, r, p);
}

function x25519Kek(shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), HKDF_INFO, 32));
}

function encrypt(kek: Buffer, header: Omit<SealedShare, 'Nonce' | 'Ciphertext'>, payload: Uint8Array): SealedShare {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, nonce);
  cipher.setAAD(aad(header));
  const ct = Buffer.concat([cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
  kek.fill(0);
  return { ...header, Nonce: b64(nonce), Ciphertext: b64(ct) };
}

export function sealToPublicKey(payload: Uint8Array, backupId: string, index: number, recipient: Uint8Array): SealedShare {
  const eph = curves().x25519.utils.randomSecretKey();
  const ephPub = curves().x25519.getPublicKey(eph);
  const shared = curves().x25519.getSharedSecret(eph, recipient);
  eph.fill(0);
  const kek = x25519Kek(shared, ephPub, recipient);
  shared.fill(0);
  return encrypt(kek, { Format: SEALED_FORMAT, Version: 1, BackupId: backupId, Index: index, Recipient: { Type: 'x25519', PublicKey: b64(recipient), EphemeralPublicKey: b64(ephPub) } }, payload);
}

export async function sealToPassphrase(payload: Uint8Array, backupId: string, index: number, passphrase: string): Promise<SealedShare> {
  if ([...passphrase.normalize('NFC')].length < MIN_PASSPHRASE_LENGTH) {
    throw new ValidationException(`The passphrase for share ${index} is too short: use at least ${MIN_PASSPHRASE_LENGTH} characters.`);
  }
  const salt = randomBytes(16);
  const kek = await deriveScrypt(passphrase, salt, SCRYPT_V1.N, SCRYPT_V1.r, SCRYPT_V1.p);
  return encrypt(kek, { Format: SEALED_FORMAT, Version: 1, BackupId: backupId, Index: index, Recipient: { Type: 'passphrase', Kdf: 'scrypt', ...SCRYPT_V1, Salt: b64(salt) } }, payload);
}

/** A sealed share file's JSON, or null when the text is not one. */
export function parseSealed(text: string, what: string): SealedShare | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) {
    return null;
  }
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (value.Format !== SEALED_FORMAT) {
    return null;
  }
  const r = value.Recipient as Record<string, unknown> | undefined;
  const ok =
    value.Version === 1 &&
    typeof value.BackupId === 'string' &&
    typeof value.Index === 'number' &&
    typeof value.Nonce === 'string' &&
    typeof value.Ciphertext === 'string' &&
    r !== undefined &&
    ((r.Type === 'x25519' && typeof r.PublicKey === 'string' && typeof r.EphemeralPublicKey === 'string') ||
      (r.Type === 'passphrase' && r.Kdf === 'scrypt' && typeof r.N === 'number' && Number.isInteger(r.N) && r.N >= 2 && r.N <= MAX_N && (r.N & (r.N - 1)) === 0 && typeof r.r === 'number' && r.r >= 1 && r.r <= 32 && typeof r.p === 'number' && r.p >= 1 && r.p <= 16 && typeof r.Salt === 'string'));
  if (!ok) {
    throw new ValidationException(`${what} is a sealed share with missing or malformed fields: it is corrupted.`);
  }
  return value as unknown as SealedShare;
}

export type Unsealer = { readonly privateKey: Uint8Array } | { readonly passphrase: string };

export async function unseal(sealed: SealedShare, by: Unsealer, what: string): Promise<Buffer> {
  const header = { Format: sealed.Format, Version: sealed.Version, BackupId: sealed.BackupId, Index: sealed.Index, Recipient: sealed.Recipient };
  let kek: Buffer;
  if (sealed.Recipient.Type === 'x25519') {
    if (!('privateKey' in by)) {
      throw new ValidationException(`${what} (share ${sealed.Index}) is encrypted to a custodian's public key: give --key <custodian private key PEM>.`);
    }
    const recipient = Buffer.from(sealed.Recipient.PublicKey, 'base64');
    if (!Buffer.from(curves().x25519.getPublicKey(by.privateKey)).equals(recipient)) {
      throw new IncorrectKeyException(`${what} (share ${sealed.Index}) was not encrypted to this key: it is for the custodian whose X25519 public key is ${sealed.Recipient.PublicKey}.`);
    }
    const eph = Buffer.from(sealed.Recipient.EphemeralPublicKey, 'base64');
    const shared = curves().x25519.getSharedSecret(by.privateKey, eph);
    kek = x25519Kek(shared, eph, recipient);
    shared.fill(0);
  } else {
    if (!('passphrase' in by)) {
      throw new ValidationException(`${what} (share ${sealed.Index}) is encrypted to a passphrase: give --passphrase-file <file>.`);
    }
    const r = sealed.Recipient;
    kek = await deriveScrypt(by.passphrase, Buffer.from(r.Salt, 'base64'), r.N, r.r, r.p);
  }
  const ct = Buffer.from(sealed.Ciphertext, 'base64');
  if (ct.length < 17) {
    throw new ValidationException(`${what} (share ${sealed.Index}) is corrupted: its ciphertext is too short.`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(sealed.Nonce, 'base64'), { authTagLength: 16 });
    decipher.setAAD(aad(header));
    decipher.setAuthTag(ct.subarray(ct.length - 16));
    return Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]);
  } catch {
    throw new IncorrectKeyException(
      sealed.Recipient.Type === 'passphrase'
        ? `${what} (share ${sealed.Index}): the passphrase is wrong (or the sealed file was altered).`
        : `${what} (share ${sealed.Index}) does not decrypt with this key: the sealed file was altered.`,
    );
  } finally {
    kek.fill(0);
  }
}
