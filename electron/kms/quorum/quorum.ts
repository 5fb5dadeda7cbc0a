// Custodians, quorum rules and consumed nonces (decision D25), and the check the engine runs for
// a guarded operation on a key with a rule: at least M valid approvals by distinct custodians
// named in the rule, each for THIS installation, THIS operation and THIS exact input, unexpired,
// with a nonce never used before. The nonces of the approvals used are consumed in the
// operation's own transaction: if the operation fails after the check, nothing is consumed.

import type { JsonObject } from '../audit/canonical.ts';
import { AccessDeniedException, AlreadyExistsException, ConflictException, NotFoundException, ValidationException } from '../errors.ts';
import type { Db } from '../store/database.ts';
import {
  ApprovalFormatError,
  inputDifferences,
  parseApproval,
  parsePublicKey,
  signatureValid,
  type Approval,
} from './approval.ts';

/** The longest an approval request may stay valid (createdAt to expiresAt). */
export const MAX_APPROVAL_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** Operations a quorum rule guards, by name: ExportKeyMaterial is guarded once it exists. */
export const QUORUM_GUARDED: ReadonlySet<string> = new Set(['ScheduleKeyDeletion', 'PutKeyPolicy', 'DisableKey', 'ExportKeyMaterial']);

export type Custodian = { readonly name: string; readonly publicKeyPem: string; readonly fingerprint: string; readonly createdAt: number };
export type QuorumRule = { readonly keyId: string; readonly threshold: number; readonly custodians: ReadonlyArray<string>; readonly updatedAt: number };

/** What the installation a call runs on must match in an approval's request. */
export type ExpectedRequest = {
  readonly installationId: string;
  readonly accountId: string;
  readonly region: string;
  readonly operation: string;
  readonly input: JsonObject;
  /** The key's ARN, for messages. */
  readonly keyArn: string;
};

