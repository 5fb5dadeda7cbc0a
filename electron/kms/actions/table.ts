// The engine's one table of actions: every KMS operation (shared/api/operations.ts) and every
// Strongroom action (shared/api/strongroom-actions.ts), each with its request schema, its
// handler and what its audit record says. The pipeline (pipeline.ts) runs any entry the same way,
// so an added action costs a schema entry, a handler and a line here.

import { createHash } from 'node:crypto';
import { decodeBase64 } from '../../../shared/api/base64.ts';
import { operations, operationNames, type OperationName } from '../../../shared/api/operations.ts';
import type { StructureSpec } from '../../../shared/api/schema.ts';
import { strongroomActions, type StrongroomActionInput, type StrongroomActionName } from '../../../shared/api/strongroom-actions.ts';
import type { JsonObject } from '../audit/canonical.ts';
import { responseElementsFor } from '../audit/record.ts';
import type { EngineHooks, OperationContext } from '../context.ts';

export type { EngineHooks, EngineServices } from '../context.ts';
import { KMS_HANDLERS } from '../operations/handlers.ts';
import { KEY_STEPS, type KeyStep } from '../operations/key-steps.ts';
import type { KeyRow } from '../store/repository.ts';
import { advanceClock, clockMoveResponse } from './clock.ts';
import {
  addCustodian,
  clearQuorumRule,
  createApprovalRequest,
  custodyAudit,
  getQuorumRule,
  listCustodians,
  removeCustodian,
  setQuorumRule,
} from './custody.ts';
import { iamAudit, iamHandlers } from './iam.ts';
import { XKS_OPERATIONS } from '../../../shared/api/xks.ts';
import { XKS_HANDLERS, XKS_AUDIT } from '../xks/actions.ts';

export type ActionName = OperationName | StrongroomActionName;

/**
 * Who may run an action. 'policy': the handler authorizes each key and action against key
 * policies, identity policies and grants (every KMS operation). 'owner': installation
 * administration (IAM, custody, the developer clock), which only the installation's owner (the
 * account root) may do; the pipeline checks it after resolving the action's key, so a refusal
 * names that key too. 'xks': the XKS proxy API, which AWS KMS calls with a logical key store's
 * credential; the handler admits only a caller signing with one of that store's credentials.
 */
export type ActionAccess = 'policy' | 'owner' | 'xks';

export type ActionEntry = {
  readonly readOnly: boolean;
  readonly input: StructureSpec;
  readonly access: ActionAccess;
  /**
   * Where the request names its key, for actions the pipeline resolves itself (an id, ARN, alias
   * name or alias ARN); the resolved key is in the audit record whatever the outcome, and is
   * handed to the handler, which does not resolve it again.
   */
  readonly keyOf?: (input: Readonly<Record<string, unknown>>) => unknown;
  /** A KMS operation's declared key step: the pipeline resolves and checks the key, then hands it to the handler. */
  readonly keyStep?: KeyStep & { readonly action: string };
  /** Runs inside the call's transaction with input that passed `input`. */
  readonly handler: (ctx: OperationContext, input: Readonly<Record<string, unknown>>, key: KeyRow | undefined) => unknown;
  /** CloudTrail responseElements of a success (null for reads). */
  readonly responseElements: (output: unknown) => JsonObject | null;
  /** requestParameters when the schema's loggable members are not what an auditor needs. */
  readonly requestParameters?: (input: unknown) => JsonObject | null;
  readonly additionalEventData?: (input: unknown) => JsonObject | undefined;
  readonly afterCommit?: (hooks: EngineHooks) => void;
  /** The record's eventSource when it is not kms.amazonaws.com (Secrets Manager's operations). */
  readonly eventSource?: string;
};

/**
 * What ExportKeyMaterial's record says beyond its loggable members: its wrapping public key is a
 * blob (never logged), so its SHA-256 names it instead — who the material was wrapped for.
 */
function exportAdditionalEventData(input: unknown): JsonObject | undefined {
  if (typeof input !== 'object' || input === null) {
    return undefined;
  }
  const key = (input as { WrappingPublicKey?: unknown }).WrappingPublicKey;
  const bytes = key instanceof Uint8Array ? key : typeof key === 'string' ? decodeBase64(key) : null;
  return bytes === null ? undefined : { wrappingPublicKeySha256: createHash('sha256').update(bytes).digest('hex') };
}

