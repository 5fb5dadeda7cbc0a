// Envelope file encryption (AWS Encryption SDK message format) measured against peers in one run,
// as ratios against baselines measured side by side (full run: a 1 GiB file; --quick: 64 MiB):
//
//  1. Frame-length sweep: encryptFile / decryptFile (the whole path: read, frame, AES-256-GCM,
//     write, fsync, rename) at 4 KiB, 64 KiB, 256 KiB and 1 MiB frames, for the unsigned 0x0478
//     and the signed 0x0578 suite; also encryptStream / decryptStream into a sink that discards,
//     which shows the CPU cost without the disk.
//  2. The raw primitive: the same file sealed frame by frame with node:crypto AES-256-GCM (a
//     cipher per frame, the same 1 MiB reads, 4 MiB writes through the product's atomic writer,
//     fsync and rename), and a plain copy through that write path (the disk floor).
//  3. The whole `strongroom` command as a user runs it (passphrase installation) against age
//     (X25519 recipient), alternately (A B A B), outputs removed before every run on both sides:
//     encrypt-file (signed) vs `age -r … && fsync`, encrypt-file --no-signing vs plain `age -r`,
//     decrypt-file vs `age -d … && fsync`, each against its target (≥ 1.0 × age's speed, goal
//     1.5 ×); CPU seconds (user + sys, from /usr/bin/time) per GiB against age's (goal ≤ 2 ×);
//     the CLI start (`strongroom list-keys`) shown apart.
//  4. @aws-crypto/client-node's encryptStream / decryptStream with a RawAesKeyringNode, piped to a
//     file through the same write path, against Strongroom with its raw AES keyring.
//  5. Peak RSS of encryptFile and decryptFile of a 4 GiB file (--quick: 512 MiB), each in its own
//     child process, against a child that only loads the modules.
//
// Runs standalone too: `node bench/envelope.ts [--quick] [--sections 3,5]`.

import { spawnSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomBytes, randomFillSync, type KeyObject } from 'node:crypto';
import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import { Kms } from '../electron/kms/engine.ts';
import { decryptFile, encryptFile } from '../electron/kms/envelope/files.ts';
import { writeFileAtomically as writeAtomically } from '../electron/kms/storage/atomic-file.ts';
import { installationKeyring, kmsKeyring, rawAesKeyring, type Keyring } from '../electron/kms/envelope/keyrings.ts';
import { decryptStream, DEFAULT_FRAME_LENGTH, encryptStream } from '../electron/kms/envelope/message.ts';
import type { SuiteId } from '../electron/kms/envelope/suites.ts';
import { MemoryRootKeyProvider } from '../electron/kms/rootkey/memory.ts';
import { buildCliBundle } from './measure.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'electron/cli/bin.cjs');

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const READ_CHUNK = MiB;
const WRITE_BATCH = 4 * MiB;
const FRAMES = [4 * KiB, 64 * KiB, 256 * KiB, MiB] as const;
const SUITES: ReadonlyArray<{ readonly id: SuiteId; readonly label: string }> = [
  { id: 0x0478, label: '0x0478 unsigned' },
  { id: 0x0578, label: '0x0578 signed' },
];
const CONTEXT = { purpose: 'bench' };
const RAW_GOAL = 0.9;
const AGE_GOAL = 1.5;
const RSS_GOAL_MIB = 128;

// ---------------------------------------------------------------------------------------------
// Small helpers

function size(bytes: number): string {
  if (bytes >= GiB && bytes % GiB === 0) {
    return `${bytes / GiB} GiB`;
  }
  if (bytes >= MiB && bytes % MiB === 0) {
    return `${bytes / MiB} MiB`;
  }
  return `${bytes / KiB} KiB`;
}

/** Decimal megabytes per second. */
function mbps(bytes: number, seconds: number): number {
  return bytes / seconds / 1e6;
}

function fmtMbps(bytes: number, seconds: number): string {
  return `${mbps(bytes, seconds).toFixed(0)} MB/s`;
}

function median(xs: ReadonlyArray<number>): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function goal(value: number, target: number): string {
  return `goal ≥ ${target.toFixed(2)}: ${value >= target ? 'met' : 'NOT met'}`;
}

function line(label: string, value: string, note = ''): void {
  console.log(`  ${label.padEnd(62)} ${value.padStart(12)}${note === '' ? '' : `  ${note}`}`);
}

async function* chunksOf(path: string, chunkBytes = READ_CHUNK): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(path, { highWaterMark: chunkBytes })) {
    yield chunk as Buffer;
  }
}

/** The file in pieces of exactly `frame` bytes (the last may be shorter), without copying where a piece lies in one read. */
async function* framesOf(path: string, frame: number): AsyncGenerator<Buffer> {
  let pending: Buffer | null = null;
  let filled = 0;
  for await (const chunk of chunksOf(path)) {
    let offset = 0;
    if (pending !== null) {
      const n = Math.min(frame - filled, chunk.length);
      chunk.copy(pending, filled, 0, n);
      filled += n;
      offset = n;
      if (filled === frame) {
        yield pending;
        pending = null;
      }
    }
    while (chunk.length - offset >= frame) {
      yield chunk.subarray(offset, offset + frame);
      offset += frame;
    }
    if (offset < chunk.length) {
      pending = Buffer.allocUnsafe(frame);
      filled = chunk.copy(pending, 0, offset);
    }
  }
  if (pending !== null) {
    yield pending.subarray(0, filled);
  }
}

