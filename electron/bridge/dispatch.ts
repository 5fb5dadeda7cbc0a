// One dispatcher for both bridges (Electron IPC and the browser-mode WebSocket): every request
// names an operation of the shared list, its input is validated against that operation's schema,
// and the result is always a BridgeResult — errors as { name, message }, an unknown fault's
// details kept for the log. KMS operations go through the engine exactly as the CLI's do (the
// engine validates, authorizes and audits them); app operations are validated here first.

import {
  appOperations,
  isBridgeOperationName,
  type AppInput,
  type AppOperationName,
  type AppOutputs,
  type AppSettings,
  type BridgeResult,
  type InstallationStatus,
  type SetUpRequest,
} from '../../shared/api/bridge.ts';
import { isOperationName } from '../../shared/api/operations.ts';
import type { KeyObject } from 'node:crypto';
import type { Caller } from '../kms/iam/caller.ts';
import type { Kms } from '../kms/engine.ts';
import { KMSInvalidStateException, toKmsError, UnsupportedOperationException, ValidationException } from '../kms/errors.ts';
import { validateRequest } from '../kms/validate.ts';
import { QUORUM_GUARDED } from '../kms/quorum/quorum.ts';
import { publicKeyPem, readPublicKey } from '../kms/audit/checkpoints.ts';
import { AuditWorkspace } from '../kms/audit/workspace.ts';
import { DEFAULT_PORT } from '../server/endpoint.ts';
import { EndpointControl } from './endpoint-control.ts';
import type { FileService } from './files.ts';
import { secretHandlers } from './secrets.ts';

export type BridgeContext = {
  /** Opens the engine if needed and describes the installation. Never throws. */
  readonly status: () => Promise<InstallationStatus>;
  /** The open engine, or null while the installation is locked or missing. */
  readonly engine: () => Kms | null;
  /** Creates the installation (first run); a surface that cannot omits it. */
  readonly setUp?: (request: SetUpRequest) => Promise<InstallationStatus>;
  /** Opens a passphrase installation with the user's passphrase. */
  readonly unlock?: (passphrase: string) => Promise<InstallationStatus>;
  readonly files: FileService;
  /** Who the window acts as; the installation owner when undefined. */
  readonly caller?: () => Caller | undefined;
  readonly settings: () => AppSettings | Promise<AppSettings>;
  /**
   * Shows a file in the system file manager: shown false when this surface cannot; location only
   * when it is a folder the user chose (browser mode's output folder), never another path.
   */
  readonly showInFolder: (path: string) => Promise<{ readonly shown: boolean; readonly location?: string }>;
  /**
   * Where an audit export should go: Electron asks with a save dialog (null when cancelled);
   * browser mode answers a free name in its output folder.
   */
  readonly exportDestination: (suggestedName: string) => Promise<string | null>;
  /** The inspection workspace's database file (imported exports). */
  readonly workspacePath: string;
  readonly log?: (message: string, detail?: unknown) => void;
};

export type Dispatch = (name: string, input: unknown) => Promise<BridgeResult<unknown>>;

/** The dispatcher, and what it holds open (the endpoint the window may start). */
export type Dispatcher = Dispatch & { readonly close: () => Promise<unknown> };

type AppHandlers = { readonly [N in AppOperationName]: (input: AppInput<N>) => Promise<AppOutputs[N]> };

function trustedKeyFrom(pem: string): KeyObject {
  try {
    return readPublicKey(new TextEncoder().encode(pem));
  } catch (err) {
    throw new ValidationException(`The trusted public key is not a public key (PEM SubjectPublicKeyInfo, as Audit › Download public key saves it): ${err instanceof Error ? err.message : String(err)}.`);
  }
}

/** The workspace for one call: opened, used, closed (it is a file of its own, rarely used). */
async function withWorkspace<T>(path: string, use: (workspace: AuditWorkspace) => Promise<T> | T): Promise<T> {
  const workspace = new AuditWorkspace(path);
  try {
    return await use(workspace);
  } finally {
    workspace.close();
  }
}

