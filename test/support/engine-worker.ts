// A separate process using the same installation, as the CLI does while the app runs.
// Usage: node engine-worker.ts <dataDir> <keyId> <count>; passphrase from STRONGROOM_PASSPHRASE.
import { Kms } from '../../electron/kms/engine.ts';
import { providerForKind } from '../../electron/kms/rootkey/select.ts';

const [dataDir = '', keyId = '', count = '0'] = process.argv.slice(2);
const passphrase = process.env.STRONGROOM_PASSPHRASE ?? '';
const kms = await Kms.open({ dataDir, providerForKind: (kind) => providerForKind(kind, { passphrase: async () => passphrase }) });
try {
  for (let i = 0; i < Number(count); i++) {
    const enc = await kms.invoke('Encrypt', { KeyId: keyId, Plaintext: new TextEncoder().encode(`worker ${process.pid} #${i}`) });
    await kms.invoke('Decrypt', { CiphertextBlob: enc.CiphertextBlob });
    if (i % 10 === 0) {
      await kms.invoke('CreateKey', { Description: `from ${process.pid}` });
    }
  }
} finally {
  kms.close();
}
