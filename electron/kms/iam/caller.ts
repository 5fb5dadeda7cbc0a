// Who is calling. Every surface builds one of these (the CLI and the app act as the installation
// owner unless told otherwise; the HTTP endpoint maps an access key to a principal) and the
// engine passes it to authorization and to the audit record's userIdentity.

/**
 * 'AWSService': AWS KMS itself calling the XKS proxy API with a logical key store's credential
 * (the AWS principal it acts for is in the request's requestMetadata, not here).
 */
export type CallerType = 'Root' | 'IAMUser' | 'AssumedRole' | 'AWSService';

export type Caller = {
  readonly type: CallerType;
  /** Principal ARN, e.g. arn:aws:iam::<account>:root or arn:aws:iam::<account>:user/alice. */
  readonly arn: string;
  /** The principal's unique id (AIDA…/AROA…); absent for the account root. */
  readonly principalId?: string;
  readonly accessKeyId?: string;
  /** CloudTrail sourceIPAddress: the peer address for the endpoint, 'localhost' for the CLI/app. */
  readonly sourceIp: string;
  /** CloudTrail userAgent, e.g. 'strongroom-cli/0.1.0'. */
  readonly userAgent: string;
};

export function ownerCaller(accountId: string, userAgent: string): Caller {
  return { type: 'Root', arn: `arn:aws:iam::${accountId}:root`, sourceIp: 'localhost', userAgent };
}
