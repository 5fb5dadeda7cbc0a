// The Kms facade: open, close, invoke. Every surface (CLI, HTTP endpoint, IPC bridge, tests,
// benchmarks) calls invoke(action, input); every action — KMS operation or Strongroom action —
// runs through the one pipeline (pipeline.ts) from the one table (actions/table.ts). The methods
// below the invoke family are typed shorthands for table entries, plus the file-writing actions
// (audit export and archive, backup) that use the pipeline's one escape hatch.

import { createSecretKey, type KeyObject } from 'node:crypto';
import type { Transaction } from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationName, OperationOutput } from '../../shared/api/operations.ts';
import type { StrongroomActionInput, StrongroomActionName } from '../../shared/api/strongroom-actions.ts';
import { CachedAccessKeyLookup, type AccessKeyLookup } from './iam/access-keys.ts';
import { ACTIONS, type ActionName, type ActionOutput, type EngineServices } from './actions/table.ts';
import type { JsonObject } from './audit/canonical.ts';
import { CheckpointSigner, DEFAULT_CHECKPOINT_EVERY_MS, DEFAULT_CHECKPOINT_EVERY_RECORDS, type Checkpoint } from './audit/checkpoints.ts';
import { AuditLog } from './audit/log.ts';
import { ownerCaller, type Caller } from './iam/caller.ts';
import { systemClock, type Clock } from './clock.ts';
import { wipe } from './crypto/wipe.ts';
import { InstallationError, KMSInternalException, UnsupportedOperationException, type KmsError } from './errors.ts';
import { initInstallation, openInstallation, type InstallationInfo } from './installation.ts';
import { Pipeline, type InvokeOptions } from './pipeline.ts';
import { Scheduler, type ScheduledWork } from './scheduler.ts';
import { removeStraySnapshots } from './backup/snapshot.ts';
import { DATABASE_FILE, openDatabase, type Db } from './store/database.ts';
import { recordCreation } from './installation-record.ts';
import { EngineClock } from './engine-clock.ts';
import type { CommonOptions, InitOptions, OpenOptions } from './engine-options.ts';
import { CommitGroup } from './commit-group.ts';
import { engineServices } from './services.ts';
import { KmsActions, type EngineParts } from './engine-actions.ts';
import type { SecretsOperationName } from '../../shared/api/secretsmanager.ts';
import { SECRETS_ACTIONS } from './secrets/table.ts';
import { purgeDueSecrets } from './secrets/lifecycle.ts';
import { MANAGED_ALIAS_PREFIX, managedAlias, managedServiceOf } from './managed-keys.ts';
import { keyArn } from './identifiers.ts';
import { xksCredentialLookup, type XksCredentialLookup } from './xks/lookup.ts';
import { FAULT_POINT_ARMED, faultPoint } from './fault-point.ts';

export type { InvokeOptions } from './pipeline.ts';
export type { ScheduledWork, Seam } from './scheduler.ts';
export { SCHEDULED_WORK_MS } from './scheduler.ts';
export { DEFAULT_APPROVAL_LIFETIME_MS } from './actions/custody.ts';

export type { InitOptions, OpenOptions } from './engine-options.ts';
export { ACCESS_KEY_CACHE_MS } from './iam/access-keys.ts';

export class Kms extends KmsActions {
  readonly installation: InstallationInfo;
  readonly audit: AuditLog;
  readonly dataDir: string;
  readonly #db: Db;
  readonly #services: EngineServices;
  readonly #pipeline: Pipeline;
  readonly #scheduler: Scheduler;
  readonly #defaultCaller: Caller;
  /** The clock operations read: the injected clock, plus a developer installation's offset. */
  readonly #clock: EngineClock;
  /** Imported once; the raw bytes are wiped at construction, so this is the only copy. */
  #rootKey: KeyObject | null;
  readonly #accessKeyLookup: CachedAccessKeyLookup;
  /** Made once: better-sqlite3 builds five wrapper functions per db.transaction(). */
  readonly #inTransaction: Transaction<(body: () => unknown) => unknown>;
  readonly #group = new CommitGroup({ transaction: (body) => this.#inTransaction.immediate(body) as ReturnType<typeof body> });
  #closed = false;

