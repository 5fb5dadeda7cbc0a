// `strongroom --help` and `strongroom <command> --help`, generated from the operation table so
// a new operation documents itself.

import { KEY_SPECS, operationNames, operations, type OperationName } from '../../shared/api/operations.ts';
import type { Spec } from '../../shared/api/schema.ts';
import { SUPPORTED_KEY_SPECS } from '../kms/crypto/key-specs.ts';
import type { FlagDoc } from './command-flags.ts';
import { kebab } from './names.ts';
import { operationFlags } from './params.ts';
import { QUORUM_GUARDED } from '../kms/quorum/quorum.ts';

const GROUPS: ReadonlyArray<{ title: string; match: RegExp }> = [
  { title: 'Aliases', match: /Alias/ },
  { title: 'Tags', match: /Tag/ },
  { title: 'Cryptography', match: /^(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|GenerateRandom|Sign|Verify|GenerateMac|VerifyMac|DeriveSharedSecret|GetPublicKey)/ },
  { title: 'Keys', match: /Key/ },
];

export const LOCAL_COMMANDS: ReadonlyArray<{ usage: string; summary: string }> = [
  { usage: 'secretsmanager <operation> [flags]', summary: 'Secrets Manager, as `aws secretsmanager`: create-secret, get-secret-value, put-secret-value, list-secrets, delete-secret, restore-secret, … (strongroom secretsmanager --help lists them). Values are encrypted under the managed aws/secretsmanager key or --kms-key-id.' },
  { usage: 'init [--root-key keychain|passphrase] [--region r] [--account-id 123456789012] [--developer]', summary: 'Creates an installation: a new root key, an account id and a region. --developer allows time travel.' },
  { usage: 'status', summary: 'Where the root key lives, whether it unlocks, and what the installation holds.' },
  { usage: 'agent status  |  agent stop', summary: 'The installation\'s agent: a KMS call that opens the installation itself starts one in the background, and later calls go through it instead of starting the engine (and, for a passphrase installation, running the KDF) again, until 10 minutes without a call (STRONGROOM_AGENT_IDLE_SECONDS), 2 hours in all, or agent stop. STRONGROOM_AGENT=off neither starts nor uses one.' },
  { usage: 'serve [--port 8567] [--host 127.0.0.1] [--allow-remote] [--tls-cert f.pem --tls-key f.pem]', summary: 'Runs the AWS-compatible endpoint (AWS JSON 1.1, SigV4) for the AWS CLI and SDKs, and beside it the XKS proxy API for AWS KMS external key stores (strongroom xks). HTTPS with --tls-cert and --tls-key; plain HTTP only on loopback.' },
  { usage: 'xks setup --uri-prefix </path> [--config-out f.json]', summary: 'Creates an external key store for AWS KMS (XKS proxy API) at a URI prefix; prints XksProxyUriPath and a SigV4 credential, the secret once (--config-out also writes the AWS KMS console’s configuration file).' },
  { usage: 'xks add-key --key-id <key> [--uri-prefix p] [--aws-principal arn …]  |  xks remove-key --key-id <key> [--uri-prefix p]', summary: 'Exposes (or stops exposing) a symmetric key to the store under its key id, the XksKeyId for CreateKey; nothing is exposed by default.' },
  { usage: 'xks list', summary: 'The external key stores: URI paths, active credential ids (never secrets), exposed keys.' },
  { usage: 'xks rotate-credentials [--uri-prefix p] [--config-out f.json]  |  xks retire-credential --access-key-id id', summary: 'Adds a second credential (old and new both work), then, once AWS KMS uses the new one (UpdateCustomKeyStore), retires the old.' },
  { usage: 'xks delete --uri-prefix p', summary: 'Deletes an external key store with its credentials and exposures (the keys stay).' },
  { usage: 'ui [--port 0] [--output-dir d] [--no-open] [--renderer-dir d]', summary: 'The app in your browser (no Electron needed): serves the built pages (npm run build) and the bridge on 127.0.0.1 behind a per-launch secret, prints the address and opens it. Files you encrypt or decrypt there go to --output-dir (default ~/Strongroom files).' },
  { usage: 'create-access-key --principal root|<user>|role/<name>', summary: 'Creates an access key for the endpoint; prints the secret once.' },
  { usage: 'list-access-keys', summary: 'Lists access keys and their principals (never secrets).' },
  { usage: 'delete-access-key --access-key-id AKIA…', summary: 'Deletes an access key: requests signed with it are refused.' },
  { usage: 'encrypt-file <files…> [--key-id <key> [<key>…]] [--recipient-public-key f.json …] [--encryption-context k=v,…] [--output-dir d] [--no-signing] [--frame-length n] [--force]', summary: 'Encrypts files into AWS Encryption SDK messages (<file>.strongroom): streaming, written through a staging file, readable by the official SDK. Without --key-id or --recipient-public-key, under the managed key alias/aws/strongroom-files.' },
  { usage: 'decrypt-file <files…> [--output-dir d] [--force]', summary: 'Decrypts .strongroom (and any AWS Encryption SDK) files with this installation’s keys; nothing is written unless the whole file authenticates.' },
  { usage: 'export-key --key-id <key> --wrapping-public-key f --wrapping-algorithm RSAES_OAEP_SHA_1|RSAES_OAEP_SHA_256|RSA_AES_KEY_WRAP_SHA_1|RSA_AES_KEY_WRAP_SHA_256 --import-token f [--key-material-id id] [--out f] [--force] [--approvals f…]', summary: 'ExportKeyMaterial with files: wraps an exportable key’s current material (or the older one --key-material-id names; PKCS#8 for RSA and ECC keys) under the public key from AWS KMS GetParametersForImport (base64 or DER file) for aws kms import-key-material; --out writes the wrapped bytes (fileb://), never the material. Needs strongroom:ExportKeyMaterial in the key policy, and custodian approvals when the key has a quorum rule.' },
  { usage: 'create-user --user-name <name>  |  create-role --role-name <name>', summary: 'Creates a local IAM-style principal (arn:aws:iam::<account>:user/<name>) with a unique id: policies and grants naming it never apply to a later principal of the same name.' },
  { usage: 'list-users  |  list-roles', summary: 'Lists users or roles with their unique ids.' },
  { usage: 'delete-user --user-name <name>  |  delete-role --role-name <name>', summary: 'Deletes a principal with its identity policies and access keys.' },
  { usage: 'put-user-policy --user-name <n> --policy-name <p> --policy-document file://policy.json', summary: 'Attaches an identity policy (IAM JSON, no Principal); same for roles: put-role-policy --role-name.' },
  { usage: 'get-user-policy | list-user-policies | delete-user-policy --user-name <n> [--policy-name <p>]', summary: 'Shows, lists or removes identity policies (role versions: --role-name).' },
  { usage: 'audit query [--start-time T] [--end-time T] [--event-name E] [--key-id K] [--principal P] [--error-code C] [--outcome success|failure] [--request-id R] [--max-results N] [--next-token T] [--workspace [--installation I]]', summary: 'Audit records newest first, paged. --key-id takes an id, ARN or alias (the key it named at each record’s time); times are ISO-8601 or epoch seconds; --workspace queries imported logs.' },
  { usage: 'audit list [--limit N] [--event-name E] [--errors-only]', summary: 'The newest audit records (short form of audit query).' },
  { usage: 'audit verify [--trusted-public-key F] [--checkpoints F] [--from-export F]', summary: 'Checks schema, signed checkpoints, every record’s hash and link, and that nothing signed is gone; reports the first problem.' },
  { usage: 'audit public-key [--out F]', summary: 'The installation’s audit-signing public key (PEM): keep a copy off the machine.' },
  { usage: 'audit checkpoint [--out F]', summary: 'Signs the audit head now.' },
  { usage: 'audit checkpoints [--out F]', summary: 'Writes every signed checkpoint, for verify --checkpoints later.' },
  { usage: 'audit export --out F [--format jsonl|cloudtrail] [--gzip] [--start-time T] [--end-time T] [--force]', summary: 'Exports records with chain fields and checkpoints; verifies elsewhere with only the public key.' },
  { usage: 'audit import <file>… [--trusted-public-key F] [--label L] [--workspace-file F]', summary: 'Verifies other installations’ exports and adds them to the inspection workspace.' },
  { usage: 'audit sources [--workspace-file F]', summary: 'The installations an inspection workspace holds.' },
  { usage: 'audit archive --before T --out F [--format jsonl|cloudtrail] [--gzip] [--force]', summary: 'Export, verify, then prune records older than T, leaving an anchor the live chain continues from.' },
  { usage: 'custodian keygen --name <name> --out <name>.key [--public-out <name>.pub.pem] [--force]', summary: 'Offline: makes a custodian’s Ed25519 key pair; writes the private key (PKCS#8 PEM, mode 0600) and prints the public key and its fingerprint. openssl genpkey -algorithm ed25519 works too.' },
  { usage: 'custodian add --name <name> --public-key <file.pem>', summary: 'Registers a custodian of this installation by name with an Ed25519 public key (PEM SPKI), audited with its fingerprint.' },
  { usage: 'custodian list', summary: 'Custodians with their key fingerprints and the keys whose quorum rules name them.' },
  { usage: 'custodian remove --name <name>', summary: 'Removes a custodian; refused while a quorum rule names them.' },
  { usage: 'quorum set --key-id K --threshold M --custodians a,b,c [--approvals f…]', summary: 'Marks a key: ScheduleKeyDeletion, PutKeyPolicy, DisableKey and ExportKeyMaterial then need M of the custodians’ approvals. Changing an existing rule needs approvals under it.' },
  { usage: 'quorum show --key-id K', summary: 'A key’s quorum rule, or null.' },
  { usage: 'quorum clear --key-id K --approvals f…', summary: 'Removes a key’s quorum rule; needs approvals under it.' },
  { usage: "approval request <Operation> --input '<json>' [--expires-in 1h] --out req.json [--force]", summary: 'Writes what custodians sign: this installation, the operation (or SetQuorumRule / ClearQuorumRule), its exact input with the key ARN, a nonce, an expiry (at most 7d).' },
  { usage: 'approval sign --request req.json --key <name>.key --out <name>.approval.json [--yes] [--force]', summary: 'Offline: shows the request in plain words, then signs it with a custodian’s Ed25519 key. Pass approval files to the operation with --approvals a.json b.json.' },
  { usage: 'approval show <file>', summary: 'Shows a request or approval file in plain words.' },
  { usage: 'backup create --shares N --threshold M --out F [--share-dir D] [--share-format words|qr-svg|qr-png|json] [--encrypt-share-to i=custodian.pem …] [--share-passphrase-file i=F …]', summary: 'Writes an encrypted backup of the whole installation (database and root key) and N shares of its key, any M of which restore it; shares can be sealed to a custodian’s Ed25519/X25519 public key or a passphrase.' },
  { usage: 'backup verify --in F --share f1 f2 …', summary: 'Checks shares against a backup (checksums, backup id, recombined key, the file’s authentication and database) without restoring.' },
  { usage: 'backup restore --in F --share f1 f2 … [--root-key keychain|passphrase]', summary: 'Restores a backup into a new or empty --data-dir: the root key goes to the chosen provider; audited as RestoreBackup after the restored records.' },
  { usage: 'backup decrypt-share --in F (--key custodian.pem | --passphrase-file F) [--out F] [--format words|json]', summary: 'Reveals a sealed share with the custodian’s private key or its passphrase.' },
  { usage: 'ceremony run --plan ceremony.json --out-dir D [--yes (--reentered-share <name>=F … --custodian-key <name>=F … | --answers F)] [--existing]', summary: 'A key ceremony from a plan file: creates the installation (or, with --existing, opens it), registers custodians (generating keys if asked), creates keys with aliases and quorum rules, backs up with shares sealed to custodians, has each custodian re-enter their share (checked alone, then an M-subset recombined), exports public keys and a signed audit checkpoint, verifies the audit log. On a terminal each step is confirmed and shares are typed; otherwise --yes and --reentered-share (or an --answers file) stand in. Writes D/transcript.json and a printable D/transcript.html; stops at the first failed step, saying which and why.' },
  { usage: 'ceremony verify-transcript --transcript transcript.json [--from-export F] [--trusted-public-key F] [--plan F]', summary: 'Checks a ceremony transcript against the verified audit chain (--data-dir, or an audit export): every listed record exists with its hash, event and request id; every key id, ARN, fingerprint and backup id appears in its step’s records; no signed record is left out; the checkpoint is the log’s signed one; files beside the transcript have the SHA-256 it gives.' },
  { usage: 'dev clock show', summary: 'A developer installation’s clock: the time the engine sees and its offset from real time.' },
  { usage: 'dev clock advance <duration>', summary: 'Moves a developer installation’s clock forward (366d, 12h, 1d12h), audited, then runs the rotations, deletions and expiries now due.' },
];

