// An inspection workspace: other installations' audit exports, each verified on import, kept in
// a SQLite file of its own (never the live log), and queried together — which desktop, which key,
// when. Each installation's audit public key is pinned at its first import (or given by the
// caller), so a later export claiming to be from that installation but signed by another key is
// refused. Overlapping imports must agree record for record; a disagreement means one was altered.

import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ValidationException } from '../errors.ts';
import { AUDIT_RECORD_COLUMNS } from '../store/migrations/0005-audit.ts';
import { publicKeyFingerprint, readPublicKey, spkiOf } from './checkpoints.ts';
import { readExport, verifyExport, type ExportVerifyReport } from './export.ts';
import { AuditQueries, type AuditPage, type AuditQueryInput } from './query.ts';

export const WORKSPACE_FILE = 'audit-workspace.db';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS sources (
    source          INTEGER PRIMARY KEY,
    installation_id TEXT    NOT NULL UNIQUE,
    label           TEXT    NOT NULL UNIQUE,
    account_id      TEXT    NOT NULL,
    region          TEXT    NOT NULL,
    key_fingerprint TEXT    NOT NULL,
    public_key      BLOB    NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS imports (
    id          INTEGER PRIMARY KEY,
    source      INTEGER NOT NULL REFERENCES sources(source),
    file_name   TEXT    NOT NULL,
    file_sha256 TEXT    NOT NULL,
    first_seq   INTEGER,
    last_seq    INTEGER,
    added       INTEGER NOT NULL,
    trust       TEXT    NOT NULL,
    imported_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS records (
    id        INTEGER PRIMARY KEY,
    source    INTEGER NOT NULL REFERENCES sources(source),
    seq       INTEGER NOT NULL,
    record    TEXT    NOT NULL,
    prev_hash BLOB    NOT NULL,
    hash      BLOB    NOT NULL,${AUDIT_RECORD_COLUMNS},
    UNIQUE (source, seq)
  ) STRICT;
  CREATE INDEX IF NOT EXISTS ws_by_time ON records (event_time);
  CREATE INDEX IF NOT EXISTS ws_by_event ON records (event_name, event_time);
  CREATE INDEX IF NOT EXISTS ws_by_request ON records (request_id);
  CREATE INDEX IF NOT EXISTS ws_by_error ON records (error_code, event_time) WHERE error_code IS NOT NULL;
  CREATE INDEX IF NOT EXISTS ws_failures ON records (event_time) WHERE error_code IS NOT NULL;
  CREATE INDEX IF NOT EXISTS ws_by_principal ON records (principal, event_time);
  CREATE INDEX IF NOT EXISTS ws_by_key ON records (key_id, event_time) WHERE key_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS ws_by_key2 ON records (key_id2, event_time) WHERE key_id2 IS NOT NULL;
`;

export type WorkspaceSource = {
  readonly installationId: string;
  readonly label: string;
  readonly accountId: string;
  readonly region: string;
  readonly keyFingerprint: string;
  readonly records: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  readonly firstTime: string | null;
  readonly lastTime: string | null;
};

export type ImportResult = {
  readonly installationId: string;
  readonly label: string;
  readonly records: number;
  readonly added: number;
  readonly trust: ExportVerifyReport['trust'] | 'pinned-key';
  readonly keyFingerprint: string;
};

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

export class AuditWorkspace {
  readonly #db: Database.Database;
  readonly #queries: AuditQueries;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.exec(SCHEMA);
    const bySource = new Map<number, string>();
    this.#queries = new AuditQueries(this.#db, {
      table: 'records',
      rowid: 'id',
      sources: {
        find: (installation) =>
          this.#db
            .prepare<[string, string], { source: number }>('SELECT source FROM sources WHERE installation_id = ? OR label = ?')
            .all(installation, installation)
            .map((r) => r.source),
        installationId: (source) => {
          let id = bySource.get(source);
          if (id === undefined) {
            id = this.#db.prepare<[number], { id: string }>('SELECT installation_id AS id FROM sources WHERE source = ?').get(source)?.id ?? '';
            bySource.set(source, id);
          }
          return id;
        },
      },
    });
  }

  close(): void {
    this.#db.close();
  }

  /**
   * Verifies an export and adds its records. Refused, with nothing added, when the export does not
   * verify, is signed by a key other than the trusted one (or the one pinned for its installation),
   * or disagrees with records already imported.
   */
  async import(file: string, options: { trustedPublicKey?: KeyObject; label?: string; nowMs: number }): Promise<ImportResult> {
    const reader = await readExport(file);
    const installationId = reader.header.installationId;
    const pinned = this.#db
      .prepare<[string], { source: number; label: string; key_fingerprint: string; public_key: Uint8Array }>('SELECT source, label, key_fingerprint, public_key FROM sources WHERE installation_id = ?')
      .get(installationId);
    const trustedKey = options.trustedPublicKey ?? (pinned === undefined ? undefined : readPublicKey(new Uint8Array(pinned.public_key)));
    if (pinned !== undefined && options.trustedPublicKey !== undefined && publicKeyFingerprint(spkiOf(options.trustedPublicKey)) !== pinned.key_fingerprint) {
      throw new ValidationException(
        `Installation ${installationId} is pinned in this workspace to audit key ${pinned.key_fingerprint.slice(0, 16)}…; the key given is a different one. Use a new workspace to import with another key.`,
      );
    }
    const report = await verifyExport(reader, trustedKey);
    if (!report.ok) {
      const problem = report.problem;
      throw new ValidationException(`${basename(file)} does not verify, so nothing was imported: ${problem?.detail ?? 'unknown problem'}.`);
    }
    const trust: ImportResult['trust'] = options.trustedPublicKey !== undefined ? 'trusted-key' : pinned !== undefined ? 'pinned-key' : report.trust;
    const spki = trustedKey === undefined ? new Uint8Array(Buffer.from(reader.header.publicKey, 'base64')) : spkiOf(trustedKey);
    const fileSha256 = await sha256Of(file);
    const rows: Array<readonly [number, string, string, string]> = [];
    for await (const row of reader.rows()) {
      rows.push(row);
    }
    const label = options.label ?? pinned?.label ?? `${reader.header.accountId}/${installationId.slice(0, 8)}`;
    const labelOwner = this.#db.prepare<[string], { installation_id: string }>('SELECT installation_id FROM sources WHERE label = ?').get(label);
    if (labelOwner !== undefined && labelOwner.installation_id !== installationId) {
      throw new ValidationException(`The label ${JSON.stringify(label)} already names installation ${labelOwner.installation_id} in this workspace; choose another label.`, { inputs: ['label'] });
    }
    const added = this.#db
      .transaction(() => {
        let source = pinned?.source;
        if (source !== undefined && label !== pinned?.label) {
          this.#db.prepare('UPDATE sources SET label = ? WHERE source = ?').run(label, source);
        }
        if (source === undefined) {
          source = Number(
            this.#db
              .prepare('INSERT INTO sources (installation_id, label, account_id, region, key_fingerprint, public_key) VALUES (?, ?, ?, ?, ?, ?)')
              .run(installationId, label, reader.header.accountId, reader.header.region, publicKeyFingerprint(spki), Buffer.from(spki)).lastInsertRowid,
          );
        }
        const existing = this.#db.prepare<[number, number], { hash: string }>('SELECT lower(hex(hash)) AS hash FROM records WHERE source = ? AND seq = ?');
        const insert = this.#db.prepare('INSERT INTO records (source, seq, record, prev_hash, hash) VALUES (?, ?, ?, ?, ?)');
        let count = 0;
        for (const [seq, prev, hash, record] of rows) {
          const have = existing.get(source, seq);
          if (have !== undefined) {
            if (have.hash !== hash.toLowerCase()) {
              throw new ValidationException(
                `${basename(file)} disagrees with records already imported from installation ${installationId} at record ${seq}: one of the two exports was altered. Nothing was imported.`,
              );
            }
            continue;
          }
          insert.run(source, seq, record, Buffer.from(prev, 'hex'), Buffer.from(hash, 'hex'));
          count++;
        }
        this.#db
          .prepare('INSERT INTO imports (source, file_name, file_sha256, first_seq, last_seq, added, trust, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(source, basename(file), fileSha256, report.walk.firstSeq, report.walk.lastSeq, count, trust, options.nowMs);
        return count;
      })
      .immediate();
    return { installationId, label, records: rows.length, added, trust, keyFingerprint: report.keyFingerprint };
  }

  /** The installations imported so far, with their record counts and time spans. */
  sources(): Array<WorkspaceSource> {
    return this.#db
      .prepare<[], { installation_id: string; label: string; account_id: string; region: string; key_fingerprint: string; n: number; lo: number | null; hi: number | null; t0: string | null; t1: string | null }>(
        `SELECT s.installation_id, s.label, s.account_id, s.region, s.key_fingerprint,
                count(r.id) AS n, min(r.seq) AS lo, max(r.seq) AS hi, min(r.event_time) AS t0, max(r.event_time) AS t1
         FROM sources s LEFT JOIN records r ON r.source = s.source GROUP BY s.source ORDER BY s.label`,
      )
      .all()
      .map((r) => ({
        installationId: r.installation_id,
        label: r.label,
        accountId: r.account_id,
        region: r.region,
        keyFingerprint: r.key_fingerprint,
        records: r.n,
        firstSeq: r.lo,
        lastSeq: r.hi,
        firstTime: r.t0,
        lastTime: r.t1,
      }));
  }

  query(input: AuditQueryInput): AuditPage {
    return this.#queries.query(input);
  }
}
