// Rotation (issue: key lifecycle): on demand and automatic (by the injected clock passing the
// period), every version keeps decrypting, the status and rotation list match AWS's shapes, and
// AWS's limits come back with AWS's errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../electron/kms/clock.ts';
import { bytes, kmsError, newEngine, text, type TestEngine } from '../support/engine.ts';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
});
afterEach(() => t.cleanup());

const HEX64 = /^[0-9a-f]{64}$/;

async function newKey(): Promise<string> {
  return (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
}

async function roundTrip(blob: Uint8Array): Promise<{ plain: string; materialId: string | undefined }> {
  const out = await t.kms.invoke('Decrypt', { CiphertextBlob: blob });
  return { plain: text(out.Plaintext), materialId: out.KeyMaterialId };
}

describe('on-demand rotation', () => {
  it('adds a version: new encryptions use it, the old one keeps decrypting, and the list shows both', async () => {
    const keyId = await newKey();
    const before = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('under v1') });
    const v1 = (await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.CurrentKeyMaterialId;
    t.clock.advance(1000);
    expect(await t.kms.invoke('RotateKeyOnDemand', { KeyId: keyId })).toEqual({ KeyId: `arn:aws:kms:local-1:111122223333:key/${keyId}` });
    const v2 = (await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.CurrentKeyMaterialId;
    expect(v1).toMatch(HEX64);
    expect(v2).toMatch(HEX64);
    expect(v2).not.toBe(v1);
    const after = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('under v2') });

    expect(await roundTrip(before.CiphertextBlob)).toEqual({ plain: 'under v1', materialId: v1 });
    expect(await roundTrip(after.CiphertextBlob)).toEqual({ plain: 'under v2', materialId: v2 });
    const re = await t.kms.invoke('ReEncrypt', { CiphertextBlob: before.CiphertextBlob, DestinationKeyId: keyId });
    expect(re.SourceKeyMaterialId).toBe(v1);
    expect(re.DestinationKeyMaterialId).toBe(v2);

    const rotations = await t.kms.invoke('ListKeyRotations', { KeyId: keyId });
    expect(rotations).toEqual({
      Rotations: [
        { KeyId: keyId, KeyMaterialId: v2, KeyMaterialState: 'CURRENT', RotationType: 'ON_DEMAND', RotationDate: new Date(t.clock.now()) },
      ],
      Truncated: false,
    });
    const all = await t.kms.invoke('ListKeyRotations', { KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' });
    expect(all.Rotations.map((r) => [r.KeyMaterialId, r.KeyMaterialState, r.RotationType])).toEqual([
      [v1, 'NON_CURRENT', undefined],
      [v2, 'CURRENT', 'ON_DEMAND'],
    ]);
    // On-demand rotation leaves the automatic schedule (off here) alone.
    expect(await t.kms.invoke('GetKeyRotationStatus', { KeyId: keyId })).toEqual({ KeyId: keyId, KeyRotationEnabled: false });
  });

  it('allows 25 on-demand rotations per key, then LimitExceededException', async () => {
    const keyId = await newKey();
    const blobs: Array<Uint8Array> = [];
    for (let i = 0; i < 25; i++) {
      blobs.push((await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes(`v${i + 1}`) })).CiphertextBlob);
      await t.kms.invoke('RotateKeyOnDemand', { KeyId: keyId });
    }
    const err = await kmsError(t.kms.invoke('RotateKeyOnDemand', { KeyId: keyId }));
    expect(err.name).toBe('LimitExceededException');
    expect(err.message).toContain('25');
    for (const [i, blob] of blobs.entries()) {
      expect((await roundTrip(blob)).plain).toBe(`v${i + 1}`);
    }
  });

  it('pages ListKeyRotations with Limit and Marker', async () => {
    const keyId = await newKey();
    for (let i = 0; i < 5; i++) {
      await t.kms.invoke('RotateKeyOnDemand', { KeyId: keyId });
    }
    const seen: Array<string | undefined> = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await t.kms.invoke('ListKeyRotations', { KeyId: keyId, Limit: 2, ...(marker === undefined ? {} : { Marker: marker }) });
      pages++;
      seen.push(...page.Rotations.map((r) => r.KeyMaterialId));
      marker = page.NextMarker;
      expect(page.Truncated).toBe(marker !== undefined);
    } while (marker !== undefined);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    const err = await kmsError(t.kms.invoke('ListKeyRotations', { KeyId: keyId, Marker: 'bm9wZQ==' }));
    expect(err.name).toBe('InvalidMarkerException');
  });
});

