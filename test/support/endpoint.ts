// A real endpoint for tests: a real engine on a temp SQLite file (in-memory root key provider,
// tests only), a real access key for the installation owner, the HTTP server on a free loopback
// port with real SigV4 verification.
import { rmSync } from 'node:fs';
import { Kms } from '../../electron/kms/engine.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { startEndpoint, type Endpoint } from '../../electron/server/endpoint.ts';
import { tempDir } from './engine.ts';

export type TestEndpoint = {
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly kms: Kms;
  readonly dir: string;
  readonly server: Endpoint;
  close(): Promise<void>;
};

export async function startTestEndpoint(options: { now?: () => number; maxBodyBytes?: number } = {}): Promise<TestEndpoint> {
  const dir = tempDir('strongroom-endpoint-');
  const accountId = '111122223333';
  const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider(), accountId, region: 'local-1' });
  const key = kms.createAccessKey('root');
  const server = await startEndpoint({ kms, lookup: kms.lookupAccessKey, port: 0, ...options });
  return {
    endpoint: server.url,
    region: 'local-1',
    accountId,
    credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey },
    kms,
    dir,
    server,
    async close() {
      await server.close();
      kms.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
