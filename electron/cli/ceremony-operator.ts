// The command line's side of a ceremony's operator port (electron/kms/ceremony/operator.ts): on a
// terminal every step waits for "y" and custodians type their shares (asked again after a wrong
// one); without one, --yes and the --reentered-share / --custodian-key files (or an --answers
// file) stand in, and a wrong re-entry fails the step.

import { existsSync } from 'node:fs';
import type { CeremonyOperator, CustodianKey, ShareEntry, ShareRequest, StepPreview } from '../kms/ceremony/operator.ts';
import { readFileOrFail } from '../kms/ceremony/out-dir.ts';
import type { TranscriptStep } from '../kms/ceremony/transcript.ts';
import { ValidationException } from '../kms/errors.ts';

/** Asks one question on the terminal and resolves with the typed line. */
export type Ask = (question: string) => Promise<string>;

export type CliOperatorOptions = {
  /** The terminal; null when not interactive (--yes). */
  readonly ask: Ask | null;
  /** Where prompts' context, progress and refusals are written. */
  readonly say: (text: string) => void;
  /** Custodian name → file with their re-entered share. */
  readonly reenteredShares: ReadonlyMap<string, string>;
  /** Custodian name → file with their private key. */
  readonly custodianKeys: ReadonlyMap<string, string>;
};

export class CliCeremonyOperator implements CeremonyOperator {
  readonly #ask: Ask | null;
  readonly #say: (text: string) => void;
  readonly #reentered: ReadonlyMap<string, string>;
  readonly #keys: ReadonlyMap<string, string>;

  constructor(options: CliOperatorOptions) {
    this.#ask = options.ask;
    this.#say = options.say;
    this.#reentered = options.reenteredShares;
    this.#keys = options.custodianKeys;
  }

  async confirmStep(step: StepPreview): Promise<boolean> {
    if (this.#ask === null) {
      return true;
    }
    this.#say(`\nStep ${step.number}: ${step.title}\n${step.summary.map((l) => `  - ${l}\n`).join('')}`);
    return /^y(es)?$/i.test((await this.#ask('Proceed? [y/N] ')).trim());
  }

  async reenterShare({ custodian, index }: ShareRequest): Promise<ShareEntry | null> {
    if (this.#ask === null) {
      const file = this.#reentered.get(custodian);
      if (file === undefined) {
        throw new ValidationException(`No re-entered share for ${custodian} (share ${index}): pass --reentered-share ${custodian}=<file with the words, or the share file>.`);
      }
      return { text: readFileOrFail(file, `${custodian}'s re-entered share`).toString('utf8'), what: `${custodian}'s re-entered share (${file})` };
    }
    const answer = (await this.#ask(`${custodian}, re-enter share ${index}: type its words on one line, or give the path to your share file (or 'stop'): `)).trim();
    if (answer === 'stop') {
      return null;
    }
    const isFile = answer !== '' && !answer.includes(' ') && existsSync(answer);
    return {
      text: isFile ? readFileOrFail(answer, `${custodian}'s share file`).toString('utf8') : answer,
      what: `${custodian}'s re-entered share${isFile ? ` (${answer})` : ''}`,
    };
  }

  shareAccepted({ custodian, index }: ShareRequest): void {
    if (this.#ask !== null) {
      this.#say(`  ✔ ${custodian}'s share ${index} checks out (checksum, backup id, index).\n`);
    }
  }

  shareRefused(_request: ShareRequest, reason: Error): boolean {
    if (this.#ask === null) {
      return false;
    }
    this.#say(`  ✘ ${reason.message}\n  Try again.\n`);
    return true;
  }

  async custodianKey({ custodian, what, generated }: ShareRequest & { readonly what: string; readonly generated: boolean }): Promise<CustodianKey | null> {
    let file = this.#keys.get(custodian);
    if (file === undefined && generated) {
      return null;
    }
    if (file === undefined && this.#ask !== null) {
      file = (await this.#ask(`${custodian}, your share is sealed: the path to your private key file: `)).trim();
    }
    if (file === undefined || file === '') {
      throw new ValidationException(`${what} is sealed to ${custodian}'s key and no private key was given to open it (--custodian-key ${custodian}=<file>).`);
    }
    return { pem: readFileOrFail(file, `${custodian}'s private key`), what: `${custodian}'s private key ${file}` };
  }

  stepDone(step: TranscriptStep): void {
    this.#say(this.#ask === null ? `Step ${step.Number} done: ${step.Title}\n` : `Step ${step.Number} done.\n`);
  }
}