/** The local commands whose usage line covers `command` (several share a line: user | role). */
export function localCommandsFor(command: string): ReadonlyArray<{ usage: string; summary: string }> {
  return LOCAL_COMMANDS.filter((c) => c.usage.split('|').some((part) => part.trim() === command || part.trim().startsWith(`${command} `)));
}

/** Every command name: the operations' and the local ones' first words (for "did you mean"). */
export function commandNames(): Array<string> {
  const local = LOCAL_COMMANDS.flatMap((c) => c.usage.split('  |  ').map((part) => part.trim().split(' ')[0] ?? ''));
  return [...operationNames.map(kebab), ...local, 'help'];
}

/** One usage line of an entry: the part for `command` where several commands share the entry. */
function usageOf(command: string, usage: string): string {
  const parts = usage.split('  |  ').map((p) => p.trim());
  return parts.find((p) => p === command || p.startsWith(`${command} `)) ?? usage;
}

/** `strongroom <local command> --help`: its usage line, what it does, its flags with types and limits. */
export function commandHelp(command: string, docs: ReadonlyArray<FlagDoc>, flagLines: (docs: ReadonlyArray<FlagDoc>) => Array<string>): string {
  const entry = localCommandsFor(command)[0];
  const lines = [`strongroom ${entry === undefined ? command : usageOf(command, entry.usage)}`, ''];
  if (entry !== undefined) {
    lines.push(entry.summary, '');
  }
  lines.push(...(docs.length === 0 ? ['Flags: none of its own.'] : ['Flags:', ...flagLines(docs)]), '', GLOBAL_FLAGS, '');
  return lines.join('\n');
}

