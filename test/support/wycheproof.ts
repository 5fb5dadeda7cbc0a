// Loads a Wycheproof vector file and flattens it into (group, case) pairs, so tests iterate
// every case of the file rather than a hand-picked few.
import { readFileSync } from 'node:fs';

export type WycheproofCase = {
  readonly tcId: number;
  readonly comment: string;
  readonly flags: ReadonlyArray<string>;
  readonly result: 'valid' | 'invalid' | 'acceptable';
  readonly [field: string]: unknown;
};

export type WycheproofFile<G> = {
  readonly algorithm: string;
  readonly numberOfTests: number;
  readonly testGroups: ReadonlyArray<G & { readonly tests: ReadonlyArray<WycheproofCase> }>;
};

export function loadWycheproof<G>(name: string): WycheproofFile<G> {
  const url = new URL(`../vectors/wycheproof/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as WycheproofFile<G>;
}

export function hex(s: unknown): Uint8Array {
  return Uint8Array.from(Buffer.from(String(s), 'hex'));
}
