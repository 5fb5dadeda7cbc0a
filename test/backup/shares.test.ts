// Shares of a backup key: every M-subset of 5 recovers the key and every (M-1)-subset is refused;
// the encodings (words, JSON, QR text) round-trip; a mistyped word, a flipped byte, a share of
// another backup, duplicates and too few shares are errors that say which share and what to do;
// sealing to a custodian's Ed25519/X25519 key or to a passphrase round-trips, and the wrong key or
// passphrase is named as such.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { combine } from 'shamir-secret-sharing';
import { describe, expect, it } from 'vitest';
import { KmsError } from '../../electron/kms/errors.ts';
import { custodianPrivateKey, custodianPublicKey, parseSealed, sealToPassphrase, sealToPublicKey, unseal } from '../../electron/kms/backup/seal.ts';
import {
  backupKeyCheck,
  decodeShare,
  encodeShare,
  parseShareText,
  recoverBackupKey,
  SHARE_WORDS,
  shareJson,
  shareToWords,
  shareUri,
  shareWordsText,
  splitBackupKey,
  type NamedShare,
  type Share,
} from '../../electron/kms/backup/shares.ts';

function subsets<T>(items: ReadonlyArray<T>, k: number): Array<Array<T>> {
  if (k === 0) {
    return [[]];
  }
  return items.flatMap((item, i) => subsets(items.slice(i + 1), k - 1).map((rest) => [item, ...rest]));
}

async function fresh(total = 5, threshold = 3): Promise<{ key: Uint8Array; id: string; shares: Array<Share>; header: Parameters<typeof recoverBackupKey>[1] }> {
  const key = new Uint8Array(randomBytes(32));
  const id = randomBytes(16).toString('hex');
  const shares = await splitBackupKey(key, id, total, threshold);
  return { key, id, shares, header: { backupId: id, threshold, total, keyCheck: backupKeyCheck(key, id) } };
}

const named = (shares: ReadonlyArray<Share>): Array<NamedShare> => shares.map((share) => ({ share, what: `share #${share.index}` }));

async function refused(promise: Promise<unknown>, name: string, message: RegExp): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KmsError);
  expect((err as KmsError).name).toBe(name);
  expect((err as KmsError).message).toMatch(message);
}

