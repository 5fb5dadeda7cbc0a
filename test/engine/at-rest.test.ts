// Invariant 1: no key material in the clear at rest. After a busy session, every byte of the
// data directory (SQLite file, WAL, shared memory) is scanned for every key's material, every
// data key and plaintext the engine handled, and the root key; none may appear.
import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { materialPurpose } from '../../electron/kms/crypto/key-specs.ts';
import { unwrapMaterial } from '../../electron/kms/crypto/material-wrap.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import type { KeySpec, KeyUsage } from '../../shared/api/operations.ts';
import { bytes, newEngine } from '../support/engine.ts';

function dataDirBytes(dir: string): Array<{ name: string; data: Buffer }> {
  return readdirSync(dir).map((name) => ({ name, data: readFileSync(join(dir, name)) }));
}

describe('no key material in the clear at rest', () => {
  it('finds no material, data key, plaintext or root key in any file of the data directory', async () => {
    const t = await newEngine();
    try {
      const secrets: Array<{ what: string; value: Uint8Array }> = [];
      for (let i = 0; i < 5; i++) {
        const keyId = (await t.kms.invoke('CreateKey', { Description: `k${i}` })).KeyMetadata.KeyId;
        for (let j = 0; j < 4; j++) {
          const dk = await t.kms.invoke('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { n: String(j) } });
          secrets.push({ what: `data key ${i}.${j}`, value: dk.Plaintext });
          const plaintext = bytes(`plaintext number ${i}.${j} — a sentence long enough to be unique`);
          secrets.push({ what: `plaintext ${i}.${j}`, value: plaintext });
          const enc = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: plaintext });
          await t.kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob });
        }
      }
      // The clear material of every key version, recovered the only way there is: with the root key.
      const rootKey = await new MemoryRootKeyProvider().load(t.kms.installation.installationId, '');
      secrets.push({ what: 'root key', value: rootKey });
      const db = new Database(join(t.dir, DATABASE_FILE), { readonly: true });
      const rows = db.prepare('SELECT m.key_id, m.version, m.wrapped, k.key_spec, k.key_usage FROM key_material m JOIN keys k USING (key_id)').all() as Array<{
        key_id: string; version: number; wrapped: Buffer; key_spec: KeySpec; key_usage: KeyUsage;
      }>;
      db.close();
      expect(rows.length).toBe(5);
      for (const r of rows) {
        const material = unwrapMaterial(rootKey, { keyId: r.key_id, version: r.version, purpose: materialPurpose(r.key_spec, r.key_usage) }, r.wrapped);
        expect(material).not.toBeNull();
        secrets.push({ what: `material of ${r.key_id} v${r.version}`, value: material ?? new Uint8Array() });
      }

      const files = dataDirBytes(t.dir);
      expect(files.map((f) => f.name)).toContain(`${DATABASE_FILE}-wal`);
      const found: Array<string> = [];
      for (const s of secrets) {
        const needles = [Buffer.from(s.value), Buffer.from(Buffer.from(s.value).toString('base64')), Buffer.from(Buffer.from(s.value).toString('hex'))];
        for (const f of files) {
          for (const n of needles) {
            if (f.data.includes(n)) {
              found.push(`${s.what} in ${f.name}`);
            }
          }
        }
      }
      expect(found).toEqual([]);
      // The scan can find things: the wrapped material is in the files, as bytes.
      expect(files.some((f) => f.data.includes(rows[0]?.wrapped ?? Buffer.alloc(1)))).toBe(true);
    } finally {
      t.cleanup();
    }
  });
});
