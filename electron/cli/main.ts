// The `strongroom` command: `aws kms`-style operations generated from the operation table, plus
// the installation (init, status) and audit (list, verify) commands. Every operation goes
// through Kms.invoke with a JSON-shaped request, so the CLI validates nothing the shared schema
// already validates.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { operations, type OperationName } from '../../shared/api/operations.ts';
import type { SecretsOperationName } from '../../shared/api/secretsmanager.ts';
import { childEnvironment } from '../kms/child-env.ts';
import { resolveDataDir } from '../kms/datadir.ts';
import type * as Engine from '../kms/engine.ts';
import type { Kms } from '../kms/engine.ts';
import type { InvokeOptions, KmsClient } from '../kms/envelope/kms-client.ts';
import { InstallationError, KmsError } from '../kms/errors.ts';
import { keyName } from '../kms/envelope/refusal.ts';
import { peekRootKeyProvider } from '../kms/installation-peek.ts';
import type { InstallationInfo } from '../kms/installation.ts';
import type { Caller } from '../kms/iam/caller.ts';
import type { PrincipalRow } from '../kms/iam/principals.ts';
import { warmUpKeychain } from '../kms/rootkey/keychain.ts';
import { providerForKind } from '../kms/rootkey/select.ts';
import type { RootKeyProviderKind } from '../kms/rootkey/provider.ts';
import { parseArgs, rejectLeftovers, takeOne, takeSwitch, type ParsedArgs } from './args.ts';
import { parseDuration } from './duration.ts';
import { hintingSync } from './hints.ts';
import { commandHelp, commandNames, groupHelp, localCommandsFor, mainHelp, operationHelp } from './help.ts';
import { operationForCommand } from './names.ts';
import { formatOutput, parseOutputFormat, terminalWidth, toPrintable, type OutputFormat } from './output.ts';
import { buildRequest, operationFlags } from './params.ts';
import { passphraseSource } from './passphrase.ts';
import { parseQuery, type Query } from './query.ts';
import { QuorumCli, takeApprovals } from './quorum.ts';
import { QUORUM_GUARDED } from '../kms/quorum/quorum.ts';
import { didYouMean } from './suggest.ts';
import { UnknownOptionError, UsageError } from './usage-error.ts';
import { AGENT_STOP, connectAgent } from './agent.ts';
import { agentKmsClient, fromAgent } from './agent-kms-client.ts';

export type CliIo = {
  readonly argv: ReadonlyArray<string>;
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
};

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/**
 * The engine, loaded by the commands that open the installation. A call an unlock agent serves
 * (D30), --version and --help never load it.
 */
function loadEngine(): Promise<typeof Engine> {
  return import('../kms/engine.ts');
}

type Globals = {
  readonly dataDir: string;
  /** `--as <principal>`: who KMS operations act as; the installation owner when absent. */
  readonly as: string | undefined;
  readonly output: OutputFormat;
  readonly query: Query | null;
  /** The table's title: the operation's name (ListKeys), or the command's in the same style (AuditQuery). */
  readonly title: string;
  readonly passphraseFile: string | undefined;
};

type Flags = Map<string, ReadonlyArray<string>>;

class Cli {
  readonly #io: CliIo;
  readonly #g: Globals;
  readonly #userAgent: string;
  /** The passphrase this call unlocked with, for the agent it starts (D30). */
  #passphrase: string | undefined;

  constructor(io: CliIo, globals: Globals, version: string) {
    this.#io = io;
    this.#g = globals;
    this.#userAgent = `strongroom-cli/${version}`;
  }

  print(value: unknown): void {
    // The query sees what would be printed: bytes as base64, times as ISO 8601 text.
    const shown = this.#g.query === null ? value : this.#g.query.evaluate(toPrintable(value));
    this.#io.stdout.write(formatOutput(shown, this.#g.output, { title: this.#g.title, terminalWidth: terminalWidth(this.#io.stdout) }));
  }

