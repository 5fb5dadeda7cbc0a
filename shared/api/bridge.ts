// The contract between the sandboxed renderer and the engine: one list of operations — every KMS
// operation of the shared table, plus the app's own (status, audit, files, settings) — each with
// a request schema. The preload (Electron) and the WebSocket bridge (browser mode) expose exactly
// these as `window.strongroom.<camelCaseName>(input)`, every call resolving with one result
// shape; the main process and the browser-mode server validate every request against its schema
// before anything runs (docs/architecture.md, invariant 2). Besides the calls, one subscription (file job
// progress) and one file intake (addFiles: dropped or picked files become opaque ids — the renderer
// never handles a path). No Node and no DOM APIs here: both sides import it.

import { auditQueryInput } from './audit.ts';
import { PASSPHRASE_MAX_LENGTH } from './passphrase-strength.ts';
import type { ErrorShape } from './errors.ts';
import { operations, operationNames, type OperationInput, type OperationName, type OperationOutput } from './operations.ts';
import { bool, int, list, map, str, struct, time, type Infer, type StructureSpec } from './schema.ts';

/** Every bridge call resolves (never rejects) with one of these. */
export type BridgeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorShape };

/** Why the installation cannot be used right now; `code` names the kind, `message` says what to do. */
export type InstallationProblemShape = {
  readonly code: string;
  readonly message: string;
};

/**
 * What the window shows about this installation. No paths, no secrets: the renderer never
 * receives a path it did not get from the user.
 */
export type InstallationStatus = {
  /** False when the data directory holds no installation yet (`strongroom init` creates one). */
  readonly initialized: boolean;
  readonly installationId?: string;
  /** The 12-digit account id in this installation's ARNs. */
  readonly accountId?: string;
  readonly region?: string;
  /** 'keychain' or 'passphrase'. */
  readonly rootKeyProvider?: string;
  /** Where the root key lives, in words. */
  readonly rootKeyLocation?: string;
  /** True when the root key was loaded and checked: the engine is open. */
  readonly unlocked: boolean;
  readonly problem?: InstallationProblemShape;
};

/** An external key store's URI prefix: '/' or '/'-led segments of a–z A–Z 0–9 - _ (the engine checks the rest). */
function xksPrefix<R extends boolean>(required: R) {
  return str({ required, min: 1, max: 128, pattern: /^\/[A-Za-z0-9/_-]*$/ });
}

const fileIds = list({ required: true, min: 1, max: 1000, member: str({ min: 1, max: 64, pattern: /^f-[0-9a-f]{16}$/ }) });
const jobId = str({ required: true, min: 1, max: 64, pattern: /^j-[0-9a-f]{16}$/ });

