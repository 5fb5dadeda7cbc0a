// The one pipeline every action runs through, KMS operation or Strongroom action, from every
// surface (CLI, HTTP endpoint, IPC bridge, tests, benchmarks):
//
//   validate (shared schema) → transaction { grant tokens → handler: resolve key(s) → authorize
//   → quorum → state → usage → act → audit record } → after-commit work → result
//
// The audit record's resources are always the keys the call resolved (ctx.touch, called by the
// resolver), so a record names its key whatever the action. A failure at any step, validation
// included, is audited too, in its own transaction, before the error is returned; if no record
// can be written the call fails: nothing runs unaudited (docs/architecture.md, invariant 3).
// Work that writes files (audit export, archive, backup) cannot sit in one SQLite transaction;
// it uses `audited`, the one escape hatch, which builds the same record.

import { newRequestId } from './request-id.ts';
import type { Transaction } from 'better-sqlite3';
import type { BlobEncoding } from '../../shared/api/schema.ts';
import { buildRecord, requestParametersFor, type AuditRecord } from './audit/record.ts';
import type { JsonObject } from './audit/canonical.ts';
import type { AuditLog } from './audit/log.ts';
import { ACTIONS, type ActionName, type ActionEntry, type EngineServices } from './actions/table.ts';
import type { SecretsOperationName } from '../../shared/api/secretsmanager.ts';
import { SECRETS_ACTIONS } from './secrets/table.ts';
import { servicePrincipal, viaServiceName } from './managed-keys.ts';
import type { Caller } from './iam/caller.ts';
import type { OperationContext } from './context.ts';
import { AccessDeniedException, KMSInternalException, toKmsError, type KmsError } from './errors.ts';
import { resolveKey } from './resolve.ts';
import { checkKeyStep } from './operations/usage.ts';
import { aliasArn, keyArn } from './identifiers.ts';
import type { KeyRow } from './store/repository.ts';
import { validateRequest } from './validate.ts';
import { QUORUM_GUARDED, type QuorumOutcome } from './quorum/quorum.ts';
import { checkQuorum, quorumAuditData } from './actions/custody.ts';
import { faultPoint } from './fault-point.ts';

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
  /**
   * The service making this call for the caller ('secretsmanager'): authorization sees
   * kms:ViaService <service>.<region>.amazonaws.com and aws:ViaAWSService true, and the record's
   * invokedBy names the service, as CloudTrail's do.
   */
  readonly viaService?: string;
};

/** Every name the pipeline runs: KMS operations, Strongroom actions, Secrets Manager operations. */
export type PipelineName = ActionName | SecretsOperationName;

/**
 * A call the audit store refused to record. Nothing runs unaudited: a call whose success record
 * cannot be written is rolled back and reported with this; a failure whose record cannot be
 * written is reported with this, naming the original error.
 */
export class AuditUnavailableException extends KMSInternalException {
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

/** One call on its way through the pipeline: the handlers' context and its audit record builder. */
type PendingCall = {
  readonly ctx: OperationContext;
  /** Gives authorization the validated request (its condition values come from it). */
  readonly setInput: (input: Readonly<Record<string, unknown>>) => void;
  readonly record: (input: unknown, output: unknown, error: KmsError | null) => AuditRecord;
};

function withAdditionalEventData(data: JsonObject): { additionalEventData?: JsonObject } {
  return Object.keys(data).length === 0 ? {} : { additionalEventData: data };
}

export class Pipeline {
  readonly #services: EngineServices;
  readonly #audit: AuditLog;
  readonly #defaultCaller: Caller;
  /** One transaction wrapper, made once: better-sqlite3 builds five wrapper functions per db.transaction(). */
  readonly #transaction: Transaction<(body: () => unknown) => unknown>;

  constructor(services: EngineServices, audit: AuditLog, defaultCaller: Caller) {
    this.#services = services;
    this.#audit = audit;
    this.#defaultCaller = defaultCaller;
    this.#transaction = services.db.transaction((body: () => unknown) => body());
  }

