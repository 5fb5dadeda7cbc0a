// The XKS proxy API's cryptography against values computed by code nobody here wrote: Python's
// `cryptography` (OpenSSL underneath) builds the specification's AAD itself — 2-byte big-endian
// AAD length || AAD || 1-byte metadata length || metadata — and must agree with ours in both
// directions; the CDIV is checked on the specification's own Appendix C vector and against
// Python's hashlib.
import { execFileSync } from 'node:child_process';
import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ciphertextDataIntegrityValue, decodeMetadata, encodeMetadata, xksGcmAad, xksOpen, xksSeal } from '../../electron/kms/xks/crypto.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.trim(), 'hex'));

/** Runs a Python snippet with the inputs as hex arguments; returns its stdout. */
function python(script: string, ...args: Array<string>): string {
  return execFileSync('python3', ['-c', script, ...args], { encoding: 'utf8' }).trim();
}

// The specification's AAD construction, written out independently in Python.
const PY_AAD = `
import sys, struct
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
def spec_aad(aad, md):
    return struct.pack('>H', len(aad)) + aad + struct.pack('>B', len(md)) + md
`;

describe('XKS AES-GCM AAD construction (independent vector: Python cryptography)', () => {
  const key = randomBytes(32);
  const cases: Array<[string, Uint8Array | undefined]> = [
    ['with AAD', new TextEncoder().encode('project=nile,department=marketing')],
    ['without AAD', undefined],
    ['with 300 bytes of AAD (a length above 255)', new Uint8Array(randomBytes(300))],
  ];

  it.each(cases)('Python decrypts what Strongroom encrypts, %s', (_name, aad) => {
    const plaintext = new Uint8Array(randomBytes(32));
    const sealed = xksSeal(createSecretKey(key), 7, plaintext, aad);
    const out = python(
      `${PY_AAD}
k, iv, ct, tag, aad, md = (bytes.fromhex(a) for a in sys.argv[1:7])
print(AESGCM(k).decrypt(iv, ct + tag, spec_aad(aad, md)).hex())`,
      hex(key), hex(sealed.initializationVector), hex(sealed.ciphertext), hex(sealed.authenticationTag), hex(aad ?? new Uint8Array(0)), hex(sealed.ciphertextMetadata),
    );
    expect(out).toBe(hex(plaintext));
  });

  it.each(cases)('Strongroom decrypts what Python encrypts, %s; the AAD bytes are identical', (_name, aad) => {
    const plaintext = new Uint8Array(randomBytes(20));
    const iv = new Uint8Array(randomBytes(12));
    const metadata = encodeMetadata(3);
    const [sealedHex, aadHex] = python(
      `${PY_AAD}
k, iv, pt, aad, md = (bytes.fromhex(a) for a in sys.argv[1:6])
print(AESGCM(k).encrypt(iv, pt, spec_aad(aad, md)).hex())
print(spec_aad(aad, md).hex())`,
      hex(key), hex(iv), hex(plaintext), hex(aad ?? new Uint8Array(0)), hex(metadata),
    ).split('\n');
    expect(hex(xksGcmAad(aad, metadata))).toBe(aadHex);
    const both = unhex(sealedHex ?? '');
    const sealed = { ciphertext: both.subarray(0, -16), authenticationTag: both.subarray(-16), initializationVector: iv, ciphertextMetadata: metadata };
    expect(hex(xksOpen(createSecretKey(key), sealed, aad) ?? new Uint8Array(0))).toBe(hex(plaintext));
  });

  it('refuses metadata passed as AAD (the lengths make the two inputs differ), and AAD without lengths', () => {
    const k = createSecretKey(key);
    const sealed = xksSeal(k, 1, new TextEncoder().encode('secret'), undefined);
    // The attack the specification's note describes: metadata moved into the AAD field.
    expect(xksOpen(k, { ...sealed, ciphertextMetadata: new Uint8Array(0) }, sealed.ciphertextMetadata)).toBeNull();
    // A proxy that concatenated AAD and metadata without lengths produced ciphertexts this one refuses.
    const iv = new Uint8Array(randomBytes(12));
    const aad = new TextEncoder().encode('ctx');
    const plain = python(
      `
import sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
k, iv, aad, md = (bytes.fromhex(a) for a in sys.argv[1:5])
print(AESGCM(k).encrypt(iv, b'secret', aad + md).hex())`,
      hex(key), hex(iv), hex(aad), hex(sealed.ciphertextMetadata),
    );
    const both = unhex(plain);
    expect(xksOpen(k, { ciphertext: both.subarray(0, -16), authenticationTag: both.subarray(-16), initializationVector: iv, ciphertextMetadata: sealed.ciphertextMetadata }, aad)).toBeNull();
  });
});

describe('ciphertextMetadata', () => {
  it('carries the material version in 5 bytes (the specification allows 20) and refuses what it did not write', () => {
    const m = encodeMetadata(0x01020304);
    expect(hex(m)).toBe('0101020304');
    expect(decodeMetadata(m)).toBe(0x01020304);
    expect(decodeMetadata(new TextEncoder().encode('key_version=1'))).toBeNull();
    expect(decodeMetadata(Uint8Array.of(2, 0, 0, 0, 1))).toBeNull();
    expect(() => xksGcmAad(undefined, new Uint8Array(21))).toThrow(RangeError);
    expect(() => xksGcmAad(new Uint8Array(0x10000), undefined)).toThrow(RangeError);
  });
});

describe('ciphertextDataIntegrityValue', () => {
  it("matches the specification's Appendix C example", () => {
    const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
    const cdiv = ciphertextDataIntegrityValue(new TextEncoder().encode('project=nile,department=marketing'), {
      ciphertextMetadata: new TextEncoder().encode('key_version=1'),
      initializationVector: b64('HMrlRw85cAJUd5Ax'),
      ciphertext: b64('ghxkK1txeDNn3q8Y'),
      authenticationTag: b64('vBxN2ncH1oEkR8WVXpmyYQ=='),
    });
    expect(Buffer.from(cdiv).toString('base64')).toBe('qHA/ImC9h5HsLRXqCyPmWgYx7tzyoTplzILbP0fPXsc=');
    expect(hex(cdiv)).toBe('a8703f2260bd8791ec2d15ea0b23e65a0631eedcf2a13a65cc82db3f47cf5ec7');
  });

  it('equals hashlib.sha256 over aad || metadata || iv || ciphertext || tag, and treats absent AAD as empty', () => {
    const sealed = xksSeal(createSecretKey(randomBytes(32)), 2, new Uint8Array(randomBytes(32)), undefined);
    const expected = python(
      `import sys, hashlib; print(hashlib.sha256(b''.join(bytes.fromhex(a) for a in sys.argv[1:])).hexdigest())`,
      hex(sealed.ciphertextMetadata), hex(sealed.initializationVector), hex(sealed.ciphertext), hex(sealed.authenticationTag),
    );
    expect(hex(ciphertextDataIntegrityValue(undefined, sealed))).toBe(expected);
  });
});