type Write = (parts: ReadonlyArray<Buffer>) => Promise<void>;

/**
 * The baselines write through the product's own atomic writer (storage/atomic-file.ts: staging
 * file, queued writes, fsync, rename, fsync of the directory), gathered into two reused 4 MiB
 * buffers in turn (one filling while the other is written), as the pipeline gathers frames.
 */
async function writeFileAtomically(target: string, produce: (write: Write) => Promise<void>): Promise<void> {
  await writeAtomically(target, { replace: true }, async (out) => {
    const buffers = [Buffer.allocUnsafeSlow(WRITE_BATCH), Buffer.allocUnsafeSlow(WRITE_BATCH)];
    const written: Array<Promise<void>> = [Promise.resolve(), Promise.resolve()];
    let turn = 0;
    let filled = 0;
    const flush = async () => {
      const buffer = buffers[turn % 2] as Buffer;
      written[turn % 2] = out.write(buffer.subarray(0, filled));
      turn++;
      filled = 0;
      await written[turn % 2];
    };
    await produce(async (parts) => {
      for (const p of parts) {
        for (let at = 0; at < p.length; ) {
          const n = p.copy(buffers[turn % 2] as Buffer, filled, at);
          filled += n;
          at += n;
          if (filled === WRITE_BATCH) {
            await flush();
          }
        }
      }
    });
    await flush();
  });
}

const discard: Write = async () => {};

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  await writeAtomically(path, {}, async (out) => {
    const block = Buffer.allocUnsafe(4 * MiB);
    for (let done = 0; done < bytes; ) {
      const n = Math.min(block.length, bytes - done);
      randomFillSync(block, 0, n);
      await out.write(block.subarray(0, n));
      done += n;
    }
  });
}

/** `copies` copies of `source` end to end (random data throughout, only periodic at the file's scale). */
async function writeRepeated(path: string, source: string, copies: number): Promise<void> {
  await writeAtomically(path, {}, async (out) => {
    for (let i = 0; i < copies; i++) {
      for await (const chunk of chunksOf(source, 8 * MiB)) {
        await out.write(chunk);
      }
    }
  });
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of chunksOf(path, 8 * MiB)) {
    h.update(chunk);
  }
  return h.digest('hex');
}

