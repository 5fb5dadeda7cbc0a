// Contracts between the endpoint's parts, fixed first so they can be built side by side.


/** An incoming HTTP request as the SigV4 check sees it: nothing read from it yet is trusted. */
export type SignedRequest = {
  readonly method: string;
  /** The request path without the query string, e.g. '/'. */
  readonly path: string;
  /** The raw query string without '?', '' when none. */
  readonly query: string;
  /** Header names lower-cased; repeated headers joined with ','. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
};

export type { AccessKeyLookup } from '../kms/iam/access-keys.ts';

/** The authentication errors AWS answers before any operation runs. */
export type AuthErrorName =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException';

export class AuthError extends Error {
  readonly errorName: AuthErrorName;
  /** The access key id the request claimed, when it could be read (for logs; never trusted). */
  readonly claimedAccessKeyId: string | null;
  constructor(errorName: AuthErrorName, message: string, claimedAccessKeyId: string | null = null) {
    super(message);
    this.name = errorName;
    this.errorName = errorName;
    this.claimedAccessKeyId = claimedAccessKeyId;
  }
}
