// The key tables' rows: the stored (snake_case) shapes and the typed rows the engine works with.

import type { KeySpec, KeyState, KeyUsage, Origin } from '../../../shared/api/operations.ts';

export type KeyRow = {
  readonly keyId: string;
  readonly createdAt: number;
  readonly description: string;
  readonly keySpec: KeySpec;
  readonly keyUsage: KeyUsage;
  readonly origin: Origin;
  readonly keyManager: 'AWS' | 'CUSTOMER';
  readonly keyState: KeyState;
  readonly deletionDate: number | null;
  readonly pendingWindowDays: number | null;
  readonly multiRegion: boolean;
  readonly policy: string;
  /** JSON {principal ARN: unique id} for the users and roles the policy names (policy/access-control.ts). */
  readonly policyBindings: string;
  readonly currentVersion: number;
  /** Automatic rotation period in days; null while automatic rotation is off. */
  readonly rotationPeriodDays: number | null;
  /** When the next automatic rotation is due; null while automatic rotation is off. */
  readonly nextRotationAt: number | null;
  /** Created with XStrongroomExportable (ExportKeyMaterial may wrap its material); fixed at creation. */
  readonly exportable: boolean;
};

export type RotationType = 'AUTOMATIC' | 'ON_DEMAND';
export type ExpirationModel = 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';

export type MaterialRow = {
  readonly keyId: string;
  readonly version: number;
  readonly materialId: string;
  /** The material wrapped under the root key; null once imported material is deleted or expired. */
  readonly wrapped: Uint8Array | null;
  readonly createdAt: number;
  /** How this version replaced the one before it; null for a key's first material. */
  readonly rotationType: RotationType | null;
  /** When that rotation made this version current. */
  readonly rotatedAt: number | null;
  readonly expirationModel: ExpirationModel | null;
  readonly validTo: number | null;
  readonly description: string | null;
};

export type ImportTokenRow = {
  readonly tokenHash: Uint8Array;
  readonly keyId: string;
  readonly wrappingAlgorithm: string;
  readonly wrappingKeySpec: string;
  readonly privateKeyWrapped: Uint8Array;
  readonly createdAt: number;
  readonly validTo: number;
};

export type AliasRow = {
  readonly aliasName: string;
  readonly keyId: string;
  readonly createdAt: number;
  readonly updatedAt: number;
};

export type TagRow = { readonly tagKey: string; readonly tagValue: string };

export type RawKey = {
  key_id: string;
  created_at: number;
  description: string;
  key_spec: string;
  key_usage: string;
  origin: string;
  key_manager: string;
  key_state: string;
  deletion_date: number | null;
  pending_window_days: number | null;
  multi_region: number;
  policy: string;
  policy_bindings: string;
  current_version: number;
  rotation_period_days: number | null;
  next_rotation_at: number | null;
  exportable: number;
};

export function toKeyRow(r: RawKey): KeyRow {
  return {
    keyId: r.key_id,
    createdAt: r.created_at,
    description: r.description,
    keySpec: r.key_spec as KeySpec,
    keyUsage: r.key_usage as KeyUsage,
    origin: r.origin as Origin,
    keyManager: r.key_manager === 'AWS' ? 'AWS' : 'CUSTOMER',
    keyState: r.key_state as KeyState,
    deletionDate: r.deletion_date,
    pendingWindowDays: r.pending_window_days,
    multiRegion: r.multi_region !== 0,
    policy: r.policy,
    policyBindings: r.policy_bindings,
    currentVersion: r.current_version,
    rotationPeriodDays: r.rotation_period_days,
    nextRotationAt: r.next_rotation_at,
    exportable: r.exportable === 1,
  };
}

export type RawMaterial = {
  key_id: string;
  version: number;
  material_id: string;
  wrapped: Buffer | null;
  created_at: number;
  rotation_type: string | null;
  rotated_at: number | null;
  expiration_model: string | null;
  valid_to: number | null;
  description: string | null;
};

export function toMaterialRow(r: RawMaterial): MaterialRow {
  return {
    keyId: r.key_id,
    version: r.version,
    materialId: r.material_id,
    wrapped: r.wrapped,
    createdAt: r.created_at,
    rotationType: r.rotation_type === 'AUTOMATIC' || r.rotation_type === 'ON_DEMAND' ? r.rotation_type : null,
    rotatedAt: r.rotated_at,
    expirationModel:
      r.expiration_model === 'KEY_MATERIAL_EXPIRES' || r.expiration_model === 'KEY_MATERIAL_DOES_NOT_EXPIRE' ? r.expiration_model : null,
    validTo: r.valid_to,
    description: r.description,
  };
}

export type RawImportToken = {
  token_hash: Buffer;
  key_id: string;
  wrapping_algorithm: string;
  wrapping_key_spec: string;
  private_key_wrapped: Buffer;
  created_at: number;
  valid_to: number;
};

export type RawAlias = { alias_name: string; key_id: string; created_at: number; updated_at: number };

export function toAliasRow(r: RawAlias): AliasRow {
  return { aliasName: r.alias_name, keyId: r.key_id, createdAt: r.created_at, updatedAt: r.updated_at };
}
