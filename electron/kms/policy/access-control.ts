// Access control for the engine: turns a call (caller, action, key, request) into an
// evaluation request — the key policy with its principal bindings, the caller's identity
// policies, the key's grants, the request's condition values — and answers with a Decision, or
// AccessDeniedException in AWS's words. Parsed policies are cached by their text, so a
// request pays for evaluation, not for JSON parsing; the text itself is read with the key, so
// a policy changed by another process (the CLI beside a running endpoint) applies at once.

import { createHmac, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Caller } from '../iam/caller.ts';
import { AccessDeniedException, InvalidGrantTokenException, MalformedPolicyDocumentException } from '../errors.ts';
import { keyArn, type Scope } from '../identifiers.ts';
import type { PrincipalStore } from '../iam/principals.ts';
import type { GrantRepository, GrantRow } from '../store/grants.ts';
import type { KeyRepository, KeyRow } from '../store/repository.ts';
import { ACCOUNT_ACTIONS } from './actions.ts';
import { parsePolicy, type PolicyDocument, type PolicyKind } from './document.ts';
import { evaluate, type BoundKeyPolicy, type CallerIdentity, type Decision } from './evaluate.ts';
import { encryptionContextFor, requestConditions } from './request-context.ts';

export type AccessQuery = {
  readonly caller: Caller;
  readonly action: string;
  /** The key acted on; null for account-level actions and alias resources. */
  readonly key: KeyRow | null;
  /** The resource ARN when it is not the key's (an alias); defaults to the key's ARN or '*'. */
  readonly resource?: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly now: number;
  /** Evaluate this key policy instead of the stored one (lockout check, simulation of a draft). */
  readonly keyPolicy?: BoundKeyPolicy;
  /** Extra condition values (lower-case keys) that override the request's: simulation only. */
  readonly extraConditions?: ReadonlyMap<string, ReadonlyArray<string>>;
};

const CACHE_LIMIT = 512;
const TOKEN_LABEL = 'strongroom/grant-token/v1';
const GRANT_ID_BYTES = 32;
const TOKEN_NONCE_BYTES = 16;
const TOKEN_TAG_BYTES = 16;

export class AccessControl {
  readonly #repo: KeyRepository;
  readonly #grants: GrantRepository;
  readonly #principals: PrincipalStore;
  readonly #scope: Scope;
  readonly #tokenKey: () => KeyObject;
  readonly #parsed = new Map<string, PolicyDocument>();
  /** Per key: the policy text and bindings last seen, and their parse (compared, not re-hashed, per call). */
  readonly #keyPolicies = new Map<string, { readonly text: string; readonly bindingsText: string; readonly bound: BoundKeyPolicy }>();

  constructor(repo: KeyRepository, grants: GrantRepository, principals: PrincipalStore, scope: Scope, tokenKey: () => KeyObject) {
    this.#repo = repo;
    this.#grants = grants;
    this.#principals = principals;
    this.#scope = scope;
    this.#tokenKey = tokenKey;
  }

  /** Parses (or finds in the cache) a policy document. @throws MalformedPolicyDocumentException */
  parse(text: string, kind: PolicyKind): PolicyDocument {
    const cacheKey = `${kind}\u0000${text}`;
    let doc = this.#parsed.get(cacheKey);
    if (doc === undefined) {
      doc = parsePolicy(text, kind);
      if (this.#parsed.size >= CACHE_LIMIT) {
        this.#parsed.clear();
      }
      this.#parsed.set(cacheKey, doc);
    }
    return doc;
  }

  /**
   * Validates a key policy for storing and binds each user or role of this account it names to
   * that principal's unique id. Naming one that does not exist is an error, as in AWS.
   */
  bindKeyPolicy(text: string): BoundKeyPolicy & { readonly bindingsJson: string } {
    const document = this.parse(text, 'key');
    const bindings: Record<string, string> = {};
    const ownPrefix = `arn:aws:iam::${this.#scope.accountId}:`;
    for (const arn of document.principalArns) {
      if (!arn.startsWith(ownPrefix) || arn === `${ownPrefix}root`) {
        continue;
      }
      const principal = this.#principals.byArn(arn);
      if (principal === null) {
        throw new MalformedPolicyDocumentException(
          `Policy contains a statement with one or more invalid principals: ${arn} does not exist. Create it first (strongroom create-user / create-role), or name the account (arn:aws:iam::${this.#scope.accountId}:root).`,
        );
      }
      bindings[arn] = principal.principalId;
    }
    return { document, bindings, bindingsJson: JSON.stringify(bindings) };
  }

  /** A stored key's policy, parsed, with its bindings. */
  keyPolicy(key: KeyRow): BoundKeyPolicy {
    const cached = this.#keyPolicies.get(key.keyId);
    if (cached !== undefined && cached.text === key.policy && cached.bindingsText === key.policyBindings) {
      return cached.bound;
    }
    const bound = { document: this.parse(key.policy, 'key'), bindings: JSON.parse(key.policyBindings) as Record<string, string> };
    if (this.#keyPolicies.size >= CACHE_LIMIT) {
      this.#keyPolicies.clear();
    }
    this.#keyPolicies.set(key.keyId, { text: key.policy, bindingsText: key.policyBindings, bound });
    return bound;
  }

