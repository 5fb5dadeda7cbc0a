// Access control through the engine: every operation authorizes (a principal with no policy is
// refused everything, audited), key policies are validated and the old one kept on refusal,
// the lockout check, grants (constraints, retire, revoke, tokens, names), identity policies and
// SimulatePolicy — on a real SQLite file.
import Database from 'better-sqlite3';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../electron/kms/iam/caller.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { operationNames, type OperationName } from '../../shared/api/operations.ts';
import { bytes, kmsError, newEngine, text, type TestEngine } from '../support/engine.ts';
import { snapshotState } from '../support/snapshot.ts';

const ACCOUNT = '111122223333';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
});
afterEach(() => t.cleanup());

function as(name: string): { caller: Caller } {
  return { caller: t.kms.callerFor(name, 'test') };
}

function policy(...statements: ReadonlyArray<Record<string, unknown>>): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** An RSA public key to wrap exports for (DER SubjectPublicKeyInfo, as GetParametersForImport returns it). */
const WRAPPING_PUBLIC_KEY = new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }));

const ownerStatement = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };

async function symmetricKey(p?: string): Promise<string> {
  return (await t.kms.invoke('CreateKey', p === undefined ? {} : { Policy: p })).KeyMetadata.KeyId;
}

describe('every operation authorizes', () => {
  it('refuses a principal no policy names for every operation, with AWS’s message, and audits each refusal', async () => {
    t.kms.createPrincipal('user', 'nobody');
    const keyId = await symmetricKey();
    const hmacKey = (await t.kms.invoke('CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata.KeyId;
    const signKey = (await t.kms.invoke('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.KeyId;
    const agreeKey = (await t.kms.invoke('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' })).KeyMetadata.KeyId;
    const importKey = (await t.kms.invoke('CreateKey', { Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    await t.kms.invoke('CreateAlias', { AliasName: 'alias/owned', TargetKeyId: keyId });
    const blob = (await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') })).CiphertextBlob;
    const peer = (await t.kms.invoke('GetPublicKey', { KeyId: agreeKey })).PublicKey;
    const grant = await t.kms.invoke('CreateGrant', { KeyId: keyId, GranteePrincipal: ROOT, Operations: ['Encrypt'] });
    const material = (await t.kms.invoke('ListKeyRotations', { KeyId: keyId })).Rotations;
    expect(material).toEqual([]);
    // One request per operation that would succeed for the owner; the mapped type makes a new
    // operation without a row a compile error.
    const requests: { readonly [N in OperationName]: Record<string, unknown> } = {
      CreateKey: {},
      DescribeKey: { KeyId: keyId },
      ListKeys: {},
      UpdateKeyDescription: { KeyId: keyId, Description: 'd' },
      EnableKey: { KeyId: keyId },
      DisableKey: { KeyId: keyId },
      ScheduleKeyDeletion: { KeyId: keyId },
      CancelKeyDeletion: { KeyId: keyId },
      CreateAlias: { AliasName: 'alias/theirs', TargetKeyId: keyId },
      UpdateAlias: { AliasName: 'alias/owned', TargetKeyId: keyId },
      DeleteAlias: { AliasName: 'alias/owned' },
      ListAliases: {},
      TagResource: { KeyId: keyId, Tags: [{ TagKey: 'k', TagValue: 'v' }] },
      UntagResource: { KeyId: keyId, TagKeys: ['k'] },
      ListResourceTags: { KeyId: keyId },
      Encrypt: { KeyId: keyId, Plaintext: bytes('x') },
      Decrypt: { CiphertextBlob: blob },
      ReEncrypt: { CiphertextBlob: blob, DestinationKeyId: keyId },
      GenerateDataKey: { KeyId: keyId, KeySpec: 'AES_256' },
      GenerateDataKeyWithoutPlaintext: { KeyId: keyId, KeySpec: 'AES_256' },
      GenerateRandom: { NumberOfBytes: 8 },
      EnableKeyRotation: { KeyId: keyId },
      DisableKeyRotation: { KeyId: keyId },
      GetKeyRotationStatus: { KeyId: keyId },
      RotateKeyOnDemand: { KeyId: keyId },
      ListKeyRotations: { KeyId: keyId },
      GetKeyLastUsage: { KeyId: keyId },
      GetParametersForImport: { KeyId: importKey, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' },
      ImportKeyMaterial: { KeyId: importKey, ImportToken: bytes('t'), EncryptedKeyMaterial: bytes('m'), ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' },
      DeleteImportedKeyMaterial: { KeyId: importKey },
      Sign: { KeyId: signKey, Message: bytes('m'), SigningAlgorithm: 'ECDSA_SHA_256' },
      Verify: { KeyId: signKey, Message: bytes('m'), Signature: bytes('s'), SigningAlgorithm: 'ECDSA_SHA_256' },
      GetPublicKey: { KeyId: signKey },
      GenerateMac: { KeyId: hmacKey, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' },
      VerifyMac: { KeyId: hmacKey, Message: bytes('m'), Mac: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' },
      DeriveSharedSecret: { KeyId: agreeKey, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer },
      GenerateDataKeyPair: { KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256' },
      GenerateDataKeyPairWithoutPlaintext: { KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256' },
      PutKeyPolicy: { KeyId: keyId, Policy: policy(ownerStatement) },
      GetKeyPolicy: { KeyId: keyId },
      ListKeyPolicies: { KeyId: keyId },
      CreateGrant: { KeyId: keyId, GranteePrincipal: userArn('nobody'), Operations: ['Encrypt'] },
      ListGrants: { KeyId: keyId },
      ListRetirableGrants: { RetiringPrincipal: userArn('nobody') },
      RetireGrant: { KeyId: keyId, GrantId: grant.GrantId },
      RevokeGrant: { KeyId: keyId, GrantId: grant.GrantId },
      CreateCustomKeyStore: { CustomKeyStoreName: 'theirs', CustomKeyStoreType: 'PKCS11' },
      ConnectCustomKeyStore: { CustomKeyStoreId: 'cks-0123456789abcdef0' },
      DisconnectCustomKeyStore: { CustomKeyStoreId: 'cks-0123456789abcdef0' },
      DescribeCustomKeyStores: {},
      UpdateCustomKeyStore: { CustomKeyStoreId: 'cks-0123456789abcdef0', NewCustomKeyStoreName: 'renamed' },
      DeleteCustomKeyStore: { CustomKeyStoreId: 'cks-0123456789abcdef0' },
      SimulatePolicy: { Principal: 'root', Action: 'kms:Encrypt', KeyId: keyId },
      ExportKeyMaterial: { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingPublicKey: WRAPPING_PUBLIC_KEY },
    };
    const db = new Database(join(t.dir, DATABASE_FILE), { readonly: true });
    const before = snapshotState(db);
    for (const name of operationNames) {
      const err = await kmsError(t.kms.invoke(name, requests[name], as('nobody')));
      expect(err.name, name).toBe('AccessDeniedException');
      expect(err.message, name).toMatch(new RegExp(`^User: arn:aws:iam::${ACCOUNT}:user/nobody is not authorized to perform: (kms|strongroom):\\w+ on resource: (arn:aws:kms:local-1:${ACCOUNT}:(key|alias)/\\S+|\\*) (because|with)`));
      const record = t.kms.audit.list({ MaxResults: 1 })[0]?.record;
      expect(record, name).toMatchObject({ eventName: name, errorCode: 'AccessDeniedException', userIdentity: { type: 'IAMUser', arn: userArn('nobody') } });
    }
    expect(snapshotState(db)).toBe(before);
    db.close();
  });
});

describe('key policies', () => {
  it('gives every new key the default policy, which lets the owner and delegates to identity policies', async () => {
    const keyId = await symmetricKey();
    const shown = JSON.parse((await t.kms.invoke('GetKeyPolicy', { KeyId: keyId })).Policy) as Record<string, unknown>;
    expect(shown).toEqual({ Version: '2012-10-17', Id: 'key-default-1', Statement: [ownerStatement] });
    expect(await t.kms.invoke('ListKeyPolicies', { KeyId: keyId })).toEqual({ PolicyNames: ['default'], Truncated: false });
    t.kms.createPrincipal('user', 'alice');
    expect((await kmsError(t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') }, as('alice')))).message).toMatch(/because no identity-based policy allows the kms:Encrypt action$/);
    t.kms.putIdentityPolicy('user', 'alice', 'use-keys', policy({ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: `arn:aws:kms:local-1:${ACCOUNT}:key/${keyId}` }));
    const blob = (await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('via identity policy') }, as('alice'))).CiphertextBlob;
    expect(text((await t.kms.invoke('Decrypt', { CiphertextBlob: blob }, as('alice'))).Plaintext)).toBe('via identity policy');
    // The identity policy names one key: another key stays closed.
    const other = await symmetricKey();
    expect((await kmsError(t.kms.invoke('Encrypt', { KeyId: other, Plaintext: bytes('x') }, as('alice')))).name).toBe('AccessDeniedException');
  });

  it('refuses bad policies with the matching error and keeps the old policy', async () => {
    t.kms.createPrincipal('user', 'alice');
    const keyId = await symmetricKey();
    const original = (await t.kms.invoke('GetKeyPolicy', { KeyId: keyId })).Policy;
    const db = new Database(join(t.dir, DATABASE_FILE), { readonly: true });
    const before = snapshotState(db);
    const cases: ReadonlyArray<readonly [string, string, string, RegExp]> = [
      ['invalid JSON', '{"Version": "2012-10-17", "Statement": [', 'MalformedPolicyDocumentException', /not valid JSON/],
      ['unknown action', policy({ ...ownerStatement, Action: ['kms:*', 'kms:Encrpyt'] }), 'MalformedPolicyDocumentException', /Statement\[0\]\.Action\[1\]: 'kms:Encrpyt' matches no KMS action/],
      ['bad condition operator', policy({ ...ownerStatement, Condition: { StringEqualz: { 'kms:CallerAccount': ACCOUNT } } }), 'MalformedPolicyDocumentException', /Statement\[0\]\.Condition\.StringEqualz\.kms:CallerAccount: 'StringEqualz' is not a condition operator/],
      ['unknown principal', policy(ownerStatement, { Effect: 'Allow', Principal: { AWS: userArn('mallory') }, Action: 'kms:Decrypt', Resource: '*' }), 'MalformedPolicyDocumentException', /invalid principals: arn:aws:iam::111122223333:user\/mallory does not exist/],
      ['oversize', policy(...Array.from({ length: 200 }, (_, i) => ({ ...ownerStatement, Sid: `s${i}`.padEnd(120, 'x') }))), 'LimitExceededException', /32 KB/],
      ['lockout without the bypass flag', policy({ Effect: 'Allow', Principal: { AWS: userArn('alice') }, Action: 'kms:*', Resource: '*' }), 'MalformedPolicyDocumentException', /will not allow you to update the key policy in the future/],
      ['PolicyName other than default', '', 'ValidationException', /one policy, named "default"/],
    ];
    for (const [name, text, error, message] of cases) {
      const input = name.startsWith('PolicyName') ? { KeyId: keyId, PolicyName: 'other', Policy: policy(ownerStatement) } : { KeyId: keyId, Policy: text };
      const err = await kmsError(t.kms.invoke('PutKeyPolicy', input));
      expect(err.name, name).toBe(error);
      expect(err.message, name).toMatch(message);
    }
    expect(snapshotState(db)).toBe(before);
    db.close();
    expect((await t.kms.invoke('GetKeyPolicy', { KeyId: keyId })).Policy).toBe(original);
  });

  it('lets BypassPolicyLockoutSafetyCheck give up control, after which the owner is refused too', async () => {
    t.kms.createPrincipal('user', 'alice');
    const keyId = await symmetricKey();
    const aliceOnly = policy({ Effect: 'Allow', Principal: { AWS: userArn('alice') }, Action: 'kms:*', Resource: '*' });
    await t.kms.invoke('PutKeyPolicy', { KeyId: keyId, Policy: aliceOnly, BypassPolicyLockoutSafetyCheck: true });
    expect((await kmsError(t.kms.invoke('DescribeKey', { KeyId: keyId }))).message).toMatch(/root is not authorized to perform: kms:DescribeKey .* because no resource-based policy allows/);
    expect((await t.kms.invoke('DescribeKey', { KeyId: keyId }, as('alice'))).KeyMetadata.KeyId).toBe(keyId);
    // CreateKey runs the same check on a given policy.
    expect((await kmsError(t.kms.invoke('CreateKey', { Policy: aliceOnly }))).name).toBe('MalformedPolicyDocumentException');
  });

  it('explicit Deny wins over the owner’s Allow', async () => {
    const keyId = await symmetricKey(
      policy(ownerStatement, { Sid: 'NoDecryptWithoutPurpose', Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { Null: { 'kms:EncryptionContext:purpose': 'true' } } }),
    );
    const withPurpose = (await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: { purpose: 'backup' } })).CiphertextBlob;
    const without = (await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') })).CiphertextBlob;
    expect(text((await t.kms.invoke('Decrypt', { CiphertextBlob: withPurpose, EncryptionContext: { purpose: 'backup' } })).Plaintext)).toBe('x');
    expect((await kmsError(t.kms.invoke('Decrypt', { CiphertextBlob: without }))).message).toMatch(/with an explicit deny in a resource-based policy$/);
  });
});

describe('grants', () => {
  it('allows Encrypt through an EncryptionContextSubset grant only with that context; the token works at once', async () => {
    t.kms.createPrincipal('user', 'app');
    t.kms.createPrincipal('user', 'retirer');
    const keyId = await symmetricKey();
    const created = await t.kms.invoke('CreateGrant', {
      KeyId: keyId,
      GranteePrincipal: userArn('app'),
      RetiringPrincipal: userArn('retirer'),
      Operations: ['Encrypt', 'Decrypt'],
      Constraints: { EncryptionContextSubset: { Department: 'IT' } },
      Name: 'app-it',
    });
    expect(created.GrantId).toMatch(/^[0-9a-f]{64}$/);
    // Before any listing, the token is accepted in GrantTokens.
    const blob = (await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('it data'), EncryptionContext: { Department: 'IT', Project: 'x' }, GrantTokens: [created.GrantToken] }, as('app'))).CiphertextBlob;
    expect(text((await t.kms.invoke('Decrypt', { CiphertextBlob: blob, EncryptionContext: { Department: 'IT', Project: 'x' } }, as('app'))).Plaintext)).toBe('it data');
    const denied = await kmsError(t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: { Department: 'HR' } }, as('app')));
    expect(denied.message).toMatch(/user\/app is not authorized to perform: kms:Encrypt .* because no identity-based policy allows the kms:Encrypt action$/);
    // The grant allows only what it lists.
    expect((await kmsError(t.kms.invoke('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { Department: 'IT' } }, as('app')))).name).toBe('AccessDeniedException');
    // A forged token is refused.
    expect((await kmsError(t.kms.invoke('DescribeKey', { KeyId: keyId, GrantTokens: [`${created.GrantToken.slice(0, -2)}AA`] }))).name).toBe('InvalidGrantTokenException');
    // Name is idempotent: same parameters, same grant id, a fresh token that works too.
    const again = await t.kms.invoke('CreateGrant', {
      KeyId: keyId,
      GranteePrincipal: userArn('app'),
      RetiringPrincipal: userArn('retirer'),
      Operations: ['Decrypt', 'Encrypt'],
      Constraints: { EncryptionContextSubset: { Department: 'IT' } },
      Name: 'app-it',
    });
    expect(again.GrantId).toBe(created.GrantId);
    expect(again.GrantToken).not.toBe(created.GrantToken);
    const listed = (await t.kms.invoke('ListGrants', { KeyId: keyId })).Grants;
    expect(listed).toEqual([
      expect.objectContaining({
        GrantId: created.GrantId,
        Name: 'app-it',
        GranteePrincipal: userArn('app'),
        RetiringPrincipal: userArn('retirer'),
        IssuingAccount: ROOT,
        Operations: ['Encrypt', 'Decrypt'],
        Constraints: { EncryptionContextSubset: { Department: 'IT' } },
      }),
    ]);
    expect((await t.kms.invoke('ListRetirableGrants', { RetiringPrincipal: userArn('retirer') })).Grants.map((g) => g.GrantId)).toEqual([created.GrantId]);
    // The grantee cannot retire (its grant does not allow RetireGrant); the retiring principal can.
    expect((await kmsError(t.kms.invoke('RetireGrant', { GrantToken: again.GrantToken }, as('app')))).name).toBe('AccessDeniedException');
    await t.kms.invoke('RetireGrant', { GrantToken: again.GrantToken }, as('retirer'));
    expect((await t.kms.invoke('ListGrants', { KeyId: keyId })).Grants).toEqual([]);
    expect((await kmsError(t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: { Department: 'IT' } }, as('app')))).name).toBe('AccessDeniedException');
    // A retired grant's token is no longer valid.
    expect((await kmsError(t.kms.invoke('DescribeKey', { KeyId: keyId, GrantTokens: [created.GrantToken] }))).name).toBe('InvalidGrantTokenException');
  });

  it('is revoked by a key administrator, not by its grantee; DryRun changes nothing', async () => {
    t.kms.createPrincipal('user', 'app');
    t.kms.createPrincipal('user', 'admin');
    const keyId = await symmetricKey(policy(ownerStatement, { Sid: 'admins', Effect: 'Allow', Principal: { AWS: userArn('admin') }, Action: ['kms:RevokeGrant', 'kms:ListGrants'], Resource: '*' }));
    const { GrantId } = await t.kms.invoke('CreateGrant', { KeyId: keyId, GranteePrincipal: userArn('app'), Operations: ['GenerateDataKey'] });
    expect((await t.kms.invoke('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' }, as('app'))).KeyId).toContain(keyId);
    expect((await kmsError(t.kms.invoke('RevokeGrant', { KeyId: keyId, GrantId }, as('app')))).name).toBe('AccessDeniedException');
    expect((await kmsError(t.kms.invoke('RevokeGrant', { KeyId: keyId, GrantId, DryRun: true }, as('admin')))).name).toBe('DryRunOperationException');
    expect((await t.kms.invoke('ListGrants', { KeyId: keyId }, as('admin'))).Grants).toHaveLength(1);
    await t.kms.invoke('RevokeGrant', { KeyId: keyId, GrantId }, as('admin'));
    expect((await kmsError(t.kms.invoke('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' }, as('app')))).name).toBe('AccessDeniedException');
    expect((await kmsError(t.kms.invoke('RevokeGrant', { KeyId: keyId, GrantId }, as('admin')))).name).toBe('NotFoundException');
    expect((await kmsError(t.kms.invoke('RevokeGrant', { KeyId: keyId, GrantId: 'not-a-grant' }, as('admin')))).name).toBe('InvalidGrantIdException');
  });

  it('refuses operations the key cannot do and constraints on context-free operations', async () => {
    t.kms.createPrincipal('user', 'app');
    const keyId = await symmetricKey();
    const signKey = (await t.kms.invoke('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.KeyId;
    expect((await kmsError(t.kms.invoke('CreateGrant', { KeyId: keyId, GranteePrincipal: userArn('app'), Operations: ['Sign'] }))).message).toMatch(/cannot allow Sign/);
    expect((await kmsError(t.kms.invoke('CreateGrant', { KeyId: signKey, GranteePrincipal: userArn('app'), Operations: ['Sign'], Constraints: { EncryptionContextEquals: { a: 'b' } } }))).name).toBe('ValidationException');
    expect((await kmsError(t.kms.invoke('CreateGrant', { KeyId: keyId, GranteePrincipal: userArn('ghost'), Operations: ['Encrypt'] }))).message).toMatch(/does not exist/);
    await t.kms.invoke('CreateGrant', { KeyId: signKey, GranteePrincipal: userArn('app'), Operations: ['Sign', 'GetPublicKey'] });
    expect((await t.kms.invoke('Sign', { KeyId: signKey, Message: bytes('m'), SigningAlgorithm: 'ECDSA_SHA_256' }, as('app'))).Signature.length).toBeGreaterThan(0);
  });

  it('lets a grantee with CreateGrant delegate no more than it holds', async () => {
    t.kms.createPrincipal('user', 'lead');
    t.kms.createPrincipal('user', 'member');
    const keyId = await symmetricKey();
    await t.kms.invoke('CreateGrant', { KeyId: keyId, GranteePrincipal: userArn('lead'), Operations: ['Decrypt', 'CreateGrant'], Constraints: { EncryptionContextSubset: { team: 'a' } } });
    const broader = await kmsError(t.kms.invoke('CreateGrant', { KeyId: keyId, GranteePrincipal: userArn('member'), Operations: ['Decrypt', 'Encrypt'] }, as('lead')));
    expect(broader.message).toMatch(/narrower than the requested grant/);
    const looser = await kmsError(t.kms.invoke('CreateGrant', { KeyId: keyId, GranteePrincipal: userArn('member'), Operations: ['Decrypt'] }, as('lead')));
    expect(looser.name).toBe('AccessDeniedException');
    await t.kms.invoke('CreateGrant', { KeyId: keyId, GranteePrincipal: userArn('member'), Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { team: 'a', env: 'prod' } } }, as('lead'));
  });

  it('does not follow a deleted principal to a new one of the same name', async () => {
    t.kms.createPrincipal('user', 'app');
    const keyId = await symmetricKey();
    await t.kms.invoke('CreateGrant', { KeyId: keyId, GranteePrincipal: userArn('app'), Operations: ['Encrypt'] });
    await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') }, as('app'));
    t.kms.deletePrincipal('user', 'app');
    t.kms.createPrincipal('user', 'app');
    expect((await kmsError(t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') }, as('app')))).name).toBe('AccessDeniedException');
  });

  it('goes with its key when the key is deleted', async () => {
    const keyId = await symmetricKey();
    await t.kms.invoke('CreateGrant', { KeyId: keyId, GranteePrincipal: ROOT, Operations: ['Encrypt'] });
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    t.clock.advance(8 * 86_400_000);
    expect(t.kms.purgeDueDeletions()).toBe(1);
    const db = new Database(join(t.dir, DATABASE_FILE), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM grants').get()).toEqual({ n: 0 });
    db.close();
  });
});

describe('SimulatePolicy', () => {
  it('explains allows and denials with the statements that decided, and tries a draft policy without storing it', async () => {
    t.kms.createPrincipal('user', 'alice');
    const keyId = await symmetricKey(policy(ownerStatement, { Sid: 'AliceDecryptsBackups', Effect: 'Allow', Principal: { AWS: userArn('alice') }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:purpose': 'backup' } } }));
    const allowed = await t.kms.invoke('SimulatePolicy', { Principal: 'alice', Action: 'kms:Decrypt', KeyId: keyId, EncryptionContext: { purpose: 'backup' } });
    expect(allowed).toMatchObject({ Decision: 'Allow', MatchedStatements: [{ Source: 'KeyPolicy', StatementIndex: 1, Sid: 'AliceDecryptsBackups', Effect: 'Allow', PrincipalMatch: 'caller' }] });
    const denied = await t.kms.invoke('SimulatePolicy', { Principal: 'alice', Action: 'kms:Decrypt', KeyId: keyId, EncryptionContext: { purpose: 'other' } });
    expect(denied.Decision).toBe('ImplicitDeny');
    expect(denied.Message).toMatch(/user\/alice is not authorized to perform: kms:Decrypt/);
    const draft = policy(ownerStatement, { Sid: 'NoAlice', Effect: 'Deny', Principal: { AWS: userArn('alice') }, Action: 'kms:*', Resource: '*' });
    const withDraft = await t.kms.invoke('SimulatePolicy', { Principal: 'alice', Action: 'kms:Decrypt', KeyId: keyId, EncryptionContext: { purpose: 'backup' }, Policy: draft });
    expect(withDraft).toMatchObject({ Decision: 'ExplicitDeny', MatchedStatements: [{ Sid: 'NoAlice', Effect: 'Deny' }] });
    // The draft was not stored.
    expect((await t.kms.invoke('GetKeyPolicy', { KeyId: keyId })).Policy).not.toContain('NoAlice');
    const time = await t.kms.invoke('SimulatePolicy', { Principal: 'root', Action: 'kms:CreateKey' });
    expect(time.Decision).toBe('Allow');
  });
});
