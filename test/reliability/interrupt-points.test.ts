// SIGINT and SIGTERM at the kill points of a file write (issue 22, "Build" (a)): the real
// `strongroom` command, started with STRONGROOM_FAULT_POINT and STRONGROOM_FAULT_SIGNAL, signals
// itself there. Unlike SIGKILL (kill-points.test.ts) the command sees these signals: it must end
// by that signal, leave no staging file (for a decryption, plaintext whose signature was never
// checked), leave the output absent or whole, and the input untouched. Complements
// test/cli/file-faults.test.ts, which sends the signals at a random moment of a large file.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { cli, expectOk, STRONGROOM_BIN } from '../support/cli.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const tempDir = tempDirsRemovedAfterAll();
const env = { STRONGROOM_PASSPHRASE: 'interrupt points passphrase' };
const PLAINTEXT = Buffer.from('interrupted, never half-written\n'.repeat(2000));
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

let work: string;
let data: string;
let keyId: string;
let encrypted: string;

function interrupted(args: ReadonlyArray<string>, point: string, signal: 'SIGINT' | 'SIGTERM'): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STRONGROOM_BIN, ...args], {
      env: { ...process.env, STRONGROOM_DATA_DIR: data, STRONGROOM_AGENT: 'off', ...env, STRONGROOM_FAULT_POINT: point, STRONGROOM_FAULT_SIGNAL: signal },
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('exit', (code, sig) => resolve(sig ?? code));
  });
}

beforeAll(() => {
  work = tempDir('strongroom-interrupt-points-');
  data = join(work, 'data');
  expectOk(cli(data, ['init', '--root-key', 'passphrase'], { env }));
  keyId = String((expectOk(cli(data, ['create-key'], { env })) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId);
  writeFileSync(join(work, 'plain.txt'), PLAINTEXT);
  encrypted = join(work, 'sealed.strongroom');
  expectOk(cli(data, ['encrypt-file', join(work, 'plain.txt'), '--key-id', keyId, '--output-dir', join(work, 'sealed')], { env }), { allowStderr: true });
  writeFileSync(encrypted, readFileSync(join(work, 'sealed', 'plain.txt.strongroom')));
});

describe.concurrent('a file command signalled at a kill point', () => {
  it.each([
    ['encrypt-file', 'staging-opened', 'SIGINT'],
    ['encrypt-file', 'before-rename', 'SIGTERM'],
    ['decrypt-file', 'staging-opened', 'SIGTERM'],
    ['decrypt-file', 'before-rename', 'SIGINT'],
  ] as const)('%s at %s, %s: ends by the signal, no staging file, output absent or whole, input untouched', async (command, point, signal) => {
    const out = join(work, `${command}-${point}`);
    mkdirSync(out);
    const input = command === 'encrypt-file' ? join(work, 'plain.txt') : encrypted;
    const before = sha(input);
    const args = command === 'encrypt-file' ? [command, input, '--key-id', keyId, '--output-dir', out] : [command, input, '--output-dir', out];
    expect(await interrupted(args, point, signal)).toBe(signal);
    expect(sha(input)).toBe(before);
    const left = readdirSync(out);
    expect(left.filter((n) => n.endsWith('.partial'))).toEqual([]);
    if (left.length > 0) {
      // The signal came after the rename had begun: the output is whole.
      expect(left).toHaveLength(1);
      const output = join(out, left[0] as string);
      if (command === 'decrypt-file') {
        expect(readFileSync(output).equals(PLAINTEXT)).toBe(true);
      } else {
        const check = join(out, 'check');
        expectOk(cli(data, ['decrypt-file', output, '--output-dir', check], { env }), { allowStderr: true });
        expect(readFileSync(join(check, 'plain.txt')).equals(PLAINTEXT)).toBe(true);
      }
    }
    const db = new Database(join(data, DATABASE_FILE), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    expect(existsSync(input)).toBe(true);
  });
});
