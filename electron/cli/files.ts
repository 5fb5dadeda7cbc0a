// `strongroom encrypt-file` and `decrypt-file`: files in the AWS Encryption SDK message format,
// each written through a staging file and renamed only when complete (envelope/files.ts). One
// line of progress on stderr for large files when stderr is a terminal; per-file results on
// stdout; exit 1 if any file failed, after trying them all.

import { FILES_SERVICE, managedAlias } from '../kms/managed-keys.ts';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import type { InvokeOptions, KmsClient } from '../kms/envelope/kms-client.ts';
import { KmsError, ValidationException } from '../kms/errors.ts';
import { decryptedPath, decryptFile, encryptedPath, encryptFile, type Progress } from '../kms/envelope/files.ts';
import { installationKeyring, kmsKeyring, rsaRecipientKeyring, type Keyring } from '../kms/envelope/keyrings.ts';
import { DEFAULT_FRAME_LENGTH, MAX_FRAME_LENGTH } from '../kms/envelope/message.ts';
import { SIGNED_SUITE, UNSIGNED_SUITE } from '../kms/envelope/suites.ts';
import { rejectLeftovers, takeOne, takeSwitch } from './args.ts';
import { stringMapFlag } from './params.ts';
import { UsageError } from './usage-error.ts';

type Flags = Map<string, ReadonlyArray<string>>;

export type FileCommandIo = {
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly print: (value: unknown) => void;
};

/** Words that followed a switch or single-value flag are files (`--force a.txt b.txt`). */
function takeSwitchWithFiles(flags: Flags, name: string, files: Array<string>): boolean {
  const values = flags.get(name);
  if (values === undefined) {
    return false;
  }
  files.push(...values);
  flags.set(name, []);
  return takeSwitch(flags, name, null);
}

function takeOneWithFiles(flags: Flags, name: string, command: string, files: Array<string>): string | undefined {
  const values = flags.get(name);
  if (values !== undefined && values.length > 1) {
    files.push(...values.slice(1));
    flags.set(name, values.slice(0, 1));
  }
  return takeOne(flags, name, command);
}

