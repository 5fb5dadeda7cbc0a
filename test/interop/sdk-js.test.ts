// @aws-sdk/client-kms (the AWS SDK for JavaScript v3), unmodified apart from endpoint and
// credentials, against the real endpoint: every implemented operation at least once, paging with
// Limit and Marker, errors as the SDK's exception classes with AWS's statuses, and request ids
// that match the audit log.
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CustomKeyStoreInvalidStateException,
  CustomKeyStoreNotFoundException,
  DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand,
  DisconnectCustomKeyStoreCommand,
  UpdateCustomKeyStoreCommand,
  CancelKeyDeletionCommand,
  CreateGrantCommand,
  GetKeyPolicyCommand,
  ListGrantsCommand,
  ListKeyPoliciesCommand,
  ListRetirableGrantsCommand,
  PutKeyPolicyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  DeriveSharedSecretCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  KMSInvalidSignatureException,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
  DeleteImportedKeyMaterialCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  GetKeyRotationStatusCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  GetKeyLastUsageCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  KMSServiceException,
  NotFoundException,
  DisabledException,
  InvalidCiphertextException,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constants, createPublicKey, diffieHellman, generateKeyPairSync, publicEncrypt, randomBytes, verify } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { isStrongroomOnly, operationNames, type OperationName } from '../../shared/api/operations.ts';
import { startTestEndpoint, type TestEndpoint } from '../support/endpoint.ts';

let ep: TestEndpoint;
let kms: KMSClient;
beforeAll(async () => {
  ep = await startTestEndpoint();
  kms = new KMSClient({ endpoint: ep.endpoint, region: 'us-east-1', credentials: ep.credentials, maxAttempts: 1 });
});
afterAll(async () => {
  kms.destroy();
  await ep.close();
});

const covered = new Set<OperationName>();
const te = new TextEncoder();

