// Approval requests and approvals (decision D25). A request names exactly one operation on one
// installation: installation id, account, region, operation name, the canonical JSON of its
// validated input (KeyId as the key ARN), a random nonce, and its creation and expiry times. An
// approval is a custodian's Ed25519 signature over the request's canonical bytes. This module is
// pure: `strongroom approval sign` uses it offline, with no installation.

import { setOwnMember } from '../../../shared/api/own-member.ts';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, type JsonObject, type JsonValue } from '../audit/canonical.ts';

export const REQUEST_FORMAT = 'strongroom-approval-request/1';
export const APPROVAL_FORMAT = 'strongroom-approval/1';

/** Strongroom's own quorum-guarded actions on the rule itself (not KMS operations). */
export const SET_QUORUM_RULE = 'SetQuorumRule';
export const CLEAR_QUORUM_RULE = 'ClearQuorumRule';

export type ApprovalRequest = {
  readonly format: typeof REQUEST_FORMAT;
  readonly installationId: string;
  readonly accountId: string;
  readonly region: string;
  readonly operation: string;
  readonly input: JsonObject;
  readonly nonce: string;
  /** ISO-8601 UTC. */
  readonly createdAt: string;
  readonly expiresAt: string;
};

export type Approval = {
  readonly format: typeof APPROVAL_FORMAT;
  readonly request: ApprovalRequest;
  /** The signer's public key fingerprint (see fingerprintOf). */
  readonly publicKeyFingerprint: string;
  /** Base64 Ed25519 signature over signedBytes(request). */
  readonly signature: string;
};

export class ApprovalFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApprovalFormatError';
  }
}

/** The bytes a custodian signs: a domain-separation line, then the request's canonical JSON. */
export function signedBytes(request: ApprovalRequest): Buffer {
  return Buffer.from(`${APPROVAL_FORMAT}\n${canonicalJson(request)}`, 'utf8');
}

/** A request input as plain JSON: bytes become base64 text, dates ISO text; undefined members go. */
export function canonicalInput(input: Readonly<Record<string, unknown>>): JsonObject {
  const convert = (v: unknown): JsonValue | undefined => {
    if (v === undefined) {
      return undefined;
    }
    if (v instanceof Uint8Array) {
      return Buffer.from(v).toString('base64');
    }
    if (v instanceof Date) {
      return v.toISOString();
    }
    if (Array.isArray(v)) {
      return v.map((x) => convert(x) ?? null);
    }
    if (typeof v === 'object' && v !== null) {
      const out: JsonObject = {};
      for (const [k, x] of Object.entries(v)) {
        const c = convert(x);
        if (c !== undefined) {
          setOwnMember(out, k, c);
        }
      }
      return out;
    }
    return v as JsonValue;
  };
  return convert(input) as JsonObject;
}

// --- Keys --------------------------------------------------------------------------------------

function requireEd25519(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ApprovalFormatError(`${what} is a ${key.asymmetricKeyType ?? 'secret'} key; custodian keys are Ed25519 (openssl genpkey -algorithm ed25519).`);
  }
}

/** SHA256:<unpadded base64 of SHA-256 over the SPKI DER>, as ssh-keygen -l shows keys. */
export function fingerprintOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

/** Parses a custodian's public key (PEM SPKI); returns it normalized with its fingerprint. */
export function parsePublicKey(pem: string): { readonly key: KeyObject; readonly pem: string; readonly fingerprint: string } {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new ApprovalFormatError(`The public key is not a PEM public key (${err instanceof Error ? err.message : String(err)}). Make one with: openssl pkey -in alice.key -pubout -out alice.pub.pem`);
  }
  requireEd25519(key, 'The public key');
  return { key, pem: key.export({ type: 'spki', format: 'pem' }).toString(), fingerprint: fingerprintOf(key) };
}

export function parsePrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new ApprovalFormatError(`The private key is not an unencrypted PEM private key (${err instanceof Error ? err.message : String(err)}).`);
  }
  requireEd25519(key, 'The private key');
  return key;
}

/** A new custodian key pair: PKCS#8 PEM private key, SPKI PEM public key, fingerprint. */
export function generateCustodianKey(): { readonly privatePem: string; readonly publicPem: string; readonly fingerprint: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: fingerprintOf(publicKey),
  };
}

// --- Signing and checking ---------------------------------------------------------------------

export function signRequest(request: ApprovalRequest, privateKey: KeyObject): Approval {
  const publicKey = createPublicKey(privateKey);
  return {
    format: APPROVAL_FORMAT,
    request,
    publicKeyFingerprint: fingerprintOf(publicKey),
    signature: sign(null, signedBytes(request), privateKey).toString('base64'),
  };
}

