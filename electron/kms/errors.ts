// Typed errors inside the engine. Each AWS error name is a class, so callers can
// `instanceof` them and the surfaces (CLI, HTTP, bridge) turn any of them into
// { name, message } and a status code from the one table in shared/api/errors.ts.
//
// A message says what is wrong in the engine's own terms, never how one surface spells it (a CLI
// flag, a button). An error about particular inputs names them in `inputs`, as the engine's API
// names them (`out`, `shareDir`, `threshold`); a surface that knows how the user gave those inputs
// adds its own hint with withHint() (electron/cli/hints.ts names the CLI's flags).

import { basename, dirname, join } from 'node:path';
import { errorHttpStatus, type ErrorShape, type KmsErrorName } from '../../shared/api/errors.ts';

export type KmsErrorOptions = {
  readonly cause?: unknown;
  /** The inputs the error is about, as the engine's API names them. */
  readonly inputs?: readonly string[];
  /** Why a policy refused the call (AccessDeniedException only). */
  readonly denial?: Denial;
};

/**
 * Why a policy refused a call, beyond AWS's message (which names neither the key's alias nor the
 * statement): the CLI and the window show it; the endpoint keeps AWS's words alone.
 */
export type Denial = {
  /** The key the refusal is about, when the resource is a key. */
  readonly keyArn: string | null;
  /** The key's aliases ('alias/finance'), sorted; empty when it has none. */
  readonly aliases: readonly string[];
  /** The evaluation's own words: "Denied by the key policy's Statement[1] (Sid 'NoDecrypt')." */
  readonly explanation: string;
};

export class KmsError extends Error {
  declare readonly name: KmsErrorName;
  readonly inputs: readonly string[];
  readonly denial: Denial | undefined;
  constructor(name: KmsErrorName, message: string, options?: KmsErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, 'name', { value: name, enumerable: false });
    this.inputs = options?.inputs ?? [];
    this.denial = options?.denial;
  }
  get httpStatus(): number {
    return errorHttpStatus[this.name];
  }
  toShape(): ErrorShape {
    return { name: this.name, message: this.message };
  }
  /**
   * The same error (same class, name, inputs and cause) with a surface's hint after the engine's
   * message: `<message> (<hint>)`.
   */
  withHint(hint: string): KmsError {
    const hinted = new KmsError(this.name, `${this.message} (${hint})`, { cause: this.cause, inputs: this.inputs, ...(this.denial === undefined ? {} : { denial: this.denial }) });
    return Object.setPrototypeOf(hinted, Object.getPrototypeOf(this)) as KmsError;
  }
}