function kmsEntry(name: OperationName): ActionEntry {
  const spec = operations[name];
  // The one cast of the pipeline: the input reaching a handler passed the schema its type is
  // inferred from, and a handler takes a key exactly when its operation declares a key step
  // (checked here, when the table is built).
  const handler = KMS_HANDLERS[name] as ActionEntry['handler'];
  const step = KEY_STEPS[name];
  if ((handler.length >= 3) !== (step !== undefined)) {
    throw new Error(`${name}: its handler ${handler.length >= 3 ? 'takes a key but no key step is declared' : 'resolves its own key but a key step is declared'} (operations/key-steps.ts).`);
  }
  return {
    readOnly: spec.readOnly,
    input: spec.input,
    access: 'policy',
    ...(step !== undefined ? { keyStep: { ...step, action: step.action ?? `kms:${name}` } } : {}),
    handler,
    responseElements: (output) => responseElementsFor(name, spec.readOnly, output),
    ...(name === 'ExportKeyMaterial' ? { additionalEventData: exportAdditionalEventData } : {}),
    ...(name === 'DeleteImportedKeyMaterial' ? { afterCommit: (hooks: EngineHooks) => hooks.checkpointWal() } : {}),
  };
}

type ActionHandler<N extends StrongroomActionName> = (ctx: OperationContext, input: StrongroomActionInput<N>, key: KeyRow | undefined) => unknown;

/** The Strongroom actions' handlers; their return types are the facade's result types. */
export const ACTION_HANDLERS = {
  ...iamHandlers,
  AddCustodian: addCustodian,
  ListCustodians: listCustodians,
  RemoveCustodian: removeCustodian,
  GetQuorumRule: getQuorumRule,
  SetQuorumRule: setQuorumRule,
  ClearQuorumRule: clearQuorumRule,
  CreateApprovalRequest: createApprovalRequest,
  AdvanceClock: advanceClock,
  ...XKS_HANDLERS,
} as const satisfies { readonly [N in StrongroomActionName]: ActionHandler<N> };

export type ActionOutput<N extends StrongroomActionName> = ReturnType<(typeof ACTION_HANDLERS)[N]>;

type AuditShape = Pick<ActionEntry, 'requestParameters' | 'afterCommit'> & { readonly response?: (output: never) => JsonObject | null };

const forget = { afterCommit: (hooks: EngineHooks) => hooks.forgetAccessKeys() };

/** What each changing action's record says beyond its request members. */
const ACTION_AUDIT: { readonly [N in StrongroomActionName]?: AuditShape } = {
  CreateUser: { response: iamAudit.created('user') },
  CreateRole: { response: iamAudit.created('role') },
  DeleteUser: { response: iamAudit.deleted('user'), ...forget },
  DeleteRole: { response: iamAudit.deleted('role'), ...forget },
  CreateAccessKey: { response: iamAudit.accessKey },
  DeleteAccessKey: forget,
  AddCustodian: { response: custodyAudit.custodianResponse },
  RemoveCustodian: { response: custodyAudit.custodianResponse },
  CreateApprovalRequest: { requestParameters: custodyAudit.approvalRequestRequest, response: custodyAudit.approvalRequestResponse },
  AdvanceClock: { response: clockMoveResponse },
  ...XKS_AUDIT,
};

/** An approval request names its key inside the guarded call's input. */
function approvalRequestKey(input: Readonly<Record<string, unknown>>): unknown {
  const guarded = input.Input;
  return typeof guarded === 'object' && guarded !== null ? (guarded as { KeyId?: unknown }).KeyId : undefined;
}

function actionEntry(name: StrongroomActionName): ActionEntry {
  const spec = strongroomActions[name];
  const audit = ACTION_AUDIT[name] ?? {};
  const response = audit.response as ((output: unknown) => JsonObject | null) | undefined;
  return {
    readOnly: spec.readOnly,
    input: spec.input,
    access: (XKS_OPERATIONS as ReadonlyArray<string>).includes(name) ? 'xks' : 'owner',
    ...(name === 'CreateApprovalRequest' ? { keyOf: approvalRequestKey } : 'KeyId' in spec.input.members ? { keyOf: (input: Readonly<Record<string, unknown>>) => input.KeyId } : {}),
    handler: ACTION_HANDLERS[name] as ActionEntry['handler'],
    responseElements: (output) => (spec.readOnly || response === undefined ? null : response(output)),
    ...(audit.requestParameters !== undefined ? { requestParameters: audit.requestParameters } : {}),
    ...(audit.afterCommit !== undefined ? { afterCommit: audit.afterCommit } : {}),
  };
}

/** Every action any surface can invoke, by name. */
export const ACTIONS: ReadonlyMap<ActionName, ActionEntry> = new Map<ActionName, ActionEntry>([
  ...operationNames.map((n): [ActionName, ActionEntry] => [n, kmsEntry(n)]),
  ...(Object.keys(strongroomActions) as Array<StrongroomActionName>).map((n): [ActionName, ActionEntry] => [n, actionEntry(n)]),
]);