  providers(confirmPassphrase: boolean): (kind: RootKeyProviderKind) => ReturnType<typeof providerForKind> {
    const io = this.#io;
    const passphrase = passphraseSource(
      {
        file: this.#g.passphraseFile,
        env: io.env,
        // Read only when a prompt needs it: building process.stdin loads stream (and, for a pipe,
        // net) modules that a call unlocking from the keychain or $STRONGROOM_PASSPHRASE never uses.
        get stdin() {
          return io.stdin;
        },
        stderr: io.stderr,
      },
      confirmPassphrase,
    );
    const remembered = async (): Promise<string> => (this.#passphrase = await passphrase());
    return (kind) => providerForKind(kind, { passphrase: remembered });
  }

  async open(): Promise<Kms> {
    // The keychain's session opens while the engine loads (D30).
    if (peekRootKeyProvider(this.#g.dataDir) === 'keychain') {
      void warmUpKeychain({ env: this.#io.env });
    }
    const { Kms } = await loadEngine();
    // `serve` runs the scheduled work on a timer: a failing pass is reported here, with a timestamp.
    const log = (line: string): void => {
      this.#io.stderr.write(`${new Date().toISOString()} ${line}\n`);
    };
    return Kms.open({ dataDir: this.#g.dataDir, providerForKind: this.providers(false), userAgent: this.#userAgent, log });
  }

  /** The caller `--as` names (it must exist), or undefined for the installation owner. */
  callerFor(kms: Kms): Caller | undefined {
    return this.#g.as === undefined ? undefined : kms.callerFor(this.#g.as, this.#userAgent);
  }

  /** Principals, identity policies, access keys and the installation are the owner's to manage. */
  ownerOnly(command: string): void {
    if (this.#g.as !== undefined) {
      throw new UsageError(`--as applies to KMS operations; '${command}' is the installation owner's to run`, command);
    }
  }

  async operation(name: OperationName, command: string, flags: Flags): Promise<number> {
    // Custodian approvals for a quorum-guarded call (D25): files, not part of the request.
    const approvals = takeApprovals(flags, command);
    const request = buildRequest(name, flags, command);
    // A running unlock agent serves the call when there are no approval files to hand over (D30).
    const agent = approvals.length === 0 ? await connectAgent(this.#g.dataDir, this.#io.env) : null;
    const first = agent === null ? null : await agent.call(name, request, this.#g.as);
    let kms: Kms | null = null;
    try {
      let invoke: (input: Record<string, unknown>) => Promise<Record<string, unknown>>;
      let output: Record<string, unknown>;
      if (agent !== null && first !== null && !('error' in first && first.error.kind === 'refused')) {
        invoke = async (input) => fromAgent(await agent.call(name, input, this.#g.as));
        output = fromAgent(first);
      } else {
        agent?.close();
        const opened = await this.open();
        kms = opened;
        await this.startAgent(opened);
        const caller = this.callerFor(opened);
        invoke = (input) =>
          opened.invoke(name, input, { blobs: 'base64', ...(caller === undefined ? {} : { caller }), ...(approvals.length === 0 ? {} : { approvals }) }) as Promise<Record<string, unknown>>;
        output = await invoke(request);
      }
      // Like the AWS CLI, list commands return every page unless a page was asked for.
      const paged = 'Marker' in operations[name].input.members && request.Limit === undefined && request.Marker === undefined;
      while (paged && output.Truncated === true && typeof output.NextMarker === 'string') {
        const next = await invoke({ ...request, Marker: output.NextMarker });
        const merged: Record<string, unknown> = { ...next };
        for (const [member, spec] of Object.entries(operations[name].output.members)) {
          if (spec.type === 'list' && Array.isArray(output[member]) && Array.isArray(next[member])) {
            merged[member] = [...(output[member] as Array<unknown>), ...(next[member] as Array<unknown>)];
          }
        }
        output = merged;
      }
      if (paged) {
        // The AWS CLI drops the pagination fields once it has fetched every page.
        delete output.NextMarker;
        delete output.Truncated;
      }
      this.print(output);
      return EXIT_OK;
    } finally {
      agent?.close();
      kms?.close();
    }
  }

  /** `strongroom secretsmanager <operation>`: opens the installation and runs it (as --as, if given). */
  async secretsManager(name: SecretsOperationName, flags: Flags): Promise<number> {
    const { runSecretsOperation } = await import('./secretsmanager.ts');
    const kms = await this.open();
    try {
      const caller = this.callerFor(kms);
      this.print(await runSecretsOperation(kms, name, flags, caller === undefined ? {} : { caller }));
      return EXIT_OK;
    } finally {
      kms.close();
    }
  }

  /**
   * After a call that opened the installation itself: starts its agent in the background (D30),
   * so the session's later calls skip the engine's start — and, for a passphrase installation,
   * the KDF (the passphrase goes on the agent's stdin). STRONGROOM_AGENT=off never starts one.
   */
  async startAgent(kms: Kms): Promise<void> {
    if (this.#io.env.STRONGROOM_AGENT === 'off') {
      return;
    }
    if (kms.installation.rootKeyProvider === 'passphrase' && this.#passphrase === undefined) {
      return;
    }
    // The passphrase goes on the agent's stdin, never in its environment.
    const env = childEnvironment(this.#io.env);
    const bin = fileURLToPath(new URL('../../electron/cli/bin.cjs', import.meta.url));
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [bin, 'agent', 'run', '--data-dir', this.#g.dataDir], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env, cwd: '/' });
    child.on('error', () => {});
    child.stdin.on('error', () => {});
    child.stdin.end(this.#passphrase ?? '');
    child.unref();
  }

  async agent(sub: string | undefined, flags: Flags): Promise<number> {
    const command = `agent ${sub ?? ''}`.trim();
    rejectLeftovers(flags, command);
    if (sub === 'run') {
      const chunks: Array<Buffer> = [];
      for await (const chunk of this.#io.stdin) {
        chunks.push(chunk as Buffer);
      }
      const passphrase = Buffer.concat(chunks).toString('utf8');
      const [{ runAgent }, { Kms }] = await Promise.all([import('./agent-server.ts'), loadEngine()]);
      return runAgent({
        dataDir: this.#g.dataDir,
        env: this.#io.env,
        userAgent: this.#userAgent,
        open: () => Kms.open({ dataDir: this.#g.dataDir, providerForKind: (kind) => providerForKind(kind, { passphrase: async () => passphrase }), userAgent: this.#userAgent }),
      });
    }
    if (sub === 'stop' || sub === 'status') {
      const agent = await connectAgent(this.#g.dataDir, this.#io.env);
      if (agent !== null && sub === 'stop') {
        await agent.call(AGENT_STOP, {}, undefined);
      }
      agent?.close();
      this.print(sub === 'stop' ? { Stopped: agent !== null } : { Running: agent !== null });
      return EXIT_OK;
    }
    throw new UsageError(`agent: expected one of run, status, stop${sub === undefined ? '' : `, got '${sub}'`}`, 'agent');
  }

  async init(flags: Flags): Promise<number> {
    const kind = takeOne(flags, 'root-key', 'init') ?? 'keychain';
    if (kind !== 'keychain' && kind !== 'passphrase') {
      throw new UsageError(`argument --root-key: invalid choice: '${kind}' (choose from 'keychain', 'passphrase')`, 'init');
    }
    const region = takeOne(flags, 'region', 'init');
    const accountId = takeOne(flags, 'account-id', 'init');
    const developer = takeSwitch(flags, 'developer', 'init');
    rejectLeftovers(flags, 'init');
    const { Kms } = await loadEngine();
    const kms = await Kms.init({
      dataDir: this.#g.dataDir,
      provider: this.providers(true)(kind),
      userAgent: this.#userAgent,
      ...(region === undefined ? {} : { region }),
      ...(accountId === undefined ? {} : { accountId }),
      developer,
    });
    try {
      this.print({ DataDir: this.#g.dataDir, ...installationFields(kms.installation) });
      if (developer) {
        this.#io.stderr.write('This is a developer installation: `strongroom dev clock advance` can move its clock forward. Do not keep real secrets in it.\n');
      }
      return EXIT_OK;
    } finally {
      kms.close();
    }
  }

  async status(flags: Flags): Promise<number> {
    rejectLeftovers(flags, 'status');
    const [{ DATABASE_FILE, openDatabase }, { describeInstallation }, { AuditLog }] = await Promise.all([
      import('../kms/store/database.ts'),
      import('../kms/installation.ts'),
      import('../kms/audit/log.ts'),
    ]);
    const dbPath = join(this.#g.dataDir, DATABASE_FILE);
    if (!existsSync(dbPath)) {
      this.print({
        DataDir: this.#g.dataDir,
        Initialized: false,
        Unlocked: false,
        Problem: { Code: 'NotInitialized', Message: 'There is no installation here: run `strongroom init`.' },
      });
      return EXIT_FAILED;
    }
    const db = openDatabase(dbPath);
    let info: InstallationInfo;
    let keys: number;
    let records: number;
    try {
      info = describeInstallation(db, this.providers(false));
      keys = (db.prepare('SELECT count(*) AS n FROM keys').get() as { n: number }).n;
      records = new AuditLog(db).count();
    } finally {
      db.close();
    }
    let problem: { Code: string; Message: string } | null = null;
    try {
      (await this.open()).close();
    } catch (err) {
      if (!(err instanceof InstallationError)) {
        throw err;
      }
      problem = { Code: err.problem, Message: err.message };
    }
    this.print({
      DataDir: this.#g.dataDir,
      Initialized: true,
      ...installationFields(info),
      Unlocked: problem === null,
      ...(problem === null ? {} : { Problem: problem }),
      KeyCount: keys,
      AuditRecordCount: records,
    });
    return problem === null ? EXIT_OK : EXIT_FAILED;
  }

  async serve(flags: Flags): Promise<number> {
    const { DEFAULT_HOST, DEFAULT_PORT, isLoopbackAddress, startEndpoint } = await import('../server/endpoint.ts');
    const host = takeOne(flags, 'host', 'serve') ?? DEFAULT_HOST;
    const portText = takeOne(flags, 'port', 'serve') ?? String(DEFAULT_PORT);
    const allowRemote = takeSwitch(flags, 'allow-remote', 'serve');
    const tlsCert = takeOne(flags, 'tls-cert', 'serve');
    const tlsKey = takeOne(flags, 'tls-key', 'serve');
    rejectLeftovers(flags, 'serve');
    if ((tlsCert === undefined) !== (tlsKey === undefined)) {
      throw new UsageError('--tls-cert and --tls-key go together: give the certificate (PEM) and its private key (PEM)', 'serve');
    }
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
      throw new UsageError(`argument --port: invalid port: '${portText}' (0–65535; 0 picks a free port)`, 'serve');
    }
    if (!isLoopbackAddress(host) && !allowRemote) {
      throw new UsageError(`--host ${host} is not a loopback address: add --allow-remote to accept connections from other machines`, 'serve');
    }
    if (!isLoopbackAddress(host) && tlsCert === undefined) {
      throw new UsageError(`--host ${host} is not a loopback address: plain HTTP is served on loopback only; give --tls-cert and --tls-key`, 'serve');
    }
    const tls = tlsCert === undefined || tlsKey === undefined ? undefined : { cert: readFileSync(tlsCert), key: readFileSync(tlsKey) };
    const kms = await this.open();
    kms.startTimers();
    const log = (line: string): void => {
      this.#io.stderr.write(`${new Date().toISOString()} ${line}\n`);
    };
    let endpoint;
    try {
      endpoint = await startEndpoint({ kms, lookup: kms.lookupAccessKey, host, port: Number(portText), allowRemote, log, xks: { kms }, ...(tls === undefined ? {} : { tls }) });
    } catch (err) {
      kms.close();
      throw err;
    }
    this.print({ Endpoint: endpoint.url, Region: kms.installation.region, AccountId: kms.installation.accountId });
    log(`Strongroom endpoint listening on ${endpoint.url} (region ${kms.installation.region}). Use: aws kms list-keys --endpoint-url ${endpoint.url} --region ${kms.installation.region}, with credentials from \`strongroom create-access-key\`. Ctrl-C stops it.`);
    log(`The XKS proxy API is served at ${endpoint.url}<uri-prefix>/kms/xks/v1 for the external key stores \`strongroom xks setup\` creates.`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        log(`${signal}: finishing requests in flight, then stopping`);
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        void endpoint.close().then(resolve);
      };
      const onInt = (): void => stop('SIGINT');
      const onTerm = (): void => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    });
    kms.close();
    return EXIT_OK;
  }

  async ui(flags: Flags): Promise<number> {
    const portText = takeOne(flags, 'port', 'ui') ?? '0';
    const outputDir = takeOne(flags, 'output-dir', 'ui');
    const rendererDir = takeOne(flags, 'renderer-dir', 'ui');
    const noOpen = takeSwitch(flags, 'no-open', 'ui');
    rejectLeftovers(flags, 'ui');
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
      throw new UsageError(`argument --port: invalid port: '${portText}' (0–65535; 0 picks a free port)`, 'ui');
    }
    const { runUi } = await import('./ui.ts');
    return runUi({
      dataDir: this.#g.dataDir,
      port: Number(portText),
      outputDir: outputDir === undefined ? undefined : resolve(outputDir),
      rendererDir,
      open: !noOpen,
      providerForKind: this.providers(false),
      print: (value) => this.print(value),
      stderr: this.#io.stderr,
    });
  }

  async accessKeys(command: 'create-access-key' | 'list-access-keys' | 'delete-access-key', flags: Flags): Promise<number> {
    const principal = command === 'create-access-key' ? takeOne(flags, 'principal', command) : undefined;
    const accessKeyId = command === 'delete-access-key' ? takeOne(flags, 'access-key-id', command) : undefined;
    rejectLeftovers(flags, command);
    if (command === 'create-access-key' && principal === undefined) {
      throw new UsageError('the following arguments are required: --principal', command);
    }
    if (command === 'delete-access-key' && accessKeyId === undefined) {
      throw new UsageError('the following arguments are required: --access-key-id', command);
    }
    const kms = await this.open();
    try {
      if (command === 'create-access-key') {
        const key = kms.createAccessKey(principal ?? '');
        this.print({ AccessKey: { AccessKeyId: key.AccessKeyId, SecretAccessKey: key.SecretAccessKey, PrincipalArn: key.PrincipalArn, Status: 'Active' } });
        this.#io.stderr.write('The secret access key is shown only now; Strongroom keeps it encrypted and cannot show it again.\n');
      } else if (command === 'list-access-keys') {
        this.print({ AccessKeyMetadata: kms.listAccessKeys() });
      } else {
        hintingSync({ accessKeyId: '`strongroom list-access-keys` lists them' }, () => kms.deleteAccessKey(accessKeyId ?? ''));
      }
      return EXIT_OK;
    } finally {
      kms.close();
    }
  }

  async principals(command: PrincipalCommand, flags: Flags): Promise<number> {
    const kind = /(^|-)roles?(-|$)/.test(command) ? 'role' : 'user';
    const needsName = command !== 'list-users' && command !== 'list-roles';
    const name = needsName ? takeOne(flags, `${kind}-name`, command) : undefined;
    const needsPolicy = /-(user|role)-policy$/.test(command);
    const policyName = needsPolicy ? takeOne(flags, 'policy-name', command) : undefined;
    const document = command.startsWith('put-') ? takeOne(flags, 'policy-document', command) : undefined;
    rejectLeftovers(flags, command);
    const missing = [
      ...(needsName && name === undefined ? [`--${kind}-name`] : []),
      ...(needsPolicy && policyName === undefined ? ['--policy-name'] : []),
      ...(command.startsWith('put-') && document === undefined ? ['--policy-document'] : []),
    ];
    if (missing.length > 0) {
      throw new UsageError(`the following arguments are required: ${missing.join(', ')}`, command);
    }
    const policyText = document === undefined ? '' : document.startsWith('file://') ? readFileSync(document.slice('file://'.length), 'utf8') : document;
    const kms = await this.open();
    try {
      const n = name ?? '';
      const p = policyName ?? '';
      const shown = (r: PrincipalRow) => ({ [`${kind === 'user' ? 'User' : 'Role'}Name`]: r.name, [`${kind === 'user' ? 'User' : 'Role'}Id`]: r.principalId, Arn: r.arn, CreateDate: new Date(r.createdAt) });
      switch (command) {
        case 'create-user':
        case 'create-role':
          this.print({ [kind === 'user' ? 'User' : 'Role']: shown(kms.createPrincipal(kind, n)) });
          break;
        case 'list-users':
        case 'list-roles':
          this.print({ [kind === 'user' ? 'Users' : 'Roles']: kms.listPrincipals(kind).map(shown) });
          break;
        case 'delete-user':
        case 'delete-role': {
          const gone = kms.deletePrincipal(kind, n);
          if (gone.accessKeys > 0) {
            this.#io.stderr.write(`Deleted ${gone.accessKeys} access key${gone.accessKeys === 1 ? '' : 's'} of ${gone.principal.arn}.\n`);
          }
          break;
        }
        case 'put-user-policy':
        case 'put-role-policy':
          kms.putIdentityPolicy(kind, n, p, policyText);
          break;
        case 'get-user-policy':
        case 'get-role-policy': {
          const policy = kms.getIdentityPolicy(kind, n, p);
          this.print({ [`${kind === 'user' ? 'User' : 'Role'}Name`]: n, PolicyName: policy.policyName, PolicyDocument: JSON.parse(policy.document) as unknown });
          break;
        }
        case 'list-user-policies':
        case 'list-role-policies':
          this.print({ PolicyNames: kms.listIdentityPolicies(kind, n) });
          break;
        case 'delete-user-policy':
        case 'delete-role-policy':
          kms.deleteIdentityPolicy(kind, n, p);
          break;
      }
      return EXIT_OK;
    } finally {
      kms.close();
    }
  }

  async files(command: 'encrypt-file' | 'decrypt-file', words: ReadonlyArray<string>, flags: Flags): Promise<number> {
    const [{ decryptFiles, encryptFiles }, { removeLiveStagingFiles }, { withInterruptCleanup }] = await Promise.all([
      import('./files.ts'),
      import('../kms/storage/atomic-file.ts'),
      import('./interrupt.ts'),
    ]);
    const io = { stderr: this.#io.stderr, print: (v: unknown) => this.print(v) };
    // Ctrl-C or SIGTERM in the middle of a file removes its staging file before the process ends.
    const run = (client: KmsClient, options: InvokeOptions): Promise<number> =>
      withInterruptCleanup(removeLiveStagingFiles, () =>
        command === 'encrypt-file' ? encryptFiles(client, options, words, flags, io) : decryptFiles(client, options, words, flags, io),
      );
    // The data keys come from a running agent when there is one (D30): no KDF, no engine start.
    const agent = await connectAgent(this.#g.dataDir, this.#io.env);
    try {
      const served = agent === null ? null : await agentKmsClient(agent, this.#g.as);
      if (served !== null) {
        return await run(served, {});
      }
    } finally {
      agent?.close();
    }
    const kms = await this.open();
    try {
      await this.startAgent(kms);
      const caller = this.callerFor(kms);
      return await run(kms, caller === undefined ? {} : { caller });
    } finally {
      kms.close();
    }
  }

  async exportKey(flags: Flags): Promise<number> {
    const { exportKey } = await import('./export-key.ts');
    const kms = await this.open();
    try {
      await exportKey(kms, this.callerFor(kms), flags, (v) => this.print(v));
      return EXIT_OK;
    } finally {
      kms.close();
    }
  }

  async dev(words: ReadonlyArray<string>, flags: Flags): Promise<number> {
    const [area, action, amount, ...rest] = words;
    const usage = 'dev clock show | dev clock advance <duration>';
    if (area !== 'clock' || (action !== 'show' && action !== 'advance') || rest.length > 0 || (action === 'show' && amount !== undefined)) {
      throw new UsageError(`expected ${usage}`, 'dev');
    }
    if (action === 'advance' && amount === undefined) {
      throw new UsageError('dev clock advance: give a duration, such as 366d, 12h or 1d12h', 'dev');
    }
    rejectLeftovers(flags, 'dev');
    const ms = action === 'advance' ? parseDuration(amount ?? '', 'dev') : 0;
    const kms = await this.open();
    try {
      if (action === 'show') {
        this.print({
          Developer: kms.installation.developer,
          Now: new Date(kms.clock.now()),
          OffsetSeconds: Math.round(kms.clockOffsetMs / 1000),
        });
      } else {
        const moved = hintingSync({ developer: 'create a developer installation with `strongroom init --developer`' }, () => kms.advanceClock(ms));
        this.print({
          PreviousTime: moved.previous,
          Now: moved.current,
          OffsetSeconds: Math.round(kms.clockOffsetMs / 1000),
          KeysRotated: moved.work.rotated,
          KeyMaterialExpired: moved.work.expired,
          KeysDeleted: moved.work.deleted,
        });
      }
      return EXIT_OK;
    } finally {
      kms.close();
    }
  }

  async xks(sub: string | undefined, flags: Flags): Promise<number> {
    const { XksCli } = await import('./xks.ts');
    return new XksCli({ print: (value) => this.print(value), warn: (text) => this.#io.stderr.write(text), open: () => this.open() }).run(sub, flags);
  }

  quorumCli(): QuorumCli {
    return new QuorumCli({
      print: (value) => this.print(value),
      warn: (text) => this.#io.stderr.write(text),
      open: () => this.open(),
      stdin: this.#io.stdin,
    });
  }

  async backup(sub: string | undefined, args: ReadonlyArray<string>, flags: Flags): Promise<number> {
    const { BackupCli } = await import('./backup.ts');
    return new BackupCli({
      dataDir: this.#g.dataDir,
      passphraseFile: this.#g.passphraseFile,
      userAgent: this.#userAgent,
      print: (value) => this.print(value),
      warn: (text) => this.#io.stderr.write(text),
      open: () => this.open(),
      newProvider: (kind) => this.providers(true)(kind),
    }).run(sub, args, flags);
  }

  async ceremony(sub: string | undefined, args: ReadonlyArray<string>, flags: Flags): Promise<number> {
    const { CeremonyCli } = await import('./ceremony.ts');
    return new CeremonyCli({
      dataDir: this.#g.dataDir,
      userAgent: this.#userAgent,
      stdin: this.#io.stdin,
      stderr: this.#io.stderr,
      print: (value) => this.print(value),
      warn: (text) => this.#io.stderr.write(text),
      newProvider: (kind) => this.providers(true)(kind),
      providerForKind: this.providers(false),
    }).run(sub, args, flags);
  }

  async audit(sub: string | undefined, args: ReadonlyArray<string>, flags: Flags): Promise<number> {
    const { AuditCli } = await import('./audit.ts');
    return new AuditCli({
      dataDir: this.#g.dataDir,
      output: this.#g.output,
      textTable: this.#g.output === 'text' && this.#g.query === null,
      print: (value) => this.print(value),
      write: (text) => this.#io.stdout.write(text),
      warn: (text) => this.#io.stderr.write(text),
      open: () => this.open(),
    }).run(sub, args, flags);
  }
}

const PRINCIPAL_COMMANDS = [
  'create-user', 'list-users', 'delete-user', 'put-user-policy', 'get-user-policy', 'list-user-policies', 'delete-user-policy',
  'create-role', 'list-roles', 'delete-role', 'put-role-policy', 'get-role-policy', 'list-role-policies', 'delete-role-policy',
] as const;
type PrincipalCommand = (typeof PRINCIPAL_COMMANDS)[number];

function isPrincipalCommand(command: string): command is PrincipalCommand {
  return (PRINCIPAL_COMMANDS as ReadonlyArray<string>).includes(command);
}

function installationFields(info: InstallationInfo): Record<string, unknown> {
  return {
    InstallationId: info.installationId,
    AccountId: info.accountId,
    Region: info.region,
    RootKeyProvider: info.rootKeyProvider,
    RootKeyLocation: info.rootKeyLocation,
    CreationDate: new Date(info.createdAt),
    Developer: info.developer,
  };
}

/** `audit query` → AuditQuery: a local command's name in the style of an operation's, for the table's title. */
function commandTitle(words: ReadonlyArray<string>): string {
  const named = words.slice(0, ['audit', 'backup', 'ceremony', 'agent', 'custodian', 'quorum', 'approval', 'dev', 'xks'].includes(words[0] ?? '') ? 2 : 1);
  return named
    .join('-')
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/**
 * The global flags and how many values each takes: they may stand anywhere on the line, before
 * the command or among its flags (`strongroom --data-dir D list-keys`, `--output=text`).
 */
const GLOBAL_FLAG_ARITY: ReadonlyMap<string, 0 | 1> = new Map([
  ['data-dir', 1],
  ['output', 1],
  ['query', 1],
  ['passphrase-file', 1],
  ['as', 1],
  ['help', 0],
  ['version', 0],
  ['no-cli-pager', 0],
]);

/**
 * The command line split into words and flags. Only `backup` and `ceremony` take flags several
 * times, and which ones their modules say; a flag given once parses the same either way, so those
 * modules are loaded only when a flag repeats.
 */
async function parseCommandLine(argv: ReadonlyArray<string>): Promise<ParsedArgs> {
  try {
    return parseArgs(argv, { fixed: GLOBAL_FLAG_ARITY });
  } catch (err) {
    if (!(err instanceof UsageError)) {
      throw err;
    }
    const [{ BACKUP_REPEATABLE_FLAGS }, { CEREMONY_REPEATABLE_FLAGS }] = await Promise.all([import('./backup.ts'), import('./ceremony.ts')]);
    return parseArgs(argv, { fixed: GLOBAL_FLAG_ARITY, repeatable: new Set([...BACKUP_REPEATABLE_FLAGS, ...CEREMONY_REPEATABLE_FLAGS]) });
  }
}

/** Runs one command line; resolves with the exit code. Never throws. */
export async function main(io: CliIo): Promise<number> {
  let command: string | null = null;
  let operation: string | null = null;
  try {
    const { words, flags: parsed } = await parseCommandLine(io.argv);
    const flags: Flags = new Map(parsed);
    const help = takeSwitch(flags, 'help', null);
    const version = takeSwitch(flags, 'version', null);
    const output = parseOutputFormat(takeOne(flags, 'output', null));
    const queryText = takeOne(flags, 'query', null);
    const dataDirFlag = takeOne(flags, 'data-dir', null);
    const passphraseFile = takeOne(flags, 'passphrase-file', null);
    const as = takeOne(flags, 'as', null);
    // The AWS CLI's switch off its pager, accepted so `aws` habits work: Strongroom never pages.
    takeSwitch(flags, 'no-cli-pager', null);
    const v = cliVersion();
    if (version) {
      io.stdout.write(`strongroom ${v}\n`);
      return EXIT_OK;
    }
    // `strongroom help [<command>]` is `strongroom [<command>] --help`.
    if (help || words[0] === 'help') {
      const subject = words[0] === 'help' ? words.slice(1) : words;
      command = subject[0] ?? null;
      io.stdout.write(await helpFor(subject, v));
      return EXIT_OK;
    }
    command = words[0] ?? null;
    operation = command === null ? null : operationForCommand(command);
    if (command === null) {
      io.stdout.write(mainHelp(v));
      return EXIT_USAGE;
    }
    const query = queryText === undefined ? null : await parseQuery(queryText);
    const title = operation ?? commandTitle(words);
    const cli = new Cli(io, { dataDir: resolveDataDir(dataDirFlag, io.env), as, output, query, title, passphraseFile }, v);
    const extra = ['secretsmanager', 'agent', 'dev', 'encrypt-file', 'decrypt-file', 'audit', 'backup', 'ceremony', 'custodian', 'quorum', 'approval', 'xks'].includes(command) ? [] : words.slice(1);
    if (extra.length > 0) {
      throw new UsageError(`unexpected argument${extra.length > 1 ? 's' : ''}: ${extra.join(' ')}`, command);
    }
    if (operation !== null) {
      return await cli.operation(operation as OperationName, command, flags);
    }
    if (command === 'secretsmanager') {
      const { secretsOperationFor } = await import('./secretsmanager.ts');
      if (words.length > 2) {
        throw new UsageError(`unexpected arguments: ${words.slice(2).join(' ')}`, command);
      }
      const name = secretsOperationFor(words[1]);
      operation = name;
      return await cli.secretsManager(name, flags);
    }
    if (command === 'encrypt-file' || command === 'decrypt-file') {
      return await cli.files(command, words.slice(1), flags);
    }
    if (command === 'export-key') {
      // Errors name the operation, as the generated export-key-material command's do.
      operation = 'ExportKeyMaterial';
      return await cli.exportKey(flags);
    }
    cli.ownerOnly(command);
    switch (command) {
      case 'init':
        return await cli.init(flags);
      case 'status':
        return await cli.status(flags);
      case 'audit':
        return await cli.audit(words[1], words.slice(2), flags);
      case 'backup':
        return await cli.backup(words[1], words.slice(2), flags);
      case 'ceremony':
        return await cli.ceremony(words[1], words.slice(2), flags);
      case 'serve':
        return await cli.serve(flags);
      case 'ui':
        return await cli.ui(flags);
      case 'dev':
        return await cli.dev(words.slice(1), flags);
      case 'agent':
        if (words.length > 2) {
          throw new UsageError(`unexpected arguments: ${words.slice(2).join(' ')}`, command);
        }
        return await cli.agent(words[1], flags);
      case 'custodian':
        if (words.length > 2) {
          throw new UsageError(`unexpected arguments: ${words.slice(2).join(' ')}`, command);
        }
        return await cli.quorumCli().custodian(words[1], flags);
      case 'quorum':
        if (words.length > 2) {
          throw new UsageError(`unexpected arguments: ${words.slice(2).join(' ')}`, command);
        }
        return await cli.quorumCli().quorum(words[1], flags);
      case 'approval':
        return await cli.quorumCli().approval(words[1], words.slice(2), flags);
      case 'xks':
        if (words.length > 2) {
          throw new UsageError(`unexpected arguments: ${words.slice(2).join(' ')}`, command);
        }
        return await cli.xks(words[1], flags);
      case 'create-access-key':
      case 'list-access-keys':
      case 'delete-access-key':
        return await cli.accessKeys(command, flags);
      default:
        if (isPrincipalCommand(command)) {
          return await cli.principals(command, flags);
        }
        throw new UsageError(`unknown command '${command}'.${didYouMean(command, commandNames())}`);
    }
  } catch (err) {
    return await reportError(io, err, command, operation);
  }
}

/**
 * The help for `words` (the command line without --help): the commands, an operation's flags, a
 * local command's flags (the longest command the words name: `audit query`, `dev clock advance`),
 * or a group's subcommands.
 */
async function helpFor(words: ReadonlyArray<string>, version: string): Promise<string> {
  const first = words[0];
  if (first === undefined) {
    return mainHelp(version);
  }
  if (first === 'secretsmanager') {
    return (await import('./secretsmanager.ts')).secretsHelp(words[1]);
  }
  const operation = operationForCommand(first);
  if (operation !== null) {
    return operationHelp(operation);
  }
  const { LOCAL_COMMAND_FLAGS, flagLines } = await import('./command-flags.ts');
  for (let n = Math.min(3, words.length); n >= 1; n--) {
    const path = words.slice(0, n).join(' ');
    const docs = Object.hasOwn(LOCAL_COMMAND_FLAGS, path) ? LOCAL_COMMAND_FLAGS[path] : undefined;
    if (docs !== undefined) {
      return commandHelp(path, docs, flagLines);
    }
    if (Object.keys(LOCAL_COMMAND_FLAGS).some((name) => name.startsWith(`${path} `))) {
      return groupHelp(path);
    }
  }
  throw new UsageError(`unknown command '${first}'.${didYouMean(first, commandNames())}`);
}

/** The flags `command` takes, global ones included, without the leading --: what an unknown flag is compared with. */
async function flagsOf(command: string): Promise<Array<string>> {
  const globals = [...GLOBAL_FLAG_ARITY.keys()];
  const operation = operationForCommand(command);
  if (operation !== null) {
    const own = operationFlags(operation).flatMap(({ flag, spec }) => (spec.type === 'boolean' ? [flag, `no-${flag}`] : [flag]));
    return [...own, ...(QUORUM_GUARDED.has(operation) ? ['approvals'] : []), ...globals];
  }
  const { flagDocsFor } = await import('./command-flags.ts');
  const docs = flagDocsFor(command) ?? [];
  return [...docs.filter((d) => d.flag.startsWith('--')).map((d) => d.flag.slice(2)), ...globals];
}

/**
 * A policy refusal's second line: the key by its alias and the statement that decided, which AWS's
 * one-line message (kept as the first line, as scripts parse it) does not say. Empty when the
 * message already says it (a file refusal) or the error is not a refusal.
 */
function denialLine(err: KmsError): string {
  const d = err.denial;
  if (d === undefined || err.message.includes(d.explanation)) {
    return '';
  }
  return `Why: ${d.keyArn === null ? '' : `${keyName(d.keyArn, d.aliases)}: `}${d.explanation}\n`;
}

async function reportError(io: CliIo, err: unknown, command: string | null, operation: string | null): Promise<number> {
  if (err instanceof UsageError) {
    const hint = err.command ?? command;
    let message = err.message;
    if (err instanceof UnknownOptionError && hint !== null) {
      const known = (await flagsOf(hint)).map((f) => `--${f}`);
      message += `.${err.options.map((o) => didYouMean(`--${o}`, known)).join('')}`;
    }
    io.stderr.write(
      `strongroom: error: ${message}\n${hint !== null && (operationForCommand(hint) !== null || localCommandsFor(hint).length > 0) ? `Run 'strongroom ${hint} --help' for its flags.` : "Run 'strongroom --help' for the commands."}\n`,
    );
    return EXIT_USAGE;
  }
  if (err instanceof KmsError) {
    const what = operation !== null ? `the ${operation} operation` : `the ${command ?? 'strongroom'} command`;
    io.stderr.write(`An error occurred (${err.name}) when calling ${what}: ${err.message}\n${denialLine(err)}`);
    return EXIT_FAILED;
  }
  if (err instanceof InstallationError) {
    io.stderr.write(`strongroom: cannot use the installation (${err.problem}): ${err.message}\n`);
    return EXIT_FAILED;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`strongroom: unexpected error: ${message}\n`);
  if (io.env.STRONGROOM_DEBUG === '1' && err instanceof Error && err.stack !== undefined) {
    io.stderr.write(`${err.stack}\n`);
  }
  return EXIT_FAILED;
}