  /**
   * Runs one action: validated, in one write transaction with its audit record. Inside a commit
   * group (commit-group.ts) the transaction is the call's savepoint in the group's, and the
   * entry's after-commit work is handed to the group (`afterCommit`) to run once the group is
   * durable.
   */
  run(name: PipelineName, entry: ActionEntry, input: unknown, options: InvokeOptions, afterCommit: Array<() => void> | null = null): unknown {
    const call = this.#call(name, entry, options);
    let validated: Record<string, unknown> | null = null;
    const failed = (thrown: unknown): KmsError => {
      const error = toKmsError(thrown);
      return this.#recordFailure(name, error, () => call.record(validated ?? input, null, error));
    };
    try {
      validated = validateRequest(entry.input, input, options.blobs ?? 'bytes') as Record<string, unknown>;
      const checked = validated;
      call.setInput(checked);
      const result = this.#transaction.immediate(() => {
        this.#services.access.checkGrantTokens(checked.GrantTokens);
        const key = this.#resolveAndAdmit(call.ctx, entry, checked);
        const output = entry.handler(call.ctx, checked, key);
        this.#appendOrFail(name, () => call.record(checked, output, null));
        faultPoint('before-commit', name);
        return output;
      });
      const after = entry.afterCommit;
      if (after !== undefined) {
        if (afterCommit === null) {
          after(this.#services.hooks);
        } else {
          afterCommit.push(() => {
            try {
              after(this.#services.hooks);
            } catch (thrown) {
              throw failed(thrown);
            }
          });
        }
      }
      return result;
    } catch (thrown) {
      throw failed(thrown);
    }
  }

  /**
   * Records a call a surface refused before the engine could validate it (a body that is not
   * JSON, for instance) and returns the error to answer with: such calls are audited too.
   */
  reject(name: PipelineName, entry: ActionEntry, error: KmsError, options: InvokeOptions): KmsError {
    const call = this.#call(name, entry, options);
    return this.#recordFailure(name, error, () => call.record(null, null, error));
  }

  /**
   * The escape hatch for actions that write files and so cannot run inside one SQLite
   * transaction (audit export and archive, backup, restore): `act` runs, then its record is
   * appended with the same builder as every other call's; a failure is recorded as one.
   */
  audited<T>(eventName: string, requestParameters: JsonObject, response: (result: T) => JsonObject | null, act: () => T, resources: ReadonlyArray<string> = []): T {
    const base = {
      eventName,
      eventTimeMs: this.#services.clock.now(),
      requestId: newRequestId(),
      caller: this.#defaultCaller,
      accountId: this.#services.scope.accountId,
      region: this.#services.scope.region,
      readOnly: false,
      requestParameters,
      resourceArns: [...resources],
    };
    try {
      const done = this.#services.db
        .transaction(() => {
          const result = act();
          this.#appendOrFail(eventName, () => buildRecord({ ...base, responseElements: response(result) }));
          faultPoint('before-commit', eventName);
          return result;
        })
        .immediate();
      faultPoint('after-commit', eventName);
      return done;
    } catch (thrown) {
      const error = toKmsError(thrown);
      throw this.#recordFailure(eventName, error, () => buildRecord({ ...base, responseElements: null, error: error.toShape() }));
    }
  }

  /**
   * The pipeline's own resolve and authorize steps, for entries that declare them: the key the
   * request names (so every record of the call names it), then owner-only access.
   */
  #resolveAndAdmit(ctx: OperationContext, entry: ActionEntry, input: Readonly<Record<string, unknown>>): KeyRow | undefined {
    const step = entry.keyStep;
    if (step !== undefined) {
      const key = resolveKey(ctx, String(input[step.member]), step.forms);
      checkKeyStep(ctx, key, step);
      return key;
    }
    const given = entry.keyOf?.(input);
    const key = typeof given === 'string' ? resolveKey(ctx, given, 'keyOrAlias') : undefined;
    if (entry.access === 'owner' && ctx.caller.type !== 'Root') {
      throw new AccessDeniedException(
        `${ctx.caller.arn} is not allowed to perform ${ctx.operation}: installation administration (users, access keys, custodians, quorum rules, approvals, the clock) is for the installation's owner, the account root.`,
      );
    }
    return key;
  }

