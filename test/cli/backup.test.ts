// `strongroom backup …` end to end through the real binary, on real SQLite files with the
// passphrase root key provider: a 3-of-5 backup; restore with shares 1, 3 and 5 into a fresh data
// directory gives a working installation (a ciphertext made before the backup decrypts; audit
// verify passes, with RestoreBackup after the restored records); restore refuses too few shares,
// a share of another backup, a mistyped share, a tampered backup file and a non-empty data
// directory, leaving nothing behind; shares sealed to custodians' Ed25519 keys (made by openssl)
// and to a passphrase round-trip through decrypt-share; QR shares decode (PNG with pngjs + jsQR,
// SVG by reading its path into a bitmap for jsQR) back to shares that verify.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jsqrModule from 'jsqr';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, type CliRun, expectOk, expectAwsError, expectUsageError } from '../support/cli.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const ok = (r: CliRun): Record<string, unknown> => expectOk(r, { allowStderr: true });
const awsError = (r: CliRun, name: string): string => expectAwsError(r, name, 'backup');
const usageError = expectUsageError;

// jsqr is CommonJS with a default export in its types; under NodeNext the import is the module object.
type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR = ((jsqrModule as unknown as { default?: JsQr }).default ?? jsqrModule) as unknown as JsQr;

const env = { STRONGROOM_PASSPHRASE: 'cli backup test passphrase' };

const tempDir = tempDirsRemovedAfterAll();

type Summary = { BackupId: string; File: string; Threshold: number; Total: number; Shares: Array<{ Index: number; File: string; Format: string; SealedTo?: string }> };
type Rec = { eventName: string; requestParameters: Record<string, unknown> | null; responseElements: Record<string, unknown> | null };

/** A QR code from qrcode's SVG (one path of `M x y`, `m dx dy`, `h n` runs) as an RGBA bitmap for jsQR. */
function svgToText(svg: string): string | null {
  const size = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)?.[1]);
  const d = /<path stroke="#000000" d="([^"]+)"/.exec(svg)?.[1] ?? '';
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const m of d.matchAll(/([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?/g)) {
    const a = Number(m[2]);
    const b = Number(m[3] ?? 0);
    if (m[1] === 'M') {
      x = a;
      y = b;
    } else if (m[1] === 'm') {
      x += a;
      y += b;
    } else {
      for (let i = 0; i < a; i++) {
        dark.add(`${x + i},${Math.floor(y)}`);
      }
      x += a;
    }
  }
  const scale = 6;
  const px = size * scale;
  const data = new Uint8ClampedArray(px * px * 4).fill(255);
  for (let py = 0; py < px; py++) {
    for (let pxx = 0; pxx < px; pxx++) {
      if (dark.has(`${Math.floor(pxx / scale)},${Math.floor(py / scale)}`)) {
        const o = (py * px + pxx) * 4;
        data[o] = data[o + 1] = data[o + 2] = 0;
      }
    }
  }
  return jsQR(data, px, px)?.data ?? null;
}

