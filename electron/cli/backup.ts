// `strongroom backup …`: create an M-of-N backup of the whole installation, verify shares
// against a backup, reveal a sealed share, and restore into a fresh data directory. The work is
// in electron/kms/backup/; this file turns flags into its options and its results into JSON.

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Kms } from '../kms/engine.ts';
import { ValidationException } from '../kms/errors.ts';
import { SHARE_FORMATS, type ShareFormat } from '../kms/backup/create.ts';
import { writeBytesAtomically } from '../kms/storage/atomic-file.ts';
import { readShareFiles, restoreBackup, verifyBackup } from '../kms/backup/restore.ts';
import { custodianPrivateKey, custodianPublicKey, parseSealed, unseal } from '../kms/backup/seal.ts';
import { decodeShare, shareJson, shareToWords, shareUri, shareWordsText, encodeShare } from '../kms/backup/shares.ts';
import type { RootKeyProvider } from '../kms/rootkey/provider.ts';
import { rejectLeftovers, runSubcommand, takeOne } from './args.ts';
import { hinting, type InputHints } from './hints.ts';
import { withoutFinalNewline } from './passphrase.ts';
import { UsageError } from './usage-error.ts';

type Flags = Map<string, ReadonlyArray<string>>;

/** The flags behind backup create's inputs, for the engine's errors about them. */
const CREATE_HINTS: InputHints = {
  out: '--out',
  shareDir: '--share-dir',
  shares: '--shares',
  threshold: '--threshold',
  sealTo: '--encrypt-share-to',
  passphrases: '--share-passphrase-file',
};

/** verify and restore take the shares as files; a sealed one is decrypted by decrypt-share first. */
const SHARES_HINTS: InputHints = {
  shares: '--share <file> …; a sealed share is decrypted by `strongroom backup decrypt-share --in <file> --key <custodian private key>` or `--passphrase-file <file>`',
};

export const BACKUP_SUBCOMMANDS = ['create', 'verify', 'restore', 'decrypt-share'] as const;

/** Flags that may be repeated (`--share a --share b`) as well as given once with several values. */
export const BACKUP_REPEATABLE_FLAGS: ReadonlySet<string> = new Set(['share', 'encrypt-share-to', 'share-passphrase-file']);

export type BackupCliHost = {
  readonly dataDir: string;
  readonly passphraseFile: string | undefined;
  readonly userAgent: string;
  readonly print: (value: unknown) => void;
  readonly warn: (text: string) => void;
  readonly open: () => Promise<Kms>;
  /** A provider for a new root key home (asks for a new passphrase twice when interactive). */
  readonly newProvider: (kind: 'keychain' | 'passphrase') => RootKeyProvider;
};

function takeList(flags: Flags, name: string): ReadonlyArray<string> {
  const values = flags.get(name) ?? [];
  flags.delete(name);
  return values;
}

function count(text: string | undefined, flag: string, command: string): number {
  if (text === undefined) {
    throw new UsageError(`the following arguments are required: --${flag}`, command);
  }
  if (!/^\d{1,3}$/.test(text)) {
    throw new UsageError(`argument --${flag}: invalid integer value: '${text}'`, command);
  }
  return Number(text);
}