  /** The per-call state of the pipeline: its context for handlers and its audit record builder. */
  #call(name: PipelineName, entry: ActionEntry, options: InvokeOptions): PendingCall {
    const s = this.#services;
    const caller = options.caller ?? this.#defaultCaller;
    const requestId = options.requestId ?? newRequestId();
    const startedAt = s.clock.now();
    const touched = new Map<string, KeyRow>();
    const otherResources = new Set<string>();
    const via = options.viaService;
    // A call through a service carries the service's condition values (and only such a call).
    const viaConditions = via === undefined
      ? undefined
      : new Map<string, ReadonlyArray<string>>([
          ['kms:viaservice', [viaServiceName(via, s.scope.region)]],
          ['aws:viaawsservice', ['true']],
          ['aws:calledvia', [servicePrincipal(via)]],
        ]);
    let request: Readonly<Record<string, unknown>> = {};
    let quorum: QuorumOutcome | null = null;
    const reportQuorum = (outcome: QuorumOutcome): void => {
      quorum = outcome;
    };
    const approvals = options.approvals ?? [];
    const ctx: OperationContext = {
      operation: name,
      repo: s.repo,
      grants: s.grants,
      principals: s.principals,
      keyStores: s.keyStores,
      xks: s.xks,
      access: s.access,
      quorum: s.quorum,
      accessKeys: s.accessKeys,
      installation: s.installation,
      auditReads: s.auditReads,
      clock: s.clock,
      scope: s.scope,
      rootKey: s.rootKey(),
      caller,
      requestId,
      materialCache: s.materials,
      approvals,
      reportQuorum,
      developerClock: s.developerClock,
      touch: (key) => {
        touched.set(key.keyId, key);
      },
      authorize: (action, key) => {
        s.access.authorize({ caller, action, key, input: request, now: s.clock.now(), ...(viaConditions === undefined ? {} : { extraConditions: viaConditions }) });
        // Policy first, then the quorum rule, then (in the handler) the key's state: D25.
        // The operation's own action (kms:Op, or strongroom:Op for Strongroom's own, e.g. export).
        if (key !== null && action.endsWith(`:${name}`) && QUORUM_GUARDED.has(name)) {
          checkQuorum(ctx, name, key, request);
        }
      },
      authorizeAlias: (action, aliasName) => {
        s.access.authorize({ caller, action, key: null, resource: aliasArn(s.scope, aliasName), input: request, now: s.clock.now(), ...(viaConditions === undefined ? {} : { extraConditions: viaConditions }) });
      },
      touchResource: (arn) => {
        otherResources.add(arn);
      },
      callKms: (service, kmsName, kmsInput) => {
        const kmsEntry = ACTIONS.get(kmsName) as ActionEntry;
        return this.run(kmsName, kmsEntry, kmsInput, { caller, viaService: service }) as ReturnType<OperationContext['callKms']>;
      },
      callSecrets: (secretsName, secretsInput) => {
        const secretsEntry = SECRETS_ACTIONS.get(secretsName) as ActionEntry;
        return this.run(secretsName, secretsEntry, secretsInput, { caller, blobs: 'bytes', ...(via === undefined ? {} : { viaService: via }) });
      },
    };
    const record = (input: unknown, output: unknown, error: KmsError | null): AuditRecord =>
      buildRecord({
        eventName: name,
        eventTimeMs: startedAt,
        requestId,
        caller,
        ...(via === undefined ? {} : { invokedBy: servicePrincipal(via) }),
        ...(entry.eventSource === undefined ? {} : { eventSource: entry.eventSource }),
        accountId: s.scope.accountId,
        region: s.scope.region,
        readOnly: entry.readOnly,
        // Raw input when validation failed, as CloudTrail logs failed calls' parameters; blob and
        // sensitive members are dropped structurally either way.
        requestParameters: input === null ? null : (entry.requestParameters?.(input) ?? requestParametersFor(entry.input, input)),
        responseElements: error === null ? entry.responseElements(output) : null,
        ...withAdditionalEventData({ ...entry.additionalEventData?.(input), ...(quorum === null ? {} : quorumAuditData(quorum)) }),
        ...(error === null ? {} : { error: error.toShape() }),
        resourceArns: [...[...touched.keys()].map((id) => keyArn(s.scope, id)), ...otherResources],
      });
    return {
      ctx,
      record,
      setInput: (input) => {
        request = input;
      },
    };
  }

  /**
   * Appends a failure's record in its own transaction and returns the error to report: the
   * failure itself, or — when even its record cannot be written — an error that says both.
   */
  #recordFailure(operation: string, error: KmsError, record: () => AuditRecord): KmsError {
    try {
      this.#transaction.immediate(() => this.#audit.append(record()));
    } catch (auditFailure) {
      return error instanceof AuditUnavailableException ? error : new AuditUnavailableException(operation, auditFailure, error);
    }
    return error;
  }

  /** Appends a successful call's record; if the store refuses it, the call's transaction rolls back and it did not run. */
  #appendOrFail(operation: string, record: () => AuditRecord): void {
    const built = record();
    try {
      this.#audit.append(built);
    } catch (cause) {
      throw new AuditUnavailableException(operation, cause);
    }
  }
}
