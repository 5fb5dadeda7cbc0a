// Engine errors name the inputs they are about; the CLI adds the flag (or command) behind each.
// The hint keeps the error what it was: same class, name, inputs and cause.

import { describe, expect, it } from 'vitest';
import { hinting, hintingSync, withInputHints } from '../../electron/cli/hints.ts';
import { AlreadyExistsException, KmsError, NotFoundException, ValidationException } from '../../electron/kms/errors.ts';

const HINTS = { out: '--out', shareDir: '--share-dir' };

describe('CLI hints on engine errors', () => {
  it('adds the flags of the inputs an error names, keeping its class, name, inputs and cause', () => {
    const cause = new Error('ENOENT');
    const hinted = withInputHints(new ValidationException('The share folder /x is not an existing folder.', { inputs: ['shareDir'], cause }), HINTS);
    expect(hinted).toBeInstanceOf(ValidationException);
    expect(hinted).toBeInstanceOf(KmsError);
    const error = hinted as KmsError;
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe('The share folder /x is not an existing folder. (--share-dir)');
    expect(error.inputs).toEqual(['shareDir']);
    expect(error.cause).toBe(cause);
    expect(error.toShape()).toEqual({ name: 'ValidationException', message: 'The share folder /x is not an existing folder. (--share-dir)' });
    expect(error.httpStatus).toBe(400);
  });

  it('names every flag of an error about several inputs, once each', () => {
    const both = withInputHints(new ValidationException('/x/b.srb-share-1 already exists.', { inputs: ['out', 'shareDir', 'out'] }), HINTS) as KmsError;
    expect(both.message).toBe('/x/b.srb-share-1 already exists. (--out, --share-dir)');
  });

  it('leaves alone errors about no input, about inputs it has no hint for, and anything not a KmsError', () => {
    const plain = new NotFoundException('Key x does not exist.');
    expect(withInputHints(plain, HINTS)).toBe(plain);
    const other = new ValidationException('Bad label.', { inputs: ['label'] });
    expect(withInputHints(other, HINTS)).toBe(other);
    const crash = new TypeError('boom');
    expect(withInputHints(crash, HINTS)).toBe(crash);
  });

  it('hinting and hintingSync pass results through and rethrow with the hint', async () => {
    expect(await hinting(HINTS, () => Promise.resolve(7))).toBe(7);
    expect(hintingSync(HINTS, () => 8)).toBe(8);
    await expect(
      hinting(HINTS, () => {
        throw new ValidationException('The folder of the backup file (/x) does not exist.', { inputs: ['out'] });
      }),
    ).rejects.toThrow('The folder of the backup file (/x) does not exist. (--out)');
    expect(() =>
      hintingSync({ name: '`strongroom custodian remove --name a`' }, () => {
        throw new AlreadyExistsException("A custodian named 'a' already exists.", { inputs: ['name'] });
      }),
    ).toThrow(AlreadyExistsException);
  });
});
