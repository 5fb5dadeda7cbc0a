// File-system failures in words (envelope/file-errors.ts): the file as the user named it (a
// staging file stands for its output), the cause, and an AWS error name every surface can show.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type KmsError, ValidationException } from '../../electron/kms/errors.ts';
import { encryptFile } from '../../electron/kms/envelope/files.ts';
import { describeFileError } from '../../electron/kms/envelope/file-errors.ts';
import { rawAesKeyring } from '../../electron/kms/envelope/keyrings.ts';
import { tempDir } from '../support/engine.ts';

const errno = (code: string, path: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: raw, '${path}'`), { code, path });
const staging = (path: string) => path.endsWith('.partial');

describe('file errors in words', () => {
  it('names the output, not its staging file, and says the disk is full', () => {
    const e = describeFileError(errno('ENOSPC', '/data/.out.bin.0123456789ab.partial'), '/data/in.bin', '/data/out.bin', staging) as KmsError;
    expect([e.name, e.message]).toEqual(['KMSInternalException', 'Cannot write /data/out.bin: the disk is full; free some space and try again (ENOSPC).']);
  });

  it('tells the user’s mistakes from the machine’s', () => {
    const cases: Array<[string, string, string]> = [
      ['EACCES', '/data/in.bin', 'ValidationException: Cannot read /data/in.bin: permission denied (EACCES).'],
      ['EISDIR', '/data/in.bin', 'ValidationException: Cannot read /data/in.bin: it is a folder, not a file (EISDIR).'],
      ['ENOENT', '/data/in.bin', 'NotFoundException: /data/in.bin does not exist.'],
      ['ENOENT', '/data/.out.bin.0123456789ab.partial', 'ValidationException: Cannot write /data/out.bin: its folder does not exist.'],
      ['EIO', '/data/.out.bin.0123456789ab.partial', 'KMSInternalException: Cannot write /data/out.bin: the disk reported an input/output error (EIO).'],
      ['EROFS', '/data/.out.bin.0123456789ab.partial', 'KMSInternalException: Cannot write /data/out.bin: the file system is read-only (EROFS).'],
    ];
    for (const [code, path, expected] of cases) {
      const e = describeFileError(errno(code, path), '/data/in.bin', '/data/out.bin', staging) as KmsError;
      expect(`${e.name}: ${e.message}`).toBe(expected);
    }
  });

  it('passes KMS errors and errors without a system code through unchanged', () => {
    const kms = new ValidationException('already in words');
    const plain = new Error('not a system error');
    expect(describeFileError(kms, 'a', 'b', staging)).toBe(kms);
    expect(describeFileError(plain, 'a', 'b', staging)).toBe(plain);
  });

  it('is what encryptFile throws for an output folder that does not exist', async () => {
    const dir = tempDir('strongroom-file-errors-');
    const input = join(dir, 'in.bin');
    writeFileSync(input, 'x');
    const output = join(dir, 'missing', 'in.bin.strongroom');
    await expect(encryptFile(input, output, { keyrings: [rawAesKeyring('ns', 'k', Buffer.alloc(32, 1))] })).rejects.toThrow(`Cannot write ${output}: its folder does not exist.`);
  });
});
