// Writes test/fixtures/esdk/: messages encrypted by the official AWS Encryption SDK for
// JavaScript (@aws-crypto/client-node), so test/interop/esdk-files.test.ts can prove that
// Strongroom reads what the SDK writes without the SDK being present at test time.
//
//   node scripts/make-esdk-corpus.ts
//
// Every suite the SDK writes (the committing ones under REQUIRE_ENCRYPT_ALLOW_DECRYPT, the v1
// ones under FORBID_ENCRYPT_ALLOW_DECRYPT), sizes 0, 1, 4096 and 10000 bytes (byte i is i % 251),
// three encryption contexts, a raw AES keyring with a FIXED, PUBLISHED, TEST-ONLY wrapping key,
// plus a few messages for a raw RSA key pair (generated on the first run and kept beside the
// corpus) and for the SDK's default (localeCompare) context ordering. Old *.esdk files are
// removed; the RSA key pair is reused if present. The messages themselves differ on every run
// (random message IDs, IVs and data keys), so regenerate only when the corpus must change.

import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  MultiKeyringNode,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
  RawRsaKeyringNode,
  type KeyringNode,
} from '@aws-crypto/client-node';

const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'esdk');

/** TEST-ONLY raw AES-256 wrapping key. It is public: never use it (or this corpus's RSA key) for real data. */
const AES_KEY_HEX = '5354524f4e47524f4f4d2d544553542d4f4e4c592d4e4f542d412d5345435245';
const AES_NAMESPACE = 'strongroom-corpus';
const AES_KEY_NAME = 'aes-256-test-only';
const RSA_NAMESPACE = 'strongroom-corpus-rsa';
const RSA_KEY_NAME = 'rsa-2048-test-only';
const RSA_PRIVATE_PEM = 'rsa-private.pem';
const RSA_PUBLIC_PEM = 'rsa-public.pem';
const FRAME_LENGTH = 4096;

const CONTEXTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  empty: {},
  ascii: { purpose: 'corpus', stage: 'fixture-1' },
  // Mixed case, '_' and non-ASCII keys: byte order and localeCompare order differ here.
  unicode: { Département: 'Île-de-France', ключ: 'значение', _x: 'underscore', Purpose: 'Mixed-Case', aa: '日本語' },
};

type SuiteRow = { readonly id: AlgorithmSuiteIdentifier; readonly committing: boolean };
const SUITES: ReadonlyArray<SuiteRow> = [
  { id: AlgorithmSuiteIdentifier.ALG_AES128_GCM_IV12_TAG16, committing: false },
  { id: AlgorithmSuiteIdentifier.ALG_AES192_GCM_IV12_TAG16, committing: false },
  { id: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16, committing: false },
  { id: AlgorithmSuiteIdentifier.ALG_AES128_GCM_IV12_TAG16_HKDF_SHA256, committing: false },
  { id: AlgorithmSuiteIdentifier.ALG_AES192_GCM_IV12_TAG16_HKDF_SHA256, committing: false },
  { id: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256, committing: false },
  { id: AlgorithmSuiteIdentifier.ALG_AES128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256, committing: false },
  { id: AlgorithmSuiteIdentifier.ALG_AES192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384, committing: false },
  { id: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384, committing: false },
  { id: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY, committing: true },
  { id: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, committing: true },
];
const SIZES: ReadonlyArray<number> = [0, 1, 4096, 10000];

/** Keyring variants; the file name carries a `-<keyring>` suffix for all but 'aes'. */
type KeyringKind = 'aes' | 'aes-locale' | 'rsa' | 'rsa+aes';

type ManifestEntry = {
  readonly file: string;
  readonly suite: string;
  readonly size: number;
  readonly context: string;
  readonly encryptionContext: Readonly<Record<string, string>>;
  readonly keyring: KeyringKind;
  readonly frameLength: number;
  readonly edks: number;
};

function hex4(id: number): string {
  return id.toString(16).padStart(4, '0');
}

function plaintext(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    b[i] = i % 251;
  }
  return b;
}

function rsaPems(): { readonly privatePem: string; readonly publicPem: string } {
  const privatePath = join(OUT_DIR, RSA_PRIVATE_PEM);
  const publicPath = join(OUT_DIR, RSA_PUBLIC_PEM);
  if (!existsSync(privatePath) || !existsSync(publicPath)) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(privatePath, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(publicPath, pair.publicKey.export({ format: 'pem', type: 'spki' }));
  }
  return { privatePem: readFileSync(privatePath, 'utf8'), publicPem: readFileSync(publicPath, 'utf8') };
}

