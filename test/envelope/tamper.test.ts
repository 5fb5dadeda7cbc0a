// Tampering with and truncating ESDK messages written by Strongroom: every byte of a small
// message (several 64-byte frames and a partial final frame) gets a bit flipped, region by
// region, and decryptFile must refuse it with an error that says what is wrong — and leave no
// output, no staging file, and the input untouched (same bytes, same mtime). The regions are
// located by a parser written here from the format reference (§2 header, §4 body, §5 footer),
// not by the library's own parser, so a writer and reader that agree on a wrong layout still fail.
import { createCipheriv, createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decryptFile, encryptFile } from '../../electron/kms/envelope/files.ts';
import { installationKeyring, kmsKeyring, rawAesKeyring, type Keyring } from '../../electron/kms/envelope/keyrings.ts';
import { KmsError } from '../../electron/kms/errors.ts';
import { newEngine, tempDir } from '../support/engine.ts';

// ---------------------------------------------------------------------------------------------
// An independent layout parser (v2 messages only: Strongroom writes nothing else).

type Region = { readonly name: string; readonly start: number; readonly end: number };

type Layout = {
  readonly regions: ReadonlyArray<Region>;
  readonly suiteId: number;
  readonly frameLength: number;
  readonly providerIds: ReadonlyArray<string>;
  readonly headerEnd: number;
  /** Where each regular frame starts; frame k (1-based) is at index k - 1. */
  readonly frameStarts: ReadonlyArray<number>;
  readonly finalStart: number;
  readonly finalLength: number;
  /** End of the final frame: the footer (signed suites) starts here. */
  readonly bodyEnd: number;
};

function layoutOf(msg: Buffer): Layout {
  const regions: Array<Region> = [];
  let pos = 0;
  const take = (name: string, n: number): number => {
    if (pos + n > msg.length) {
      throw new Error(`layout: ${name} (${n} bytes at ${pos}) runs past the end (${msg.length})`);
    }
    regions.push({ name, start: pos, end: pos + n });
    pos += n;
    return pos - n;
  };
  const u16 = (at: number): number => msg.readUInt16BE(at);
  const u32 = (at: number): number => msg.readUInt32BE(at);

  if (msg[0] !== 2) {
    throw new Error('layout: not a version 2 message');
  }
  take('header version', 1);
  const suiteId = u16(take('header suite id', 2));
  take('header message id', 32);
  const aadLength = u16(take('header AAD length', 2));
  const aadEnd = pos + aadLength;
  if (aadLength > 0) {
    const pairs = u16(take('header context pair count', 2));
    for (let i = 0; i < pairs; i++) {
      const keyLength = u16(pos);
      const key = msg.subarray(pos + 2, pos + 2 + keyLength).toString('utf8');
      take(`header context "${key}" key length`, 2);
      take(`header context "${key}" key`, keyLength);
      take(`header context "${key}" value`, u16(take(`header context "${key}" value length`, 2)));
    }
  }
  if (pos !== aadEnd) {
    throw new Error(`layout: the AAD length says ${aadLength} but the pairs take ${pos - aadEnd + aadLength}`);
  }
  const edkCount = u16(take('header EDK count', 2));
  const providerIds: Array<string> = [];
  for (let i = 0; i < edkCount; i++) {
    const id = take(`header EDK ${i} provider id`, u16(take(`header EDK ${i} provider id length`, 2)));
    providerIds.push(msg.subarray(id, pos).toString('utf8'));
    take(`header EDK ${i} provider info`, u16(take(`header EDK ${i} provider info length`, 2)));
    take(`header EDK ${i} ciphertext`, u16(take(`header EDK ${i} ciphertext length`, 2)));
  }
  take('header content type', 1);
  const frameLength = u32(take('header frame length', 4));
  take('header commit key', 32);
  take('header tag', 16);
  const headerEnd = pos;

  const frameStarts: Array<number> = [];
  while (u32(pos) !== 0xffff_ffff) {
    const k = frameStarts.length + 1;
    frameStarts.push(pos);
    take(`frame ${k} sequence number`, 4);
    take(`frame ${k} IV`, 12);
    take(`frame ${k} ciphertext`, frameLength);
    take(`frame ${k} tag`, 16);
  }
  const finalStart = pos;
  take('final frame marker', 4);
  take('final frame sequence number', 4);
  take('final frame IV', 12);
  const finalLength = u32(take('final frame content length', 4));
  take('final frame ciphertext', finalLength);
  take('final frame tag', 16);
  const bodyEnd = pos;
  if (suiteId === 0x0578) {
    take('footer signature', u16(take('footer signature length', 2)));
  }
  if (pos !== msg.length) {
    throw new Error(`layout: ${msg.length - pos} bytes after the end of the message`);
  }
  return { regions, suiteId, frameLength, providerIds, headerEnd, frameStarts, finalStart, finalLength, bodyEnd };
}

