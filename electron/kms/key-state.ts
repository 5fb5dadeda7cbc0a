// The key-state table (docs/aws-kms.md §6.1): which operations a key in each state allows, and the
// error AWS returns when it does not. Written as data so the table-driven test reads the same
// table the engine enforces, and new operations join a row instead of adding branches.

import type { KeyState } from '../../shared/api/operations.ts';
import { DisabledException, KMSInvalidStateException, UnsupportedOperationException, type KmsError } from './errors.ts';

/** Operation classes that share a row of the table. */
export type StateRow =
  | 'cryptographic'
  | 'createGrant'
  | 'createAlias'
  | 'updateAliasTarget'
  | 'anyState'
  | 'enableDisable'
  | 'scheduleDeletion'
  | 'cancelDeletion'
  | 'tagOrDescribe'
  | 'rotationChange'
  | 'rotateOnDemand'
  | 'rotationRead'
  | 'importParameters'
  | 'importMaterial'
  | 'deleteImported'
  | 'exportMaterial';

/** What a state does to an operation: allowed, or which of AWS's footnoted errors it gets. */
export type StateEffect =
  | 'ok'
  | 'disabled'
  | 'pendingDeletion'
  | 'notPendingDeletion'
  | 'pendingImport'
  | 'unavailable'
  | 'creating'
  | 'updating'
  | 'externalPendingImport'
  | 'disabledInvalidState';

const ALL_OK: Readonly<Record<KeyState, StateEffect>> = {
  Enabled: 'ok',
  Disabled: 'ok',
  PendingDeletion: 'ok',
  PendingReplicaDeletion: 'ok',
  PendingImport: 'ok',
  Unavailable: 'ok',
  Creating: 'ok',
  Updating: 'ok',
};

