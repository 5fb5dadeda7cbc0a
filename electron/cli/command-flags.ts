// The flags of the commands that are not generated from the operation table (init, serve, ui,
// the file, audit, backup, ceremony and quorum commands …), with their types and limits: what
// `strongroom <command> --help` lists and what "did you mean" picks from. Loaded only for help
// and for a usage error, never by a command that runs.
//
// A test (test/cli/help.test.ts) runs each command with each flag listed here and fails when the
// command calls one of them unknown: a flag a command stops taking shows there.

// Limits kept by modules that go with the engine (the envelope's frame lengths, the audit query's
// page size), written out rather than imported: an import would make help load the engine's
// chunk, or split the envelope's modules into a chunk every file command then loads.
// test/cli/help.test.ts checks they are the same.
export const LIMITS = { defaultFrameLength: 256 * 1024, maxFrameLength: 16 * 1024 * 1024, maxAuditResults: 1000 } as const;

export type FlagDoc = {
  /** `--name`, or `<files…>` for words that are not flags. */
  readonly flag: string;
  /** The value's type or choices; absent for a switch. */
  readonly value?: string;
  readonly about: string;
  readonly required?: boolean;
};

const FORCE: FlagDoc = { flag: '--force', about: 'replace an existing output file (else it is kept and the command refuses)' };
const TIME = 'time: ISO 8601 (2026-11-23T10:00:00Z) or epoch seconds';
const OUT_FILE = (what: string): FlagDoc => ({ flag: '--out', value: 'file', about: what });
const APPROVALS: FlagDoc = { flag: '--approvals', value: 'file …', about: 'custodian approval files (approval sign), needed when the key has a quorum rule' };
const WORKSPACE_FILE: FlagDoc = { flag: '--workspace-file', value: 'file', about: 'the inspection workspace (default: in the data directory)' };
const TRUSTED: FlagDoc = { flag: '--trusted-public-key', value: 'file', about: 'the audit-signing public key (PEM) you kept off the machine: proof against a rewritten database' };
const USER_NAME: FlagDoc = { flag: '--user-name', value: 'string', about: 'the user’s name: 1–64 letters, digits and + = , . @ _ -', required: true };
const ROLE_NAME: FlagDoc = { flag: '--role-name', value: 'string', about: 'the role’s name: 1–64 letters, digits and + = , . @ _ -', required: true };
const POLICY_NAME: FlagDoc = { flag: '--policy-name', value: 'string', about: 'the identity policy’s name', required: true };
const POLICY_DOCUMENT: FlagDoc = { flag: '--policy-document', value: 'JSON or file://policy.json', about: 'an IAM policy document (no Principal)', required: true };

