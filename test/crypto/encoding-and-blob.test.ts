import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BLOB_OVERHEAD_BYTES, openBlob, parseBlobHeader, sealBlob } from '../../electron/kms/crypto/ciphertext-blob.ts';
import { encodeEncryptionContext } from '../../electron/kms/crypto/encoding.ts';
import { unwrapMaterial, wrapMaterial } from '../../electron/kms/crypto/material-wrap.ts';

const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';

describe('encryption context encoding', () => {
  it('is unambiguous: {"ab":"c"} and {"a":"bc"} encode differently', () => {
    expect(Buffer.from(encodeEncryptionContext({ ab: 'c' }))).not.toEqual(Buffer.from(encodeEncryptionContext({ a: 'bc' })));
  });
  it('is independent of pair order', () => {
    expect(encodeEncryptionContext({ b: '2', a: '1' })).toEqual(encodeEncryptionContext({ a: '1', b: '2' }));
  });
  it('treats absent and empty contexts alike, as KMS does', () => {
    expect(encodeEncryptionContext(undefined)).toEqual(encodeEncryptionContext({}));
  });
  it('distinguishes a moved separator between key and value and between pairs', () => {
    const a = encodeEncryptionContext({ a: 'b', c: '' });
    const b = encodeEncryptionContext({ a: 'bc' });
    expect(Buffer.from(a)).not.toEqual(Buffer.from(b));
  });
});

describe('ciphertext blob v1', () => {
  const material = randomBytes(32);
  it('round-trips and names its key and version', () => {
    const blob = sealBlob({ keyId, keyVersion: 3 }, material, Buffer.from('hello'), { purpose: 'test' });
    expect(blob.length).toBe(5 + BLOB_OVERHEAD_BYTES);
    expect(parseBlobHeader(blob)).toEqual({ keyId, keyVersion: 3 });
    expect(Buffer.from(openBlob(blob, material, { purpose: 'test' }) ?? [])).toEqual(Buffer.from('hello'));
  });
  it('keeps the largest KMS plaintext under the 6144-byte ciphertext limit', () => {
    expect(4096 + BLOB_OVERHEAD_BYTES).toBeLessThanOrEqual(6144);
  });
  it('fails to open with another context, another key, or any flipped bit', () => {
    const blob = sealBlob({ keyId, keyVersion: 1 }, material, Buffer.from('secret'), { a: '1' });
    expect(openBlob(blob, material, { a: '2' })).toBeNull();
    expect(openBlob(blob, material, undefined)).toBeNull();
    expect(openBlob(blob, randomBytes(32), { a: '1' })).toBeNull();
    for (let i = 0; i < blob.length; i++) {
      const copy = Uint8Array.from(blob);
      copy[i] = (copy[i] ?? 0) ^ 0x01;
      // A flipped header bit may make the header unparseable; either way nothing opens.
      expect(parseBlobHeader(copy) === null || openBlob(copy, material, { a: '1' }) === null).toBe(true);
    }
  });
  it('rejects blobs that are too short or of another format version', () => {
    expect(parseBlobHeader(new Uint8Array(10))).toBeNull();
    const blob = sealBlob({ keyId, keyVersion: 1 }, material, Buffer.from('x'), undefined);
    const other = Uint8Array.from(blob);
    other[0] = 0x02;
    expect(parseBlobHeader(other)).toBeNull();
  });
});

describe('key material wrapping', () => {
  const root = randomBytes(32);
  const binding = { keyId, version: 1, purpose: 'SYMMETRIC_DEFAULT:ENCRYPT_DECRYPT' };
  it('round-trips under the same binding', () => {
    const m = randomBytes(32);
    expect(Buffer.from(unwrapMaterial(root, binding, wrapMaterial(root, binding, m)) ?? [])).toEqual(m);
  });
  it('refuses to unwrap for another key id, version, purpose or root key', () => {
    const wrapped = wrapMaterial(root, binding, randomBytes(32));
    expect(unwrapMaterial(root, { ...binding, keyId: '00000000-0000-0000-0000-000000000000' }, wrapped)).toBeNull();
    expect(unwrapMaterial(root, { ...binding, version: 2 }, wrapped)).toBeNull();
    expect(unwrapMaterial(root, { ...binding, purpose: 'HMAC_256:GENERATE_VERIFY_MAC' }, wrapped)).toBeNull();
    expect(unwrapMaterial(randomBytes(32), binding, wrapped)).toBeNull();
  });
});
