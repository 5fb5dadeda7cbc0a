// The hash a signed message's footer covers (SHA-384 over every byte before the footer), computed
// on a worker thread for files, so hashing (about 1 s per GiB) overlaps reading, AES-GCM and
// writing on the main thread instead of following them (D32). The worker is started from source
// text (eval), so it needs no file of its own beside a bundle. Bytes that lie in one of the
// pipeline's shared buffers are hashed in place (the message carries only where they are); other
// bytes (the header, a frame the reader had to join) are copied into the message. The per-message
// ECDSA key goes to the worker (a KeyObject) only to sign the digest at the end.

import { createSign, createVerify, type KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export type MessageDigest = {
  /** Adds bytes in message order. Bytes in a shared buffer must stay unchanged until `hashed(seq)` resolves. */
  update(bytes: Uint8Array): number;
  /** Resolves once every update up to and including number `seq` has been hashed. */
  hashed(seq: number): Promise<void>;
  /** The number of the last update. */
  readonly issued: number;
  sign(key: KeyObject): Promise<Buffer>;
  verify(key: KeyObject, signature: Uint8Array): Promise<boolean>;
  close(): Promise<void>;
};

/** Hashing in the calling thread (small messages, streams). */
export function localDigest(hash: 'sha256' | 'sha384', mode: 'sign' | 'verify'): MessageDigest {
  const h = mode === 'sign' ? createSign(hash) : createVerify(hash);
  let issued = 0;
  return {
    update(bytes) {
      h.update(bytes);
      return ++issued;
    },
    hashed: async () => {},
    get issued() {
      return issued;
    },
    sign: async (key) => (h as ReturnType<typeof createSign>).sign({ key, dsaEncoding: 'der' }),
    verify: async (key, signature) => (h as ReturnType<typeof createVerify>).verify({ key, dsaEncoding: 'der' }, signature),
    close: async () => {},
  };
}

// getBuiltinModule, not require or import: the text is evaluated as CommonJS or as a module
// depending on how the process was started (--input-type=module makes eval workers modules).
const WORKER_SOURCE = `
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const { createSign, createVerify } = process.getBuiltinModule('node:crypto');
const h = workerData.mode === 'sign' ? createSign(workerData.hash) : createVerify(workerData.hash);
const shared = workerData.buffers.map((b) => Buffer.from(b));
let seq = 0;
parentPort.on('message', (m) => {
  try {
    if (m.kind === 'ref') {
      h.update(shared[m.buffer].subarray(m.offset, m.offset + m.length));
      seq = m.seq;
    } else if (m.kind === 'bytes') {
      h.update(m.bytes);
      seq = m.seq;
    } else if (m.kind === 'sign') {
      parentPort.postMessage({ kind: 'signature', signature: h.sign({ key: m.key, dsaEncoding: 'der' }) });
      return;
    } else if (m.kind === 'verify') {
      parentPort.postMessage({ kind: 'verified', ok: h.verify({ key: m.key, dsaEncoding: 'der' }, m.signature) });
      return;
    }
    if (m.ack) {
      parentPort.postMessage({ kind: 'hashed', seq });
    }
  } catch (err) {
    parentPort.postMessage({ kind: 'error', message: String(err && err.message || err) });
  }
});
`;

type Reply = { kind: 'hashed'; seq: number } | { kind: 'signature'; signature: Uint8Array } | { kind: 'verified'; ok: boolean } | { kind: 'error'; message: string };

/** Hashing on a worker thread; `buffers` are the pipeline's shared buffers whose bytes it may read in place. */
export function workerDigest(hash: 'sha256' | 'sha384', mode: 'sign' | 'verify', buffers: ReadonlyArray<SharedArrayBuffer>): MessageDigest {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { hash, mode, buffers }, resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 } });
  let issued = 0;
  let done = 0;
  let failure: Error | null = null;
  const waiting: Array<{ seq: number; resolve: () => void; reject: (err: Error) => void }> = [];
  let answer: { resolve: (r: Reply) => void; reject: (err: Error) => void } | null = null;
  const fail = (err: Error) => {
    failure ??= err;
    for (const w of waiting.splice(0)) {
      w.reject(err);
    }
    answer?.reject(err);
    answer = null;
  };
  worker.on('message', (r: Reply) => {
    if (r.kind === 'error') {
      fail(new Error(`the hashing thread failed: ${r.message}`));
    } else if (r.kind === 'hashed') {
      done = r.seq;
      for (let i = waiting.length - 1; i >= 0; i--) {
        const w = waiting[i];
        if (w !== undefined && w.seq <= done) {
          waiting.splice(i, 1);
          w.resolve();
        }
      }
    } else {
      answer?.resolve(r);
      answer = null;
    }
  });
  worker.on('error', (err) => fail(err));
  worker.on('exit', (code) => fail(new Error(`the hashing thread exited (${code})`)));
  const ask = (message: object): Promise<Reply> => {
    if (failure !== null) {
      return Promise.reject(failure);
    }
    post();
    return new Promise<Reply>((resolve, reject) => {
      answer = { resolve, reject };
      worker.postMessage(message);
    });
  };
  // Consecutive updates that are contiguous in one shared buffer (a read block's frames, when
  // decrypting) go as one message at the next turn of the event loop: a message and its answer per
  // frame cost two thread wake-ups each.
  let pending: { buffer: number; offset: number; length: number; seq: number } | null = null;
  const post = (): void => {
    if (pending !== null) {
      worker.postMessage({ kind: 'ref', ...pending, ack: true });
      pending = null;
    }
  };
  return {
    update(bytes) {
      const seq = ++issued;
      const index = buffers.findIndex((b) => b === bytes.buffer);
      if (index >= 0 && pending !== null && pending.buffer === index && pending.offset + pending.length === bytes.byteOffset) {
        pending.length += bytes.length;
        pending.seq = seq;
      } else if (index >= 0) {
        post();
        pending = { buffer: index, offset: bytes.byteOffset, length: bytes.length, seq };
        setImmediate(post);
      } else {
        post();
        worker.postMessage({ kind: 'bytes', bytes, seq, ack: true });
      }
      return seq;
    },
    hashed(seq) {
      if (failure !== null) {
        return Promise.reject(failure);
      }
      post();
      if (seq <= done) {
        return Promise.resolve();
      }
      return new Promise((resolve, reject) => waiting.push({ seq, resolve, reject }));
    },
    get issued() {
      return issued;
    },
    async sign(key) {
      const r = await ask({ kind: 'sign', key });
      return Buffer.from((r as { signature: Uint8Array }).signature);
    },
    async verify(key, signature) {
      const r = await ask({ kind: 'verify', key, signature: Buffer.from(signature) });
      return (r as { ok: boolean }).ok;
    },
    async close() {
      failure ??= new Error('the hashing thread was closed');
      await worker.terminate();
    },
  };
}
