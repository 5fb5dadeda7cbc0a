// The one engine of the window's host: the Electron main process, or `strongroom ui` (browser
// mode), which is why it lives in the bridge and not in electron/main. It is opened on the first
// status request (so the window appears at once, and a keychain prompt comes after it), kept open
// for the life of the app, and closed at quit. An uninitialized data directory is reported as
// such, without creating any file in it; a locked or broken installation is reported with what is
// known about it and what to do.
//
// The engine modules are imported on first use, not at startup: they load the native SQLite and
// keychain modules, and if one of those fails to load (a missing or wrong build), the window
// should still open and say so, rather than the main process dying before it has a window.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InstallationStatus, SetUpRequest } from '../../shared/api/bridge.ts';
import { passphraseStrength } from '../../shared/api/passphrase-strength.ts';
import type { Kms } from '../kms/engine.ts';
import { AlreadyExistsException, InstallationError, KMSInvalidStateException, ValidationException } from '../kms/errors.ts';
import type { describeInstallation, InstallationInfo, ProviderForKind } from '../kms/installation.ts';
import type { providerForKind } from '../kms/rootkey/select.ts';
import type { openDatabase } from '../kms/store/database.ts';

export type EngineModules = {
  readonly Kms: typeof Kms;
  readonly describeInstallation: typeof describeInstallation;
  readonly selectProvider: typeof providerForKind;
  readonly openDatabase: typeof openDatabase;
  readonly DATABASE_FILE: string;
};

async function loadEngineModules(): Promise<EngineModules> {
  const [engine, installation, select, database] = await Promise.all([
    import('../kms/engine.ts'),
    import('../kms/installation.ts'),
    import('../kms/rootkey/select.ts'),
    import('../kms/store/database.ts'),
  ]);
  return {
    Kms: engine.Kms,
    describeInstallation: installation.describeInstallation,
    selectProvider: select.providerForKind,
    openDatabase: database.openDatabase,
    DATABASE_FILE: database.DATABASE_FILE,
  };
}

export const NOT_INITIALIZED_MESSAGE =
  'Strongroom has not been set up in this data folder yet. Set it up here, or run `strongroom init --data-dir <folder>` in a terminal with the data folder Settings shows, then press Refresh.';

export type EngineHostOptions = {
  readonly dataDir: string;
  /** The app's providers; the real keychain and passphrase providers unless a test injects others. */
  readonly providerForKind?: ProviderForKind;
  readonly log?: (message: string, detail?: unknown) => void;
  /** Loads the engine's modules; a test can inject a failing loader. */
  readonly loadModules?: () => Promise<EngineModules>;
};

export type EngineHost = {
  /** Opens the engine if it is not open yet, then describes the installation. Never throws. */
  status(): Promise<InstallationStatus>;
  /** The open engine, or null. For the bridge operations a later issue adds. */
  engine(): Kms | null;
  /**
   * Creates the installation in this data folder (the window's "Set up Strongroom") and opens it.
   * @throws ValidationException for a weak passphrase, AlreadyExistsException when one exists.
   */
  setUp(request: SetUpRequest): Promise<InstallationStatus>;
  /** Opens a passphrase installation with this passphrase; a wrong one is the status's problem. */
  unlock(passphrase: string): Promise<InstallationStatus>;
  close(): void;
};

type OpenOutcome = { readonly kms: Kms } | { readonly status: InstallationStatus };

function installationStatus(info: InstallationInfo): InstallationStatus {
  return {
    initialized: true,
    installationId: info.installationId,
    accountId: info.accountId,
    region: info.region,
    rootKeyProvider: info.rootKeyProvider,
    rootKeyLocation: info.rootKeyLocation,
    unlocked: true,
  };
}

