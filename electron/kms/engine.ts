// The Kms facade: one entry point, invoke(operation, input), that every surface (CLI, HTTP
// endpoint, IPC bridge, tests, benchmarks) calls. The pipeline is the same for every
// operation:
//
//   validate (shared schema) → handler: resolve key → state check → authorize → act
//                            → audit record appended in the same transaction → result
//
// A failure at any step (including validation) is also audited, in its own transaction, before
// the error is returned. If the audit record cannot be written the operation fails: nothing
// runs unaudited (DESIGN.md invariant 3).

import { createHash, createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { decodeBase64 } from '../../shared/api/base64.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  isOperationName,
  operations,
  type OperationName,
  type OperationOutput,
} from '../../shared/api/operations.ts';
import type { BlobEncoding } from '../../shared/api/schema.ts';
import { validateRequest } from './validate.ts';
import { buildRecord, requestParametersFor, responseElementsFor } from './audit/record.ts';
import { AuditLog } from './audit/log.ts';
import { archiveAuditLog, exportAuditLog, type ArchiveOptions, type ArchiveSummary, type AuditHost, type ExportOptions } from './audit/archive.ts';
import type { ExportSummary } from './audit/export.ts';
import { CheckpointSigner, DEFAULT_CHECKPOINT_EVERY_MS, DEFAULT_CHECKPOINT_EVERY_RECORDS, type Checkpoint, type CheckpointPolicy } from './audit/checkpoints.ts';
import type { JsonObject } from './audit/canonical.ts';
import { AccessKeyStore, type AccessKeyLookup } from './access-keys.ts';
import type { AuditRecord } from './audit/record.ts';
import { ownerCaller, type Caller } from './caller.ts';
import { DAY_MS, systemClock, type Clock } from './clock.ts';
import type { HandlerTable, OperationContext } from './context.ts';
import { wipe } from './crypto/wipe.ts';
import {
  InstallationError,
  KMSInternalException,
  NotFoundException,
  type KmsError,
  UnsupportedOperationException,
  ValidationException,
  toKmsError,
} from './errors.ts';
import { aliasArn, isKeyUuid, keyArn, parseKmsArn, type Scope } from './identifiers.ts';
import { initInstallation, openInstallation, type InstallationInfo } from './installation.ts';
import { createAlias, deleteAlias, listAliases, updateAlias } from './operations/aliases.ts';
import {
  generateDataKeyHandler,
  generateDataKeyPair,
  generateDataKeyPairWithoutPlaintext,
  generateDataKeyWithoutPlaintext,
  generateRandom,
} from './operations/data-keys.ts';
import { deriveSharedSecret, generateMac, getPublicKey, sign, verify, verifyMac } from './operations/signing.ts';
import { cancelKeyDeletion, scheduleKeyDeletion } from './operations/deletion.ts';
import { decrypt, encrypt, reEncrypt } from './operations/encryption.ts';
import { deleteImportedKeyMaterial, destroyImportedMaterial, getParametersForImport, importKeyMaterial } from './operations/import.ts';
import {
  disableKeyRotation,
  enableKeyRotation,
  getKeyRotationStatus,
  listKeyRotations,
  rotateKey,
  rotateKeyOnDemand,
} from './operations/rotation.ts';
import {
  createKey,
  describeKey,
  disableKey,
  enableKey,
  listKeys,
  updateKeyDescription,
} from './operations/keys.ts';
import { listResourceTags, tagResource, untagResource } from './operations/tags.ts';
import { createGrant, listGrants, listRetirableGrants, retireGrant, revokeGrant } from './operations/grants.ts';
import { getKeyPolicy, listKeyPolicies, putKeyPolicy } from './operations/key-policy.ts';
import { simulatePolicy } from './operations/simulate.ts';
import {
  connectCustomKeyStore,
  createCustomKeyStore,
  deleteCustomKeyStore,
  describeCustomKeyStores,
  disconnectCustomKeyStore,
  updateCustomKeyStore,
} from './operations/custom-key-stores.ts';
import { exportKeyMaterial } from './operations/export.ts';
import { AccessControl } from './policy/access-control.ts';
import type { PrincipalKind } from './principal-id.ts';
import { PrincipalStore, resolvePrincipal, type IdentityPolicyRow, type PrincipalRow } from './principals.ts';
import { GrantRepository } from './store/grants.ts';
import { CustomKeyStores } from './keystore/stores.ts';
import type { RootKeyProvider, RootKeyProviderKind } from './rootkey/provider.ts';
import { DATABASE_FILE, openDatabase, type Db } from './store/database.ts';
import { SCHEMA_VERSION } from './store/migrate.ts';
import { createBackup, type BackupCreateOptions, type BackupSummary } from './backup/create.ts';
import { KeyRepository, type KeyRow, type MaterialRow } from './store/repository.ts';
import {
  canonicalInput,
  CLEAR_QUORUM_RULE,
  REQUEST_FORMAT,
  SET_QUORUM_RULE,
  type ApprovalRequest,
} from './quorum/approval.ts';
import { MAX_APPROVAL_LIFETIME_MS, QUORUM_GUARDED, QuorumStore, type Custodian, type QuorumOutcome, type QuorumRule } from './quorum/quorum.ts';


/**
 * Every operation in shared/api/operations.ts must have a handler here: the mapped type makes a
 * missing one a compile error, so the CLI, endpoint and bridge never list an operation the
 * engine cannot serve.
 */
