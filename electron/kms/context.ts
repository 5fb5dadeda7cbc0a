// What every operation handler receives: the repositories, the clock, who is calling, and the
// hooks of the pipeline (authorize, record the keys touched for the audit record). Handlers are
// synchronous so an operation's writes and its audit record share one SQLite transaction.

import type { OperationInput, OperationName, OperationOutput } from '../../shared/api/operations.ts';
import type { SecretsOperationName } from '../../shared/api/secretsmanager.ts';
import type { StrongroomActionName } from '../../shared/api/strongroom-actions.ts';
import type { AccessKeyStore } from './iam/access-keys.ts';
import type { InstallationInfo } from './installation.ts';
import type { QuorumOutcome, QuorumStore } from './quorum/quorum.ts';
import type { Caller } from './iam/caller.ts';
import type { Clock } from './clock.ts';
import type { AesKey } from './crypto/aes-gcm.ts';
import type { Scope } from './identifiers.ts';
import type { AccessControl } from './policy/access-control.ts';
import type { PrincipalStore } from './iam/principals.ts';
import type { CustomKeyStores } from './keystore/stores.ts';
import type { GrantRepository } from './store/grants.ts';
import type { KeyRepository, KeyRow } from './store/repository.ts';
import type { KeyObject } from 'node:crypto';
import type { Db } from './store/database.ts';
import type { MaterialCache } from './operations/material-cache.ts';
import type { XksStore } from './xks/store.ts';
import type { AuditPage, AuditQueryInput } from './audit/query.ts';

/** The audit log's query (audit/query.ts), newest first. */
export type AuditReads = { query(input: AuditQueryInput): AuditPage };

/** A developer installation's movable clock (time travel); refuses on other installations. */
export type DeveloperClock = { advance(ms: number): void };

/** The stores and policy engine of an open installation: built once (services.ts), shared by every call. */
export type EngineStores = {
  readonly repo: KeyRepository;
  readonly grants: GrantRepository;
  readonly principals: PrincipalStore;
  /** Custom key stores: their rows and this process's sessions on their tokens. */
  readonly keyStores: CustomKeyStores;
  /** Policy evaluation: handlers that decide more than allow/deny (lockout check, simulation, grants). */
  readonly access: AccessControl;
  /** Logical external key stores (XKS proxy API): their credentials and exposed keys. */
  readonly xks: XksStore;
  /** Custodians, quorum rules and consumed approvals. */
  readonly quorum: QuorumStore;
  /** The endpoint's access keys, their secrets wrapped under the root key. */
  readonly accessKeys: AccessKeyStore;
  readonly installation: InstallationInfo;
  /** Reads of the live audit log through its indexed queries (GetKeyLastUsage); never writes. */
  readonly auditReads: AuditReads;
  readonly clock: Clock;
  readonly developerClock: DeveloperClock;
  readonly scope: Scope;
};

/** Engine work a committed action asks for (its table entry's afterCommit). */
export type EngineHooks = {
  /** Copies the WAL into the database and truncates it, so destroyed pages leave the WAL file too. */
  readonly checkpointWal: () => void;
  /** Drops the endpoint's cached access key lookups: a deleted key or principal stops working at once. */
  readonly forgetAccessKeys: () => void;
};

/** What the pipeline holds for the life of an engine. */
export type EngineServices = EngineStores & {
  readonly db: Db;
  readonly rootKey: () => KeyObject;
  /** Key material kept imported between calls (operations/material-cache.ts). */
  readonly materials: MaterialCache;
  readonly hooks: EngineHooks;
};

/** What every handler receives: the engine's stores and this call's own state and pipeline hooks. */
export type OperationContext = EngineStores & {
  readonly operation: OperationName | StrongroomActionName | SecretsOperationName;
  /** The root wrapping key, imported once into OpenSSL for the engine's lifetime. */
  readonly rootKey: AesKey;
  readonly caller: Caller;
  readonly requestId: string;
  /** Key material kept imported between calls (operations/material-cache.ts). */
  readonly materialCache: MaterialCache;
  /** Custodian approvals the surface passed with the call (quorum-guarded actions only). */
  readonly approvals: ReadonlyArray<unknown>;
  /** Puts a quorum check's outcome in the call's audit record (additionalEventData.quorum). */
  reportQuorum(outcome: QuorumOutcome): void;
  /** Adds a key to the audit record's resources. Resolution calls it for every key it finds. */
  touch(key: KeyRow): void;
  /**
   * The authorization step of the pipeline (docs/architecture.md, The request pipeline): after
   * resolution, before the quorum check, the state check and the usage check. Evaluates
   * the key policy, the caller's identity policies and the key's grants for `action` (kms:…) on
   * `key` (null: an action with no key) with this request's condition values.
   * @throws AccessDeniedException (audited like every failure)
   */
  authorize(action: string, key: KeyRow | null): void;
  /** Authorizes an alias action on the alias itself (identity policies; the root always may). */
  authorizeAlias(action: string, aliasName: string): void;
  /** Adds a resource that is not a key (a secret's ARN) to the audit record's resources. */
  touchResource(arn: string): void;
  /**
   * Runs a KMS operation for this caller through a service (Secrets Manager): the same pipeline,
   * authorized with kms:ViaService <service>.<region>.amazonaws.com, audited as its own record
   * whose invokedBy names the service. Inside this call's transaction: it commits or rolls back
   * with it.
   */
  callKms<N extends OperationName>(service: string, name: N, input: OperationInput<N>): OperationOutput<N>;
  /** Runs another operation of the same service for this caller (BatchGetSecretValue's reads), audited as its own record. */
  callSecrets(name: SecretsOperationName, input: Readonly<Record<string, unknown>>): unknown;
};

export type Handler<N extends OperationName> = (ctx: OperationContext, input: OperationInput<N>) => OperationOutput<N>;

/**
 * A handler whose key the pipeline resolved, authorized and checked (state, usage) from its
 * declared key step (operations/key-steps.ts) before calling it.
 */
export type KeyedHandler<N extends OperationName> = (ctx: OperationContext, input: OperationInput<N>, key: KeyRow) => OperationOutput<N>;

export type HandlerTable = { readonly [N in OperationName]: Handler<N> | KeyedHandler<N> };
