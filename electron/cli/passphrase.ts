// Where the CLI gets a passphrase: --passphrase-file, then $STRONGROOM_PASSPHRASE, then a prompt
// with echo off when stdin is a terminal. Never from a command-line argument, which other users
// of the machine can read in the process list.

import { readFileSync } from 'node:fs';
import { InstallationError } from '../kms/errors.ts';
import { UsageError } from './usage-error.ts';

export type PassphraseOptions = {
  readonly file: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: NodeJS.ReadStream;
  readonly stderr: NodeJS.WritableStream;
};

/** Asks on the terminal with echo off. readline and streams load only here, not with every call. */
async function prompt(question: string, o: PassphraseOptions): Promise<string> {
  const [{ createInterface }, { Writable }] = await Promise.all([import('node:readline'), import('node:stream')]);
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) {
        o.stderr.write(chunk);
      }
      done();
    },
  });
  const rl = createInterface({ input: o.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      o.stderr.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

/** A passphrase file's text: a file written with `echo` ends with a newline that is not part of it. */
export function withoutFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** A passphrase source for the root key provider; `confirm` asks twice (for init). */
export function passphraseSource(o: PassphraseOptions, confirm: boolean): () => Promise<string> {
  return async () => {
    if (o.file !== undefined) {
      try {
        return withoutFinalNewline(readFileSync(o.file, 'utf8'));
      } catch (err) {
        throw new UsageError(`argument --passphrase-file: cannot read ${o.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
    }
    const fromEnv = o.env.STRONGROOM_PASSPHRASE;
    if (fromEnv !== undefined && fromEnv !== '') {
      return fromEnv;
    }
    if (!o.stdin.isTTY) {
      throw new InstallationError(
        'RootKeyUnavailable',
        'This installation uses a passphrase root key and no passphrase was given: pass --passphrase-file <file>, set STRONGROOM_PASSPHRASE, or run in a terminal to be prompted.',
      );
    }
    const first = await prompt('Strongroom passphrase: ', o);
    if (confirm) {
      const second = await prompt('Repeat the passphrase: ', o);
      if (first !== second) {
        throw new UsageError('the two passphrases differ; nothing was created');
      }
    }
    return first;
  };
}