/** A recipient file: the JSON `strongroom get-public-key` (or `aws kms get-public-key`) prints. */
function recipient(path: string, command: string): Keyring {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--recipient-public-key ${path}: expected the JSON that get-public-key prints (${(err as Error).message})`, command);
  }
  const p = parsed as { KeyId?: unknown; PublicKey?: unknown; KeyUsage?: unknown; EncryptionAlgorithms?: unknown };
  if (typeof p.KeyId !== 'string' || typeof p.PublicKey !== 'string') {
    throw new UsageError(`--recipient-public-key ${path}: expected KeyId and PublicKey, as get-public-key prints them`, command);
  }
  if (p.KeyUsage !== undefined && p.KeyUsage !== 'ENCRYPT_DECRYPT') {
    throw new ValidationException(`The recipient key ${p.KeyId} has KeyUsage ${String(p.KeyUsage)}; recipients need an RSA ENCRYPT_DECRYPT key.`);
  }
  if (Array.isArray(p.EncryptionAlgorithms) && !p.EncryptionAlgorithms.includes('RSAES_OAEP_SHA_256')) {
    throw new ValidationException(`The recipient key ${p.KeyId} does not support RSAES_OAEP_SHA_256.`);
  }
  return rsaRecipientKeyring(p.KeyId, createPublicKey({ key: Buffer.from(p.PublicKey, 'base64'), format: 'der', type: 'spki' }));
}

function progressLine(io: FileCommandIo, file: string): Progress | undefined {
  if (io.stderr.isTTY !== true) {
    return undefined;
  }
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (total < 8 * 1024 * 1024 || (now - last < 100 && done < total)) {
      return;
    }
    last = now;
    const width = 30;
    const filled = Math.round((done / total) * width);
    io.stderr.write(`\r${file.slice(-40).padEnd(40)} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.floor((done / total) * 100)}%${done >= total ? '\n' : ''}`);
  };
}

/**
 * The --output-dir folder, made (owner-only, 0700: decrypted files land there) when it does not
 * exist yet, as `aws s3 cp` makes its target folders. A path that is a file, or a folder that
 * cannot be made, is said in plain words before any file is tried, rather than as each file's
 * failure to open its staging file.
 */
function prepareOutputDir(dir: string | undefined, command: string, io: FileCommandIo): void {
  if (dir === undefined) {
    return;
  }
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(dir, { throwIfNoEntry: false });
  } catch (err) {
    throw new UsageError(`argument --output-dir: cannot use ${dir}: ${plainReason(err)}`, command);
  }
  if (existing !== undefined) {
    if (!existing.isDirectory()) {
      throw new UsageError(`argument --output-dir: ${dir} is a file, not a folder; name a folder (it is made if it does not exist)`, command);
    }
    return;
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new UsageError(`argument --output-dir: the folder ${dir} does not exist and cannot be made: ${plainReason(err)}`, command);
  }
  io.stderr.write(`strongroom ${command}: made the output folder ${dir} (readable by you only)\n`);
}

function plainReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'part of the path is a file, not a folder';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return code ?? (err as Error).message;
  }
}

type Outcome = { readonly ok: boolean; readonly entry: Record<string, unknown> };

async function eachFile(files: ReadonlyArray<string>, run: (file: string) => Promise<Record<string, unknown>>): Promise<Array<Outcome>> {
  const out: Array<Outcome> = [];
  for (const file of files) {
    try {
      out.push({ ok: true, entry: { Input: file, ...(await run(file)) } });
    } catch (err) {
      const name = err instanceof KmsError ? err.name : err instanceof UsageError ? 'UsageError' : (err as NodeJS.ErrnoException).code ?? 'Error';
      out.push({ ok: false, entry: { Input: file, Status: 'Failed', Error: { Name: name, Message: (err as Error).message } } });
    }
  }
  return out;
}

function report(io: FileCommandIo, command: string, outcomes: ReadonlyArray<Outcome>): number {
  io.print({ Files: outcomes.map((o) => o.entry) });
  for (const o of outcomes.filter((x) => !x.ok)) {
    const e = o.entry.Error as { Name: string; Message: string };
    io.stderr.write(`strongroom ${command}: ${String(o.entry.Input)}: (${e.Name}) ${e.Message}\n`);
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

export async function encryptFiles(kms: KmsClient, options: InvokeOptions, words: ReadonlyArray<string>, flags: Flags, io: FileCommandIo): Promise<number> {
  const command = 'encrypt-file';
  const files = [...words];
  const keyIds = flags.get('key-id') ?? [];
  flags.delete('key-id');
  const recipients = flags.get('recipient-public-key') ?? [];
  flags.delete('recipient-public-key');
  const force = takeSwitchWithFiles(flags, 'force', files);
  const noSigning = takeSwitchWithFiles(flags, 'no-signing', files);
  const contextText = takeOneWithFiles(flags, 'encryption-context', command, files);
  const outputDir = takeOneWithFiles(flags, 'output-dir', command, files);
  const frameText = takeOneWithFiles(flags, 'frame-length', command, files);
  rejectLeftovers(flags, command);
  if (files.length === 0) {
    throw new UsageError('give the files to encrypt: strongroom encrypt-file <files…> --key-id <key>', command);
  }
  // No key named: the managed default key of file encryption (alias/aws/strongroom-files, D37),
  // created on first use and used through the files service, as AWS services use theirs.
  const frameLength = frameText === undefined ? DEFAULT_FRAME_LENGTH : Number(frameText);
  if (!Number.isInteger(frameLength) || frameLength < 1 || frameLength > MAX_FRAME_LENGTH) {
    throw new UsageError(`argument --frame-length: expected 1 to ${MAX_FRAME_LENGTH} bytes`, command);
  }
  const context = contextText === undefined ? {} : stringMapFlag(contextText, 'encryption-context', command);
  const keyrings = keyIds.length === 0 && recipients.length === 0
    ? [kmsKeyring(kms, managedAlias(FILES_SERVICE), { ...options, viaService: FILES_SERVICE })]
    : [...keyIds.map((k) => kmsKeyring(kms, k, options)), ...recipients.map((r) => recipient(r, command))];
  prepareOutputDir(outputDir, command, io);
  const outcomes = await eachFile(files, async (file) => {
    const output = encryptedPath(file, outputDir);
    const info = await encryptFile(file, output, { keyrings, context, suiteId: noSigning ? UNSIGNED_SUITE : SIGNED_SUITE, frameLength, force, onProgress: progressLine(io, file) });
    return {
      Output: output,
      Status: 'Encrypted',
      Bytes: info.plaintextBytes,
      AlgorithmSuite: `0x${info.suite.id.toString(16).padStart(4, '0')}`,
      FrameLength: info.frameLength,
      EncryptedDataKeys: info.edks.map((e) => ({ ProviderId: e.providerId, ProviderInfo: new TextDecoder().decode(e.providerInfo) })),
    };
  });
  return report(io, command, outcomes);
}

export async function decryptFiles(kms: KmsClient, options: InvokeOptions, words: ReadonlyArray<string>, flags: Flags, io: FileCommandIo): Promise<number> {
  const command = 'decrypt-file';
  const files = [...words];
  const force = takeSwitchWithFiles(flags, 'force', files);
  const outputDir = takeOneWithFiles(flags, 'output-dir', command, files);
  rejectLeftovers(flags, command);
  if (files.length === 0) {
    throw new UsageError('give the files to decrypt: strongroom decrypt-file <files…>', command);
  }
  const keyrings = [installationKeyring(kms, options)];
  prepareOutputDir(outputDir, command, io);
  const outcomes = await eachFile(files, async (file) => {
    const output = decryptedPath(file, outputDir);
    const info = await decryptFile(file, output, { keyrings, force, onProgress: progressLine(io, file) });
    const { ['aws-crypto-public-key']: _signingKey, ...context } = info.context;
    return { Output: output, Status: 'Decrypted', Bytes: info.plaintextBytes, AlgorithmSuite: `0x${info.suite.id.toString(16).padStart(4, '0')}`, Signed: info.suite.signature !== null, EncryptionContext: context };
  });
  return report(io, command, outcomes);
}
