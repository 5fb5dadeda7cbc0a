// encrypt-file and decrypt-file when the input or the moment is hostile (issue 22): a FIFO or a
// device is refused before it is opened (opening a FIFO waits forever, /dev/zero never ends), a
// name that would map the output onto a folder gets a name of its own, errors name the file and
// the cause in words, and Ctrl-C or SIGTERM in the middle of a file leaves no staging file.
import { spawn, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, expectOk, STRONGROOM_BIN, type CliRun } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';

const env = { STRONGROOM_PASSPHRASE: 'file faults test passphrase' };
type FileEntry = { Input: string; Output?: string; Status: string; Error?: { Name: string; Message: string } };
const files = (r: CliRun) => (r.json() as { Files: Array<FileEntry> }).Files;

describe('encrypt-file and decrypt-file on hostile inputs', () => {
  let work: string;
  let data: string;
  let keyId: string;
  const run = (...args: Array<string>) => cli(data, args, { env, cwd: work });

  beforeAll(() => {
    work = tempDir('strongroom-file-faults-');
    data = join(work, 'data');
    expectOk(run('init', '--root-key', 'passphrase'));
    keyId = String((expectOk(run('create-key')) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId);
  });

  it('refuses a FIFO and a device up front, in words, and leaves nothing behind', () => {
    const fifo = join(work, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const started = Date.now();
    const r = run('encrypt-file', fifo, '/dev/zero', '--key-id', keyId, '--output-dir', work);
    expect(Date.now() - started).toBeLessThan(20_000); // it did not wait for a writer or read forever
    expect(r.code).toBe(1);
    expect(files(r).map((f) => [f.Status, f.Error?.Name])).toEqual([
      ['Failed', 'ValidationException'],
      ['Failed', 'ValidationException'],
    ]);
    expect(files(r)[0]?.Error?.Message).toMatch(/is a named pipe \(FIFO\), not a regular file/);
    expect(files(r)[1]?.Error?.Message).toMatch(/\/dev\/zero is a device, not a regular file/);
    expect(readdirSync(work).filter((n) => n.includes('partial') || n.endsWith('.strongroom'))).toEqual([]);
  });

  it('names a missing input and a folder given as input in words, not as ENOENT or EISDIR', () => {
    const r = run('encrypt-file', 'missing.txt', 'data', '--key-id', keyId);
    expect(files(r).map((f) => f.Error)).toEqual([
      { Name: 'NotFoundException', Message: 'missing.txt does not exist.' },
      { Name: 'ValidationException', Message: 'data is a folder, not a regular file; Strongroom encrypts and decrypts regular files.' },
    ]);
  });

  it('decrypts `...strongroom` beside it under a name of its own, never onto the folder or its parent', () => {
    const dir = tempDir('strongroom-dots-');
    // A file named "...strongroom": stripping the extension would leave "..", the parent folder.
    writeFileSync(join(dir, 'x'), 'x');
    expectOk(run('encrypt-file', join(dir, 'x'), '--key-id', keyId));
    spawnSync('mv', [join(dir, 'x.strongroom'), join(dir, '...strongroom')]);
    const r = run('decrypt-file', join(dir, '...strongroom'));
    expect(files(r)[0]?.Output).toBe(join(dir, '...strongroom.decrypted'));
    expect(readFileSync(join(dir, '...strongroom.decrypted'), 'utf8')).toBe('x');
    expect(readdirSync(join(dir, '..')).filter((n) => n.startsWith('.') && n.endsWith('.partial'))).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s in the middle of a file removes its staging file and ends by that signal', async (signal) => {
    const dir = tempDir('strongroom-interrupt-');
    const big = join(dir, 'big.bin');
    const fd = openSync(big, 'w');
    const chunk = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < 24; i++) {
      writeSync(fd, randomFillSync(chunk));
    }
    closeSync(fd);
    const child = spawn(process.execPath, [STRONGROOM_BIN, 'encrypt-file', big, '--key-id', keyId], {
      env: { ...process.env, STRONGROOM_DATA_DIR: data, STRONGROOM_AGENT: 'off', ...env },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, sig) => resolve(sig ?? code)));
    let staging = false;
    for (let i = 0; i < 600 && !staging; i++) {
      staging = readdirSync(dir).some((n) => n.endsWith('.partial'));
      if (!staging) {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    expect(staging).toBe(true);
    child.kill(signal);
    expect(await exited).toBe(signal);
    expect(readdirSync(dir)).toEqual(['big.bin']);
    expect(existsSync(`${big}.strongroom`)).toBe(false);
  });
});