function errorClass<N extends KmsErrorName>(name: N): new (message: string, options?: KmsErrorOptions) => KmsError & { readonly name: N } {
  const cls = class extends KmsError {
    constructor(message: string, options?: KmsErrorOptions) {
      super(name, message, options);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls as unknown as new (message: string, options?: KmsErrorOptions) => KmsError & { readonly name: N };
}

export const AlreadyExistsException = errorClass('AlreadyExistsException');
export const ConflictException = errorClass('ConflictException');
export const DisabledException = errorClass('DisabledException');
export const KMSInvalidStateException = errorClass('KMSInvalidStateException');
export const NotFoundException = errorClass('NotFoundException');
export const DryRunOperationException = errorClass('DryRunOperationException');
export const IncorrectKeyException = errorClass('IncorrectKeyException');
export const InvalidAliasNameException = errorClass('InvalidAliasNameException');
export const InvalidArnException = errorClass('InvalidArnException');
export const InvalidCiphertextException = errorClass('InvalidCiphertextException');
export const InvalidGrantIdException = errorClass('InvalidGrantIdException');
export const InvalidGrantTokenException = errorClass('InvalidGrantTokenException');
export const InvalidKeyUsageException = errorClass('InvalidKeyUsageException');
export const InvalidMarkerException = errorClass('InvalidMarkerException');
export const LimitExceededException = errorClass('LimitExceededException');
export const MalformedPolicyDocumentException = errorClass('MalformedPolicyDocumentException');
export const TagException = errorClass('TagException');
export const UnsupportedOperationException = errorClass('UnsupportedOperationException');
export const ValidationException = errorClass('ValidationException');
export const SerializationException = errorClass('SerializationException');
export const AccessDeniedException = errorClass('AccessDeniedException');
export const NotAuthorizedException = errorClass('NotAuthorizedException');
export const KMSInternalException = errorClass('KMSInternalException');
export const ExpiredImportTokenException = errorClass('ExpiredImportTokenException');
export const InvalidImportTokenException = errorClass('InvalidImportTokenException');
export const IncorrectKeyMaterialException = errorClass('IncorrectKeyMaterialException');
export const KMSInvalidSignatureException = errorClass('KMSInvalidSignatureException');
export const KMSInvalidMacException = errorClass('KMSInvalidMacException');
export const CustomKeyStoreHasCMKsException = errorClass('CustomKeyStoreHasCMKsException');
export const CustomKeyStoreInvalidStateException = errorClass('CustomKeyStoreInvalidStateException');
export const CustomKeyStoreNameInUseException = errorClass('CustomKeyStoreNameInUseException');
export const CustomKeyStoreNotFoundException = errorClass('CustomKeyStoreNotFoundException');
// Secrets Manager's errors (electron/kms/secrets/).
export const ResourceNotFoundException = errorClass('ResourceNotFoundException');
export const ResourceExistsException = errorClass('ResourceExistsException');
export const InvalidRequestException = errorClass('InvalidRequestException');
export const InvalidParameterException = errorClass('InvalidParameterException');
export const InvalidNextTokenException = errorClass('InvalidNextTokenException');
export const PublicPolicyException = errorClass('PublicPolicyException');
export const DecryptionFailure = errorClass('DecryptionFailure');
export const EncryptionFailure = errorClass('EncryptionFailure');

/**
 * The machine's failures (the disk, the file system, SQLite's view of them) in words the user can
 * act on, by error code (Node's errno codes, better-sqlite3's SQLite codes): issue 22, finding 11.
 */
export const MACHINE_CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full; free some space and try again',
  EDQUOT: 'your disk quota is used up; free some space and try again',
  EIO: 'the disk reported an input/output error',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many files are open',
  ENFILE: 'too many files are open on this machine',
  SQLITE_FULL: 'the disk is full; free some space and try again',
  SQLITE_IOERR: 'the disk reported an input/output error',
  SQLITE_READONLY: 'the database cannot be written (read-only file or file system)',
};

function machineCause(code: string): string | undefined {
  // SQLite's extended codes (SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC, …) share their primary's words.
  return MACHINE_CAUSES[code] ?? MACHINE_CAUSES[code.replace(/^(SQLITE_[A-Z]+)_[A-Z_]+$/, '$1')];
}

/** The file a staging file (storage/atomic-file.ts: `.<name>.<12 hex>.partial`) becomes; any other path as it is. */
function targetOf(path: string): string {
  const staged = /^\.(.+)\.[0-9a-f]{12}\.partial$/.exec(basename(path));
  return staged?.[1] === undefined ? path : join(dirname(path), staged[1]);
}

/** Anything thrown inside an operation becomes a KmsError; unknown faults become KMSInternalException. */
export function toKmsError(err: unknown): KmsError {
  if (err instanceof KmsError) {
    return err;
  }
  const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
  const cause = typeof code === 'string' ? machineCause(code) : undefined;
  if (cause !== undefined) {
    const path = (err as NodeJS.ErrnoException).path;
    const what = typeof path === 'string' ? `Cannot write ${targetOf(path)}` : 'The operation was not completed';
    return new KMSInternalException(`${what}: ${cause} (${code}).`, { cause: err });
  }
  return new KMSInternalException('An internal error occurred. The operation was not completed.', {
    cause: err,
  });
}

/**
 * Errors about the installation itself (root key, data directory) rather than one request.
 * They stop the engine from opening; the CLI prints them and exits 1.
 */
export type InstallationProblem =
  | 'NotInitialized'
  | 'AlreadyInitialized'
  | 'RootKeyMissing'
  | 'RootKeyMismatch'
  | 'RootKeyUnavailable'
  | 'WrongPassphrase'
  | 'ProviderNotAllowed'
  | 'UnsupportedSchema'
  /** The data folder cannot be made private to its owner (store/private-dir.ts). */
  | 'DataDirNotPrivate';

export class InstallationError extends Error {
  readonly problem: InstallationProblem;
  constructor(problem: InstallationProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InstallationError';
    this.problem = problem;
  }
}