const HANDLERS: HandlerTable = {
  CreateKey: createKey,
  DescribeKey: describeKey,
  ListKeys: listKeys,
  UpdateKeyDescription: updateKeyDescription,
  EnableKey: enableKey,
  DisableKey: disableKey,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  CancelKeyDeletion: cancelKeyDeletion,
  CreateAlias: createAlias,
  UpdateAlias: updateAlias,
  DeleteAlias: deleteAlias,
  ListAliases: listAliases,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListResourceTags: listResourceTags,
  Encrypt: encrypt,
  Decrypt: decrypt,
  ReEncrypt: reEncrypt,
  GenerateDataKey: generateDataKeyHandler,
  GenerateDataKeyWithoutPlaintext: generateDataKeyWithoutPlaintext,
  GenerateRandom: generateRandom,
  EnableKeyRotation: enableKeyRotation,
  DisableKeyRotation: disableKeyRotation,
  GetKeyRotationStatus: getKeyRotationStatus,
  RotateKeyOnDemand: rotateKeyOnDemand,
  ListKeyRotations: listKeyRotations,
  GetParametersForImport: getParametersForImport,
  ImportKeyMaterial: importKeyMaterial,
  DeleteImportedKeyMaterial: deleteImportedKeyMaterial,
  Sign: sign,
  Verify: verify,
  GetPublicKey: getPublicKey,
  GenerateMac: generateMac,
  VerifyMac: verifyMac,
  DeriveSharedSecret: deriveSharedSecret,
  GenerateDataKeyPair: generateDataKeyPair,
  GenerateDataKeyPairWithoutPlaintext: generateDataKeyPairWithoutPlaintext,
  PutKeyPolicy: putKeyPolicy,
  GetKeyPolicy: getKeyPolicy,
  ListKeyPolicies: listKeyPolicies,
  CreateGrant: createGrant,
  ListGrants: listGrants,
  ListRetirableGrants: listRetirableGrants,
  RetireGrant: retireGrant,
  RevokeGrant: revokeGrant,
  CreateCustomKeyStore: createCustomKeyStore,
  ConnectCustomKeyStore: connectCustomKeyStore,
  DisconnectCustomKeyStore: disconnectCustomKeyStore,
  DescribeCustomKeyStores: describeCustomKeyStores,
  UpdateCustomKeyStore: updateCustomKeyStore,
  DeleteCustomKeyStore: deleteCustomKeyStore,
  SimulatePolicy: simulatePolicy,
  ExportKeyMaterial: exportKeyMaterial,
};

/**
 * What an operation's audit record says beyond its loggable request members, in
 * additionalEventData. ExportKeyMaterial's wrapping public key is a blob (never logged), so its
 * SHA-256 names it instead: who the material was wrapped for, not the material.
 */
function additionalEventDataFor(name: OperationName, input: unknown): JsonObject | undefined {
  if (name !== 'ExportKeyMaterial' || typeof input !== 'object' || input === null) {
    return undefined;
  }
  const key = (input as { WrappingPublicKey?: unknown }).WrappingPublicKey;
  const bytes = key instanceof Uint8Array ? key : typeof key === 'string' ? decodeBase64(key) : null;
  return bytes === null ? undefined : { wrappingPublicKeySha256: createHash('sha256').update(bytes).digest('hex') };
}

function withAdditionalEventData(data: JsonObject): { additionalEventData?: JsonObject } {
  return Object.keys(data).length === 0 ? {} : { additionalEventData: data };
}

/** Operations after which destroyed material must also leave the WAL file (see #checkpoint). */
const DESTROYS_MATERIAL: ReadonlySet<OperationName> = new Set(['DeleteImportedKeyMaterial']);

/**
 * Points inside the engine's scheduled work where a test may stop the process (kill -9) to prove
 * an interrupted rotation or deletion leaves the database consistent. Production passes no hook.
 */
export type Seam = 'rotation:before-audit' | 'deletion:before-audit' | 'expiry:before-audit';

/** One call on its way through the pipeline: the handlers' context and its audit record builder. */
type PendingCall = {
  readonly ctx: OperationContext;
  /** Gives authorization the validated request (its condition values come from it). */
  readonly setInput: (input: Readonly<Record<string, unknown>>) => void;
  readonly record: (input: unknown, output: unknown, error: KmsError | null) => AuditRecord;
};

export const DEFAULT_APPROVAL_LIFETIME_MS = 60 * 60 * 1000;

function withExtra(data: JsonObject | undefined): { additionalEventData?: JsonObject } {
  return data === undefined ? {} : { additionalEventData: data };
}

function quorumAuditData(outcome: QuorumOutcome): JsonObject {
  return {
    quorum: {
      threshold: outcome.threshold,
      custodians: [...outcome.custodians],
      approvedBy: [...outcome.approvedBy],
      ...(outcome.problems.length > 0 ? { problems: [...outcome.problems] } : {}),
    },
  };
}

export type BatchCall = { readonly name: OperationName; readonly input: unknown; readonly options?: InvokeOptions };
export type BatchResult = { readonly ok: true; readonly output: unknown } | { readonly ok: false; readonly error: KmsError };

export type InvokeOptions = {
  /** How blob members arrive: base64 text (JSON wire, CLI) or bytes (IPC, in-process). Default bytes. */
  readonly blobs?: BlobEncoding;
  /** Who is calling; the installation owner when omitted. */
  readonly caller?: Caller;
  /** A request id chosen by the surface (the endpoint's x-amzn-RequestId); random when omitted. */
  readonly requestId?: string;
  /**
   * Custodian approvals (parsed approval files) for an operation a quorum rule guards
   * (decision D25). Not part of the input: approvals sign the input, so they cannot be in it.
   */
  readonly approvals?: ReadonlyArray<unknown>;
};

type CommonOptions = {
  readonly dataDir: string;
  readonly clock?: Clock;
  /** Tests only: called at each Seam. */
  readonly onSeam?: (seam: Seam) => void;
  /** CloudTrail userAgent for calls made without an explicit caller. */
  readonly userAgent?: string;
  /** When the audit head is signed: every N records, and before any record is older than M ms unsigned. */
  readonly auditCheckpoints?: Partial<CheckpointPolicy>;
};

export type InitOptions = CommonOptions & {
  readonly provider: RootKeyProvider;
  readonly region?: string;
  readonly accountId?: string;
  readonly developer?: boolean;
};

export type OpenOptions = CommonOptions & {
  readonly providerForKind: (kind: RootKeyProviderKind) => RootKeyProvider;
};

/** How often a long-running process (app, endpoint) looks for due deletions, rotations and expiries. */
export const SCHEDULED_WORK_MS = 60_000;

/** What one pass of scheduled work did. */
export type ScheduledWork = { readonly rotated: number; readonly expired: number; readonly deleted: number };

/** How long an access key lookup is reused (see lookupAccessKey). */
export const ACCESS_KEY_CACHE_MS = 5_000;

/**
 * A call the audit store refused to record. Nothing runs unaudited: a call whose success record
 * cannot be written is rolled back and reported with this; a failure whose record cannot be
 * written is reported with this, naming the original error.
 */
class AuditUnavailableException extends KMSInternalException {
  constructor(operation: string, cause: unknown, original?: KmsError) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      original === undefined
        ? `${operation} was not run: its audit record could not be written (${why}). Check that the data directory is writable and has free space.`
        : `${operation} failed (${original.name}: ${original.message}) and its audit record could not be written (${why}). Check that the data directory is writable and has free space.`,
      { cause },
    );
  }
}

