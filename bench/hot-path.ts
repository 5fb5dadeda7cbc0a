// The hot path (issue 19): audited calls per second through Kms.invoke — every call validated,
// authorized, audited and durable (synchronous=FULL) before it is answered — by many concurrent
// callers (the commit group gives them one fsync per group) and by one caller at a time, beside
// the primitives measured in the same run: an fsync loop in the same folder, and node:crypto.

import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kms } from '../electron/kms/engine.ts';
import { MemoryRootKeyProvider } from '../electron/kms/rootkey/memory.ts';
import { atLeast, type TargetRow } from './targets.ts';


/** Calls per second of `callers` concurrent loops of `call` for `seconds`. */
export async function concurrentRate(call: () => Promise<unknown>, callers: number, seconds: number): Promise<number> {
  let deadline = 0;
  let done = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await call();
      done++;
    }
  };
  // Warm-up: the JIT, the material cache, the WAL grown to its working size.
  const warmUntil = performance.now() + Math.min(500, seconds * 250);
  await Promise.all(Array.from({ length: callers }, async () => {
    while (performance.now() < warmUntil) {
      await call();
    }
  }));
  const start = performance.now();
  deadline = start + seconds * 1000;
  await Promise.all(Array.from({ length: callers }, loop));
  return done / ((performance.now() - start) / 1000);
}

/** concurrentRate, printed as one line of a section. */
export async function printedRate(label: string, call: () => Promise<unknown>, callers: number, seconds: number): Promise<number> {
  const rate = await concurrentRate(call, callers, seconds);
  console.log(`  ${label.padEnd(58)} ${rate.toFixed(0).padStart(10)} calls/s`);
  return rate;
}

/** Small durable appends per second: write 512 bytes, fsync, in `dir` (the database's file system). */
export function fsyncLoopRate(dir: string, seconds: number): number {
  const file = join(dir, 'fsync-loop.bin');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(512, 1);
  try {
    let n = 0;
    const start = performance.now();
    const deadline = start + seconds * 1000;
    while (performance.now() < deadline) {
      writeSync(fd, block, 0, block.length, (n % 64) * 512);
      fsyncSync(fd);
      n++;
    }
    return n / ((performance.now() - start) / 1000);
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
}

export async function hotPath(seconds: number, callers: number): Promise<Array<TargetRow>> {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-bench-hot-'));
  const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider() });
  const rows: Array<TargetRow> = [];
  try {
    const keyId = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const macKey = (await kms.invoke('CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata.KeyId;
    const Plaintext = new Uint8Array(32).fill(7);
    const EncryptionContext = { purpose: 'bench' };
    const { CiphertextBlob } = await kms.invoke('Encrypt', { KeyId: keyId, Plaintext, EncryptionContext });
    const calls: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
      ['Encrypt (32 B)', () => kms.invoke('Encrypt', { KeyId: keyId, Plaintext, EncryptionContext })],
      ['Decrypt', () => kms.invoke('Decrypt', { CiphertextBlob, EncryptionContext })],
      ['GenerateDataKey AES_256', () => kms.invoke('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' })],
      ['GenerateMac HMAC_SHA_256', () => kms.invoke('GenerateMac', { KeyId: macKey, Message: Plaintext, MacAlgorithm: 'HMAC_SHA_256' })],
    ];
    console.log(`\nHot path: audited calls through Kms.invoke, synchronous=FULL, ${callers} concurrent callers (one fsync per commit group)`);
    for (const [label, call] of calls) {
      const rate = await printedRate(label, call, callers, seconds);
      rows.push(atLeast(`${label}, ${callers} callers`, rate, 'calls/s', 10_000));
    }
    const fsyncs = fsyncLoopRate(dir, seconds);
    const single = await concurrentRate(calls[0]?.[1] ?? (() => Promise.resolve()), 1, seconds);
    console.log(`  ${'fsync loop (512 B write + fsync, same file system)'.padEnd(58)} ${fsyncs.toFixed(0).padStart(10)} /s`);
    console.log(`  ${'Encrypt, one caller at a time'.padEnd(58)} ${single.toFixed(0).padStart(10)} calls/s = ${(single / fsyncs).toFixed(2)} × the fsync loop`);
    rows.push(atLeast('Encrypt, one caller ÷ fsync loop', single / fsyncs, '×', 0.5));
    console.log(`  audit records written during the run: ${kms.audit.count()}`);
  } finally {
    kms.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
