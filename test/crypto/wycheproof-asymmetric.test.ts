// Wycheproof, whole files iterated, for the asymmetric, HMAC and key-agreement primitives behind
// Sign/Verify, RSA Encrypt/Decrypt, GenerateMac/VerifyMac and DeriveSharedSecret. Every
// signature vector runs through both the RAW path (OpenSSL hashes and verifies) and the DIGEST
// path (the caller's hash: @noble/curves for ECDSA, DigestInfo or EMSA-PSS over OpenSSL's raw
// RSA). 0 invalid accepted, 0 valid rejected. `acceptable` cases are counted and documented
// where each family is tested; cases AWS cannot express (OAEP labels, truncated MACs) are
// skipped with their count asserted, so a silent skip of everything fails.
import { createECDH, createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveSharedSecret } from '../../electron/kms/crypto/ecdh.ts';
import { generateMac, verifyMac } from '../../electron/kms/crypto/hmac.ts';
import { parsePublicKeyDer } from '../../electron/kms/crypto/key-pairs.ts';
import type { MacAlgorithm } from '../../electron/kms/crypto/key-specs.ts';
import { oaepDecrypt, type OaepAlgorithm } from '../../electron/kms/crypto/rsa-oaep.ts';
import { verifySignature, type SupportedSigningAlgorithm } from '../../electron/kms/crypto/signing.ts';
import { hex, loadWycheproof, type WycheproofCase } from '../support/wycheproof.ts';

type Tally = { valid: number; invalid: number; acceptableAccepted: number; acceptableRejected: number; skipped: number };
const tally = (): Tally => ({ valid: 0, invalid: 0, acceptableAccepted: 0, acceptableRejected: 0, skipped: 0 });

/** Checks one case's outcome against its verdict and counts it; returns a failure text or null. */
function judge(t: Tally, c: WycheproofCase, accepted: boolean, path: string): string | null {
  if (c.result === 'acceptable') {
    if (accepted) {
      t.acceptableAccepted++;
    } else {
      t.acceptableRejected++;
    }
    return null;
  }
  if (c.result === 'valid') {
    t.valid++;
  } else {
    t.invalid++;
  }
  return accepted === (c.result === 'valid') ? null : `tcId ${c.tcId} (${c.comment}) via ${path}: ${c.result} but ${accepted ? 'accepted' : 'rejected'}`;
}

const SHA: Readonly<Record<string, 'sha256' | 'sha384' | 'sha512'>> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

function signatureFile(
  name: string,
  algorithm: (sha: string) => SupportedSigningAlgorithm,
  publicKey: (group: Record<string, unknown>) => KeyObject,
): Tally {
  const file = loadWycheproof<Record<string, unknown>>(name);
  const t = tally();
  const failures: Array<string> = [];
  for (const group of file.testGroups) {
    const sha = String(group.sha);
    const alg = algorithm(sha);
    const key = publicKey(group);
    for (const c of group.tests) {
      const msg = hex(c.msg);
      const sig = hex(c.sig);
      const raw = verifySignature(alg, key, msg, 'RAW', sig);
      const digest = new Uint8Array(createHash(SHA[sha] ?? 'sha256').update(msg).digest());
      const pre = verifySignature(alg, key, digest, 'DIGEST', sig);
      // Both paths must give the same answer, even for acceptable cases.
      if (raw !== pre) {
        failures.push(`tcId ${c.tcId} (${c.comment}): RAW ${raw ? 'accepted' : 'rejected'} but DIGEST ${pre ? 'accepted' : 'rejected'}`);
      }
      const f = judge(t, c, raw, 'RAW');
      if (f !== null) {
        failures.push(f);
      }
    }
  }
  expect(failures).toEqual([]);
  expect(t.valid + t.invalid + t.acceptableAccepted + t.acceptableRejected).toBe(file.numberOfTests);
  // The only acceptable signature cases (PKCS#1 DigestInfo without its NULL) are refused by both paths.
  expect(t.acceptableAccepted).toBe(0);
  return t;
}

const spki = (group: Record<string, unknown>): KeyObject => createPublicKey({ key: Buffer.from(hex(group.publicKeyDer)), format: 'der', type: 'spki' });