describe('automatic rotation', () => {
  it('rotates when the clock passes the period, audits RotateKey, and keeps every version decrypting', async () => {
    const keyId = await newKey();
    const enabledAt = t.clock.now();
    await t.kms.invoke('EnableKeyRotation', { KeyId: keyId });
    expect(await t.kms.invoke('GetKeyRotationStatus', { KeyId: keyId })).toEqual({
      KeyId: keyId,
      KeyRotationEnabled: true,
      RotationPeriodInDays: 365,
      NextRotationDate: new Date(enabledAt + 365 * DAY_MS),
    });
    const v1 = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('year one') });

    t.clock.advance(365 * DAY_MS - 1);
    expect(t.kms.runScheduledWork().rotated).toBe(0);
    t.clock.advance(1);
    expect(t.kms.runScheduledWork()).toEqual({ rotated: 1, expired: 0, deleted: 0 });
    expect(t.kms.runScheduledWork().rotated).toBe(0);

    const status = await t.kms.invoke('GetKeyRotationStatus', { KeyId: keyId });
    expect(status.NextRotationDate).toEqual(new Date(t.clock.now() + 365 * DAY_MS));
    const v2 = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('year two') });
    expect((await roundTrip(v1.CiphertextBlob)).plain).toBe('year one');
    expect((await roundTrip(v2.CiphertextBlob)).plain).toBe('year two');
    expect((await roundTrip(v1.CiphertextBlob)).materialId).not.toBe((await roundTrip(v2.CiphertextBlob)).materialId);

    const rotations = (await t.kms.invoke('ListKeyRotations', { KeyId: keyId })).Rotations;
    expect(rotations).toHaveLength(1);
    expect(rotations[0]).toMatchObject({ RotationType: 'AUTOMATIC', KeyMaterialState: 'CURRENT', RotationDate: new Date(t.clock.now()) });
    const events = t.kms.audit.list({ EventName: 'RotateKey' });
    expect(events).toHaveLength(1);
    expect(events[0]?.record).toMatchObject({
      eventType: 'AwsServiceEvent',
      resources: [{ ARN: `arn:aws:kms:local-1:111122223333:key/${keyId}` }],
      serviceEventDetails: { keyId, rotationType: 'AUTOMATIC', keyMaterialId: rotations[0]?.KeyMaterialId },
    });
    expect(t.kms.audit.verify().ok).toBe(true);
  });

  it('rotates due keys when the engine opens, as after a machine was off', async () => {
    const keyId = await newKey();
    await t.kms.invoke('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 90 });
    t.kms.close();
    t.clock.advance(400 * DAY_MS);
    const kms = await t.reopen();
    // Once, however overdue: the next rotation counts from now.
    expect((await kms.invoke('ListKeyRotations', { KeyId: keyId })).Rotations).toHaveLength(1);
    expect((await kms.invoke('GetKeyRotationStatus', { KeyId: keyId })).NextRotationDate).toEqual(new Date(t.clock.now() + 90 * DAY_MS));
  });

  it('a new period counts from the same start; a period already past rotates at the next pass', async () => {
    const keyId = await newKey();
    const start = t.clock.now();
    await t.kms.invoke('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 180 });
    t.clock.advance(100 * DAY_MS);
    await t.kms.invoke('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 120 });
    expect((await t.kms.invoke('GetKeyRotationStatus', { KeyId: keyId })).NextRotationDate).toEqual(new Date(start + 120 * DAY_MS));
    await t.kms.invoke('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 90 });
    expect((await t.kms.invoke('GetKeyRotationStatus', { KeyId: keyId })).NextRotationDate).toEqual(new Date(t.clock.now()));
    expect(t.kms.runScheduledWork().rotated).toBe(1);
  });

  it('does not rotate a disabled key, and rotates it once it is enabled again', async () => {
    const keyId = await newKey();
    await t.kms.invoke('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 90 });
    await t.kms.invoke('DisableKey', { KeyId: keyId });
    t.clock.advance(91 * DAY_MS);
    expect(t.kms.runScheduledWork().rotated).toBe(0);
    await t.kms.invoke('EnableKey', { KeyId: keyId });
    expect(t.kms.runScheduledWork().rotated).toBe(1);
  });

  it('reports false while the key is pending deletion and restores the setting on cancel', async () => {
    const keyId = await newKey();
    await t.kms.invoke('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 90 });
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 30 });
    expect(await t.kms.invoke('GetKeyRotationStatus', { KeyId: keyId })).toEqual({ KeyId: keyId, KeyRotationEnabled: false });
    t.clock.advance(20 * DAY_MS);
    await t.kms.invoke('CancelKeyDeletion', { KeyId: keyId });
    expect((await t.kms.invoke('GetKeyRotationStatus', { KeyId: keyId })).RotationPeriodInDays).toBe(90);
    // CancelKeyDeletion leaves the key Disabled, where the setting cannot change.
    expect((await kmsError(t.kms.invoke('DisableKeyRotation', { KeyId: keyId }))).name).toBe('DisabledException');
    await t.kms.invoke('EnableKey', { KeyId: keyId });
    await t.kms.invoke('DisableKeyRotation', { KeyId: keyId });
    expect(await t.kms.invoke('GetKeyRotationStatus', { KeyId: keyId })).toEqual({ KeyId: keyId, KeyRotationEnabled: false });
    t.clock.advance(200 * DAY_MS);
    expect(t.kms.runScheduledWork().rotated).toBe(0);
  });
});

describe('rotation limits and errors', () => {
  it('RotationPeriodInDays outside 90–2560 is a ValidationException in AWS words', async () => {
    const keyId = await newKey();
    for (const days of [89, 2561]) {
      const err = await kmsError(t.kms.invoke('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: days }));
      expect(err.name).toBe('ValidationException');
      expect(err.message).toMatch(/^1 validation error detected: Value '\d+' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value (greater|less) than or equal to (90|2560)$/);
    }
    await t.kms.invoke('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 90 });
    await t.kms.invoke('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 2560 });
  });

  it('RotateKeyOnDemand within 20 minutes of an automatic rotation is a ConflictException', async () => {
    const keyId = await newKey();
    await t.kms.invoke('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: 90 });
    t.clock.advance(90 * DAY_MS - 20 * 60 * 1000);
    expect((await kmsError(t.kms.invoke('RotateKeyOnDemand', { KeyId: keyId }))).name).toBe('ConflictException');
    t.clock.advance(-1);
    await t.kms.invoke('RotateKeyOnDemand', { KeyId: keyId });
  });

  it('only symmetric KMS-made keys rotate automatically; identifiers are key ids or ARNs', async () => {
    const external = (await t.kms.invoke('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    // PendingImport: footnote 6 of the key-state table.
    expect((await kmsError(t.kms.invoke('EnableKeyRotation', { KeyId: external }))).name).toBe('UnsupportedOperationException');
    expect((await kmsError(t.kms.invoke('GetKeyRotationStatus', { KeyId: external }))).name).toBe('UnsupportedOperationException');
    const keyId = await newKey();
    await t.kms.invoke('CreateAlias', { AliasName: 'alias/rot', TargetKeyId: keyId });
    expect((await kmsError(t.kms.invoke('EnableKeyRotation', { KeyId: 'alias/rot' }))).name).toBe('NotFoundException');
    await t.kms.invoke('EnableKeyRotation', { KeyId: `arn:aws:kms:local-1:111122223333:key/${keyId}` });
    await t.kms.invoke('DisableKey', { KeyId: keyId });
    expect((await kmsError(t.kms.invoke('RotateKeyOnDemand', { KeyId: keyId }))).name).toBe('DisabledException');
    expect((await kmsError(t.kms.invoke('EnableKeyRotation', { KeyId: keyId }))).name).toBe('DisabledException');
    // Reads work on a disabled key.
    expect((await t.kms.invoke('GetKeyRotationStatus', { KeyId: keyId })).KeyRotationEnabled).toBe(true);
  });

  it('a failed rotation changes nothing and is audited', async () => {
    const keyId = await newKey();
    await t.kms.invoke('DisableKey', { KeyId: keyId });
    await kmsError(t.kms.invoke('RotateKeyOnDemand', { KeyId: keyId }));
    await t.kms.invoke('EnableKey', { KeyId: keyId });
    expect((await t.kms.invoke('ListKeyRotations', { KeyId: keyId })).Rotations).toEqual([]);
    const failed = t.kms.audit.list({ EventName: 'RotateKeyOnDemand' });
    expect(failed[0]?.record.errorCode).toBe('DisabledException');
  });
});
