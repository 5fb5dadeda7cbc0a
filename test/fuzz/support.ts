// What every fuzzer shares: how many cases to run, the state a refused input must not change, and
// the tally `npm run fuzz` prints (test/fuzz/run.mjs).
//
// `npm test` runs each surface's default (a bounded number, for ~60 s of added suite time on two
// cores); STRONGROOM_FUZZ_RUNS=<n> runs n cases per surface, STRONGROOM_FUZZ_SECONDS=<s> stops each
// surface after s seconds, STRONGROOM_FUZZ_SEED=<seed> replays a run (fast-check prints the seed
// and the shrunk counterexample of a failure).
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Parameters as FcParameters } from 'fast-check';
import { afterAll, expect } from 'vitest';
import { isKmsErrorName } from '../../shared/api/errors.ts';
import { ManualClock } from '../../electron/kms/clock.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { KmsError } from '../../electron/kms/errors.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';

export const FUZZ_REPORTS = fileURLToPath(new URL('../../.test-tmp/fuzz', import.meta.url));

const envRuns = process.env.STRONGROOM_FUZZ_RUNS === undefined ? undefined : Number(process.env.STRONGROOM_FUZZ_RUNS);
const envSeconds = process.env.STRONGROOM_FUZZ_SECONDS === undefined ? undefined : Number(process.env.STRONGROOM_FUZZ_SECONDS);
const envSeed = process.env.STRONGROOM_FUZZ_SEED === undefined ? undefined : Number(process.env.STRONGROOM_FUZZ_SEED);

/** Whether this run was asked to go long (npm run fuzz), so tests can lift their timeouts. */
export const LONG_RUN = envRuns !== undefined || envSeconds !== undefined;

/** The test timeout for a surface: generous for a long run, the suite's default otherwise. */
export const FUZZ_TIMEOUT_MS = LONG_RUN ? 24 * 3600_000 : 60_000;

/** fast-check parameters for a surface whose bounded run is `defaultRuns` cases. */
export function fuzzParameters<T>(defaultRuns: number): FcParameters<T> {
  return {
    numRuns: envRuns ?? defaultRuns,
    ...(envSeconds === undefined ? {} : { interruptAfterTimeLimit: envSeconds * 1000, markInterruptAsFailure: false }),
    ...(envSeed === undefined ? {} : { seed: envSeed }),
  };
}

/** Counts for one surface: written to .test-tmp/fuzz/<surface>.json when the surface is done. */
export class FuzzTally {
  readonly surface: string;
  cases = 0;
  refused = 0;
  accepted = 0;
  crashes = 0;
  stateChanges = 0;
  readonly errorNames = new Map<string, number>();

  constructor(surface: string) {
    this.surface = surface;
  }

  refusedWith(name: string): void {
    this.refused++;
    this.errorNames.set(name, (this.errorNames.get(name) ?? 0) + 1);
  }

  write(): void {
    mkdirSync(FUZZ_REPORTS, { recursive: true });
    const report = {
      surface: this.surface,
      cases: this.cases,
      accepted: this.accepted,
      refused: this.refused,
      crashes: this.crashes,
      stateChangesOnRefusal: this.stateChanges,
      errorNames: Object.fromEntries([...this.errorNames].sort((a, b) => b[1] - a[1])),
    };
    writeFileSync(join(FUZZ_REPORTS, `${this.surface}.json`), `${JSON.stringify(report, null, 2)}\n`);
  }
}

/** AWS JSON 1.1 error names the endpoint may answer: the engine's, plus the wire's own. */
const WIRE_ONLY = new Set(['MissingAuthenticationTokenException', 'IncompleteSignatureException', 'InvalidSignatureException', 'UnrecognizedClientException', 'RequestEntityTooLargeException', 'UnknownOperationException']);

export function isAwsErrorName(name: unknown): name is string {
  return typeof name === 'string' && (isKmsErrorName(name) || WIRE_ONLY.has(name));
}

/**
 * Everything an installation stores but its audit log: a hash of every row of every other table,
 * read through its own read-only connection (a refused input must leave it as it was; the audit
 * log is expected to grow by the refusal's record).
 */
export class StateProbe {
  readonly #db: Database.Database;
  readonly #tables: ReadonlyArray<string>;

  constructor(dataDir: string) {
    this.#db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    this.#tables = (this.#db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'audit_%' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
  }

  fingerprint(): string {
    const hash = createHash('sha256');
    for (const table of this.#tables) {
      hash.update(`\0${table}\0`);
      for (const row of this.#db.prepare(`SELECT * FROM "${table}" ORDER BY rowid`).raw().iterate() as Iterable<Array<unknown>>) {
        for (const cell of row) {
          hash.update(cell instanceof Uint8Array ? cell : `${typeof cell}:${String(cell)}\u0001`);
        }
      }
    }
    return hash.digest('hex');
  }

  /** Audit records in the live log (a refusal adds exactly one). */
  auditCount(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
  }

  close(): void {
    this.#db.close();
  }
}

/**
 * A folder for a fuzzed installation on a RAM file system when there is one (/dev/shm): every call
 * commits with an fsync, which a tmpfs makes free, so the cases test inputs rather than the disk.
 * Removed after the file's tests.
 */
export function fuzzDir(prefix: string): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, prefix));
  madeDirs.push(dir);
  return dir;
}

// Registered when a test file imports this module, so they run after that file's tests even when
// the folders and engines were made inside its beforeAll (where a new afterAll is not registered).
const madeDirs: Array<string> = [];
const openEngines: Array<Kms> = [];
afterAll(() => {
  for (const kms of openEngines.splice(0)) {
    kms.close();
  }
  for (const dir of madeDirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fresh installation (in-memory root key, tests only) in a fuzzDir, owned by account 111122223333. */
export async function fuzzEngine(prefix: string): Promise<{ kms: Kms; dir: string }> {
  const dir = fuzzDir(prefix);
  const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider(), clock: new ManualClock(), accountId: '111122223333', region: 'local-1' });
  openEngines.push(kms);
  return { kms, dir };
}

/**
 * Runs one call that may be refused. Refused: it must be a KmsError with an AWS name and a
 * message, one audit record, no other stored change. Returns the output, or null when refused.
 */
export async function refusedCleanly<T>(tally: FuzzTally, probe: StateProbe, call: () => Promise<T>): Promise<T | null> {
  tally.cases++;
  const before = probe.fingerprint();
  const records = probe.auditCount();
  try {
    const out = await call();
    tally.accepted++;
    return out;
  } catch (err) {
    if (!(err instanceof KmsError) || !isAwsErrorName(err.name) || err.message.length === 0) {
      tally.crashes++;
      throw err;
    }
    tally.refusedWith(err.name);
    if (probe.fingerprint() !== before) {
      tally.stateChanges++;
      throw new Error(`a refused call (${err.name}: ${err.message}) changed stored state`, { cause: err });
    }
    expect(probe.auditCount()).toBe(records + 1);
    return null;
  }
}