export class Kms {
  readonly installation: InstallationInfo;
  readonly audit: AuditLog;
  readonly dataDir: string;
  readonly #db: Db;
  readonly #repo: KeyRepository;
  readonly #accessKeys: AccessKeyStore;
  readonly #principals: PrincipalStore;
  readonly #grants: GrantRepository;
  readonly #keyStores: CustomKeyStores;
  readonly #access: AccessControl;
  readonly #quorum: QuorumStore;
  /** The clock operations read: the injected clock, plus a developer installation's offset. */
  readonly #clock: Clock;
  #clockOffsetMs = 0;
  readonly #readClockOffset: (() => number) | null;
  readonly #onSeam: (seam: Seam) => void;
  readonly #scope: Scope;
  readonly #defaultCaller: Caller;
  /** Imported once; the raw bytes are wiped at construction, so this is the only copy. */
  #rootKey: KeyObject | null;
  #timer: NodeJS.Timeout | null = null;
  readonly #accessKeyCache = new Map<string, { readonly value: ReturnType<AccessKeyLookup>; readonly until: number }>();
  /** Imported key material shared within the running batch (see withMaterial); null otherwise. */
  #batchMaterials: Map<string, { readonly key: KeyObject; readonly row: MaterialRow }> | null = null;
  #closed = false;