describe('strongroom backup from the command line', () => {
  let home: string;
  let src: string;
  let ciphertext: string;
  let backup: Summary;
  const run = (dataDir: string, ...args: Array<string>): CliRun => cli(dataDir, args, { env });
  const share = (i: number): string => backup.Shares.find((s) => s.Index === i)?.File ?? '';

  beforeAll(() => {
    home = tempDir('strongroom-backup-cli-');
    src = join(home, 'source');
    ok(run(src, 'init', '--root-key', 'passphrase', '--account-id', '123456789012'));
    const key = ok(run(src, 'create-key', '--description', 'before the backup')) as { KeyMetadata: { KeyId: string } };
    ciphertext = (ok(run(src, 'encrypt', '--key-id', key.KeyMetadata.KeyId, '--plaintext', Buffer.from('made before the backup').toString('base64'))) as { CiphertextBlob: string }).CiphertextBlob;
    ok(run(src, 'create-user', '--user-name', 'alice'));
    ok(run(src, 'create-access-key', '--principal', 'alice'));
    const created = run(src, 'backup', 'create', '--shares', '5', '--threshold', '3', '--out', join(home, 'backup.srb'));
    backup = ok(created) as Summary;
    expect(created.stderr).toMatch(/Any 3 of the 5 shares restore it/);
  });

  it('writes the backup file and five word shares, and audits CreateBackup with the backup id, N and M only', () => {
    expect(readFileSync(backup.File).subarray(0, 8).toString()).toBe('SRBACKUP');
    expect(backup.Shares.map((s) => s.Index)).toEqual([1, 2, 3, 4, 5]);
    expect(readdirSync(home).sort()).toEqual(['backup.share-1-of-5.txt', 'backup.share-2-of-5.txt', 'backup.share-3-of-5.txt', 'backup.share-4-of-5.txt', 'backup.share-5-of-5.txt', 'backup.srb', 'source']);
    expect(readdirSync(src).filter((f) => f.startsWith('.'))).toEqual([]);
    const records = (ok(run(src, 'audit', 'query', '--event-name', 'CreateBackup')) as { Records: Array<{ Record: Rec }> }).Records;
    expect(records).toHaveLength(1);
    const rec = records[0]?.Record as Rec;
    expect(rec.requestParameters).toMatchObject({ shares: 5, threshold: 3, shareFormat: 'words' });
    expect(rec.responseElements).toMatchObject({ backupId: backup.BackupId });
    const text = JSON.stringify(rec);
    for (const s of backup.Shares) {
      const words = readFileSync(s.File, 'utf8').split('\n').filter((l) => !l.startsWith('#') && l !== '');
      for (const line of words) {
        expect(text).not.toContain(line);
      }
    }
  });

  it('verifies shares 1, 3, 5 against the backup without restoring', () => {
    const v = ok(run(join(home, 'unused'), 'backup', 'verify', '--in', backup.File, '--share', share(1), '--share', share(3), '--share', share(5)));
    expect(v).toMatchObject({ Intact: true, BackupId: backup.BackupId, SharesUsed: [1, 3, 5], AuditIntact: true });
    expect(existsSync(join(home, 'unused'))).toBe(false);
  });

  it('restores with shares 1, 3, 5 into a fresh data directory: old ciphertexts decrypt, audit verify passes, RestoreBackup follows the restored records', () => {
    const dest = join(home, 'restored');
    const r = ok(run(dest, 'backup', 'restore', '--in', backup.File, '--share', share(1), share(3), share(5), '--root-key', 'passphrase'));
    expect(r).toMatchObject({ Intact: true, BackupId: backup.BackupId, SharesUsed: [1, 3, 5], RootKeyProvider: 'passphrase', DataDir: dest });
    const plain = ok(run(dest, 'decrypt', '--ciphertext-blob', ciphertext)) as { Plaintext: string };
    expect(Buffer.from(plain.Plaintext, 'base64').toString()).toBe('made before the backup');
    expect(ok(run(dest, 'audit', 'verify'))).toMatchObject({ Intact: true });
    expect((ok(run(dest, 'list-users')) as { Users: Array<{ UserName: string }> }).Users.map((u) => u.UserName)).toEqual(['alice']);
    expect((ok(run(dest, 'list-access-keys')) as { AccessKeyMetadata: Array<unknown> }).AccessKeyMetadata).toHaveLength(1);
    const names = (ok(run(dest, 'audit', 'query', '--max-results', '100')) as { Records: Array<{ Seq: number; Record: Rec }> }).Records.map((x) => x.Record.eventName).reverse();
    const sourceNames = (ok(run(src, 'audit', 'query', '--max-results', '100')) as { Records: Array<{ Record: Rec }> }).Records.map((x) => x.Record.eventName).reverse();
    // The restored log is the source's log as it was at the snapshot (before CreateBackup), then RestoreBackup.
    const cut = sourceNames.indexOf('CreateBackup');
    expect(names.slice(0, cut)).toEqual(sourceNames.slice(0, cut));
    expect(names[cut]).toBe('RestoreBackup');
    expect(ok(run(dest, 'status'))).toMatchObject({ Unlocked: true, AccountId: '123456789012' });
  });

  it('refuses two shares, a share of another backup, a mistyped share, duplicates, a tampered file and a non-empty directory, leaving nothing behind', () => {
    const dest = join(home, 'never');
    const two = awsError(run(dest, 'backup', 'restore', '--in', backup.File, '--share', share(1), share(2), '--root-key', 'passphrase'), 'ValidationException');
    expect(two).toMatch(/2 shares given; this backup needs 3 \(of 5\)/);

    const otherDir = tempDir('strongroom-backup-other-');
    const other = ok(run(src, 'backup', 'create', '--shares', '3', '--threshold', '2', '--out', join(otherDir, 'other.srb'))) as Summary;
    const foreign = other.Shares[0]?.File ?? '';
    const wrong = awsError(run(dest, 'backup', 'restore', '--in', backup.File, '--share', share(1), share(2), foreign, '--root-key', 'passphrase'), 'ValidationException');
    expect(wrong).toContain(`share #3 (${foreign}) belongs to backup ${other.BackupId}, not ${backup.BackupId}`);

    const typo = join(home, 'typo.txt');
    const lines = readFileSync(share(2), 'utf8').split('\n');
    const wordLine = lines.findIndex((l) => l !== '' && !l.startsWith('#'));
    const words = (lines[wordLine] ?? '').split(' ');
    words[2] = words[2] === 'zoo' ? 'zone' : 'zoo';
    lines[wordLine] = words.join(' ');
    writeFileSync(typo, lines.join('\n'));
    const mistyped = awsError(run(dest, 'backup', 'restore', '--in', backup.File, '--share', share(1), typo, share(3), '--root-key', 'passphrase'), 'ValidationException');
    expect(mistyped).toContain(`share #2 (${typo}) is mistyped or corrupted`);

    const dup = awsError(run(dest, 'backup', 'verify', '--in', backup.File, '--share', share(1), share(3), share(3)), 'ValidationException');
    expect(dup).toMatch(/are both share 3/);

    const bytes = readFileSync(backup.File);
    const tampered = join(home, 'tampered.srb');
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 40] = (flipped[flipped.length - 40] ?? 0) ^ 1;
    writeFileSync(tampered, flipped);
    expect(awsError(run(dest, 'backup', 'restore', '--in', tampered, '--share', share(1), share(3), share(5), '--root-key', 'passphrase'), 'InvalidCiphertextException')).toMatch(/was altered or damaged/);
    // The header's key check altered: the shares no longer match it; nothing is decrypted.
    const header = Buffer.from(bytes);
    const at = header.indexOf('"KeyCheck":"') + 12;
    header[at] = header[at] === 0x41 ? 0x42 : 0x41;
    writeFileSync(tampered, header);
    expect(awsError(run(dest, 'backup', 'verify', '--in', tampered, '--share', share(1), share(3), share(5)), 'ValidationException')).toMatch(/do not recombine to this backup's key/);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(home).filter((f) => f.startsWith('.'))).toEqual([]);

    const full = awsError(run(src, 'backup', 'restore', '--in', backup.File, '--share', share(1), share(3), share(5), '--root-key', 'passphrase'), 'ValidationException');
    expect(full).toMatch(/is not empty .*strongroom\.db.*restored only into a new or empty directory/);
  });

  it('seals shares to custodians: Ed25519 keys from openssl and a passphrase; decrypt-share reveals them; wrong key or passphrase is named', () => {
    const dir = tempDir('strongroom-backup-sealed-');
    const pem = (name: string): { priv: string; pub: string } => {
      const priv = join(dir, `${name}.pem`);
      const pub = join(dir, `${name}.pub.pem`);
      execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', priv]);
      execFileSync('openssl', ['pkey', '-in', priv, '-pubout', '-out', pub]);
      return { priv, pub };
    };
    const alice = pem('alice');
    const bob = pem('bob');
    const carol = join(dir, 'carol.txt');
    writeFileSync(carol, 'carol keeps this passphrase\n');
    const sealed = ok(
      run(src, 'backup', 'create', '--shares', '4', '--threshold', '3', '--out', join(dir, 'sealed.srb'), '--encrypt-share-to', `1=${alice.pub}`, '--encrypt-share-to', `2=${bob.pub}`, '--share-passphrase-file', `3=${carol}`, '--share-format', 'json'),
    ) as Summary;
    expect(sealed.Shares.map((s) => [s.Index, s.Format, s.SealedTo ?? null])).toEqual([[1, 'sealed-json', 'public-key'], [2, 'sealed-json', 'public-key'], [3, 'sealed-json', 'passphrase'], [4, 'json', null]]);
    const file = (i: number): string => sealed.Shares[i - 1]?.File ?? '';
    const dest = join(dir, 'restored');
    expect(awsError(run(dest, 'backup', 'restore', '--in', sealed.File, '--share', file(1), file(3), file(4), '--root-key', 'passphrase'), 'ValidationException')).toMatch(/is share 1, still encrypted to a custodian's key: decrypt it .* first.*\(--share <file> …; a sealed share is decrypted by `strongroom backup decrypt-share/);

    expect(awsError(run(dest, 'backup', 'decrypt-share', '--in', file(1), '--key', bob.priv), 'IncorrectKeyException')).toMatch(/was not encrypted to this key/);
    const wrongPass = join(dir, 'wrong.txt');
    writeFileSync(wrongPass, 'not carols passphrase');
    expect(awsError(run(dest, 'backup', 'decrypt-share', '--in', file(3), '--passphrase-file', wrongPass), 'IncorrectKeyException')).toMatch(/the passphrase is wrong/);
    usageError(run(dest, 'backup', 'decrypt-share', '--in', file(3)));

    const revealed = ok(run(dest, 'backup', 'decrypt-share', '--in', file(1), '--key', alice.priv)) as { Index: number; Words: string; BackupId: string };
    expect(revealed).toMatchObject({ Index: 1, BackupId: sealed.BackupId });
    expect(revealed.Words.split(' ')).toHaveLength(42);
    const one = join(dir, 'one.txt');
    writeFileSync(one, revealed.Words);
    const three = join(dir, 'three.txt');
    ok(run(dest, 'backup', 'decrypt-share', '--in', file(3), '--passphrase-file', carol, '--out', three));
    expect(readFileSync(three, 'utf8')).toMatch(/^# Strongroom backup share 3 of 4/);
    const r = ok(run(dest, 'backup', 'restore', '--in', sealed.File, '--share', one, three, file(4), '--root-key', 'passphrase'));
    expect(r).toMatchObject({ SharesUsed: [1, 3, 4] });
    expect(Buffer.from((ok(run(dest, 'decrypt', '--ciphertext-blob', ciphertext)) as { Plaintext: string }).Plaintext, 'base64').toString()).toBe('made before the backup');
  });

  it('writes QR shares as PNG and SVG that decode back to shares that verify', () => {
    const dir = tempDir('strongroom-backup-qr-');
    for (const format of ['qr-png', 'qr-svg'] as const) {
      const s = ok(run(src, 'backup', 'create', '--shares', '3', '--threshold', '2', '--out', join(dir, `${format}.srb`), '--share-format', format)) as Summary;
      const texts = s.Shares.map((sh) => {
        const bytes = readFileSync(sh.File);
        if (format === 'qr-png') {
          expect(sh.File.endsWith('.png')).toBe(true);
          expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
          const png = PNG.sync.read(bytes);
          return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
        }
        const svg = bytes.toString('utf8');
        expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
        expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
        return svgToText(svg);
      });
      const files = texts.map((t, i) => {
        expect(t).toMatch(/^strongroom-share:1:[A-Za-z0-9_-]+$/);
        const f = join(dir, `${format}-scanned-${i + 1}.txt`);
        writeFileSync(f, `${t ?? ''}\n`);
        return f;
      });
      expect(ok(run(dir, 'backup', 'verify', '--in', s.File, '--share', files[0] ?? '', files[2] ?? ''))).toMatchObject({ Intact: true, SharesUsed: [1, 3] });
      expect(awsError(run(dir, 'backup', 'verify', '--in', s.File, '--share', s.Shares[0]?.File ?? '', files[1] ?? ''), 'ValidationException')).toMatch(/is a QR code image: scan it/);
    }
  });

  it('rejects bad flags with usage errors and bad counts with ValidationException', () => {
    const out = join(home, 'x.srb');
    usageError(run(src, 'backup', 'create', '--shares', '5', '--threshold', '3'));
    usageError(run(src, 'backup', 'create', '--shares', '5', '--threshold', '3', '--out', out, '--share-format', 'braille'));
    usageError(run(src, 'backup', 'create', '--shares', 'five', '--threshold', '3', '--out', out));
    usageError(run(src, 'backup', 'create', '--shares', '5', '--threshold', '3', '--out', out, '--encrypt-share-to', 'alice.pem'));
    usageError(run(src, 'backup', 'frobnicate'));
    usageError(run(src, 'backup', 'restore', '--in', out, '--root-key', 'floppy'));
    expect(awsError(run(src, 'backup', 'create', '--shares', '3', '--threshold', '4', '--out', out), 'ValidationException')).toMatch(/threshold must be a whole number from 2 to the number of shares \(3\); got 4\. \(--threshold\)/);
    expect(awsError(run(src, 'backup', 'create', '--shares', '3', '--threshold', '2', '--out', backup.File), 'ValidationException')).toMatch(/already exists; .*\(--out\)/);
    expect(awsError(run(src, 'backup', 'verify', '--in', share(1), '--share', share(1)), 'ValidationException')).toMatch(/is not a Strongroom backup file/);
    expect(existsSync(out)).toBe(false);
    const help = cli(src, ['backup', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/backup create --shares N --threshold M --out F/);
  });
});
