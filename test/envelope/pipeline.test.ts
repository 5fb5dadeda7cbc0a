// The file pipeline (electron/kms/envelope/file-pipeline.ts) on files big enough for its worker
// thread and its block boundaries: what encryptFile writes, decryptStream (the in-thread reader)
// opens, and what encryptStream writes, decryptFile opens; frame counts are the spec's (an input
// that is an exact multiple of the frame length ends with a full final frame); a changed frame or
// signature of a big file is refused with no output left. Also the one atomic writer
// (storage/atomic-file.ts) and releaseBuffer.

import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { decryptFile, encryptFile } from '../../electron/kms/envelope/files.ts';
import { rawAesKeyring } from '../../electron/kms/envelope/keyrings.ts';
import { releaseBuffer } from '../../electron/kms/envelope/message-sealer.ts';
import { decryptStream, encryptStream } from '../../electron/kms/envelope/message.ts';
import type { SuiteId } from '../../electron/kms/envelope/suites.ts';
import { KmsError } from '../../electron/kms/errors.ts';
import { StagedOutput, WRITEBACK_EVERY_BYTES, writeFileAtomically } from '../../electron/kms/storage/atomic-file.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const MiB = 1024 * 1024;
const tempDir = tempDirsRemovedAfterAll();
const keyrings = [rawAesKeyring('strongroom-pipeline-test', 'k', randomBytes(32))];

async function openInThread(path: string): Promise<{ plaintext: Buffer; frames: number }> {
  const parts: Array<Buffer> = [];
  const info = await decryptStream(createReadStream(path, { highWaterMark: 3 * MiB + 17 }), (c) => void parts.push(Buffer.from(c)), { keyrings });
  return { plaintext: Buffer.concat(parts), frames: info.frames };
}

describe('the file pipeline on big files', () => {
  // Sizes around the pipeline's 1 MiB blocks and the worker's 8 MiB threshold; frame lengths
  // that divide the block and one that does not.
  const cases: ReadonlyArray<{ bytes: number; frame: number; suite: SuiteId }> = [
    { bytes: 16 * MiB, frame: 256 * 1024, suite: 0x0578 },
    { bytes: 16 * MiB, frame: 256 * 1024, suite: 0x0478 },
    { bytes: 9 * MiB + 12345, frame: 100_000, suite: 0x0578 },
    { bytes: 2 * MiB, frame: 64 * 1024, suite: 0x0578 },
    // The last block is short but whole frames: it must still end with a full final frame.
    { bytes: 3 * MiB, frame: 256 * 1024, suite: 0x0478 },
    { bytes: 0, frame: 4096, suite: 0x0578 },
  ];
  for (const c of cases) {
    it(`${c.bytes} bytes, ${c.frame}-byte frames, suite 0x${c.suite.toString(16).padStart(4, '0')}: both readers agree, frames as the spec counts them`, async () => {
      const dir = tempDir('strongroom-pipeline-');
      const input = join(dir, 'in.bin');
      const original = randomBytes(c.bytes);
      writeFileSync(input, original);
      const expectedFrames = Math.max(1, Math.ceil(c.bytes / c.frame));

      const sealed = join(dir, 'in.bin.strongroom');
      const info = await encryptFile(input, sealed, { keyrings, suiteId: c.suite, frameLength: c.frame });
      expect(info.frames).toBe(expectedFrames);
      const opened = await openInThread(sealed);
      expect(opened.frames).toBe(expectedFrames);
      expect(opened.plaintext.equals(original)).toBe(true);

      // The other way: a message written by encryptStream, opened by decryptFile.
      const streamed = join(dir, 'streamed.strongroom');
      const parts: Array<Buffer> = [];
      await encryptStream(Readable.from([original.subarray(0, 1000), original.subarray(1000)]), (b) => void parts.push(Buffer.from(b)), { keyrings, suiteId: c.suite, frameLength: c.frame });
      writeFileSync(streamed, Buffer.concat(parts));
      const back = join(dir, 'back.bin');
      const decrypted = await decryptFile(streamed, back, { keyrings });
      expect(decrypted.frames).toBe(expectedFrames);
      expect(readFileSync(back).equals(original)).toBe(true);
    });
  }

  for (const [what, at, message] of [
    ['a ciphertext byte in frame 30', (length: number) => Math.floor(length / 2), /Frame \d+ does not authenticate/],
    ['the last byte of the signature', (length: number) => length - 1, /signature does not verify/],
  ] as const) {
    it(`a signed 16 MiB file with ${what} changed is refused, and leaves no output`, async () => {
      const dir = tempDir('strongroom-pipeline-');
      const input = join(dir, 'in.bin');
      writeFileSync(input, randomBytes(16 * MiB));
      const sealed = join(dir, 'in.bin.strongroom');
      await encryptFile(input, sealed, { keyrings });
      const bytes = readFileSync(sealed);
      const i = at(bytes.length);
      bytes[i] = (bytes[i] ?? 0) ^ 0x01;
      writeFileSync(sealed, bytes);
      const out = join(dir, 'out.bin');
      const err = await decryptFile(sealed, out, { keyrings }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KmsError);
      expect((err as KmsError).name).toBe('InvalidCiphertextException');
      expect((err as Error).message).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
    });
  }
});

