// One write surface run in a process of its own, to be killed at a kill point
// (electron/kms/fault-point.ts; STRONGROOM_FAULT_POINT in its environment). The installation's root
// key comes from the parent in STRONGROOM_TEST_ROOT_KEY (hex) and is adopted by this process's
// in-memory provider (tests only), so no KDF runs per kill.
//
// Before the write the worker makes one answered call (ListAliases) and prints its request id;
// every call it is answered for is printed as `answered <requestId>` on stdout, written
// synchronously, so the parent knows exactly which calls a caller saw succeed.
//
// Usage: node fault-worker.ts <dataDir> <surface> <json arguments>
import { constants, createPublicKey, publicEncrypt, randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import { encryptFile, decryptFile } from '../../electron/kms/envelope/files.ts';
import { installationKeyring, kmsKeyring } from '../../electron/kms/envelope/keyrings.ts';
import { Kms } from '../../electron/kms/engine.ts';
import { restoreBackup, type ShareInput } from '../../electron/kms/backup/restore.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';

export type FaultSurface =
  | 'CreateKey'
  | 'ImportKeyMaterial'
  | 'RotateKeyOnDemand'
  | 'ScheduleKeyDeletion'
  | 'CreateGrant'
  | 'CreateAlias'
  | 'PutKeyPolicy'
  | 'CreateBackup'
  | 'RestoreBackup'
  | 'EncryptFile'
  | 'DecryptFile'
  | 'ExportAuditLog'
  | 'ArchiveAuditLog';

/** What the parent hands a surface (ids it set up, paths to write). */
export type FaultArgs = {
  readonly keyId?: string;
  readonly requestId: string;
  readonly input?: string;
  readonly output?: string;
  readonly shares?: ReadonlyArray<ShareInput>;
  readonly text?: string;
};

const [dataDir = '', surface = '', argsJson = '{}'] = process.argv.slice(2);
const args = JSON.parse(argsJson) as FaultArgs;
const provider = new MemoryRootKeyProvider();
await provider.adopt(process.env.STRONGROOM_TEST_INSTALLATION_ID ?? '', Buffer.from(process.env.STRONGROOM_TEST_ROOT_KEY ?? '', 'hex'));

const answered = (requestId: string): void => {
  writeSync(1, `answered ${requestId}\n`);
};

if (surface === 'RestoreBackup') {
  // A restore makes its own installation; nothing is opened before it.
  await restoreBackup({ file: args.input ?? '', shares: args.shares ?? [], dataDir: args.output ?? '', provider });
  writeSync(1, 'restored\n');
  process.exit(0);
}

const kms = await Kms.open({ dataDir, providerForKind: () => provider });
const warmUp = randomUUID();
await kms.invoke('ListAliases', {}, { requestId: warmUp });
answered(warmUp);

const keyId = args.keyId ?? '';
const requestId = args.requestId;
const call = async (name: Parameters<Kms['invoke']>[0], input: unknown): Promise<void> => {
  await kms.invoke(name, input, { requestId });
  answered(requestId);
};

switch (surface as FaultSurface) {
  case 'CreateKey':
    await call('CreateKey', { Description: args.text });
    break;
  case 'ImportKeyMaterial': {
    const params = await kms.invoke('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const wrapped = publicEncrypt(
      { key: createPublicKey({ key: Buffer.from(params.PublicKey), format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.alloc(32, 7),
    );
    await call('ImportKeyMaterial', { KeyId: keyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    break;
  }
  case 'RotateKeyOnDemand':
    await call('RotateKeyOnDemand', { KeyId: keyId });
    break;
  case 'ScheduleKeyDeletion':
    await call('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    break;
  case 'CreateGrant':
    await call('CreateGrant', { KeyId: keyId, GranteePrincipal: 'arn:aws:iam::111122223333:root', Operations: ['Decrypt'], Name: args.text });
    break;
  case 'CreateAlias':
    await call('CreateAlias', { AliasName: args.text, TargetKeyId: keyId });
    break;
  case 'PutKeyPolicy':
    await call('PutKeyPolicy', { KeyId: keyId, PolicyName: 'default', Policy: args.text });
    break;
  case 'CreateBackup':
    await kms.createBackup({ out: args.output ?? '', shares: 2, threshold: 2, shareFormat: 'json' });
    writeSync(1, 'backed-up\n');
    break;
  case 'EncryptFile':
    await encryptFile(args.input ?? '', args.output ?? '', { keyrings: [kmsKeyring(kms, keyId)], context: {} });
    writeSync(1, 'written\n');
    break;
  case 'DecryptFile':
    await decryptFile(args.input ?? '', args.output ?? '', { keyrings: [installationKeyring(kms)] });
    writeSync(1, 'written\n');
    break;
  case 'ExportAuditLog':
    await kms.exportAuditLog({ file: args.output ?? '' });
    writeSync(1, 'written\n');
    break;
  case 'ArchiveAuditLog':
    await kms.archiveAuditLog({ file: args.output ?? '', before: new Date(args.text ?? Date.now()) });
    writeSync(1, 'written\n');
    break;
  default:
    throw new Error(`no such surface: ${surface}`);
}
kms.close();
