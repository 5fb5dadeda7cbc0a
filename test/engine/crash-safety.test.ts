// kill -9 in the middle of a scheduled rotation or deletion: a child process opens the
// installation with its clock past the due date and kills itself at a seam inside the work's
// transaction. The database must be intact, nothing half-done, the audit chain whole — and the
// next open must finish the work exactly once.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../electron/kms/clock.ts';
import { Kms, type Seam } from '../../electron/kms/engine.ts';
import { PassphraseRootKeyProvider } from '../../electron/kms/rootkey/passphrase.ts';
import { providerForKind } from '../../electron/kms/rootkey/select.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { bytes, tempDir, text } from '../support/engine.ts';

const PASSPHRASE = 'crash safety passphrase';
const worker = fileURLToPath(new URL('../support/seam-worker.ts', import.meta.url));

function killedAt(dataDir: string, seam: Seam, offsetDays: number): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, dataDir, seam, String(offsetDays)], {
      env: { ...process.env, STRONGROOM_PASSPHRASE: PASSPHRASE },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal === null && code !== 0 ? reject(new Error(`worker exited ${code}: ${stderr}`)) : resolve(signal)));
  });
}

function openAt(dataDir: string, offsetDays: number): Promise<Kms> {
  return Kms.open({
    dataDir,
    providerForKind: (k) => providerForKind(k, { passphrase: async () => PASSPHRASE }),
    clock: { now: () => Date.now() + offsetDays * DAY_MS },
  });
}

function inspect(dataDir: string, keyId: string): { integrity: string; versions: number; current: number | null; keyRows: number } {
  const db = new Database(join(dataDir, DATABASE_FILE));
  try {
    const integrity = (db.pragma('integrity_check', { simple: true }) as string);
    const versions = (db.prepare('SELECT count(*) AS n FROM key_material WHERE key_id = ?').get(keyId) as { n: number }).n;
    const key = db.prepare('SELECT current_version FROM keys WHERE key_id = ?').get(keyId) as { current_version: number } | undefined;
    const keyRows = (db.prepare('SELECT count(*) AS n FROM keys WHERE key_id = ?').get(keyId) as { n: number }).n;
    return { integrity, versions, current: key?.current_version ?? null, keyRows };
  } finally {
    db.close();
  }
}

describe('kill -9 at a seam of the scheduled work', () => {
  let dir: string;
  let rotating: string;
  let doomed: string;
  let blob: Uint8Array;

  beforeAll(async () => {
    dir = tempDir('strongroom-crash-');
    const kms = await Kms.init({ dataDir: dir, provider: new PassphraseRootKeyProvider(async () => PASSPHRASE) });
    rotating = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    doomed = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    await kms.invoke('EnableKeyRotation', { KeyId: rotating, RotationPeriodInDays: 90 });
    blob = (await kms.invoke('Encrypt', { KeyId: rotating, Plaintext: bytes('before the crash') })).CiphertextBlob;
    await kms.invoke('ScheduleKeyDeletion', { KeyId: doomed, PendingWindowInDays: 7 });
    kms.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('in the middle of a deletion, then of a rotation: each rolled back whole, then done once at the next open', async () => {
    // 30 days ahead: the deletion (7 days) is due, the rotation (90) not yet — only the first seam is reached.
    expect(await killedAt(dir, 'deletion:before-audit', 30)).toBe('SIGKILL');
    let state = inspect(dir, doomed);
    expect(state).toEqual({ integrity: 'ok', versions: 1, current: 1, keyRows: 1 });

    // 100 days ahead both are due; rotation runs first and is killed before its record is written.
    expect(await killedAt(dir, 'rotation:before-audit', 100)).toBe('SIGKILL');
    state = inspect(dir, rotating);
    expect(state).toEqual({ integrity: 'ok', versions: 1, current: 1, keyRows: 1 });

    const kms = await openAt(dir, 100);
    try {
      expect(inspect(dir, rotating)).toMatchObject({ integrity: 'ok', versions: 2, current: 2 });
      expect(inspect(dir, doomed)).toMatchObject({ integrity: 'ok', versions: 0, keyRows: 0 });
      expect(kms.audit.list({ EventName: 'RotateKey' })).toHaveLength(1);
      expect(kms.audit.list({ EventName: 'DeleteKey' })).toHaveLength(1);
      expect(kms.audit.verify().ok).toBe(true);
      expect(text((await kms.invoke('Decrypt', { CiphertextBlob: blob })).Plaintext)).toBe('before the crash');
      expect(kms.runScheduledWork()).toEqual({ rotated: 0, expired: 0, deleted: 0 });
    } finally {
      kms.close();
    }
  });
});