export function createDispatcher(ctx: BridgeContext): Dispatcher {
  const log = ctx.log ?? console.warn;
  const endpoint = new EndpointControl(log);
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
    SetUp: async (input) => {
      if (ctx.setUp === undefined) {
        throw new UnsupportedOperationException('This window cannot set up an installation: run `strongroom init` in a terminal.');
      }
      return ctx.setUp(input);
    },
    Unlock: async (input) => {
      if (ctx.unlock === undefined) {
        throw new UnsupportedOperationException('This window cannot unlock the installation: use the strongroom command in a terminal.');
      }
      return ctx.unlock(input.Passphrase);
    },
    QueryAudit: async (input) => {
      const page = (await openEngine()).audit.query(input);
      return { records: page.records.map((r) => ({ seq: r.seq, record: r.record })), ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }) };
    },
    VerifyAudit: async () => {
      const audit = (await openEngine()).audit;
      const report = audit.verify();
      const last = audit.checkpoints().at(-1)?.body;
      return {
        ok: report.ok,
        records: report.records,
        lastSeq: report.lastSeq,
        checkpoints: report.checkpoints.count,
        unsignedRecords: report.unsignedRecords,
        ...(report.problem === undefined ? {} : { problem: { ...report.problem } }),
        ...(last === undefined ? {} : { lastCheckpoint: { number: last.number, createdAt: last.createdAt, headSeq: last.headSeq } }),
      };
    },
    AuditActivity: async (input) => {
      const bucket = input.Bucket === 'day' ? 'day' : 'hour';
      return { buckets: (await openEngine()).audit.activity(bucket, input.StartTime, input.EndTime) };
    },
    EncryptFiles: async (input) => {
      await openEngine();
      return ctx.files.encrypt({
        fileIds: input.FileIds,
        keyIds: input.KeyIds,
        context: input.EncryptionContext ?? {},
        signed: input.Signed !== false,
        ...(typeof input.FrameLength === 'number' ? { frameLength: input.FrameLength } : {}),
      });
    },
    DecryptFiles: async (input) => {
      await openEngine();
      return ctx.files.decrypt({ fileIds: input.FileIds, context: input.EncryptionContext ?? {} });
    },
    CancelFileJob: async (input) => ({ cancelled: ctx.files.cancel(input.JobId) }),
    ShowInFolder: async (input) => ctx.showInFolder(ctx.files.pathOf(input.FileId)),
    GetSettings: async () => ({ ...(await ctx.settings()), endpoint: endpoint.status() }),
    ExportAudit: async (input) => {
      const engine = await openEngine();
      const layout = input.Layout === 'cloudtrail' ? 'cloudtrail' : 'jsonl';
      const gzip = input.Gzip === true;
      const stamp = new Date(engine.clock.now()).toISOString().slice(0, 10);
      const suggested = `strongroom-audit-${engine.installation.accountId}-${stamp}.${layout === 'jsonl' ? 'jsonl' : 'json'}${gzip ? '.gz' : ''}`;
      const destination = await ctx.exportDestination(suggested);
      if (destination === null) {
        return { cancelled: true };
      }
      const summary = await engine.exportAuditLog({
        file: destination,
        layout,
        gzip,
        ...(input.StartTime instanceof Date ? { startTime: input.StartTime } : {}),
        ...(input.EndTime instanceof Date ? { endTime: input.EndTime } : {}),
      });
      const [file] = ctx.files.add([summary.file]);
      if (file === undefined) {
        throw new KMSInvalidStateException('The export was written but could not be registered.');
      }
      return { file, records: summary.records, firstSeq: summary.firstSeq, lastSeq: summary.lastSeq, sha256: summary.sha256 };
    },
    ImportAudit: async (input) => {
      const trustedPublicKey = typeof input.TrustedPublicKey === 'string' ? trustedKeyFrom(input.TrustedPublicKey) : undefined;
      return withWorkspace(ctx.workspacePath, async (workspace) => {
        const imported = [];
        for (const fileId of input.FileIds) {
          const result = await workspace.import(ctx.files.pathOf(fileId), {
            ...(typeof input.Label === 'string' ? { label: input.Label } : {}),
            ...(trustedPublicKey === undefined ? {} : { trustedPublicKey }),
            nowMs: Date.now(),
          });
          imported.push({ installationId: result.installationId, label: result.label, records: result.records, added: result.added, trust: result.trust, keyFingerprint: result.keyFingerprint });
        }
        return { imported };
      });
    },
    AuditPublicKey: async () => {
      const key = (await openEngine()).audit.publicKey();
      if (key === null) {
        throw new KMSInvalidStateException('This installation has no audit-signing key yet.');
      }
      return { PublicKey: publicKeyPem(key.spki), Fingerprint: key.fingerprint };
    },
    QueryAuditWorkspace: async (input) =>
      withWorkspace(ctx.workspacePath, (workspace) => {
        const page = workspace.query(input);
        return {
          records: page.records.map((r) => ({ seq: r.seq, record: r.record, ...(r.installationId === undefined ? {} : { installationId: r.installationId }) })),
          ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
        };
      }),
    AuditSources: async () =>
      withWorkspace(ctx.workspacePath, (workspace) => ({
        sources: workspace.sources().map((s) => ({
          installationId: s.installationId,
          label: s.label,
          accountId: s.accountId,
          region: s.region,
          records: s.records,
          firstTime: s.firstTime,
          lastTime: s.lastTime,
          keyFingerprint: s.keyFingerprint,
        })),
      })),
    SetEndpoint: async (input) => (input.Enabled === true ? endpoint.start(await openEngine(), typeof input.Port === 'number' ? input.Port : DEFAULT_PORT) : endpoint.stop()),
    CreateEndpointCredentials: async () => (await openEngine()).createAccessKey('root'),
    ListEndpointCredentials: async () => ({
      AccessKeys: (await openEngine()).listAccessKeys().map((k) => ({ AccessKeyId: k.AccessKeyId, PrincipalArn: k.PrincipalArn, CreateDate: k.CreateDate.toISOString(), Status: k.Status })),
    }),
    DeleteEndpointCredentials: async (input) => {
      (await openEngine()).deleteAccessKey(input.AccessKeyId);
      return { deleted: true };
    },
    ListCustodians: async () => ({
      Custodians: (await openEngine()).listCustodians().map((c) => ({ Name: c.name, Fingerprint: c.fingerprint, CreationDate: new Date(c.createdAt).toISOString(), KeyArns: [...c.keys] })),
    }),
    ListXksKeyStores: async () => ({
      XksKeyStores: (await openEngine()).listXksKeyStores().map((s) => ({ UriPrefix: s.UriPrefix, XksProxyUriPath: s.XksProxyUriPath, CreationDate: s.CreationDate.toISOString(), AccessKeyIds: [...s.AccessKeyIds], Keys: [...s.Keys] })),
    }),
    CreateXksKeyStore: async (input) => {
      const made = (await openEngine()).createXksKeyStore(input.UriPrefix);
      return { UriPrefix: made.UriPrefix, XksProxyUriPath: made.XksProxyUriPath, AccessKeyId: made.AccessKeyId, SecretAccessKey: made.SecretAccessKey };
    },
    AddXksKey: async (input) => ({ KeyId: (await openEngine()).addXksKey(input.KeyId, input.UriPrefix).KeyId }),
    RemoveXksKey: async (input) => ({ KeyId: (await openEngine()).removeXksKey(input.KeyId, input.UriPrefix).KeyId }),
    RotateXksCredentials: async (input) => {
      const made = (await openEngine()).rotateXksCredentials(input.UriPrefix);
      return { AccessKeyId: made.AccessKeyId, SecretAccessKey: made.SecretAccessKey, ActiveAccessKeyIds: [...made.ActiveAccessKeyIds] };
    },
    RetireXksCredential: async (input) => ({ AccessKeyId: (await openEngine()).retireXksCredential(input.AccessKeyId).AccessKeyId }),
    GetQuorumRule: async (input) => {
      const rule = (await openEngine()).getQuorumRule(input.KeyId);
      return {
        Rule:
          rule === null
            ? null
            : { KeyArn: rule.keyArn, Threshold: rule.threshold, Custodians: [...rule.custodians], GuardedOperations: [...QUORUM_GUARDED], UpdatedDate: new Date(rule.updatedAt).toISOString() },
      };
    },
    ...secretHandlers(openEngine, callerOptions),
  };

  /** Validates an app operation's input against its schema, then runs its handler. */
  const runApp = <N extends AppOperationName>(name: N, input: unknown): Promise<AppOutputs[N]> => {
    // The one cast of the bridge: the value passed the schema AppInput<N> is inferred from.
    const checked = validateRequest(appOperations[name].input, input ?? {}, 'bytes') as AppInput<N>;
    const handler: (input: AppInput<N>) => Promise<AppOutputs[N]> = app[name];
    return handler(checked);
  };

  const dispatch: Dispatch = async (name, input) => {
    try {
      if (!isBridgeOperationName(name)) {
        throw new ValidationException(`${JSON.stringify(name).slice(0, 80)} is not an operation of the Strongroom bridge.`);
      }
      if (isOperationName(name)) {
        const engine = await openEngine();
        return { ok: true, value: await engine.invoke(name, input ?? {}, callerOptions()) };
      }
      return { ok: true, value: await runApp(name, input) };
    } catch (err) {
      const error = toKmsError(err);
      if (error.name === 'KMSInternalException') {
        log(`Strongroom: ${name} failed`, err);
      }
      return { ok: false, error: error.toShape() };
    }
  };
  return Object.assign(dispatch, { close: () => endpoint.stop() });
}