/** What a quorum check found; the audit record of the call carries it. */
export type QuorumOutcome = {
  readonly threshold: number;
  readonly custodians: ReadonlyArray<string>;
  readonly approvedBy: ReadonlyArray<string>;
  readonly problems: ReadonlyArray<string>;
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkCustodianName(name: string): void {
  if (!NAME.test(name)) {
    throw new ValidationException(`'${name}' is not a valid custodian name: 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit.`);
  }
}

export class QuorumStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  addCustodian(name: string, publicKeyPem: string, now: number): Custodian {
    checkCustodianName(name);
    let parsed;
    try {
      parsed = parsePublicKey(publicKeyPem);
    } catch (err) {
      throw new ValidationException(err instanceof Error ? err.message : String(err));
    }
    if (this.getCustodian(name) !== null) {
      throw new AlreadyExistsException(`A custodian named '${name}' already exists. Remove it first to register another key under that name.`, { inputs: ['name'] });
    }
    const holder = this.#db.prepare<[string], { name: string }>('SELECT name FROM custodians WHERE fingerprint = ?').get(parsed.fingerprint);
    if (holder !== undefined) {
      throw new AlreadyExistsException(`That public key (${parsed.fingerprint}) is already custodian '${holder.name}'s: each custodian needs a key of their own.`);
    }
    this.#db.prepare('INSERT INTO custodians (name, public_key_pem, fingerprint, created_at) VALUES (?, ?, ?, ?)').run(name, parsed.pem, parsed.fingerprint, now);
    return { name, publicKeyPem: parsed.pem, fingerprint: parsed.fingerprint, createdAt: now };
  }

  getCustodian(name: string): Custodian | null {
    const row = this.#db
      .prepare<[string], { name: string; public_key_pem: string; fingerprint: string; created_at: number }>('SELECT * FROM custodians WHERE name = ?')
      .get(name);
    return row === undefined ? null : { name: row.name, publicKeyPem: row.public_key_pem, fingerprint: row.fingerprint, createdAt: row.created_at };
  }

  listCustodians(): Array<Custodian> {
    return this.#db
      .prepare<[], { name: string; public_key_pem: string; fingerprint: string; created_at: number }>('SELECT * FROM custodians ORDER BY name')
      .all()
      .map((row) => ({ name: row.name, publicKeyPem: row.public_key_pem, fingerprint: row.fingerprint, createdAt: row.created_at }));
  }

  removeCustodian(name: string): Custodian {
    const custodian = this.getCustodian(name);
    if (custodian === null) {
      throw new NotFoundException(`There is no custodian named '${name}'.`, { inputs: ['name'] });
    }
    const naming = this.listRules().filter((r) => r.custodians.includes(name));
    if (naming.length > 0) {
      throw new ConflictException(
        `Custodian '${name}' is named in the quorum rule of ${naming.length === 1 ? 'key' : 'keys'} ${naming.map((r) => r.keyId).join(', ')}: change those rules first (which needs their approvals).`,
        { inputs: ['quorumRules'] },
      );
    }
    this.#db.prepare('DELETE FROM custodians WHERE name = ?').run(name);
    return custodian;
  }

  getRule(keyId: string): QuorumRule | null {
    const row = this.#db
      .prepare<[string], { key_id: string; threshold: number; custodians: string; updated_at: number }>('SELECT * FROM quorum_rules WHERE key_id = ?')
      .get(keyId);
    return row === undefined ? null : { keyId: row.key_id, threshold: row.threshold, custodians: JSON.parse(row.custodians) as Array<string>, updatedAt: row.updated_at };
  }

  listRules(): Array<QuorumRule> {
    return this.#db
      .prepare<[], { key_id: string; threshold: number; custodians: string; updated_at: number }>('SELECT * FROM quorum_rules ORDER BY key_id')
      .all()
      .map((row) => ({ keyId: row.key_id, threshold: row.threshold, custodians: JSON.parse(row.custodians) as Array<string>, updatedAt: row.updated_at }));
  }

  /** Validates and normalizes a rule (custodians sorted, distinct, registered). */
  normalizeRule(threshold: number, custodians: ReadonlyArray<string>): { threshold: number; custodians: Array<string> } {
    const names = [...new Set(custodians.map((c) => c.trim()).filter((c) => c !== ''))].sort();
    if (names.length !== custodians.length) {
      throw new ValidationException('The custodian list names someone twice (or has an empty name): list each custodian once.');
    }
    if (names.length === 0) {
      throw new ValidationException('A quorum rule needs at least one custodian.');
    }
    const unknown = names.filter((n) => this.getCustodian(n) === null);
    if (unknown.length > 0) {
      throw new NotFoundException(`Not custodians of this installation: ${unknown.join(', ')}. Register them first.`, { inputs: ['custodians'] });
    }
    if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > names.length) {
      throw new ValidationException(`The threshold must be a whole number from 1 to ${names.length} (the number of custodians); got ${threshold}.`);
    }
    return { threshold, custodians: names };
  }

  setRule(keyId: string, threshold: number, custodians: ReadonlyArray<string>, now: number): void {
    this.#db
      .prepare('INSERT INTO quorum_rules (key_id, threshold, custodians, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key_id) DO UPDATE SET threshold = excluded.threshold, custodians = excluded.custodians, updated_at = excluded.updated_at')
      .run(keyId, threshold, JSON.stringify(custodians), now);
  }

  clearRule(keyId: string): boolean {
    return this.#db.prepare('DELETE FROM quorum_rules WHERE key_id = ?').run(keyId).changes > 0;
  }

  nonceUse(nonce: string): { operation: string; consumedAt: number } | null {
    const row = this.#db.prepare<[string], { operation: string; consumed_at: number }>('SELECT operation, consumed_at FROM quorum_nonces WHERE nonce = ?').get(nonce);
    return row === undefined ? null : { operation: row.operation, consumedAt: row.consumed_at };
  }

  /**
   * The quorum check. Returns the outcome when enough approvals are valid (and consumes their
   * nonces); otherwise throws AccessDeniedException naming who approved and what was wrong with
   * every other approval. `report` receives the outcome either way, for the audit record.
   */
  check(rule: QuorumRule, approvals: ReadonlyArray<unknown>, expected: ExpectedRequest, now: number, report: (outcome: QuorumOutcome) => void): QuorumOutcome {
    const inRule = new Set(rule.custodians);
    const byFingerprint = new Map(this.listCustodians().map((c) => [c.fingerprint, c]));
    const approvedBy: Array<string> = [];
    const nonces = new Set<string>();
    const problems: Array<string> = [];
    approvals.forEach((raw, i) => {
      const label = `approval ${i + 1}`;
      let approval: Approval;
      try {
        approval = parseApproval(raw);
      } catch (err) {
        problems.push(`${label} is unreadable (${err instanceof ApprovalFormatError ? err.message : String(err)}).`);
        return;
      }
      const custodian = byFingerprint.get(approval.publicKeyFingerprint);
      if (custodian === undefined) {
        problems.push(`${label} is signed by a key that is not a registered custodian's (${approval.publicKeyFingerprint}).`);
        return;
      }
      const who = custodian.name;
      if (!signatureValid(approval, parsePublicKey(custodian.publicKeyPem).key)) {
        problems.push(`${who}'s approval has an invalid signature (the request was changed after signing, or it was signed with another key).`);
        return;
      }
      if (!inRule.has(who)) {
        problems.push(`${who} is a custodian but not one of this key's rule.`);
        return;
      }
      const r = approval.request;
      const differences = [
        ...(r.installationId !== expected.installationId ? [`it names installation ${r.installationId}, this is ${expected.installationId}`] : []),
        ...(r.accountId !== expected.accountId || r.region !== expected.region ? [`it names account ${r.accountId} in ${r.region}, this is ${expected.accountId} in ${expected.region}`] : []),
        ...(r.operation !== expected.operation ? [`it approves ${r.operation}, not ${expected.operation}`] : []),
        ...(r.operation === expected.operation ? inputDifferences(r.input, expected.input) : []),
      ];
      if (differences.length > 0) {
        problems.push(`${who}'s approval is for a different request: ${differences.join('; ')}.`);
        return;
      }
      const expires = Date.parse(r.expiresAt);
      if (!(expires > now)) {
        problems.push(`${who}'s approval expired at ${r.expiresAt}.`);
        return;
      }
      if (expires - Date.parse(r.createdAt) > MAX_APPROVAL_LIFETIME_MS) {
        problems.push(`${who}'s approval is for a request that lives longer than 7 days (${r.createdAt} to ${r.expiresAt}); requests Strongroom makes never do.`);
        return;
      }
      const used = this.nonceUse(r.nonce);
      if (used !== null) {
        problems.push(`${who}'s approval was already used: its request (nonce ${r.nonce}) authorized a ${used.operation} at ${new Date(used.consumedAt).toISOString()}, and an approval is good for one call.`);
        return;
      }
      if (approvedBy.includes(who)) {
        problems.push(`${who} approved more than once; each custodian counts once.`);
        return;
      }
      approvedBy.push(who);
      nonces.add(r.nonce);
    });
    const outcome: QuorumOutcome = { threshold: rule.threshold, custodians: rule.custodians, approvedBy, problems };
    report(outcome);
    if (approvedBy.length < rule.threshold) {
      const n = approvedBy.length;
      const given = approvals.length === 0
        ? `no approvals were given. Create a request with \`strongroom approval request ${expected.operation} --input '<json>'\`, have custodians sign it with \`strongroom approval sign\`, and pass the files to the strongroom CLI with --approvals (the AWS-compatible endpoint and the app cannot carry approvals).`
        : `${n} valid approval${n === 1 ? '' : 's'} given${n > 0 ? ` (${approvedBy.join(', ')})` : ''}.`;
      throw new AccessDeniedException(
        `${expected.operation} on key ${expected.keyArn} needs ${rule.threshold} of ${rule.custodians.length} custodian approvals (${rule.custodians.join(', ')}); ${given}${problems.length > 0 ? ` ${problems.join(' ')}` : ''}`,
      );
    }
    const consume = this.#db.prepare('INSERT INTO quorum_nonces (nonce, operation, key_arn, custodians, consumed_at) VALUES (?, ?, ?, ?, ?)');
    for (const nonce of nonces) {
      consume.run(nonce, expected.operation, expected.keyArn, JSON.stringify(approvedBy), now);
    }
    return outcome;
  }
}