describe('Wycheproof ECDSA (DER signatures)', () => {
  // `acceptable` cases (e.g. hashes shorter than the curve order for P-521) may go either way,
  // but the RAW (OpenSSL) and DIGEST (@noble/curves) paths must give the same answer.
  for (const [file, alg] of [
    ['ecdsa_secp256r1_sha256_test.json', 'ECDSA_SHA_256'],
    ['ecdsa_secp384r1_sha384_test.json', 'ECDSA_SHA_384'],
    ['ecdsa_secp521r1_sha512_test.json', 'ECDSA_SHA_512'],
    ['ecdsa_secp256k1_sha256_test.json', 'ECDSA_SHA_256'],
  ] as const) {
    it(`${file}: every case, RAW and DIGEST`, () => {
      const t = signatureFile(file, () => alg, spki);
      expect(t.valid).toBeGreaterThan(0);
      expect(t.invalid).toBeGreaterThan(0);
    });
  }
});

describe('Wycheproof RSASSA-PSS (salt length = digest length, as AWS)', () => {
  for (const file of [
    'rsa_pss_2048_sha256_mgf1_32_test.json',
    'rsa_pss_2048_sha384_mgf1_48_test.json',
    'rsa_pss_3072_sha256_mgf1_32_test.json',
    'rsa_pss_4096_sha384_mgf1_48_test.json',
    'rsa_pss_4096_sha512_mgf1_64_test.json',
  ]) {
    it(`${file}: every case, RAW and DIGEST`, () => {
      const t = signatureFile(file, (sha) => `RSASSA_PSS_SHA_${sha.slice(4)}` as SupportedSigningAlgorithm, spki);
      expect(t.valid).toBeGreaterThan(0);
    });
  }
});

describe('Wycheproof RSASSA-PKCS1-v1_5', () => {
  for (const file of ['rsa_signature_2048_sha256_test.json', 'rsa_signature_3072_sha384_test.json', 'rsa_signature_4096_sha512_test.json']) {
    it(`${file}: every case, RAW and DIGEST`, () => {
      const t = signatureFile(file, (sha) => `RSASSA_PKCS1_V1_5_SHA_${sha.slice(4)}` as SupportedSigningAlgorithm, spki);
      expect(t.valid).toBeGreaterThan(0);
    });
  }
});

describe('Wycheproof RSAES-OAEP', () => {
  for (const [file, alg] of [
    ['rsa_oaep_2048_sha1_mgf1sha1_test.json', 'RSAES_OAEP_SHA_1'],
    ['rsa_oaep_2048_sha256_mgf1sha256_test.json', 'RSAES_OAEP_SHA_256'],
    ['rsa_oaep_3072_sha256_mgf1sha256_test.json', 'RSAES_OAEP_SHA_256'],
    ['rsa_oaep_4096_sha256_mgf1sha256_test.json', 'RSAES_OAEP_SHA_256'],
  ] as const) {
    it(`${file}: every case with an empty label (AWS has no label parameter)`, () => {
      const f = loadWycheproof<{ privateKeyPkcs8: string }>(file);
      const t = tally();
      const failures: Array<string> = [];
      for (const group of f.testGroups) {
        const key = createPrivateKey({ key: Buffer.from(hex(group.privateKeyPkcs8)), format: 'der', type: 'pkcs8' });
        for (const c of group.tests) {
          if (String(c.label) !== '') {
            t.skipped++;
            continue;
          }
          const out = oaepDecrypt(alg as OaepAlgorithm, key, hex(c.ct));
          const accepted = out !== null && Buffer.from(out).equals(Buffer.from(hex(c.msg)));
          const failure = judge(t, c, accepted, 'decrypt');
          if (failure !== null) {
            failures.push(failure);
          }
        }
      }
      expect(failures).toEqual([]);
      expect(t.valid).toBeGreaterThan(0);
      expect(t.skipped).toBeLessThan(f.numberOfTests / 2);
      expect(t.valid + t.invalid + t.acceptableAccepted + t.acceptableRejected + t.skipped).toBe(f.numberOfTests);
    });
  }
});