function aesKeyring(utf8Sorting: boolean): RawAesKeyringNode {
  // The keyring may wipe the key it is given: a fresh copy each time.
  return new RawAesKeyringNode({
    keyNamespace: AES_NAMESPACE,
    keyName: AES_KEY_NAME,
    unencryptedMasterKey: new Uint8Array(Buffer.from(AES_KEY_HEX, 'hex')),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    ...(utf8Sorting ? { utf8Sorting: true } : {}),
  });
}

function keyringFor(kind: KeyringKind, publicPem: string): KeyringNode {
  const rsa = () => new RawRsaKeyringNode({ keyNamespace: RSA_NAMESPACE, keyName: RSA_KEY_NAME, rsaKey: { publicKey: publicPem }, oaepHash: 'sha256' });
  switch (kind) {
    case 'aes':
      return aesKeyring(true);
    case 'aes-locale':
      return aesKeyring(false);
    case 'rsa':
      return rsa();
    case 'rsa+aes':
      // RSA generates (first EDK), AES wraps too (second EDK): readers must skip the first.
      return new MultiKeyringNode({ generator: rsa(), children: [aesKeyring(true)] });
  }
}

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  for (const name of readdirSync(OUT_DIR)) {
    if (name.endsWith('.esdk')) {
      rmSync(join(OUT_DIR, name));
    }
  }
  const { publicPem } = rsaPems();
  const committing = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
  const legacy = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
  const contextNames = Object.keys(CONTEXTS);

  const jobs: Array<{ suite: SuiteRow; size: number; context: string; keyring: KeyringKind }> = [];
  SUITES.forEach((suite, s) => {
    SIZES.forEach((size, i) => {
      // Contexts rotate over sizes and suites: every suite sees every context, the corpus stays small.
      jobs.push({ suite, size, context: contextNames[(s + i) % contextNames.length] ?? 'empty', keyring: 'aes' });
    });
  });
  const extraSuites = [0x0578, 0x0478, 0x0378, 0x0114, 0x0014];
  for (const suite of SUITES.filter((r) => extraSuites.includes(r.id))) {
    jobs.push({ suite, size: 1, context: 'ascii', keyring: 'rsa' });
    jobs.push({ suite, size: 4096, context: 'unicode', keyring: 'rsa+aes' });
    jobs.push({ suite, size: 1, context: 'unicode', keyring: 'aes-locale' });
  }

  const files: Array<ManifestEntry> = [];
  for (const job of jobs) {
    const client = job.suite.committing ? committing : legacy;
    const encryptionContext = CONTEXTS[job.context] ?? {};
    const { result, messageHeader } = await client.encrypt(keyringFor(job.keyring, publicPem), plaintext(job.size), {
      suiteId: job.suite.id,
      encryptionContext: { ...encryptionContext },
      frameLength: FRAME_LENGTH,
    });
    const file = `${hex4(job.suite.id)}-${job.size}-${job.context}${job.keyring === 'aes' ? '' : `-${job.keyring.replace('+', '-')}`}.esdk`;
    writeFileSync(join(OUT_DIR, file), result);
    files.push({
      file,
      suite: `0x${hex4(job.suite.id)}`,
      size: job.size,
      context: job.context,
      encryptionContext,
      keyring: job.keyring,
      frameLength: FRAME_LENGTH,
      edks: messageHeader.encryptedDataKeys.length,
    });
  }

  const sdkVersion = (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@aws-crypto/client-node/package.json'), 'utf8')) as { version: string }).version;
  const manifest = {
    description: 'AWS Encryption SDK messages written by @aws-crypto/client-node for Strongroom interop tests. TEST-ONLY KEYS: never use them for real data.',
    generator: 'scripts/make-esdk-corpus.ts',
    sdk: `@aws-crypto/client-node ${sdkVersion}`,
    plaintext: 'size bytes; byte i = i % 251',
    keyrings: {
      aes: { kind: 'raw AES-256-GCM', namespace: AES_NAMESPACE, name: AES_KEY_NAME, keyHex: AES_KEY_HEX, utf8Sorting: true },
      'aes-locale': { kind: 'raw AES-256-GCM, SDK default context ordering (localeCompare)', namespace: AES_NAMESPACE, name: AES_KEY_NAME, keyHex: AES_KEY_HEX, utf8Sorting: false },
      rsa: { kind: 'raw RSA, OAEP-SHA-256', namespace: RSA_NAMESPACE, name: RSA_KEY_NAME, privateKey: RSA_PRIVATE_PEM, publicKey: RSA_PUBLIC_PEM },
      'rsa+aes': { kind: 'multi-keyring: RSA generator (EDK 1) and AES child (EDK 2)' },
    },
    files,
  };
  writeFileSync(join(OUT_DIR, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const bytes = readdirSync(OUT_DIR).reduce((n, name) => n + statSync(join(OUT_DIR, name)).size, 0);
  console.log(`${files.length} messages in ${OUT_DIR} (${bytes} bytes with manifest, keys and README)`);
}

await main();
