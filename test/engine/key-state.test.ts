// The key-state table (docs/aws-kms.md §6.1) as a table-driven test through the real engine: every
// operation that takes a key, against a key in every state, must succeed or fail exactly as
// KEY_STATE_TABLE says. States the API cannot reach yet (PendingImport, Unavailable, Creating,
// Updating, PendingReplicaDeletion) are set directly in the database.
import Database from 'better-sqlite3';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_STATES, type KeyState } from '../../shared/api/operations.ts';
import { KEY_STATE_TABLE, type StateEffect, type StateRow } from '../../electron/kms/key-state.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { KmsError } from '../../electron/kms/errors.ts';
import { bytes, newEngine, type TestEngine } from '../support/engine.ts';

const EXPECTED_ERROR: Readonly<Record<Exclude<StateEffect, 'ok'>, string>> = {
  disabled: 'DisabledException',
  pendingDeletion: 'KMSInvalidStateException',
  notPendingDeletion: 'KMSInvalidStateException',
  pendingImport: 'KMSInvalidStateException',
  unavailable: 'KMSInvalidStateException',
  creating: 'KMSInvalidStateException',
  updating: 'KMSInvalidStateException',
  externalPendingImport: 'UnsupportedOperationException',
  disabledInvalidState: 'KMSInvalidStateException',
};

type Ctx = { keyId: string; blob: Uint8Array; other: string };
type Case = { readonly op: string; readonly row: StateRow; readonly call: (t: TestEngine, c: Ctx) => Promise<unknown> };

const CASES: ReadonlyArray<Case> = [
  { op: 'Encrypt', row: 'cryptographic', call: (t, c) => t.kms.invoke('Encrypt', { KeyId: c.keyId, Plaintext: bytes('x') }) },
  { op: 'Decrypt', row: 'cryptographic', call: (t, c) => t.kms.invoke('Decrypt', { CiphertextBlob: c.blob }) },
  { op: 'ReEncrypt (source)', row: 'cryptographic', call: (t, c) => t.kms.invoke('ReEncrypt', { CiphertextBlob: c.blob, DestinationKeyId: c.other }) },
  { op: 'GenerateDataKey', row: 'cryptographic', call: (t, c) => t.kms.invoke('GenerateDataKey', { KeyId: c.keyId, KeySpec: 'AES_256' }) },
  { op: 'GenerateDataKeyWithoutPlaintext', row: 'cryptographic', call: (t, c) => t.kms.invoke('GenerateDataKeyWithoutPlaintext', { KeyId: c.keyId, NumberOfBytes: 8 }) },
  { op: 'DescribeKey', row: 'anyState', call: (t, c) => t.kms.invoke('DescribeKey', { KeyId: c.keyId }) },
  { op: 'ListResourceTags', row: 'anyState', call: (t, c) => t.kms.invoke('ListResourceTags', { KeyId: c.keyId }) },
  { op: 'ListAliases', row: 'anyState', call: (t, c) => t.kms.invoke('ListAliases', { KeyId: c.keyId }) },
  { op: 'CreateAlias', row: 'createAlias', call: (t, c) => t.kms.invoke('CreateAlias', { AliasName: `alias/s-${Math.random().toString(36).slice(2)}`, TargetKeyId: c.keyId }) },
  { op: 'EnableKey', row: 'enableDisable', call: (t, c) => t.kms.invoke('EnableKey', { KeyId: c.keyId }) },
  { op: 'DisableKey', row: 'enableDisable', call: (t, c) => t.kms.invoke('DisableKey', { KeyId: c.keyId }) },
  { op: 'ScheduleKeyDeletion', row: 'scheduleDeletion', call: (t, c) => t.kms.invoke('ScheduleKeyDeletion', { KeyId: c.keyId }) },
  { op: 'CancelKeyDeletion', row: 'cancelDeletion', call: (t, c) => t.kms.invoke('CancelKeyDeletion', { KeyId: c.keyId }) },
  { op: 'TagResource', row: 'tagOrDescribe', call: (t, c) => t.kms.invoke('TagResource', { KeyId: c.keyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] }) },
  { op: 'UntagResource', row: 'tagOrDescribe', call: (t, c) => t.kms.invoke('UntagResource', { KeyId: c.keyId, TagKeys: ['a'] }) },
  { op: 'UpdateKeyDescription', row: 'tagOrDescribe', call: (t, c) => t.kms.invoke('UpdateKeyDescription', { KeyId: c.keyId, Description: 'd' }) },
  { op: 'EnableKeyRotation', row: 'rotationChange', call: (t, c) => t.kms.invoke('EnableKeyRotation', { KeyId: c.keyId }) },
  { op: 'DisableKeyRotation', row: 'rotationChange', call: (t, c) => t.kms.invoke('DisableKeyRotation', { KeyId: c.keyId }) },
  { op: 'RotateKeyOnDemand', row: 'rotateOnDemand', call: (t, c) => t.kms.invoke('RotateKeyOnDemand', { KeyId: c.keyId }) },
  { op: 'GetKeyRotationStatus', row: 'rotationRead', call: (t, c) => t.kms.invoke('GetKeyRotationStatus', { KeyId: c.keyId }) },
  { op: 'ListKeyRotations', row: 'rotationRead', call: (t, c) => t.kms.invoke('ListKeyRotations', { KeyId: c.keyId }) },
];

