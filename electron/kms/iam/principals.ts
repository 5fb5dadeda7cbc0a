// Local principals: IAM-style users and roles of the installation's account, each with a unique
// id for life (principal-id.ts), and the identity policies attached to them. The installation
// owner is the account root, which is not stored: it always exists.

import { parsePrincipal } from './access-keys.ts';
import type { CallerType } from './caller.ts';
import type { Clock } from '../clock.ts';
import { AlreadyExistsException, NotFoundException, ValidationException } from '../errors.ts';
import type { Scope } from '../identifiers.ts';
import { newPrincipalId, type PrincipalKind } from './principal-id.ts';
import type { Db } from '../store/database.ts';

export type PrincipalRow = {
  readonly principalId: string;
  readonly kind: PrincipalKind;
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
};

export type IdentityPolicyRow = { readonly policyName: string; readonly document: string; readonly updatedAt: number };

const IAM_NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

type RawPrincipal = { principal_id: string; kind: string; name: string; arn: string; created_at: number };

function toRow(r: RawPrincipal): PrincipalRow {
  return { principalId: r.principal_id, kind: r.kind === 'role' ? 'role' : 'user', name: r.name, arn: r.arn, createdAt: r.created_at };
}

export function checkPrincipalName(kind: PrincipalKind, name: string): void {
  if (!IAM_NAME.test(name)) {
    throw new ValidationException(`'${name}' is not a valid ${kind} name: use 1–64 letters, digits and + = , . @ _ -.`);
  }
}

export function checkPolicyName(name: string): void {
  if (!POLICY_NAME.test(name)) {
    throw new ValidationException(`'${name}' is not a valid policy name: use 1–128 letters, digits and + = , . @ _ -.`);
  }
}

export class PrincipalStore {
  readonly #scope: Scope;
  readonly #clock: Clock;
  readonly #stmts;

  constructor(db: Db, scope: Scope, clock: Clock) {
    this.#scope = scope;
    this.#clock = clock;
    this.#stmts = {
      insert: db.prepare('INSERT INTO principals (principal_id, kind, name, arn, created_at) VALUES (?, ?, ?, ?, ?)'),
      byArn: db.prepare<[string], RawPrincipal>('SELECT * FROM principals WHERE arn = ?'),
      byId: db.prepare<[string], RawPrincipal>('SELECT * FROM principals WHERE principal_id = ?'),
      list: db.prepare<[string], RawPrincipal>('SELECT * FROM principals WHERE kind = ? ORDER BY name'),
      delete: db.prepare('DELETE FROM principals WHERE principal_id = ?'),
      deleteAccessKeys: db.prepare('DELETE FROM access_keys WHERE principal_id = ?'),
      putPolicy: db.prepare(
        `INSERT INTO identity_policies (principal_id, policy_name, document, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (principal_id, policy_name) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`,
      ),
      getPolicy: db.prepare<[string, string], { policy_name: string; document: string; updated_at: number }>(
        'SELECT policy_name, document, updated_at FROM identity_policies WHERE principal_id = ? AND policy_name = ?',
      ),
      policies: db.prepare<[string], { policy_name: string; document: string; updated_at: number }>(
        'SELECT policy_name, document, updated_at FROM identity_policies WHERE principal_id = ? ORDER BY policy_name',
      ),
      deletePolicy: db.prepare('DELETE FROM identity_policies WHERE principal_id = ? AND policy_name = ?'),
    };
  }

  arnFor(kind: PrincipalKind, name: string): string {
    return `arn:aws:iam::${this.#scope.accountId}:${kind}/${name}`;
  }

  create(kind: PrincipalKind, name: string): PrincipalRow {
    checkPrincipalName(kind, name);
    const arn = this.arnFor(kind, name);
    if (this.#stmts.byArn.get(arn) !== undefined) {
      throw new AlreadyExistsException(`A ${kind} named '${name}' already exists (${arn}).`);
    }
    const row: PrincipalRow = { principalId: newPrincipalId(kind), kind, name, arn, createdAt: this.#clock.now() };
    this.#stmts.insert.run(row.principalId, kind, name, arn, row.createdAt);
    return row;
  }

  byArn(arn: string): PrincipalRow | null {
    const r = this.#stmts.byArn.get(arn);
    return r === undefined ? null : toRow(r);
  }

  byId(principalId: string): PrincipalRow | null {
    const r = this.#stmts.byId.get(principalId);
    return r === undefined ? null : toRow(r);
  }

  /** The principal `kind`/`name`, or NotFoundException saying how to list them. */
  get(kind: PrincipalKind, name: string): PrincipalRow {
    const row = this.byArn(this.arnFor(kind, name));
    if (row === null) {
      throw new NotFoundException(`There is no ${kind} named '${name}' in account ${this.#scope.accountId}. \`strongroom list-${kind}s\` lists them.`);
    }
    return row;
  }

  list(kind: PrincipalKind): Array<PrincipalRow> {
    return this.#stmts.list.all(kind).map(toRow);
  }

  /**
   * Deletes a principal with its identity policies and access keys. Policies and grants that
   * named it stay, bound to its unique id, so they never apply to a new principal of that name.
   * Returns how many access keys went with it.
   */
  delete(kind: PrincipalKind, name: string): { readonly principal: PrincipalRow; readonly accessKeys: number } {
    const principal = this.get(kind, name);
    const accessKeys = this.#stmts.deleteAccessKeys.run(principal.principalId).changes;
    this.#stmts.delete.run(principal.principalId);
    return { principal, accessKeys };
  }

  putPolicy(principalId: string, policyName: string, document: string): void {
    checkPolicyName(policyName);
    this.#stmts.putPolicy.run(principalId, policyName, document, this.#clock.now());
  }

  getPolicy(principal: PrincipalRow, policyName: string): IdentityPolicyRow {
    const r = this.#stmts.getPolicy.get(principal.principalId, policyName);
    if (r === undefined) {
      throw new NotFoundException(`${principal.kind} '${principal.name}' has no policy named '${policyName}'.`);
    }
    return { policyName: r.policy_name, document: r.document, updatedAt: r.updated_at };
  }

  policies(principalId: string): Array<IdentityPolicyRow> {
    return this.#stmts.policies.all(principalId).map((r) => ({ policyName: r.policy_name, document: r.document, updatedAt: r.updated_at }));
  }

  deletePolicy(principal: PrincipalRow, policyName: string): void {
    if (this.#stmts.deletePolicy.run(principal.principalId, policyName).changes === 0) {
      throw new NotFoundException(`${principal.kind} '${principal.name}' has no policy named '${policyName}'.`);
    }
  }
}

/** A caller's principal as `--as`, access keys and SimulatePolicy name it, resolved to who it is now. */
export type ResolvedPrincipal = { readonly arn: string; readonly type: CallerType; readonly principalId?: string };

/**
 * Resolves 'root', 'alice', 'user/alice', 'role/name' or a full ARN of this account to an
 * existing principal. @throws ValidationException (malformed) or NotFoundException (no such principal)
 */
export function resolvePrincipal(store: PrincipalStore, accountId: string, given: string): ResolvedPrincipal {
  const parsed = parsePrincipal(accountId, given);
  if (parsed.type === 'Root') {
    return parsed;
  }
  const row = store.byArn(parsed.arn);
  if (row === null) {
    const [kind = 'user', name = ''] = parsed.arn.split(':').pop()?.split('/') ?? [];
    throw new NotFoundException(`There is no ${kind} named '${name}' in account ${accountId}. Create it with \`strongroom create-${kind} --${kind}-name ${name}\`.`);
  }
  return { ...parsed, principalId: row.principalId };
}