/** `strongroom audit --help`: the group's subcommands, one line each. */
export function groupHelp(group: string): string {
  const lines = localCommandsFor(group).map((c) => `strongroom ${usageOf(group, c.usage)}\n    ${c.summary}`);
  return `${lines.join('\n')}\n\nRun 'strongroom ${group} <subcommand> --help' for a subcommand's flags.\n`;
}

export const GLOBAL_FLAGS = `Global flags:
  --data-dir <dir>         the installation (default: $STRONGROOM_DATA_DIR, else the app's data folder)
  --output <format>        json (default), text, table or yaml (table and yaml as the AWS CLI v2 prints them)
  --query <expr>           JMESPath: KeyMetadata.[KeyId,KeyState], Keys[?KeyId=='…'].KeyArn, length(Keys)
  --passphrase-file <f>    passphrase of a passphrase installation (else $STRONGROOM_PASSPHRASE, else a prompt)
  --as <principal>         run a KMS operation as a user (alice), role/<name> or root (default: the owner, root)
  --no-cli-pager           accepted, as in the AWS CLI; Strongroom never pages
  --help, -h, --version`;

/** Key specs the schema names but the engine refuses (UnsupportedOperationException) are not offered. */
function accepted(values: ReadonlyArray<string>): ReadonlyArray<string> {
  const specs: ReadonlyArray<string> = KEY_SPECS;
  const supported: ReadonlyArray<string> = SUPPORTED_KEY_SPECS;
  return values.filter((v) => !specs.includes(v) || supported.includes(v));
}

