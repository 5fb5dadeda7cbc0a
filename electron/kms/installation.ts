// The installation: one row naming this data directory's identity (installation id, account id,
// region) and where its root key lives (provider kind, provider parameters, key check value). init
// creates it exactly once; open loads the root key through the named provider and checks it. Both
// refuse rather than guess (docs/architecture.md, invariant 4): init never runs over an existing
// row, and open never writes, so a failed open leaves the data directory byte-for-byte as it was.

import { randomInt, randomUUID } from 'node:crypto';
import type { Clock } from './clock.ts';
import { InstallationError, ValidationException } from './errors.ts';
import { rootKeyCheck, rootKeyCheckMatches } from './rootkey/check.ts';
import { ROOT_KEY_BYTES, type RootKeyProvider, type RootKeyProviderKind } from './rootkey/provider.ts';
import type { Db } from './store/database.ts';

export type InstallationInfo = {
  readonly installationId: string;
  readonly accountId: string;
  readonly region: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly rootKeyProvider: RootKeyProviderKind;
  /** Where the root key lives, in words (provider.describe); no secrets. */
  readonly rootKeyLocation: string;
  /** A developer installation's clock can be moved forward (`strongroom dev clock advance`). */
  readonly developer: boolean;
};

export type OpenedInstallation = {
  readonly info: InstallationInfo;
  /** The root key; the caller owns it and should wipe it when done. */
  readonly rootKey: Uint8Array;
};

export type InitInstallationOptions = {
  readonly clock: Clock;
  /** Default 'local-1'. */
  readonly region?: string;
  /** Twelve digits; random when omitted. */
  readonly accountId?: string;
  /** Create a developer installation, whose clock can be advanced. Fixed at creation. */
  readonly developer?: boolean;
};

export type ProviderForKind = (kind: RootKeyProviderKind) => RootKeyProvider;

export const DEFAULT_REGION = 'local-1';

/** AWS-shaped region names: local-1, us-east-1, eu-central-2, us-gov-west-1. */
export const REGION_PATTERN = /^[a-z]{2,12}(-[a-z]{2,12}){0,2}-\d{1,3}$/;
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;

const KINDS: ReadonlyArray<RootKeyProviderKind> = ['keychain', 'passphrase', 'memory'];

type InstallationRow = {
  installation_id: string;
  account_id: string;
  region: string;
  created_at: number;
  root_key_provider: string;
  root_key_params: string;
  root_key_check: Uint8Array;
  developer: number;
};

function readRow(db: Db): InstallationRow | undefined {
  return db
    .prepare(
      'SELECT installation_id, account_id, region, created_at, root_key_provider, root_key_params, root_key_check, developer FROM installation WHERE id = 1',
    )
    .get() as InstallationRow | undefined;
}

function alreadyInitialized(row: InstallationRow): InstallationError {
  return new InstallationError(
    'AlreadyInitialized',
    `This data directory already holds installation ${row.installation_id} (account ${row.account_id}, region ${row.region}); refusing to initialize over it. Use a new data directory for a new installation.`,
  );
}

function notInitialized(): InstallationError {
  return new InstallationError('NotInitialized', 'This data directory holds no Strongroom installation: run `strongroom init` first.');
}

function kindOf(row: InstallationRow): RootKeyProviderKind {
  const kind = KINDS.find((k) => k === row.root_key_provider);
  if (kind === undefined) {
    throw new InstallationError(
      'UnsupportedSchema',
      `This installation keeps its root key with provider ${JSON.stringify(row.root_key_provider)}, which this build of Strongroom does not know. Upgrade Strongroom to open it.`,
    );
  }
  return kind;
}

function infoOf(row: InstallationRow, provider: RootKeyProvider): InstallationInfo {
  return {
    installationId: row.installation_id,
    accountId: row.account_id,
    region: row.region,
    createdAt: row.created_at,
    rootKeyProvider: provider.kind,
    rootKeyLocation: provider.describe(row.root_key_params),
    developer: row.developer !== 0,
  };
}

