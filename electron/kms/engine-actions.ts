// The engine's named methods for Strongroom actions: typed shorthands, each one entry of the
// action table run through the pipeline by act(), plus the file-writing actions (audit export and
// archive, backup) that use the pipeline's one escape hatch. Kms (engine.ts) extends this, so the
// facade itself stays open, close and invoke.

import type { StrongroomActionInput, StrongroomActionName } from '../../shared/api/strongroom-actions.ts';
import type { ActionOutput, EngineServices } from './actions/table.ts';
import { archiveAuditLog, exportAuditLog, type ArchiveOptions, type ArchiveSummary, type AuditHost, type ExportOptions } from './audit/archive.ts';
import type { ExportSummary } from './audit/export.ts';
import type { AuditLog } from './audit/log.ts';
import { createBackup, type BackupCreateOptions, type BackupSummary } from './backup/create.ts';
import type { Caller } from './iam/caller.ts';
import type { InstallationInfo } from './installation.ts';
import type { InvokeOptions, Pipeline } from './pipeline.ts';
import type { PrincipalKind } from './iam/principal-id.ts';
import { resolvePrincipal, type IdentityPolicyRow, type PrincipalRow } from './iam/principals.ts';
import { resolveKey } from './resolve.ts';
import { SCHEMA_VERSION } from './store/migrate.ts';

/** What the shorthands need of an open engine; engineParts() throws once it is closed. */
export type EngineParts = { readonly services: EngineServices; readonly pipeline: Pipeline; readonly audit: AuditLog; readonly dataDir: string };

export abstract class KmsActions {
  /** Runs one Strongroom action (shared/api/strongroom-actions.ts) through the pipeline. */
  abstract act<N extends StrongroomActionName>(name: N, input: StrongroomActionInput<N>, options?: InvokeOptions): ActionOutput<N>;

  protected abstract engineParts(): EngineParts;

  createAccessKey(principal: string): ActionOutput<'CreateAccessKey'> {
    return this.act('CreateAccessKey', { Principal: principal });
  }
  listAccessKeys(): ActionOutput<'ListAccessKeys'> {
    return this.act('ListAccessKeys', {});
  }
  deleteAccessKey(accessKeyId: string): void {
    this.act('DeleteAccessKey', { AccessKeyId: accessKeyId });
  }
  createPrincipal(kind: PrincipalKind, name: string): PrincipalRow {
    return kind === 'user' ? this.act('CreateUser', { UserName: name }) : this.act('CreateRole', { RoleName: name });
  }
  listPrincipals(kind: PrincipalKind): Array<PrincipalRow> {
    return kind === 'user' ? this.act('ListUsers', {}) : this.act('ListRoles', {});
  }
  deletePrincipal(kind: PrincipalKind, name: string): ActionOutput<'DeleteUser'> {
    return kind === 'user' ? this.act('DeleteUser', { UserName: name }) : this.act('DeleteRole', { RoleName: name });
  }
  putIdentityPolicy(kind: PrincipalKind, name: string, policyName: string, document: string): void {
    const input = { PolicyName: policyName, PolicyDocument: document };
    void (kind === 'user' ? this.act('PutUserPolicy', { UserName: name, ...input }) : this.act('PutRolePolicy', { RoleName: name, ...input }));
  }
  getIdentityPolicy(kind: PrincipalKind, name: string, policyName: string): IdentityPolicyRow {
    return kind === 'user' ? this.act('GetUserPolicy', { UserName: name, PolicyName: policyName }) : this.act('GetRolePolicy', { RoleName: name, PolicyName: policyName });
  }
  listIdentityPolicies(kind: PrincipalKind, name: string): Array<string> {
    return kind === 'user' ? this.act('ListUserPolicies', { UserName: name }) : this.act('ListRolePolicies', { RoleName: name });
  }
  deleteIdentityPolicy(kind: PrincipalKind, name: string, policyName: string): void {
    void (kind === 'user' ? this.act('DeleteUserPolicy', { UserName: name, PolicyName: policyName }) : this.act('DeleteRolePolicy', { RoleName: name, PolicyName: policyName }));
  }
  addCustodian(name: string, publicKeyPem: string): ActionOutput<'AddCustodian'> {
    return this.act('AddCustodian', { CustodianName: name, PublicKeyPem: publicKeyPem });
  }
  listCustodians(): ActionOutput<'ListCustodians'> {
    return this.act('ListCustodians', {});
  }
  removeCustodian(name: string): ActionOutput<'RemoveCustodian'> {
    return this.act('RemoveCustodian', { CustodianName: name });
  }
  getQuorumRule(keyId: string): ActionOutput<'GetQuorumRule'> {
    return this.act('GetQuorumRule', { KeyId: keyId });
  }
  setQuorumRule(keyId: string, threshold: number, custodians: ReadonlyArray<string>, approvals: ReadonlyArray<unknown> = []): ActionOutput<'SetQuorumRule'> {
    return this.act('SetQuorumRule', { KeyId: keyId, Threshold: threshold, Custodians: [...custodians] }, { approvals });
  }
  clearQuorumRule(keyId: string, approvals: ReadonlyArray<unknown> = []): void {
    this.act('ClearQuorumRule', { KeyId: keyId }, { approvals });
  }
  createApprovalRequest(operation: string, input: Readonly<Record<string, unknown>>, expiresInMs?: number): ActionOutput<'CreateApprovalRequest'> {
    return this.act('CreateApprovalRequest', { Operation: operation, Input: input, ...(expiresInMs !== undefined ? { ExpiresInMs: expiresInMs } : {}) });
  }