/** The app's own operations: request schemas here, results typed in AppOutputs. */
export const appOperations = {
  Status: { summary: 'What this installation is, where its root key lives and whether it unlocks.', input: struct({}) },
  QueryAudit: { summary: 'Audit records newest first, filtered and paged (the CLI’s audit query).', input: auditQueryInput },
  VerifyAudit: { summary: 'Checks the audit tables, checkpoints and chain; reports the first problem.', input: struct({}) },
  AuditActivity: {
    summary: 'Operations per hour or day by outcome, for the activity chart.',
    input: struct({ StartTime: time(), EndTime: time(), Bucket: str({ required: true, enum: ['hour', 'day'] }) }),
  },
  EncryptFiles: {
    summary: 'Encrypts added files in the AWS Encryption SDK format under one or more keys; progress comes by onFileProgress.',
    input: struct({
      FileIds: fileIds,
      KeyIds: list({ required: true, min: 1, max: 10, member: str({ min: 1, max: 2048 }) }),
      EncryptionContext: map({ key: str({ min: 1, max: 256 }), value: str({ max: 4096 }), max: 64 }),
      Signed: bool(),
      FrameLength: int({ min: 4096, max: 16_777_216 }),
    }),
  },
  DecryptFiles: {
    summary: 'Decrypts added .strongroom files (the key is named inside each file).',
    input: struct({ FileIds: fileIds, EncryptionContext: map({ key: str({ min: 1, max: 256 }), value: str({ max: 4096 }), max: 64 }) }),
  },
  CancelFileJob: { summary: 'Stops a running file job; files not finished leave nothing behind.', input: struct({ JobId: jobId }) },
  ShowInFolder: { summary: 'Shows a finished output file in the system file manager.', input: struct({ FileId: str({ required: true, min: 1, max: 64 }) }) },
  GetSettings: { summary: 'Root key source, local endpoint and data directory settings.', input: struct({}) },
  ExportAudit: {
    summary: 'Exports the audit log (or a time range) with its checkpoints to a file the user chooses; verifies anywhere with the public key.',
    input: struct({ Layout: str({ enum: ['jsonl', 'cloudtrail'] }), Gzip: bool(), StartTime: time(), EndTime: time() }),
  },
  ImportAudit: {
    summary: "Verifies added audit exports from other installations and adds them to the inspection workspace.",
    input: struct({
      FileIds: fileIds,
      Label: str({ min: 1, max: 64, pattern: /^[A-Za-z0-9 ._/-]+$/ }),
      /** PEM text of the exporting installation's audit public key, kept apart from the export: proof of who signed it. */
      TrustedPublicKey: str({ min: 1, max: 8192 }),
    }),
  },
  AuditPublicKey: { summary: 'This installation’s audit-signing public key (PEM) and its fingerprint, to keep apart from exports.', input: struct({}) },
  QueryAuditWorkspace: { summary: 'Imported audit records, newest first, filtered and paged; each names its installation.', input: auditQueryInput },
  AuditSources: { summary: 'The installations the inspection workspace holds.', input: struct({}) },
  SetEndpoint: {
    summary: 'Starts (on a loopback port) or stops the AWS-compatible endpoint in this process.',
    input: struct({ Enabled: bool({ required: true }), Port: int({ min: 0, max: 65535 }) }),
  },
  CreateEndpointCredentials: { summary: "An access key for the installation owner, to sign endpoint requests; the secret is shown once.", input: struct({}) },
  ListEndpointCredentials: { summary: 'The access keys that can sign endpoint requests (ids only).', input: struct({}) },
  DeleteEndpointCredentials: { summary: 'Deletes an access key.', input: struct({ AccessKeyId: str({ required: true, min: 16, max: 128, pattern: /^[A-Z0-9]+$/ }) }) },
  ListCustodians: { summary: 'The registered custodians (name, key fingerprint) and the keys whose quorum rules name each (read-only: custodians are added with the CLI).', input: struct({}) },
  SetUp: {
    summary: "Creates this data folder's installation (the window's first run): the root key in the OS keychain, or under a passphrase strong enough (passphrase-strength.ts).",
    input: struct({
      RootKey: str({ required: true, enum: ['keychain', 'passphrase'] }),
      Passphrase: str({ min: 1, max: PASSPHRASE_MAX_LENGTH }),
    }),
  },
  Unlock: {
    summary: "Opens a passphrase installation with the user's passphrase; a wrong one comes back as the status's problem.",
    input: struct({ Passphrase: str({ required: true, min: 1, max: PASSPHRASE_MAX_LENGTH }) }),
  },
  GetQuorumRule: {
    summary: "A key's quorum rule (threshold and custodians), or none; guarded calls on such a key need custodian approvals, which only the CLI carries.",
    input: struct({ KeyId: str({ required: true, min: 1, max: 2048 }) }),
  },
  // External key stores for AWS KMS (the XKS proxy API, issue 24): the CLI's `strongroom xks`.
  ListXksKeyStores: { summary: 'The external key stores AWS KMS can use: URI paths, credential ids (never secrets), exposed keys.', input: struct({}) },
  CreateXksKeyStore: { summary: 'Creates an external key store at a URI prefix; its secret access key is shown once.', input: struct({ UriPrefix: xksPrefix(true) }) },
  AddXksKey: { summary: 'Exposes a symmetric key to an external key store under its key id.', input: struct({ KeyId: str({ required: true, min: 1, max: 2048 }), UriPrefix: xksPrefix(false) }) },
  RemoveXksKey: { summary: 'Stops exposing a key to an external key store.', input: struct({ KeyId: str({ required: true, min: 1, max: 2048 }), UriPrefix: xksPrefix(false) }) },
  RotateXksCredentials: { summary: 'Adds a second credential to an external key store (shown once); the old one works until retired.', input: struct({ UriPrefix: xksPrefix(false) }) },
  RetireXksCredential: { summary: 'Removes a credential AWS KMS no longer uses.', input: struct({ AccessKeyId: str({ required: true, min: 20, max: 30, pattern: /^[A-Z2-7]+$/ }) }) },
  // Secrets (Secrets Manager's ListSecrets, CreateSecret, GetSecretValue, PutSecretValue,
  // DeleteSecret, RestoreSecret through the engine: authorized and audited as on the endpoint).
  SecretList: { summary: 'The secrets (never their values), those scheduled for deletion included.', input: struct({}) },
  SecretCreate: {
    summary: 'Creates a secret with a first value, under the managed aws/secretsmanager key.',
    input: struct({ Name: str({ required: true, min: 1, max: 512 }), SecretString: str({ required: true, min: 1, max: 65_536, sensitive: true }), Description: str({ max: 2048 }) }),
  },
  SecretReveal: { summary: "Decrypts a secret's current value for display (audited as GetSecretValue).", input: struct({ SecretId: str({ required: true, min: 1, max: 2048 }) }) },
  SecretPutValue: {
    summary: 'Adds a new current version (the old one becomes AWSPREVIOUS).',
    input: struct({ SecretId: str({ required: true, min: 1, max: 2048 }), SecretString: str({ required: true, min: 1, max: 65_536, sensitive: true }) }),
  },
  SecretDelete: {
    summary: 'Schedules a secret for deletion after a recovery window of 7–30 days.',
    input: struct({ SecretId: str({ required: true, min: 1, max: 2048 }), RecoveryWindowInDays: int({ min: 7, max: 30 }) }),
  },
  SecretRestore: { summary: 'Cancels the scheduled deletion of a secret.', input: struct({ SecretId: str({ required: true, min: 1, max: 2048 }) }) },
} as const satisfies Record<string, { readonly summary: string; readonly input: StructureSpec }>;

