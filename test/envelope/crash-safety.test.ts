// kill -9 in the middle of encrypting or decrypting a 200 MiB file: a child process
// (test/support/envelope-worker.ts) runs encryptFile / decryptFile and is SIGKILLed at random
// moments across its run. After every kill the output either does not exist, or — if the run
// finished first — is complete and correct; the input is unchanged; and the only thing left
// behind is at most one hidden staging file `.<name>.<hex>.partial` (a killed process cannot
// remove it), never a partial file under the final name.
import { spawn, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawAesKeyring } from '../../electron/kms/envelope/keyrings.ts';
import { decryptStream } from '../../electron/kms/envelope/message.ts';
import { tempDir } from '../support/engine.ts';

const worker = fileURLToPath(new URL('../support/envelope-worker.ts', import.meta.url));
// The worker's raw AES keyring namespace and key name (see envelope-worker.ts).
const NAMESPACE = 'strongroom-crash-test';
const KEY_NAME = 'crash-key';

const MIB = 1024 * 1024;
const SIZE = 200 * MIB;
const KILLS = 5;
const MIN_DELAY_MS = 50;
const WRAPPING_KEY = createHash('sha256').update('crash-safety wrapping key').digest();
/** Reproduce a run's kill moments with STRONGROOM_CRASH_SEED=<seed>. */
const SEED = Number(process.env.STRONGROOM_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;

/** mulberry32: a small seeded generator for the kill moments. */
function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

async function sha256File(path: string, length?: number): Promise<string> {
  const hash = createHash('sha256');
  const options = length === undefined ? { highWaterMark: 4 * MIB } : { highWaterMark: 4 * MIB, start: 0, end: length - 1 };
  if (length === 0) {
    return hash.digest('hex');
  }
  for await (const chunk of createReadStream(path, options)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** SHA-256 of the plaintext of an encrypted file, decrypted in this process (verifying everything). */
async function decryptedSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await decryptStream(createReadStream(path, { highWaterMark: 4 * MIB }), (chunk) => void hash.update(chunk), {
    keyrings: [rawAesKeyring(NAMESPACE, KEY_NAME, WRAPPING_KEY)],
  });
  return hash.digest('hex');
}

/** Writes `size` bytes of AES-CTR keystream (seeded, fast) in 8 MiB chunks; returns their SHA-256. */
function writeInput(path: string, size: number): string {
  const stream = createCipheriv('aes-256-ctr', createHash('sha256').update('crash-safety input').digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(8 * MIB);
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    for (let done = 0; done < size; ) {
      const chunk = stream.update(zeros.subarray(0, Math.min(zeros.length, size - done)));
      hash.update(chunk);
      for (let off = 0; off < chunk.length; ) {
        off += writeSync(fd, chunk, off);
      }
      done += chunk.length;
    }
    // On disk before the timed runs, so its write-back does not slow them down.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

type Run = {
  /** From spawn to exit. */
  readonly ms: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** When the kill was sent (ms after spawn), or null if the worker exited first. */
  readonly killedAtMs: number | null;
  /** Whether the worker had begun the work (printed "started") when it was killed. */
  readonly startedBeforeKill: boolean;
  readonly stdout: string;
  readonly stderr: string;
};

const running = new Set<ChildProcess>();

function runWorker(args: ReadonlyArray<string>, killAfterMs: number | null): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let killedAtMs: number | null = null;
    let startedBeforeKill = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer =
      killAfterMs === null
        ? null
        : setTimeout(() => {
            if (child.exitCode === null && child.signalCode === null) {
              killedAtMs = performance.now() - t0;
              startedBeforeKill = stdout.includes('started');
              child.kill('SIGKILL');
            }
          }, killAfterMs);
    child.on('error', (err) => {
      running.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      if (timer !== null) {
        clearTimeout(timer);
      }
      resolve({ ms: performance.now() - t0, code, signal, killedAtMs, startedBeforeKill, stdout, stderr });
    });
  });
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let dir: string;
let plainDir: string;
let sealedDir: string;
let outDir: string;
let plainPath: string;
let sealedPath: string;
let plainSha: string;
let sealedSha: string;
const fullRunMs = { encrypt: 0, decrypt: 0 };
const report: Array<string> = [];

beforeAll(async () => {
  dir = tempDir('strongroom-envelope-crash-');
  plainDir = join(dir, 'plain');
  sealedDir = join(dir, 'sealed');
  outDir = join(dir, 'out');
  for (const d of [plainDir, sealedDir, outDir]) {
    mkdirSync(d);
  }
  plainPath = join(plainDir, 'data.bin');
  sealedPath = join(sealedDir, 'data.bin.strongroom');
  plainSha = writeInput(plainPath, SIZE);

  // Full runs: to make the encrypted input, check it, and time the runs (each is timed twice and
  // the faster run counts: the first spawn is slower, with a cold module cache).
  const enc = await runWorker(['encrypt', plainPath, sealedPath, WRAPPING_KEY.toString('hex')], null);
  expect(enc.code, enc.stderr).toBe(0);
  expect(readdirSync(sealedDir)).toEqual(['data.bin.strongroom']);
  sealedSha = await sha256File(sealedPath);
  expect(await decryptedSha256(sealedPath)).toBe(plainSha);
  const encOut = join(outDir, 'data.bin.strongroom');
  const enc2 = await runWorker(['encrypt', plainPath, encOut, WRAPPING_KEY.toString('hex')], null);
  expect(enc2.code, enc2.stderr).toBe(0);
  rmSync(encOut);
  fullRunMs.encrypt = Math.min(enc.ms, enc2.ms);

  const decOut = join(outDir, 'data.bin');
  const decRuns: Array<number> = [];
  for (let i = 0; i < 2; i++) {
    const dec = await runWorker(['decrypt', sealedPath, decOut, WRAPPING_KEY.toString('hex')], null);
    expect(dec.code, dec.stderr).toBe(0);
    decRuns.push(dec.ms);
    expect(await sha256File(decOut)).toBe(plainSha);
    rmSync(decOut);
  }
  fullRunMs.decrypt = Math.min(...decRuns);
  report.push(`seed ${SEED}; ${SIZE / MIB} MiB input; full runs: encrypt ${Math.round(enc.ms)} and ${Math.round(enc2.ms)} ms, decrypt ${decRuns.map(Math.round).join(' and ')} ms`);
}, 180_000);

afterAll(() => {
  for (const child of running) {
    child.kill('SIGKILL');
  }
  if (dir !== undefined) {
    rmSync(dir, { recursive: true, force: true });
  }
  console.info(`envelope crash safety\n  ${report.join('\n  ')}`);
});

describe('SIGKILL while encrypting or decrypting a 200 MiB file', () => {
  const random = seededRandom(SEED);

  for (const mode of ['encrypt', 'decrypt'] as const) {
    it(`${mode}: ${KILLS} kills spread over the run leave no output (or a complete, correct one), the input unchanged, at most one .partial staging file`, async () => {
      const input = mode === 'encrypt' ? plainPath : sealedPath;
      const inputDir = mode === 'encrypt' ? plainDir : sealedDir;
      const inputSha = mode === 'encrypt' ? plainSha : sealedSha;
      const output = join(outDir, mode === 'encrypt' ? 'data.bin.strongroom' : 'data.bin');
      const finalName = basename(output);
      const stagingPattern = new RegExp(`^\\.${escape(finalName)}\\.[0-9a-f]{12}\\.partial$`);
      const inputStat = statSync(input, { bigint: true });
      const inputEntries = readdirSync(inputDir).sort();
      const span = fullRunMs[mode] - MIN_DELAY_MS;
      let stagingLeftovers = 0;

      for (let i = 0; i < KILLS; i++) {
        // One moment in each fifth of the measured run, so the kills cover its whole length.
        const delay = Math.round(MIN_DELAY_MS + span * ((i + random()) / KILLS));
        const run = await runWorker([mode, input, output, WRAPPING_KEY.toString('hex')], delay);
        const label = `${mode} kill ${i + 1} at ${delay} ms`;
        const finished = run.code === 0;
        if (!finished) {
          expect(run.signal, `${label}: the worker failed on its own: ${run.stderr}`).toBe('SIGKILL');
        }

        const entries = readdirSync(outDir);
        const staging = entries.filter((e) => e !== finalName);
        const hasFinal = entries.includes(finalName);
        let note: string;
        // Only the staging file may be left, at most one, hidden and named *.partial.
        expect(staging.length, `${label}: ${JSON.stringify(entries)}`).toBeLessThanOrEqual(1);
        for (const s of staging) {
          expect(s, label).toMatch(stagingPattern);
        }
        if (finished) {
          expect(entries, `${label}: the run finished`).toEqual([finalName]);
        }
        if (hasFinal) {
          // The rename happened: the output must be whole and correct.
          expect(staging, `${label}: a staging file beside the final output`).toEqual([]);
          const sha = mode === 'encrypt' ? await decryptedSha256(output) : await sha256File(output);
          expect(sha, `${label}: the output under the final name is not the complete result`).toBe(plainSha);
          note = finished ? 'the run finished before the kill: output complete and correct' : 'killed after the rename: output complete and correct';
        } else if (staging[0] !== undefined) {
          const path = join(outDir, staging[0]);
          const st = statSync(path);
          expect(st.mode & 0o777, `${label}: staging file mode`).toBe(0o600);
          if (mode === 'decrypt') {
            // Only authenticated plaintext is ever written: the leftover is a prefix of the plaintext.
            expect(await sha256File(path), `${label}: the staging file is not a prefix of the plaintext`).toBe(await sha256File(plainPath, st.size));
          } else if (st.size >= 3) {
            const head = Buffer.alloc(3);
            const fd = openSync(path, 'r');
            readSync(fd, head, 0, 3, 0);
            closeSync(fd);
            expect([...head], `${label}: the staging file does not start with an ESDK v2 0x0578 header`).toEqual([0x02, 0x05, 0x78]);
          }
          stagingLeftovers++;
          note = `killed mid-run: left ${staging[0]} (${st.size.toLocaleString('en-US')} of ${(mode === 'encrypt' ? statSync(sealedPath).size : SIZE).toLocaleString('en-US')} bytes)`;
        } else {
          note = `killed before the staging file existed (worker had ${run.startedBeforeKill ? '' : 'not yet '}reported starting): nothing left`;
        }
        report.push(`${label}: ${note}`);

        // The input: same bytes, same mtime and size, nothing new beside it.
        const after = statSync(input, { bigint: true });
        expect(after.mtimeNs, `${label}: input mtime`).toBe(inputStat.mtimeNs);
        expect(after.size, `${label}: input size`).toBe(inputStat.size);
        expect(readdirSync(inputDir).sort(), `${label}: input directory`).toEqual(inputEntries);
        expect(await sha256File(input), `${label}: input contents`).toBe(inputSha);

        for (const e of entries) {
          rmSync(join(outDir, e), { force: true });
        }
      }
      // The kills are spread over the run, so some of them land while the staging file is being written.
      expect(stagingLeftovers, `${mode}: no kill landed mid-run; the timing assumptions are off`).toBeGreaterThan(0);
    }, 180_000);
  }
});