async function removeQuietly(...paths: ReadonlyArray<string>): Promise<void> {
  for (const p of paths) {
    await rm(p, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The raw primitive: AES-256-GCM per frame, IV = 8 zero bytes ‖ u32 sequence, iv ‖ ct ‖ tag.

function frameIv(sequence: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(sequence, 8);
  return iv;
}

async function rawEncrypt(input: string, key: Buffer | KeyObject, frameLength: number, write: Write): Promise<void> {
  let sequence = 0;
  for await (const frame of framesOf(input, frameLength)) {
    const iv = frameIv(++sequence);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const ciphertext = c.update(frame);
    c.final();
    await write([iv, ciphertext, c.getAuthTag()]);
  }
}

async function rawDecrypt(input: string, key: Buffer | KeyObject, frameLength: number, write: Write): Promise<void> {
  for await (const frame of framesOf(input, 12 + frameLength + 16)) {
    const d = createDecipheriv('aes-256-gcm', key, frame.subarray(0, 12));
    d.setAuthTag(frame.subarray(frame.length - 16));
    const plaintext = d.update(frame.subarray(12, frame.length - 16));
    d.final();
    await write([plaintext]);
  }
}

// ---------------------------------------------------------------------------------------------
// Sections 1 and 2: the sweep, with the raw primitive and a plain copy in the same rounds.

type Times = { file: Array<number>; memory: Array<number> };
type Cell = { encrypt: Times; decrypt: Times; messageBytes: number };
type SweepResult = {
  readonly strongroom: Map<string, Cell>;
  readonly raw: Map<number, Cell>;
  /** The raw primitive with the key given as a KeyObject made once (no disk only). */
  readonly rawKeyObject: Map<number, Cell>;
  readonly copy: Array<number>;
};

const cellKey = (frame: number, suite: SuiteId): string => `${frame}/${suite}`;
const newCell = (): Cell => ({ encrypt: { file: [], memory: [] }, decrypt: { file: [], memory: [] }, messageBytes: 0 });

async function sweep(dir: string, plain: string, rounds: number): Promise<SweepResult> {
  const kms = await Kms.init({ dataDir: join(dir, 'kms'), provider: new MemoryRootKeyProvider() });
  const strongroom = new Map<string, Cell>();
  const raw = new Map<number, Cell>();
  const rawKeyObject = new Map<number, Cell>();
  const copy: Array<number> = [];
  try {
    const keyId = kms.invokeSync('CreateKey', {}).KeyMetadata.KeyId;
    const encrypting: ReadonlyArray<Keyring> = [kmsKeyring(kms, keyId)];
    const decrypting: ReadonlyArray<Keyring> = [installationKeyring(kms)];
    const rawKey = randomBytes(32);
    const rawKeyObj = createSecretKey(rawKey);
    const expected = await sha256(plain);
    const ct = join(dir, 'sweep.strongroom');
    const out = join(dir, 'sweep.out');
    for (let round = 0; round < rounds; round++) {
      process.stdout.write(`  round ${round + 1}/${rounds} …`);
      for (const frameLength of FRAMES) {
        for (const suite of SUITES) {
          const cell = strongroom.get(cellKey(frameLength, suite.id)) ?? newCell();
          strongroom.set(cellKey(frameLength, suite.id), cell);
          const options = { keyrings: encrypting, context: CONTEXT, suiteId: suite.id, frameLength, force: true };
          cell.encrypt.file.push(await timed(() => encryptFile(plain, ct, options)));
          cell.encrypt.memory.push(await timed(() => encryptStream(chunksOf(plain), () => {}, options)));
          cell.decrypt.file.push(await timed(() => decryptFile(ct, out, { keyrings: decrypting, force: true })));
          cell.decrypt.memory.push(await timed(() => decryptStream(chunksOf(ct), () => {}, { keyrings: decrypting })));
          cell.messageBytes = statSync(ct).size;
          if (round === 0 && (await sha256(out)) !== expected) {
            throw new Error(`decryptFile at ${size(frameLength)} frames, suite ${suite.label}, did not give back the plaintext`);
          }
          await removeQuietly(ct, out);
          process.stdout.write('.');
        }
        const cell = raw.get(frameLength) ?? newCell();
        raw.set(frameLength, cell);
        cell.encrypt.file.push(await timed(() => writeFileAtomically(ct, (w) => rawEncrypt(plain, rawKey, frameLength, w))));
        cell.encrypt.memory.push(await timed(() => rawEncrypt(plain, rawKey, frameLength, discard)));
        cell.decrypt.file.push(await timed(() => writeFileAtomically(out, (w) => rawDecrypt(ct, rawKey, frameLength, w))));
        cell.decrypt.memory.push(await timed(() => rawDecrypt(ct, rawKey, frameLength, discard)));
        const ko = rawKeyObject.get(frameLength) ?? newCell();
        rawKeyObject.set(frameLength, ko);
        ko.encrypt.memory.push(await timed(() => rawEncrypt(plain, rawKeyObj, frameLength, discard)));
        ko.decrypt.memory.push(await timed(() => rawDecrypt(ct, rawKeyObj, frameLength, discard)));
        cell.messageBytes = statSync(ct).size;
        if (round === 0 && (await sha256(out)) !== expected) {
          throw new Error(`the raw AES-GCM baseline at ${size(frameLength)} frames did not round-trip`);
        }
        await removeQuietly(ct, out);
        process.stdout.write('.');
      }
      copy.push(
        await timed(() =>
          writeFileAtomically(out, async (w) => {
            for await (const chunk of chunksOf(plain)) {
              await w([chunk]);
            }
          }),
        ),
      );
      await removeQuietly(out);
      process.stdout.write('\n');
    }
  } finally {
    kms.close();
  }
  return { strongroom, raw, rawKeyObject, copy };
}

function printSweep(r: SweepResult, bytes: number, rounds: number): void {
  const head = `  ${'frame'.padEnd(9)}${'suite'.padEnd(18)}${'encryptFile'.padStart(13)}${'decryptFile'.padStart(13)}${'encrypt, no disk'.padStart(18)}${'decrypt, no disk'.padStart(18)}${'size +'.padStart(10)}`;
  console.log(`\n1. Frame-length sweep: ${size(bytes)} of random data, median of ${rounds} round${rounds === 1 ? '' : 's'} (MB/s = 10^6 bytes/s)`);
  console.log('   encryptFile/decryptFile: the file pipeline (file-pipeline.ts: reused buffers, queued writes, SHA-384 on a worker), fsync, rename.');
  console.log('   "no disk": encryptStream/decryptStream from the same (page-cached) file into a sink that discards.');
  console.log('   File figures depend on how fast the OS hands out page-cache pages (on a VM that returns free memory to the host they');
  console.log('   vary run to run, and a write soon after another is slower); the raw baseline runs in the same slots. CPU: "no disk".');
  console.log(head);
  const fileCol = (xs: ReadonlyArray<number>) => (xs.length === 0 ? '—' : fmtMbps(bytes, median(xs)));
  const row = (frame: number, label: string, c: Cell) =>
    console.log(
      `  ${size(frame).padEnd(9)}${label.padEnd(18)}${fileCol(c.encrypt.file).padStart(13)}${fileCol(c.decrypt.file).padStart(13)}${fmtMbps(bytes, median(c.encrypt.memory)).padStart(18)}${fmtMbps(bytes, median(c.decrypt.memory)).padStart(18)}${(c.messageBytes === 0 ? '—' : `${(((c.messageBytes - bytes) / bytes) * 100).toFixed(3)} %`).padStart(10)}`,
    );
  for (const frame of FRAMES) {
    for (const suite of SUITES) {
      const c = r.strongroom.get(cellKey(frame, suite.id));
      if (c !== undefined) {
        row(frame, suite.label, c);
      }
    }
    const rc = r.raw.get(frame);
    if (rc !== undefined) {
      row(frame, 'raw AES-256-GCM', rc);
    }
    const ko = r.rawKeyObject.get(frame);
    if (ko !== undefined) {
      row(frame, 'raw, KeyObject', ko);
    }
  }
  console.log(`  ${'plain copy, same write path (disk floor)'.padEnd(27)}${fmtMbps(bytes, median(r.copy)).padStart(13)}`);
  console.log('  raw AES-256-GCM: node:crypto, createCipheriv per frame with the key as a Buffer (as message.ts does); iv ‖ ct ‖ tag.');
  console.log('  raw, KeyObject: the same with createSecretKey(key) made once per file and passed to every createCipheriv.');

  console.log(`\n  Fastest frame length (default now ${size(DEFAULT_FRAME_LENGTH)}), and 4 KiB against it (time per byte; D19 measured 3–5×):`);
  for (const suite of SUITES) {
    for (const [what, pick] of [
      ['encryptFile', (c: Cell) => median(c.encrypt.file)],
      ['decryptFile', (c: Cell) => median(c.decrypt.file)],
      ['encrypt, no disk', (c: Cell) => median(c.encrypt.memory)],
      ['decrypt, no disk', (c: Cell) => median(c.decrypt.memory)],
    ] as const) {
      const times = FRAMES.map((f) => ({ frame: f, seconds: pick(r.strongroom.get(cellKey(f, suite.id)) ?? newCell()) }));
      const best = times.reduce((a, b) => (b.seconds < a.seconds ? b : a));
      const four = times[0] ?? best;
      const dflt = times.find((t) => t.frame === DEFAULT_FRAME_LENGTH);
      const defaultNote = dflt === undefined ? '' : `; default ${size(DEFAULT_FRAME_LENGTH)} ${((dflt.seconds / best.seconds - 1) * 100).toFixed(1)} % slower than fastest`;
      line(`${suite.label}, ${what}: fastest ${size(best.frame)}`, fmtMbps(bytes, best.seconds), `4 KiB is ${(four.seconds / best.seconds).toFixed(2)}× slower${defaultNote}`);
    }
  }
}

function printRaw(r: SweepResult, bytes: number): void {
  const frame = DEFAULT_FRAME_LENGTH;
  const raw = r.raw.get(frame);
  if (raw === undefined) {
    return;
  }
  console.log(`\n2. Strongroom ÷ raw node:crypto AES-256-GCM, frame by frame at ${size(frame)} (the default), same reads and write path`);
  console.log('   throughput ratio (1.00 = as fast as the bare primitive)');
  for (const suite of SUITES) {
    const c = r.strongroom.get(cellKey(frame, suite.id));
    if (c === undefined) {
      continue;
    }
    const unsigned = suite.id === 0x0478;
    for (const [what, sr, base] of [
      ['encryptFile', median(c.encrypt.file), median(raw.encrypt.file)],
      ['decryptFile', median(c.decrypt.file), median(raw.decrypt.file)],
      ['encrypt, no disk', median(c.encrypt.memory), median(raw.encrypt.memory)],
      ['decrypt, no disk', median(c.decrypt.memory), median(raw.decrypt.memory)],
    ] as const) {
      const ratio = base / sr;
      line(`${suite.label} ${what}: ${fmtMbps(bytes, sr)} vs raw ${fmtMbps(bytes, base)}`, ratio.toFixed(2), unsigned ? goal(ratio, RAW_GOAL) : '(signed: SHA-384 over every byte; no goal)');
    }
  }
  for (const [title, base] of [
    ['Every frame length, Strongroom ÷ raw (encrypt, no disk / decrypt, no disk):', r.raw],
    ['Every frame length, Strongroom ÷ raw with a KeyObject key (encrypt, no disk / decrypt, no disk):', r.rawKeyObject],
  ] as const) {
    console.log(`   ${title}`);
    for (const f of FRAMES) {
      const rc = base.get(f);
      const parts = SUITES.map((s) => {
        const c = r.strongroom.get(cellKey(f, s.id));
        return c === undefined || rc === undefined
          ? ''
          : `${s.label} ${(median(rc.encrypt.memory) / median(c.encrypt.memory)).toFixed(2)} / ${(median(rc.decrypt.memory) / median(c.decrypt.memory)).toFixed(2)}`;
      });
      console.log(`    ${size(f).padEnd(8)} ${parts.join('    ')}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Section 3: age against the CLI.

type Run = { readonly seconds: number; readonly cpuSeconds: number | null; readonly maxRssKiB: number | null };

const haveTime = existsSync('/usr/bin/time');

/**
 * Runs a command (under /usr/bin/time, for its CPU time and peak RSS, when available); with
 * `fsyncAfter`, fsyncs that file once the command has exited, inside the timing (age does not
 * make its output durable; Strongroom does). Under /usr/bin/time the fsync is coreutils' `sync
 * FILE` after the command in one shell, so its CPU (the write-back it submits) counts on the side
 * whose wall time it is in, as Strongroom's own fsync counts on its side. Throws on failure.
 */
function runCommand(cmd: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, fsyncAfter?: string): Run {
  const start = process.hrtime.bigint();
  const timed = fsyncAfter === undefined ? [cmd, ...args] : ['sh', '-c', '"$@" && exec sync -- "$BENCH_SYNC_FILE"', 'sh', cmd, ...args];
  const r = haveTime
    ? spawnSync('/usr/bin/time', ['-f', 'maxrss=%M cpu=%U+%S', ...timed], { env: { ...env, BENCH_SYNC_FILE: fsyncAfter ?? '' }, encoding: 'utf8' })
    : spawnSync(cmd, args, { env, encoding: 'utf8' });
  if (!haveTime && fsyncAfter !== undefined && r.status === 0) {
    const fd = openSync(fsyncAfter, 'r');
    fsyncSync(fd);
    closeSync(fd);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  }
  const m = /maxrss=(\d+) cpu=([\d.]+)\+([\d.]+)/.exec(r.stderr);
  return { seconds, cpuSeconds: m === null ? null : Number(m[2]) + Number(m[3]), maxRssKiB: m === null ? null : Number(m[1]) };
}

function medianRun(runs: ReadonlyArray<Run>): Run {
  const cpu = runs.map((r) => r.cpuSeconds).filter((x): x is number => x !== null);
  const rss = runs.map((r) => r.maxRssKiB).filter((x): x is number => x !== null);
  return { seconds: median(runs.map((r) => r.seconds)), cpuSeconds: cpu.length === 0 ? null : median(cpu), maxRssKiB: rss.length === 0 ? null : Math.max(...rss) };
}

/** One comparison: a peer command and Strongroom's, run alternately (A B A B …), outputs removed before each run. */
type Pair = {
  readonly label: string;
  readonly peerLabel: string;
  readonly peer: () => Run;
  readonly ours: () => Run;
  readonly before: () => void;
};

async function ageAgainstCli(dir: string, plain: string, bytes: number, runs: number, inProcess: Map<string, Cell>): Promise<void> {
  console.log(`\n3. age ${spawnSync('age', ['--version'], { encoding: 'utf8' }).stdout.trim()} against the whole \`strongroom\` command on the same ${size(bytes)} file, median of ${runs} alternating run${runs === 1 ? '' : 's'}`);
  if (spawnSync('age', ['--version']).status !== 0) {
    console.log('  skipped: age is not installed');
    return;
  }
  const keyFile = join(dir, 'age.key');
  spawnSync('age-keygen', ['-o', keyFile], { encoding: 'utf8' });
  const recipient = spawnSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).stdout.trim();
  const ageOut = join(dir, 'plain.age');
  const ageBack = join(dir, 'plain.age.out');
  const env = process.env;

  const data = join(dir, 'cli-data');
  // A short idle expiry: an agent the stop below misses (two were seen for one installation) goes soon.
  const cliEnv = { ...process.env, STRONGROOM_DATA_DIR: data, STRONGROOM_PASSPHRASE: 'benchmark passphrase', STRONGROOM_AGENT_IDLE_SECONDS: '120' };
  const init = spawnSync(process.execPath, [bin, 'init', '--root-key', 'passphrase'], { env: cliEnv, encoding: 'utf8' });
  if (init.status !== 0) {
    console.log(`  skipped the CLI: init failed: ${init.stderr.trim().split('\n')[0]}`);
    return;
  }
  const created = spawnSync(process.execPath, [bin, 'create-key'], { env: cliEnv, encoding: 'utf8' });
  const arn = String((JSON.parse(created.stdout) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn);
  // create-key unlocked the installation and started its agent, which derives the key itself
  // before it listens: the runs below measure the session's later calls, so they wait for it.
  for (let i = 0; i < 100; i++) {
    const status = spawnSync(process.execPath, [bin, 'agent', 'status'], { env: cliEnv, encoding: 'utf8' });
    if (status.status === 0 && (JSON.parse(status.stdout) as { Running?: boolean }).Running === true) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const encDir = join(dir, 'cli-enc');
  const decDir = join(dir, 'cli-dec');
  mkdirSync(encDir);
  mkdirSync(decDir);
  const encrypted = join(encDir, 'plain.bin.strongroom');
  const decrypted = join(decDir, 'plain.bin');
  const encrypt = (signing: boolean) => () => runCommand(process.execPath, [bin, 'encrypt-file', plain, '--key-id', arn, '--output-dir', encDir, ...(signing ? [] : ['--no-signing'])], cliEnv);
  const ageEncrypt = (sync: boolean) => () => runCommand('age', ['-e', '-r', recipient, '-o', ageOut, plain], env, sync ? ageOut : undefined);
  // Each side's previous output is removed before its run: age truncates its output at open, and
  // Strongroom with --force would free the old file's page cache only at its rename, leaving the
  // next run to fault in fresh pages; removing both keeps the comparison about the work.
  const clear = () => {
    rmSync(ageOut, { force: true });
    rmSync(ageBack, { force: true });
    rmSync(encrypted, { force: true });
    rmSync(decrypted, { force: true });
  };
  const bare = medianRun(Array.from({ length: runs }, () => runCommand(process.execPath, ['-e', ''], env)));
  const start = medianRun(Array.from({ length: runs }, () => runCommand(process.execPath, [bin, 'list-keys'], cliEnv)));
  const ms = (r: Run) => `${(r.seconds * 1000).toFixed(0)} ms`;
  const cpuNote = (r: Run) => (r.cpuSeconds === null ? '' : `CPU ${r.cpuSeconds.toFixed(2)} s`);
  const rssNote = (r: Run) => (r.maxRssKiB === null ? '' : `, peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB`);
  line('node -e "" (process start)', ms(bare), cpuNote(bare) + rssNote(bare));
  line('strongroom list-keys (CLI start, through the agent)', ms(start), cpuNote(start) + rssNote(start));

  const pairs: ReadonlyArray<Pair> = [
    { label: 'strongroom encrypt-file (signed 0x0578)', peerLabel: 'age -e -r … && fsync', peer: ageEncrypt(true), ours: encrypt(true), before: clear },
    { label: 'strongroom encrypt-file --no-signing (0x0478)', peerLabel: 'age -e -r …', peer: ageEncrypt(false), ours: encrypt(false), before: clear },
    {
      label: 'strongroom decrypt-file (signed 0x0578)',
      peerLabel: 'age -d … && fsync',
      peer: () => runCommand('age', ['-d', '-i', keyFile, '-o', ageBack, ageOut], env, ageBack),
      ours: () => runCommand(process.execPath, [bin, 'decrypt-file', encrypted, '--output-dir', decDir], cliEnv),
      before: () => {
        // Both decrypt what they wrote, made once, untimed.
        clear();
        ageEncrypt(false)();
        encrypt(true)();
        rmSync(decrypted, { force: true });
      },
    },
  ];
  console.log(`  ${'command'.padEnd(50)} ${'wall'.padStart(8)} ${'CPU'.padStart(8)} ${'RSS'.padStart(8)}   speed ratio = peer wall ÷ ours (target ≥ 1.00, goal ≥ ${AGE_GOAL.toFixed(2)})`);
  const cpuRatios: Array<string> = [];
  for (const pair of pairs) {
    pair.before();
    const peerRuns: Array<Run> = [];
    const ourRuns: Array<Run> = [];
    for (let i = 0; i < runs; i++) {
      // Outputs removed between runs; the decryption inputs stay.
      rmSync(pair === pairs[2] ? ageBack : ageOut, { force: true });
      peerRuns.push(pair.peer());
      rmSync(pair === pairs[2] ? decrypted : encrypted, { force: true });
      ourRuns.push(pair.ours());
    }
    const peer = medianRun(peerRuns);
    const ours = medianRun(ourRuns);
    const row = (label: string, r: Run, note: string) =>
      console.log(
        `  ${label.padEnd(50)} ${`${r.seconds.toFixed(2)} s`.padStart(8)} ${(r.cpuSeconds === null ? '—' : `${r.cpuSeconds.toFixed(2)} s`).padStart(8)} ${(r.maxRssKiB === null ? '—' : `${(r.maxRssKiB / 1024).toFixed(0)} MiB`).padStart(8)}   ${note}`,
      );
    const ratio = peer.seconds / ours.seconds;
    row(pair.peerLabel, peer, '');
    row(pair.label, ours, `${ratio.toFixed(2)} × ${ratio >= AGE_GOAL ? '(target and goal met)' : ratio >= 1 ? '(target met; goal not)' : '(target NOT met)'}`);
    const beyondStart = { ...ours, seconds: ours.seconds - start.seconds };
    row('  the same minus the CLI start (list-keys)', beyondStart, `${(peer.seconds / beyondStart.seconds).toFixed(2)} ×`);
    if (peer.cpuSeconds !== null && ours.cpuSeconds !== null) {
      const perGiB = (cpu: number) => (cpu * GiB) / bytes;
      cpuRatios.push(
        `  ${pair.label.padEnd(50)} ${perGiB(ours.cpuSeconds).toFixed(2)} s/GiB vs age ${perGiB(peer.cpuSeconds).toFixed(2)}: ${(ours.cpuSeconds / peer.cpuSeconds).toFixed(2)} × (goal ≤ 2: ${ours.cpuSeconds <= 2 * peer.cpuSeconds ? 'met' : 'NOT met'}); without the CLI start ${(perGiB(ours.cpuSeconds - (start.cpuSeconds ?? 0))).toFixed(2)} s/GiB`,
      );
    }
  }
  const c = inProcess.get(cellKey(DEFAULT_FRAME_LENGTH, 0x0578));
  if (c !== undefined) {
    line('in process (§1): encryptFile / decryptFile, signed, default frames', `${median(c.encrypt.file).toFixed(2)} / ${median(c.decrypt.file).toFixed(2)} s`);
  }
  if (cpuRatios.length > 0) {
    console.log('  CPU seconds (user + sys) per GiB, whole command:');
    for (const r of cpuRatios) {
      console.log(r);
    }
  }
  console.log('  The CLI runs on a passphrase installation: after its unlock, calls go through its agent (D30).');
  clear();
}

// ---------------------------------------------------------------------------------------------
// Section 4: the AWS Encryption SDK for JavaScript.

async function againstSdk(dir: string, plain: string, bytes: number, rounds: number): Promise<void> {
  console.log(`\n4. @aws-crypto/client-node encryptStream/decryptStream (RawAesKeyringNode) against Strongroom (raw AES keyring), ${size(bytes)}, median of ${rounds}`);
  console.log('   the SDK reads 1 MiB chunks and writes through the product atomic writer in 4 MiB batches; Strongroom is encryptFile/decryptFile');
  const wrappingKey = randomBytes(32);
  const sdkKeyring = () =>
    new RawAesKeyringNode({ keyName: 'bench', keyNamespace: 'strongroom-bench', unencryptedMasterKey: Uint8Array.from(wrappingKey), wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING, utf8Sorting: true });
  const ours = [rawAesKeyring('strongroom-bench', 'bench', wrappingKey)];
  const client = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const sdkSuite = (id: SuiteId) => (id === 0x0478 ? AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY : AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384);
  const ct = join(dir, 'sdk.ct');
  const out = join(dir, 'sdk.out');
  const frames = [...new Set([4 * KiB, DEFAULT_FRAME_LENGTH])];
  console.log(`  ${'frame'.padEnd(9)}${'suite'.padEnd(18)}${'SDK encrypt'.padStart(13)}${'Strongroom'.padStart(12)}${'speed-up'.padStart(10)}${'SDK decrypt'.padStart(14)}${'Strongroom'.padStart(12)}${'speed-up'.padStart(10)}`);
  for (const frameLength of frames) {
    for (const suite of SUITES) {
      const t = { sdkEnc: [] as Array<number>, srEnc: [] as Array<number>, sdkDec: [] as Array<number>, srDec: [] as Array<number> };
      for (let round = 0; round < rounds; round++) {
        t.sdkEnc.push(
          await timed(() =>
            writeFileAtomically(ct, (w) =>
              pipeline(createReadStream(plain, { highWaterMark: READ_CHUNK }), client.encryptStream(sdkKeyring(), { suiteId: sdkSuite(suite.id), frameLength, encryptionContext: CONTEXT }), async (source: AsyncIterable<Buffer>) => {
                for await (const chunk of source) {
                  await w([chunk]);
                }
              }),
            ),
          ),
        );
        t.sdkDec.push(
          await timed(() =>
            writeFileAtomically(out, (w) =>
              pipeline(createReadStream(ct, { highWaterMark: READ_CHUNK }), client.decryptStream(sdkKeyring()), async (source: AsyncIterable<Buffer>) => {
                for await (const chunk of source) {
                  await w([chunk]);
                }
              }),
            ),
          ),
        );
        if (round === 0 && statSync(out).size !== bytes) {
          throw new Error('the SDK did not round-trip the file');
        }
        await removeQuietly(ct, out);
        t.srEnc.push(await timed(() => encryptFile(plain, ct, { keyrings: ours, context: CONTEXT, suiteId: suite.id, frameLength, force: true })));
        t.srDec.push(await timed(() => decryptFile(ct, out, { keyrings: ours, force: true })));
        await removeQuietly(ct, out);
      }
      const [se, re, sd, rd] = [median(t.sdkEnc), median(t.srEnc), median(t.sdkDec), median(t.srDec)];
      console.log(
        `  ${size(frameLength).padEnd(9)}${suite.label.padEnd(18)}${fmtMbps(bytes, se).padStart(13)}${fmtMbps(bytes, re).padStart(12)}${`${(se / re).toFixed(2)}×`.padStart(10)}${fmtMbps(bytes, sd).padStart(14)}${fmtMbps(bytes, rd).padStart(12)}${`${(sd / rd).toFixed(2)}×`.padStart(10)}`,
      );
    }
  }
  console.log('  speed-up = SDK time ÷ Strongroom time (above 1: Strongroom is faster). The SDK writes plaintext before a signed');
  console.log('  message\'s signature is checked; Strongroom also writes before, but renames the output into place only after.');
}

// ---------------------------------------------------------------------------------------------
// Section 5: peak RSS in a child process.

const CHILD = `
const job = JSON.parse(process.env.STRONGROOM_BENCH_JOB);
const { encryptFile, decryptFile } = await import(job.files);
const { rawAesKeyring } = await import(job.keyrings);
const keyrings = [rawAesKeyring('strongroom-bench', 'rss', Buffer.from(job.key, 'hex'))];
const { readFileSync } = await import('node:fs');
const hwm = () => {
  try {
    const m = /VmHWM:\\s*(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
};
const loadedKiB = Math.round(process.memoryUsage.rss() / 1024);
let sampledKiB = loadedKiB;
const sampler = setInterval(() => {
  sampledKiB = Math.max(sampledKiB, Math.round(process.memoryUsage.rss() / 1024));
}, 10);
const start = performance.now();
let info = null;
if (job.op === 'encrypt') {
  info = await encryptFile(job.input, job.output, { keyrings, suiteId: job.suite, force: true });
} else if (job.op === 'decrypt') {
  info = await decryptFile(job.input, job.output, { keyrings, force: true });
}
const seconds = (performance.now() - start) / 1000;
clearInterval(sampler);
sampledKiB = Math.max(sampledKiB, Math.round(process.memoryUsage.rss() / 1024));
process.stdout.write(JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS, hwmKiB: hwm(), loadedKiB, sampledKiB, seconds, bytes: info === null ? 0 : info.plaintextBytes, frameLength: info === null ? 0 : info.frameLength }));
`;

type ChildResult = { maxRssKiB: number; hwmKiB: number | null; loadedKiB: number; sampledKiB: number; seconds: number; bytes: number; frameLength: number };

function child(job: Record<string, string | number>): ChildResult {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: { ...process.env, STRONGROOM_BENCH_JOB: JSON.stringify({ ...job, files: pathToFileURL(join(root, 'electron/kms/envelope/files.ts')).href, keyrings: pathToFileURL(join(root, 'electron/kms/envelope/keyrings.ts')).href }) },
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    throw new Error(`RSS child (${String(job.op)}) failed: ${r.stderr}`);
  }
  return JSON.parse(r.stdout) as ChildResult;
}

async function peakRss(dir: string, plain: string, bytes: number, quick: boolean): Promise<void> {
  const want = quick ? 512 * MiB : 4 * GiB;
  const stats = statfsSync(dir);
  const free = stats.bavail * stats.bsize;
  console.log(`\n5. Peak RSS of encryptFile / decryptFile, each in a fresh child process (raw AES keyring), suite 0x0578, default frames`);
  let big = plain;
  let bigBytes = bytes;
  const needed = quick ? 2 * GiB : 10 * GiB;
  if (free < needed) {
    console.log(`  ${size(want)} case skipped: ${(free / GiB).toFixed(1)} GiB free in ${dir}, below ${size(needed)}; measuring the ${size(bytes)} file instead`);
  } else {
    big = join(dir, 'big.bin');
    bigBytes = want;
    await writeRepeated(big, plain, want / bytes);
  }
  const key = randomBytes(32).toString('hex');
  const ct = join(dir, 'big.strongroom');
  const out = join(dir, 'big.out');
  const idle = child({ op: 'none', key });
  const enc = child({ op: 'encrypt', input: big, output: ct, key, suite: 0x0578 });
  if (big !== plain) {
    await removeQuietly(big); // keep at most two big files on disk at a time
  }
  const dec = child({ op: 'decrypt', input: ct, output: out, key });
  const ok = enc.bytes === bigBytes && dec.bytes === bigBytes && statSync(out).size === bigBytes;
  await removeQuietly(ct, out);
  const mib = (kib: number) => (kib / 1024).toFixed(1);
  const peakOf = (r: ChildResult) => r.hwmKiB ?? r.maxRssKiB;
  console.log(`  peak = VmHWM of the child (/proc/self/status); after load = RSS once the modules are loaded; during = highest RSS sampled every 10 ms`);
  console.log(`  ${''.padEnd(36)}${'peak'.padStart(11)}${'after load'.padStart(12)}${'during'.padStart(11)}${'maxRSS'.padStart(11)}`);
  for (const [label, r] of [
    ['child that only loads the modules', idle],
    [`encryptFile ${size(bigBytes)}`, enc],
    [`decryptFile ${size(bigBytes)}`, dec],
  ] as const) {
    const peak = peakOf(r) / 1024;
    const note = r === idle ? '' : `  ${peak <= RSS_GOAL_MIB ? `goal ≤ ${RSS_GOAL_MIB} MiB: met` : `goal ≤ ${RSS_GOAL_MIB} MiB: NOT met`}; +${(peak - peakOf(idle) / 1024).toFixed(1)} MiB over the loaded child; ${fmtMbps(r.bytes, r.seconds)}, ${size(r.frameLength)} frames`;
    console.log(`  ${label.padEnd(36)}${`${mib(peakOf(r))} MiB`.padStart(11)}${`${mib(r.loadedKiB)} MiB`.padStart(12)}${`${mib(r.sampledKiB)} MiB`.padStart(11)}${`${mib(r.maxRssKiB)} MiB`.padStart(11)}${note}`);
  }
  console.log(`  process.resourceUsage().maxRSS (last column) is not the child's own peak on Linux: the kernel carries the forking parent's`);
  console.log(`  RSS at the spawn (this benchmark's is ${mib(process.memoryUsage.rss() / 1024)} MiB now) across fork + exec, so it reads high; VmHWM is the child's own.`);
  if (!ok) {
    console.log(`  WARNING: byte counts do not match (${size(bigBytes)} expected; encrypt ${enc.bytes}, decrypt ${dec.bytes})`);
  }
}

// ---------------------------------------------------------------------------------------------

/** `sections`: which of 1–5 to run (1 and 2 are one measurement); all by default. */
export async function envelopeBench(options: { quick: boolean; sections?: ReadonlySet<number> }): Promise<void> {
  const bytes = options.quick ? 64 * MiB : GiB;
  const rounds = options.quick ? 1 : 3;
  const runs = (n: number) => options.sections === undefined || options.sections.has(n);
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-bench-envelope-'));
  try {
    console.log(`\nEnvelope files (AWS Encryption SDK format) — ${size(bytes)} file in ${dir}, ${process.platform}/${process.arch}, ${options.quick ? 'quick' : 'full'} run`);
    const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log(`  ${availableParallelism()} CPUs; load average at start ${load()} (other processes on the machine skew every figure; ratios are measured side by side)`);
    const plain = join(dir, 'plain.bin');
    await writeRandomFile(plain, bytes);
    let inProcess = new Map<string, Cell>();
    if (runs(1) || runs(2)) {
      const sweepResult = await sweep(dir, plain, rounds);
      printSweep(sweepResult, bytes, rounds);
      printRaw(sweepResult, bytes);
      inProcess = sweepResult.strongroom;
    }
    if (runs(3)) {
      try {
        await buildCliBundle();
        await ageAgainstCli(dir, plain, bytes, options.quick ? 1 : 3, inProcess);
      } finally {
        // The passphrase installation's unlock started an agent (D30): it must not outlive the run
        // (seen: two agents for one installation, so stop until none answers).
        const env = { ...process.env, STRONGROOM_DATA_DIR: join(dir, 'cli-data') };
        for (let i = 0; i < 5 && /"Stopped": true/.test(spawnSync(process.execPath, [bin, 'agent', 'stop'], { env, encoding: 'utf8' }).stdout); i++) {
          // stop the next one
        }
      }
    }
    if (runs(4)) {
      await againstSdk(dir, plain, bytes, options.quick ? 1 : 2);
    }
    if (runs(5)) {
      await peakRss(dir, plain, bytes, options.quick);
    }
    console.log(`\n  load average at the end ${load()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  // `--sections 3,5` runs only those sections (the others take most of the 25 minutes).
  const at = process.argv.indexOf('--sections');
  const sections = at < 0 ? undefined : new Set((process.argv[at + 1] ?? '').split(',').map(Number));
  await envelopeBench({ quick: process.argv.includes('--quick'), ...(sections === undefined ? {} : { sections }) });
}
