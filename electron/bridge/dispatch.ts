// One dispatcher for both bridges (Electron IPC and the browser-mode WebSocket): every request
// names an operation of the shared list, its input is validated against that operation's schema,
// and the result is always a BridgeResult — errors as { name, message }, an unknown fault's
// details kept for the log. KMS operations go through the engine exactly as the CLI's do (the
// engine validates, authorizes and audits them); app operations are validated here first.

import {
  appOperations,
  isBridgeOperationName,
  type AppOperationName,
  type AppOutputs,
  type AppSettings,
  type BridgeResult,
  type InstallationStatus,
} from '../../shared/api/bridge.ts';
import { isOperationName, type OperationName } from '../../shared/api/operations.ts';
import type { Caller } from '../kms/caller.ts';
import type { Kms } from '../kms/engine.ts';
import { KMSInvalidStateException, toKmsError, ValidationException } from '../kms/errors.ts';
import { validateRequest } from '../kms/validate.ts';
import type { FileService } from './files.ts';

export type BridgeContext = {
  /** Opens the engine if needed and describes the installation. Never throws. */
  readonly status: () => Promise<InstallationStatus>;
  /** The open engine, or null while the installation is locked or missing. */
  readonly engine: () => Kms | null;
  readonly files: FileService;
  /** Who the window acts as; the installation owner when undefined. */
  readonly caller?: () => Caller | undefined;
  readonly settings: () => AppSettings | Promise<AppSettings>;
  /**
   * Shows a file in the system file manager: shown false when this surface cannot; location only
   * when it is a folder the user chose (browser mode's output folder), never another path.
   */
  readonly showInFolder: (path: string) => Promise<{ readonly shown: boolean; readonly location?: string }>;
  readonly log?: (message: string, detail?: unknown) => void;
};

export type Dispatch = (name: string, input: unknown) => Promise<BridgeResult<unknown>>;

type AppHandlers = { readonly [N in AppOperationName]: (input: Record<string, unknown>) => Promise<AppOutputs[N]> };

export function createDispatcher(ctx: BridgeContext): Dispatch {
  const log = ctx.log ?? console.warn;
  const openEngine = async (): Promise<Kms> => {
    const engine = ctx.engine();
    if (engine !== null) {
      return engine;
    }
    const status = await ctx.status();
    const opened = ctx.engine();
    if (opened === null) {
      throw new KMSInvalidStateException(status.problem?.message ?? 'This installation is not unlocked, so its keys cannot be used.');
    }
    return opened;
  };
  const callerOptions = (): { caller?: Caller } => {
    const caller = ctx.caller?.();
    return caller === undefined ? {} : { caller };
  };

  const app: AppHandlers = {
    Status: async () => ctx.status(),
    QueryAudit: async (input) => {
      const page = (await openEngine()).audit.query(input);
      return { records: page.records.map((r) => ({ seq: r.seq, record: r.record as unknown as Record<string, unknown> })), ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }) };
    },
    VerifyAudit: async () => {
      const report = (await openEngine()).audit.verify();
      return {
        ok: report.ok,
        records: report.records,
        lastSeq: report.lastSeq,
        checkpoints: report.checkpoints.count,
        unsignedRecords: report.unsignedRecords,
        ...(report.problem === undefined ? {} : { problem: { ...report.problem } }),
      };
    },
    AuditActivity: async (input) => {
      const bucket = input.Bucket === 'day' ? 'day' : 'hour';
      return { buckets: (await openEngine()).audit.activity(bucket, input.StartTime as Date | undefined, input.EndTime as Date | undefined) };
    },
    EncryptFiles: async (input) => {
      await openEngine();
      return ctx.files.encrypt({
        fileIds: input.FileIds as ReadonlyArray<string>,
        keyIds: input.KeyIds as ReadonlyArray<string>,
        context: (input.EncryptionContext as Record<string, string> | undefined) ?? {},
        signed: input.Signed !== false,
        ...(typeof input.FrameLength === 'number' ? { frameLength: input.FrameLength } : {}),
      });
    },
    DecryptFiles: async (input) => {
      await openEngine();
      return ctx.files.decrypt({ fileIds: input.FileIds as ReadonlyArray<string>, context: (input.EncryptionContext as Record<string, string> | undefined) ?? {} });
    },
    CancelFileJob: async (input) => ({ cancelled: ctx.files.cancel(input.JobId as string) }),
    ShowInFolder: async (input) => ctx.showInFolder(ctx.files.pathOf(input.FileId as string)),
    GetSettings: async () => ctx.settings(),
  };

  return async (name, input) => {
    try {
      if (!isBridgeOperationName(name)) {
        throw new ValidationException(`${JSON.stringify(name).slice(0, 80)} is not an operation of the Strongroom bridge.`);
      }
      if (isOperationName(name)) {
        const engine = await openEngine();
        return { ok: true, value: await engine.invoke(name as OperationName, input ?? {}, callerOptions()) };
      }
      const appName = name as AppOperationName;
      const checked = validateRequest(appOperations[appName].input, input ?? {}, 'bytes') as Record<string, unknown>;
      const handler = app[appName] as (input: Record<string, unknown>) => Promise<unknown>;
      return { ok: true, value: await handler(checked) };
    } catch (err) {
      const error = toKmsError(err);
      if (error.name === 'KMSInternalException') {
        log(`Strongroom: ${name} failed`, err);
      }
      return { ok: false, error: error.toShape() };
    }
  };
}
