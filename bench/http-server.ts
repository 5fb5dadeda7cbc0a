// A server process for the HTTP benchmark: `strongroom` (the real endpoint on a temp
// installation, with an access key and a key) or `noop` (a plain Node JSON server that parses
// the body and answers a response of the same size: the cost of HTTP alone). Prints one JSON
// line with what the load generator needs, then serves until killed.
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kms } from '../electron/kms/engine.ts';
import { MemoryRootKeyProvider } from '../electron/kms/rootkey/memory.ts';
import { startEndpoint } from '../electron/server/endpoint.ts';

const kind = process.argv[2];
if (kind === 'noop') {
  const server = createServer({ keepAlive: true }, (req, res) => {
    const chunks: Array<Buffer> = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Plaintext?: string };
      const out = JSON.stringify({ CiphertextBlob: body.Plaintext ?? '', KeyId: 'noop', EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
  server.keepAliveTimeout = 5_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    process.stdout.write(`${JSON.stringify({ endpoint: `http://127.0.0.1:${port}` })}\n`);
  });
} else {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-bench-http-'));
  const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider(), region: 'local-1' });
  const key = kms.createAccessKey('root');
  const keyId = kms.invokeSync('CreateKey', {}).KeyMetadata.KeyId;
  const endpoint = await startEndpoint({ kms, lookup: kms.lookupAccessKey, port: 0 });
  process.stdout.write(`${JSON.stringify({ endpoint: endpoint.url, keyId, accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey, region: 'local-1' })}\n`);
  process.on('SIGTERM', () => {
    void endpoint.close().then(() => {
      const records = kms.audit.count();
      kms.close();
      rmSync(dir, { recursive: true, force: true });
      process.stderr.write(`  (the Strongroom server wrote ${records} audit records)\n`);
      process.exit(0);
    });
  });
}