  // --- External key stores (XKS proxy API, issue 24); `store` is an id (xks-…) or a URI prefix ---
  createXksKeyStore(uriPrefix: string): ActionOutput<'CreateXksKeyStore'> {
    return this.act('CreateXksKeyStore', { UriPrefix: uriPrefix });
  }
  listXksKeyStores(): ActionOutput<'ListXksKeyStores'> {
    return this.act('ListXksKeyStores', {});
  }
  deleteXksKeyStore(store: string): ActionOutput<'DeleteXksKeyStore'> {
    return this.act('DeleteXksKeyStore', { KeyStoreId: store });
  }
  addXksKey(keyId: string, store?: string, awsPrincipals?: ReadonlyArray<string>): ActionOutput<'AddXksKey'> {
    return this.act('AddXksKey', { KeyId: keyId, ...(store === undefined ? {} : { KeyStoreId: store }), ...(awsPrincipals === undefined ? {} : { AwsPrincipals: [...awsPrincipals] }) });
  }
  removeXksKey(keyId: string, store?: string): ActionOutput<'RemoveXksKey'> {
    return this.act('RemoveXksKey', { KeyId: keyId, ...(store === undefined ? {} : { KeyStoreId: store }) });
  }
  rotateXksCredentials(store?: string): ActionOutput<'RotateXksCredentials'> {
    return this.act('RotateXksCredentials', store === undefined ? {} : { KeyStoreId: store });
  }
  retireXksCredential(accessKeyId: string): ActionOutput<'RetireXksCredential'> {
    return this.act('RetireXksCredential', { AccessKeyId: accessKeyId });
  }

  /** Whether a key (id, ARN or alias) has a quorum rule: a lookup for the CLI's hints, not an action. */
  hasQuorumRule(keyId: string): boolean {
    const s = this.engineParts().services;
    const key = resolveKey({ operation: 'GetQuorumRule', repo: s.repo, scope: s.scope, touch: () => {} }, keyId, 'keyOrAlias');
    return s.quorum.getRule(key.keyId) !== null;
  }

  /**
   * The caller for `--as <principal>`: root, a user (alice, user/alice) or role/<name> that
   * exists now, or a full ARN of this account. @throws NotFoundException, ValidationException
   */
  callerFor(principal: string, userAgent: string): Caller {
    const s = this.engineParts().services;
    return { ...resolvePrincipal(s.principals, s.scope.accountId, principal), sourceIp: 'localhost', userAgent };
  }


  // --- File-writing actions: the pipeline's one escape hatch (pipeline.audited) ---

  #auditHost(): AuditHost & { readonly installation: InstallationInfo } {
    const p = this.engineParts();
    return { db: p.services.db, audit: p.audit, installation: p.services.installation, now: () => p.services.clock.now(), audited: (...a) => p.pipeline.audited(...a) };
  }

  /** Exports the audit log (or a time range of it) with its checkpoints; audited. */
  async exportAuditLog(options: ExportOptions): Promise<ExportSummary> {
        return exportAuditLog(this.#auditHost(), options);
  }

  /** Archives records older than options.before: export, verify, prune with an anchor; audited. */
  async archiveAuditLog(options: ArchiveOptions): Promise<ArchiveSummary> {
        return archiveAuditLog(this.#auditHost(), options);
  }

  /**
   * Writes an M-of-N backup of the whole installation (backup/create.ts). The root key leaves
   * the engine only inside that encrypted file. Audited as CreateBackup (never a share or a key).
   */
  async createBackup(options: BackupCreateOptions): Promise<BackupSummary> {
        const p = this.engineParts();
    const host = { ...this.#auditHost(), dataDir: p.dataDir, schemaVersion: SCHEMA_VERSION, rootKey: () => new Uint8Array(p.services.rootKey().export()) };
    return createBackup(host, options);
  }
}
