// The AWS CLI v2 (Debian's awscli), unmodified, managing and using a PKCS#11 custom key store on
// a SoftHSM2 token through the endpoint. Only creating the store needs Strongroom's own fields
// (the AWS CLI sends modeled members only), so it is created in-process.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI_V2, isolatedAwsCliEnv, peerAvailable, run } from '../interop/peers.ts';
import { startTestEndpoint, type TestEndpoint } from '../support/endpoint.ts';
import { tempDir } from '../support/engine.ts';
import { findSoftHsm, initSoftHsm } from '../support/softhsm.ts';

const tools = findSoftHsm();
const inCi = process.env.CI === 'true';
const PIN = 'aws-cli-pin-7310';

// Runs where the AWS CLI is (as test/interop/aws-cli.test.ts); fails under CI=true without SoftHSM2.
describe.runIf(peerAvailable(AWS_CLI_V2) && (inCi || !('missing' in tools)))('AWS CLI v2 with a PKCS#11 custom key store', () => {
  let ep: TestEndpoint;
  let work: string;
  let env: NodeJS.ProcessEnv;
  const aws = async (...args: Array<string>) => {
    const r = await run(AWS_CLI_V2, ['kms', ...args, '--endpoint-url', ep.endpoint], { env, cwd: work });
    return { ...r, json: () => JSON.parse(r.stdout) as Record<string, unknown> };
  };

  beforeAll(async () => {
    if ('missing' in tools) {
      throw new Error(`The custom key store tests need SoftHSM2 and opensc, which are missing: ${tools.missing}. Install the Debian packages softhsm2 and opensc (.ci/run lists them).`);
    }
    work = tempDir('strongroom-awscli-cks-');
    initSoftHsm(work, { label: 'aws-cli', pin: PIN, soPin: '1122' });
    ep = await startTestEndpoint();
    env = isolatedAwsCliEnv(work, ep.credentials);
  });
  afterAll(async () => {
    await ep?.close();
    if (work !== undefined) {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('connects, creates a key in the token, encrypts, decrypts, makes data keys, and reports a disconnected store', async () => {
    const made = await ep.kms.invoke('CreateCustomKeyStore', {
      CustomKeyStoreName: 'aws-cli',
      CustomKeyStoreType: 'PKCS11',
      XStrongroomPkcs11ModulePath: (tools as { modulePath: string }).modulePath,
      XStrongroomPkcs11TokenLabel: 'aws-cli',
      KeyStorePassword: PIN,
    });
    const storeId = made.CustomKeyStoreId ?? '';
    const connect = await aws('connect-custom-key-store', '--custom-key-store-id', storeId);
    expect([connect.code, connect.stderr]).toEqual([0, '']);
    const stores = (await aws('describe-custom-key-stores')).json().CustomKeyStores as Array<Record<string, unknown>>;
    expect(stores).toEqual([expect.objectContaining({ CustomKeyStoreId: storeId, CustomKeyStoreName: 'aws-cli', ConnectionState: 'CONNECTED', CustomKeyStoreType: 'PKCS11' })]);

    const created = await aws('create-key', '--origin', 'AWS_CLOUDHSM', '--custom-key-store-id', storeId, '--description', 'in SoftHSM2');
    expect(created.stderr).toBe('');
    const md = created.json().KeyMetadata as Record<string, unknown>;
    expect(md).toMatchObject({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId, KeyState: 'Enabled' });
    const keyId = String(md.KeyId);

    writeFileSync(join(work, 'plain'), 'through the AWS CLI and the token');
    const enc = await aws('encrypt', '--key-id', keyId, '--plaintext', 'fileb://plain', '--encryption-context', 'purpose=cks', '--output', 'text', '--query', 'CiphertextBlob');
    expect(enc.code).toBe(0);
    writeFileSync(join(work, 'sealed'), Buffer.from(enc.stdout.trim(), 'base64'));
    const dec = await aws('decrypt', '--ciphertext-blob', 'fileb://sealed', '--encryption-context', 'purpose=cks', '--output', 'text', '--query', 'Plaintext');
    expect(Buffer.from(dec.stdout.trim(), 'base64').toString()).toBe('through the AWS CLI and the token');
    const dk = (await aws('generate-data-key', '--key-id', keyId, '--key-spec', 'AES_256')).json();
    expect(Buffer.from(String(dk.Plaintext), 'base64')).toHaveLength(32);

    expect((await aws('disconnect-custom-key-store', '--custom-key-store-id', storeId)).code).toBe(0);
    const refused = await aws('decrypt', '--ciphertext-blob', 'fileb://sealed', '--encryption-context', 'purpose=cks');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/\(KMSInvalidStateException\) when calling the Decrypt operation: .* is unavailable: its custom key store cks-[0-9a-f]{17} is DISCONNECTED/);
    const busy = await aws('delete-custom-key-store', '--custom-key-store-id', storeId);
    expect(busy.stderr).toMatch(/\(CustomKeyStoreHasCMKsException\)/);
    const missing = await aws('describe-custom-key-stores', '--custom-key-store-id', 'cks-0123456789abcdef0');
    expect(missing.stderr).toMatch(/\(CustomKeyStoreNotFoundException\)/);
  });
});