export type AppOperationName = keyof typeof appOperations;
export type BridgeOperationName = OperationName | AppOperationName;

/** One file job's progress, pushed to onFileProgress subscribers. */
export type FileProgress = {
  readonly jobId: string;
  readonly fileId: string;
  readonly name: string;
  readonly state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** The output's id (for ShowInFolder) and file name when done. */
  readonly outputId?: string;
  readonly outputName?: string;
  /** A decrypted file: the key that opened it (its ARN) and its encryption context (the SDK's own aws-crypto-* entries left out). */
  readonly openedBy?: { readonly keyArn: string; readonly encryptionContext: Readonly<Record<string, string>> };
  readonly error?: ErrorShape;
};

/** A file the user dropped or picked: an opaque id, its name and size, never its path. */
export type AddedFile = { readonly fileId: string; readonly name: string; readonly size: number; readonly encrypted: boolean };

export type AuditActivityBucket = { readonly start: string; readonly success: number; readonly failure: number };

export type AppSettings = {
  readonly rootKeyProvider: string | null;
  readonly rootKeyLocation: string | null;
  readonly unlocked: boolean;
  /** Where the data directory is, as the user set it (the one path the window shows: the user's own setting). */
  readonly dataDirectory: string;
  readonly endpoint: { readonly running: boolean; readonly url: string | null };
  readonly surface: 'electron' | 'browser';
  /** Browser mode: the folder every output is written to (the user's own --output-dir, or its default). */
  readonly outputDirectory?: string;
};