export function createEngineHost(options: EngineHostOptions): EngineHost {
  const dataDir = options.dataDir;
  const log = options.log ?? console.warn;
  const load = options.loadModules ?? loadEngineModules;
  let kms: Kms | null = null;
  let opening: Promise<OpenOutcome> | null = null;
  let closed = false;

  // The renderer never receives a path it did not get from the user (docs/architecture.md,
  // invariant 2).
  const redact = (message: string): string => message.split(dataDir).join('the data directory');

  const notInitialized: OpenOutcome = {
    status: { initialized: false, unlocked: false, problem: { code: 'NotInitialized', message: NOT_INITIALIZED_MESSAGE } },
  };

  const describeLocked = (m: EngineModules, providers: ProviderForKind, problem: InstallationStatus['problem']): InstallationStatus => {
    // The installation row says where the key should be, even when it cannot be loaded.
    try {
      const db = m.openDatabase(join(dataDir, m.DATABASE_FILE));
      try {
        const info = m.describeInstallation(db, providers);
        return { ...installationStatus(info), unlocked: false, ...(problem === undefined ? {} : { problem }) };
      } finally {
        db.close();
      }
    } catch {
      return { initialized: true, unlocked: false, ...(problem === undefined ? {} : { problem }) };
    }
  };

  const open = async (given?: (m: EngineModules) => ProviderForKind): Promise<OpenOutcome> => {
    let m: EngineModules;
    try {
      m = await load();
    } catch (err) {
      log('Strongroom: the engine modules could not be loaded', err);
      const detail = err instanceof Error ? redact(err.message) : 'unknown error';
      return {
        status: {
          initialized: false,
          unlocked: false,
          problem: { code: 'EngineUnavailable', message: `Strongroom's storage engine could not be loaded, so this installation cannot be read: ${detail}` },
        },
      };
    }
    if (!existsSync(join(dataDir, m.DATABASE_FILE))) {
      return notInitialized;
    }
    const providers: ProviderForKind = given?.(m) ?? options.providerForKind ?? ((kind) => m.selectProvider(kind));
    try {
      const engine = await m.Kms.open({ dataDir, providerForKind: providers, userAgent: 'strongroom-app', log: (message) => log(message) });
      engine.startTimers();
      return { kms: engine };
    } catch (err) {
      if (err instanceof InstallationError) {
        if (err.problem === 'NotInitialized') {
          return notInitialized;
        }
        return { status: describeLocked(m, providers, { code: err.problem, message: redact(err.message) }) };
      }
      log('Strongroom: the engine could not be opened', err);
      const detail = err instanceof Error ? redact(err.message) : 'unknown error';
      return {
        status: describeLocked(m, providers, { code: 'OpenFailed', message: `The installation could not be opened: ${detail}` }),
      };
    }
  };

  const closedStatus: InstallationStatus = { initialized: false, unlocked: false, problem: { code: 'Closed', message: 'Strongroom is shutting down.' } };

  /** Keeps the engine an outcome opened (the first one wins), or returns the outcome's status. */
  const adopt = (outcome: OpenOutcome): InstallationStatus => {
    if ('kms' in outcome) {
      if (closed) {
        outcome.kms.close();
        return closedStatus;
      }
      kms ??= outcome.kms;
      if (kms !== outcome.kms) {
        outcome.kms.close();
      }
      return installationStatus(kms.installation);
    }
    return outcome.status;
  };

  /** Runs `task` as the one open in flight, after any open already running. */
  const exclusive = async (task: () => Promise<OpenOutcome>): Promise<OpenOutcome> => {
    while (opening !== null) {
      await opening.catch(() => undefined);
    }
    const running = task().finally(() => {
      opening = null;
    });
    opening = running;
    return running;
  };

  const createInstallation = async (request: SetUpRequest): Promise<OpenOutcome> => {
    const m = await load();
    const kind = request.RootKey;
    const passphrase = request.Passphrase;
    if (kind === 'passphrase') {
      const strength = passphraseStrength(passphrase ?? '');
      if (!strength.acceptable) {
        throw new ValidationException(`The passphrase is not strong enough: ${strength.advice}`, { inputs: ['Passphrase'] });
      }
    } else if (passphrase !== undefined) {
      throw new ValidationException('A passphrase is only for a passphrase-protected root key; the keychain holds its own.', { inputs: ['Passphrase'] });
    }
    const provider = kind === 'passphrase' ? m.selectProvider('passphrase', { passphrase: async () => passphrase ?? '' }) : (options.providerForKind ?? ((k) => m.selectProvider(k)))(kind);
    try {
      const engine = await m.Kms.init({ dataDir, provider, userAgent: 'strongroom-app', log: (message) => log(message) });
      engine.startTimers();
      return { kms: engine };
    } catch (err) {
      if (err instanceof InstallationError) {
        if (err.problem === 'AlreadyInitialized') {
          throw new AlreadyExistsException('This data folder already holds a Strongroom installation: press Refresh to use it.', { cause: err });
        }
        throw new KMSInvalidStateException(`The installation could not be created: ${redact(err.message)}`, { cause: err });
      }
      throw err;
    }
  };

  return {
    async setUp(request) {
      if (closed) {
        return closedStatus;
      }
      if (kms !== null) {
        throw new AlreadyExistsException('This data folder already holds a Strongroom installation, and it is open.');
      }
      return adopt(await exclusive(() => createInstallation(request)));
    },
    async unlock(passphrase) {
      if (closed) {
        return closedStatus;
      }
      if (kms !== null) {
        return installationStatus(kms.installation);
      }
      const withPassphrase = (m: EngineModules): ProviderForKind => (kind) =>
        kind === 'passphrase' ? m.selectProvider('passphrase', { passphrase: async () => passphrase }) : (options.providerForKind ?? ((k) => m.selectProvider(k)))(kind);
      return adopt(await exclusive(() => open(withPassphrase)));
    },
    async status() {
      if (kms !== null) {
        return installationStatus(kms.installation);
      }
      if (closed) {
        return closedStatus;
      }
      // One open at a time; a failed open is tried again on the next request (after `strongroom
      // init`, or once the keychain is unlocked).
      opening ??= open().finally(() => {
        opening = null;
      });
      return adopt(await opening);
    },
    engine() {
      return kms;
    },
    close() {
      closed = true;
      kms?.close();
      kms = null;
    },
  };
}