  private constructor(dataDir: string, db: Db, info: InstallationInfo, rootKey: Uint8Array, options: CommonOptions) {
    super();
    this.dataDir = dataDir;
    this.#db = db;
    this.#inTransaction = db.transaction((body: () => unknown) => body());
    this.installation = info;
    this.#rootKey = createSecretKey(rootKey);
    wipe(rootKey);
    this.#clock = new EngineClock(db, options.clock ?? systemClock, info.developer);
    const rootKeyNow = (): KeyObject => this.#liveRootKey();
    this.#services = engineServices({
      db,
      installation: info,
      clock: this.#clock,
      rootKey: rootKeyNow,
      forgetAccessKeys: () => this.#accessKeyLookup.forget(),
      // The engine's own audit log, made just below; read only when a call runs.
      auditReads: { query: (input) => this.audit.query(input) },
    });
    this.#accessKeyLookup = new CachedAccessKeyLookup((id) => this.#services.accessKeys.lookup(id, rootKeyNow()));
    const signer = new CheckpointSigner(db, rootKeyNow(), info.installationId, this.#clock.now(), {
      everyRecords: options.auditCheckpoints?.everyRecords ?? DEFAULT_CHECKPOINT_EVERY_RECORDS,
      everyMs: options.auditCheckpoints?.everyMs ?? DEFAULT_CHECKPOINT_EVERY_MS,
    });
    this.audit = new AuditLog(db, { signer, now: () => this.#clock.now() });
    this.#defaultCaller = ownerCaller(info.accountId, options.userAgent ?? 'strongroom');
    this.#pipeline = new Pipeline(this.#services, this.audit, this.#defaultCaller);
    const s = this.#services;
    this.#scheduler = new Scheduler({ db, repo: s.repo, audit: this.audit, clock: this.#clock, scope: s.scope, rootKey: rootKeyNow, onSeam: options.onSeam ?? (() => {}), checkpointWal: s.hooks.checkpointWal, ...(options.log === undefined ? {} : { log: options.log }) });
  }

  /** Creates a new installation in `dataDir`. Refuses if one exists there already. */
  static async init(options: InitOptions): Promise<Kms> {
    return Kms.#opened(options, async (db) => {
      const { info, rootKey } = await initInstallation(db, options.provider, {
        clock: options.clock ?? systemClock,
        ...(options.region !== undefined ? { region: options.region } : {}),
        ...(options.accountId !== undefined ? { accountId: options.accountId } : {}),
        ...(options.developer !== undefined ? { developer: options.developer } : {}),
      });
      const kms = new Kms(options.dataDir, db, info, rootKey, options);
      recordCreation(kms.audit, info, kms.#defaultCaller);
      kms.runScheduledWork();
      return kms;
    });
  }

  /**
   * Opens an existing installation: loads the root key through the provider the installation
   * was created with and checks it against the stored key check value. Then runs the due work.
   */
  static async open(options: OpenOptions): Promise<Kms> {
    // Opening must not create anything: a mistyped data directory is reported, not initialized.
    if (!existsSync(join(options.dataDir, DATABASE_FILE))) {
      throw new InstallationError('NotInitialized', `There is no Strongroom installation in ${options.dataDir}. Create one with \`strongroom init\`, or point --data-dir (or STRONGROOM_DATA_DIR) at an existing one.`);
    }
    return Kms.openRestored(options, null);
  }

  /**
   * Opens an installation; when `restored` is given (backup/restore.ts, on its staging folder),
   * appends the RestoreBackup record right after the restored records, before any scheduled
   * work the restored state makes due.
   */
  static async openRestored(options: OpenOptions, restored: { readonly requestParameters: JsonObject; readonly responseElements: JsonObject } | null): Promise<Kms> {
    return Kms.#opened(options, async (db) => {
      const { info, rootKey } = await openInstallation(db, options.providerForKind);
      const kms = new Kms(options.dataDir, db, info, rootKey, options);
      if (restored !== null) {
        kms.#pipeline.audited('RestoreBackup', restored.requestParameters, () => restored.responseElements, () => null);
      }
      kms.runScheduledWork();
      return kms;
    });
  }

  static async #opened(options: CommonOptions, open: (db: Db) => Promise<Kms>): Promise<Kms> {
    // A backup snapshot left by a killed process is a full copy of the database: it goes first.
    removeStraySnapshots(options.dataDir);
    const db = openDatabase(join(options.dataDir, DATABASE_FILE), options.log === undefined ? {} : { log: options.log });
    try {
      return await open(db);
    } catch (err) {
      if (db.open) {
        db.close();
      }
      throw err;
    }
  }

  /** The clock this engine reads; surfaces use it for their own timestamps. */
  get clock(): Clock {
    return this.#clock;
  }

  /**
   * Runs one KMS operation. `input` is unvalidated: it is checked against the operation's schema
   * first. Resolves with the output once it is durable; rejects with a KmsError carrying the AWS
   * error name. Exactly one audit record is written either way. Calls made while the engine is
   * busy are committed together (commit-group.ts): one fsync for the group.
   */
  invoke<N extends OperationName>(name: N, input: unknown, options: InvokeOptions = {}): Promise<OperationOutput<N>> {
    try {
      this.#assertOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    const answer = this.#group.submit((afterCommit) => this.#run(name, input, options, afterCommit) as OperationOutput<N>);
    // The reliability suite's moment between a durable commit and the answer (fault-point.ts).
    if (!FAULT_POINT_ARMED) {
      return answer;
    }
    return answer.then((output) => {
      faultPoint('after-commit', name);
      return output;
    });
  }

  /**
   * Runs one Secrets Manager operation (shared/api/secretsmanager.ts) through the same pipeline,
   * commit group and audit log as KMS calls. Resolves with the response body (Dates and bytes
   * for the surface to encode).
   */
  invokeSecrets(name: SecretsOperationName, input: unknown, options: InvokeOptions = {}): Promise<Readonly<Record<string, unknown>>> {
    try {
      this.#assertOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    const entry = SECRETS_ACTIONS.get(name);
    if (entry === undefined) {
      return Promise.reject(new UnsupportedOperationException(`${String(name)} is not a Secrets Manager operation of this engine.`));
    }
    return this.#group.submit((afterCommit) => {
      this.#assertOpen();
      this.#clock.refresh();
      return this.#pipeline.run(name, entry, input, options, afterCommit) as Readonly<Record<string, unknown>>;
    });
  }

  /** Records a Secrets Manager call a surface refused before the engine could validate it. */
  rejectSecrets(name: SecretsOperationName, error: KmsError, options: InvokeOptions = {}): KmsError {
    this.#assertOpen();
    const entry = SECRETS_ACTIONS.get(name);
    return entry === undefined ? error : this.#pipeline.reject(name, entry, error, options);
  }

  /** The ARN of a service's managed key if it exists yet (a lookup: it is not created, nothing is audited). */
  managedKeyArn(service: string): string | null {
    this.#assertOpen();
    const managed = managedServiceOf(`${MANAGED_ALIAS_PREFIX}${service}`);
    const alias = managed === null ? null : this.#services.repo.getAlias(managedAlias(managed));
    return alias === null ? null : keyArn(this.#services.scope, alias.keyId);
  }

  /** The synchronous core of invoke(), for benchmarks and callers already on the engine's thread. */
  invokeSync<N extends OperationName>(name: N, input: unknown, options: InvokeOptions = {}): OperationOutput<N> {
    return this.#run(name, input, options) as OperationOutput<N>;
  }

  /** Runs one Strongroom action (shared/api/strongroom-actions.ts) through the same pipeline. */
  override act<N extends StrongroomActionName>(name: N, input: StrongroomActionInput<N>, options: InvokeOptions = {}): ActionOutput<N> {
    return this.#run(name, input, options) as ActionOutput<N>;
  }

  protected override engineParts(): EngineParts {
    this.#assertOpen();
    return { services: this.#services, pipeline: this.#pipeline, audit: this.audit, dataDir: this.dataDir };
  }

  #run(name: ActionName, input: unknown, options: InvokeOptions, afterCommit: Array<() => void> | null = null): unknown {
    this.#assertOpen();
    this.#clock.refresh();
    const entry = ACTIONS.get(name);
    if (entry === undefined) {
      throw new UnsupportedOperationException(`${String(name)} is not an action of this engine.`);
    }
    return this.#pipeline.run(name, entry, input, options, afterCommit);
  }

  /** The keys whose material is imported in the engine's cache (tests, diagnostics; never the material). */
  cachedMaterialKeyIds(): ReadonlySet<string> {
    return this.#services.materials.keyIds();
  }

  /** Records a call a surface refused before the engine could validate it; returns the error to answer with. */
  reject(name: OperationName, error: KmsError, options: InvokeOptions = {}): KmsError {
    this.#assertOpen();
    const entry = ACTIONS.get(name);
    return entry === undefined ? error : this.#pipeline.reject(name, entry, error, options);
  }

  /** For the endpoint's SigV4 check: an access key's principal and clear secret, or null (cached briefly). */
  readonly lookupAccessKey: AccessKeyLookup = (accessKeyId) => {
    this.#assertOpen();
    return this.#accessKeyLookup.lookup(accessKeyId);
  };

  /**
   * For the XKS surface's SigV4 check: a logical key store credential's caller (AWS KMS, acting
   * for that store), clear secret and store, or null. Not cached: a retired credential stops at once.
   */
  readonly lookupXksCredential = (accessKeyId: string): XksCredentialLookup | null => {
    this.#assertOpen();
    return xksCredentialLookup(this.#services, accessKeyId);
  };

  /**
   * Runs one Strongroom action like invoke() runs a KMS operation: committed with the calls that
   * arrive with it (one fsync for the group), answered once durable. The XKS surface uses it.
   */
  actGrouped<N extends StrongroomActionName>(name: N, input: unknown, options: InvokeOptions = {}): Promise<ActionOutput<N>> {
    try {
      this.#assertOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#group.submit((afterCommit) => this.#run(name, input, options, afterCommit) as ActionOutput<N>);
  }

  /** reject() for a Strongroom action a surface refused before the engine could validate it. */
  rejectAction(name: StrongroomActionName, error: KmsError, options: InvokeOptions = {}): KmsError {
    this.#assertOpen();
    const entry = ACTIONS.get(name);
    return entry === undefined ? error : this.#pipeline.reject(name, entry, error, options);
  }

  /** Signs the audit head now (or returns the newest checkpoint if it already does). */
  checkpointAuditLog(): Checkpoint {
    this.#assertOpen();
    return this.audit.checkpoint('request');
  }

  // --- Scheduled work and the developer clock ---

  /** Due rotations, expiries, deletions and expired import tokens (scheduler.ts). */
  runScheduledWork(): ScheduledWork {
    this.#assertOpen();
    this.#clock.refresh();
    const work = this.#scheduler.run();
    // Secrets whose recovery window has ended are destroyed with the keys' due work.
    if (purgeDueSecrets({ db: this.#db, audit: this.audit, now: () => this.#clock.now(), scope: this.#services.scope }) > 0) {
      this.#services.hooks.checkpointWal();
    }
    return work;
  }

  /** Deletes every key whose deletion window has passed; returns how many. */
  purgeDueDeletions(): number {
    this.#assertOpen();
    return this.#scheduler.purgeDueDeletions();
  }

  /** Starts the periodic scheduled work for long-running processes (app, endpoint). */
  startTimers(): void {
    this.#assertOpen();
    this.#scheduler.start(() => this.runScheduledWork());
  }

  /** The developer clock's current offset from the real (injected) clock, in milliseconds. */
  get clockOffsetMs(): number {
    this.#clock.refresh();
    return this.#clock.offsetMs;
  }

  /** Moves a developer installation's clock forward (audited), then runs the work that makes due. */
  advanceClock(ms: number): { readonly previous: Date; readonly current: Date; readonly work: ScheduledWork } {
    const move = this.act('AdvanceClock', { AdvanceByMs: ms });
    return { previous: new Date(move.previous), current: new Date(this.#clock.now()), work: this.runScheduledWork() };
  }

  close(): void {
    if (this.#closed) {
      return;
    }
    // Calls already accepted are run and answered, not dropped.
    this.#group.drain();
    // Time-based checkpoints for short-lived processes (the CLI), which have no timer.
    try {
      this.audit.checkpointIfDue();
    } catch {
      // A database that can no longer be written: the next process signs instead.
    }
    this.#closed = true;
    this.#scheduler.stop();
    // A KeyObject cannot be overwritten from JavaScript; dropping the last reference lets
    // OpenSSL free (and clear) it.
    this.#rootKey = null;
    this.#services.materials.clear();
    this.#accessKeyLookup.forget();
    this.#services.keyStores.closeAll();
    this.#db.close();
  }

  #liveRootKey(): KeyObject {
    if (this.#rootKey === null) {
      throw new KMSInternalException('This Strongroom engine has been closed.');
    }
    return this.#rootKey;
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new KMSInternalException('This Strongroom engine has been closed.');
    }
  }
}