  private constructor(dataDir: string, db: Db, info: InstallationInfo, rootKey: Uint8Array, options: CommonOptions) {
    this.dataDir = dataDir;
    this.#db = db;
    this.installation = info;
    this.#rootKey = createSecretKey(rootKey);
    wipe(rootKey);
    const base = options.clock ?? systemClock;
    if (info.developer) {
      // Another process (the CLI beside a running endpoint) may advance the clock, so the offset
      // is re-read at every call: one indexed row, microseconds.
      const stmt = db.prepare<[], { o: number }>('SELECT clock_offset_ms AS o FROM installation WHERE id = 1');
      this.#readClockOffset = () => stmt.get()?.o ?? 0;
      this.#clockOffsetMs = this.#readClockOffset();
      this.#clock = { now: () => base.now() + this.#clockOffsetMs };
    } else {
      this.#readClockOffset = null;
      this.#clock = base;
    }
    this.#onSeam = options.onSeam ?? (() => {});
    this.#repo = new KeyRepository(db);
    this.#scope = { accountId: info.accountId, region: info.region };
    this.#accessKeys = new AccessKeyStore(db, this.#clock);
    this.#principals = new PrincipalStore(db, this.#scope, this.#clock);
    this.#grants = new GrantRepository(db);
    this.#quorum = new QuorumStore(db);
    this.#keyStores = new CustomKeyStores(db);
    this.#access = new AccessControl(this.#repo, this.#grants, this.#principals, this.#scope, () => this.#liveRootKey());
    const signer = new CheckpointSigner(db, this.#liveRootKey(), info.installationId, this.#clock.now(), {
      everyRecords: options.auditCheckpoints?.everyRecords ?? DEFAULT_CHECKPOINT_EVERY_RECORDS,
      everyMs: options.auditCheckpoints?.everyMs ?? DEFAULT_CHECKPOINT_EVERY_MS,
    });
    this.audit = new AuditLog(db, { signer, now: () => this.#clock.now() });
    this.#defaultCaller = ownerCaller(info.accountId, options.userAgent ?? 'strongroom');
  }

  /** Creates a new installation in `dataDir`. Refuses if one exists there already. */
  static async init(options: InitOptions): Promise<Kms> {
    const db = openDatabase(join(options.dataDir, DATABASE_FILE));
    try {
      const { info, rootKey } = await initInstallation(db, options.provider, {
        clock: options.clock ?? systemClock,
        ...(options.region !== undefined ? { region: options.region } : {}),
        ...(options.accountId !== undefined ? { accountId: options.accountId } : {}),
        ...(options.developer !== undefined ? { developer: options.developer } : {}),
      });
      const kms = Kms.#ready(options.dataDir, db, info, rootKey, options);
      kms.#recordCreation();
      return kms;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /**
   * Record 1 of every log: the installation's creation, with where its root key lives. It
   * anchors the chain's beginning (losing early records then always shows as missing records)
   * and tells an auditor when and how the installation was made.
   */
  #recordCreation(): void {
    this.audit.append(
      buildRecord({
        eventName: 'CreateInstallation',
        eventTimeMs: this.installation.createdAt,
        requestId: randomUUID(),
        caller: this.#defaultCaller,
        accountId: this.#scope.accountId,
        region: this.#scope.region,
        readOnly: false,
        requestParameters: {
          accountId: this.#scope.accountId,
          region: this.#scope.region,
          rootKeyProvider: this.installation.rootKeyProvider,
          developer: this.installation.developer,
        },
        responseElements: { installationId: this.installation.installationId },
        resourceArns: [],
      }),
    );
  }

  /**
   * Opens an existing installation: loads the root key through the provider the installation
   * was created with and checks it against the stored key check value. Then deletes keys whose
   * deletion window has passed.
   */
  static async open(options: OpenOptions): Promise<Kms> {
    const path = join(options.dataDir, DATABASE_FILE);
    // Opening must not create anything: a mistyped --data-dir is reported, not initialized.
    if (!existsSync(path)) {
      throw new InstallationError(
        'NotInitialized',
        `There is no Strongroom installation in ${options.dataDir}. Create one with \`strongroom init\`, or point --data-dir (or STRONGROOM_DATA_DIR) at an existing one.`,
      );
    }
    const db = openDatabase(path);
    try {
      const { info, rootKey } = await openInstallation(db, options.providerForKind);
      return Kms.#ready(options.dataDir, db, info, rootKey, options);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /**
   * Opens an installation just restored from a backup (backup/restore.ts, on its staging folder)
   * and appends the RestoreBackup record right after the restored records, before any scheduled
   * work the restored state makes due. Opening checks the adopted root key against the key check
   * value, as every open does.
   */
  static async openRestored(options: OpenOptions, record: { readonly requestParameters: JsonObject; readonly responseElements: JsonObject }): Promise<Kms> {
    const db = openDatabase(join(options.dataDir, DATABASE_FILE));
    try {
      const { info, rootKey } = await openInstallation(db, options.providerForKind);
      const kms = new Kms(options.dataDir, db, info, rootKey, options);
      kms.#auditedLocal('RestoreBackup', record.requestParameters, () => record.responseElements, () => null);
      kms.runScheduledWork();
      return kms;
    } catch (err) {
      if (db.open) {
        db.close();
      }
      throw err;
    }
  }

  static #ready(dataDir: string, db: Db, info: InstallationInfo, rootKey: Uint8Array, options: CommonOptions): Kms {
    const kms = new Kms(dataDir, db, info, rootKey, options);
    kms.runScheduledWork();
    return kms;
  }

  /** The clock this engine reads; surfaces use it for their own timestamps. */
  get clock(): Clock {
    return this.#clock;
  }

  /**
   * Runs one operation. `input` is unvalidated: it is checked against the operation's schema
   * first. Resolves with the operation's output; rejects with a KmsError carrying the AWS error
   * name. Exactly one audit record is written either way.
   */
  async invoke<N extends OperationName>(name: N, input: unknown, options: InvokeOptions = {}): Promise<OperationOutput<N>> {
    return this.invokeSync(name, input, options);
  }

  /** The synchronous core of invoke(), for benchmarks and callers already on the engine's thread. */
  invokeSync<N extends OperationName>(name: N, input: unknown, options: InvokeOptions = {}): OperationOutput<N> {
    this.#assertOpen();
    this.#refreshClock();
    const spec = operations[name];
    const call = this.#call(name, options);
    let validated: Record<string, unknown> | null = null;
    try {
      validated = this.#validate(spec.input, input, options.blobs ?? 'bytes');
      const handler = HANDLERS[name] as (c: OperationContext, i: unknown) => OperationOutput<N>;
      const checked = validated;
      call.setInput(checked);
      const result = this.#db
        .transaction(() => {
          this.#access.checkGrantTokens(checked.GrantTokens);
          const output = handler(call.ctx, checked);
          this.#appendOrFail(name, () => call.record(checked, output, null));
          return output;
        })
        .immediate();
      if (DESTROYS_MATERIAL.has(name)) {
        this.#checkpoint();
      }
      return result;
    } catch (thrown) {
      throw this.#auditFailure(call, validated ?? input, toKmsError(thrown));
    }
  }

  /**
   * Runs several calls in one SQLite transaction — group commit: one fsync for the batch
   * instead of one per call. Each call runs in its own savepoint, so a failing call rolls back
   * alone and still gets its failure record; results are known durable only when this returns,
   * so surfaces answer no caller before then. Used by the HTTP endpoint, where concurrent
   * requests arrive together.
   */
  invokeBatch(calls: ReadonlyArray<BatchCall>): Array<BatchResult> {
    this.#assertOpen();
    if (calls.length === 1) {
      const only = calls[0] as BatchCall;
      try {
        return [{ ok: true, output: this.invokeSync(only.name, only.input, only.options) }];
      } catch (err) {
        return [{ ok: false, error: toKmsError(err) }];
      }
    }
    this.#batchMaterials = new Map();
    try {
      return this.#db
      .transaction(() =>
        calls.map((c): BatchResult => {
          try {
            return { ok: true, output: this.invokeSync(c.name, c.input, c.options) };
          } catch (err) {
            return { ok: false, error: toKmsError(err) };
          }
        }),
      )
      .immediate();
    } finally {
      this.#batchMaterials = null;
    }
  }

  /**
   * Records a call a surface refused before the engine could validate it (a body that is not
   * JSON, for instance) and returns the error to answer with: such calls are audited too.
   */
  reject(name: OperationName, error: KmsError, options: InvokeOptions = {}): KmsError {
    this.#assertOpen();
    return this.#auditFailure(this.#call(name, options), null, error);
  }

  /** The per-call state of the pipeline: its context for handlers and its audit record builder. */
  #call(name: OperationName, options: InvokeOptions): PendingCall {
    const spec = operations[name];
    const caller = options.caller ?? this.#defaultCaller;
    const requestId = options.requestId ?? randomUUID();
    const startedAt = this.#clock.now();
    const touched = new Map<string, KeyRow>();
    let request: Readonly<Record<string, unknown>> = {};
    let quorum: QuorumOutcome | null = null;
    const ctx: OperationContext = {
      operation: name,
      repo: this.#repo,
      grants: this.#grants,
      principals: this.#principals,
      keyStores: this.#keyStores,
      access: this.#access,
      clock: this.#clock,
      scope: this.#scope,
      rootKey: this.#liveRootKey(),
      caller,
      requestId,
      materialCache: this.#batchMaterials,
      touch: (key) => {
        touched.set(key.keyId, key);
      },
      authorize: (action, key) => {
        this.#access.authorize({ caller, action, key, input: request, now: this.#clock.now() });
        // Policy first, then the quorum rule, then (in the handler) the key's state: D25.
        // The operation's own action (kms:Op, or strongroom:Op for Strongroom's own, e.g. export).
        if (key !== null && action.endsWith(`:${name}`) && QUORUM_GUARDED.has(name)) {
          this.#checkQuorum(name, key, request, options.approvals ?? [], (outcome) => {
            quorum = outcome;
          });
        }
      },
      authorizeAlias: (action, aliasName) => {
        this.#access.authorize({ caller, action, key: null, resource: aliasArn(this.#scope, aliasName), input: request, now: this.#clock.now() });
      },
    };
    const record = (input: unknown, output: unknown, error: KmsError | null) =>
      buildRecord({
        eventName: name,
        eventTimeMs: startedAt,
        requestId,
        caller,
        accountId: this.#scope.accountId,
        region: this.#scope.region,
        readOnly: spec.readOnly,
        // Raw input when validation failed, as CloudTrail logs failed calls' parameters; blob and
        // sensitive members are dropped structurally either way.
        requestParameters: input === null ? null : requestParametersFor(spec.input, input),
        responseElements: error === null ? responseElementsFor(name, spec.readOnly, output) : null,
        ...withAdditionalEventData({ ...additionalEventDataFor(name, input), ...(quorum === null ? {} : quorumAuditData(quorum)) }),
        ...(error === null ? {} : { error: error.toShape() }),
        resourceArns: [...touched.keys()].map((id) => keyArn(this.#scope, id)),
      });
    return {
      ctx,
      record,
      setInput: (input) => {
        request = input;
      },
    };
  }

  /** Appends a failure's record in its own transaction (a savepoint inside a batch). */
  #auditFailure(call: PendingCall, input: unknown, error: KmsError): KmsError {
    return this.#recordFailure(call.ctx.operation, error, () => call.record(input, null, error));
  }

  /**
   * Appends a failure's record in its own transaction and returns the error to report: the
   * failure itself, or — when even its record cannot be written — an error that says both.
   */
  #recordFailure(operation: string, error: KmsError, record: () => AuditRecord): KmsError {
    try {
      this.#db.transaction(() => this.audit.append(record())).immediate();
    } catch (auditFailure) {
      return error instanceof AuditUnavailableException ? error : new AuditUnavailableException(operation, auditFailure, error);
    }
    return error;
  }