/** `i=<file>` pairs into a map from share index to the file's bytes. */
function indexedFiles(values: ReadonlyArray<string>, flag: string, command: string): Map<number, { file: string; bytes: Buffer }> {
  const out = new Map<number, { file: string; bytes: Buffer }>();
  for (const value of values) {
    const m = /^(\d{1,3})=(.+)$/.exec(value);
    if (m === null) {
      throw new UsageError(`argument --${flag}: expected <share index>=<file>, like 2=alice.pem; got '${value}'`, command);
    }
    const index = Number(m[1]);
    const file = m[2] ?? '';
    if (out.has(index)) {
      throw new UsageError(`argument --${flag}: share ${index} is named twice`, command);
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new UsageError(`argument --${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, command);
    }
    out.set(index, { file, bytes });
  }
  return out;
}

export class BackupCli {
  readonly #host: BackupCliHost;

  constructor(host: BackupCliHost) {
    this.#host = host;
  }

  async run(sub: string | undefined, args: ReadonlyArray<string>, flags: Flags): Promise<number> {
    return runSubcommand('backup', sub, args, BACKUP_SUBCOMMANDS, {
      create: (command) => this.#create(flags, command),
      verify: (command) => this.#verify(flags, command),
      restore: (command) => this.#restore(flags, command),
      'decrypt-share': (command) => this.#decryptShare(flags, command),
    });
  }

  async #create(flags: Flags, command: string): Promise<number> {
    const shares = count(takeOne(flags, 'shares', command), 'shares', command);
    const threshold = count(takeOne(flags, 'threshold', command), 'threshold', command);
    const out = takeOne(flags, 'out', command);
    const shareDir = takeOne(flags, 'share-dir', command);
    const format = takeOne(flags, 'share-format', command) ?? 'words';
    const sealTo = indexedFiles(takeList(flags, 'encrypt-share-to'), 'encrypt-share-to', command);
    const passphrases = indexedFiles(takeList(flags, 'share-passphrase-file'), 'share-passphrase-file', command);
    rejectLeftovers(flags, command);
    if (out === undefined) {
      throw new UsageError('the following arguments are required: --out', command);
    }
    if (!(SHARE_FORMATS as ReadonlyArray<string>).includes(format)) {
      throw new UsageError(`argument --share-format: invalid choice: '${format}' (choose from ${SHARE_FORMATS.map((f) => `'${f}'`).join(', ')})`, command);
    }
    const keys = new Map<number, Uint8Array>();
    for (const [index, { file, bytes }] of sealTo) {
      keys.set(index, custodianPublicKey(bytes, `--encrypt-share-to ${index}=${file}`));
    }
    const words = new Map<number, string>();
    for (const [index, { bytes }] of passphrases) {
      words.set(index, withoutFinalNewline(bytes.toString('utf8')));
    }
    const kms = await this.#host.open();
    try {
      const summary = await hinting(CREATE_HINTS, () =>
        kms.createBackup({
          out,
          shares,
          threshold,
          shareFormat: format as ShareFormat,
          ...(shareDir === undefined ? {} : { shareDir }),
          sealTo: keys,
          passphrases: words,
        }),
      );
      this.#host.print(summary);
      this.#host.warn(
        `Backup ${summary.BackupId} written. Any ${threshold} of the ${shares} shares restore it: give each share to a different custodian, keep none beside the backup file, and delete the share files from this machine once handed over.\n`,
      );
      return 0;
    } finally {
      kms.close();
    }
  }

  #sharesAndFile(flags: Flags, command: string): { file: string; shares: ReturnType<typeof readShareFiles> } {
    const file = takeOne(flags, 'in', command);
    const shareFiles = takeList(flags, 'share');
    if (file === undefined) {
      throw new UsageError('the following arguments are required: --in', command);
    }
    return { file, shares: readShareFiles(shareFiles) };
  }

  async #verify(flags: Flags, command: string): Promise<number> {
    const { file, shares } = this.#sharesAndFile(flags, command);
    rejectLeftovers(flags, command);
    this.#host.print(await hinting(SHARES_HINTS, () => verifyBackup(file, shares)));
    return 0;
  }

  async #restore(flags: Flags, command: string): Promise<number> {
    const { file, shares } = this.#sharesAndFile(flags, command);
    const kind = takeOne(flags, 'root-key', command) ?? 'keychain';
    rejectLeftovers(flags, command);
    if (kind !== 'keychain' && kind !== 'passphrase') {
      throw new UsageError(`argument --root-key: invalid choice: '${kind}' (choose from 'keychain', 'passphrase')`, command);
    }
    const summary = await hinting({ ...SHARES_HINTS, dataDir: '--data-dir' }, () =>
      restoreBackup({ file, shares, dataDir: this.#host.dataDir, provider: this.#host.newProvider(kind), userAgent: this.#host.userAgent }),
    );
    this.#host.print(summary);
    return 0;
  }

  async #decryptShare(flags: Flags, command: string): Promise<number> {
    const input = takeOne(flags, 'in', command);
    const keyFile = takeOne(flags, 'key', command);
    const out = takeOne(flags, 'out', command);
    const format = takeOne(flags, 'format', command) ?? 'words';
    rejectLeftovers(flags, command);
    if (input === undefined) {
      throw new UsageError('the following arguments are required: --in', command);
    }
    if ((keyFile === undefined) === (this.#host.passphraseFile === undefined)) {
      throw new UsageError('give exactly one of --key <custodian private key PEM> and --passphrase-file <file>', command);
    }
    if (format !== 'words' && format !== 'json') {
      throw new UsageError(`argument --format: invalid choice: '${format}' (choose from 'words', 'json')`, command);
    }
    const what = `the share in ${input}`;
    let text: string;
    let unlock: Buffer;
    try {
      text = readFileSync(input, 'utf8');
      unlock = readFileSync(keyFile ?? this.#host.passphraseFile ?? '');
    } catch (err) {
      throw new ValidationException(`Cannot read ${(err as NodeJS.ErrnoException).path ?? 'a file'}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
    }
    const sealed = parseSealed(text, what);
    if (sealed === null) {
      throw new ValidationException(`${input} is not a sealed share (it is not encrypted; give it to backup restore as it is).`);
    }
    const payload = await hinting({ privateKey: '--key <custodian private key PEM>', passphrase: '--passphrase-file <file>' }, () =>
      unseal(sealed, keyFile !== undefined ? { privateKey: custodianPrivateKey(unlock, `--key ${keyFile}`) } : { passphrase: withoutFinalNewline(unlock.toString('utf8')) }, what),
    );
    const share = decodeShare(payload, what);
    if (share.backupId !== sealed.BackupId || share.index !== sealed.Index) {
      throw new ValidationException(`${what} is corrupted: the sealed label (backup ${sealed.BackupId}, share ${sealed.Index}) does not match the share inside.`);
    }
    if (out !== undefined) {
      const path = resolve(out);
      if (existsSync(path)) {
        throw new ValidationException(`${path} already exists; Strongroom does not replace files.`);
      }
      const bytes = Buffer.from(format === 'words' ? shareWordsText(share) : `${JSON.stringify(shareJson(share), null, 2)}\n`, 'utf8');
      writeBytesAtomically(path, bytes);
      this.#host.print({ File: path, BackupId: share.backupId, Index: share.index, Threshold: share.threshold, Total: share.total, Format: format });
    } else {
      this.#host.print({ BackupId: share.backupId, Index: share.index, Threshold: share.threshold, Total: share.total, Words: shareToWords(encodeShare(share)).join(' '), Text: shareUri(share) });
    }
    return 0;
  }
}
