// Typed access to the grants table. A grant names its grantee and retiring principal by ARN (as
// listed) and by unique id (as evaluated), so a grant for a deleted principal never applies to
// a new one of the same name.

import type { GrantConstraints } from '../policy/evaluate.ts';
import type { Db } from './database.ts';

export type GrantRow = {
  readonly grantId: string;
  readonly keyId: string;
  readonly name: string | null;
  readonly granteeArn: string;
  readonly granteeId: string | null;
  readonly retiringArn: string | null;
  readonly retiringId: string | null;
  readonly operations: ReadonlyArray<string>;
  readonly constraints: GrantConstraints | null;
  readonly issuingAccount: string;
  readonly createdAt: number;
};

type RawGrant = {
  grant_id: string;
  key_id: string;
  name: string | null;
  grantee_arn: string;
  grantee_id: string | null;
  retiring_arn: string | null;
  retiring_id: string | null;
  operations: string;
  constraints: string | null;
  issuing_account: string;
  created_at: number;
};

function toRow(r: RawGrant): GrantRow {
  return {
    grantId: r.grant_id,
    keyId: r.key_id,
    name: r.name,
    granteeArn: r.grantee_arn,
    granteeId: r.grantee_id,
    retiringArn: r.retiring_arn,
    retiringId: r.retiring_id,
    operations: JSON.parse(r.operations) as Array<string>,
    constraints: r.constraints === null ? null : (JSON.parse(r.constraints) as GrantConstraints),
    issuingAccount: r.issuing_account,
    createdAt: r.created_at,
  };
}

export class GrantRepository {
  readonly #stmts;

  constructor(db: Db) {
    this.#stmts = {
      insert: db.prepare(
        `INSERT INTO grants (grant_id, key_id, name, grantee_arn, grantee_id, retiring_arn, retiring_id, operations,
           constraints, issuing_account, created_at)
         VALUES (@grantId, @keyId, @name, @granteeArn, @granteeId, @retiringArn, @retiringId, @operations,
           @constraints, @issuingAccount, @createdAt)`,
      ),
      get: db.prepare<[string], RawGrant>('SELECT * FROM grants WHERE grant_id = ?'),
      forKey: db.prepare<[string], RawGrant>('SELECT * FROM grants WHERE key_id = ? ORDER BY created_at, grant_id'),
      count: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM grants WHERE key_id = ?'),
      byName: db.prepare<[string, string], RawGrant>('SELECT * FROM grants WHERE key_id = ? AND name = ? ORDER BY created_at'),
      page: db.prepare<[string, string, number], RawGrant>(
        'SELECT * FROM grants WHERE key_id = ? AND grant_id > ? ORDER BY grant_id LIMIT ?',
      ),
      retirable: db.prepare<[string, string, number], RawGrant>(
        'SELECT * FROM grants WHERE retiring_arn = ? AND grant_id > ? ORDER BY grant_id LIMIT ?',
      ),
      delete: db.prepare('DELETE FROM grants WHERE grant_id = ?'),
    };
  }

  insert(row: GrantRow): void {
    this.#stmts.insert.run({
      ...row,
      operations: JSON.stringify(row.operations),
      constraints: row.constraints === null ? null : JSON.stringify(row.constraints),
    });
  }

  get(grantId: string): GrantRow | null {
    const r = this.#stmts.get.get(grantId);
    return r === undefined ? null : toRow(r);
  }

  forKey(keyId: string): Array<GrantRow> {
    return this.#stmts.forKey.all(keyId).map(toRow);
  }

  count(keyId: string): number {
    return this.#stmts.count.get(keyId)?.n ?? 0;
  }

  byName(keyId: string, name: string): Array<GrantRow> {
    return this.#stmts.byName.all(keyId, name).map(toRow);
  }

  /** One page of a key's grants in grant id order, after `afterGrantId` ('' for the first). */
  page(keyId: string, afterGrantId: string, limit: number): Array<GrantRow> {
    return this.#stmts.page.all(keyId, afterGrantId, limit).map(toRow);
  }

  retirable(retiringArn: string, afterGrantId: string, limit: number): Array<GrantRow> {
    return this.#stmts.retirable.all(retiringArn, afterGrantId, limit).map(toRow);
  }

  delete(grantId: string): boolean {
    return this.#stmts.delete.run(grantId).changes > 0;
  }
}