describe('releaseBuffer', () => {
  it('frees a buffer that owns its memory, and leaves a slice of a shared pool alone', () => {
    const own = Buffer.allocUnsafeSlow(1024);
    releaseBuffer(own);
    expect(own.buffer.byteLength).toBe(0);
    const pooled = Buffer.from('a small buffer from the pool');
    const neighbour = Buffer.from('its neighbour in the pool');
    releaseBuffer(pooled);
    expect(pooled.toString()).toBe('a small buffer from the pool');
    expect(neighbour.toString()).toBe('its neighbour in the pool');
  });
});

describe('the hashing worker of a big signed file', () => {
  it.each(['encrypt', 'decrypt'] as const)('hashes the pipeline’s buffers in place (%s): only the header, and at most one frame, is copied to it', async (direction) => {
    const dir = tempDir('strongroom-worker-');
    const input = join(dir, 'in.bin');
    writeFileSync(input, randomBytes(24 * MiB));
    const sealed = join(dir, 'in.bin.strongroom');
    const copied: Array<number> = [];
    let inPlace = 0;
    // What the main thread posts to the worker: byte arrays are copied, references are not.
    const original = Worker.prototype.postMessage;
    const spy = vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
      const m = args[0] as { kind?: string; bytes?: Uint8Array };
      if (m.kind === 'bytes') {
        copied.push(m.bytes?.length ?? 0);
      } else if (m.kind === 'ref') {
        inPlace++;
      }
      original.apply(this, args);
    });
    try {
      if (direction === 'decrypt') {
        await encryptFile(input, sealed, { keyrings, suiteId: 0x0578 });
        spy.mockClear();
        copied.length = 0;
        inPlace = 0;
        await decryptFile(sealed, join(dir, 'out.bin'), { keyrings });
      } else {
        await encryptFile(input, sealed, { keyrings, suiteId: 0x0578 });
      }
    } finally {
      spy.mockRestore();
    }
    // The header, and when decrypting the final frame: a full final frame is 8 bytes longer than
    // the others, so it crosses a read block and the parser joins it.
    expect(copied.reduce((a, b) => a + b, 0)).toBeLessThan(64 * 1024 + (direction === 'decrypt' ? 256 * 1024 + 64 : 0));
    // One message per read block (about 1 MiB), not one per 256 KiB frame.
    expect(inPlace).toBeGreaterThan(0);
    expect(inPlace).toBeLessThanOrEqual(40);
  });
});

describe('the atomic file writer', () => {
  it('hands written stretches to the disk while writing goes on, and reports a failed write-back', async () => {
    const dir = tempDir('strongroom-atomic-');
    const file = await open(join(dir, 'staged.bin'), 'w');
    let datasyncs = 0;
    let failNext = false;
    const counting = new Proxy(file, {
      get(target, name, receiver) {
        if (name === 'datasync') {
          return async () => {
            datasyncs++;
            if (failNext) {
              throw new Error('EIO: write-back failed');
            }
            return target.datasync();
          };
        }
        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? (value as (...args: Array<unknown>) => unknown).bind(target) : value;
      },
    });
    const out = new StagedOutput(counting);
    const block = Buffer.alloc(4 * 1024 * 1024, 7);
    for (let i = 0; i < (2 * WRITEBACK_EVERY_BYTES) / block.length; i++) {
      await out.write(block);
    }
    await out.settle();
    expect(datasyncs).toBeGreaterThanOrEqual(1); // before the final fsync, which is the caller's
    failNext = true;
    // What phase one left unsynced can start the failing write-back before this loop ends; the
    // writes after it are refused with its error, so none is awaited alone.
    const writes = Array.from({ length: WRITEBACK_EVERY_BYTES / block.length }, () => out.write(block));
    await Promise.allSettled(writes);
    await expect(out.settle()).rejects.toThrow(/write-back failed/);
    await expect(out.write(block)).rejects.toThrow(/write-back failed/);
    await file.close();
  });

  it('writes queued buffers in order, and the file appears only when complete', async () => {
    const dir = tempDir('strongroom-atomic-');
    const target = join(dir, 'out.bin');
    const pieces = Array.from({ length: 20 }, (_, i) => Buffer.alloc(100_000 + i, i));
    await writeFileAtomically(target, {}, async (out) => {
      const writes = pieces.map((p) => out.write(p));
      expect(existsSync(target)).toBe(false);
      await Promise.all(writes);
    });
    expect(readFileSync(target).equals(Buffer.concat(pieces))).toBe(true);
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('does not replace a file that appeared meanwhile unless told to', async () => {
    const dir = tempDir('strongroom-atomic-');
    const target = join(dir, 'out.bin');
    const err = await writeFileAtomically(target, {}, async (out) => {
      await out.write(Buffer.from('new'));
      writeFileSync(target, 'someone else');
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/appeared while it was being written/);
    expect(readFileSync(target, 'utf8')).toBe('someone else');
    expect(readdirSync(dir)).toEqual(['out.bin']);
    await writeFileAtomically(target, { replace: true }, (out) => out.write(Buffer.from('new')));
    expect(readFileSync(target, 'utf8')).toBe('new');
  });

  it('leaves nothing when the producer fails, and never writes over its input', async () => {
    const dir = tempDir('strongroom-atomic-');
    const target = join(dir, 'out.bin');
    await expect(
      writeFileAtomically(target, {}, async (out) => {
        await out.write(Buffer.alloc(1000));
        throw new Error('the producer failed');
      }),
    ).rejects.toThrow('the producer failed');
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(target, 'input');
    await expect(writeFileAtomically(target, { input: target, replace: true }, async () => {})).rejects.toThrow(/is the input file/);
    expect(readFileSync(target, 'utf8')).toBe('input');
  });
});