/** What each app operation resolves with. */
export type AppOutputs = {
  Status: InstallationStatus;
  QueryAudit: { readonly records: ReadonlyArray<{ readonly seq: number; readonly record: Record<string, unknown>; readonly installationId?: string }>; readonly nextToken?: string };
  VerifyAudit: {
    readonly ok: boolean;
    readonly records: number;
    readonly lastSeq: number | null;
    readonly checkpoints: number;
    readonly unsignedRecords: number;
    readonly problem?: { readonly kind: string; readonly seq?: number; readonly checkpoint?: number; readonly detail: string };
    /** The newest signed checkpoint: its number, when it was made (ISO-8601) and the record it signs. */
    readonly lastCheckpoint?: { readonly number: number; readonly createdAt: string; readonly headSeq: number };
  };
  AuditActivity: { readonly buckets: ReadonlyArray<AuditActivityBucket> };
  EncryptFiles: { readonly jobId: string };
  DecryptFiles: { readonly jobId: string };
  CancelFileJob: { readonly cancelled: boolean };
  ShowInFolder: { readonly shown: boolean; readonly location?: string };
  GetSettings: AppSettings;
  ExportAudit: { readonly file: AddedFile; readonly records: number; readonly firstSeq: number | null; readonly lastSeq: number | null; readonly sha256: string } | { readonly cancelled: true };
  ImportAudit: { readonly imported: ReadonlyArray<{ readonly installationId: string; readonly label: string; readonly records: number; readonly added: number; readonly trust: string; readonly keyFingerprint: string }> };
  AuditPublicKey: { readonly PublicKey: string; readonly Fingerprint: string };
  QueryAuditWorkspace: AppOutputs['QueryAudit'];
  AuditSources: {
    readonly sources: ReadonlyArray<{
      readonly installationId: string;
      readonly label: string;
      readonly accountId: string;
      readonly region: string;
      readonly records: number;
      readonly firstTime: string | null;
      readonly lastTime: string | null;
      readonly keyFingerprint: string;
    }>;
  };
  SetEndpoint: AppSettings['endpoint'];
  CreateEndpointCredentials: { readonly AccessKeyId: string; readonly SecretAccessKey: string; readonly PrincipalArn: string };
  ListEndpointCredentials: { readonly AccessKeys: ReadonlyArray<{ readonly AccessKeyId: string; readonly PrincipalArn: string; readonly CreateDate: string; readonly Status: string }> };
  DeleteEndpointCredentials: { readonly deleted: true };
  ListCustodians: { readonly Custodians: ReadonlyArray<CustodianShape> };
  GetQuorumRule: { readonly Rule: QuorumRuleShape | null };
  ListXksKeyStores: { readonly XksKeyStores: ReadonlyArray<XksKeyStoreShape> };
  CreateXksKeyStore: { readonly UriPrefix: string; readonly XksProxyUriPath: string; readonly AccessKeyId: string; readonly SecretAccessKey: string };
  AddXksKey: { readonly KeyId: string };
  RemoveXksKey: { readonly KeyId: string };
  RotateXksCredentials: { readonly AccessKeyId: string; readonly SecretAccessKey: string; readonly ActiveAccessKeyIds: ReadonlyArray<string> };
  RetireXksCredential: { readonly AccessKeyId: string };
  SetUp: InstallationStatus;
  Unlock: InstallationStatus;
  SecretList: { readonly Secrets: ReadonlyArray<SecretShape> };
  SecretCreate: { readonly ARN: string; readonly Name: string };
  SecretReveal: { readonly Name: string; readonly VersionId: string; readonly SecretString?: string; readonly BinaryBytes?: number; readonly CreatedDate: string };
  SecretPutValue: { readonly VersionId: string };
  SecretDelete: { readonly DeletionDate: string };
  SecretRestore: { readonly restored: true };
};

/** A secret as the window lists it: never its value. */
export type SecretShape = {
  readonly ARN: string;
  readonly Name: string;
  readonly Description?: string;
  /** The customer key's ARN; absent for the managed aws/secretsmanager key. */
  readonly KmsKeyId?: string;
  readonly LastChangedDate: string;
  readonly LastAccessedDate?: string;
  /** When DeleteSecret was called; present while the secret awaits deletion. */
  readonly DeletedDate?: string;
  readonly Versions: number;
};