export const LOCAL_COMMAND_FLAGS: Readonly<Record<string, ReadonlyArray<FlagDoc>>> = {
  init: [
    { flag: '--root-key', value: 'keychain | passphrase', about: 'where the root key lives (default keychain: the OS keychain); passphrase: from --passphrase-file, $STRONGROOM_PASSPHRASE or a prompt, at least 8 characters' },
    { flag: '--region', value: 'string', about: 'the region in ARNs: lowercase words and a number joined by hyphens (default local-1)' },
    { flag: '--account-id', value: '12 digits', about: 'the account id in ARNs (default: random)' },
    { flag: '--developer', about: 'a developer installation, whose clock `dev clock advance` can move; fixed at creation' },
  ],
  status: [],
  'agent status': [],
  'agent stop': [],
  serve: [
    { flag: '--port', value: 'integer 0–65535', about: 'the port to listen on (default 8567; 0 picks a free one)' },
    { flag: '--host', value: 'address', about: 'the address to listen on (default 127.0.0.1)' },
    { flag: '--allow-remote', about: 'allow a --host that is not a loopback address (other machines can then connect; needs --tls-cert)' },
    { flag: '--tls-cert', value: 'file.pem', about: 'serve HTTPS with this certificate (chain); plain HTTP is served on loopback only' },
    { flag: '--tls-key', value: 'file.pem', about: 'the private key of --tls-cert' },
  ],
  'xks setup': [
    { flag: '--uri-prefix', value: '/path', about: 'where the store’s URIs start, e.g. /keystores/team-a (/ for none); XksProxyUriPath is it and /kms/xks/v1', required: true },
    { flag: '--config-out', value: 'file.json', about: 'also write the AWS KMS console’s XKS proxy configuration file (holds the secret; owner-only)' },
  ],
  'xks list': [],
  'xks add-key': [
    { flag: '--key-id', value: 'key', about: 'a SYMMETRIC_DEFAULT key (id, ARN or alias) to expose under its key id', required: true },
    { flag: '--uri-prefix', value: '/path', about: 'the store’s URI prefix (XksProxyUriPath is it and /kms/xks/v1); may be left out when there is one store' },
    { flag: '--aws-principal', value: 'arn …', about: 'only requests for these AWS principals (requestMetadata.awsPrincipalArn) may use the key' },
  ],
  'xks remove-key': [
    { flag: '--key-id', value: 'key', about: 'the key to stop exposing', required: true },
    { flag: '--uri-prefix', value: '/path', about: 'the store’s URI prefix (XksProxyUriPath is it and /kms/xks/v1); may be left out when there is one store' },
  ],
  'xks rotate-credentials': [
    { flag: '--config-out', value: 'file.json', about: 'also write the AWS KMS console’s XKS proxy configuration file for the new credential (owner-only)' },{ flag: '--uri-prefix', value: '/path', about: 'the store’s URI prefix (XksProxyUriPath is it and /kms/xks/v1); may be left out when there is one store' }],
  'xks retire-credential': [{ flag: '--access-key-id', value: 'id', about: 'the credential AWS KMS no longer uses', required: true }],
  'xks delete': [{ flag: '--uri-prefix', value: '/path', about: 'the store to delete (its credentials and exposures; the keys stay)', required: true }],
  ui: [
    { flag: '--port', value: 'integer 0–65535', about: 'the port to listen on, on 127.0.0.1 (default 0: a free one)' },
    { flag: '--output-dir', value: 'folder', about: 'where files encrypted or decrypted in the page go (default ~/Strongroom files)' },
    { flag: '--no-open', about: 'print the address only; do not open a browser' },
    { flag: '--renderer-dir', value: 'folder', about: 'the built pages to serve (default out/renderer, made by npm run build)' },
  ],
  'create-access-key': [{ flag: '--principal', value: 'root | <user> | role/<name>', about: 'who requests signed with the key act as', required: true }],
  'list-access-keys': [],
  'delete-access-key': [{ flag: '--access-key-id', value: 'AKIA…', about: 'the access key to delete', required: true }],
  'encrypt-file': [
    { flag: '<files…>', value: 'paths', about: 'one or more files; each is written to <file>.strongroom', required: true },
    { flag: '--key-id', value: 'key …', about: 'KMS keys of this installation (id, ARN or alias); any one opens the file. With neither this nor --recipient-public-key: the managed default key alias/aws/strongroom-files' },
    { flag: '--recipient-public-key', value: 'file.json …', about: 'the JSON `get-public-key` prints for someone else’s RSA ENCRYPT_DECRYPT key' },
    { flag: '--encryption-context', value: 'k=v,k2=v2 or JSON', about: 'stored in the file and bound to it; keys starting aws-crypto- are reserved' },
    { flag: '--output-dir', value: 'folder', about: 'where outputs go (default: beside each file); made, owner-only, when missing' },
    { flag: '--no-signing', about: 'algorithm suite 0x0478 (no ECDSA signature) instead of 0x0578' },
    { flag: '--frame-length', value: `integer 1–${LIMITS.maxFrameLength}`, about: `plaintext bytes per frame (default ${LIMITS.defaultFrameLength})` },
    FORCE,
  ],
  'decrypt-file': [
    { flag: '<files…>', value: 'paths', about: 'one or more .strongroom (or AWS Encryption SDK) files', required: true },
    { flag: '--output-dir', value: 'folder', about: 'where outputs go (default: beside each file); made, owner-only, when missing' },
    FORCE,
  ],
  'export-key': [
    { flag: '--key-id', value: 'key', about: 'an exportable key (id, ARN or alias)', required: true },
    { flag: '--wrapping-public-key', value: 'file', about: 'AWS KMS GetParametersForImport’s public key: base64 text or DER', required: true },
    { flag: '--wrapping-algorithm', value: 'RSAES_OAEP_SHA_1 | RSAES_OAEP_SHA_256 | RSA_AES_KEY_WRAP_SHA_1 | RSA_AES_KEY_WRAP_SHA_256', about: 'as given to GetParametersForImport', required: true },
    { flag: '--import-token', value: 'file', about: 'GetParametersForImport’s import token, passed through', required: true },
    { flag: '--key-material-id', value: 'string', about: 'an older key material of the key (default: the current one)' },
    OUT_FILE('write the wrapped material here (for fileb://) instead of printing it'),
    FORCE,
    APPROVALS,
  ],
  'create-user': [USER_NAME],
  'create-role': [ROLE_NAME],
  'list-users': [],
  'list-roles': [],
  'delete-user': [USER_NAME],
  'delete-role': [ROLE_NAME],
  'put-user-policy': [USER_NAME, POLICY_NAME, POLICY_DOCUMENT],
  'put-role-policy': [ROLE_NAME, POLICY_NAME, POLICY_DOCUMENT],
  'get-user-policy': [USER_NAME, POLICY_NAME],
  'get-role-policy': [ROLE_NAME, POLICY_NAME],
  'list-user-policies': [USER_NAME],
  'list-role-policies': [ROLE_NAME],
  'delete-user-policy': [USER_NAME, POLICY_NAME],
  'delete-role-policy': [ROLE_NAME, POLICY_NAME],
  'audit query': [
    { flag: '--start-time', value: TIME, about: 'records at or after this time' },
    { flag: '--end-time', value: TIME, about: 'records before this time' },
    { flag: '--event-name', value: 'string, 1–128 letters and digits', about: 'one operation (Decrypt, CreateKey …)' },
    { flag: '--key-id', value: 'key id, ARN, alias or alias ARN (up to 2048)', about: 'an alias means the key it named at each record’s time' },
    { flag: '--principal', value: 'ARN, user or role name, or root (up to 2048)', about: 'who made the call' },
    { flag: '--error-code', value: 'string, 1–128', about: 'one error (AccessDeniedException …)' },
    { flag: '--outcome', value: 'success | failure', about: 'only successes or only failures' },
    { flag: '--request-id', value: 'string, 1–128', about: 'one request' },
    { flag: '--max-results', value: `integer 1–${LIMITS.maxAuditResults}`, about: 'records per page (default 100)' },
    { flag: '--next-token', value: 'string, 1–1024', about: 'the page after the one that printed it' },
    { flag: '--workspace', about: 'query the imported logs of the inspection workspace instead' },
    { flag: '--installation', value: 'id or label (up to 128)', about: 'with --workspace: one imported installation' },
    WORKSPACE_FILE,
  ],
  'audit list': [
    { flag: '--limit', value: `integer 1–${LIMITS.maxAuditResults}`, about: 'how many of the newest records (default 20)' },
    { flag: '--event-name', value: 'string, 1–128 letters and digits', about: 'one operation' },
    { flag: '--errors-only', about: 'only failed calls' },
  ],
  'audit verify': [
    TRUSTED,
    { flag: '--checkpoints', value: 'file', about: 'checkpoints kept off the machine (audit checkpoints --out)' },
    { flag: '--from-export', value: 'file', about: 'verify an export file instead of the installation' },
  ],
  'audit public-key': [OUT_FILE('also write the PEM here')],
  'audit checkpoint': [OUT_FILE('also write the signed checkpoint here')],
  'audit checkpoints': [OUT_FILE('write every signed checkpoint here')],
  'audit export': [
    { ...OUT_FILE('the export file (.gz implies --gzip)'), required: true },
    { flag: '--format', value: 'jsonl | cloudtrail', about: 'records one per line (default) or CloudTrail’s shape' },
    { flag: '--gzip', about: 'compress the export' },
    { flag: '--start-time', value: TIME, about: 'records at or after this time' },
    { flag: '--end-time', value: TIME, about: 'records before this time' },
    FORCE,
  ],
  'audit import': [
    { flag: '<files…>', value: 'paths', about: 'export files of other installations', required: true },
    TRUSTED,
    { flag: '--label', value: 'string', about: 'a name for the imported installation' },
    WORKSPACE_FILE,
  ],
  'audit sources': [WORKSPACE_FILE],
  'audit archive': [
    { flag: '--before', value: TIME, about: 'archive and prune the records older than this', required: true },
    { ...OUT_FILE('the archive file (.gz implies --gzip)'), required: true },
    { flag: '--format', value: 'jsonl | cloudtrail', about: 'as audit export' },
    { flag: '--gzip', about: 'compress the archive' },
    FORCE,
  ],
  'custodian keygen': [
    { flag: '--name', value: 'string', about: 'the custodian’s name', required: true },
    { ...OUT_FILE('the private key (PKCS#8 PEM, mode 0600)'), required: true },
    { flag: '--public-out', value: 'file', about: 'also write the public key (PEM)' },
    FORCE,
  ],
  'custodian add': [
    { flag: '--name', value: 'string', about: 'the custodian’s name', required: true },
    { flag: '--public-key', value: 'file', about: 'their Ed25519 public key (PEM SPKI)', required: true },
  ],
  'custodian list': [],
  'custodian remove': [{ flag: '--name', value: 'string', about: 'the custodian to remove', required: true }],
  'quorum set': [
    { flag: '--key-id', value: 'key', about: 'the key the rule guards', required: true },
    { flag: '--threshold', value: 'integer ≥ 1, at most the number of custodians', about: 'M: approvals needed', required: true },
    { flag: '--custodians', value: 'a,b,c', about: 'registered custodians’ names', required: true },
    APPROVALS,
  ],
  'quorum show': [{ flag: '--key-id', value: 'key', about: 'the key', required: true }],
  'quorum clear': [{ flag: '--key-id', value: 'key', about: 'the key', required: true }, { ...APPROVALS, required: true }],
  'approval request': [
    { flag: '<Operation>', value: 'ScheduleKeyDeletion | PutKeyPolicy | DisableKey | ExportKeyMaterial | SetQuorumRule | ClearQuorumRule', about: 'the operation to approve', required: true },
    { flag: '--input', value: 'JSON object', about: 'the operation’s exact input, with its KeyId', required: true },
    { ...OUT_FILE('the request file custodians sign'), required: true },
    { flag: '--expires-in', value: 'duration, at most 7d', about: 'how long approvals stay valid (1h, 12h, 2d)' },
    FORCE,
  ],
  'approval sign': [
    { flag: '--request', value: 'file', about: 'the request file', required: true },
    { flag: '--key', value: 'file', about: 'the custodian’s private key (custodian keygen)', required: true },
    { ...OUT_FILE('the approval file'), required: true },
    { flag: '--yes', about: 'sign without asking (no terminal)' },
    FORCE,
  ],
  'approval show': [{ flag: '<file>', value: 'path', about: 'a request or approval file', required: true }],
  'backup create': [
    { flag: '--shares', value: 'integer 2–255', about: 'N: share files to write', required: true },
    { flag: '--threshold', value: 'integer 2–N', about: 'M: shares that restore the backup', required: true },
    { ...OUT_FILE('the encrypted backup; shares go beside it as <out>.share-<i>-of-<N>.<ext>'), required: true },
    { flag: '--share-dir', value: 'folder', about: 'write the shares here instead' },
    { flag: '--share-format', value: 'words | qr-svg | qr-png | json', about: 'how shares are written (default words)' },
    { flag: '--encrypt-share-to', value: 'i=custodian.pub.pem …', about: 'seal share i to a custodian’s Ed25519 or X25519 public key' },
    { flag: '--share-passphrase-file', value: 'i=file …', about: 'seal share i to the passphrase in a file' },
  ],
  'backup verify': [
    { flag: '--in', value: 'file', about: 'the backup', required: true },
    { flag: '--share', value: 'file …', about: 'at least M share files', required: true },
  ],
  'backup restore': [
    { flag: '--in', value: 'file', about: 'the backup', required: true },
    { flag: '--share', value: 'file …', about: 'at least M share files', required: true },
    { flag: '--root-key', value: 'keychain | passphrase', about: 'where the restored root key goes (default keychain)' },
  ],
  'backup decrypt-share': [
    { flag: '--in', value: 'file', about: 'the sealed share (.sealed.json)', required: true },
    { flag: '--key', value: 'file', about: 'the custodian’s private key (PEM), or give --passphrase-file' },
    { flag: '--passphrase-file', value: 'file', about: 'the share’s passphrase, or give --key' },
    OUT_FILE('write the share here instead of printing it'),
    { flag: '--format', value: 'words | json', about: 'the written share’s form (default words)' },
  ],
  'ceremony run': [
    { flag: '--plan', value: 'file', about: 'the ceremony plan (JSON)', required: true },
    { flag: '--out-dir', value: 'folder', about: 'where the transcript, public keys and shares go', required: true },
    { flag: '--yes', about: 'no terminal: confirm every step (needs the re-entries below)' },
    { flag: '--reentered-share', value: 'name=file …', about: 'with --yes: each custodian’s re-entered share' },
    { flag: '--custodian-key', value: 'name=file …', about: 'with --yes: each custodian’s private key, for sealed shares' },
    { flag: '--answers', value: 'file', about: 'with --yes: the re-entries and keys as one JSON file' },
    { flag: '--existing', about: 'open the installation in --data-dir instead of creating one' },
  ],
  'ceremony verify-transcript': [
    { flag: '--transcript', value: 'file', about: 'transcript.json', required: true },
    { flag: '--from-export', value: 'file', about: 'check against an audit export instead of --data-dir' },
    TRUSTED,
    { flag: '--plan', value: 'file', about: 'the plan reviewed before the ceremony: must match the transcript’s' },
  ],
  'dev clock show': [],
  'dev clock advance': [{ flag: '<duration>', value: 'whole numbers with units w d h m s (366d, 12h, 1d12h)', about: 'how far to move the clock forward', required: true }],
};

/** The flag docs of a command ("audit query"), or of every subcommand of a group ("audit"). */
export function flagDocsFor(command: string): ReadonlyArray<FlagDoc> | null {
  if (Object.hasOwn(LOCAL_COMMAND_FLAGS, command)) {
    return LOCAL_COMMAND_FLAGS[command] ?? null;
  }
  const members = Object.entries(LOCAL_COMMAND_FLAGS).filter(([name]) => name.startsWith(`${command} `));
  return members.length === 0 ? null : members.flatMap(([, docs]) => docs);
}

/** The lines that list flags under "Flags:", as an operation's are listed: the flag, then its type and what it does. */
export function flagLines(docs: ReadonlyArray<FlagDoc>): Array<string> {
  return docs.map((d) => `  ${d.flag.padEnd(42)} ${d.required === true ? '(required) ' : ''}${d.value ?? 'switch'}: ${d.about}`);
}