function randomAccountId(): string {
  // No leading zero, so tools that read it as a number give it back unchanged.
  return String(randomInt(100_000_000_000, 1_000_000_000_000));
}

/**
 * Creates the installation: a new installation id, a new root key through `provider`, and the
 * row that records them. Refuses if the database already has an installation, before any key is
 * created, so an existing installation's root key is never replaced.
 */
export async function initInstallation(db: Db, provider: RootKeyProvider, options: InitInstallationOptions): Promise<OpenedInstallation> {
  const region = options.region ?? DEFAULT_REGION;
  if (!REGION_PATTERN.test(region)) {
    throw new ValidationException(
      `Region ${JSON.stringify(region)} is not a valid region name: use lowercase words and a number joined by hyphens, like local-1 or us-east-1.`,
    );
  }
  const accountId = options.accountId ?? randomAccountId();
  if (!ACCOUNT_ID_PATTERN.test(accountId)) {
    throw new ValidationException(`Account id ${JSON.stringify(accountId)} is not valid: an account id is exactly 12 digits.`);
  }
  const existing = readRow(db);
  if (existing !== undefined) {
    throw alreadyInitialized(existing);
  }

  const installationId = randomUUID();
  const { key, params } = await provider.create(installationId);
  if (key.length !== ROOT_KEY_BYTES) {
    throw new InstallationError('RootKeyMismatch', `The ${provider.kind} provider produced a ${key.length}-byte root key; expected ${ROOT_KEY_BYTES}.`);
  }
  const createdAt = options.clock.now();
  try {
    // id = 1 is the primary key, so a concurrent init that won the race makes this insert fail
    // instead of adding a second row. (better-sqlite3 binds Buffers, not bare Uint8Arrays, as BLOBs.)
    db.prepare(
      `INSERT INTO installation (id, installation_id, account_id, region, created_at, root_key_provider, root_key_params, root_key_check, developer)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(installationId, accountId, region, createdAt, provider.kind, params, Buffer.from(rootKeyCheck(key)), options.developer === true ? 1 : 0);
  } catch (err) {
    key.fill(0);
    const winner = readRow(db);
    if (winner !== undefined) {
      throw alreadyInitialized(winner);
    }
    throw err;
  }
  return {
    info: {
      installationId,
      accountId,
      region,
      createdAt,
      rootKeyProvider: provider.kind,
      rootKeyLocation: provider.describe(params),
      developer: options.developer === true,
    },
    rootKey: key,
  };
}

/**
 * Opens the installation: loads the root key through the provider the row names and checks it
 * against the stored key check value. Read-only: when it fails, nothing on disk has changed.
 */
export async function openInstallation(db: Db, providerForKind: ProviderForKind): Promise<OpenedInstallation> {
  const row = readRow(db);
  if (row === undefined) {
    throw notInitialized();
  }
  const provider = providerForKind(kindOf(row));
  if (provider.kind !== row.root_key_provider) {
    throw new InstallationError(
      'ProviderNotAllowed',
      `This installation keeps its root key with the ${row.root_key_provider} provider, but a ${provider.kind} provider was supplied.`,
    );
  }
  const info = infoOf(row, provider);
  const rootKey = await provider.load(row.installation_id, row.root_key_params);
  if (rootKey.length !== ROOT_KEY_BYTES || !rootKeyCheckMatches(rootKey, row.root_key_check)) {
    rootKey.fill(0);
    throw new InstallationError(
      'RootKeyMismatch',
      `The root key found in ${info.rootKeyLocation} does not match this installation (${row.installation_id}): it was replaced, or belongs to another installation. Restore the right key from a backup; do not initialize again over this data directory.`,
    );
  }
  return { info, rootKey };
}

/**
 * The installation's identity and where its root key lives, without loading the key: for
 * `strongroom status`, which must be able to say where the key should be even when it cannot be
 * unlocked.
 */
export function describeInstallation(db: Db, providerForKind: ProviderForKind): InstallationInfo {
  const row = readRow(db);
  if (row === undefined) {
    throw notInitialized();
  }
  return infoOf(row, providerForKind(kindOf(row)));
}
