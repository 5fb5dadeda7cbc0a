import { describe, expect, it } from 'vitest';
import { aesGcmOpen, aesGcmSeal, GCM_NONCE_BYTES } from '../../electron/kms/crypto/aes-gcm.ts';
import { hex, loadWycheproof } from '../support/wycheproof.ts';

type Group = { readonly keySize: number; readonly ivSize: number; readonly tagSize: number };

const file = loadWycheproof<Group>('aes_gcm_test.json');
const cases = file.testGroups.flatMap((g) => g.tests.map((t) => ({ g, t })));

/** Runs one case through the primitive; 'refused' when it rejects the parameters outright. */
function open(t: (typeof cases)[number]['t']): Uint8Array | null | 'refused' {
  try {
    return aesGcmOpen(hex(t.key), hex(t.iv), hex(t.ct), hex(t.tag), hex(t.aad));
  } catch (err) {
    if (err instanceof RangeError) {
      return 'refused';
    }
    throw err;
  }
}

describe('Wycheproof aes_gcm_test.json, every case of every group', () => {
  it('iterates every case the file declares', () => {
    expect(cases.length).toBe(file.numberOfTests);
  });

  it('96-bit nonces: every valid case decrypts and re-encrypts exactly, every invalid case is rejected', () => {
    const failures: Array<string> = [];
    let checked = 0;
    for (const { g, t } of cases) {
      if (g.ivSize !== GCM_NONCE_BYTES * 8) {
        continue;
      }
      checked++;
      const opened = open(t);
      if (t.result === 'valid') {
        if (opened === null || opened === 'refused' || !Buffer.from(opened).equals(Buffer.from(hex(t.msg)))) {
          failures.push(`tcId ${t.tcId} (${t.flags.join(',')}): valid case not accepted`);
          continue;
        }
        const sealed = aesGcmSeal(hex(t.key), hex(t.iv), hex(t.msg), hex(t.aad));
        if (!Buffer.from(sealed.ciphertext).equals(Buffer.from(hex(t.ct))) || !Buffer.from(sealed.tag).equals(Buffer.from(hex(t.tag)))) {
          failures.push(`tcId ${t.tcId}: encryption did not reproduce ct and tag`);
        }
      } else if (t.result === 'invalid') {
        if (opened !== null && opened !== 'refused') {
          failures.push(`tcId ${t.tcId} (${t.flags.join(',')}): invalid case accepted`);
        }
      } else {
        failures.push(`tcId ${t.tcId}: unexpected 'acceptable' case — decide and document its handling`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(150);
  });

  it('other nonce lengths: every case, valid or invalid, is refused by design (96-bit nonces only)', () => {
    const accepted: Array<number> = [];
    let checked = 0;
    for (const { g, t } of cases) {
      if (g.ivSize === GCM_NONCE_BYTES * 8) {
        continue;
      }
      checked++;
      if (open(t) !== 'refused') {
        accepted.push(t.tcId);
      }
    }
    expect(accepted).toEqual([]);
    expect(checked).toBeGreaterThan(0);
  });
});
