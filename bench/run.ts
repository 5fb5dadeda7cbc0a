// `npm run bench`: speed as ratios measured side by side in one run, never a bare pass/fail.
//
//  1. In-process Encrypt / Decrypt / GenerateDataKey through the full engine pipeline (schema
//     validation, key resolution, state check, unwrap of the key material, AES-256-GCM, one
//     hash-chained audit record committed to SQLite with synchronous=FULL) against the same
//     AES-256-GCM work done directly with node:crypto.
//  2. Sign / Verify per key spec, and GenerateMac, through the engine against node:crypto doing
//     the same signature or MAC in the same run (bench/asymmetric.ts).
//  3. Policy evaluation: Encrypt allowed by a 20-statement key policy against the owner's
//     default policy, and the decision alone (bench/policy.ts).
//  4. File encryption (bench/envelope.ts): frame-length sweep, against node:crypto AES-GCM at
//     the same frame size, age, @aws-crypto/client-node, and peak memory on a 4 GiB file.
//  5. Audit log (bench/audit.ts): append cost against a bare SQLite insert of the same row, then
//     query pages and a full verify on 1,000,000 generated records.
//  6. Encrypt of 4 KB over HTTP against a no-op JSON server (bench/http-load.ts).
//  7. The CLI as a user runs it (bench/cli-start.ts): list-keys and encrypt 4 KB on a keychain
//     installation against a bare `node -e ''`, and a passphrase installation's call after the
//     unlock against the keychain call, in alternating runs.
//  8. Backup (bench/backup.ts): `backup create` 3-of-5, verify and restore against a plain
//     VACUUM INTO copy of the same database.

import { spawn } from 'node:child_process';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aesGcmOpen, aesGcmSeal } from '../electron/kms/crypto/aes-gcm.ts';
import { Kms } from '../electron/kms/engine.ts';
import { MemoryRootKeyProvider } from '../electron/kms/rootkey/memory.ts';
import { asymmetric } from './asymmetric.ts';
import { policyCost } from './policy.ts';
import { envelopeBench } from './envelope.ts';
import { auditBench } from './audit.ts';
import { backupBench } from './backup.ts';
import { runLoad, type PreparedRequest } from './http-load.ts';
import { measure, type Rate } from './measure.ts';
import { cliStartBench } from './cli-start.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');

function ratio(label: string, engine: Rate, raw: Rate): void {
  console.log(`  ${label.padEnd(58)} ${(raw.perSecond / engine.perSecond).toFixed(1).padStart(10)} × slower than raw AES-GCM`);
}