export function signatureValid(approval: Approval, publicKey: KeyObject): boolean {
  try {
    return verify(null, signedBytes(approval.request), publicKey, Buffer.from(approval.signature, 'base64'));
  } catch {
    return false;
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the shape of a request read from a file. @throws ApprovalFormatError */
export function parseRequest(value: unknown): ApprovalRequest {
  if (!isObject(value) || value.format !== REQUEST_FORMAT) {
    throw new ApprovalFormatError(`not a Strongroom approval request (format "${REQUEST_FORMAT}")`);
  }
  for (const f of ['installationId', 'accountId', 'region', 'operation', 'nonce', 'createdAt', 'expiresAt'] as const) {
    if (!isString(value[f])) {
      throw new ApprovalFormatError(`the request's ${f} is missing or not text`);
    }
  }
  if (!isObject(value.input)) {
    throw new ApprovalFormatError("the request's input is missing or not an object");
  }
  for (const f of ['createdAt', 'expiresAt'] as const) {
    if (Number.isNaN(Date.parse(value[f] as string))) {
      throw new ApprovalFormatError(`the request's ${f} is not a time`);
    }
  }
  // Exactly the request's members, so what is checked is what was signed.
  return {
    format: REQUEST_FORMAT,
    installationId: value.installationId as string,
    accountId: value.accountId as string,
    region: value.region as string,
    operation: value.operation as string,
    input: value.input as JsonObject,
    nonce: value.nonce as string,
    createdAt: value.createdAt as string,
    expiresAt: value.expiresAt as string,
  };
}

/** Checks the shape of an approval read from a file. @throws ApprovalFormatError */
export function parseApproval(value: unknown): Approval {
  if (!isObject(value) || value.format !== APPROVAL_FORMAT) {
    throw new ApprovalFormatError(`not a Strongroom approval (format "${APPROVAL_FORMAT}")`);
  }
  if (!isString(value.publicKeyFingerprint) || !isString(value.signature)) {
    throw new ApprovalFormatError('the approval has no publicKeyFingerprint or signature');
  }
  return { format: APPROVAL_FORMAT, request: parseRequest(value.request), publicKeyFingerprint: value.publicKeyFingerprint, signature: value.signature };
}

/** What a request's input differs in from the expected one, in words; empty when equal. */
export function inputDifferences(approved: JsonObject, actual: JsonObject): Array<string> {
  const out: Array<string> = [];
  const shown = (v: JsonValue | undefined): string => {
    if (v === undefined) {
      return 'absent';
    }
    const text = canonicalJson(v);
    return text.length > 60 ? `${text.slice(0, 57)}…` : text;
  };
  for (const name of [...new Set([...Object.keys(approved), ...Object.keys(actual)])].sort()) {
    const a = approved[name];
    const b = actual[name];
    const same = a === undefined || b === undefined ? a === b : canonicalJson(a) === canonicalJson(b);
    if (!same) {
      out.push(`${name} is ${shown(a)} in the approval but ${shown(b)} in this call`);
    }
  }
  return out;
}

/** What the operation does, in words a custodian can check before signing. */
function action(request: ApprovalRequest): string {
  const input = request.input;
  const key = String(input.KeyId ?? '(no key)');
  switch (request.operation) {
    case 'ScheduleKeyDeletion':
      return `schedule key ${key} for DELETION after ${String(input.PendingWindowInDays ?? 30)} days${input.PendingWindowInDays === undefined ? ' (the default window)' : ''}`;
    case 'DisableKey':
      return `DISABLE key ${key}: every cryptographic operation with it fails until it is enabled`;
    case 'PutKeyPolicy':
      return `REPLACE the key policy of key ${key} with the policy below${input.BypassPolicyLockoutSafetyCheck === true ? ', bypassing the lockout safety check' : ''}`;
    case 'ExportKeyMaterial':
      return `EXPORT the key material of key ${key}`;
    case SET_QUORUM_RULE:
      return `change the quorum rule of key ${key} to ${String(input.Threshold)} of ${Array.isArray(input.Custodians) ? input.Custodians.join(', ') : '?'}`;
    case CLEAR_QUORUM_RULE:
      return `REMOVE the quorum rule of key ${key}: its guarded operations will need no approvals`;
    default:
      return `run ${request.operation} on key ${key}`;
  }
}

/**
 * Control characters (terminal escapes) and bidirectional overrides shown as \u{…}, so a crafted
 * request cannot redraw or reorder what the custodian reads before signing.
 */
function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}

/** The plain-words description `strongroom approval sign` shows before signing. */
export function describeRequest(request: ApprovalRequest): string {
  return visible(describeRaw(request));
}

function describeRaw(request: ApprovalRequest): string {
  const lines = [
    `You are approving ONE ${request.operation} call, to ${action(request)}.`,
    `Installation ${request.installationId} (account ${request.accountId}, region ${request.region}).`,
    `Exact parameters (the call must match them, or your approval is refused):`,
  ];
  for (const [name, value] of Object.entries(request.input).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (name === 'Policy' && typeof value === 'string') {
      lines.push(`  ${name}:`, ...value.split('\n').map((l) => `    ${l}`));
    } else {
      lines.push(`  ${name}: ${value === undefined ? '' : canonicalJson(value)}`);
    }
  }
  lines.push(`Requested ${request.createdAt}; the approval expires ${request.expiresAt}. It can be used once (nonce ${request.nonce}).`);
  return `${lines.join('\n')}\n`;
}
