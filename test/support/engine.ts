// A real engine on a real SQLite file in a fresh temp directory, with the in-memory root key
// provider (tests only) and a manual clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { ManualClock } from '../../electron/kms/clock.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { KmsError } from '../../electron/kms/errors.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import type { RootKeyProviderKind } from '../../electron/kms/rootkey/provider.ts';

export type TestEngine = {
  readonly kms: Kms;
  readonly dir: string;
  readonly clock: ManualClock;
  reopen(): Promise<Kms>;
  cleanup(): void;
};

/** A tempDir maker for one test file: every folder it makes is removed after the file's tests (afterAll). */
export function tempDirsRemovedAfterAll(): (prefix: string) => string {
  const made: Array<string> = [];
  afterAll(() => {
    for (const dir of made.splice(0)) {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return (prefix) => {
    const dir = tempDir(prefix);
    made.push(dir);
    return dir;
  };
}

export function tempDir(prefix = 'strongroom-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function newEngine(options: { readonly developer?: boolean } = {}): Promise<TestEngine> {
  const dir = tempDir();
  const clock = new ManualClock();
  const provider = new MemoryRootKeyProvider();
  const state = {
    kms: await Kms.init({ dataDir: dir, provider, clock, accountId: '111122223333', region: 'local-1', ...options }),
  };
  return {
    get kms() {
      return state.kms;
    },
    dir,
    clock,
    async reopen() {
      state.kms.close();
      state.kms = await Kms.open({ dataDir: dir, clock, providerForKind: (_k: RootKeyProviderKind) => provider });
      return state.kms;
    },
    cleanup() {
      state.kms.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The AWS error a call rejects with, or a failure if it resolves. */
export async function kmsError(p: Promise<unknown>): Promise<KmsError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof KmsError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected the call to fail with a KMS error, but it succeeded');
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