describe('Wycheproof HMAC', () => {
  for (const [file, alg, bits] of [
    ['hmac_sha224_test.json', 'HMAC_SHA_224', 224],
    ['hmac_sha256_test.json', 'HMAC_SHA_256', 256],
    ['hmac_sha384_test.json', 'HMAC_SHA_384', 384],
    ['hmac_sha512_test.json', 'HMAC_SHA_512', 512],
  ] as const) {
    it(`${file}: every full-length-tag case (AWS returns and checks only full MACs)`, () => {
      const f = loadWycheproof<{ tagSize: number }>(file);
      const t = tally();
      const failures: Array<string> = [];
      for (const group of f.testGroups) {
        for (const c of group.tests) {
          if (group.tagSize !== bits) {
            t.skipped++;
            continue;
          }
          const key = hex(c.key);
          const msg = hex(c.msg);
          const tag = hex(c.tag);
          const accepted = verifyMac(alg as MacAlgorithm, key, msg, tag);
          if (c.result === 'valid' && !Buffer.from(generateMac(alg as MacAlgorithm, key, msg)).equals(Buffer.from(tag))) {
            failures.push(`tcId ${c.tcId}: generateMac differs`);
          }
          const failure = judge(t, c, accepted, 'verify');
          if (failure !== null) {
            failures.push(failure);
          }
        }
      }
      expect(failures).toEqual([]);
      expect(t.valid).toBeGreaterThan(0);
      expect(t.invalid).toBeGreaterThan(0);
      expect(t.valid + t.invalid + t.acceptableAccepted + t.acceptableRejected + t.skipped).toBe(f.numberOfTests);
    });
  }
});

describe('Wycheproof ECDH (peer keys as DER SubjectPublicKeyInfo, as DeriveSharedSecret takes them)', () => {
  const NODE_CURVE: Readonly<Record<string, string>> = { secp256r1: 'prime256v1', secp384r1: 'secp384r1', secp521r1: 'secp521r1', secp256k1: 'secp256k1' };
  const JWK_CURVE: Readonly<Record<string, string>> = { secp256r1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521', secp256k1: 'secp256k1' };
  for (const file of ['ecdh_secp256r1_test.json', 'ecdh_secp384r1_test.json', 'ecdh_secp521r1_test.json', 'ecdh_secp256k1_test.json']) {
    it(`${file}: every case`, () => {
      const f = loadWycheproof<{ curve: string }>(file);
      const t = tally();
      const failures: Array<string> = [];
      for (const group of f.testGroups) {
        const nodeCurve = NODE_CURVE[group.curve] ?? '';
        for (const c of group.tests) {
          const ecdh = createECDH(nodeCurve);
          const size = nodeCurve === 'secp521r1' ? 66 : nodeCurve === 'secp384r1' ? 48 : 32;
          let d = Buffer.from(hex(c.private));
          d = d.length > size ? d.subarray(d.length - size) : Buffer.concat([Buffer.alloc(size - d.length), d]);
          ecdh.setPrivateKey(d);
          const point = ecdh.getPublicKey();
          const coord = (point.length - 1) / 2;
          const privateKey = createPrivateKey({
            key: {
              kty: 'EC',
              crv: JWK_CURVE[group.curve] ?? '',
              d: d.toString('base64url'),
              x: point.subarray(1, 1 + coord).toString('base64url'),
              y: point.subarray(1 + coord).toString('base64url'),
            },
            format: 'jwk',
          });
          const peer = parsePublicKeyDer(hex(c.public));
          const shared = peer === null ? null : deriveSharedSecret(privateKey, peer);
          const accepted = shared instanceof Uint8Array && Buffer.from(shared).equals(Buffer.from(hex(c.shared)));
          // Acceptable here: the compressed point (accepted, as OpenSSL does); BER and other
          // non-DER spellings of the key and curves spelled out as parameters (refused: see
          // parsePublicKeyDer) — asserted below.
          const failure = judge(t, c, accepted, 'derive');
          if (failure !== null) {
            failures.push(failure);
          }
        }
      }
      expect(failures).toEqual([]);
      expect(t.valid).toBeGreaterThan(0);
      expect(t.invalid).toBeGreaterThan(0);
      expect(t.valid + t.invalid + t.acceptableAccepted + t.acceptableRejected).toBe(f.numberOfTests);
      expect(t.acceptableAccepted).toBe(1);
      expect(t.acceptableRejected).toBeGreaterThan(200);
    });
  }
});