export function describeSpec(spec: Spec): string {
  const parts: Array<string> = [];
  switch (spec.type) {
    case 'string':
      parts.push(spec.enum !== undefined ? accepted(spec.enum).join(' | ') : 'string');
      if (spec.min !== undefined || spec.max !== undefined) {
        parts.push(`length ${spec.min ?? 0}–${spec.max ?? '∞'}`);
      }
      break;
    case 'blob':
      parts.push('blob: fileb://path, file://path (base64 text) or base64');
      if (spec.max !== undefined) {
        parts.push(`${spec.min ?? 0}–${spec.max} bytes`);
      }
      break;
    case 'integer':
      parts.push('integer');
      if (spec.min !== undefined || spec.max !== undefined) {
        parts.push(`${spec.min ?? ''}–${spec.max ?? ''}`);
      }
      break;
    case 'boolean':
      parts.push('switch');
      break;
    case 'map':
      parts.push('k=v,k2=v2 or JSON');
      break;
    case 'list':
      parts.push(spec.member.type === 'structure' ? 'list: K=v,K2=v2 … or JSON' : 'list: several values or JSON');
      if (spec.max !== undefined) {
        parts.push(`at most ${spec.max}`);
      }
      break;
    case 'structure':
      parts.push('K=v,K2=v2 or JSON');
      break;
    case 'timestamp':
      parts.push('timestamp');
      break;
  }
  return parts.join(', ');
}

