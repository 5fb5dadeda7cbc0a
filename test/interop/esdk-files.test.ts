// Strongroom's AWS Encryption SDK message format against the official SDK for JavaScript
// (@aws-crypto/client-node), both ways: the SDK encrypts and Strongroom decrypts, Strongroom
// encrypts and the SDK decrypts. Raw AES keyrings over every suite the SDK writes, the sizes
// around frame boundaries and a multi-MiB input, contexts that sort differently by bytes, by
// UTF-16 and by localeCompare; raw RSA keyrings against Strongroom's RSA recipients; KMS keyrings
// through the real SigV4 endpoint; and the checked-in corpus of SDK-written files
// (test/fixtures/esdk, made by scripts/make-esdk-corpus.ts), which needs no SDK at test time.
import { KMS } from '@aws-sdk/client-kms';
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  getClient,
  KmsKeyringNode,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
  RawRsaKeyringNode,
  type KeyringNode,
  type MessageHeader,
} from '@aws-crypto/client-node';
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, privateDecrypt, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptFile, encryptFile } from '../../electron/kms/envelope/files.ts';
import { parseHeader, PUBLIC_KEY_CONTEXT_KEY } from '../../electron/kms/envelope/format.ts';
import { installationKeyring, kmsKeyring, rawAesKeyring, rsaRecipientKeyring, RSA_RECIPIENT_NAMESPACE, type Keyring } from '../../electron/kms/envelope/keyrings.ts';
import {
  decryptStream,
  DEFAULT_FRAME_LENGTH,
  DEFAULT_LIMITS,
  encryptStream,
  type DecryptOptions,
  type EncryptOptions,
  type MessageInfo,
} from '../../electron/kms/envelope/message.ts';
import { ALL_SUITES, suiteById, type SuiteId } from '../../electron/kms/envelope/suites.ts';
import { KmsError } from '../../electron/kms/errors.ts';
import { startTestEndpoint, type TestEndpoint } from '../support/endpoint.ts';
import { tempDir } from '../support/engine.ts';

type Context = Readonly<Record<string, string>>;
const execFileAsync = promisify(execFile);

const NAMESPACE = 'strongroom-interop';
const KEY_NAME = 'wrapping-key-1';
const WRAPPING_KEY = randomBytes(32);
const FRAME = 4096;
const BIG = 3 * 1024 * 1024 + 4321;
const SIZES: ReadonlyArray<number> = [0, 1, FRAME - 1, FRAME, FRAME + 1, 3 * FRAME, BIG];
const BIG_PLAINTEXT = randomBytes(BIG);

const CONTEXTS: Readonly<Record<'empty' | 'ascii' | 'unicode', Context>> = {
  empty: {},
  ascii: { purpose: 'interop', stage: 'test-1', 'key-2': 'value' },
  // Non-ASCII, mixed-case, '_' vs '-', and a pair whose UTF-8 order is the reverse of its
  // UTF-16 order ('ｱ' U+FF71 < '🔑' U+1F511 by bytes; '🔑' (a surrogate pair) < 'ｱ' by code units).
  unicode: { Département: 'Île-de-France', ключ: 'значение', _x: 'underscore', '-x': 'hyphen', Purpose: 'Mixed', purpose: 'lower', ｱ: 'halfwidth', '🔑': 'emoji' },
};
const CONTEXT_NAMES = Object.keys(CONTEXTS) as Array<keyof typeof CONTEXTS>;

type SdkSuite = { readonly id: SuiteId; readonly hex: string; readonly sdk: AlgorithmSuiteIdentifier; readonly policy: CommitmentPolicy };
const A = AlgorithmSuiteIdentifier;
const suiteRow = (id: SuiteId, sdk: AlgorithmSuiteIdentifier): SdkSuite => ({
  id,
  hex: `0x${id.toString(16).padStart(4, '0')}`,
  sdk,
  policy: suiteById(id)?.committing === true ? CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT : CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
});
/** Every suite the SDK writes: committing ones under REQUIRE_ENCRYPT_*, v1 ones under FORBID_ENCRYPT_*. */
const SDK_SUITES: ReadonlyArray<SdkSuite> = [
  suiteRow(0x0478, A.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY),
  suiteRow(0x0578, A.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384),
  suiteRow(0x0014, A.ALG_AES128_GCM_IV12_TAG16),
  suiteRow(0x0046, A.ALG_AES192_GCM_IV12_TAG16),
  suiteRow(0x0078, A.ALG_AES256_GCM_IV12_TAG16),
  suiteRow(0x0114, A.ALG_AES128_GCM_IV12_TAG16_HKDF_SHA256),
  suiteRow(0x0146, A.ALG_AES192_GCM_IV12_TAG16_HKDF_SHA256),
  suiteRow(0x0178, A.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256),
  suiteRow(0x0214, A.ALG_AES128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256),
  suiteRow(0x0346, A.ALG_AES192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384),
  suiteRow(0x0378, A.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384),
];
const WRITTEN_SUITES = SDK_SUITES.filter((s) => s.id === 0x0478 || s.id === 0x0578);