export const KEY_STATE_TABLE: Readonly<Record<StateRow, Readonly<Record<KeyState, StateEffect>>>> = {
  cryptographic: {
    Enabled: 'ok',
    Disabled: 'disabled',
    PendingDeletion: 'pendingDeletion',
    PendingReplicaDeletion: 'pendingDeletion',
    PendingImport: 'pendingImport',
    Unavailable: 'unavailable',
    Creating: 'creating',
    Updating: 'ok',
  },
  // Like cryptographic operations, except that an unavailable key still takes grants.
  createGrant: {
    Enabled: 'ok',
    Disabled: 'disabled',
    PendingDeletion: 'pendingDeletion',
    PendingReplicaDeletion: 'pendingDeletion',
    PendingImport: 'pendingImport',
    Unavailable: 'ok',
    Creating: 'creating',
    Updating: 'ok',
  },
  createAlias: { ...ALL_OK, PendingDeletion: 'pendingDeletion', PendingReplicaDeletion: 'pendingDeletion' },
  updateAliasTarget: { ...ALL_OK, PendingDeletion: 'pendingDeletion', PendingReplicaDeletion: 'pendingDeletion' },
  anyState: ALL_OK,
  enableDisable: {
    Enabled: 'ok',
    Disabled: 'ok',
    PendingDeletion: 'pendingDeletion',
    PendingReplicaDeletion: 'pendingDeletion',
    PendingImport: 'pendingImport',
    Unavailable: 'ok',
    Creating: 'creating',
    Updating: 'updating',
  },
  scheduleDeletion: {
    ...ALL_OK,
    PendingDeletion: 'pendingDeletion',
    PendingReplicaDeletion: 'pendingDeletion',
    Updating: 'updating',
  },
  cancelDeletion: {
    Enabled: 'notPendingDeletion',
    Disabled: 'notPendingDeletion',
    PendingDeletion: 'ok',
    PendingReplicaDeletion: 'ok',
    PendingImport: 'notPendingDeletion',
    Unavailable: 'notPendingDeletion',
    Creating: 'notPendingDeletion',
    Updating: 'notPendingDeletion',
  },
  tagOrDescribe: { ...ALL_OK, PendingDeletion: 'pendingDeletion', PendingReplicaDeletion: 'pendingDeletion' },
  // EnableKeyRotation, DisableKeyRotation (footnotes 1, 3, 6, 7). Which keys
  // may rotate at all (spec, origin) is checked before the state, in operations/rotation.ts.
  rotationChange: {
    Enabled: 'ok',
    Disabled: 'disabled',
    PendingDeletion: 'pendingDeletion',
    PendingReplicaDeletion: 'pendingDeletion',
    PendingImport: 'externalPendingImport',
    Unavailable: 'unavailable',
    Creating: 'creating',
    Updating: 'ok',
  },
  // RotateKeyOnDemand: as rotationChange, except that a key pending import is an invalid state
  // for it (KMSInvalidStateException, as AWS answers), not an unsupported origin; and its state
  // is checked before the key spec (operations/rotation.ts).
  rotateOnDemand: {
    Enabled: 'ok',
    Disabled: 'disabled',
    PendingDeletion: 'pendingDeletion',
    PendingReplicaDeletion: 'pendingDeletion',
    PendingImport: 'pendingImport',
    Unavailable: 'unavailable',
    Creating: 'creating',
    Updating: 'ok',
  },
  // GetKeyRotationStatus and ListKeyRotations: reads, allowed wherever the key has material.
  rotationRead: { ...ALL_OK, PendingImport: 'externalPendingImport', Unavailable: 'unavailable' },
  // GetParametersForImport (footnotes 8, 9, 14, 15); origin is checked before the state.
  importParameters: {
    ...ALL_OK,
    PendingDeletion: 'pendingDeletion',
    PendingReplicaDeletion: 'pendingDeletion',
    Unavailable: 'unavailable',
    Creating: 'creating',
    Updating: 'updating',
  },
  importMaterial: {
    ...ALL_OK,
    PendingDeletion: 'pendingDeletion',
    PendingReplicaDeletion: 'pendingDeletion',
    Unavailable: 'unavailable',
    Creating: 'creating',
  },
  deleteImported: { ...ALL_OK, Creating: 'creating', Updating: 'updating' },
  // ExportKeyMaterial (Strongroom's own, D23): only an Enabled key's material leaves, and a
  // disabled key is an invalid state for it (not DisabledException: it is not a cryptographic use).
  exportMaterial: {
    Enabled: 'ok',
    Disabled: 'disabledInvalidState',
    PendingDeletion: 'pendingDeletion',
    PendingReplicaDeletion: 'pendingDeletion',
    PendingImport: 'pendingImport',
    Unavailable: 'unavailable',
    Creating: 'creating',
    Updating: 'updating',
  },
};

/** The error AWS returns for an effect other than 'ok', worded as AWS words it. */
export function stateError(effect: Exclude<StateEffect, 'ok'>, keyArn: string, state: KeyState): KmsError {
  switch (effect) {
    case 'disabled':
      return new DisabledException(`${keyArn} is disabled.`);
    case 'pendingDeletion':
      return new KMSInvalidStateException(
        state === 'PendingReplicaDeletion' ? `${keyArn} is pending replica deletion.` : `${keyArn} is pending deletion.`,
      );
    case 'notPendingDeletion':
      return new KMSInvalidStateException(`${keyArn} is not pending deletion.`);
    case 'pendingImport':
      return new KMSInvalidStateException(`${keyArn} is pending import.`);
    case 'unavailable':
      return new KMSInvalidStateException(`${keyArn} is unavailable.`);
    case 'creating':
      return new KMSInvalidStateException(`${keyArn} is creating.`);
    case 'updating':
      return new KMSInvalidStateException(`${keyArn} is updating.`);
    case 'disabledInvalidState':
      return new KMSInvalidStateException(`${keyArn} is disabled.`);
    case 'externalPendingImport':
      return new UnsupportedOperationException(
        `${keyArn} origin is EXTERNAL which is not valid for this operation while its key material is pending import.`,
      );
  }
}

/** Throws the matching AWS error unless `row` allows a key in `state`. */
export function requireState(row: StateRow, state: KeyState, keyArn: string): void {
  const effect = KEY_STATE_TABLE[row][state];
  if (effect !== 'ok') {
    throw stateError(effect, keyArn, state);
  }
}