export function operationHelp(name: OperationName): string {
  const lines = [`strongroom ${kebab(name)} [flags]`, '', operations[name].summary, '', 'Flags:'];
  for (const { flag, spec } of operationFlags(name)) {
    const shown = spec.type === 'boolean' ? `--${flag} | --no-${flag}` : `--${flag}`;
    lines.push(`  ${shown.padEnd(42)} ${spec.required === true ? '(required) ' : ''}${describeSpec(spec)}`);
  }
  if (QUORUM_GUARDED.has(name)) {
    lines.push(`  ${'--approvals <file> [<file>…]'.padEnd(42)} custodian approval files, needed when the key has a quorum rule (strongroom quorum show)`);
  }
  lines.push('', GLOBAL_FLAGS, '');
  return lines.join('\n');
}

export function mainHelp(version: string): string {
  const lines = [`strongroom ${version} — a key management service on your desktop, with the aws kms command set.`, '', 'Usage: strongroom <command> [flags]', '', 'Installation, endpoint and audit:'];
  for (const c of LOCAL_COMMANDS) {
    lines.push(`  ${c.usage}`, `      ${c.summary}`);
  }
  const placed = new Set<OperationName>();
  for (const group of GROUPS) {
    const members = operationNames.filter((n) => !placed.has(n) && group.match.test(n));
    if (members.length > 0) {
      lines.push('', `${group.title}:`);
      for (const n of members) {
        placed.add(n);
        lines.push(`  ${kebab(n).padEnd(38)} ${operations[n].summary}`);
      }
    }
  }
  const rest = operationNames.filter((n) => !placed.has(n));
  if (rest.length > 0) {
    lines.push('', 'Other:');
    for (const n of rest) {
      lines.push(`  ${kebab(n).padEnd(38)} ${operations[n].summary}`);
    }
  }
  lines.push('', GLOBAL_FLAGS, '', 'Exit codes: 0 success, 1 the operation failed, 2 the command line could not be parsed.', "Run 'strongroom <command> --help' (or 'strongroom help <command>') for a command's flags.", '');
  return lines.join('\n');
}
