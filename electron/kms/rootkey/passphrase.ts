// The root key wrapped under a passphrase, for machines without a usable OS keychain (servers,
// air-gapped ceremony machines). A random 32-byte root key is encrypted with AES-256-GCM under
// a key derived from the passphrase with scrypt; only the wrapped form and the KDF parameters
// are stored (in the installation row's root_key_params). The passphrase itself is never
// stored, so each open asks for it through the injected function.

import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { InstallationError, ValidationException } from '../errors.ts';
import { ROOT_KEY_BYTES, type RootKeyProvider } from './provider.ts';

/** Where the passphrase comes from: a prompt in the CLI, a dialog in the app, a constant in tests. */
export type PassphraseSource = () => Promise<string>;

export const MIN_PASSPHRASE_LENGTH = 8;

/**
 * Version 1 parameters. The version is in the JSON (and in the AAD) so the KDF cost can be raised
 * later: a new version gets new defaults, and loading keeps accepting the old ones.
 * N = 2^17, r = 8: 128 MiB and roughly half a second per derivation on a laptop — paid once per
 * open, and expensive enough to slow down guessing a copied database.
 */
export const SCRYPT_V1 = { N: 131072, r: 8, p: 1 } as const;
const V1 = SCRYPT_V1;
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

// Bounds on what load() accepts, so a tampered row cannot make us allocate gigabytes.
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

type PassphraseParamsV1 = {
  readonly v: 1;
  readonly kdf: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: string;
  readonly nonce: string;
  readonly wrapped: string; // ciphertext || tag
};

/** Binds the wrapped key to the parameter version and the installation it belongs to. */
function aad(version: number, installationId: string): Buffer {
  return Buffer.from(`strongroom/root-key/passphrase/v${version}/${installationId}`, 'utf8');
}

/** scrypt to a 32-byte key, with maxmem raised to fit the cost (also used to seal backup shares). */
export function deriveKey(passphrase: string, salt: Uint8Array, N: number, r: number, p: number): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node's default maxmem (32 MiB) is below version 1's cost.
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salt, 32, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

// NFC, so the same passphrase typed on systems that compose accents differently derives the
// same key.
function normalize(passphrase: string): string {
  return passphrase.normalize('NFC');
}

function damaged(detail: string): InstallationError {
  return new InstallationError(
    'RootKeyUnavailable',
    `The passphrase-protected root key stored in this installation is damaged (${detail}); restore the data directory from a backup.`,
  );
}

function decodeB64(value: unknown, name: string, length?: number): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw damaged(`"${name}" is not base64`);
  }
  const bytes = Buffer.from(value, 'base64');
  if (length !== undefined && bytes.length !== length) {
    throw damaged(`"${name}" has ${bytes.length} bytes, expected ${length}`);
  }
  return bytes;
}

function isIntIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function parseParams(params: string): PassphraseParamsV1 {
  let parsed: unknown;
  try {
    parsed = JSON.parse(params);
  } catch {
    throw damaged('the parameters are not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw damaged('the parameters are not an object');
  }
  const p = parsed as Record<string, unknown>;
  if (p.v !== 1) {
    throw new InstallationError(
      'UnsupportedSchema',
      `The root key is protected with passphrase parameters version ${JSON.stringify(p.v)}, which this build of Strongroom does not know (it knows version 1). Upgrade Strongroom to open this installation.`,
    );
  }
  if (p.kdf !== 'scrypt') {
    throw damaged(`unknown key derivation ${JSON.stringify(p.kdf)}`);
  }
  if (!isIntIn(p.N, 2, MAX_N) || (p.N & (p.N - 1)) !== 0 || !isIntIn(p.r, 1, MAX_R) || !isIntIn(p.p, 1, MAX_P)) {
    throw damaged('scrypt cost parameters out of range');
  }
  decodeB64(p.salt, 'salt');
  decodeB64(p.nonce, 'nonce', NONCE_BYTES);
  decodeB64(p.wrapped, 'wrapped', ROOT_KEY_BYTES + TAG_BYTES);
  return p as PassphraseParamsV1;
}

export class PassphraseRootKeyProvider implements RootKeyProvider {
  readonly kind = 'passphrase' as const;
  readonly #passphrase: PassphraseSource;

  constructor(passphrase: PassphraseSource) {
    this.#passphrase = passphrase;
  }

  async create(installationId: string): Promise<{ readonly key: Uint8Array; readonly params: string }> {
    const key = new Uint8Array(randomBytes(ROOT_KEY_BYTES));
    try {
      return { key, params: (await this.adopt(installationId, key)).params };
    } catch (err) {
      key.fill(0);
      throw err;
    }
  }

  /** Wraps a given root key (one restored from a backup) under a passphrase asked for now. */
  async adopt(installationId: string, key: Uint8Array): Promise<{ readonly params: string; readonly stored: boolean }> {
    const passphrase = normalize(await this.#passphrase());
    if (passphrase.length === 0) {
      throw new ValidationException('The passphrase is empty. Choose a passphrase of at least 8 characters.');
    }
    if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
      throw new ValidationException(`The passphrase is too short. Choose a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters.`);
    }
    const salt = randomBytes(SALT_BYTES);
    const nonce = randomBytes(NONCE_BYTES);
    const kek = await deriveKey(passphrase, salt, V1.N, V1.r, V1.p);
    try {
      const cipher = createCipheriv('aes-256-gcm', kek, nonce);
      cipher.setAAD(aad(1, installationId));
      const wrapped = Buffer.concat([cipher.update(key), cipher.final(), cipher.getAuthTag()]);
      const params: PassphraseParamsV1 = {
        v: 1,
        kdf: 'scrypt',
        N: V1.N,
        r: V1.r,
        p: V1.p,
        salt: salt.toString('base64'),
        nonce: nonce.toString('base64'),
        wrapped: wrapped.toString('base64'),
      };
      return { params: JSON.stringify(params), stored: true };
    } finally {
      kek.fill(0);
    }
  }

  async load(installationId: string, params: string): Promise<Uint8Array> {
    // Parameters first: a damaged or too-new row is reported without asking for a passphrase.
    const p = parseParams(params);
    const passphrase = normalize(await this.#passphrase());
    const kek = await deriveKey(passphrase, decodeB64(p.salt, 'salt'), p.N, p.r, p.p);
    try {
      const wrapped = decodeB64(p.wrapped, 'wrapped');
      const decipher = createDecipheriv('aes-256-gcm', kek, decodeB64(p.nonce, 'nonce'), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(p.v, installationId));
      decipher.setAuthTag(wrapped.subarray(ROOT_KEY_BYTES));
      const plain = decipher.update(wrapped.subarray(0, ROOT_KEY_BYTES));
      try {
        decipher.final();
      } catch {
        plain.fill(0);
        // GCM cannot tell a wrong passphrase from altered parameters; the first is by far the
        // likelier, and the message names both.
        throw new InstallationError(
          'WrongPassphrase',
          'The passphrase is wrong: it does not unlock this installation\'s root key. Check it and try again (if you are sure it is right, the stored root key parameters were altered or belong to another installation).',
        );
      }
      const key = new Uint8Array(plain);
      plain.fill(0);
      return key;
    } finally {
      kek.fill(0);
    }
  }

  describe(params: string): string {
    try {
      const p = JSON.parse(params) as Partial<PassphraseParamsV1>;
      return `wrapped under a passphrase in this installation's database (scrypt N=${String(p.N)}, r=${String(p.r)}, p=${String(p.p)}; parameters v${String(p.v)})`;
    } catch {
      return "wrapped under a passphrase in this installation's database (parameters unreadable)";
    }
  }
}
