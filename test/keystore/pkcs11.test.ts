// PKCS#11 custom key stores on a real SoftHSM2 token that this test initialises itself: the
// store's life (create → connect → keys → disconnect → reconnect → delete), keys generated in
// the token as non-extractable AES objects (checked with opensc's pkcs11-tool, not with our own
// binding), cryptography run by the token in Strongroom's own ciphertext format, AWS's errors
// for stores and keys that are not connected, and a scan that the PIN is never written down in
// the clear. Without softhsm2/opensc the file fails under CI=true and is skipped elsewhere.
import Database from 'better-sqlite3';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBlobHeader } from '../../electron/kms/crypto/ciphertext-blob.ts';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { findSecrets } from '../support/secrets.ts';
import { bytes, kmsError, newEngine, tempDir, text, type TestEngine } from '../support/engine.ts';
import { findSoftHsm, initSoftHsm, listSecretKeys, parseObjects } from '../support/softhsm.ts';

const tools = findSoftHsm();
const inCi = process.env.CI === 'true';

const TOKEN = 'strongroom-test';
const PIN = 'pin-7Qx9-never-logged-4242';
const WRONG_PIN = 'wrong-pin-3Kd8-also-secret';
const SO_PIN = 'so-pin-9911';

describe.skipIf(!inCi && 'missing' in tools)('PKCS#11 custom key store on SoftHSM2', () => {
  let t: TestEngine;
  let hsmDir: string;
  let modulePath: string;

  beforeAll(async () => {
    if ('missing' in tools) {
      throw new Error(`The custom key store tests need SoftHSM2 and opensc, which are missing: ${tools.missing}. Install the Debian packages softhsm2 and opensc (.ci/run lists them).`);
    }
    modulePath = tools.modulePath;
    hsmDir = tempDir('strongroom-softhsm-');
    initSoftHsm(hsmDir, { label: TOKEN, pin: PIN, soPin: SO_PIN });
    t = await newEngine();
  });

  afterAll(() => {
    t?.cleanup();
    if (hsmDir !== undefined) {
      rmSync(hsmDir, { recursive: true, force: true });
    }
  });

  const createStore = async (name: string, pin = PIN, label = TOKEN): Promise<string> =>
    (await t.kms.invoke('CreateCustomKeyStore', {
      CustomKeyStoreName: name,
      CustomKeyStoreType: 'PKCS11',
      XStrongroomPkcs11ModulePath: modulePath,
      XStrongroomPkcs11TokenLabel: label,
      KeyStorePassword: pin,
    })).CustomKeyStoreId ?? '';

  const describeStore = async (id: string) => {
    const stores = (await t.kms.invoke('DescribeCustomKeyStores', { CustomKeyStoreId: id })).CustomKeyStores;
    expect(stores).toHaveLength(1);
    return stores[0] ?? {};
  };

  let storeId = '';
  let keyId = '';
  let blob: Uint8Array = new Uint8Array();
  let dataKey: { plaintext: Uint8Array; blob: Uint8Array } = { plaintext: new Uint8Array(), blob: new Uint8Array() };

  it('creates a store (DISCONNECTED) and refuses keys in it until it is connected', async () => {
    storeId = await createStore('softhsm');
    expect(storeId).toMatch(/^cks-[0-9a-f]{17}$/);
    expect(await describeStore(storeId)).toMatchObject({
      CustomKeyStoreId: storeId,
      CustomKeyStoreName: 'softhsm',
      CustomKeyStoreType: 'PKCS11',
      ConnectionState: 'DISCONNECTED',
      XStrongroomPkcs11ModulePath: modulePath,
      XStrongroomPkcs11TokenLabel: TOKEN,
    });
    const refused = await kmsError(t.kms.invoke('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId }));
    expect(refused.name).toBe('CustomKeyStoreInvalidStateException');
    expect(refused.message).toContain(storeId);
  });

  it('connects, and generates the key inside the token as a non-extractable AES-256 object named by the key id', async () => {
    expect(await t.kms.invoke('ConnectCustomKeyStore', { CustomKeyStoreId: storeId })).toEqual({});
    expect(await describeStore(storeId)).toMatchObject({ ConnectionState: 'CONNECTED' });
    expect((await describeStore(storeId)).ConnectionErrorCode).toBeUndefined();

    const meta = (await t.kms.invoke('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId, Description: 'in the token' })).KeyMetadata;
    keyId = meta.KeyId;
    expect(meta).toMatchObject({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId, KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', KeyState: 'Enabled', Enabled: true });
    expect(meta.CurrentKeyMaterialId).toBeUndefined();

    // No key material row: the key exists only on the token.
    const db = new Database(join(t.dir, DATABASE_FILE), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM key_material WHERE key_id = ?').get(keyId)).toEqual({ n: 0 });
    } finally {
      db.close();
    }

    const objects = parseObjects(listSecretKeys(modulePath, TOKEN, PIN));
    const object = objects.find((o) => o.label === keyId);
    expect(object, JSON.stringify(objects)).toBeDefined();
    expect(object?.header).toMatch(/^Secret Key Object; AES length 32/);
    expect(object?.id).toBe(keyId.replaceAll('-', ''));
    expect(object?.access).toEqual(expect.arrayContaining(['sensitive', 'always sensitive', 'never extractable']));
    expect(object?.access).not.toContain('extractable');
  });

  it('GenerateRandom with CustomKeyStoreId draws from the token', async () => {
    const random = await t.kms.invoke('GenerateRandom', { NumberOfBytes: 48, CustomKeyStoreId: storeId });
    expect(random.Plaintext).toHaveLength(48);
    expect(Buffer.from(random.Plaintext).equals(Buffer.alloc(48))).toBe(false);
    expect((await kmsError(t.kms.invoke('GenerateRandom', { NumberOfBytes: 8, CustomKeyStoreId: 'cks-0123456789abcdef0' }))).name).toBe('CustomKeyStoreNotFoundException');
  });

  it('refuses key specs, origins and stores AWS refuses', async () => {
    expect((await kmsError(t.kms.invoke('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId, KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }))).name).toBe('UnsupportedOperationException');
    expect((await kmsError(t.kms.invoke('CreateKey', { CustomKeyStoreId: storeId }))).name).toBe('ValidationException');
    expect((await kmsError(t.kms.invoke('CreateKey', { Origin: 'AWS_CLOUDHSM' }))).name).toBe('ValidationException');
    // A token key is never extractable, so it cannot be created exportable (D23, D24).
    expect(await kmsError(t.kms.invoke('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId, XStrongroomExportable: true }))).toMatchObject({
      name: 'UnsupportedOperationException',
      message: expect.stringContaining('cannot be exportable') as unknown,
    });
    expect((await kmsError(t.kms.invoke('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: 'cks-0123456789abcdef0' }))).name).toBe('CustomKeyStoreNotFoundException');
    expect((await kmsError(t.kms.invoke('EnableKeyRotation', { KeyId: keyId }))).name).toBe('UnsupportedOperationException');
    expect((await kmsError(t.kms.invoke('RotateKeyOnDemand', { KeyId: keyId }))).name).toBe('UnsupportedOperationException');
  });

  it('encrypts and decrypts inside the token in Strongroom’s ciphertext format, with the encryption context bound', async () => {
    const context = { tenant: 'a', purpose: 'pkcs11' };
    const encrypted = await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('sealed by the token'), EncryptionContext: context });
    blob = encrypted.CiphertextBlob;
    expect(parseBlobHeader(blob)).toEqual({ keyId, keyVersion: 1 });
    expect(blob.length).toBe('sealed by the token'.length + 49);
    const opened = await t.kms.invoke('Decrypt', { CiphertextBlob: blob, EncryptionContext: context });
    expect(text(opened.Plaintext)).toBe('sealed by the token');
    expect(opened.KeyId).toMatch(new RegExp(`:key/${keyId}$`));
    expect((await kmsError(t.kms.invoke('Decrypt', { CiphertextBlob: blob, EncryptionContext: { tenant: 'b', purpose: 'pkcs11' } }))).name).toBe('InvalidCiphertextException');
    const tampered = Uint8Array.from(blob);
    tampered[40] = (tampered[40] ?? 0) ^ 1;
    expect((await kmsError(t.kms.invoke('Decrypt', { CiphertextBlob: tampered, EncryptionContext: context }))).name).toBe('InvalidCiphertextException');
  });

  it('makes data keys under a token key, and re-encrypts to and from ordinary keys', async () => {
    const generated = await t.kms.invoke('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { file: 'x' } });
    expect(generated.Plaintext).toHaveLength(32);
    expect(generated.KeyMaterialId).toBeUndefined();
    dataKey = { plaintext: generated.Plaintext, blob: generated.CiphertextBlob };
    expect(Buffer.from((await t.kms.invoke('Decrypt', { CiphertextBlob: dataKey.blob, EncryptionContext: { file: 'x' } })).Plaintext)).toEqual(Buffer.from(dataKey.plaintext));
    const bare = await t.kms.invoke('GenerateDataKeyWithoutPlaintext', { KeyId: keyId, NumberOfBytes: 16 });
    expect((await t.kms.invoke('Decrypt', { CiphertextBlob: bare.CiphertextBlob })).Plaintext).toHaveLength(16);

    const ordinary = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    const moved = await t.kms.invoke('ReEncrypt', { CiphertextBlob: blob, SourceEncryptionContext: { tenant: 'a', purpose: 'pkcs11' }, DestinationKeyId: ordinary });
    expect(parseBlobHeader(moved.CiphertextBlob)?.keyId).toBe(ordinary);
    const back = await t.kms.invoke('ReEncrypt', { CiphertextBlob: moved.CiphertextBlob, DestinationKeyId: keyId, DestinationEncryptionContext: { back: 'yes' } });
    expect(text((await t.kms.invoke('Decrypt', { CiphertextBlob: back.CiphertextBlob, EncryptionContext: { back: 'yes' } })).Plaintext)).toBe('sealed by the token');
  });

  it('disconnecting makes the store’s keys Unavailable with AWS’s errors; reconnecting restores them', async () => {
    expect(await t.kms.invoke('DisconnectCustomKeyStore', { CustomKeyStoreId: storeId })).toEqual({});
    expect(await describeStore(storeId)).toMatchObject({ ConnectionState: 'DISCONNECTED' });
    expect((await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata).toMatchObject({ KeyState: 'Unavailable', Enabled: false, CustomKeyStoreId: storeId });
    for (const [name, input] of [
      ['Encrypt', { KeyId: keyId, Plaintext: bytes('x') }],
      ['Decrypt', { CiphertextBlob: blob, EncryptionContext: { tenant: 'a', purpose: 'pkcs11' } }],
      ['GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' }],
      ['GenerateDataKeyWithoutPlaintext', { KeyId: keyId, KeySpec: 'AES_256' }],
      ['ReEncrypt', { CiphertextBlob: dataKey.blob, SourceEncryptionContext: { file: 'x' }, DestinationKeyId: keyId }],
    ] as const) {
      const err = await kmsError(t.kms.invoke(name, input));
      expect(err.name, name).toBe('KMSInvalidStateException');
      expect(err.message, name).toMatch(new RegExp(`is unavailable: its custom key store ${storeId} is DISCONNECTED`));
    }
    expect((await kmsError(t.kms.invoke('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId }))).name).toBe('CustomKeyStoreInvalidStateException');
    expect((await kmsError(t.kms.invoke('GenerateRandom', { NumberOfBytes: 8, CustomKeyStoreId: storeId }))).name).toBe('CustomKeyStoreInvalidStateException');
    expect((await kmsError(t.kms.invoke('DisconnectCustomKeyStore', { CustomKeyStoreId: storeId }))).name).toBe('CustomKeyStoreInvalidStateException');

    await t.kms.invoke('ConnectCustomKeyStore', { CustomKeyStoreId: storeId });
    expect((await t.kms.invoke('DescribeKey', { KeyId: keyId })).KeyMetadata.KeyState).toBe('Enabled');
    expect(text((await t.kms.invoke('Decrypt', { CiphertextBlob: blob, EncryptionContext: { tenant: 'a', purpose: 'pkcs11' } })).Plaintext)).toBe('sealed by the token');
  });

  it('a new engine process logs in on first use to a store another process connected', async () => {
    await t.reopen();
    expect(text((await t.kms.invoke('Decrypt', { CiphertextBlob: blob, EncryptionContext: { tenant: 'a', purpose: 'pkcs11' } })).Plaintext)).toBe('sealed by the token');
  });

  it('keys still work while disabled keys stay refused', async () => {
    await t.kms.invoke('DisableKey', { KeyId: keyId });
    expect((await kmsError(t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') }))).name).toBe('DisabledException');
    await t.kms.invoke('EnableKey', { KeyId: keyId });
    expect((await t.kms.invoke('Encrypt', { KeyId: keyId, Plaintext: bytes('x') })).CiphertextBlob.length).toBe(50);
  });

  it('a wrong PIN leaves the store FAILED with INVALID_CREDENTIALS; a missing token with CLUSTER_NOT_FOUND; both recover', async () => {
    // With no session on the token, the token itself refuses the PIN (C_Login: CKR_PIN_INCORRECT).
    await t.kms.invoke('DisconnectCustomKeyStore', { CustomKeyStoreId: storeId });
    const wrong = await createStore('wrong-pin', WRONG_PIN);
    expect(await t.kms.invoke('ConnectCustomKeyStore', { CustomKeyStoreId: wrong })).toEqual({});
    expect(await describeStore(wrong)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'INVALID_CREDENTIALS' });
    // While another store of this process is logged in to the token, C_Login would answer
    // CKR_USER_ALREADY_LOGGED_IN for any PIN: the wrong one is still refused.
    await t.kms.invoke('ConnectCustomKeyStore', { CustomKeyStoreId: storeId });
    const riding = await createStore('riding-on-a-login', WRONG_PIN);
    await t.kms.invoke('ConnectCustomKeyStore', { CustomKeyStoreId: riding });
    expect(await describeStore(riding)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'INVALID_CREDENTIALS' });
    await t.kms.invoke('DisconnectCustomKeyStore', { CustomKeyStoreId: riding });
    await t.kms.invoke('DeleteCustomKeyStore', { CustomKeyStoreId: riding });
    // As AWS: a FAILED store is disconnected before it is connected again.
    expect((await kmsError(t.kms.invoke('ConnectCustomKeyStore', { CustomKeyStoreId: wrong }))).name).toBe('CustomKeyStoreInvalidStateException');
    expect((await kmsError(t.kms.invoke('UpdateCustomKeyStore', { CustomKeyStoreId: wrong, KeyStorePassword: PIN }))).name).toBe('CustomKeyStoreInvalidStateException');
    await t.kms.invoke('DisconnectCustomKeyStore', { CustomKeyStoreId: wrong });
    await t.kms.invoke('UpdateCustomKeyStore', { CustomKeyStoreId: wrong, KeyStorePassword: PIN, NewCustomKeyStoreName: 'right-pin' });
    await t.kms.invoke('ConnectCustomKeyStore', { CustomKeyStoreId: wrong });
    expect(await describeStore(wrong)).toMatchObject({ ConnectionState: 'CONNECTED', CustomKeyStoreName: 'right-pin' });

    const absent = await createStore('no-such-token', PIN, 'not-initialised');
    await t.kms.invoke('ConnectCustomKeyStore', { CustomKeyStoreId: absent });
    expect(await describeStore(absent)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'CLUSTER_NOT_FOUND' });
    await t.kms.invoke('DisconnectCustomKeyStore', { CustomKeyStoreId: absent });
  });

  it('refuses to delete a store that holds keys or is connected; deletes an empty disconnected one', async () => {
    const holding = await kmsError(t.kms.invoke('DeleteCustomKeyStore', { CustomKeyStoreId: storeId }));
    expect(holding.name).toBe('CustomKeyStoreHasCMKsException');
    const empty = (await t.kms.invoke('DescribeCustomKeyStores', { CustomKeyStoreName: 'right-pin' })).CustomKeyStores[0]?.CustomKeyStoreId ?? '';
    expect((await kmsError(t.kms.invoke('DeleteCustomKeyStore', { CustomKeyStoreId: empty }))).name).toBe('CustomKeyStoreInvalidStateException');
    await t.kms.invoke('DisconnectCustomKeyStore', { CustomKeyStoreId: empty });
    expect(await t.kms.invoke('DeleteCustomKeyStore', { CustomKeyStoreId: empty })).toEqual({});
    expect((await kmsError(t.kms.invoke('DescribeCustomKeyStores', { CustomKeyStoreId: empty }))).name).toBe('CustomKeyStoreNotFoundException');
    expect((await kmsError(t.kms.invoke('DeleteCustomKeyStore', { CustomKeyStoreId: empty }))).name).toBe('CustomKeyStoreNotFoundException');
  });

  it('refuses duplicate names, AWS’s own store types and bad module paths; pages DescribeCustomKeyStores', async () => {
    expect((await kmsError(createStore('softhsm'))).name).toBe('CustomKeyStoreNameInUseException');
    expect((await kmsError(t.kms.invoke('CreateCustomKeyStore', { CustomKeyStoreName: 'cloud', CloudHsmClusterId: 'cluster-1234567890abc', KeyStorePassword: PIN }))).name).toBe('UnsupportedOperationException');
    expect((await kmsError(t.kms.invoke('CreateCustomKeyStore', {
      CustomKeyStoreName: 'relative',
      CustomKeyStoreType: 'PKCS11',
      XStrongroomPkcs11ModulePath: 'libsofthsm2.so',
      XStrongroomPkcs11TokenLabel: TOKEN,
      KeyStorePassword: PIN,
    }))).name).toBe('ValidationException');
    await createStore('page-a');
    await createStore('page-b');
    const first = await t.kms.invoke('DescribeCustomKeyStores', { Limit: 2 });
    expect(first.CustomKeyStores).toHaveLength(2);
    expect(first.Truncated).toBe(true);
    const rest = await t.kms.invoke('DescribeCustomKeyStores', { Limit: 2, Marker: first.NextMarker });
    const all = [...first.CustomKeyStores, ...rest.CustomKeyStores].map((s) => s.CustomKeyStoreName);
    expect(all.sort()).toEqual(['no-such-token', 'page-a', 'page-b', 'softhsm']);
    expect(rest.Truncated).toBe(false);
  });

  it('never writes the PIN down: not in any data directory file, not in any audit record, in any encoding', async () => {
    const records = t.kms.audit.list({ MaxResults: 1000 }).map((r) => r.record as unknown as Record<string, unknown>);
    const created = records.filter((r) => r.eventName === 'CreateCustomKeyStore' && r.errorCode === undefined);
    expect(created.length).toBeGreaterThan(0);
    for (const record of created) {
      expect(record.requestParameters).toMatchObject({ customKeyStoreName: expect.any(String), xStrongroomPkcs11TokenLabel: expect.any(String) });
      expect(JSON.stringify(record.requestParameters)).not.toMatch(/keyStorePassword/i);
    }
    const updates = records.filter((r) => r.eventName === 'UpdateCustomKeyStore');
    expect(updates.length).toBeGreaterThan(0);
    const recordsText = Buffer.from(JSON.stringify(records));
    const secrets = [{ what: 'PIN', value: bytes(PIN) }, { what: 'wrong PIN', value: bytes(WRONG_PIN) }];
    expect(findSecrets([{ name: 'audit records', data: recordsText }], secrets)).toEqual([]);
    // Positive control: the scan finds what is there (the store names are logged).
    expect(findSecrets([{ name: 'audit records', data: recordsText }], [{ what: 'name', value: bytes('right-pin') }])).not.toEqual([]);
    await t.reopen();
    const files = readdirSync(t.dir).map((name) => ({ name, data: readFileSync(join(t.dir, name)) }));
    expect(findSecrets(files, secrets)).toEqual([]);
  });

  it('deleting the store’s last KMS key frees the store for deletion and leaves the token object, as AWS does', async () => {
    await t.kms.invoke('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    // Pending deletion still counts as a key in the store.
    expect((await kmsError(t.kms.invoke('DeleteCustomKeyStore', { CustomKeyStoreId: storeId }))).name).toBe('CustomKeyStoreHasCMKsException');
    t.clock.advance(8 * 24 * 3600 * 1000);
    expect(t.kms.runScheduledWork().deleted).toBe(1);
    expect((await kmsError(t.kms.invoke('DescribeKey', { KeyId: keyId }))).name).toBe('NotFoundException');
    await t.kms.invoke('DisconnectCustomKeyStore', { CustomKeyStoreId: storeId });
    expect(await t.kms.invoke('DeleteCustomKeyStore', { CustomKeyStoreId: storeId })).toEqual({});
    expect(parseObjects(listSecretKeys(modulePath, TOKEN, PIN)).map((o) => o.label)).toContain(keyId);
  });
});
