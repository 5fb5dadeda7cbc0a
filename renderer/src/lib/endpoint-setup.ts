// The lines Settings prints to point AWS clients at the local endpoint (issue 23). They must work
// with the clients people have: Debian's AWS CLI 2.9 and boto3 1.26 read neither
// AWS_ENDPOINT_URL_KMS nor a profile's endpoint_url (both came in 2023: AWS CLI 2.13, boto3 1.28),
// and boto3 ignores AWS_REGION (only AWS_DEFAULT_REGION or region_name). So the first form names
// the endpoint on every call (--endpoint-url, endpoint_url=), which every version honours; the
// profile form keeps region and endpoint_url in ~/.aws/config for current clients, and still
// passes --endpoint-url for older ones. test/interop/endpoint-setup.test.ts runs these very lines.

export type EndpointSetupInput = {
  readonly url: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The region clients sign for; the endpoint accepts any. */
  readonly region: string;
  /** The profile name for the ~/.aws files. */
  readonly profile: string;
};

export type EndpointSetup = {
  /** Shell lines for the AWS CLI, any version: credentials and region in the environment, the endpoint on the command. */
  readonly shell: string;
  /** A Python snippet for boto3, any version. */
  readonly python: string;
  /** Lines to add to ~/.aws/config. */
  readonly config: string;
  /** Lines to add to ~/.aws/credentials. */
  readonly credentials: string;
  /** The AWS CLI with that profile, for versions that read endpoint_url from it (2.13 and later). */
  readonly profileCommand: string;
  /** The same for older versions (Debian's 2.9), which need the endpoint on the command. */
  readonly profileCommandOlder: string;
  /** boto3 with that profile (1.28 and later read endpoint_url from it). */
  readonly profilePython: string;
  /** The same for older boto3 (Debian's 1.26). */
  readonly profilePythonOlder: string;
};

const pyString = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function endpointSetup(input: EndpointSetupInput): EndpointSetup {
  const { url, accessKeyId, secretAccessKey, region, profile } = input;
  return {
    shell: [
      `export AWS_ACCESS_KEY_ID=${accessKeyId}`,
      `export AWS_SECRET_ACCESS_KEY=${secretAccessKey}`,
      `export AWS_DEFAULT_REGION=${region}`,
      `aws kms list-keys --endpoint-url ${url}`,
    ].join('\n'),
    python: [
      'import boto3',
      `kms = boto3.client('kms', endpoint_url=${pyString(url)}, region_name=${pyString(region)},`,
      `                   aws_access_key_id=${pyString(accessKeyId)}, aws_secret_access_key=${pyString(secretAccessKey)})`,
      "print(kms.list_keys()['Keys'])",
    ].join('\n'),
    config: [`[profile ${profile}]`, `region = ${region}`, `endpoint_url = ${url}`].join('\n'),
    credentials: [`[${profile}]`, `aws_access_key_id = ${accessKeyId}`, `aws_secret_access_key = ${secretAccessKey}`].join('\n'),
    profileCommand: `aws --profile ${profile} kms list-keys`,
    profileCommandOlder: `aws --profile ${profile} kms list-keys --endpoint-url ${url}`,
    profilePython: ['import boto3', `kms = boto3.Session(profile_name=${pyString(profile)}).client('kms')`, "print(kms.list_keys()['Keys'])"].join('\n'),
    profilePythonOlder: [
      'import boto3',
      `kms = boto3.Session(profile_name=${pyString(profile)}).client('kms', endpoint_url=${pyString(url)})`,
      "print(kms.list_keys()['Keys'])",
    ].join('\n'),
  };
}