async function inProcess(seconds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-bench-'));
  const kms = await Kms.init({ dataDir: dir, provider: new MemoryRootKeyProvider() });
  try {
    const keyId = kms.invokeSync('CreateKey', {}).KeyMetadata.KeyId;
    const plaintext = randomBytes(32);
    const context = { purpose: 'bench' };
    const blob = kms.invokeSync('Encrypt', { KeyId: keyId, Plaintext: plaintext, EncryptionContext: context }).CiphertextBlob;
    const key = randomBytes(32);
    const aad = randomBytes(40);
    const sealed = aesGcmSeal(key, randomBytes(12), plaintext, aad);
    const nonce = randomBytes(12);

    console.log('\nIn-process, 32-byte plaintext, one audit record per call (SQLite WAL, synchronous=FULL)');
    const rawSeal = measure('raw AES-256-GCM seal (node:crypto, random nonce)', () => {
      aesGcmSeal(key, randomBytes(12), plaintext, aad);
    }, seconds);
    const encrypt = measure('Encrypt through the engine', () => {
      kms.invokeSync('Encrypt', { KeyId: keyId, Plaintext: plaintext, EncryptionContext: context });
    }, seconds);
    const rawOpen = measure('raw AES-256-GCM open (node:crypto)', () => {
      aesGcmOpen(key, nonce, sealed.ciphertext, sealed.tag, aad);
    }, seconds);
    const decrypt = measure('Decrypt through the engine', () => {
      kms.invokeSync('Decrypt', { CiphertextBlob: blob, EncryptionContext: context });
    }, seconds);
    const gdk = measure('GenerateDataKey AES_256 through the engine', () => {
      kms.invokeSync('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' });
    }, seconds);
    ratio('Encrypt vs raw seal', encrypt, rawSeal);
    ratio('Decrypt vs raw open', decrypt, rawOpen);
    ratio('GenerateDataKey vs raw seal', gdk, rawSeal);
    console.log(`  audit records written during the run: ${kms.audit.count()}`);
  } finally {
    kms.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

type ServerInfo = { endpoint: string; keyId?: string; accessKeyId?: string; secretAccessKey?: string; region?: string };

async function startServer(kind: 'strongroom' | 'noop'): Promise<{ info: ServerInfo; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(root, 'bench/http-server.ts'), kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const nl = buffered.indexOf('\n');
      if (nl !== -1) {
        resolve(buffered.slice(0, nl));
      }
    });
    child.on('exit', (code) => reject(new Error(`${kind} server exited ${code}`)));
  });
  return {
    info: JSON.parse(line) as ServerInfo,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function prepared(info: ServerInfo, plaintext: Buffer): Promise<PreparedRequest> {
  const url = new URL(info.endpoint);
  const body = JSON.stringify({ KeyId: info.keyId ?? 'noop', Plaintext: plaintext.toString('base64') });
  const headers: Record<string, string> = { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt' };
  if (info.accessKeyId !== undefined && info.secretAccessKey !== undefined) {
    const signer = new SignatureV4({ credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey }, region: info.region ?? 'local-1', service: 'kms', sha256: Hash.bind(null, 'sha256') });
    const signed = await signer.sign(new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers, body }));
    return { url, headers: signed.headers as Record<string, string>, body: Buffer.from(body) };
  }
  return { url, headers, body: Buffer.from(body) };
}

async function http(seconds: number): Promise<void> {
  console.log('\nHTTP endpoint: Encrypt of 4 KB, keep-alive connections, server in its own process');
  console.log('  (Strongroom: SigV4 check, validation, AES-256-GCM, one audit record per call, group commit)');
  const plaintext = randomBytes(4096);
  const noop = await startServer('noop');
  const sr = await startServer('strongroom');
  try {
    const noopReq = await prepared(noop.info, plaintext);
    const srReq = await prepared(sr.info, plaintext);
    console.log(`  ${'clients'.padEnd(8)} ${'no-op ops/s'.padStart(12)} ${'Strongroom ops/s'.padStart(17)} ${'ratio'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)}`);
    for (const concurrency of [1, 8, 32]) {
      const base = await runLoad(noopReq, concurrency, seconds);
      const real = await runLoad(srReq, concurrency, seconds);
      console.log(
        `  ${String(concurrency).padEnd(8)} ${base.opsPerSecond.toFixed(0).padStart(12)} ${real.opsPerSecond.toFixed(0).padStart(17)} ${(real.opsPerSecond / base.opsPerSecond).toFixed(2).padStart(6)} ${real.p50Ms.toFixed(2).padStart(8)} ${real.p99Ms.toFixed(2).padStart(8)} ${String(real.errors + base.errors).padStart(7)}`,
      );
    }
  } finally {
    await noop.stop();
    await sr.stop();
  }
}

// `npm run bench -- --cli` runs section 7 alone.
const cliOnly = process.argv.includes('--cli');
console.log(`Strongroom benchmarks — Node ${process.version}, ${quick ? 'quick' : 'full'} run${cliOnly ? ', CLI section only' : ''}`);
if (cliOnly) {
  await cliStartBench(quick ? 3 : 9);
  process.exit(0);
}
await inProcess(quick ? 0.3 : 2);
await asymmetric(quick ? 0.3 : 1.5);
await policyCost(quick ? 0.3 : 2);
await envelopeBench({ quick });
await backupBench(quick);
auditBench({ quick });
await http(quick ? 1 : 4);
await cliStartBench(quick ? 3 : 9);
