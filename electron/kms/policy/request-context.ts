// The condition-key values of one request (reference §10.4): who is calling, when, the key acted
// on, and the request's own parameters. Values are computed when a condition first asks for
// them, so a policy without conditions costs no lookups (aliases, tags) at all.

import type { Caller } from '../iam/caller.ts';
import { parseBlobHeader } from '../crypto/ciphertext-blob.ts';
import type { Scope } from '../identifiers.ts';
import type { KeyRepository, KeyRow } from '../store/repository.ts';
import type { ConditionValues } from './conditions.ts';

export type RequestFacts = {
  readonly caller: Caller;
  readonly scope: Scope;
  readonly now: number;
  /** The action being authorized (kms:ReEncryptFrom and kms:ReEncryptTo differ in their context). */
  readonly action: string;
  /** The validated request. */
  readonly input: Readonly<Record<string, unknown>>;
  /** The key acted on; null for actions with no key. */
  readonly key: KeyRow | null;
  readonly repo: KeyRepository;
};

/** Request members whose value is a condition key's value as it is. */
const DIRECT: ReadonlyArray<readonly [member: string, key: string]> = [
  ['SigningAlgorithm', 'kms:signingalgorithm'],
  ['MacAlgorithm', 'kms:macalgorithm'],
  ['KeyAgreementAlgorithm', 'kms:keyagreementalgorithm'],
  ['KeyPairSpec', 'kms:datakeypairspec'],
  ['RotationPeriodInDays', 'kms:rotationperiodindays'],
  ['WrappingAlgorithm', 'kms:wrappingalgorithm'],
  ['WrappingKeySpec', 'kms:wrappingkeyspec'],
  ['ExpirationModel', 'kms:expirationmodel'],
  ['GranteePrincipal', 'kms:granteeprincipal'],
  ['RetiringPrincipal', 'kms:retiringprincipal'],
];

/** Operations whose requests have an encryption algorithm (SYMMETRIC_DEFAULT when not given). */
const ENCRYPTION_ACTIONS = new Set(
  ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext'].map((a) => `kms:${a}`),
);

function str(v: unknown): string | undefined {
  if (typeof v === 'string') {
    return v;
  }
  if (typeof v === 'number' || typeof v === 'boolean') {
    return String(v);
  }
  if (v instanceof Date) {
    return String(Math.floor(v.getTime() / 1000));
  }
  return undefined;
}

function contextOf(v: unknown): Readonly<Record<string, string>> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as Record<string, string>) : null;
}

/** An alias named by a KeyId (alias/x or an alias ARN), or undefined. */
function aliasIn(keyId: unknown): string | undefined {
  if (typeof keyId !== 'string') {
    return undefined;
  }
  if (keyId.startsWith('alias/')) {
    return keyId;
  }
  const m = /^arn:[^:]+:kms:[^:]*:\d{12}:(alias\/.+)$/.exec(keyId);
  return m?.[1];
}

/** The key id a KeyId names, without errors: for kms:ReEncryptOnSameKey. */
function keyIdOf(repo: KeyRepository, given: unknown): string | null {
  if (typeof given !== 'string') {
    return null;
  }
  const alias = aliasIn(given);
  if (alias !== undefined) {
    return repo.getAlias(alias)?.keyId ?? null;
  }
  return given.startsWith('arn:') ? (given.split('/').pop() ?? null) : given;
}

/** The encryption context the action is judged on (ReEncrypt has one per side). */
export function encryptionContextFor(action: string, input: Readonly<Record<string, unknown>>): Readonly<Record<string, string>> | null {
  if (action === 'kms:ReEncryptFrom') {
    return contextOf(input.SourceEncryptionContext);
  }
  if (action === 'kms:ReEncryptTo') {
    return contextOf(input.DestinationEncryptionContext);
  }
  return contextOf(input.EncryptionContext);
}

function tagsOf(input: Readonly<Record<string, unknown>>): Array<{ TagKey: string; TagValue: string }> {
  return Array.isArray(input.Tags) ? (input.Tags as Array<{ TagKey: string; TagValue: string }>) : [];
}

