import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainHash, GENESIS_HASH, hashHex } from '../../electron/kms/audit/chain.ts';

describe('chainHash', () => {
  it('is SHA-256 over label, prev_hash, seq (u64 BE) and the UTF-8 record text', () => {
    const text = '{"eventName":"Encrypt","x":"é"}';
    const seq = Buffer.alloc(8);
    seq.writeBigUInt64BE(258n);
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from('strongroom-audit-v1'), Buffer.alloc(32), seq, Buffer.from(text, 'utf8')]))
      .digest('hex');
    expect(hashHex(chainHash(GENESIS_HASH, 258, text))).toBe(expected);
  });

  it('encodes sequence numbers beyond 32 bits', () => {
    const seq = 2 ** 40 + 5;
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64BE(BigInt(seq));
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from('strongroom-audit-v1'), Buffer.alloc(32), bytes, Buffer.from('{}')]))
      .digest('hex');
    expect(hashHex(chainHash(GENESIS_HASH, seq, '{}'))).toBe(expected);
  });

  it('changes with the position, the predecessor and the text', () => {
    const a = hashHex(chainHash(GENESIS_HASH, 1, '{}'));
    expect(hashHex(chainHash(GENESIS_HASH, 2, '{}'))).not.toBe(a);
    expect(hashHex(chainHash(new Uint8Array(32).fill(1), 1, '{}'))).not.toBe(a);
    expect(hashHex(chainHash(GENESIS_HASH, 1, '{ }'))).not.toBe(a);
  });

  it('rejects a malformed predecessor or sequence number', () => {
    expect(() => chainHash(new Uint8Array(31), 1, '{}')).toThrow(RangeError);
    expect(() => chainHash(GENESIS_HASH, 0, '{}')).toThrow(RangeError);
    expect(() => chainHash(GENESIS_HASH, 1.5, '{}')).toThrow(RangeError);
  });
});
