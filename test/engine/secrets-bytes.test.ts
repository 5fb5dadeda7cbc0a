// A byte scan for Secrets Manager, as for data keys (audit-coverage.test.ts): after a session
// that stored, versioned, read, batch-read, updated and deleted known secret values (strings and
// binary) and generated a password, none of them appears in any file of the data directory —
// database, WAL — while the engine is open or after it closes, nor in an exported audit log, as
// raw bytes, hex or base64; the secrets' names, which are logged, do (the scan can find things).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { newEngine, tempDirsRemovedAfterAll, type TestEngine } from '../support/engine.ts';
import { findSecrets, type Secret } from '../support/secrets.ts';

const tempDir = tempDirsRemovedAfterAll();
let t: TestEngine;
beforeEach(async () => {
  t = await newEngine({ developer: true });
});
afterEach(() => t.cleanup());

function files(dir: string): Array<{ name: string; data: Buffer }> {
  return readdirSync(dir).map((name) => ({ name, data: readFileSync(join(dir, name)) }));
}

describe('no secret value on disk', () => {
  it('keeps values out of the database, the WAL, the audit log and its export', async () => {
    const secrets: Array<Secret> = [];
    const stringValue = (what: string): string => {
      const value = `${what}-${randomBytes(24).toString('hex')}`;
      secrets.push({ what, value: Buffer.from(value, 'utf8') });
      return value;
    };
    const binaryValue = (what: string): Uint8Array => {
      const value = new Uint8Array(randomBytes(48));
      secrets.push({ what, value });
      return value;
    };
    const sm = (name: Parameters<TestEngine['kms']['invokeSecrets']>[0], input: Record<string, unknown>) => t.kms.invokeSecrets(name, input);

    const keyId = (await t.kms.invoke('CreateKey', {})).KeyMetadata.KeyId;
    await sm('CreateSecret', { Name: 'scan/managed', SecretString: stringValue('created string') });
    await sm('CreateSecret', { Name: 'scan/cmk', SecretBinary: binaryValue('created binary'), KmsKeyId: keyId });
    await sm('PutSecretValue', { SecretId: 'scan/managed', SecretString: stringValue('put string'), VersionStages: ['AWSPENDING'] });
    await sm('PutSecretValue', { SecretId: 'scan/cmk', SecretBinary: binaryValue('put binary') });
    await sm('UpdateSecret', { SecretId: 'scan/managed', SecretString: stringValue('updated string'), Description: 'scanned' });
    const big = 'x'.repeat(10) + randomBytes(30_000).toString('base64');
    secrets.push({ what: 'large string', value: Buffer.from(big.slice(0, 2000), 'utf8') });
    await sm('CreateSecret', { Name: 'scan/large', SecretString: big });
    for (const id of ['scan/managed', 'scan/cmk', 'scan/large']) {
      await sm('GetSecretValue', { SecretId: id });
    }
    await sm('BatchGetSecretValue', { SecretIdList: ['scan/managed', 'scan/cmk'] });
    const password = String((await sm('GetRandomPassword', { PasswordLength: 64 })).RandomPassword);
    secrets.push({ what: 'random password', value: Buffer.from(password, 'utf8') });
    // Failed calls too: a value in a refused request is not logged either.
    await sm('CreateSecret', { Name: 'scan/managed', SecretString: stringValue('refused string') }).catch(() => undefined);
    await sm('PutSecretValue', { SecretId: 'scan/none', SecretBinary: binaryValue('refused binary') }).catch(() => undefined);
    await sm('DeleteSecret', { SecretId: 'scan/large', ForceDeleteWithoutRecovery: true });

    const exported = join(tempDir('strongroom-sm-export-'), 'audit.jsonl');
    await t.kms.exportAuditLog({ file: exported });
    const exportFile = { name: 'audit export', data: readFileSync(exported) };
    expect(findSecrets([exportFile], secrets)).toEqual([]);
    expect(exportFile.data.includes(Buffer.from('scan/managed')), 'the export names the secrets').toBe(true);
    expect(exportFile.data.includes(Buffer.from('secretsmanager.amazonaws.com')), 'and the service').toBe(true);

    for (const phase of ['open', 'closed'] as const) {
      if (phase === 'closed') {
        t.kms.close();
      }
      const found = files(t.dir);
      expect(found.map((f) => f.name)).toContain(DATABASE_FILE);
      expect(findSecrets(found, secrets), phase).toEqual([]);
      expect(found.some((f) => f.data.includes(Buffer.from('scan/cmk', 'utf8'))), `${phase}: names are stored and found`).toBe(true);
    }
  });
});
