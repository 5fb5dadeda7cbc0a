// Schema version 3: key lifecycle. Rotation settings per key; per-version material metadata
// (how the version came to be, imported material's expiry); wrapped material that can be
// destroyed while its row stays (imported material is deleted or expires, but re-import must
// prove it is the same material, which the stored KeyMaterialId does); import tokens; and the
// developer installation's clock offset (time travel).

import type Database from 'better-sqlite3';

export function updateToSchemaVersion3(db: Database.Database): void {
  db.exec(`
    ALTER TABLE keys ADD COLUMN rotation_period_days INTEGER;  -- NULL: automatic rotation off
    ALTER TABLE keys ADD COLUMN next_rotation_at     INTEGER;  -- set while rotation is on

    -- Rebuilt rather than altered: SQLite cannot drop NOT NULL from a column. key_material is a
    -- child table only, so dropping it leaves the keys table's references intact.
    CREATE TABLE key_material_v3 (
      key_id           TEXT    NOT NULL REFERENCES keys(key_id) ON DELETE CASCADE,
      version          INTEGER NOT NULL,
      material_id      TEXT    NOT NULL,
      wrapped          BLOB,             -- NULL once imported material is deleted or has expired
      created_at       INTEGER NOT NULL,
      rotation_type    TEXT,             -- 'AUTOMATIC' | 'ON_DEMAND'; NULL until the version became current by a rotation
      rotated_at       INTEGER,          -- when that rotation made it current
      expiration_model TEXT,             -- imported material only
      valid_to         INTEGER,          -- imported material that expires
      description      TEXT,             -- imported material's KeyMaterialDescription
      PRIMARY KEY (key_id, version)
    ) STRICT;
    INSERT INTO key_material_v3 (key_id, version, material_id, wrapped, created_at)
      SELECT key_id, version, material_id, wrapped, created_at FROM key_material;
    DROP TABLE key_material;
    ALTER TABLE key_material_v3 RENAME TO key_material;
    CREATE INDEX key_material_expiring ON key_material(valid_to) WHERE valid_to IS NOT NULL AND wrapped IS NOT NULL;

    CREATE TABLE import_tokens (
      token_hash          BLOB    PRIMARY KEY,  -- SHA-256 of the token handed out
      key_id              TEXT    NOT NULL REFERENCES keys(key_id) ON DELETE CASCADE,
      wrapping_algorithm  TEXT    NOT NULL,
      wrapping_key_spec   TEXT    NOT NULL,
      private_key_wrapped BLOB    NOT NULL,     -- PKCS#8 DER, AES-256-GCM under the root key
      created_at          INTEGER NOT NULL,
      valid_to            INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX import_tokens_by_key ON import_tokens(key_id);

    ALTER TABLE installation ADD COLUMN developer       INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE installation ADD COLUMN clock_offset_ms INTEGER NOT NULL DEFAULT 0;
  `);
}