  /**
   * The policy as GetKeyPolicy shows it. A user or role the policy named that has since been
   * deleted (or re-created: a new unique id) is shown by the unique id the policy still means,
   * as AWS shows it, so nobody mistakes it for the new principal of that name.
   */
  displayPolicy(key: KeyRow): string {
    const bindings = this.keyPolicy(key).bindings;
    const stale = Object.entries(bindings).filter(([arn, id]) => this.#principals.byArn(arn)?.principalId !== id);
    if (stale.length === 0) {
      return key.policy;
    }
    const replace = (v: unknown): unknown => {
      if (typeof v === 'string') {
        return stale.find(([arn]) => arn === v)?.[1] ?? v;
      }
      return Array.isArray(v) ? v.map(replace) : v;
    };
    const doc = JSON.parse(key.policy) as { Statement: unknown };
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    for (const s of statements as Array<Record<string, unknown>>) {
      for (const member of ['Principal', 'NotPrincipal']) {
        const p = s[member];
        if (typeof p === 'object' && p !== null && 'AWS' in p) {
          (p as Record<string, unknown>).AWS = replace((p as Record<string, unknown>).AWS);
        }
      }
    }
    return JSON.stringify(doc, null, 2);
  }

  /** The caller as evaluation sees it; a caller whose principal was deleted is refused outright. */
  identity(caller: Caller, action: string, resource: string): CallerIdentity {
    if (caller.principalId !== undefined && this.#principals.byId(caller.principalId) === null) {
      throw new AccessDeniedException(
        `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource} because the principal no longer exists`,
      );
    }
    return { arn: caller.arn, accountId: this.#scope.accountId, principalId: caller.principalId ?? null };
  }

  decide(q: AccessQuery): Decision {
    const resource = q.resource ?? (q.key === null ? null : keyArn(this.#scope, q.key.keyId));
    const identity = this.identity(q.caller, q.action, resource ?? '*');
    const usesKeyPolicy = q.key !== null && q.resource === undefined && !ACCOUNT_ACTIONS.has(q.action);
    const base = requestConditions({ caller: q.caller, scope: this.#scope, now: q.now, action: q.action, input: q.input, key: q.key, repo: this.#repo });
    const extra = q.extraConditions;
    const conditions = extra === undefined ? base : (k: string) => extra.get(k) ?? base(k);
    const request = {
      caller: identity,
      action: q.action,
      resource,
      keyPolicy: usesKeyPolicy && q.key !== null ? (q.keyPolicy ?? this.keyPolicy(q.key)) : null,
      identityPolicies:
        identity.principalId === null
          ? []
          : this.#principals.policies(identity.principalId).map((p) => ({ name: p.policyName, document: this.parse(p.document, 'identity') })),
      grants: [],
      encryptionContext: encryptionContextFor(q.action, q.input),
      conditions,
    };
    const first = evaluate(request);
    if (first.decision !== 'ImplicitDeny' || request.keyPolicy === null || q.key === null) {
      return first;
    }
    // Grants are read only when the policies alone do not allow: the common path stays one read.
    const grants = this.#grants.forKey(q.key.keyId);
    return grants.length === 0 ? first : evaluate({ ...request, grants });
  }

  /** @throws AccessDeniedException with AWS's message unless the call is allowed. */
  authorize(q: AccessQuery): void {
    const decision = this.decide(q);
    if (decision.decision !== 'Allow') {
      const keyArnOf = q.key === null ? null : keyArn(this.#scope, q.key.keyId);
      const aliases = q.key === null ? [] : this.#repo.aliasNamesForKey(q.key.keyId).sort();
      throw new AccessDeniedException(decision.message, { denial: { keyArn: keyArnOf, aliases, explanation: decision.explanation } });
    }
  }

  /** A new grant id: 64 hex characters, as AWS's are. */
  static newGrantId(): string {
    return randomBytes(GRANT_ID_BYTES).toString('hex');
  }

  #tokenTag(grantId: Uint8Array, nonce: Uint8Array): Buffer {
    return createHmac('sha256', this.#tokenKey()).update(TOKEN_LABEL).update(grantId).update(nonce).digest().subarray(0, TOKEN_TAG_BYTES);
  }

  /**
   * A fresh grant token: the grant id, a nonce and a MAC under the root key. Every CreateGrant
   * returns a new one; all of a grant's tokens are interchangeable.
   */
  grantToken(grantId: string): string {
    const id = Buffer.from(grantId, 'hex');
    const nonce = randomBytes(TOKEN_NONCE_BYTES);
    return Buffer.concat([id, nonce, this.#tokenTag(id, nonce)]).toString('base64url');
  }

  /** The grant a token names. @throws InvalidGrantTokenException for a forged, malformed or retired grant's token. */
  grantForToken(token: string): GrantRow {
    const bytes = /^[A-Za-z0-9_-]+={0,2}$/.test(token) ? Buffer.from(token, 'base64url') : Buffer.alloc(0);
    const invalid = () => new InvalidGrantTokenException('The grant token is not valid: pass a GrantToken exactly as CreateGrant returned it, for a grant that has not been retired or revoked.');
    if (bytes.length !== GRANT_ID_BYTES + TOKEN_NONCE_BYTES + TOKEN_TAG_BYTES) {
      throw invalid();
    }
    const id = bytes.subarray(0, GRANT_ID_BYTES);
    const nonce = bytes.subarray(GRANT_ID_BYTES, GRANT_ID_BYTES + TOKEN_NONCE_BYTES);
    if (!timingSafeEqual(bytes.subarray(GRANT_ID_BYTES + TOKEN_NONCE_BYTES), this.#tokenTag(id, nonce))) {
      throw invalid();
    }
    const grant = this.#grants.get(id.toString('hex'));
    if (grant === null) {
      throw invalid();
    }
    return grant;
  }

  /** Checks every GrantTokens entry of a request. Grants apply at once here, so tokens only need to be valid. */
  checkGrantTokens(tokens: unknown): void {
    if (Array.isArray(tokens)) {
      for (const t of tokens) {
        this.grantForToken(String(t));
      }
    }
  }
}