async function rejected(p: Promise<unknown>): Promise<KMSServiceException> {
  try {
    await p;
  } catch (err) {
    if (err instanceof KMSServiceException) {
      return err;
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('@aws-sdk/client-kms against the endpoint', () => {
  it('runs the key lifecycle, aliases and tags', async () => {
    const created = await kms.send(new CreateKeyCommand({ Description: 'sdk', Tags: [{ TagKey: 'team', TagValue: 'blue' }] }));
    covered.add('CreateKey');
    const md = created.KeyMetadata;
    expect(md?.KeyState).toBe('Enabled');
    expect(md?.CreationDate).toBeInstanceOf(Date);
    expect(Math.abs((md?.CreationDate?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    const keyId = md?.KeyId ?? '';
    const second = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';

    expect((await kms.send(new DescribeKeyCommand({ KeyId: md?.Arn }))).KeyMetadata?.Description).toBe('sdk');
    covered.add('DescribeKey');
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: 'renamed' }));
    covered.add('UpdateKeyDescription');
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    covered.add('DisableKey');
    const disabled = await rejected(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: te.encode('x') })));
    expect(disabled).toBeInstanceOf(DisabledException);
    expect(disabled.$metadata.httpStatusCode).toBe(400);
    await kms.send(new EnableKeyCommand({ KeyId: keyId }));
    covered.add('EnableKey');

    await kms.send(new CreateAliasCommand({ AliasName: 'alias/sdk', TargetKeyId: keyId }));
    covered.add('CreateAlias');
    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/sdk', TargetKeyId: second }));
    covered.add('UpdateAlias');
    expect((await kms.send(new ListAliasesCommand({ KeyId: second }))).Aliases?.map((a) => a.AliasName)).toEqual(['alias/sdk']);
    covered.add('ListAliases');
    await kms.send(new DeleteAliasCommand({ AliasName: 'alias/sdk' }));
    covered.add('DeleteAlias');

    await kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'env', TagValue: 'test' }] }));
    covered.add('TagResource');
    await kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ['team'] }));
    covered.add('UntagResource');
    expect((await kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags).toEqual([{ TagKey: 'env', TagValue: 'test' }]);
    covered.add('ListResourceTags');

    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: second, PendingWindowInDays: 7 }));
    covered.add('ScheduleKeyDeletion');
    expect(scheduled.KeyState).toBe('PendingDeletion');
    expect(scheduled.DeletionDate).toBeInstanceOf(Date);
    await kms.send(new CancelKeyDeletionCommand({ KeyId: second }));
    covered.add('CancelKeyDeletion');
  });

  it('encrypts, decrypts, re-encrypts and makes data keys and random bytes', async () => {
    const a = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    const b = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    const enc = await kms.send(new EncryptCommand({ KeyId: a, Plaintext: te.encode('sdk secret'), EncryptionContext: { app: 'sdk' } }));
    covered.add('Encrypt');
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { app: 'sdk' } }));
    covered.add('Decrypt');
    expect(new TextDecoder().decode(dec.Plaintext)).toBe('sdk secret');
    const bad = await rejected(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { app: 'other' } })));
    expect(bad).toBeInstanceOf(InvalidCiphertextException);
    const re = await kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: { app: 'sdk' }, DestinationKeyId: b }));
    covered.add('ReEncrypt');
    expect(re.KeyId).toContain(b);
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: a, KeySpec: 'AES_256' }));
    covered.add('GenerateDataKey');
    expect(dk.Plaintext).toHaveLength(32);
    const dkw = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: a, NumberOfBytes: 64 }));
    covered.add('GenerateDataKeyWithoutPlaintext');
    expect((await kms.send(new DecryptCommand({ CiphertextBlob: dkw.CiphertextBlob }))).Plaintext).toHaveLength(64);
    expect((await kms.send(new GenerateRandomCommand({ NumberOfBytes: 16 }))).Plaintext).toHaveLength(16);
    covered.add('GenerateRandom');
  });

  it('pages ListKeys, ListAliases and ListResourceTags with Limit and Marker', async () => {
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    for (let i = 0; i < 5; i++) {
      await kms.send(new CreateAliasCommand({ AliasName: `alias/page-${i}`, TargetKeyId: keyId }));
    }
    await kms.send(new TagResourceCommand({ KeyId: keyId, Tags: Array.from({ length: 5 }, (_, i) => ({ TagKey: `t${i}`, TagValue: String(i) })) }));
    const all = async (fetch: (marker: string | undefined) => Promise<{ items: Array<string>; next?: string; truncated?: boolean }>) => {
      const seen: Array<string> = [];
      let marker: string | undefined;
      let pages = 0;
      do {
        const page = await fetch(marker);
        pages++;
        seen.push(...page.items);
        marker = page.truncated === true ? page.next : undefined;
      } while (marker !== undefined);
      return { seen, pages };
    };
    const keys = await all(async (Marker) => {
      const r = await kms.send(new ListKeysCommand({ Limit: 2, Marker }));
      return { items: (r.Keys ?? []).map((k) => k.KeyId ?? ''), next: r.NextMarker, truncated: r.Truncated };
    });
    covered.add('ListKeys');
    expect(keys.pages).toBeGreaterThanOrEqual(3);
    expect(new Set(keys.seen).size).toBe(keys.seen.length);
    const aliases = await all(async (Marker) => {
      const r = await kms.send(new ListAliasesCommand({ KeyId: keyId, Limit: 2, Marker }));
      return { items: (r.Aliases ?? []).map((a) => a.AliasName ?? ''), next: r.NextMarker, truncated: r.Truncated };
    });
    expect(aliases).toEqual({ seen: ['alias/page-0', 'alias/page-1', 'alias/page-2', 'alias/page-3', 'alias/page-4'], pages: 3 });
    const tags = await all(async (Marker) => {
      const r = await kms.send(new ListResourceTagsCommand({ KeyId: keyId, Limit: 2, Marker }));
      return { items: (r.Tags ?? []).map((t) => t.TagKey ?? ''), next: r.NextMarker, truncated: r.Truncated };
    });
    expect(tags).toEqual({ seen: ['t0', 't1', 't2', 't3', 't4'], pages: 3 });
  });

  it('rotates keys and imports key material', async () => {
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 180 }));
    covered.add('EnableKeyRotation');
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    covered.add('GetKeyRotationStatus');
    expect(status).toMatchObject({ KeyId: keyId, KeyRotationEnabled: true, RotationPeriodInDays: 180 });
    expect(status.NextRotationDate).toBeInstanceOf(Date);
    const old = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: te.encode('v1') }));
    for (let i = 0; i < 3; i++) {
      // AWS answers the key ARN.
      expect((await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }))).KeyId).toBe(`arn:aws:kms:local-1:${ep.accountId}:key/${keyId}`);
    }
    covered.add('RotateKeyOnDemand');
    const first = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId, Limit: 2 }));
    expect(first.Truncated).toBe(true);
    const rest = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId, Limit: 2, Marker: first.NextMarker }));
    covered.add('ListKeyRotations');
    const rotations = [...(first.Rotations ?? []), ...(rest.Rotations ?? [])];
    expect(rotations.map((r) => r.RotationType)).toEqual(['ON_DEMAND', 'ON_DEMAND', 'ON_DEMAND']);
    expect(rotations[0]?.RotationDate).toBeInstanceOf(Date);
    expect(new TextDecoder().decode((await kms.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }))).Plaintext)).toBe('v1');
    await kms.send(new DisableKeyRotationCommand({ KeyId: keyId }));
    covered.add('DisableKeyRotation');
    const lastUsage = await kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }));
    covered.add('GetKeyLastUsage');
    expect(lastUsage.KeyLastUsage?.Operation).toBe('Decrypt');
    expect(lastUsage.KeyLastUsage?.Timestamp).toBeInstanceOf(Date);
    expect(lastUsage.KeyCreationDate).toBeInstanceOf(Date);

    const external = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata?.KeyId ?? '';
    const params = await kms.send(new GetParametersForImportCommand({ KeyId: external, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_3072' }));
    covered.add('GetParametersForImport');
    expect(params.ParametersValidTo).toBeInstanceOf(Date);
    const wrappingKey = createPublicKey({ key: Buffer.from(params.PublicKey ?? new Uint8Array()), format: 'der', type: 'spki' });
    const material = randomBytes(32);
    const EncryptedKeyMaterial = publicEncrypt({ key: wrappingKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
    const validTo = new Date(Date.now() + 30 * 86_400_000);
    const imported = await kms.send(new ImportKeyMaterialCommand({ KeyId: external, ImportToken: params.ImportToken, EncryptedKeyMaterial, ValidTo: validTo }));
    covered.add('ImportKeyMaterial');
    expect(imported.KeyMaterialId).toMatch(/^[0-9a-f]{64}$/);
    const md = (await kms.send(new DescribeKeyCommand({ KeyId: external }))).KeyMetadata;
    expect(md).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_EXPIRES', CurrentKeyMaterialId: imported.KeyMaterialId });
    expect(md?.ValidTo?.getTime()).toBe(validTo.getTime());
    const deleted = await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: external }));
    covered.add('DeleteImportedKeyMaterial');
    expect(deleted.KeyMaterialId).toBe(imported.KeyMaterialId);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: external }))).KeyMetadata?.KeyState).toBe('PendingImport');
  });

  it('signs, verifies, MACs, agrees keys and makes data key pairs', async () => {
    const signing = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P384', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata;
    expect(signing?.SigningAlgorithms).toEqual(['ECDSA_SHA_384']);
    const Message = te.encode('signed over HTTP');
    const signed = await kms.send(new SignCommand({ KeyId: signing?.KeyId, Message, SigningAlgorithm: 'ECDSA_SHA_384' }));
    covered.add('Sign');
    const pub = await kms.send(new GetPublicKeyCommand({ KeyId: signing?.KeyId }));
    covered.add('GetPublicKey');
    expect(pub).toMatchObject({ KeySpec: 'ECC_NIST_P384', KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ECDSA_SHA_384'] });
    const publicKey = createPublicKey({ key: Buffer.from(pub.PublicKey ?? new Uint8Array()), format: 'der', type: 'spki' });
    expect(verify('sha384', Message, { key: publicKey, dsaEncoding: 'der' }, signed.Signature ?? new Uint8Array())).toBe(true);
    expect((await kms.send(new VerifyCommand({ KeyId: signing?.KeyId, Message, Signature: signed.Signature, SigningAlgorithm: 'ECDSA_SHA_384' }))).SignatureValid).toBe(true);
    covered.add('Verify');
    const bad = await rejected(kms.send(new VerifyCommand({ KeyId: signing?.KeyId, Message: te.encode('other'), Signature: signed.Signature, SigningAlgorithm: 'ECDSA_SHA_384' })));
    expect(bad).toBeInstanceOf(KMSInvalidSignatureException);

    const hmacKey = (await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata?.KeyId;
    const mac = await kms.send(new GenerateMacCommand({ KeyId: hmacKey, Message, MacAlgorithm: 'HMAC_SHA_384' }));
    covered.add('GenerateMac');
    expect(mac.Mac).toHaveLength(48);
    expect((await kms.send(new VerifyMacCommand({ KeyId: hmacKey, Message, Mac: mac.Mac, MacAlgorithm: 'HMAC_SHA_384' }))).MacValid).toBe(true);
    covered.add('VerifyMac');

    const agreeing = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' }))).KeyMetadata?.KeyId;
    const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const derived = await kms.send(new DeriveSharedSecretCommand({ KeyId: agreeing, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer.publicKey.export({ type: 'spki', format: 'der' }) }));
    covered.add('DeriveSharedSecret');
    const kmsPublic = createPublicKey({ key: Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: agreeing }))).PublicKey ?? new Uint8Array()), format: 'der', type: 'spki' });
    expect(Buffer.from(derived.SharedSecret ?? new Uint8Array()).equals(diffieHellman({ privateKey: peer.privateKey, publicKey: kmsPublic }))).toBe(true);

    const wrapKey = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId;
    const pair = await kms.send(new GenerateDataKeyPairCommand({ KeyId: wrapKey, KeyPairSpec: 'RSA_2048' }));
    covered.add('GenerateDataKeyPair');
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob }))).Plaintext ?? new Uint8Array()).equals(Buffer.from(pair.PrivateKeyPlaintext ?? new Uint8Array()))).toBe(true);
    const without = await kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: wrapKey, KeyPairSpec: 'ECC_NIST_P521' }));
    covered.add('GenerateDataKeyPairWithoutPlaintext');
    expect(without).not.toHaveProperty('PrivateKeyPlaintext');
    expect(without.KeyPairSpec).toBe('ECC_NIST_P521');
  });

  it('maps errors to the SDK exception classes, with statuses and request ids matching the audit', async () => {
    const nf = await rejected(kms.send(new DescribeKeyCommand({ KeyId: 'alias/does-not-exist' })));
    expect(nf).toBeInstanceOf(NotFoundException);
    expect(nf.$metadata.httpStatusCode).toBe(400);
    expect(ep.kms.audit.list({ MaxResults: 1 })[0]?.record.requestID).toBe(nf.$metadata.requestId);
    const validation = await rejected(kms.send(new GenerateRandomCommand({ NumberOfBytes: 2000 })));
    expect(validation.name).toBe('ValidationException');
    expect(validation.message).toBe("1 validation error detected: Value '2000' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024");
    expect(validation.$metadata.httpStatusCode).toBe(400);
    const ok = await kms.send(new ListKeysCommand({}));
    expect(ep.kms.audit.list({ MaxResults: 1 })[0]?.record).toMatchObject({ requestID: ok.$metadata.requestId, userIdentity: { accessKeyId: ep.credentials.accessKeyId } });
  });

  it('refuses a client with a wrong secret, running nothing', async () => {
    const count = ep.kms.audit.count();
    const wrong = new KMSClient({ endpoint: ep.endpoint, region: 'us-east-1', credentials: { accessKeyId: ep.credentials.accessKeyId, secretAccessKey: 'x'.repeat(40) }, maxAttempts: 1 });
    const err = await rejected(wrong.send(new CreateKeyCommand({})));
    expect(err.name).toBe('InvalidSignatureException');
    const unknown = new KMSClient({ endpoint: ep.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) }, maxAttempts: 1 });
    expect((await rejected(unknown.send(new CreateKeyCommand({})))).name).toBe('UnrecognizedClientException');
    wrong.destroy();
    unknown.destroy();
    expect(ep.kms.audit.count()).toBe(count);
  });

  it('puts key policies and creates, uses, lists, retires and revokes grants; a user is refused what no policy allows', async () => {
    const app = ep.kms.createPrincipal('user', 'app');
    const appKey = ep.kms.createAccessKey('app');
    const appKms = new KMSClient({ endpoint: ep.endpoint, region: 'us-east-1', credentials: { accessKeyId: appKey.AccessKeyId, secretAccessKey: appKey.SecretAccessKey }, maxAttempts: 1 });
    const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId;
    const original = await kms.send(new GetKeyPolicyCommand({ KeyId }));
    covered.add('GetKeyPolicy');
    expect(original.PolicyName).toBe('default');
    expect((await kms.send(new ListKeyPoliciesCommand({ KeyId }))).PolicyNames).toEqual(['default']);
    covered.add('ListKeyPolicies');
    const denied = await rejected(appKms.send(new EncryptCommand({ KeyId, Plaintext: te.encode('x') })));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.$metadata.httpStatusCode).toBe(400);
    expect(denied.message).toBe(`User: ${app.arn} is not authorized to perform: kms:Encrypt on resource: arn:aws:kms:local-1:${ep.accountId}:key/${KeyId} because no identity-based policy allows the kms:Encrypt action`);
    const doc = JSON.parse(original.Policy ?? '{}') as { Statement: Array<unknown> };
    doc.Statement.push({ Sid: 'AppEncrypts', Effect: 'Allow', Principal: { AWS: app.arn }, Action: 'kms:Encrypt', Resource: '*' });
    await kms.send(new PutKeyPolicyCommand({ KeyId, Policy: JSON.stringify(doc) }));
    covered.add('PutKeyPolicy');
    const blob = (await appKms.send(new EncryptCommand({ KeyId, Plaintext: te.encode('for the app'), EncryptionContext: { tenant: 'a' } }))).CiphertextBlob;
    expect((await rejected(appKms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { tenant: 'a' } })))).name).toBe('AccessDeniedException');

    const grant = await kms.send(new CreateGrantCommand({ KeyId, GranteePrincipal: app.arn, RetiringPrincipal: app.arn, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { tenant: 'a' } }, Name: 'app-decrypts' }));
    covered.add('CreateGrant');
    const opened = await appKms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { tenant: 'a' }, GrantTokens: [grant.GrantToken ?? ''] }));
    expect(new TextDecoder().decode(opened.Plaintext)).toBe('for the app');
    const listed = await kms.send(new ListGrantsCommand({ KeyId }));
    covered.add('ListGrants');
    expect(listed.Grants?.map((g) => [g.GrantId, g.Name, g.Operations, g.Constraints])).toEqual([[grant.GrantId, 'app-decrypts', ['Decrypt'], { EncryptionContextSubset: { tenant: 'a' } }]]);
    expect((await kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: app.arn }))).Grants?.map((g) => g.GrantId)).toEqual([grant.GrantId]);
    covered.add('ListRetirableGrants');
    await appKms.send(new RetireGrantCommand({ GrantToken: grant.GrantToken }));
    covered.add('RetireGrant');
    expect((await rejected(appKms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { tenant: 'a' } })))).name).toBe('AccessDeniedException');
    const second = await kms.send(new CreateGrantCommand({ KeyId, GranteePrincipal: app.arn, Operations: ['Decrypt'] }));
    await kms.send(new RevokeGrantCommand({ KeyId, GrantId: second.GrantId }));
    covered.add('RevokeGrant');
    expect((await kms.send(new ListGrantsCommand({ KeyId }))).Grants).toEqual([]);
    appKms.destroy();
  });

  it('manages custom key stores (the PKCS11 fields are Strongroom’s, so the store is made in-process)', async () => {
    // The SDK sends only modeled members: without Strongroom's XStrongroomPkcs11* fields the store is refused.
    const refused = await rejected(kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'sdk', CustomKeyStoreType: 'PKCS11' as 'AWS_CLOUDHSM', KeyStorePassword: 'sdk-pin-1234' })));
    expect(refused.name).toBe('ValidationException');
    expect(refused.message).toMatch(/XStrongroomPkcs11ModulePath/);
    covered.add('CreateCustomKeyStore');
    // A "module" that is not one (this file): the store connects to FAILED, as a real token's absence would.
    const made = await ep.kms.invoke('CreateCustomKeyStore', {
      CustomKeyStoreName: 'sdk',
      CustomKeyStoreType: 'PKCS11',
      XStrongroomPkcs11ModulePath: fileURLToPath(import.meta.url),
      XStrongroomPkcs11TokenLabel: 'sdk',
      KeyStorePassword: 'sdk-pin-1234',
    });
    const id = made.CustomKeyStoreId ?? '';
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    covered.add('ConnectCustomKeyStore');
    const described = (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores?.[0];
    covered.add('DescribeCustomKeyStores');
    expect(described).toMatchObject({ CustomKeyStoreId: id, CustomKeyStoreName: 'sdk', CustomKeyStoreType: 'PKCS11', ConnectionState: 'FAILED', ConnectionErrorCode: 'CLUSTER_NOT_FOUND' });
    expect(described?.CreationDate).toBeInstanceOf(Date);
    expect(await rejected(kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id })))).toBeInstanceOf(CustomKeyStoreInvalidStateException);
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    covered.add('DisconnectCustomKeyStore');
    await kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, NewCustomKeyStoreName: 'sdk-renamed' }));
    covered.add('UpdateCustomKeyStore');
    expect((await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'sdk-renamed' }))).CustomKeyStores?.map((s) => s.ConnectionState)).toEqual(['DISCONNECTED']);
    await kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    covered.add('DeleteCustomKeyStore');
    const gone = await rejected(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })));
    expect(gone).toBeInstanceOf(CustomKeyStoreNotFoundException);
    expect(gone.$metadata.httpStatusCode).toBe(400);
  });

  it('covered every AWS operation the engine implements', () => {
    expect(operationNames.filter((n) => !isStrongroomOnly(n) && !covered.has(n))).toEqual([]);
  });
});