/** An external key store as the window sees it: ids and paths, never a secret. */
export type XksKeyStoreShape = {
  readonly UriPrefix: string;
  /** What AWS KMS's CreateCustomKeyStore takes as XksProxyUriPath. */
  readonly XksProxyUriPath: string;
  readonly CreationDate: string;
  readonly AccessKeyIds: ReadonlyArray<string>;
  readonly Keys: ReadonlyArray<{ readonly KeyId: string; readonly KeyArn: string; readonly AwsPrincipals?: ReadonlyArray<string> }>;
};

/** A custodian as the window sees it: no public key text, its fingerprint and the keys that name it. */
export type CustodianShape = {
  readonly Name: string;
  /** SHA256:<base64>, as ssh-keygen prints it. */
  readonly Fingerprint: string;
  readonly CreationDate: string;
  /** ARNs of the keys whose quorum rules name this custodian. */
  readonly KeyArns: ReadonlyArray<string>;
};

export type QuorumRuleShape = {
  readonly KeyArn: string;
  readonly Threshold: number;
  readonly Custodians: ReadonlyArray<string>;
  /** The operations the rule guards (besides changing the rule itself). */
  readonly GuardedOperations: ReadonlyArray<string>;
  readonly UpdatedDate: string;
};

export type AppInput<N extends AppOperationName> = Infer<(typeof appOperations)[N]['input']>;

/** What "Set up Strongroom" sends. */
export type SetUpRequest = AppInput<'SetUp'>;

/** The request schema of any bridge operation. */
export function bridgeInputSpec(name: BridgeOperationName): StructureSpec {
  return name in appOperations ? appOperations[name as AppOperationName].input : operations[name as OperationName].input;
}

export const appOperationNames = Object.keys(appOperations) as ReadonlyArray<AppOperationName>;
/** Every operation the bridge carries, in one list. */
export const bridgeOperationNames: ReadonlyArray<BridgeOperationName> = [...operationNames, ...appOperationNames];

export function isBridgeOperationName(name: string): name is BridgeOperationName {
  return (bridgeOperationNames as ReadonlyArray<string>).includes(name);
}

/** 'CreateKey' → 'createKey': the method name on window.strongroom. */
export function methodNameOf(name: BridgeOperationName): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** The IPC channel of one operation; the main process registers exactly these. */
export function channelOf(name: BridgeOperationName): string {
  return `strongroom:${name}`;
}

/** Channels outside the operation list: the preload's file intake and the progress push. */
export const ADD_PATHS_CHANNEL = 'strongroom:files:add-paths';
export const PICK_FILES_CHANNEL = 'strongroom:files:pick';
export const FILE_PROGRESS_CHANNEL = 'strongroom:files:progress';

type KmsMethods = {
  readonly [N in OperationName as Uncapitalize<N>]: (input?: OperationInput<N>) => Promise<BridgeResult<OperationOutput<N>>>;
};
type AppMethods = {
  readonly [N in AppOperationName as Uncapitalize<N>]: (input?: AppInput<N>) => Promise<BridgeResult<AppOutputs[N]>>;
};

/** The type of `window.strongroom`. */
export type StrongroomBridge = KmsMethods &
  AppMethods & {
    /** Files from a drop or an <input type=file>: the preload (or the browser bridge) turns them into ids. */
    readonly addFiles: (files: ReadonlyArray<File>) => Promise<BridgeResult<ReadonlyArray<AddedFile>>>;
    /** Files from the system's open dialog (Electron); browser mode answers that it has none. */
    readonly pickFiles: () => Promise<BridgeResult<ReadonlyArray<AddedFile>>>;
    /** Progress of file jobs; returns the unsubscribe function. */
    readonly onFileProgress: (listener: (progress: FileProgress) => void) => () => void;
  };

/** Every member window.strongroom has: the operations, then the three file members. */
export function bridgeMemberNames(): ReadonlyArray<string> {
  return [...bridgeOperationNames.map(methodNameOf), 'addFiles', 'pickFiles', 'onFileProgress'];
}