const sdkClients = new Map<CommitmentPolicy, ReturnType<typeof buildClient>>();
function sdk(policy: CommitmentPolicy): ReturnType<typeof buildClient> {
  let client = sdkClients.get(policy);
  if (client === undefined) {
    client = buildClient(policy);
    sdkClients.set(policy, client);
  }
  return client;
}
/** The SDK's default (and strictest) client: what reads Strongroom's files. */
const strict = () => sdk(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/** The SDK's raw AES keyring for WRAPPING_KEY; it may wipe the key it is given, so it gets a copy. */
function sdkAes(utf8Sorting: boolean | 'default' = true): RawAesKeyringNode {
  return new RawAesKeyringNode({
    keyNamespace: NAMESPACE,
    keyName: KEY_NAME,
    unencryptedMasterKey: new Uint8Array(WRAPPING_KEY),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    ...(utf8Sorting === 'default' ? {} : { utf8Sorting }),
  });
}
const srAes = (): Keyring => rawAesKeyring(NAMESPACE, KEY_NAME, WRAPPING_KEY);

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) {
    yield bytes.subarray(i, Math.min(bytes.length, i + size));
  }
}

/** Strongroom decrypts `bytes`, fed in `chunk`-byte pieces. */
async function srDecrypt(bytes: Uint8Array, options: DecryptOptions, chunk = bytes.length): Promise<{ plaintext: Buffer; info: MessageInfo }> {
  const parts: Array<Buffer> = [];
  const info = await decryptStream(chunks(bytes, Math.max(1, chunk)), (c) => {
    parts.push(Buffer.from(c));
  }, options);
  return { plaintext: Buffer.concat(parts), info };
}

/** Strongroom encrypts `plaintext`, read in `chunk`-byte pieces. */
async function srEncrypt(plaintext: Uint8Array, options: EncryptOptions, chunk = 65_536): Promise<{ bytes: Buffer; info: MessageInfo }> {
  const parts: Array<Buffer> = [];
  const info = await encryptStream(chunks(plaintext, chunk), (c) => {
    parts.push(Buffer.from(c));
  }, options);
  return { bytes: Buffer.concat(parts), info };
}

function plaintextOf(size: number): Buffer {
  return size === BIG ? BIG_PLAINTEXT : randomBytes(size);
}

/** The context a caller supplied: the stored one without the signing key entry. */
function userContext(context: Context): Context {
  return Object.fromEntries(Object.entries(context).filter(([k]) => k !== PUBLIC_KEY_CONTEXT_KEY));
}

function sameBytes(actual: Uint8Array, expected: Uint8Array, label: string): void {
  // Not toEqual: a multi-MiB diff would drown the report.
  expect(actual.length, `${label}: length`).toBe(expected.length);
  expect(Buffer.compare(actual, expected), `${label}: bytes`).toBe(0);
}

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');

/** What `p` rejects with; fails the test if it resolves. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but it resolved');
}

async function sdkDecryptStream(path: string, keyring: KeyringNode): Promise<{ plaintext: Buffer; header: MessageHeader }> {
  const stream = strict().decryptStream(keyring);
  const seen: Array<MessageHeader> = [];
  stream.once('MessageHeader', (h: MessageHeader) => {
    seen.push(h);
  });
  const parts: Array<Buffer> = [];
  await pipeline(createReadStream(path, { highWaterMark: 100_000 }), stream, async (source: AsyncIterable<Buffer>) => {
    for await (const c of source) {
      parts.push(c);
    }
  });
  const [header] = seen;
  if (header === undefined) {
    throw new Error('the SDK emitted no MessageHeader');
  }
  return { plaintext: Buffer.concat(parts), header };
}

type FileJob = { readonly input: string; readonly output: string; readonly namespace: string; readonly name: string; readonly keyHex: string };
type FileOutcome = { readonly input: string; readonly ok: boolean; readonly error?: string; readonly bytes?: number };
const FILE_TIMEOUT_MS = 3000;

// Run by a child Node process: decryptFile for each job in turn, each given FILE_TIMEOUT_MS;
// stops at the first that does not settle (it would keep the child busy) and prints the outcomes.
const CHILD_DECRYPT_FILES = `
const { decryptFile } = await import(process.env.ESDK_FILES_MODULE);
const { rawAesKeyring } = await import(process.env.ESDK_KEYRINGS_MODULE);
const jobs = JSON.parse(process.env.ESDK_JOBS);
const timeoutMs = Number(process.env.ESDK_TIMEOUT_MS);
const outcomes = [];
for (const job of jobs) {
  const keyrings = [rawAesKeyring(job.namespace, job.name, Buffer.from(job.keyHex, 'hex'))];
  let timer;
  const outcome = await Promise.race([
    decryptFile(job.input, job.output, { keyrings }).then(
      (info) => ({ ok: true, bytes: info.plaintextBytes }),
      (err) => ({ ok: false, error: String(err && err.message ? err.message : err) }),
    ),
    new Promise((resolve) => { timer = setTimeout(() => resolve({ ok: false, error: 'decryptFile did not settle within ' + timeoutMs + ' ms' }), timeoutMs); }),
  ]);
  clearTimeout(timer);
  outcomes.push({ input: job.input, ...outcome });
  if (!outcome.ok && outcome.error.startsWith('decryptFile did not settle')) {
    break;
  }
}
process.stdout.write(JSON.stringify(outcomes));
process.exit(0);
`;

/**
 * Strongroom's decryptFile (files.ts) on each job, in a child process: a decryptFile that never
 * settles spins (see the report in the empty-final-frame tests), and must not be left spinning in
 * this worker. Returns one outcome per job up to and including the first that did not settle.
 */