describe('splitting and verified recombination', () => {
  it('every 3-subset of 5 shares recovers the key; every 2-subset is refused', async () => {
    for (let round = 0; round < 5; round++) {
      const { key, shares, header } = await fresh();
      for (const set of subsets(shares, 3)) {
        const got = await recoverBackupKey(named(set), header);
        expect(Buffer.from(got.key).equals(Buffer.from(key))).toBe(true);
        expect(got.indexes).toEqual(set.map((s) => s.index));
      }
      for (const set of subsets(shares, 2)) {
        await refused(recoverBackupKey(named(set), header), 'ValidationException', /^2 shares given; this backup needs 3 \(of 5\)/);
      }
    }
  });

  it('property: for random N, M and keys, any M shares recover the key, and M-1 shares recombined by the library give a key the check refuses', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 2, max: 8 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 2, max: n }), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }))),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async ([n, m, order], keyBytes) => {
          const key = Uint8Array.from(keyBytes);
          const id = randomBytes(16).toString('hex');
          const shares = await splitBackupKey(key, id, n, m);
          const shuffled = order.map((i) => shares[i] as Share);
          const header = { backupId: id, threshold: m, total: n, keyCheck: backupKeyCheck(key, id) };
          const got = await recoverBackupKey(named(shuffled.slice(0, m)), header);
          expect(Buffer.from(got.key).equals(Buffer.from(key))).toBe(true);
          const short = shuffled.slice(0, m - 1);
          await expect(recoverBackupKey(named(short), header)).rejects.toThrow(/given; this backup needs/);
          if (short.length >= 2) {
            // What the library alone would hand back: some other key, which the commitment refuses.
            const wrong = await combine(short.map((s) => s.share));
            expect(backupKeyCheck(wrong, id).equals(header.keyCheck)).toBe(false);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('below the threshold the library yields a wrong key silently; the key check catches it', async () => {
    const { shares, header } = await fresh();
    // Pretend the backup needed 2: two shares of a 3-of-5 split recombine to garbage.
    const lied = { ...header, threshold: 2 };
    const two = shares.slice(0, 2).map((s) => ({ ...s, threshold: 2 }));
    await refused(recoverBackupKey(named(two), lied), 'ValidationException', /do not recombine to this backup's key/);
  });

  it('every M-subset recovers and every (M-1)-subset fails for other M-of-N too', async () => {
    for (const [n, m] of [[2, 2], [4, 2], [5, 5], [6, 4]] as const) {
      const { key, shares, header } = await fresh(n, m);
      for (const set of subsets(shares, m)) {
        expect(Buffer.from((await recoverBackupKey(named(set), header)).key).equals(Buffer.from(key))).toBe(true);
      }
      for (const set of subsets(shares, m - 1)) {
        await expect(recoverBackupKey(named(set), header)).rejects.toThrow(/shares? given; this backup needs/);
      }
    }
  });

  it('names a share of another backup, duplicate indexes, and an altered share with a good checksum', async () => {
    const a = await fresh();
    const b = await fresh();
    const mixed = [a.shares[0], a.shares[1], b.shares[2]] as Array<Share>;
    await refused(recoverBackupKey(named(mixed), a.header), 'ValidationException', new RegExp(`share #3 belongs to backup ${b.id}, not ${a.id}`));
    const dup = [a.shares[0], a.shares[1], a.shares[1]] as Array<Share>;
    await refused(recoverBackupKey(named(dup), a.header), 'ValidationException', /share #2 and share #2 are both share 2/);
    const altered = { ...(a.shares[2] as Share), share: Uint8Array.from(a.shares[2]?.share ?? []) };
    altered.share[0] = (altered.share[0] ?? 0) ^ 1;
    // Re-encoded, so its checksum is valid: only the key check can tell.
    const reencoded = decodeShare(encodeShare(altered), 'share #3');
    await refused(recoverBackupKey(named([a.shares[0] as Share, a.shares[1] as Share, reencoded]), a.header), 'ValidationException', /do not recombine/);
  });
});

describe('share encodings', () => {
  it('words, JSON and QR text round-trip; words may be typed as their first four letters, in any case', async () => {
    const { shares } = await fresh();
    for (const s of shares) {
      const text = shareWordsText(s);
      expect(text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).join(' ').split(' ')).toHaveLength(SHARE_WORDS);
      expect(parseShareText(text, 'w')).toEqual(s);
      expect(parseShareText(JSON.stringify(shareJson(s)), 'j')).toEqual(s);
      expect(parseShareText(shareUri(s), 'q')).toEqual(s);
      const short = shareToWords(encodeShare(s)).map((w, i) => (i % 2 === 0 ? w.slice(0, 4).toUpperCase() : w)).join('\n');
      expect(parseShareText(short, 's')).toEqual(s);
    }
  });

  it('a changed word, an unknown word, a missing word or a flipped byte is reported as that share being mistyped', async () => {
    const { shares } = await fresh();
    const s = shares[1] as Share;
    const words = shareToWords(encodeShare(s));
    for (let i = 0; i < words.length; i++) {
      const changed = [...words];
      changed[i] = changed[i] === 'abandon' ? 'ability' : 'abandon';
      expect(() => parseShareText(changed.join(' '), 'share #2 (bob.txt)')).toThrow(/share #2 \(bob\.txt\) is mistyped or corrupted/);
    }
    expect(() => parseShareText([...words.slice(0, 5), 'strongroom', ...words.slice(6)].join(' '), 'share #2')).toThrow(/share #2 is mistyped: word 6 'strongroom' is not in the share word list/);
    expect(() => parseShareText(words.slice(1).join(' '), 'share #2')).toThrow(/share #2 has 41 words; a share has 42/);
    const payload = encodeShare(s);
    for (let i = 0; i < payload.length; i++) {
      const flipped = Buffer.from(payload);
      flipped[i] = (flipped[i] ?? 0) ^ 0x10;
      expect(() => decodeShare(flipped, 'share #2')).toThrow(/share #2 is mistyped or corrupted/);
    }
    const json = shareJson(s);
    expect(() => parseShareText(JSON.stringify({ ...json, Index: 4 }), 'share #2')).toThrow(/do not match the share they carry/);
  });
});

describe('sealed shares', () => {
  it('round-trip through an Ed25519 custodian key (as openssl genpkey makes) and an X25519 key; another key is refused by name', async () => {
    const { shares } = await fresh();
    const payload = encodeShare(shares[0] as Share);
    for (const type of ['ed25519', 'x25519'] as const) {
      const pair = generateKeyPairSync(type as 'ed25519');
      const pub = custodianPublicKey(Buffer.from(pair.publicKey.export({ format: 'pem', type: 'spki' }) as string), 'pub');
      const sealed = sealToPublicKey(payload, (shares[0] as Share).backupId, 1, pub);
      const parsed = parseSealed(JSON.stringify(sealed), 'f');
      expect(parsed).not.toBeNull();
      const priv = custodianPrivateKey(Buffer.from(pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string), 'priv');
      expect(Buffer.from(await unseal(parsed as NonNullable<typeof parsed>, { privateKey: priv }, 'f')).equals(payload)).toBe(true);
      const other = generateKeyPairSync('ed25519');
      const otherPriv = custodianPrivateKey(Buffer.from(other.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string), 'priv');
      await refused(unseal(sealed, { privateKey: otherPriv }, 'f'), 'IncorrectKeyException', /f \(share 1\) was not encrypted to this key/);
      const tampered = { ...sealed, Index: 2 };
      await refused(unseal(tampered, { privateKey: priv }, 'f'), 'IncorrectKeyException', /altered/);
    }
  });

  it('round-trip through a passphrase; a wrong passphrase is named', async () => {
    const { shares } = await fresh();
    const payload = encodeShare(shares[2] as Share);
    const sealed = await sealToPassphrase(payload, (shares[2] as Share).backupId, 3, 'custodian carol passphrase');
    expect(Buffer.from(await unseal(sealed, { passphrase: 'custodian carol passphrase' }, 'f')).equals(payload)).toBe(true);
    await refused(unseal(sealed, { passphrase: 'not the passphrase' }, 'f'), 'IncorrectKeyException', /the passphrase is wrong/);
    await refused(sealToPassphrase(payload, 'x', 3, 'short'), 'ValidationException', /too short/);
  });
});
