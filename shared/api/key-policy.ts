// AWS's default key policy: what the engine stores when CreateKey has no Policy, and what the
// app's create-key wizard shows as its "Default" template. One definition for both. No Node and
// no DOM APIs here.

/** The default key policy for `accountId`, as JSON text (2-space indented, as AWS returns it). */
export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    },
    null,
    2,
  );
}
