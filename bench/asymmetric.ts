// Sign and Verify per key spec (and GenerateMac) through the whole engine — validation, key
// lookup, the key from the material cache, the signature, one audit record made durable by the
// commit group — by concurrent callers, beside node:crypto making the same signature with a key
// already imported, in the same run. The ratio (engine time per call ÷ node:crypto's) is what
// the KMS pipeline costs on top of the primitive. Issue 19's targets: ≤ 1.5 × for RSA, P-384 and
// P-521; ≤ 3 × for P-256, secp256k1 and HMAC.

import { constants, createHmac, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeySpec, KeyUsage } from '../shared/api/operations.ts';
import { Kms } from '../electron/kms/engine.ts';
import { MemoryRootKeyProvider } from '../electron/kms/rootkey/memory.ts';
import { measure } from './measure.ts';
import { printedRate } from './hot-path.ts';
import { atMost, type TargetRow } from './targets.ts';

type Case = { readonly spec: KeySpec; readonly algorithm: 'RSASSA_PSS_SHA_256' | 'RSASSA_PKCS1_V1_5_SHA_256' | 'ECDSA_SHA_256' | 'ECDSA_SHA_384' | 'ECDSA_SHA_512' };

const CASES: ReadonlyArray<Case> = [
  { spec: 'RSA_2048', algorithm: 'RSASSA_PSS_SHA_256' },
  { spec: 'RSA_2048', algorithm: 'RSASSA_PKCS1_V1_5_SHA_256' },
  { spec: 'RSA_3072', algorithm: 'RSASSA_PSS_SHA_256' },
  { spec: 'RSA_4096', algorithm: 'RSASSA_PSS_SHA_256' },
  { spec: 'ECC_NIST_P256', algorithm: 'ECDSA_SHA_256' },
  { spec: 'ECC_NIST_P384', algorithm: 'ECDSA_SHA_384' },
  { spec: 'ECC_NIST_P521', algorithm: 'ECDSA_SHA_512' },
  { spec: 'ECC_SECG_P256K1', algorithm: 'ECDSA_SHA_256' },
];

function nodeOptions(c: Case, key: KeyObject) {
  const hash = `sha${c.algorithm.slice(-3)}`;
  if (c.algorithm.startsWith('RSASSA_PSS')) {
    return { hash, key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } };
  }
  if (c.algorithm.startsWith('ECDSA')) {
    return { hash, key: { key, dsaEncoding: 'der' as const } };
  }
  return { hash, key: { key } };
}

const CALLERS = 64;

function targetOf(label: string): number {
  return /RSA|P384|P521/.test(label) ? 1.5 : 3;
}

function line(rows: Array<TargetRow>, label: string, engine: number, raw: number): void {
  const ratio = raw / engine;
  const target = targetOf(label);
  console.log(`  ${label.padEnd(58)} ${ratio.toFixed(2).padStart(10)} × node:crypto's time (target ≤ ${target} ×: ${ratio <= target ? 'met' : 'NOT met'})`);
  rows.push(atMost(label, ratio, '× node:crypto', target));
}

const engineRate = (label: string, call: () => Promise<unknown>, seconds: number): Promise<number> => printedRate(label, call, CALLERS, seconds);

export async function asymmetric(seconds: number): Promise<Array<TargetRow>> {
  console.log(`\nSign / Verify (32-byte RAW message) and GenerateMac: engine (${CALLERS} concurrent callers) vs node:crypto, same run`);
  const rows: Array<TargetRow> = [];
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-bench-asym-'));
  const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider() });
  try {
    const message = randomBytes(32);
    for (const c of CASES) {
      const keyId = kms.invokeSync('CreateKey', { KeySpec: c.spec, KeyUsage: 'SIGN_VERIFY' satisfies KeyUsage }).KeyMetadata.KeyId;
      const { Signature } = kms.invokeSync('Sign', { KeyId: keyId, Message: message, SigningAlgorithm: c.algorithm });
      // node:crypto's reference: a key pair of the same spec, imported once.
      const pair = referenceKey(c.spec);
      const pub = createPublicKey(pair);
      const opt = nodeOptions(c, pair);
      const refSig = sign(opt.hash, message, opt.key);
      const label = `${c.spec} ${c.algorithm}`;
      const engineSign = await engineRate(`Sign   ${label} (engine)`, () => kms.invoke('Sign', { KeyId: keyId, Message: message, SigningAlgorithm: c.algorithm }), seconds);
      const rawSign = measure(`sign   ${label} (node:crypto)`, () => sign(opt.hash, message, opt.key), seconds);
      line(rows, `Sign   ${label}`, engineSign, rawSign.perSecond);
      const engineVerify = await engineRate(`Verify ${label} (engine)`, () => kms.invoke('Verify', { KeyId: keyId, Message: message, Signature, SigningAlgorithm: c.algorithm }), seconds);
      const vopt = nodeOptions(c, pub);
      const rawVerify = measure(`verify ${label} (node:crypto)`, () => verify(vopt.hash, message, vopt.key, refSig), seconds);
      line(rows, `Verify ${label}`, engineVerify, rawVerify.perSecond);
    }
    const hmacKey = kms.invokeSync('CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }).KeyMetadata.KeyId;
    const secret = randomBytes(32);
    const engineMac = await engineRate('GenerateMac HMAC_SHA_256 (engine)', () => kms.invoke('GenerateMac', { KeyId: hmacKey, Message: message, MacAlgorithm: 'HMAC_SHA_256' }), seconds);
    const rawMac = measure('createHmac sha256 (node:crypto)', () => createHmac('sha256', secret).update(message).digest(), seconds);
    line(rows, 'GenerateMac HMAC_SHA_256', engineMac, rawMac.perSecond);
  } finally {
    kms.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** A fresh private key of the spec, for node:crypto's side of the comparison. */
function referenceKey(spec: KeySpec): KeyObject {
  if (spec.startsWith('RSA_')) {
    return generateKeyPairSync('rsa', { modulusLength: Number(spec.slice(4)) }).privateKey;
  }
  const curves: Partial<Record<KeySpec, string>> = { ECC_NIST_P256: 'prime256v1', ECC_NIST_P384: 'secp384r1', ECC_NIST_P521: 'secp521r1', ECC_SECG_P256K1: 'secp256k1' };
  const curve = curves[spec] ?? 'prime256v1';
  return generateKeyPairSync('ec', { namedCurve: curve }).privateKey;
}
