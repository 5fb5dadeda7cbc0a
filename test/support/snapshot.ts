// A snapshot of everything an installation stores except the audit log, to prove that a
// rejected request changed nothing.
import type Database from 'better-sqlite3';

const TABLES = ['installation', 'keys', 'key_material', 'aliases', 'tags', 'access_keys', 'import_tokens', 'principals', 'identity_policies', 'grants'] as const;

export function snapshotState(db: Database.Database): string {
  const out: Record<string, unknown> = {};
  for (const table of TABLES) {
    out[table] = db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all().map((row) =>
      Object.fromEntries(Object.entries(row as Record<string, unknown>).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v])),
    );
  }
  return JSON.stringify(out);
}
