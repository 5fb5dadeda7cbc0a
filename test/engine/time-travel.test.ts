// The developer clock: a developer installation's time moves forward on request, audited, and
// what the new time makes due (rotation, deletion, expiry) happens at once. Other installations
// refuse, and the refusal is audited too.
import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS, ManualClock } from '../../electron/kms/clock.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { rmSync } from 'node:fs';
import { bytes, kmsError, newEngine, tempDir, text, type TestEngine } from '../support/engine.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) {
    c();
  }
});

async function developerEngine(): Promise<{ kms: Kms; dir: string; clock: ManualClock; provider: MemoryRootKeyProvider }> {
  const dir = tempDir();
  const clock = new ManualClock();
  const provider = new MemoryRootKeyProvider();
  const kms = await Kms.init({ dataDir: dir, provider, clock, developer: true, accountId: '111122223333' });
  cleanups.push(() => {
    kms.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { kms, dir, clock, provider };
}

describe('developer clock', () => {
  it('advances time, audits the change, and runs the rotations and deletions now due', async () => {
    const { kms, clock } = await developerEngine();
    expect(kms.installation.developer).toBe(true);
    const rotating = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const doomed = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    await kms.invoke('EnableKeyRotation', { KeyId: rotating });
    const old = await kms.invoke('Encrypt', { KeyId: rotating, Plaintext: bytes('before the jump') });
    await kms.invoke('ScheduleKeyDeletion', { KeyId: doomed, PendingWindowInDays: 7 });

    const moved = kms.advanceClock(366 * DAY_MS);
    expect(moved.previous).toEqual(new Date(clock.now()));
    expect(moved.current).toEqual(new Date(clock.now() + 366 * DAY_MS));
    expect(moved.work).toEqual({ rotated: 1, expired: 0, deleted: 1 });
    expect(kms.clock.now()).toBe(clock.now() + 366 * DAY_MS);
    expect(kms.clockOffsetMs).toBe(366 * DAY_MS);

    expect((await kms.invoke('ListKeyRotations', { KeyId: rotating })).Rotations).toHaveLength(1);
    expect(text((await kms.invoke('Decrypt', { CiphertextBlob: old.CiphertextBlob })).Plaintext)).toBe('before the jump');
    expect((await kmsError(kms.invoke('DescribeKey', { KeyId: doomed }))).name).toBe('NotFoundException');

    const advance = kms.audit.list({ EventName: 'AdvanceClock' });
    expect(advance).toHaveLength(1);
    expect(advance[0]?.record).toMatchObject({
      requestParameters: { advanceByMs: 366 * DAY_MS },
      responseElements: { previousTime: moved.previous.toISOString(), currentTime: moved.current.toISOString() },
    });
    // Records after the jump carry the new time.
    const rotate = kms.audit.list({ EventName: 'RotateKey' })[0]?.record;
    expect(rotate?.eventTime).toBe(new Date(clock.now() + 366 * DAY_MS).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(kms.audit.verify().ok).toBe(true);
  });

  it('is seen by every engine on the installation (the CLI beside a running endpoint)', async () => {
    const { kms, dir, clock, provider } = await developerEngine();
    const second = await Kms.open({ dataDir: dir, clock, providerForKind: () => provider });
    try {
      kms.advanceClock(10 * DAY_MS);
      const created = await second.invoke('CreateKey', {});
      expect(created.KeyMetadata.CreationDate).toEqual(new Date(clock.now() + 10 * DAY_MS));
    } finally {
      second.close();
    }
  });

  it('persists across reopen and only moves forward', async () => {
    const { kms, dir, clock, provider } = await developerEngine();
    kms.advanceClock(DAY_MS);
    kms.close();
    const reopened = await Kms.open({ dataDir: dir, clock, providerForKind: () => provider });
    try {
      expect(reopened.clock.now()).toBe(clock.now() + DAY_MS);
      for (const ms of [0, -DAY_MS]) {
        expect(() => reopened.advanceClock(ms)).toThrow(expect.objectContaining({ name: 'ValidationException' }));
      }
      // A fraction is not an integer at all: the action's schema refuses it as the wrong type.
      expect(() => reopened.advanceClock(1.5)).toThrow(expect.objectContaining({ name: 'SerializationException' }));
      expect(reopened.clock.now()).toBe(clock.now() + DAY_MS);
    } finally {
      reopened.close();
    }
  });

  it('is refused, and the refusal audited, on an installation not created for development', async () => {
    const t: TestEngine = await newEngine();
    cleanups.push(() => t.cleanup());
    expect(t.kms.installation.developer).toBe(false);
    expect(() => t.kms.advanceClock(DAY_MS)).toThrow(expect.objectContaining({ name: 'UnsupportedOperationException' }));
    expect(t.kms.clock.now()).toBe(t.clock.now());
    const refused = t.kms.audit.list({ EventName: 'AdvanceClock' });
    expect(refused[0]?.record.errorCode).toBe('UnsupportedOperationException');
  });
});