  /** Appends a successful call's record; if the store refuses it, the call's transaction rolls back and it did not run. */
  #appendOrFail(operation: string, record: () => AuditRecord): void {
    const built = record();
    try {
      this.audit.append(built);
    } catch (cause) {
      throw new AuditUnavailableException(operation, cause);
    }
  }

  #validate(spec: (typeof operations)[OperationName]['input'], input: unknown, blobs: BlobEncoding): Record<string, unknown> {
    return validateRequest(spec, input, blobs) as Record<string, unknown>;
  }


  /**
   * Creates an access key for the endpoint. The secret is returned once and stored only
   * wrapped under the root key; the audit record names the key id and principal, never the secret.
   */
  createAccessKey(principal: string): { AccessKeyId: string; SecretAccessKey: string; PrincipalArn: string } {
    this.#assertOpen();
    return this.#auditedLocal('CreateAccessKey', { principal }, (created: { AccessKeyId: string; PrincipalArn: string }) => ({
      accessKey: { accessKeyId: created.AccessKeyId, principalArn: created.PrincipalArn },
    }), () => this.#accessKeys.create(resolvePrincipal(this.#principals, this.#scope.accountId, principal), this.#liveRootKey()));
  }

  /**
   * The caller for `--as <principal>`: root, a user (alice, user/alice) or role/<name> that
   * exists now, or a full ARN of this account. @throws NotFoundException, ValidationException
   */
  callerFor(principal: string, userAgent: string): Caller {
    this.#assertOpen();
    const p = resolvePrincipal(this.#principals, this.#scope.accountId, principal);
    return { ...p, sourceIp: 'localhost', userAgent };
  }

  /** Creates a user or role with a new unique id, audited (CreateUser / CreateRole). */
  createPrincipal(kind: PrincipalKind, name: string): PrincipalRow {
    this.#assertOpen();
    return this.#auditedLocal(kind === 'user' ? 'CreateUser' : 'CreateRole', { [`${kind}Name`]: name }, (row: PrincipalRow) => ({
      [kind]: { arn: row.arn, [`${kind}Id`]: row.principalId },
    }), () => this.#principals.create(kind, name));
  }

  listPrincipals(kind: PrincipalKind): Array<PrincipalRow> {
    this.#assertOpen();
    return this.#principals.list(kind);
  }

  /**
   * Deletes a user or role with its identity policies and access keys, audited. Key policies and
   * grants that named it keep meaning the deleted principal (its unique id), never a new one.
   */
  deletePrincipal(kind: PrincipalKind, name: string): { readonly principal: PrincipalRow; readonly accessKeys: number } {
    this.#assertOpen();
    const result = this.#auditedLocal(kind === 'user' ? 'DeleteUser' : 'DeleteRole', { [`${kind}Name`]: name }, (r: { principal: PrincipalRow; accessKeys: number }) => ({
      [`${kind}Id`]: r.principal.principalId,
      deletedAccessKeys: r.accessKeys,
    }), () => this.#principals.delete(kind, name));
    this.#accessKeyCache.clear();
    return result;
  }

  /** Attaches (or replaces) an identity policy, validated like a key policy, audited. */
  putIdentityPolicy(kind: PrincipalKind, name: string, policyName: string, document: string): void {
    this.#assertOpen();
    this.#auditedLocal(kind === 'user' ? 'PutUserPolicy' : 'PutRolePolicy', { [`${kind}Name`]: name, policyName, policyDocument: document }, () => null, () => {
      const principal = this.#principals.get(kind, name);
      this.#access.parse(document, 'identity');
      this.#principals.putPolicy(principal.principalId, policyName, document);
      return null;
    });
  }

  getIdentityPolicy(kind: PrincipalKind, name: string, policyName: string): IdentityPolicyRow {
    this.#assertOpen();
    return this.#principals.getPolicy(this.#principals.get(kind, name), policyName);
  }

  listIdentityPolicies(kind: PrincipalKind, name: string): Array<string> {
    this.#assertOpen();
    return this.#principals.policies(this.#principals.get(kind, name).principalId).map((p) => p.policyName);
  }

  deleteIdentityPolicy(kind: PrincipalKind, name: string, policyName: string): void {
    this.#assertOpen();
    this.#auditedLocal(kind === 'user' ? 'DeleteUserPolicy' : 'DeleteRolePolicy', { [`${kind}Name`]: name, policyName }, () => null, () => {
      this.#principals.deletePolicy(this.#principals.get(kind, name), policyName);
      return null;
    });
  }

  listAccessKeys(): ReturnType<AccessKeyStore['list']> {
    this.#assertOpen();
    return this.#accessKeys.list();
  }

  /** Deletes an access key: requests signed with it are refused from then on. */
  deleteAccessKey(accessKeyId: string): void {
    this.#assertOpen();
    this.#auditedLocal('DeleteAccessKey', { accessKeyId }, () => null, () => {
      this.#accessKeyCache.delete(accessKeyId);
      if (!this.#accessKeys.delete(accessKeyId)) {
        throw new NotFoundException(`Access key '${accessKeyId}' does not exist. \`strongroom list-access-keys\` lists them.`);
      }
      return null;
    });
  }

  /**
   * For the endpoint's SigV4 check: the principal and clear secret of an access key, or null.
   * Answers are kept for ACCESS_KEY_CACHE_MS, so a busy endpoint does not read and unwrap the
   * secret on every request; a key deleted through this engine stops working at once, one
   * deleted by another process (the CLI beside a running endpoint) within that time.
   */
  readonly lookupAccessKey: AccessKeyLookup = (accessKeyId) => {
    this.#assertOpen();
    const now = Date.now();
    const hit = this.#accessKeyCache.get(accessKeyId);
    if (hit !== undefined && hit.until > now) {
      return hit.value;
    }
    const value = this.#accessKeys.lookup(accessKeyId, this.#liveRootKey());
    if (this.#accessKeyCache.size >= 1000) {
      this.#accessKeyCache.clear();
    }
    this.#accessKeyCache.set(accessKeyId, { value, until: now + ACCESS_KEY_CACHE_MS });
    return value;
  };

  // --- Quorum approval (D25) -------------------------------------------------------------------

  /**
   * The quorum check of a guarded call on `key`: nothing when the key has no rule; otherwise
   * the approvals must satisfy it (quorum/quorum.ts). Runs inside the call's transaction, so the
   * nonces it consumes are kept only if the call succeeds.
   */
  #checkQuorum(operation: string, key: KeyRow, input: Readonly<Record<string, unknown>>, approvals: ReadonlyArray<unknown>, report: (o: QuorumOutcome) => void): void {
    const rule = this.#quorum.getRule(key.keyId);
    if (rule === null) {
      return;
    }
    const arn = keyArn(this.#scope, key.keyId);
    this.#quorum.check(rule, approvals, this.#expected(operation, arn, canonicalInput({ ...input, KeyId: arn })), this.#clock.now(), report);
  }

  #expected(operation: string, arn: string, input: JsonObject): Parameters<QuorumStore['check']>[2] {
    return { installationId: this.installation.installationId, accountId: this.#scope.accountId, region: this.#scope.region, operation, input, keyArn: arn };
  }

  /** A key id or ARN (or alias, for requests) to the key row, without an operation context. */
  #keyFor(given: string): KeyRow {
    let keyId: string | null = null;
    if (given.startsWith('arn:')) {
      const arn = parseKmsArn(given);
      if (arn.accountId === this.#scope.accountId && arn.region === this.#scope.region) {
        keyId = arn.resourceType === 'alias' ? (this.#repo.getAlias(arn.resource)?.keyId ?? null) : arn.resource;
      }
    } else if (given.startsWith('alias/')) {
      keyId = this.#repo.getAlias(given)?.keyId ?? null;
    } else if (isKeyUuid(given)) {
      keyId = given;
    }
    const key = keyId === null ? null : this.#repo.getKey(keyId);
    if (key === null) {
      throw new NotFoundException(`Key '${given}' does not exist in this installation.`);
    }
    return key;
  }

  /** Registers a custodian (a name and an Ed25519 public key, PEM SPKI), audited. */
  addCustodian(name: string, publicKeyPem: string): Custodian {
    this.#assertOpen();
    return this.#auditedLocal('AddCustodian', { custodianName: name }, (c: Custodian) => ({ custodian: { name: c.name, fingerprint: c.fingerprint } }), () =>
      this.#quorum.addCustodian(name, publicKeyPem, this.#clock.now()),
    );
  }

  listCustodians(): Array<Custodian & { readonly keys: ReadonlyArray<string> }> {
    this.#assertOpen();
    const rules = this.#quorum.listRules();
    return this.#quorum.listCustodians().map((c) => ({ ...c, keys: rules.filter((r) => r.custodians.includes(c.name)).map((r) => keyArn(this.#scope, r.keyId)) }));
  }

  /** Removes a custodian, audited; refused while a quorum rule names them. */
  removeCustodian(name: string): Custodian {
    this.#assertOpen();
    return this.#auditedLocal('RemoveCustodian', { custodianName: name }, (c: Custodian) => ({ custodian: { name: c.name, fingerprint: c.fingerprint } }), () =>
      this.#quorum.removeCustodian(name),
    );
  }

  /** A key's quorum rule (KeyId as id, ARN or alias), or null. */
  /** Whether a key (id, ARN or alias) has a quorum rule; for the CLI's hints. */
  hasQuorumRule(keyId: string): boolean {
    this.#assertOpen();
    return this.#quorum.getRule(this.#keyFor(keyId).keyId) !== null;
  }

  getQuorumRule(keyId: string): (QuorumRule & { readonly keyArn: string }) | null {
    this.#assertOpen();
    const key = this.#keyFor(keyId);
    const rule = this.#quorum.getRule(key.keyId);
    return rule === null ? null : { ...rule, keyArn: keyArn(this.#scope, key.keyId) };
  }

  /**
   * Sets (or changes) a key's quorum rule, audited. The first rule on a key needs no approvals;
   * changing an existing rule needs approvals that satisfy the existing one.
   */
  setQuorumRule(keyId: string, threshold: number, custodians: ReadonlyArray<string>, approvals: ReadonlyArray<unknown> = []): QuorumRule & { readonly keyArn: string } {
    this.#assertOpen();
    let outcome: QuorumOutcome | null = null;
    return this.#auditedQuorum(SET_QUORUM_RULE, { keyId, threshold, custodians: [...custodians] }, () => outcome, () => {
      const key = this.#keyFor(keyId);
      const arn = keyArn(this.#scope, key.keyId);
      const rule = this.#quorum.normalizeRule(threshold, custodians);
      const current = this.#quorum.getRule(key.keyId);
      if (current !== null) {
        this.#quorum.check(current, approvals, this.#expected(SET_QUORUM_RULE, arn, this.#ruleInput(arn, rule)), this.#clock.now(), (o) => {
          outcome = o;
        });
      }
      this.#quorum.setRule(key.keyId, rule.threshold, rule.custodians, this.#clock.now());
      return { keyId: key.keyId, keyArn: arn, threshold: rule.threshold, custodians: rule.custodians, updatedAt: this.#clock.now() };
    });
  }

  /** Removes a key's quorum rule, audited; needs approvals that satisfy it. */
  clearQuorumRule(keyId: string, approvals: ReadonlyArray<unknown> = []): void {
    this.#assertOpen();
    let outcome: QuorumOutcome | null = null;
    this.#auditedQuorum(CLEAR_QUORUM_RULE, { keyId }, () => outcome, () => {
      const key = this.#keyFor(keyId);
      const arn = keyArn(this.#scope, key.keyId);
      const current = this.#quorum.getRule(key.keyId);
      if (current === null) {
        throw new NotFoundException(`Key ${arn} has no quorum rule.`);
      }
      this.#quorum.check(current, approvals, this.#expected(CLEAR_QUORUM_RULE, arn, { KeyId: arn }), this.#clock.now(), (o) => {
        outcome = o;
      });
      this.#quorum.clearRule(key.keyId);
      return null;
    });
  }

  #ruleInput(arn: string, rule: { threshold: number; custodians: ReadonlyArray<string> }): JsonObject {
    return { KeyId: arn, Threshold: rule.threshold, Custodians: [...rule.custodians] };
  }

  /** #auditedLocal for rule changes: the record carries the quorum outcome, success or refusal. */
  #auditedQuorum<T>(eventName: string, requestParameters: JsonObject, outcome: () => QuorumOutcome | null, act: () => T): T {
    return this.#auditedLocal(eventName, requestParameters, () => null, act, () => {
      const o = outcome();
      return o === null ? undefined : quorumAuditData(o);
    });
  }

  /**
   * Writes an approval request for `operation` with `input` (as the CLI or an SDK would send
   * it): validated with the operation's schema, KeyId resolved to the key ARN, with a fresh
   * nonce and an expiry. Audited. The request is what custodians sign.
   */
  createApprovalRequest(operation: string, input: Readonly<Record<string, unknown>>, expiresInMs: number = DEFAULT_APPROVAL_LIFETIME_MS): ApprovalRequest {
    this.#assertOpen();
    // The input's values are not logged here (the guarded call's own record holds them, with
    // its schema's sensitive members dropped); the nonce ties this record to that call.
    return this.#auditedLocal('CreateApprovalRequest', { operation, keyId: typeof input.KeyId === 'string' ? input.KeyId : null }, (r: ApprovalRequest) => ({ nonce: r.nonce, keyArn: String(r.input.KeyId), expiresAt: r.expiresAt }), () => {
      if (!Number.isSafeInteger(expiresInMs) || expiresInMs <= 0 || expiresInMs > MAX_APPROVAL_LIFETIME_MS) {
        throw new ValidationException('An approval request lives from one second up to 7 days (--expires-in 1h, 1d, 7d).');
      }
      let canonical: JsonObject;
      if (operation === SET_QUORUM_RULE || operation === CLEAR_QUORUM_RULE) {
        const key = this.#keyFor(typeof input.KeyId === 'string' ? input.KeyId : '');
        const arn = keyArn(this.#scope, key.keyId);
        canonical = operation === CLEAR_QUORUM_RULE
          ? { KeyId: arn }
          : this.#ruleInput(arn, this.#quorum.normalizeRule(Number(input.Threshold), Array.isArray(input.Custodians) ? input.Custodians.map(String) : []));
      } else if (QUORUM_GUARDED.has(operation) && isOperationName(operation)) {
        // Blobs as the caller holds them: base64 text from the CLI's JSON, bytes from code.
        const blobs = Object.values(input).some((v) => v instanceof Uint8Array) ? 'bytes' : 'base64';
        const validated = this.#validate(operations[operation].input, input, blobs);
        const key = this.#keyFor(typeof validated.KeyId === 'string' ? validated.KeyId : '');
        canonical = canonicalInput({ ...validated, KeyId: keyArn(this.#scope, key.keyId) });
      } else {
        throw new ValidationException(
          `${operation} is not an operation a quorum rule guards. Approvals are for: ${[...QUORUM_GUARDED].filter((n) => isOperationName(n)).join(', ')}, ${SET_QUORUM_RULE}, ${CLEAR_QUORUM_RULE}.`,
        );
      }
      const now = this.#clock.now();
      return {
        format: REQUEST_FORMAT,
        installationId: this.installation.installationId,
        accountId: this.#scope.accountId,
        region: this.#scope.region,
        operation,
        input: canonical,
        nonce: randomBytes(32).toString('base64url'),
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + expiresInMs).toISOString(),
      };
    });
  }

  /** Runs a Strongroom (non-KMS) management action with its audit record, in one transaction. */
  #auditedLocal<T>(eventName: string, requestParameters: JsonObject, response: (result: T) => JsonObject | null, act: () => T, extra: () => JsonObject | undefined = () => undefined): T {
    const base = {
      eventName,
      eventTimeMs: this.#clock.now(),
      requestId: randomUUID(),
      caller: this.#defaultCaller,
      accountId: this.#scope.accountId,
      region: this.#scope.region,
      readOnly: false,
      requestParameters,
      resourceArns: [],
    };
    try {
      return this.#db
        .transaction(() => {
          const result = act();
          this.#appendOrFail(eventName, () => buildRecord({ ...base, responseElements: response(result), ...withExtra(extra()) }));
          return result;
        })
        .immediate();
    } catch (thrown) {
      const error = toKmsError(thrown);
      throw this.#recordFailure(eventName, error, () => buildRecord({ ...base, responseElements: null, error: error.toShape(), ...withExtra(extra()) }));
    }
  }

  /** What the audit export and archive code needs of the engine (audit/archive.ts). */
  #auditHost(): AuditHost {
    return {
      db: this.#db,
      audit: this.audit,
      installation: this.installation,
      now: () => this.#clock.now(),
      audited: (eventName, requestParameters, response, act) => this.#auditedLocal(eventName, requestParameters, response, act),
    };
  }

  /** Exports the audit log (or a time range of it) with its checkpoints; audited. */
  async exportAuditLog(options: ExportOptions): Promise<ExportSummary> {
    this.#assertOpen();
    return exportAuditLog(this.#auditHost(), options);
  }

  /** Archives records older than options.before: export, verify, prune with an anchor; audited. */
  async archiveAuditLog(options: ArchiveOptions): Promise<ArchiveSummary> {
    this.#assertOpen();
    return archiveAuditLog(this.#auditHost(), options);
  }

  /**
   * Writes an M-of-N backup of the whole installation (backup/create.ts): the database snapshot
   * and the root key, encrypted under a fresh backup key that exists only as shares. The root key
   * leaves the engine only inside that encrypted file. Audited as CreateBackup (backup id, N, M;
   * never a share or a key).
   */
  async createBackup(options: BackupCreateOptions): Promise<BackupSummary> {
    this.#assertOpen();
    return createBackup(
      {
        db: this.#db,
        dataDir: this.dataDir,
        installation: this.installation,
        schemaVersion: SCHEMA_VERSION,
        now: () => this.#clock.now(),
        rootKey: () => new Uint8Array(this.#liveRootKey().export()),
        audited: (eventName, requestParameters, response, act) => this.#auditedLocal(eventName, requestParameters, response, act),
      },
      options,
    );
  }

  /** Signs the audit head now (or returns the newest checkpoint if it already does). */
  checkpointAuditLog(): Checkpoint {
    this.#assertOpen();
    return this.audit.checkpoint('request');
  }

  /**
   * The engine's scheduled work, run at open, on a timer in long-running processes, and after
   * a developer installation's clock moves: automatic rotations that are due, imported material
   * whose ValidTo has passed, keys whose deletion window has passed, and expired import tokens.
   * Each item is its own transaction with its own AwsServiceEvent audit record, so an
   * interruption loses at most the item in progress, which the next pass does again.
   */
  runScheduledWork(): ScheduledWork {
    this.#assertOpen();
    this.#refreshClock();
    const rotated = this.#rotateDueKeys();
    const expired = this.#expireImportedMaterial();
    const deleted = this.purgeDueDeletions();
    const tokens = this.#db.transaction(() => this.#repo.deleteExpiredImportTokens(this.#clock.now())).immediate();
    if (expired > 0 || tokens > 0) {
      this.#checkpoint();
    }
    this.audit.checkpointIfDue();
    return { rotated, expired, deleted };
  }

  /** One AwsServiceEvent record (a change the service made by itself, not a caller). */
  #serviceEvent(eventName: string, keyId: string, details: JsonObject): void {
    this.audit.append(
      buildRecord({
        eventName,
        eventTimeMs: this.#clock.now(),
        requestId: randomUUID(),
        caller: null,
        accountId: this.#scope.accountId,
        region: this.#scope.region,
        readOnly: false,
        requestParameters: null,
        responseElements: null,
        resourceArns: [keyArn(this.#scope, keyId)],
        eventType: 'AwsServiceEvent',
        serviceEventDetails: { keyId, ...details },
      }),
    );
  }

  /**
   * Runs `work` for each due item in its own write transaction and counts the items it did.
   * `work` re-reads what it acts on inside the lock — another process (the CLI beside a running
   * endpoint) may have done or undone it since the list was read — and returns false to skip.
   */
  #eachDue<T>(items: ReadonlyArray<T>, work: (item: T) => boolean): number {
    let done = 0;
    for (const item of items) {
      if (this.#db.transaction(() => work(item)).immediate()) {
        done++;
      }
    }
    return done;
  }

  #rotateDueKeys(): number {
    return this.#eachDue(this.#repo.dueRotations(this.#clock.now()), (due) => {
      const key = this.#repo.getKey(due.keyId);
      const now = this.#clock.now();
      if (key === null || key.keyState !== 'Enabled' || key.rotationPeriodDays === null || (key.nextRotationAt ?? Infinity) > now) {
        return false;
      }
      const material = rotateKey({ repo: this.#repo, rootKey: this.#liveRootKey(), clock: this.#clock }, key, 'AUTOMATIC');
      // The next rotation counts from this one, however late it ran (a machine that was off).
      this.#repo.setRotation(key.keyId, key.rotationPeriodDays, now + key.rotationPeriodDays * DAY_MS);
      this.#onSeam('rotation:before-audit');
      this.#serviceEvent('RotateKey', key.keyId, { keyMaterialId: material?.materialId ?? null, rotationType: 'AUTOMATIC' });
      return true;
    });
  }

  #expireImportedMaterial(): number {
    return this.#eachDue(this.#repo.expiredMaterial(this.#clock.now()), (due) => {
      const key = this.#repo.getKey(due.keyId);
      const material = this.#repo.getMaterial(due.keyId, due.version);
      if (key === null || material === null || material.wrapped === null || (material.validTo ?? Infinity) > this.#clock.now()) {
        return false;
      }
      destroyImportedMaterial({ repo: this.#repo }, key, material);
      this.#onSeam('expiry:before-audit');
      this.#serviceEvent('DeleteExpiredKeyMaterial', key.keyId, { keyMaterialId: material.materialId });
      return true;
    });
  }

  /**
   * Deletes every key whose deletion window has passed: its material (zeroed on disk by
   * secure_delete), aliases, tags and import tokens, with one DeleteKey service-event record each.
   * Returns the number of keys deleted.
   */
  purgeDueDeletions(): number {
    this.#assertOpen();
    const deleted = this.#eachDue(this.#repo.dueDeletions(this.#clock.now()), (due) => {
      const key = this.#repo.getKey(due.keyId);
      if (key === null || key.keyState !== 'PendingDeletion' || (key.deletionDate ?? Infinity) > this.#clock.now()) {
        return false;
      }
      this.#repo.deleteKey(key.keyId);
      this.#onSeam('deletion:before-audit');
      this.#serviceEvent('DeleteKey', key.keyId, {});
      return true;
    });
    if (deleted > 0) {
      this.#checkpoint();
    }
    return deleted;
  }

  /** Copies the WAL into the database and truncates it, so destroyed pages leave the WAL file too. */
  #checkpoint(): void {
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Starts the periodic scheduled work for long-running processes (app, endpoint). */
  startTimers(): void {
    this.#assertOpen();
    if (this.#timer === null) {
      this.#timer = setInterval(() => this.runScheduledWork(), SCHEDULED_WORK_MS);
      this.#timer.unref();
    }
  }

  /** The developer clock's current offset from the real (injected) clock, in milliseconds. */
  get clockOffsetMs(): number {
    this.#refreshClock();
    return this.#clockOffsetMs;
  }

  /**
   * Moves a developer installation's clock forward (never back: the audit log's times only
   * grow), audited, then runs the scheduled work the new time makes due, so rotations, deletions
   * and expiries happen at once. Refused, and audited as refused, on other installations.
   */
  advanceClock(ms: number): { readonly previous: Date; readonly current: Date; readonly work: ScheduledWork } {
    this.#assertOpen();
    this.#refreshClock();
    const previous = this.#clock.now();
    this.#auditedLocal('AdvanceClock', { advanceByMs: ms }, () => ({ previousTime: new Date(previous).toISOString(), currentTime: new Date(previous + ms).toISOString() }), () => {
      if (!this.installation.developer) {
        throw new UnsupportedOperationException(
          'This is not a developer installation, so its clock cannot be changed. Time travel is for installations created with `strongroom init --developer`.',
        );
      }
      if (!Number.isSafeInteger(ms) || ms <= 0) {
        throw new ValidationException('The clock can only move forward: give a positive duration such as 366d, 12h or 30m.');
      }
      this.#db.prepare('UPDATE installation SET clock_offset_ms = clock_offset_ms + ? WHERE id = 1').run(ms);
      this.#clockOffsetMs += ms;
      return null;
    });
    return { previous: new Date(previous), current: new Date(this.#clock.now()), work: this.runScheduledWork() };
  }

  #refreshClock(): void {
    if (this.#readClockOffset !== null) {
      this.#clockOffsetMs = this.#readClockOffset();
    }
  }

  close(): void {
    if (this.#closed) {
      return;
    }
    // Time-based checkpoints for short-lived processes (the CLI), which have no timer.
    try {
      this.audit.checkpointIfDue();
    } catch {
      // A database that can no longer be written: the next process signs instead.
    }
    this.#closed = true;
    if (this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    // A KeyObject cannot be overwritten from JavaScript; dropping the last reference lets
    // OpenSSL free (and clear) it.
    this.#rootKey = null;
    this.#accessKeyCache.clear();
    this.#keyStores.closeAll();
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
