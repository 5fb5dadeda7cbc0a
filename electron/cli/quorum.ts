// `strongroom custodian …`, `strongroom quorum …` and `strongroom approval …` (decision D25), and
// reading --approvals files for the guarded operations. `custodian keygen` and `approval sign`
// work offline: they never open an installation.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Kms } from '../kms/engine.ts';
import { ValidationException } from '../kms/errors.ts';
import {
  ApprovalFormatError,
  describeRequest,
  generateCustodianKey,
  parseApproval,
  parsePrivateKey,
  parseRequest,
  signRequest,
} from '../kms/quorum/approval.ts';
import { rejectLeftovers, requireFlag, takeOne, takeSwitch } from './args.ts';
import { parseDuration } from './duration.ts';
import { hintingSync } from './hints.ts';
import { UsageError } from './usage-error.ts';

type Flags = Map<string, ReadonlyArray<string>>;

export type QuorumCliHost = {
  readonly print: (value: unknown) => void;
  readonly warn: (text: string) => void;
  readonly open: () => Promise<Kms>;
  readonly stdin: NodeJS.ReadStream;
};

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ValidationException(`Cannot read ${what} '${path}': ${err instanceof Error ? err.message : String(err)}`);
  }
}

function readJson(path: string, what: string): unknown {
  const text = readText(path, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ValidationException(`${what} '${path}' is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Writes a new file; refuses to replace one unless forced. */
function writeNew(path: string, text: string, force: boolean, mode = 0o644): void {
  if (existsSync(path) && !force) {
    throw new ValidationException(`'${path}' already exists: choose another --out, or add --force to replace it.`);
  }
  writeFileSync(path, text, { mode, flag: force ? 'w' : 'wx' });
}

/** Removes `--approvals f1 f2 …` and returns the parsed approval files (empty when absent). */
export function takeApprovals(flags: Flags, command: string): Array<unknown> {
  const files = flags.get('approvals');
  if (files === undefined) {
    return [];
  }
  flags.delete('approvals');
  if (files.length === 0) {
    throw new UsageError('argument --approvals: expected one or more approval files', command);
  }
  return files.map((f) => readJson(f, 'Approval file'));
}

export class QuorumCli {
  readonly #host: QuorumCliHost;

  constructor(host: QuorumCliHost) {
    this.#host = host;
  }

  async custodian(sub: string | undefined, flags: Flags): Promise<number> {
    const command = 'custodian';
    switch (sub) {
      case 'keygen': {
        const name = requireFlag(takeOne(flags, 'name', command), 'name', command);
        const out = requireFlag(takeOne(flags, 'out', command), 'out', command);
        const publicOut = takeOne(flags, 'public-out', command);
        const force = takeSwitch(flags, 'force', command);
        rejectLeftovers(flags, command);
        const key = generateCustodianKey();
        writeNew(out, key.privatePem, force, 0o600);
        if (publicOut !== undefined) {
          writeNew(publicOut, key.publicPem, force);
        }
        this.#host.print({ Name: name, PrivateKeyFile: out, ...(publicOut === undefined ? {} : { PublicKeyFile: publicOut }), PublicKey: key.publicPem, Fingerprint: key.fingerprint });
        this.#host.warn(`Keep ${out} secret (mode 0600, off this machine if you can). Give the public key to the installation's owner: strongroom custodian add --name ${name} --public-key <file>.\n`);
        return 0;
      }
      case 'add': {
        const name = requireFlag(takeOne(flags, 'name', command), 'name', command);
        const file = requireFlag(takeOne(flags, 'public-key', command), 'public-key', command);
        rejectLeftovers(flags, command);
        const pem = readText(file, 'Public key file');
        return this.#withKms((kms) => {
          const c = hintingSync({ name: `\`strongroom custodian remove --name ${name}\` removes the one registered` }, () => kms.addCustodian(name, pem));
          this.#host.print({ Custodian: { Name: c.name, Fingerprint: c.fingerprint, CreationDate: new Date(c.createdAt) } });
        });
      }
      case 'list':
        rejectLeftovers(flags, command);
        return this.#withKms((kms) => {
          this.#host.print({ Custodians: kms.listCustodians().map((c) => ({ Name: c.name, Fingerprint: c.fingerprint, CreationDate: new Date(c.createdAt), QuorumKeys: c.keys })) });
        });
      case 'remove': {
        const name = requireFlag(takeOne(flags, 'name', command), 'name', command);
        rejectLeftovers(flags, command);
        return this.#withKms((kms) => {
          const c = hintingSync({ name: '`strongroom custodian list` lists them', quorumRules: '`strongroom quorum set` changes a rule' }, () => kms.removeCustodian(name));
          this.#host.print({ Removed: { Name: c.name, Fingerprint: c.fingerprint } });
        });
      }
      default:
        throw new UsageError('expected custodian keygen | add | list | remove', command);
    }
  }

  async quorum(sub: string | undefined, flags: Flags): Promise<number> {
    const command = 'quorum';
    if (sub !== 'set' && sub !== 'show' && sub !== 'clear') {
      throw new UsageError('expected quorum set | show | clear', command);
    }
    const keyId = requireFlag(takeOne(flags, 'key-id', command), 'key-id', command);
    const threshold = sub === 'set' ? requireFlag(takeOne(flags, 'threshold', command), 'threshold', command) : undefined;
    const custodians = sub === 'set' ? requireFlag(takeOne(flags, 'custodians', command), 'custodians', command) : undefined;
    const approvals = sub === 'show' ? [] : takeApprovals(flags, command);
    rejectLeftovers(flags, command);
    if (threshold !== undefined && !/^\d+$/.test(threshold)) {
      throw new UsageError(`argument --threshold: expected a whole number, got '${threshold}'`, command);
    }
    return this.#withKms((kms) => {
      if (sub === 'show') {
        const rule = kms.getQuorumRule(keyId);
        this.#host.print({ QuorumRule: rule === null ? null : shownRule(rule) });
      } else if (sub === 'set') {
        const rule = hintingSync({ custodians: '`strongroom custodian add --name <name> --public-key <file>` registers one' }, () =>
          kms.setQuorumRule(keyId, Number(threshold), (custodians ?? '').split(','), approvals),
        );
        this.#host.print({ QuorumRule: shownRule(rule) });
      } else {
        kms.clearQuorumRule(keyId, approvals);
        this.#host.print({ QuorumRule: null });
      }
    });
  }

  async approval(sub: string | undefined, words: ReadonlyArray<string>, flags: Flags): Promise<number> {
    const command = 'approval';
    switch (sub) {
      case 'request': {
        const [operation, ...rest] = words;
        if (operation === undefined || rest.length > 0) {
          throw new UsageError("expected approval request <OperationName> --input '<json>' --out req.json", command);
        }
        const inputText = requireFlag(takeOne(flags, 'input', command), 'input', command);
        const out = requireFlag(takeOne(flags, 'out', command), 'out', command);
        const expiresIn = takeOne(flags, 'expires-in', command);
        const force = takeSwitch(flags, 'force', command);
        rejectLeftovers(flags, command);
        const text = inputText.startsWith('file://') ? readText(inputText.slice('file://'.length), 'Input file') : inputText;
        let input: unknown;
        try {
          input = JSON.parse(text) as unknown;
        } catch (err) {
          throw new UsageError(`argument --input: not JSON (${err instanceof Error ? err.message : String(err)})`, command);
        }
        if (typeof input !== 'object' || input === null || Array.isArray(input)) {
          throw new UsageError('argument --input: expected a JSON object, such as {"KeyId":"…","PendingWindowInDays":7}', command);
        }
        const ms = expiresIn === undefined ? undefined : parseDuration(expiresIn, command);
        return this.#withKms((kms) => {
          const request = hintingSync({ expiresIn: '--expires-in' }, () => kms.createApprovalRequest(operation, input as Record<string, unknown>, ms));
          writeNew(out, `${JSON.stringify(request, null, 2)}\n`, force);
          this.#host.print({ RequestFile: out, Operation: request.operation, KeyId: request.input.KeyId, Nonce: request.nonce, ExpiresAt: request.expiresAt });
          if (!kms.hasQuorumRule(String(request.input.KeyId))) {
            this.#host.warn(`Note: key ${String(request.input.KeyId)} has no quorum rule now, so ${operation} on it needs no approvals.\n`);
          }
          this.#host.warn(`Send ${out} to the custodians; each signs it with: strongroom approval sign --request ${out} --key <their key> --out <name>.approval.json\n`);
        });
      }
      case 'sign': {
        if (words.length > 0) {
          throw new UsageError(`unexpected argument${words.length > 1 ? 's' : ''}: ${words.join(' ')}`, command);
        }
        const requestFile = requireFlag(takeOne(flags, 'request', command), 'request', command);
        const keyFile = requireFlag(takeOne(flags, 'key', command), 'key', command);
        const out = requireFlag(takeOne(flags, 'out', command), 'out', command);
        const yes = takeSwitch(flags, 'yes', command);
        const force = takeSwitch(flags, 'force', command);
        rejectLeftovers(flags, command);
        const request = asValidation(() => parseRequest(readJson(requestFile, 'Request file')));
        const key = asValidation(() => parsePrivateKey(readText(keyFile, 'Private key file')));
        this.#host.warn(describeRequest(request));
        if (Date.parse(request.expiresAt) <= Date.now()) {
          throw new ValidationException(`This request expired at ${request.expiresAt}: ask for a new one (strongroom approval request).`);
        }
        if (!yes) {
          if (this.#host.stdin.isTTY !== true) {
            throw new UsageError('read the request above, then add --yes to sign it (no terminal to ask on)', command);
          }
          const { createInterface } = await import('node:readline/promises'); // only when asking
          const rl = createInterface({ input: this.#host.stdin, output: process.stderr });
          const answer = await rl.question('Sign this approval? Type yes to sign: ');
          rl.close();
          if (answer.trim().toLowerCase() !== 'yes') {
            this.#host.warn('Not signed.\n');
            return 1;
          }
        }
        const approval = signRequest(request, key);
        writeNew(out, `${JSON.stringify(approval, null, 2)}\n`, force);
        this.#host.print({ ApprovalFile: out, Operation: request.operation, KeyId: request.input.KeyId, Fingerprint: approval.publicKeyFingerprint, ExpiresAt: request.expiresAt });
        return 0;
      }
      case 'show': {
        const [file, ...rest] = words;
        if (file === undefined || rest.length > 0) {
          throw new UsageError('expected approval show <request or approval file>', command);
        }
        rejectLeftovers(flags, command);
        const value = readJson(file, 'File');
        const isApproval = typeof value === 'object' && value !== null && (value as { format?: unknown }).format === 'strongroom-approval/1';
        const request = asValidation(() => (isApproval ? parseApproval(value).request : parseRequest(value)));
        this.#host.warn(describeRequest(request));
        this.#host.print(isApproval ? { Approval: { Fingerprint: parseApproval(value).publicKeyFingerprint }, Request: request } : { Request: request });
        return 0;
      }
      default:
        throw new UsageError('expected approval request | sign | show', command);
    }
  }

  async #withKms(act: (kms: Kms) => void): Promise<number> {
    const kms = await this.#host.open();
    try {
      act(kms);
      return 0;
    } finally {
      kms.close();
    }
  }
}

function shownRule(rule: { keyArn: string; threshold: number; custodians: ReadonlyArray<string>; updatedAt: number }): Record<string, unknown> {
  return { KeyArn: rule.keyArn, Threshold: rule.threshold, Custodians: [...rule.custodians], UpdatedAt: new Date(rule.updatedAt) };
}

function asValidation<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ApprovalFormatError) {
      throw new ValidationException(err.message);
    }
    throw err;
  }
}