// Keys with imported material (Origin EXTERNAL) for the import operations, created Enabled by
// writing material rows the way ImportKeyMaterial would, so every state is reachable fast.
const EXTERNAL_CASES: ReadonlyArray<Case> = [
  { op: 'GetParametersForImport', row: 'importParameters', call: (t, c) => t.kms.invoke('GetParametersForImport', { KeyId: c.keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }) },
  { op: 'DeleteImportedKeyMaterial', row: 'deleteImported', call: (t, c) => t.kms.invoke('DeleteImportedKeyMaterial', { KeyId: c.keyId }) },
];

let t: TestEngine;
let db: Database.Database;
let ctx: Ctx;

beforeAll(async () => {
  t = await newEngine();
  db = new Database(join(t.dir, DATABASE_FILE));
  const other = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
  ctx = { keyId: '', blob: new Uint8Array(), other };
});
afterAll(() => {
  db.close();
  t.cleanup();
});

async function keyInState(state: KeyState): Promise<Ctx> {
  const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
  const blob = (await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('state test') })).CiphertextBlob;
  db.prepare('UPDATE keys SET key_state = ?, deletion_date = ? WHERE key_id = ?').run(
    state,
    state === 'PendingDeletion' || state === 'PendingReplicaDeletion' ? t.clock.now() + 30 * 86_400_000 : null,
    keyId,
  );
  return { ...ctx, keyId, blob };
}

async function externalKeyInState(state: KeyState): Promise<Ctx> {
  const keyId = (await t.kms.invoke('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
  db.prepare('UPDATE keys SET key_state = ?, deletion_date = ? WHERE key_id = ?').run(
    state,
    state === 'PendingDeletion' || state === 'PendingReplicaDeletion' ? t.clock.now() + 30 * 86_400_000 : null,
    keyId,
  );
  return { ...ctx, keyId };
}

function tableTest(title: string, cases: ReadonlyArray<Case>, keyIn: (state: KeyState) => Promise<Ctx>, kind: string): void {
  describe(title, () => {
    for (const c of cases) {
      for (const state of KEY_STATES) {
        const effect = KEY_STATE_TABLE[c.row][state];
        it(`${c.op} on a ${state} ${kind} → ${effect === 'ok' ? 'succeeds' : EXPECTED_ERROR[effect]}`, async () => {
          const k = await keyIn(state);
          let outcome = 'succeeds';
          try {
            await c.call(t, k);
          } catch (err) {
            if (!(err instanceof KmsError)) {
              throw err;
            }
            outcome = err.name;
          }
          expect(outcome).toBe(effect === 'ok' ? 'succeeds' : EXPECTED_ERROR[effect]);
        });
      }
    }
  });
}

// ExportKeyMaterial (D23) on an exportable key whose policy allows the export.
const EXPORT_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: ['kms:*', 'strongroom:ExportKeyMaterial'], Resource: '*' }],
});
const WRAPPING_PUBLIC_KEY = new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }));
const EXPORT_CASES: ReadonlyArray<Case> = [
  { op: 'ExportKeyMaterial', row: 'exportMaterial', call: (t, c) => t.kms.invoke('ExportKeyMaterial', { KeyId: c.keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: WRAPPING_PUBLIC_KEY }) },
];

async function exportableKeyInState(state: KeyState): Promise<Ctx> {
  const keyId = (await t.kms.invoke('CreateKey', { XStrongroomExportable: true, Policy: EXPORT_POLICY })).KeyMetadata.KeyId;
  db.prepare('UPDATE keys SET key_state = ?, deletion_date = ? WHERE key_id = ?').run(
    state,
    state === 'PendingDeletion' || state === 'PendingReplicaDeletion' ? t.clock.now() + 30 * 86_400_000 : null,
    keyId,
  );
  return { ...ctx, keyId };
}

tableTest('key-state table', CASES, keyInState, 'key');
tableTest('key-state table, exportable keys', EXPORT_CASES, exportableKeyInState, 'exportable key');
tableTest('key-state table, keys with imported material', EXTERNAL_CASES, externalKeyInState, 'EXTERNAL key');