async function decryptFilesInChild(jobs: ReadonlyArray<FileJob>): Promise<Array<FileOutcome>> {
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', CHILD_DECRYPT_FILES], {
    env: {
      ...process.env,
      ESDK_FILES_MODULE: new URL('../../electron/kms/envelope/files.ts', import.meta.url).href,
      ESDK_KEYRINGS_MODULE: new URL('../../electron/kms/envelope/keyrings.ts', import.meta.url).href,
      ESDK_JOBS: JSON.stringify(jobs),
      ESDK_TIMEOUT_MS: String(FILE_TIMEOUT_MS),
    },
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Array<FileOutcome>;
}

let ep: TestEndpoint;
let dir: string;
beforeAll(async () => {
  ep = await startTestEndpoint();
  dir = tempDir('strongroom-esdk-');
});
afterAll(async () => {
  await ep.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('suite identifiers', () => {
  it('the SDK suites used here are exactly the suites Strongroom knows, with the same ids', () => {
    for (const s of SDK_SUITES) {
      expect(Number(s.sdk), s.hex).toBe(s.id);
      expect(suiteById(s.id)?.id, s.hex).toBe(s.id);
    }
    expect(SDK_SUITES.map((s) => s.id).sort()).toEqual(ALL_SUITES.map((s) => s.id).sort());
  });

  it('Strongroom writes only the committing suites', async () => {
    for (const s of SDK_SUITES.filter((x) => !WRITTEN_SUITES.includes(x))) {
      const err = await rejection(srEncrypt(Buffer.from('x'), { keyrings: [srAes()], suiteId: s.id }));
      expect(err, s.hex).toBeInstanceOf(KmsError);
    }
  });
});

describe.each(SDK_SUITES)('raw AES: the SDK encrypts with suite $hex, Strongroom decrypts', (suite) => {
  const signed = suiteById(suite.id)?.signature != null;
  it.each(SIZES)('%i bytes', async (size) => {
    const plaintext = plaintextOf(size);
    // The multi-MiB input once per suite (contexts rotate over suites); small ones with every context.
    const names = size === BIG ? [CONTEXT_NAMES[SDK_SUITES.indexOf(suite) % CONTEXT_NAMES.length] ?? 'unicode'] : CONTEXT_NAMES;
    for (const [n, name] of names.entries()) {
      const label = `${suite.hex}, ${size} bytes, ${name} context`;
      const context = CONTEXTS[name];
      const { result, messageHeader } = await sdk(suite.policy).encrypt(sdkAes(), plaintext, { suiteId: suite.sdk, encryptionContext: { ...context }, frameLength: FRAME });
      expect(messageHeader.suiteId, label).toBe(suite.id);
      // Feed the reader whole, byte by byte, and in odd pieces that straddle every boundary.
      const chunk = [result.length, result.length < 20_000 ? 1 : 65_537, 17, 4099][(size + n) % 4];
      const { plaintext: out, info } = await srDecrypt(result, { keyrings: [srAes()] }, chunk);
      sameBytes(out, plaintext, label);
      expect(userContext(info.context), label).toEqual(context);
      expect(info.context, label).toEqual(messageHeader.encryptionContext);
      expect(PUBLIC_KEY_CONTEXT_KEY in info.context, label).toBe(signed);
      expect(info.suite.id, label).toBe(suite.id);
      expect(info.frameLength, label).toBe(FRAME);
      expect(info.plaintextBytes, label).toBe(size);
      // The SDK ends an exact multiple of the frame length with an empty final frame.
      expect(info.frames, label).toBe(Math.floor(size / FRAME) + 1);
      expect(info.edks.map((e) => e.providerId), label).toEqual([NAMESPACE]);
    }
  });
});

describe.each(WRITTEN_SUITES)('raw AES: Strongroom encrypts with suite $hex, the SDK decrypts', (suite) => {
  it.each(SIZES)('%i bytes', async (size) => {
    const plaintext = plaintextOf(size);
    const names = size === BIG ? ['unicode' as const] : CONTEXT_NAMES;
    for (const name of names) {
      const label = `${suite.hex}, ${size} bytes, ${name} context`;
      const context = CONTEXTS[name];
      const { bytes, info } = await srEncrypt(plaintext, { keyrings: [srAes()], context, suiteId: suite.id, frameLength: FRAME }, size % 2 === 0 ? 65_536 : 1000);
      // Strongroom holds a full frame back, so an exact multiple ends with a full final frame.
      expect(info.frames, label).toBe(Math.max(1, Math.ceil(size / FRAME)));
      expect(info.plaintextBytes, label).toBe(size);
      const { plaintext: out, messageHeader } = await strict().decrypt(sdkAes(), bytes);
      sameBytes(out, plaintext, label);
      expect(messageHeader.version, label).toBe(2);
      expect(messageHeader.suiteId, label).toBe(suite.id);
      expect(messageHeader.frameLength, label).toBe(FRAME);
      expect(messageHeader.encryptionContext, label).toEqual(info.context);
      expect(userContext(messageHeader.encryptionContext), label).toEqual(context);
      expect(PUBLIC_KEY_CONTEXT_KEY in messageHeader.encryptionContext, label).toBe(suite.id === 0x0578);
      expect(messageHeader.encryptedDataKeys.map((e) => e.providerId), label).toEqual([NAMESPACE]);
    }
  });
});

describe('multi-MiB files at Strongroom DEFAULT_FRAME_LENGTH, through the SDK streams and Strongroom files', () => {
  it('the SDK encryptStream writes a file, Strongroom decryptFile reads it', async () => {
    const input = join(dir, 'sdk-big.esdk');
    const output = join(dir, 'sdk-big.out');
    const context = CONTEXTS.unicode;
    await pipeline(
      Readable.from(chunks(BIG_PLAINTEXT, 300_001)),
      sdk(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT).encryptStream(sdkAes(), { suiteId: A.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, encryptionContext: { ...context }, frameLength: DEFAULT_FRAME_LENGTH }),
      createWriteStream(input),
    );
    const info = await decryptFile(input, output, { keyrings: [srAes()] });
    sameBytes(readFileSync(output), BIG_PLAINTEXT, 'decrypted file');
    expect(info.frameLength).toBe(DEFAULT_FRAME_LENGTH);
    expect(info.frames).toBe(Math.floor(BIG / DEFAULT_FRAME_LENGTH) + 1);
    expect(userContext(info.context)).toEqual(context);
    expect(info.suite.id).toBe(0x0578);
  });

  it.each([
    { suite: 0x0578 as const, hex: '0x0578', frameLength: undefined, frame: 'DEFAULT_FRAME_LENGTH' },
    { suite: 0x0478 as const, hex: '0x0478', frameLength: FRAME, frame: String(FRAME) },
  ])('Strongroom encryptFile writes suite $hex at frame length $frame, the SDK decryptStream and decrypt read it', async ({ suite, frameLength }) => {
    const plainPath = join(dir, `big-${suite}.bin`);
    const encPath = join(dir, `big-${suite}.strongroom`);
    writeFileSync(plainPath, BIG_PLAINTEXT);
    const context = CONTEXTS.ascii;
    const info = await encryptFile(plainPath, encPath, { keyrings: [srAes()], context, suiteId: suite, ...(frameLength === undefined ? {} : { frameLength }) });
    const expectedFrame = frameLength ?? DEFAULT_FRAME_LENGTH;
    expect(info.frameLength).toBe(expectedFrame);
    const streamed = await sdkDecryptStream(encPath, sdkAes());
    sameBytes(streamed.plaintext, BIG_PLAINTEXT, 'SDK decryptStream');
    expect(streamed.header.suiteId).toBe(suite);
    expect(streamed.header.frameLength).toBe(expectedFrame);
    expect(streamed.header.encryptionContext).toEqual(info.context);
    const whole = await strict().decrypt(sdkAes(), readFileSync(encPath));
    sameBytes(whole.plaintext, BIG_PLAINTEXT, 'SDK decrypt');
    expect(userContext(whole.messageHeader.encryptionContext)).toEqual(context);
  });
});

describe('Strongroom files (files.ts) with an empty final frame', () => {
  it('encryptFile then decryptFile round-trips 0, 1, frame length and 3 × frame length bytes, and the SDK reads the same files', async () => {
    // The empty file last: a decryptFile that does not settle ends the child's run (see decryptFilesInChild).
    const sizes = [1, FRAME, 3 * FRAME, 0];
    const jobs: Array<FileJob> = [];
    for (const size of sizes) {
      const plainPath = join(dir, `rt-${size}.bin`);
      writeFileSync(plainPath, plaintextOf(size));
      const encPath = join(dir, `rt-${size}.strongroom`);
      await encryptFile(plainPath, encPath, { keyrings: [srAes()], context: CONTEXTS.ascii, frameLength: FRAME });
      sameBytes((await strict().decrypt(sdkAes(), readFileSync(encPath))).plaintext, readFileSync(plainPath), `SDK reads the ${size}-byte file`);
      jobs.push({ input: encPath, output: join(dir, `rt-${size}.out`), namespace: NAMESPACE, name: KEY_NAME, keyHex: WRAPPING_KEY.toString('hex') });
    }
    const outcomes = await decryptFilesInChild(jobs);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(outcomes.map((o) => o.bytes)).toEqual(sizes);
    for (const [i, size] of sizes.entries()) {
      sameBytes(readFileSync(jobs[i]?.output ?? ''), readFileSync(join(dir, `rt-${size}.bin`)), `decryptFile, ${size} bytes`);
    }
  });
});

describe("raw AES: the SDK keyring's default (localeCompare) context order", () => {
  // Keys whose localeCompare order differs from their UTF-8 byte order ('_x' before '-x',
  // 'Purpose' after 'aws-crypto-public-key', …), so the wrapping AAD differs too.
  const mixed: Context = { Purpose: 'Mixed', _x: 'underscore', '-x': 'hyphen', Département: 'Île-de-France', stage: 'test' };

  it.each(SDK_SUITES.filter((s) => [0x0578, 0x0478, 0x0178, 0x0014].includes(s.id)))('Strongroom reads suite $hex from a keyring without utf8Sorting (it retries the localeCompare order)', async (suite) => {
    const plaintext = randomBytes(FRAME + 7);
    const { result } = await sdk(suite.policy).encrypt(sdkAes('default'), plaintext, { suiteId: suite.sdk, encryptionContext: { ...mixed }, frameLength: FRAME });
    // The order really differs: a byte-ordered SDK keyring cannot open this data key.
    await rejection(strict().decrypt(sdkAes(true), result));
    const { plaintext: out, info } = await srDecrypt(result, { keyrings: [srAes()] }, 333);
    sameBytes(out, plaintext, suite.hex);
    expect(userContext(info.context)).toEqual(mixed);
  });

  it('an SDK keyring without utf8Sorting reads Strongroom files whose context keys are lower-case ASCII', async () => {
    for (const suite of WRITTEN_SUITES) {
      const plaintext = randomBytes(100);
      const { bytes } = await srEncrypt(plaintext, { keyrings: [srAes()], context: CONTEXTS.ascii, suiteId: suite.id, frameLength: FRAME });
      const { plaintext: out } = await strict().decrypt(sdkAes('default'), bytes);
      sameBytes(out, plaintext, suite.hex);
    }
  });
});

describe('tampered Strongroom messages', () => {
  it('the SDK and Strongroom both reject a changed header, EDK, frame or footer, truncation and a trailing byte', async () => {
    const plaintext = randomBytes(2 * FRAME + 5);
    const { bytes, info } = await srEncrypt(plaintext, { keyrings: [srAes()], context: CONTEXTS.ascii, frameLength: FRAME });
    expect(info.suite.id).toBe(0x0578);
    const headerLength = parseHeader(bytes, DEFAULT_LIMITS).bytes.length;
    const edkAt = bytes.indexOf(Buffer.from(info.edks[0]?.ciphertext ?? []));
    expect(edkAt).toBeGreaterThan(0);
    const flip = (at: number) => {
      const b = Buffer.from(bytes);
      b[at] = (b[at] ?? 0) ^ 0x01;
      return b;
    };
    const regularFrames = headerLength + 2 * (4 + 12 + FRAME + 16);
    const variants: Record<string, Buffer> = {
      'message id': flip(5),
      'EDK ciphertext': flip(edkAt + 3),
      'frame length field': flip(headerLength - 16 - 32 - 1),
      'frame 1 ciphertext': flip(headerLength + 4 + 12 + 100),
      'frame 2 tag': flip(regularFrames - 1),
      'final frame content': flip(regularFrames + 4 + 4 + 12 + 4 + 1),
      'footer signature': flip(bytes.length - 5),
      'truncated before the final frame': bytes.subarray(0, regularFrames),
      'truncated inside the footer': bytes.subarray(0, bytes.length - 1),
      'trailing byte': Buffer.concat([bytes, Buffer.from([0])]),
    };
    // The untampered message reads on both sides (so the rejections below are about the change).
    sameBytes((await strict().decrypt(sdkAes(), bytes)).plaintext, plaintext, 'SDK, untampered');
    sameBytes((await srDecrypt(bytes, { keyrings: [srAes()] })).plaintext, plaintext, 'Strongroom, untampered');
    for (const [what, tampered] of Object.entries(variants)) {
      expect(await rejection(strict().decrypt(sdkAes(), tampered)), `SDK, ${what}`).toBeInstanceOf(Error);
      expect(await rejection(srDecrypt(tampered, { keyrings: [srAes()] })), `Strongroom, ${what}`).toBeInstanceOf(KmsError);
    }
  });

  it("Strongroom's requireCommitment refuses the SDK's v1 messages and unsignedOnly its signed ones, releasing nothing", async () => {
    const v1 = SDK_SUITES.find((s) => s.id === 0x0178) ?? SDK_SUITES[0];
    const signed = SDK_SUITES.find((s) => s.id === 0x0578) ?? SDK_SUITES[0];
    for (const [suite, options] of [
      [v1, { requireCommitment: true }],
      [signed, { unsignedOnly: true }],
    ] as const) {
      if (suite === undefined) {
        throw new Error('suite table');
      }
      const { result } = await sdk(suite.policy).encrypt(sdkAes(), randomBytes(10), { suiteId: suite.sdk });
      let released = 0;
      const err = await rejection(decryptStream(chunks(result, result.length), (c) => {
        released += c.length;
      }, { keyrings: [srAes()], ...options }));
      expect(err, suite.hex).toBeInstanceOf(KmsError);
      expect(released, suite.hex).toBe(0);
    }
  });
});

describe('raw RSA keyrings and Strongroom RSA recipients', () => {
  let rsaArn: string;
  let rsaPublicPem: string;
  beforeAll(async () => {
    rsaArn = (await ep.kms.invoke('CreateKey', { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT', Description: 'esdk recipient' })).KeyMetadata.Arn;
    const pub = await ep.kms.invoke('GetPublicKey', { KeyId: rsaArn });
    rsaPublicPem = createPublicKey({ key: Buffer.from(pub.PublicKey), format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString();
  });

  it.each(SDK_SUITES)('the SDK encrypts suite $hex to an installation RSA key (OAEP-SHA-256); installationKeyring decrypts', async (suite) => {
    const keyring = new RawRsaKeyringNode({ keyNamespace: RSA_RECIPIENT_NAMESPACE, keyName: rsaArn, rsaKey: { publicKey: rsaPublicPem }, oaepHash: 'sha256' });
    const plaintext = randomBytes(FRAME + 1);
    const { result } = await sdk(suite.policy).encrypt(keyring, plaintext, { suiteId: suite.sdk, encryptionContext: { ...CONTEXTS.unicode }, frameLength: FRAME });
    const { plaintext: out, info } = await srDecrypt(result, { keyrings: [installationKeyring(ep.kms)] });
    sameBytes(out, plaintext, suite.hex);
    expect(userContext(info.context)).toEqual(CONTEXTS.unicode);
    expect(info.edks).toHaveLength(1);
    expect(info.edks[0]?.providerId).toBe(RSA_RECIPIENT_NAMESPACE);
    expect(utf8(info.edks[0]?.providerInfo ?? new Uint8Array())).toBe(rsaArn);
    expect(info.edks[0]?.ciphertext.length).toBe(256);
    const [last] = ep.kms.audit.list({ MaxResults: 1 });
    expect(last?.record.eventName).toBe('Decrypt');
  });

  it('an SDK RSA EDK with OAEP-SHA-1 (the SDK default hash) does not open as an RSA recipient', async () => {
    const keyring = new RawRsaKeyringNode({ keyNamespace: RSA_RECIPIENT_NAMESPACE, keyName: rsaArn, rsaKey: { publicKey: rsaPublicPem } });
    const { result } = await strict().encrypt(keyring, randomBytes(10));
    expect(await rejection(srDecrypt(result, { keyrings: [installationKeyring(ep.kms)] }))).toBeInstanceOf(KmsError);
  });

  it.each(WRITTEN_SUITES)('Strongroom encrypts suite $hex to an RSA recipient; the SDK raw RSA keyring with the private key decrypts', async (suite) => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const colleagueArn = `arn:aws:kms:eu-west-3:444455556666:key/${randomUUID()}`;
    const plaintext = randomBytes(3 * FRAME);
    const { bytes, info } = await srEncrypt(plaintext, { keyrings: [rsaRecipientKeyring(colleagueArn, publicKey)], context: CONTEXTS.unicode, suiteId: suite.id, frameLength: FRAME });
    const keyring = new RawRsaKeyringNode({
      keyNamespace: RSA_RECIPIENT_NAMESPACE,
      keyName: colleagueArn,
      rsaKey: { privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() },
      oaepHash: 'sha256',
    });
    const { plaintext: out, messageHeader } = await strict().decrypt(keyring, bytes);
    sameBytes(out, plaintext, suite.hex);
    expect(messageHeader.encryptionContext).toEqual(info.context);
    expect(messageHeader.encryptedDataKeys.map((e) => [e.providerId, e.providerInfo])).toEqual([[RSA_RECIPIENT_NAMESPACE, colleagueArn]]);
    // The wrong private key (same name) does not open it.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const wrong = new RawRsaKeyringNode({ keyNamespace: RSA_RECIPIENT_NAMESPACE, keyName: colleagueArn, rsaKey: { privateKey: other }, oaepHash: 'sha256' });
    await rejection(strict().decrypt(wrong, bytes));
  });
});

describe('KMS keyrings through the endpoint', () => {
  let arn1: string;
  let arn2: string;
  const clientProvider = () => getClient(KMS, { endpoint: ep.endpoint, region: ep.region, credentials: ep.credentials });
  const sdkKms = (generatorKeyId: string, keyIds: Array<string> = []) => new KmsKeyringNode({ generatorKeyId, keyIds, clientProvider: clientProvider() });
  beforeAll(async () => {
    arn1 = (await ep.kms.invoke('CreateKey', { Description: 'esdk 1' })).KeyMetadata.Arn;
    arn2 = (await ep.kms.invoke('CreateKey', { Description: 'esdk 2' })).KeyMetadata.Arn;
  });

  it.each(SDK_SUITES.filter((s) => [0x0578, 0x0478, 0x0378, 0x0346, 0x0114].includes(s.id)))(
    'the SDK KMS keyring encrypts suite $hex; Strongroom installationKeyring decrypts',
    async (suite) => {
      const plaintext = randomBytes(FRAME * 2 + 3);
      const { result, messageHeader } = await sdk(suite.policy).encrypt(sdkKms(arn1), plaintext, { suiteId: suite.sdk, encryptionContext: { ...CONTEXTS.unicode }, frameLength: FRAME });
      expect(messageHeader.encryptedDataKeys.map((e) => [e.providerId, e.providerInfo])).toEqual([['aws-kms', arn1]]);
      const { plaintext: out, info } = await srDecrypt(result, { keyrings: [installationKeyring(ep.kms)] }, 1000);
      sameBytes(out, plaintext, suite.hex);
      expect(info.edks.map((e) => [e.providerId, utf8(e.providerInfo)])).toEqual([['aws-kms', arn1]]);
      expect(userContext(info.context)).toEqual(CONTEXTS.unicode);
    },
  );

  it.each(WRITTEN_SUITES)('Strongroom kmsKeyring encrypts suite $hex; the SDK KMS keyring decrypts', async (suite) => {
    const plaintext = randomBytes(FRAME * 3);
    const { bytes, info } = await srEncrypt(plaintext, { keyrings: [kmsKeyring(ep.kms, arn1)], context: CONTEXTS.unicode, suiteId: suite.id, frameLength: FRAME });
    expect(info.edks.map((e) => [e.providerId, utf8(e.providerInfo)])).toEqual([['aws-kms', arn1]]);
    const { plaintext: out, messageHeader } = await strict().decrypt(sdkKms(arn1), bytes);
    sameBytes(out, plaintext, suite.hex);
    expect(messageHeader.encryptedDataKeys.map((e) => [e.providerId, e.providerInfo])).toEqual([['aws-kms', arn1]]);
    expect(messageHeader.encryptionContext).toEqual(info.context);
    // A keyring for another key skips the EDK.
    await rejection(strict().decrypt(sdkKms(arn2), bytes));
  });

  it('a file for two KMS keys (two EDKs, either writer) decrypts on both sides with either key disabled, and with neither when both are', async () => {
    const plaintext = randomBytes(FRAME + 9);
    const context = CONTEXTS.ascii;
    const fromStrongroom = (await srEncrypt(plaintext, { keyrings: [kmsKeyring(ep.kms, arn1), kmsKeyring(ep.kms, arn2)], context, frameLength: FRAME })).bytes;
    const fromSdk = (await strict().encrypt(sdkKms(arn1, [arn2]), plaintext, { encryptionContext: { ...context }, frameLength: FRAME })).result;
    const setEnabled = async (arn: string, enabled: boolean) => {
      await ep.kms.invoke(enabled ? 'EnableKey' : 'DisableKey', { KeyId: arn });
    };
    try {
      for (const [writer, bytes] of [
        ['Strongroom', fromStrongroom],
        ['SDK', fromSdk],
      ] as const) {
        const edks = parseHeader(bytes, DEFAULT_LIMITS).edks.map((e) => [e.providerId, utf8(e.providerInfo)]);
        expect(edks, writer).toEqual([
          ['aws-kms', arn1],
          ['aws-kms', arn2],
        ]);
        for (const [disabled, enabled] of [
          [arn1, arn2],
          [arn2, arn1],
        ] as const) {
          await setEnabled(disabled, false);
          const label = `${writer} file, ${disabled === arn1 ? 'first' : 'second'} key disabled`;
          sameBytes((await strict().decrypt(sdkKms(arn1, [arn2]), bytes)).plaintext, plaintext, `SDK reads ${label}`);
          sameBytes((await srDecrypt(bytes, { keyrings: [installationKeyring(ep.kms)] })).plaintext, plaintext, `Strongroom reads ${label}`);
          await setEnabled(enabled, false);
          await rejection(strict().decrypt(sdkKms(arn1, [arn2]), bytes));
          expect(await rejection(srDecrypt(bytes, { keyrings: [installationKeyring(ep.kms)] })), `Strongroom, ${writer} file, both disabled`).toBeInstanceOf(KmsError);
          await setEnabled(arn1, true);
          await setEnabled(arn2, true);
        }
      }
    } finally {
      await setEnabled(arn1, true);
      await setEnabled(arn2, true);
    }
  });
});

// ---- The checked-in corpus (test/fixtures/esdk), written by the SDK; read here without it. ----

const CORPUS_DIR = new URL('../fixtures/esdk/', import.meta.url).pathname;
/** The corpus's TEST-ONLY raw AES key, as hard-coded in scripts/make-esdk-corpus.ts. */
const CORPUS_AES_KEY = Buffer.from('5354524f4e47524f4f4d2d544553542d4f4e4c592d4e4f542d412d5345435245', 'hex');
const CORPUS_AES = { namespace: 'strongroom-corpus', name: 'aes-256-test-only' };
const CORPUS_RSA = { namespace: 'strongroom-corpus-rsa', name: 'rsa-2048-test-only' };
const CORPUS_KEYRINGS = ['aes', 'aes-locale', 'rsa', 'rsa+aes'] as const;

type CorpusEntry = {
  readonly file: string;
  readonly suite: string;
  readonly size: number;
  readonly context: string;
  readonly encryptionContext: Context;
  readonly keyring: (typeof CORPUS_KEYRINGS)[number];
  readonly frameLength: number;
  readonly edks: number;
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function corpusEntries(): Array<CorpusEntry> {
  const manifest: unknown = JSON.parse(readFileSync(join(CORPUS_DIR, 'manifest.json'), 'utf8'));
  if (!isRecord(manifest) || !Array.isArray(manifest.files)) {
    throw new Error('manifest.json has no files array');
  }
  return manifest.files.map((f: unknown, i: number): CorpusEntry => {
    const ok =
      isRecord(f) &&
      typeof f.file === 'string' &&
      typeof f.suite === 'string' &&
      typeof f.size === 'number' &&
      typeof f.context === 'string' &&
      isRecord(f.encryptionContext) &&
      Object.values(f.encryptionContext).every((v) => typeof v === 'string') &&
      CORPUS_KEYRINGS.some((k) => k === f.keyring) &&
      typeof f.frameLength === 'number' &&
      typeof f.edks === 'number';
    if (!ok) {
      throw new Error(`manifest.json files[${i}] is malformed`);
    }
    return f as CorpusEntry;
  });
}

const CORPUS = corpusEntries();

function corpusPlaintext(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    b[i] = i % 251;
  }
  return b;
}

/**
 * Strongroom has no raw RSA keyring of its own (its RSA EDKs are opened by the installation's KMS
 * keys), so the corpus's raw RSA EDKs are opened by this minimal keyring plugged into Strongroom's
 * reader: OAEP-SHA-256 with the checked-in private key, matched by namespace and name exactly.
 */
function corpusRsaKeyring(privateKey: KeyObject): Keyring {
  const name = Buffer.from(CORPUS_RSA.name, 'utf8');
  return {
    label: 'corpus raw RSA key',
    wrap() {
      return Promise.reject(new Error('decrypt only'));
    },
    async unwrap(edks, suite) {
      for (const edk of edks) {
        if (edk.providerId === CORPUS_RSA.namespace && name.equals(Buffer.from(edk.providerInfo))) {
          const key = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, edk.ciphertext);
          return key.length === suite.keyBytes ? key : null;
        }
      }
      return null;
    },
  };
}

describe('the checked-in corpus of SDK-written files', () => {
  it('covers every suite the SDK writes, sizes 0, 1, 4096 and 10000, every context and keyring, and stays small', () => {
    const suites = new Set(CORPUS.map((e) => Number.parseInt(e.suite, 16)));
    expect([...suites].sort()).toEqual(SDK_SUITES.map((s) => s.id).sort());
    for (const s of SDK_SUITES) {
      const mine = CORPUS.filter((e) => Number.parseInt(e.suite, 16) === s.id && e.keyring === 'aes');
      expect(new Set(mine.map((e) => e.size)), s.hex).toEqual(new Set([0, 1, 4096, 10000]));
    }
    expect(new Set(CORPUS.map((e) => e.context))).toEqual(new Set(['empty', 'ascii', 'unicode']));
    expect(new Set(CORPUS.map((e) => e.keyring))).toEqual(new Set(CORPUS_KEYRINGS));
    const onDisk = readdirSync(CORPUS_DIR).filter((n) => n.endsWith('.esdk'));
    expect(onDisk.sort()).toEqual(CORPUS.map((e) => e.file).sort());
    const total = readdirSync(CORPUS_DIR).reduce((n, f) => n + statSync(join(CORPUS_DIR, f)).size, 0);
    expect(total).toBeLessThan(300 * 1024);
  });

  it.each(CORPUS)('Strongroom reads $file from disk', async (entry) => {
    const suiteId = Number.parseInt(entry.suite, 16);
    const suite = suiteById(suiteId);
    expect(suite).not.toBeNull();
    const expected = corpusPlaintext(entry.size);
    const aes = rawAesKeyring(CORPUS_AES.namespace, CORPUS_AES.name, CORPUS_AES_KEY);
    const rsa = corpusRsaKeyring(createPrivateKey(readFileSync(join(CORPUS_DIR, 'rsa-private.pem'))));
    // A 'rsa+aes' file is read once with each key alone: each EDK opens by itself.
    const keyringSets: Array<Array<Keyring>> = entry.keyring === 'rsa' ? [[rsa]] : entry.keyring === 'rsa+aes' ? [[rsa], [aes]] : [[aes]];
    for (const keyrings of keyringSets) {
      const parts: Array<Buffer> = [];
      const source = createReadStream(join(CORPUS_DIR, entry.file), { highWaterMark: 1000 });
      const info = await decryptStream(source, (c) => {
        parts.push(Buffer.from(c));
      }, { keyrings, requireCommitment: suite?.committing === true });
      sameBytes(Buffer.concat(parts), expected, `${entry.file} with ${keyrings.map((k) => k.label).join()}`);
      expect(info.suite.id).toBe(suiteId);
      expect(info.frameLength).toBe(entry.frameLength);
      expect(info.frames).toBe(Math.floor(entry.size / entry.frameLength) + 1);
      expect(info.edks).toHaveLength(entry.edks);
      expect(userContext(info.context)).toEqual(entry.encryptionContext);
      expect(PUBLIC_KEY_CONTEXT_KEY in info.context).toBe(suite?.signature != null);
    }
    if (entry.keyring === 'aes-locale') {
      // Only the localeCompare retry can have opened it: the two orders differ for this context.
      const keys = Object.keys({ ...entry.encryptionContext, ...(suite?.signature != null ? { [PUBLIC_KEY_CONTEXT_KEY]: '' } : {}) });
      const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      const byLocale = [...keys].sort((a, b) => a.localeCompare(b));
      expect(byLocale).not.toEqual(byBytes);
    }
  });

  it('Strongroom decryptFile (files.ts) reads every corpus file it holds the AES key for, including empty final frames', async () => {
    // Files ending in an empty final frame (0 bytes, exact multiples of the frame length) last:
    // one that does not settle ends the child's run, and should not hide the others' results.
    const emptyFinal = (e: CorpusEntry) => (e.size % e.frameLength === 0 ? 1 : 0);
    const entries = CORPUS.filter((e) => e.keyring !== 'rsa').sort((a, b) => emptyFinal(a) - emptyFinal(b));
    const jobs = entries.map((e) => ({
      input: join(CORPUS_DIR, e.file),
      output: join(dir, `corpus-${e.file}.out`),
      namespace: CORPUS_AES.namespace,
      name: CORPUS_AES.name,
      keyHex: CORPUS_AES_KEY.toString('hex'),
    }));
    const outcomes = await decryptFilesInChild(jobs);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(outcomes).toHaveLength(jobs.length);
    for (const [i, e] of entries.entries()) {
      sameBytes(readFileSync(jobs[i]?.output ?? ''), corpusPlaintext(e.size), `decryptFile ${e.file}`);
    }
  });

  it('a corpus file does not open under another raw AES key, and a flipped byte is refused', async () => {
    const entry = CORPUS.find((e) => e.keyring === 'aes' && e.size === 10000 && e.suite === '0x0578');
    expect(entry).toBeDefined();
    const bytes = readFileSync(join(CORPUS_DIR, entry?.file ?? ''));
    const other = rawAesKeyring(CORPUS_AES.namespace, CORPUS_AES.name, randomBytes(32));
    expect(await rejection(srDecrypt(bytes, { keyrings: [other] }))).toBeInstanceOf(KmsError);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 200] = (flipped[flipped.length - 200] ?? 0) ^ 0x80;
    const aes = rawAesKeyring(CORPUS_AES.namespace, CORPUS_AES.name, CORPUS_AES_KEY);
    expect(await rejection(srDecrypt(flipped, { keyrings: [aes] }))).toBeInstanceOf(KmsError);
  });
});