function computeAll(f: RequestFacts): Map<string, ReadonlyArray<string>> {
  const { caller, scope, input, key, action } = f;
  const values = new Map<string, ReadonlyArray<string>>();
  const set = (k: string, v: string | undefined) => {
    if (v !== undefined) {
      values.set(k, [v]);
    }
  };
  const isRoot = caller.type === 'Root';
  set('aws:principalarn', caller.arn);
  set('aws:principalaccount', scope.accountId);
  set('aws:principaltype', isRoot ? 'Account' : caller.type === 'IAMUser' ? 'User' : 'AssumedRole');
  set('aws:userid', caller.principalId ?? scope.accountId);
  if (caller.type === 'IAMUser') {
    set('aws:username', caller.arn.split('/').pop());
  }
  set('aws:currenttime', new Date(f.now).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  set('aws:epochtime', String(Math.floor(f.now / 1000)));
  set('aws:requestedregion', scope.region);
  set('aws:principalisawsservice', 'false');
  set('aws:viaawsservice', 'false');
  set('aws:useragent', caller.userAgent);
  if (/^[\d.]+$|:/.test(caller.sourceIp)) {
    set('aws:sourceip', caller.sourceIp);
  }
  if (caller.accessKeyId !== undefined) {
    // The endpoint serves plain HTTP on loopback.
    set('aws:securetransport', 'false');
  }
  set('kms:calleraccount', scope.accountId);

  const op = action.slice(action.indexOf(':') + 1);
  if (op === 'CreateKey') {
    const spec = str(input.KeySpec) ?? str(input.CustomerMasterKeySpec) ?? 'SYMMETRIC_DEFAULT';
    const usage = str(input.KeyUsage) ?? 'ENCRYPT_DECRYPT';
    set('kms:keyspec', spec);
    set('kms:customermasterkeyspec', spec);
    set('kms:keyusage', usage);
    set('kms:customermasterkeyusage', usage);
    set('kms:keyorigin', str(input.Origin) ?? 'AWS_KMS');
    set('kms:multiregion', String(input.MultiRegion === true));
  } else if (key !== null) {
    set('kms:keyspec', key.keySpec);
    set('kms:customermasterkeyspec', key.keySpec);
    set('kms:keyusage', key.keyUsage);
    set('kms:customermasterkeyusage', key.keyUsage);
    set('kms:keyorigin', key.origin);
    set('kms:multiregion', String(key.multiRegion));
    set('aws:resourceaccount', scope.accountId);
  }
  if (op === 'CreateKey' || op === 'PutKeyPolicy') {
    set('kms:bypasspolicylockoutsafetycheck', String(input.BypassPolicyLockoutSafetyCheck === true));
  }
  if (op === 'ScheduleKeyDeletion') {
    set('kms:schedulekeydeletionpendingwindowindays', str(input.PendingWindowInDays) ?? '30');
  }
  for (const [member, conditionKey] of DIRECT) {
    set(conditionKey, str(input[member]));
  }
  if (op === 'ImportKeyMaterial') {
    set('kms:validto', str(input.ValidTo));
  }
  if (op === 'Sign' || op === 'Verify') {
    set('kms:messagetype', str(input.MessageType) ?? 'RAW');
  }
  if (ENCRYPTION_ACTIONS.has(action)) {
    const given = action === 'kms:ReEncryptFrom' ? input.SourceEncryptionAlgorithm : action === 'kms:ReEncryptTo' ? input.DestinationEncryptionAlgorithm : input.EncryptionAlgorithm;
    set('kms:encryptionalgorithm', str(given) ?? 'SYMMETRIC_DEFAULT');
  }
  if (op === 'CreateGrant') {
    if (Array.isArray(input.Operations)) {
      values.set('kms:grantoperations', input.Operations as Array<string>);
    }
    const constraints = contextOf(input.Constraints);
    if (constraints !== null) {
      values.set('kms:grantconstrainttype', Object.keys(constraints));
    }
  }
  if (op === 'CreateGrant' || op === 'ListGrants' || op === 'RevokeGrant') {
    set('kms:grantisforawsresource', 'false');
  }
  if (op.startsWith('ReEncrypt')) {
    const source = parseBlobHeader(input.CiphertextBlob instanceof Uint8Array ? input.CiphertextBlob : new Uint8Array())?.keyId ?? keyIdOf(f.repo, input.SourceKeyId);
    set('kms:reencryptonsamekey', String(source !== null && source === keyIdOf(f.repo, input.DestinationKeyId)));
  }

  const context = encryptionContextFor(action, input);
  if (context !== null) {
    const keys = Object.keys(context);
    values.set('kms:encryptioncontextkeys', keys);
    for (const k of keys) {
      const name = `kms:encryptioncontext:${k.toLowerCase()}`;
      values.set(name, [...(values.get(name) ?? []), context[k] as string]);
    }
  }
  const requested = op === 'ReEncryptFrom' ? input.SourceKeyId : op === 'ReEncryptTo' ? input.DestinationKeyId : input.KeyId;
  set('kms:requestalias', aliasIn(requested));

  const tags = tagsOf(input);
  if (tags.length > 0) {
    values.set('aws:tagkeys', tags.map((t) => t.TagKey));
    for (const t of tags) {
      set(`aws:requesttag/${t.TagKey.toLowerCase()}`, t.TagValue);
    }
  } else if (op === 'UntagResource' && Array.isArray(input.TagKeys)) {
    values.set('aws:tagkeys', input.TagKeys as Array<string>);
  }
  return values;
}

/**
 * The request's condition values. Key aliases and tags (kms:ResourceAliases, aws:ResourceTag/…)
 * are read from the store only if a condition asks for them.
 */
export function requestConditions(facts: RequestFacts): ConditionValues {
  let values: Map<string, ReadonlyArray<string>> | null = null;
  let resourceRead = false;
  return (lowerKey) => {
    values ??= computeAll(facts);
    if (!resourceRead && facts.key !== null && (lowerKey === 'kms:resourcealiases' || lowerKey.startsWith('aws:resourcetag/'))) {
      resourceRead = true;
      const aliases = facts.repo.aliasNamesForKey(facts.key.keyId);
      if (aliases.length > 0) {
        values.set('kms:resourcealiases', aliases);
      }
      for (const t of facts.repo.listTags(facts.key.keyId, '', 1000)) {
        values.set(`aws:resourcetag/${t.tagKey.toLowerCase()}`, [t.tagValue]);
      }
    }
    return values.get(lowerKey);
  };
}
