// Error wording: every error the engine can answer, named in plain words, with the engine's own
// message (which already says what to fix) and, for a few, where in the app to look next.
// The AWS error name is kept too: it is what documentation, the CLI and the audit log show.

import type { KmsErrorName } from '../../../shared/api/errors.ts';

type ErrorLike = { readonly name: string; readonly message: string };

const PLAIN: Readonly<Record<KmsErrorName, string>> = {
  AccessDeniedException: 'Access denied',
  AlreadyExistsException: 'Already exists',
  ConflictException: 'Conflicts with another change',
  DisabledException: 'The key is disabled',
  KMSInvalidStateException: 'The key is not in a state that allows this',
  NotFoundException: 'Not found',
  DryRunOperationException: 'Dry run: this would have succeeded',
  ExpiredImportTokenException: 'The import token has expired',
  IncorrectKeyException: 'Wrong key',
  IncorrectKeyMaterialException: 'Wrong key material',
  InvalidAliasNameException: 'Invalid alias name',
  InvalidArnException: 'Invalid ARN',
  InvalidCiphertextException: 'The ciphertext cannot be decrypted',
  InvalidGrantIdException: 'Invalid grant ID',
  InvalidGrantTokenException: 'Invalid grant token',
  InvalidImportTokenException: 'Invalid import token',
  InvalidKeyUsageException: 'The key’s usage does not allow this',
  InvalidMarkerException: 'Invalid page marker',
  KMSInvalidMacException: 'The MAC does not match',
  KMSInvalidSignatureException: 'The signature is not valid',
  LimitExceededException: 'Limit reached',
  MalformedPolicyDocumentException: 'The policy is not valid',
  TagException: 'Invalid tags',
  UnsupportedOperationException: 'Not supported',
  CustomKeyStoreHasCMKsException: 'The custom key store still holds keys',
  CustomKeyStoreInvalidStateException: 'The custom key store is not in a state that allows this',
  CustomKeyStoreNameInUseException: 'A custom key store with that name exists',
  CustomKeyStoreNotFoundException: 'Custom key store not found',
  ResourceNotFoundException: 'Secret not found',
  ResourceExistsException: 'Already exists',
  InvalidRequestException: 'The secret is not in a state that allows this',
  InvalidParameterException: 'Invalid parameter',
  InvalidNextTokenException: 'Invalid page token',
  PreconditionNotMetException: 'A precondition is not met',
  PublicPolicyException: 'The policy would make the secret public',
  DecryptionFailure: 'The secret could not be decrypted',
  EncryptionFailure: 'The secret could not be encrypted',
  InternalServiceError: 'Something went wrong inside Strongroom',
  ValidationException: 'Invalid input',
  SerializationException: 'The request could not be read',
  NotAuthorizedException: 'Not authorized',
  UnknownOperationException: 'Unknown operation',
  ThrottlingException: 'Too many requests at once',
  KMSInternalException: 'Something went wrong inside Strongroom',
  KeyUnavailableException: 'The key is unavailable right now',
  DependencyTimeoutException: 'Timed out',
};

const HINTS: Readonly<Partial<Record<KmsErrorName, string>>> = {
  AccessDeniedException: 'The key policy, an identity policy or a grant must allow this. The policy simulator under Policies shows which statement decides.',
  DisabledException: 'Enable the key on its page to use it again.',
  ThrottlingException: 'Wait a moment and try again.',
  KeyUnavailableException: 'Try again in a moment.',
  DependencyTimeoutException: 'Try again in a moment.',
};

/** "Access denied" for AccessDeniedException; an unknown name is split into words. */
export function plainErrorName(name: string): string {
  if (Object.hasOwn(PLAIN, name)) {
    return PLAIN[name as KmsErrorName];
  }
  const words = name
    .replace(/Exception$|Error$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim();
  if (words === '') {
    return 'Error';
  }
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

export type ErrorWording = {
  /** The error in plain words: "Access denied". */
  readonly title: string;
  /** The engine's message, as it came. */
  readonly message: string;
  /** The AWS error name: "AccessDeniedException". */
  readonly code: string;
  readonly hint?: string;
};

/**
 * A refusal by a key's quorum rule (D25) reads "… needs M of N custodian approvals …": the policy
 * simulator cannot help there, and the window cannot carry approvals, so the hint says what can.
 */
export const QUORUM_HINT =
  'This key has a quorum rule, and this window cannot carry custodian approvals. Use the strongroom CLI: create a request with strongroom approval request, have the custodians sign it with strongroom approval sign, then run the same command with --approvals and their files. The key’s Quorum card lists the steps.';

export function isQuorumRefusal(error: ErrorLike): boolean {
  return error.name === 'AccessDeniedException' && /needs \d+ of \d+ custodian approvals/.test(error.message);
}

export function wordError(error: ErrorLike): ErrorWording {
  const hint = isQuorumRefusal(error) ? QUORUM_HINT : Object.hasOwn(HINTS, error.name) ? HINTS[error.name as KmsErrorName] : undefined;
  return {
    title: plainErrorName(error.name),
    message: error.message.trim(),
    code: error.name,
    ...(hint === undefined ? {} : { hint }),
  };
}

/**
 * A message split at backticks into text and code parts ("run `x` now" → text, code x, text).
 * An odd number of backticks is not markup: the message is one text part then.
 */
export function codeSpans(message: string): Array<{ readonly text: string; readonly code: boolean }> {
  const parts = message.split('`');
  if (parts.length % 2 === 0) {
    return [{ text: message, code: false }];
  }
  return parts.map((text, i) => ({ text, code: i % 2 === 1 })).filter((p) => p.text !== '');
}

/** One line: "Access denied: User: … is not authorized …". */
export function errorText(error: ErrorLike): string {
  const w = wordError(error);
  return w.message === '' ? w.title : `${w.title}: ${w.message}`;
}
