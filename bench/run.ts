// `npm run bench`: speed as ratios measured side by side in one run, never a bare pass/fail.
//
//  1. The hot path (bench/hot-path.ts): audited Encrypt / Decrypt / GenerateDataKey /
//     GenerateMac through Kms.invoke — validation, key resolution, authorization, the cached key
//     material, one hash-chained audit record, durable (synchronous=FULL) before the answer — by
//     many concurrent callers (one fsync per commit group), and one caller at a time against an
//     fsync loop in the same folder.
//  2. Sign / Verify per key spec, and GenerateMac, through the engine against node:crypto doing
//     the same signature or MAC in the same run (bench/asymmetric.ts).
//  3. Policy evaluation: Encrypt allowed by a 20-statement key policy against the owner's
//     default policy, and the decision alone (bench/policy.ts).
//  4. File encryption (bench/envelope.ts): frame-length sweep, against node:crypto AES-GCM at
//     the same frame size, age, @aws-crypto/client-node, and peak memory on a 4 GiB file.
//  5. Audit log (bench/audit.ts): append cost against a bare SQLite insert of the same row, then
//     query pages and a full verify on 1,000,000 generated records.
//  6. Encrypt of 4 KB over HTTP against a no-op JSON server (bench/http-load.ts).
// At the end, one table of every figure with a target (bench/targets.ts): the regression guard.
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
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asymmetric } from './asymmetric.ts';
import { policyCost } from './policy.ts';
import { envelopeBench } from './envelope.ts';
import { auditBench } from './audit.ts';
import { backupBench } from './backup.ts';
import { runLoad, type PreparedRequest } from './http-load.ts';
import { hotPath } from './hot-path.ts';
import { atLeast, atMost, printTargets, type TargetRow } from './targets.ts';
import { cliStartBench } from './cli-start.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');

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

/**
 * The request the load generator sends to `info`'s server, signed afresh for every request with
 * @smithy/signature-v4 (the AWS SDK for JavaScript's signer). The no-op server gets signed
 * requests too, with the same cost, though it checks nothing.
 */
function prepared(info: ServerInfo, plaintext: Buffer): PreparedRequest {
  const url = new URL(info.endpoint);
  const body = JSON.stringify({ KeyId: info.keyId ?? 'noop', Plaintext: plaintext.toString('base64') });
  const base: Record<string, string> = { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt' };
  const credentials = { accessKeyId: info.accessKeyId ?? 'AKIANOOPNOOPNOOPNOOP', secretAccessKey: info.secretAccessKey ?? 'noop'.repeat(10) };
  const signer = new SignatureV4({ credentials, region: info.region ?? 'local-1', service: 'kms', sha256: Hash.bind(null, 'sha256') });
  const headers = async (): Promise<Record<string, string>> => {
    const signed = await signer.sign(new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers: { ...base }, body }));
    return signed.headers as Record<string, string>;
  };
  return { url, headers, body: Buffer.from(body) };
}

async function http(seconds: number): Promise<Array<TargetRow>> {
  const rows: Array<TargetRow> = [];
  console.log('\nHTTP endpoint: Encrypt of 4 KB, keep-alive connections, server in its own process, every request signed afresh (SigV4)');
  console.log('  (Strongroom: SigV4 check, validation, AES-256-GCM, one audit record per call, group commit)');
  const plaintext = randomBytes(4096);
  const noop = await startServer('noop');
  const sr = await startServer('strongroom');
  try {
    const noopReq = prepared(noop.info, plaintext);
    const srReq = prepared(sr.info, plaintext);
    console.log(`  ${'clients'.padEnd(8)} ${'no-op ops/s'.padStart(12)} ${'Strongroom ops/s'.padStart(17)} ${'ratio'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'no-op p99'.padStart(10)} ${'errors'.padStart(7)}`);
    for (const concurrency of [1, 8, 32]) {
      const base = await runLoad(noopReq, concurrency, seconds);
      const real = await runLoad(srReq, concurrency, seconds);
      console.log(
        `  ${String(concurrency).padEnd(8)} ${base.opsPerSecond.toFixed(0).padStart(12)} ${real.opsPerSecond.toFixed(0).padStart(17)} ${(real.opsPerSecond / base.opsPerSecond).toFixed(2).padStart(6)} ${real.p50Ms.toFixed(2).padStart(8)} ${real.p99Ms.toFixed(2).padStart(8)} ${base.p99Ms.toFixed(2).padStart(10)} ${String(real.errors + base.errors).padStart(7)}`,
      );
      if (concurrency === 32) {
        rows.push(atLeast('HTTP Encrypt 4 KiB, 32 clients ÷ no-op server', real.opsPerSecond / base.opsPerSecond, '×', 0.8));
        rows.push(atMost('HTTP p99, 32 clients ÷ no-op p99', real.p99Ms / base.p99Ms, '×', 2));
      }
    }
  } finally {
    await noop.stop();
    await sr.stop();
  }
  return rows;
}

// `npm run bench -- --cli` runs section 7 alone; `-- --http` the HTTP section alone; `-- --hot`
// the hot path and Sign/Verify sections alone.
const cliOnly = process.argv.includes('--cli');
if (process.argv.includes('--http')) {
  printTargets(await http(quick ? 1 : 4));
  process.exit(0);
}
console.log(`Strongroom benchmarks — Node ${process.version}, ${quick ? 'quick' : 'full'} run${cliOnly ? ', CLI section only' : ''}`);
if (cliOnly) {
  printTargets(await cliStartBench(quick ? 3 : 9));
  process.exit(0);
}
const targets: Array<TargetRow> = [];
targets.push(...(await hotPath(quick ? 0.5 : 3, 128)));
targets.push(...(await asymmetric(quick ? 0.3 : 1.5)));
if (process.argv.includes('--hot')) {
  printTargets(targets);
  process.exit(0);
}
await policyCost(quick ? 0.3 : 2);
await envelopeBench({ quick });
await backupBench(quick);
auditBench({ quick });
targets.push(...(await http(quick ? 1 : 4)));
targets.push(...(await cliStartBench(quick ? 3 : 9)));
printTargets(targets);
