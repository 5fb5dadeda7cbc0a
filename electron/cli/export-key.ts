// `strongroom export-key`: ExportKeyMaterial with files, for `aws kms import-key-material`.
// The wrapping public key and the import token are read as the AWS CLI writes them — base64
// text (`--query PublicKey --output text > f`) or the decoded bytes (`base64 -d`) — and the
// wrapped material is written as the bytes `--encrypted-key-material fileb://f` takes. The
// material itself is never printed: only its wrapped form leaves, and only into --out (or as
// base64 in the output when --out is not given).

import { readFileSync, writeFileSync } from 'node:fs';
import { decodeBase64, encodeBase64 } from '../../shared/api/base64.ts';
import type { Caller } from '../kms/iam/caller.ts';
import type { Kms } from '../kms/engine.ts';
import { takeOne } from './args.ts';
import { takeApprovals } from './quorum.ts';
import { UnknownOptionError, UsageError } from './usage-error.ts';

const COMMAND = 'export-key';

type Flags = Map<string, ReadonlyArray<string>>;

/** A file's bytes: base64 text (whitespace ignored) decoded, anything else as it is. */
function readBlobFile(path: string, flag: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new UsageError(`argument --${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, COMMAND);
  }
  const text = raw.toString('latin1').replace(/\s+/g, '');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    const decoded = decodeBase64(text);
    if (decoded !== null) {
      return decoded;
    }
  }
  return new Uint8Array(raw);
}

function required(flags: Flags, name: string): string {
  const value = takeOne(flags, name, COMMAND);
  if (value === undefined) {
    throw new UsageError(`the following arguments are required: --${name}`, COMMAND);
  }
  return value;
}

export async function exportKey(kms: Kms, caller: Caller | undefined, flags: Flags, print: (value: unknown) => void): Promise<void> {
  const keyId = required(flags, 'key-id');
  const publicKeyPath = required(flags, 'wrapping-public-key');
  const algorithm = required(flags, 'wrapping-algorithm');
  const tokenPath = required(flags, 'import-token');
  const materialId = takeOne(flags, 'key-material-id', COMMAND);
  const out = takeOne(flags, 'out', COMMAND);
  const force = flags.has('force');
  flags.delete('force');
  // A key with a quorum rule needs custodian approvals of this exact request (D25).
  const approvals = takeApprovals(flags, COMMAND);
  const unknown = [...flags.keys()];
  if (unknown.length > 0) {
    throw new UnknownOptionError(unknown, COMMAND);
  }
  const request = {
    KeyId: keyId,
    WrappingAlgorithm: algorithm,
    WrappingPublicKey: encodeBase64(readBlobFile(publicKeyPath, 'wrapping-public-key')),
    ImportToken: encodeBase64(readBlobFile(tokenPath, 'import-token')),
    ...(materialId === undefined ? {} : { KeyMaterialId: materialId }),
  };
  const output = (await kms.invoke('ExportKeyMaterial', request, { blobs: 'base64', ...(caller === undefined ? {} : { caller }), ...(approvals.length === 0 ? {} : { approvals }) })) as unknown as Record<string, unknown>;
  if (out === undefined) {
    print(output);
    return;
  }
  const blob = output.EncryptedKeyMaterial;
  const wrapped = blob instanceof Uint8Array ? blob : decodeBase64(String(blob));
  if (wrapped === null) {
    throw new Error('ExportKeyMaterial returned EncryptedKeyMaterial that is not base64');
  }
  try {
    writeFileSync(out, wrapped, { flag: force ? 'w' : 'wx', mode: 0o600 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'EEXIST' ? `--out ${out} exists; pass --force to replace it` : `cannot write ${out}: ${code ?? (err as Error).message}`, COMMAND);
  }
  print({
    KeyId: output.KeyId,
    KeySpec: output.KeySpec,
    KeyMaterialId: output.KeyMaterialId,
    WrappingAlgorithm: output.WrappingAlgorithm,
    EncryptedKeyMaterialFile: out,
    ImportTokenFile: tokenPath,
  });
}
