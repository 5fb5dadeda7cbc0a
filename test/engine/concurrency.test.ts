// The app and the CLI open the same data directory at once. Several processes writing through
// their own engines must interleave without losing a record or breaking the audit chain.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Kms } from '../../electron/kms/engine.ts';
import { PassphraseRootKeyProvider } from '../../electron/kms/rootkey/passphrase.ts';
import { providerForKind } from '../../electron/kms/rootkey/select.ts';
import { tempDir } from '../support/engine.ts';

const PASSPHRASE = 'concurrency test passphrase';
const worker = fileURLToPath(new URL('../support/engine-worker.ts', import.meta.url));

function run(dataDir: string, keyId: string, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, dataDir, keyId, String(count)], {
      env: { ...process.env, STRONGROOM_PASSPHRASE: PASSPHRASE },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}: ${stderr}`))));
  });
}

describe('several processes on one installation', () => {
  it('interleave writes with every record kept and the chain intact', async () => {
    const dir = tempDir();
    try {
      const init = await Kms.init({ dataDir: dir, provider: new PassphraseRootKeyProvider(async () => PASSPHRASE) });
      const keyId = (await init.invoke('CreateKey', {})).KeyMetadata.KeyId;
      init.close();
      const perWorker = 60;
      await Promise.all([run(dir, keyId, perWorker), run(dir, keyId, perWorker), run(dir, keyId, perWorker)]);
      const kms = await Kms.open({ dataDir: dir, providerForKind: (k) => providerForKind(k, { passphrase: async () => PASSPHRASE }) });
      try {
        // CreateInstallation and 1 CreateKey at init; per worker 60 Encrypt + 60 Decrypt + 6 CreateKey.
        expect(kms.audit.count()).toBe(2 + 3 * (2 * perWorker + perWorker / 10));
        expect(kms.audit.verify()).toMatchObject({ ok: true });
        expect((await kms.invoke('ListKeys', {})).Keys).toHaveLength(1 + 3 * (perWorker / 10));
      } finally {
        kms.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
