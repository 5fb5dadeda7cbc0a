// Error names and HTTP statuses exactly as AWS KMS uses them (docs/aws-kms.md §1.4). Shared by the
// engine (typed error classes), the HTTP endpoint (status codes), the CLI (exit codes) and the
// bridge ({ name, message }), so the table exists once.

// Every client fault is 400, as AWS KMS sends them (issue 21: responses recorded against AWS;
// also AWS SDK debug logs, e.g. NotFoundException and DisabledException with status code 400).
// The Smithy model's httpError traits (404, 409, 412) are its awsQuery-compatibility codes, not
// what the JSON endpoint answers. Server faults keep 500/503, which SDKs retry.
export const errorHttpStatus = {
  // Modeled client errors.
  AlreadyExistsException: 400,
  ConflictException: 400,
  DisabledException: 400,
  KMSInvalidStateException: 400,
  NotFoundException: 400,
  DryRunOperationException: 400,
  ExpiredImportTokenException: 400,
  IncorrectKeyException: 400,
  IncorrectKeyMaterialException: 400,
  InvalidAliasNameException: 400,
  InvalidArnException: 400,
  InvalidCiphertextException: 400,
  InvalidGrantIdException: 400,
  InvalidGrantTokenException: 400,
  InvalidImportTokenException: 400,
  InvalidKeyUsageException: 400,
  InvalidMarkerException: 400,
  KMSInvalidMacException: 400,
  KMSInvalidSignatureException: 400,
  LimitExceededException: 400,
  MalformedPolicyDocumentException: 400,
  TagException: 400,
  UnsupportedOperationException: 400,
  CustomKeyStoreHasCMKsException: 400,
  CustomKeyStoreInvalidStateException: 400,
  CustomKeyStoreNameInUseException: 400,
  CustomKeyStoreNotFoundException: 400,
  // Secrets Manager's modeled errors (secretsmanager 2017-10-17), on the same endpoint.
  ResourceNotFoundException: 400,
  ResourceExistsException: 400,
  InvalidRequestException: 400,
  InvalidParameterException: 400,
  InvalidNextTokenException: 400,
  PreconditionNotMetException: 400,
  PublicPolicyException: 400,
  DecryptionFailure: 400,
  EncryptionFailure: 400,
  InternalServiceError: 500,
  // Unmodeled errors every AWS JSON service may return.
  ValidationException: 400,
  SerializationException: 400,
  AccessDeniedException: 400,
  NotAuthorizedException: 400,
  UnknownOperationException: 400,
  ThrottlingException: 400,
  // Server faults (retryable).
  KMSInternalException: 500,
  KeyUnavailableException: 500,
  DependencyTimeoutException: 503,
} as const;

export type KmsErrorName = keyof typeof errorHttpStatus;

export const kmsErrorNames = Object.keys(errorHttpStatus) as ReadonlyArray<KmsErrorName>;

export function isKmsErrorName(name: string): name is KmsErrorName {
  return Object.hasOwn(errorHttpStatus, name);
}

/** What crosses a process or network boundary when an operation fails. */
export type ErrorShape = {
  readonly name: KmsErrorName;
  readonly message: string;
};
