// The PKCS#11 binding stays out of processes that use no custom key store, and the store's
// state is shared between processes: the CLI connects in one process and every later command
// (a new process each) logs in to the token on first use.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';
import { findSoftHsm, initSoftHsm } from '../support/softhsm.ts';

const tools = findSoftHsm();
const inCi = process.env.CI === 'true';
const ENGINE = fileURLToPath(new URL('../../electron/kms/engine.ts', import.meta.url));
const MEMORY = fileURLToPath(new URL('../../electron/kms/rootkey/memory.ts', import.meta.url));

/** Runs `body` in a fresh Node process with an engine `kms` open; prints whether pkcs11js was loaded. */
function loadedAfter(body: string): { loaded: boolean; stderr: string } {
  const dir = tempDir('strongroom-lazy-');
  const script = `
    import { createRequire } from 'node:module';
    const { Kms } = await import(${JSON.stringify(ENGINE)});
    const { MemoryRootKeyProvider } = await import(${JSON.stringify(MEMORY)});
    const kms = await Kms.init({ dataDir: ${JSON.stringify(dir)}, provider: new MemoryRootKeyProvider() });
    ${body}
    const cache = createRequire(import.meta.url).cache;
    console.log(JSON.stringify(Object.keys(cache).some((p) => p.includes('pkcs11js'))));
    kms.close();
  `;
  try {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    return { loaded: r.stdout.trim().split('\n').at(-1) === 'true', stderr: r.status === 0 ? '' : r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the PKCS#11 binding is loaded lazily', () => {
  it('is not loaded by an engine that runs operations without a custom key store', () => {
    const r = loadedAfter(`
      const key = (await kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
      await kms.invoke('Encrypt', { KeyId: key, Plaintext: new Uint8Array([1, 2, 3]) });
      await kms.invoke('DescribeCustomKeyStores', {});
    `);
    expect(r.stderr).toBe('');
    expect(r.loaded).toBe(false);
  });

  it('is loaded when a store is connected', () => {
    const r = loadedAfter(`
      const made = await kms.invoke('CreateCustomKeyStore', { CustomKeyStoreName: 's', CustomKeyStoreType: 'PKCS11',
        XStrongroomPkcs11ModulePath: ${JSON.stringify(ENGINE)}, XStrongroomPkcs11TokenLabel: 't', KeyStorePassword: '1234' });
      await kms.invoke('ConnectCustomKeyStore', { CustomKeyStoreId: made.CustomKeyStoreId });
    `);
    expect(r.stderr).toBe('');
    expect(r.loaded).toBe(true);
  });
});

describe.skipIf(!inCi && 'missing' in tools)('custom key store from the CLI, one process per command', () => {
  let dir: string;
  let hsm: string;
  let env: NodeJS.ProcessEnv;
  const PIN = 'cli-pin-5521';

  beforeAll(() => {
    if ('missing' in tools) {
      throw new Error(`The custom key store tests need SoftHSM2 and opensc, which are missing: ${tools.missing}. Install the Debian packages softhsm2 and opensc (.ci/run lists them).`);
    }
    dir = tempDir('strongroom-cli-cks-');
    hsm = tempDir('strongroom-cli-softhsm-');
    initSoftHsm(hsm, { label: 'cli-token', pin: PIN, soPin: '8765' });
    env = { SOFTHSM2_CONF: process.env.SOFTHSM2_CONF, STRONGROOM_PASSPHRASE: 'a passphrase for the cli custom key store test' };
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(hsm, { recursive: true, force: true });
  });

  it('creates (PIN from a file), connects, creates a key in the token, encrypts and decrypts, and reports a disconnected store', () => {
    const run = (...args: Array<string>) => cli(dir, args, { env });
    expect(run('init', '--root-key', 'passphrase').code).toBe(0);
    const pinFile = join(hsm, 'pin.txt');
    writeFileSync(pinFile, PIN);
    const created = run('create-custom-key-store', '--custom-key-store-name', 'token', '--custom-key-store-type', 'PKCS11',
      '--x-strongroom-pkcs11-module-path', (tools as { modulePath: string }).modulePath, '--x-strongroom-pkcs11-token-label', 'cli-token',
      '--key-store-password', `file://${pinFile}`);
    expect(created.stderr).toBe('');
    const storeId = String(created.json().CustomKeyStoreId);
    expect(run('connect-custom-key-store', '--custom-key-store-id', storeId).code).toBe(0);
    expect(run('describe-custom-key-stores', '--query', 'CustomKeyStores[0].ConnectionState', '--output', 'text').stdout.trim()).toBe('CONNECTED');
    const key = run('create-key', '--origin', 'AWS_CLOUDHSM', '--custom-key-store-id', storeId, '--query', 'KeyMetadata.KeyId', '--output', 'text');
    expect(key.stderr).toBe('');
    const keyId = key.stdout.trim();
    const blob = run('encrypt', '--key-id', keyId, '--plaintext', Buffer.from('from the cli').toString('base64'), '--encryption-context', 'app=cli', '--query', 'CiphertextBlob', '--output', 'text').stdout.trim();
    const plain = run('decrypt', '--ciphertext-blob', blob, '--encryption-context', 'app=cli', '--query', 'Plaintext', '--output', 'text');
    expect(Buffer.from(plain.stdout.trim(), 'base64').toString()).toBe('from the cli');

    expect(run('disconnect-custom-key-store', '--custom-key-store-id', storeId).code).toBe(0);
    const refused = run('decrypt', '--ciphertext-blob', blob, '--encryption-context', 'app=cli');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^An error occurred \(KMSInvalidStateException\) when calling the Decrypt operation: .* is unavailable: its custom key store cks-[0-9a-f]{17} is DISCONNECTED/);
    expect(run('delete-custom-key-store', '--custom-key-store-id', storeId).stderr).toMatch(/CustomKeyStoreHasCMKsException/);
  });
});