// ---------------------------------------------------------------------------------------------
// Fixtures: four messages (raw AES / engine KMS key × signed 0x0578 / unsigned 0x0478).

const FRAME_LENGTH = 64;
const FULL_FRAMES = 3;
const PLAINTEXT = keystream('tamper plaintext', FULL_FRAMES * FRAME_LENGTH + 23);
const CONTEXT = { purpose: 'tamper-test', team: 'vault' };
const NAMESPACE = 'strongroom-test';
const KEY_NAME = 'tamper-key';
/** A fixed, old mtime for every input, so that any write to an input would show. */
const INPUT_MTIME = new Date('2001-02-03T04:05:06Z');

/** Deterministic bytes: AES-256-CTR keystream under a key derived from `seed`. */
function keystream(seed: string, n: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

type Fixture = {
  readonly name: string;
  readonly suiteId: 0x0578 | 0x0478;
  readonly message: Buffer;
  readonly layout: Layout;
  readonly keyrings: ReadonlyArray<Keyring>;
};

const work = tempDir('strongroom-tamper-');
const engine = await newEngine();
afterAll(() => {
  engine.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const wrappingKey = keystream('tamper wrapping key', 32);
const rawKeyring = rawAesKeyring(NAMESPACE, KEY_NAME, wrappingKey);
const kmsKeyId = (await engine.kms.invoke('CreateKey', { Description: 'tamper test' })).KeyMetadata.KeyId;

const plaintextPath = join(work, 'plaintext.bin');
writeFileSync(plaintextPath, PLAINTEXT);

async function makeFixture(kind: 'raw AES' | 'engine', suiteId: 0x0578 | 0x0478): Promise<Fixture> {
  const name = `${kind} ${suiteId === 0x0578 ? '0x0578 (signed)' : '0x0478 (unsigned)'}`;
  const out = join(work, `${kind === 'raw AES' ? 'raw' : 'kms'}-${suiteId.toString(16)}.strongroom`);
  const encryptWith = kind === 'raw AES' ? [rawKeyring] : [kmsKeyring(engine.kms, kmsKeyId)];
  await encryptFile(plaintextPath, out, { keyrings: encryptWith, context: CONTEXT, suiteId, frameLength: FRAME_LENGTH });
  const message = readFileSync(out);
  rmSync(out);
  return { name, suiteId, message, layout: layoutOf(message), keyrings: kind === 'raw AES' ? [rawKeyring] : [installationKeyring(engine.kms)] };
}

const fixtures: ReadonlyArray<Fixture> = [
  await makeFixture('raw AES', 0x0578),
  await makeFixture('raw AES', 0x0478),
  await makeFixture('engine', 0x0578),
  await makeFixture('engine', 0x0478),
];

// ---------------------------------------------------------------------------------------------
// One decryption attempt, and everything that must hold after it.

type Outcome = {
  /** The KMS error, or null if decryption succeeded. */
  readonly error: KmsError | null;
  /** Broken invariants: stray files, a changed input, a non-KMS error. */
  readonly violations: ReadonlyArray<string>;
  readonly output: Buffer | null;
};

// Every attempt reads `inDir/message.strongroom` and writes `outDir/message`; both directories
// must hold exactly the expected files afterwards (so a staging file left anywhere shows).
const inDir = join(work, 'in');
const outDir = join(work, 'out');
mkdirSync(inDir);
mkdirSync(outDir);
const inputPath = join(inDir, 'message.strongroom');
const outputPath = join(outDir, 'message');

/** Writes `message` as the input, decrypts it with `keyrings`, and checks the file system after. */
async function attempt(message: Buffer, keyrings: ReadonlyArray<Keyring>): Promise<Outcome> {
  writeFileSync(inputPath, message);
  utimesSync(inputPath, INPUT_MTIME, INPUT_MTIME);
  const mtimeBefore = statSync(inputPath, { bigint: true }).mtimeNs;

  const violations: Array<string> = [];
  let error: KmsError | null = null;
  try {
    await decryptFile(inputPath, outputPath, { keyrings });
  } catch (err) {
    if (err instanceof KmsError) {
      error = err;
    } else {
      violations.push(`threw a non-KMS error: ${String(err)}`);
    }
  }

  const outFiles = readdirSync(outDir);
  const expectedOut = error === null && violations.length === 0 ? ['message'] : [];
  if (JSON.stringify(outFiles) !== JSON.stringify(expectedOut)) {
    violations.push(`output directory holds ${JSON.stringify(outFiles)}, expected ${JSON.stringify(expectedOut)}`);
  }
  const inFiles = readdirSync(inDir);
  if (JSON.stringify(inFiles) !== JSON.stringify(['message.strongroom'])) {
    violations.push(`input directory holds ${JSON.stringify(inFiles)}`);
  }
  if (!readFileSync(inputPath).equals(message)) {
    violations.push('the input file changed');
  }
  if (statSync(inputPath, { bigint: true }).mtimeNs !== mtimeBefore) {
    violations.push("the input file's mtime changed");
  }
  const output = outFiles.includes('message') ? readFileSync(outputPath) : null;
  for (const f of outFiles) {
    rmSync(join(outDir, f), { force: true });
  }
  for (const f of inFiles) {
    if (f !== 'message.strongroom') {
      rmSync(join(inDir, f), { force: true });
    }
  }
  return { error, violations, output };
}

/** Problems with a failed attempt: it succeeded, broke an invariant, or said the wrong thing. */
function refusalProblems(what: string, outcome: Outcome, expected: RegExp): Array<string> {
  const problems = outcome.violations.map((v) => `${what}: ${v}`);
  if (outcome.error === null) {
    if (outcome.violations.length === 0) {
      problems.push(`${what}: decryption SUCCEEDED`);
    }
    return problems;
  }
  if (outcome.error.name !== 'InvalidCiphertextException') {
    problems.push(`${what}: ${outcome.error.name} (expected InvalidCiphertextException): ${outcome.error.message}`);
  }
  if (!expected.test(outcome.error.message)) {
    problems.push(`${what}: message ${JSON.stringify(outcome.error.message)} does not match ${String(expected)}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// What each region's corruption must be reported as.

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const NOT_A_MESSAGE = 'Not a valid AWS Encryption SDK message: ';
/** A length or count field: the structure no longer parses, or it claims more bytes than there are. */
const BROKEN_STRUCTURE = new RegExp(`^(${escape(NOT_A_MESSAGE)}|The message is truncated: it ends inside the header\\.)`);
// `s`: a corrupted provider id or info may put any byte, newlines included, into the message.
const NO_KEY = /^(No key could open the message's data key: |The message's data key is wrapped for .*; none of them is a key here)/s;

function expectationFor(region: string, fx: Fixture): RegExp {
  const n = fx.layout.frameStarts.length + 1;
  const frame = /^frame (\d+) (sequence number|IV|ciphertext|tag)$/.exec(region);
  if (frame !== null) {
    const k = frame[1] ?? '';
    switch (frame[2]) {
      case 'sequence number':
        return new RegExp(`^Frame ${k} was expected but frame \\d+ came: frames were removed, repeated or reordered\\.$`);
      case 'IV':
        return new RegExp(`^Frame ${k} has an IV other than the one its sequence number gives`);
      default:
        return new RegExp(`^Frame ${k} does not authenticate: it was altered or reordered\\.$`);
    }
  }
  switch (region) {
    case 'header version':
      return new RegExp(`^${escape(NOT_A_MESSAGE)}it starts with byte 0x[0-9a-f]{2}, not a message version`);
    case 'header suite id':
      return new RegExp(`^${escape(NOT_A_MESSAGE)}(unknown algorithm suite 0x[0-9a-f]{4}|suite \\w+ cannot appear in a version 2 header|suite \\w+ is (un)?signed but the encryption context)`);
    case 'header message id':
    case 'header commit key':
      return /commitment mismatch/;
    case 'header content type':
      return new RegExp(`^${escape(NOT_A_MESSAGE)}content type \\d+ is neither framed \\(2\\) nor non-framed \\(1\\)`);
    case 'header frame length':
      return new RegExp(`^(${escape(NOT_A_MESSAGE)}the frame length|The message header does not authenticate: a header field was changed\\.$)`);
    case 'header tag':
      return /^The message header does not authenticate: a header field was changed\.$/;
    case 'header context "aws-crypto-public-key" key':
      return new RegExp(`^${escape(NOT_A_MESSAGE)}(suite \\w+ is signed but the encryption context has no aws-crypto-public-key|the encryption context is not valid UTF-8)`);
    case 'header context "aws-crypto-public-key" value':
      return new RegExp(`^(The message's signing public key is not|${escape(NOT_A_MESSAGE)}the encryption context is not valid UTF-8|No key could open the message's data key: )`);
    // A changed final-frame marker makes the final frame look like an out-of-order regular frame.
    case 'final frame marker':
      return new RegExp(`^Frame ${n} was expected but frame \\d+ came|final frame marker`);
    case 'final frame sequence number':
      return new RegExp(`^The final frame is numbered \\d+ but frame ${n} was expected`);
    case 'final frame IV':
      return new RegExp(`^Frame ${n} has an IV other than the one its sequence number gives`);
    case 'final frame content length':
      // Larger than the frame length; or within it, so the wrong bytes are authenticated, or
      // more bytes are claimed than the file holds.
      return new RegExp(`^(${escape(NOT_A_MESSAGE)}the final frame holds \\d+ bytes, more than the frame length ${fx.layout.frameLength}|Frame ${n} \\(the final frame\\) does not authenticate|The message is truncated)`);
    case 'final frame ciphertext':
    case 'final frame tag':
      return new RegExp(`^Frame ${n} \\(the final frame\\) does not authenticate: it was altered or reordered\\.$`);
    case 'footer signature length':
      return /^(The message signature does not verify|The message is truncated: it ends before the signature)/;
    case 'footer signature':
      return /^The message signature does not verify: the message was altered after it was signed\.$/;
  }
  if (/^header .*(length|count)$/.test(region)) {
    return BROKEN_STRUCTURE;
  }
  if (/^header context ".*" (key|value)$/.test(region)) {
    // Another context: the data key's wrapping (raw AES AAD, KMS encryption context) no longer matches.
    return new RegExp(`^(No key could open the message's data key: |${escape(NOT_A_MESSAGE)}the encryption context is not valid UTF-8)`);
  }
  if (/^header EDK \d+ (provider id|provider info|ciphertext)$/.test(region)) {
    return NO_KEY;
  }
  throw new Error(`no expectation for region ${region}`);
}

/** The bit flips for a region: every bit of short fields, one bit (rotating) of every byte of long ones. */
function flipsIn(region: Region): Array<{ readonly offset: number; readonly bit: number }> {
  const flips: Array<{ offset: number; bit: number }> = [];
  for (let offset = region.start; offset < region.end; offset++) {
    if (region.end - region.start <= 4) {
      for (let bit = 0; bit < 8; bit++) {
        flips.push({ offset, bit });
      }
    } else {
      flips.push({ offset, bit: offset % 8 });
    }
  }
  return flips;
}

function frameBytes(fx: Fixture, k: number): Buffer {
  const start = fx.layout.frameStarts[k - 1];
  if (start === undefined) {
    throw new Error(`no frame ${k}`);
  }
  return fx.message.subarray(start, start + 4 + 12 + fx.layout.frameLength + 16);
}

// ---------------------------------------------------------------------------------------------

for (const fx of fixtures) {
  describe(`${fx.name}: ${fx.message.length}-byte message`, () => {
    const { layout } = fx;

    it('the independent layout agrees with what was written: regions tile the message, frames numbered 1…n with deterministic IVs', () => {
      expect(layout.suiteId).toBe(fx.suiteId);
      expect(layout.frameLength).toBe(FRAME_LENGTH);
      expect(layout.frameStarts).toHaveLength(FULL_FRAMES);
      expect(layout.finalLength).toBe(PLAINTEXT.length - FULL_FRAMES * FRAME_LENGTH);
      expect(layout.providerIds).toEqual([fx.name.startsWith('raw') ? NAMESPACE : 'aws-kms']);
      let pos = 0;
      for (const r of layout.regions) {
        expect(r.start, r.name).toBe(pos);
        expect(r.end, r.name).toBeGreaterThan(r.start);
        pos = r.end;
      }
      expect(pos).toBe(fx.message.length);
      const iv = (seq: number): Buffer => Buffer.concat([Buffer.alloc(8), Buffer.from([seq >>> 24, (seq >>> 16) & 0xff, (seq >>> 8) & 0xff, seq & 0xff])]);
      for (let k = 1; k <= FULL_FRAMES; k++) {
        const f = frameBytes(fx, k);
        expect(f.readUInt32BE(0)).toBe(k);
        expect(f.subarray(4, 16)).toEqual(iv(k));
      }
      const final = fx.message.subarray(layout.finalStart);
      expect(final.readUInt32BE(4)).toBe(FULL_FRAMES + 1);
      expect(final.subarray(8, 20)).toEqual(iv(FULL_FRAMES + 1));
      expect(layout.regions.some((r) => r.name === 'footer signature')).toBe(fx.suiteId === 0x0578);
    });

    it('the untouched message decrypts; the input keeps its bytes and mtime; nothing but the output is left', async () => {
      const outcome = await attempt(fx.message, fx.keyrings);
      expect(outcome.violations).toEqual([]);
      expect(outcome.error).toBeNull();
      expect(outcome.output).toEqual(PLAINTEXT);
    });

    describe('one bit flipped in every byte of', () => {
      for (const region of layout.regions) {
        it(`${region.name} [${region.start}, ${region.end})`, async () => {
          const expected = expectationFor(region.name, fx);
          const problems: Array<string> = [];
          for (const { offset, bit } of flipsIn(region)) {
            const tampered = Buffer.from(fx.message);
            tampered[offset] = (tampered[offset] ?? 0) ^ (1 << bit);
            problems.push(...refusalProblems(`byte ${offset} bit ${bit}`, await attempt(tampered, fx.keyrings), expected));
          }
          expect(problems).toEqual([]);
        });
      }
    });

    describe('truncation', () => {
      it('at every region boundary (every frame boundary among them), and to nothing: refused as truncated', async () => {
        const cuts = [0, ...layout.regions.map((r) => r.start).filter((s) => s > 0)];
        const problems: Array<string> = [];
        for (const cut of cuts) {
          problems.push(...refusalProblems(`cut at ${cut}`, await attempt(fx.message.subarray(0, cut), fx.keyrings), /^The message is truncated: it ends /));
        }
        expect(problems).toEqual([]);
      });

      it('at every one of the last 40 bytes: refused as truncated', async () => {
        const problems: Array<string> = [];
        for (let drop = 1; drop <= 40; drop++) {
          const cut = fx.message.length - drop;
          problems.push(...refusalProblems(`cut at ${cut} (last ${drop} bytes dropped)`, await attempt(fx.message.subarray(0, cut), fx.keyrings), /^The message is truncated: it ends /));
        }
        expect(problems).toEqual([]);
      });

      it('the message says where it was cut: the header, frame k, the final frame (once its marker is read), or the signature (cuts at and beside every boundary, and every cut from the final frame on)', async () => {
        // Every cut from the final frame on, and each side of every region boundary before it.
        const cuts = new Set<number>();
        for (const r of layout.regions) {
          for (const c of [r.start - 1, r.start, r.start + 1]) {
            if (c >= 0 && c < layout.finalStart) {
              cuts.add(c);
            }
          }
        }
        for (let c = layout.finalStart; c < fx.message.length; c++) {
          cuts.add(c);
        }
        const problems: Array<string> = [];
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          let where: RegExp;
          if (cut < layout.headerEnd) {
            where = /inside the header/;
          } else if (cut < layout.finalStart + 4) {
            // Before the final frame's marker has been read, the next frame is all the reader can name.
            const k = cut >= layout.finalStart ? layout.frameStarts.length + 1 : layout.frameStarts.filter((s) => s <= cut).length;
            where = new RegExp(`frame ${k}\\b`);
          } else if (cut < layout.bodyEnd) {
            // The marker has been read: the final frame is there, cut short — not missing.
            where = /inside (the final frame|frame \d+ \(the final frame\))/;
          } else {
            where = /signature/;
          }
          problems.push(...refusalProblems(`cut at ${cut}`, await attempt(fx.message.subarray(0, cut), fx.keyrings), new RegExp(`^The message is truncated: it ends .*${where.source}`)));
        }
        expect(problems).toEqual([]);
      });
    });

    describe('rearranged messages', () => {
      it('one extra byte appended, or a second message: refused as trailing bytes', async () => {
        const problems = [
          ...refusalProblems('one byte appended', await attempt(Buffer.concat([fx.message, Buffer.from([0])]), fx.keyrings), /^Not a valid AWS Encryption SDK message: 1 bytes? follows? the end of the message/),
          ...refusalProblems('message appended to itself', await attempt(Buffer.concat([fx.message, fx.message]), fx.keyrings), new RegExp(`^Not a valid AWS Encryption SDK message: ${fx.message.length} bytes follow the end of the message`)),
        ];
        expect(problems).toEqual([]);
      });

      it('frames 1 and 2 swapped, frame 2 removed, frame 1 repeated: refused naming the frame order', async () => {
        const h = fx.message.subarray(0, layout.headerEnd);
        const rest = fx.message.subarray(layout.frameStarts[2] ?? 0);
        const [f1, f2, f3] = [frameBytes(fx, 1), frameBytes(fx, 2), frameBytes(fx, 3)];
        const problems = [
          ...refusalProblems('swapped', await attempt(Buffer.concat([h, f2, f1, rest]), fx.keyrings), /^Frame 1 was expected but frame 2 came: frames were removed, repeated or reordered\.$/),
          ...refusalProblems('removed', await attempt(Buffer.concat([h, f1, rest]), fx.keyrings), /^Frame 2 was expected but frame 3 came: frames were removed, repeated or reordered\.$/),
          ...refusalProblems('repeated', await attempt(Buffer.concat([h, f1, f1, f2, f3, fx.message.subarray(layout.finalStart)]), fx.keyrings), /^Frame 2 was expected but frame 1 came: frames were removed, repeated or reordered\.$/),
        ];
        expect(problems).toEqual([]);
      });

      it('frames 1 and 2 swapped and renumbered (sequence numbers, then IVs too): refused', async () => {
        const h = fx.message.subarray(0, layout.headerEnd);
        const rest = fx.message.subarray(layout.frameStarts[2] ?? 0);
        const renumber = (frame: Buffer, seq: number, iv: boolean): Buffer => {
          const f = Buffer.from(frame);
          f.writeUInt32BE(seq, 0);
          if (iv) {
            f.writeUInt32BE(seq, 12);
          }
          return f;
        };
        const [f1, f2] = [frameBytes(fx, 1), frameBytes(fx, 2)];
        const problems = [
          ...refusalProblems('renumbered', await attempt(Buffer.concat([h, renumber(f2, 1, false), renumber(f1, 2, false), rest]), fx.keyrings), /^Frame 1 has an IV other than the one its sequence number gives/),
          ...refusalProblems('renumbered with IVs', await attempt(Buffer.concat([h, renumber(f2, 1, true), renumber(f1, 2, true), rest]), fx.keyrings), /^Frame 1 does not authenticate: it was altered or reordered\.$/),
        ];
        expect(problems).toEqual([]);
      });

      it('the final frame removed: refused', async () => {
        const withoutFinal = Buffer.concat([fx.message.subarray(0, layout.finalStart), fx.message.subarray(layout.bodyEnd)]);
        const n = FULL_FRAMES + 1;
        expect(refusalProblems('final frame removed', await attempt(withoutFinal, fx.keyrings), new RegExp(`^(The message is truncated: it ends inside frame ${n}, before the final frame\\.|Frame ${n} was expected but frame \\d+ came)`))).toEqual([]);
      });

      it('the last regular frame relabelled as the final frame (and the real final frame dropped): refused', async () => {
        const f3 = frameBytes(fx, 3);
        const relabelled = Buffer.alloc(4 + f3.length + 4);
        relabelled.writeUInt32BE(0xffff_ffff, 0);
        f3.copy(relabelled, 4, 0, 16);
        relabelled.writeUInt32BE(FRAME_LENGTH, 20);
        f3.copy(relabelled, 24, 16);
        const message = Buffer.concat([fx.message.subarray(0, layout.frameStarts[2] ?? 0), relabelled, fx.message.subarray(layout.bodyEnd)]);
        expect(refusalProblems('relabelled', await attempt(message, fx.keyrings), /^Frame 3 \(the final frame\) does not authenticate: it was altered or reordered\.$/)).toEqual([]);
      });

      it('the header of one message with the body of another (same key, same context): refused', async () => {
        const second = await makeFixture(fx.name.startsWith('raw') ? 'raw AES' : 'engine', fx.suiteId);
        const spliced = Buffer.concat([fx.message.subarray(0, layout.headerEnd), second.message.subarray(second.layout.headerEnd)]);
        expect(refusalProblems('spliced', await attempt(spliced, fx.keyrings), /^Frame 1 does not authenticate: it was altered or reordered\.$/)).toEqual([]);
      });
    });
  });
}

describe('the wrong key', () => {
  const [rawSigned, , engineSigned] = fixtures;

  it('another raw AES wrapping key under the same namespace and name: no key could open it', async () => {
    const fx = rawSigned as Fixture;
    const other = rawAesKeyring(NAMESPACE, KEY_NAME, keystream('another wrapping key', 32));
    const outcome = await attempt(fx.message, [other]);
    expect(refusalProblems('other key', outcome, new RegExp(`^No key could open the message's data key: ${NAMESPACE}/${KEY_NAME}: the wrapped data key does not authenticate`))).toEqual([]);
  });

  it('a raw AES key of another name, and a KMS-key message opened with a raw AES key: names what the data key is wrapped for', async () => {
    const otherName = rawAesKeyring(NAMESPACE, 'other-key', wrappingKey);
    const problems = [
      ...refusalProblems('other key name', await attempt((rawSigned as Fixture).message, [otherName]), new RegExp(`^The message's data key is wrapped for ${NAMESPACE}\\b.*; none of them is a key here \\(raw AES key ${NAMESPACE}/other-key\\)\\.$`, 's')),
      ...refusalProblems('raw key for a KMS message', await attempt((engineSigned as Fixture).message, [rawKeyring]), /^The message's data key is wrapped for aws-kms arn:aws:kms:local-1:111122223333:key\/[0-9a-f-]{36}; none of them is a key here \(raw AES key /),
    ];
    expect(problems).toEqual([]);
  });

  /** C0/C1 control characters and U+FFFD (bytes that were not UTF-8) in an error message. */
  const unreadable = (message: string): Array<string> =>
    [...message]
      .map((c) => c.codePointAt(0) ?? 0)
      .filter((code) => code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0xfffd)
      .map((code) => `U+${code.toString(16).padStart(4, '0')}`);

  it('the "wrapped for" error is readable text: no raw key-info bytes from a raw AES EDK (namespace "strongroom-test")', async () => {
    const otherName = rawAesKeyring(NAMESPACE, 'other-key', wrappingKey);
    const outcome = await attempt((rawSigned as Fixture).message, [otherName]);
    const message = outcome.error?.message ?? '';
    expect(message).toMatch(/none of them is a key here/);
    expect(unreadable(message), message).toEqual([]);
  });

  it('the "wrapped for" error does not pass on terminal escape sequences from a crafted aws-kms EDK', async () => {
    // Anyone can write this file: the error comes before anything is authenticated.
    const fx = engineSigned as Fixture;
    const region = (name: string): Region => fx.layout.regions.find((r) => r.name === name) ?? { name, start: 0, end: 0 };
    const lengthField = region('header EDK 0 provider info length');
    const info = region('header EDK 0 provider info');
    const evil = Buffer.from('arn:aws:kms:us-east-1:999999999999:key/\u001b]0;owned\u0007\u001b[2J\u001b[31m', 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(evil.length);
    const crafted = Buffer.concat([fx.message.subarray(0, lengthField.start), length, evil, fx.message.subarray(info.end)]);
    const outcome = await attempt(crafted, fx.keyrings);
    const message = outcome.error?.message ?? '';
    expect(outcome.violations).toEqual([]);
    expect(message).toMatch(/^The message's data key is wrapped for aws-kms arn:aws:kms:us-east-1:999999999999:key\//);
    expect(unreadable(message), JSON.stringify(message)).toEqual([]);
  });

  it("another installation's keys (same account id and region, different installation): no key could open it", async () => {
    const other = await newEngine();
    try {
      const outcome = await attempt((engineSigned as Fixture).message, [installationKeyring(other.kms)]);
      expect(refusalProblems('other installation', outcome, /^No key could open the message's data key: arn:aws:kms:local-1:111122223333:key\/[0-9a-f-]{36}: NotFoundException: /)).toEqual([]);
    } finally {
      other.cleanup();
    }
  });
});

describe('not an ESDK message', () => {
  const rawSigned = fixtures[0] as Fixture;
  const rawUnsigned = fixtures[1] as Fixture;

  it('random bytes, a text file, an empty file: refused as not a valid message', async () => {
    const problems: Array<string> = [];
    for (let i = 0; i < 8; i++) {
      const random = keystream(`random ${i}`, 64 + 97 * i);
      const expected = random[0] === 1 || random[0] === 2 ? /^(Not a valid AWS Encryption SDK message: |The message is truncated: it ends inside the header)/ : /^Not a valid AWS Encryption SDK message: it starts with byte 0x[0-9a-f]{2}, not a message version \(1 or 2\)\.$/;
      problems.push(...refusalProblems(`random ${i} (first byte 0x${(random[0] ?? 0).toString(16)})`, await attempt(random, rawSigned.keyrings), expected));
    }
    const text = Buffer.from('Quarterly report\nConfidential: do not distribute.\n', 'utf8');
    problems.push(...refusalProblems('text file', await attempt(text, rawSigned.keyrings), /^Not a valid AWS Encryption SDK message: it starts with byte 0x51, not a message version \(1 or 2\)\.$/));
    problems.push(...refusalProblems('empty file', await attempt(Buffer.alloc(0), rawSigned.keyrings), /^(Not a valid AWS Encryption SDK message|The message is truncated: it ends inside the header)/));
    expect(problems).toEqual([]);
  });

  it('the Base64 of a message (signed and unsigned, one line and wrapped at 76 columns): refused with the hint to decode it', async () => {
    const problems: Array<string> = [];
    for (const fx of [rawSigned, rawUnsigned]) {
      const b64 = fx.message.toString('base64');
      expect(b64.startsWith(fx.suiteId === 0x0578 ? 'AgV4' : 'AgR4')).toBe(true);
      const wrapped = (b64.match(/.{1,76}/g) ?? []).join('\n') + '\n';
      for (const [label, body] of [['one line', b64], ['wrapped', wrapped]] as const) {
        problems.push(...refusalProblems(`${fx.name} Base64 ${label}`, await attempt(Buffer.from(body, 'ascii'), fx.keyrings), /^Not a valid AWS Encryption SDK message: it looks Base64-encoded; decode it first\.$/));
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('inputs are only read', () => {
  it('an existing output, or the input itself as the output: ValidationException, nothing written, nothing left', async () => {
    const fx = fixtures[0] as Fixture;
    const dir = join(work, 'existing-output');
    mkdirSync(dir);
    const input = join(dir, 'message.strongroom');
    const existing = join(dir, 'message');
    writeFileSync(input, fx.message);
    writeFileSync(existing, 'already here');
    utimesSync(input, INPUT_MTIME, INPUT_MTIME);
    utimesSync(existing, INPUT_MTIME, INPUT_MTIME);
    for (const [output, expected] of [
      [existing, /already exists; pass --force to replace it/],
      [input, /is the input file; Strongroom never writes over its input/],
    ] as const) {
      let error: unknown = null;
      try {
        await decryptFile(input, output, { keyrings: fx.keyrings });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(KmsError);
      expect((error as KmsError).name).toBe('ValidationException');
      expect((error as KmsError).message).toMatch(expected);
      expect(readdirSync(dir).sort()).toEqual(['message', 'message.strongroom']);
      expect(readFileSync(existing, 'utf8')).toBe('already here');
      expect(readFileSync(input)).toEqual(fx.message);
      expect(statSync(input).mtime).toEqual(INPUT_MTIME);
      expect(statSync(existing).mtime).toEqual(INPUT_MTIME);
    }
  });

  it('encrypting leaves the plaintext input byte-identical with the same mtime, and only the output beside it', async () => {
    const dir = join(work, 'encrypt-input');
    mkdirSync(dir);
    const input = join(dir, 'plain.bin');
    writeFileSync(input, PLAINTEXT);
    utimesSync(input, INPUT_MTIME, INPUT_MTIME);
    const before = statSync(input, { bigint: true }).mtimeNs;
    await encryptFile(input, join(dir, 'plain.bin.strongroom'), { keyrings: [rawKeyring], context: CONTEXT, frameLength: FRAME_LENGTH });
    expect(readFileSync(input)).toEqual(PLAINTEXT);
    expect(statSync(input, { bigint: true }).mtimeNs).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['plain.bin', 'plain.bin.strongroom']);
  });
});
