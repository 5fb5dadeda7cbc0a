// A process that loads an installation with many concurrent callers and prints each call's
// request id the moment its answer arrives (one line, written synchronously), until it is killed.
// The parent kills it with SIGKILL mid-load and checks that every answered id is in the audit log:
// a call is answered only once its commit group is durable.
// Usage: node load-worker.ts <dataDir> <keyId> <callers>; passphrase from STRONGROOM_PASSPHRASE.
import { writeSync } from 'node:fs';
import { Kms } from '../../electron/kms/engine.ts';
import { newRequestId } from '../../electron/kms/request-id.ts';
import { providerForKind } from '../../electron/kms/rootkey/select.ts';

const [dataDir = '', keyId = '', callers = '32'] = process.argv.slice(2);
const passphrase = process.env.STRONGROOM_PASSPHRASE ?? '';
const kms = await Kms.open({ dataDir, providerForKind: (kind) => providerForKind(kind, { passphrase: async () => passphrase }) });
const Plaintext = new Uint8Array(32);
const caller = async (): Promise<never> => {
  for (;;) {
    const requestId = newRequestId();
    await kms.invoke('Encrypt', { KeyId: keyId, Plaintext }, { requestId });
    writeSync(1, `${requestId}\n`);
  }
};
await Promise.all(Array.from({ length: Number(callers) }, caller));
