// Issue 22, finding 10: `strongroom audit list | head -1` ended with an EPIPE stack trace. A closed
// stdout ends the command quietly, with the command's own exit status, as `aws` does.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cli, expectOk, STRONGROOM_BIN } from '../support/cli.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const tempDir = tempDirsRemovedAfterAll();
const env = { STRONGROOM_PASSPHRASE: 'correct horse battery staple' };

/** Runs the CLI with the reading end of its stdout closed (what `| head -1` does once it has its line); its exit and stderr. */
function runIntoClosedPipe(dataDir: string, args: ReadonlyArray<string>): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [STRONGROOM_BIN, ...args], {
      env: { ...process.env, STRONGROOM_DATA_DIR: dataDir, STRONGROOM_AGENT: 'off', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // Closed before the command writes: its first write meets a broken pipe, whatever the output's size.
    child.stdout.destroy();
    child.once('error', fail);
    child.once('close', (code, signal) => done({ code, signal, stderr }));
  });
}

describe('a closed stdout (issue 22, finding 10)', () => {
  it('ends `audit list` quietly with exit 0, no EPIPE stack trace', async () => {
    const dir = tempDir('strongroom-epipe-');
    expectOk(cli(dir, ['init', '--root-key', 'passphrase', '--account-id', '111122223333'], { env }), { allowStderr: true });
    expectOk(cli(dir, ['create-key', '--description', 'd'.repeat(8000)], { env }));
    const result = await runIntoClosedPipe(dir, ['audit', 'list']);
    expect(result.stderr).not.toMatch(/EPIPE|Error:|at .*\(/);
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
  });
});
