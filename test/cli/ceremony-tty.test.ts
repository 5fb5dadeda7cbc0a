// `strongroom ceremony run` on a terminal, in process through main() with a scripted terminal:
// every step is shown and waits for "y"; each custodian re-enters their share (a file path, or
// the words typed on one line; sealed shares ask for the custodian's private key, except a key the
// ceremony generated); a wrong re-entry is explained and asked again; declining a step stops the
// ceremony there.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main.ts';
import { tempDir } from '../support/engine.ts';

const env = { STRONGROOM_PASSPHRASE: 'ceremony tty passphrase' };

type Answer = string | ((prompt: string) => string);

/** Runs the CLI with a terminal whose user answers each prompt matched by `script` (in order per pattern). */
async function onTerminal(argv: Array<string>, script: Array<[RegExp, Array<Answer>]>, extraEnv: NodeJS.ProcessEnv = env): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  Object.assign(stdin, { isTTY: true, setRawMode: () => stdin });
  let stdout = '';
  let stderr = '';
  let pending = '';
  const err = new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = chunk.toString();
      stderr += text;
      // eslint-disable-next-line no-control-regex
      pending += text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
      for (const [pattern, answers] of script) {
        if (pattern.test(pending)) {
          const next = answers.shift();
          pending = '';
          if (next !== undefined) {
            const line = typeof next === 'string' ? next : next(text);
            setImmediate(() => (stdin as unknown as PassThrough).write(`${line}\n`));
          }
          break;
        }
      }
      done();
    },
  });
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      stdout += chunk.toString();
      done();
    },
  });
  const code = await main({ argv, env: { ...process.env, STRONGROOM_PASSPHRASE: '', ...extraEnv }, stdin, stdout: out, stderr: err });
  return { code, stdout, stderr };
}

describe('strongroom ceremony run on a terminal', () => {
  let home: string;
  let planFile: string;
  beforeAll(() => {
    home = tempDir('strongroom-ceremony-tty-');
    for (const name of ['alice', 'bob']) {
      execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(home, `${name}.pem`)]);
      execFileSync('openssl', ['pkey', '-in', join(home, `${name}.pem`), '-pubout', '-out', join(home, `${name}.pub.pem`)]);
    }
    planFile = join(home, 'plan.json');
    writeFileSync(
      planFile,
      JSON.stringify({
        Installation: { RootKeyProvider: 'passphrase' },
        Custodians: [{ Name: 'alice', PublicKeyFile: 'alice.pub.pem' }, { Name: 'bob', PublicKeyFile: 'bob.pub.pem' }, { Name: 'carol', Generate: true }],
        Keys: [{ Alias: 'alias/tty', KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }],
        Backup: { Shares: 3, Threshold: 2, Assignments: [{ Index: 1, Custodian: 'alice', Seal: true }, { Index: 2, Custodian: 'bob' }, { Index: 3, Custodian: 'carol', Seal: true }] },
      }),
    );
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('confirms each step, asks again after a wrong re-entry, takes typed words and sealed shares with their keys', async () => {
    const out = join(home, 'out');
    const share = (i: number, ext: string): string => join(out, 'shares', `backup.share-${i}-of-3.${ext}`);
    const typedWords = (): string => readFileSync(share(2, 'txt'), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')).join(' ');
    const r = await onTerminal(['ceremony', 'run', '--plan', planFile, '--out-dir', out, '--data-dir', join(home, 'data')], [
      [/Proceed\? \[y\/N\] $/, Array(8).fill('y')],
      [/alice, re-enter share 1: .*\(or 'stop'\): $/, [() => share(1, 'sealed.json')]],
      [/alice, your share is sealed: the path to your private key file: $/, [join(home, 'alice.pem')]],
      [/bob, re-enter share 2: .*\(or 'stop'\): $/, [() => share(1, 'sealed.json'), () => typedWords()]],
      [/carol, re-enter share 3: .*\(or 'stop'\): $/, [() => share(3, 'sealed.json')]],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Step 4: Create the backup and its shares');
    expect(r.stderr).toContain('share 1 → alice (sealed to their key)');
    expect(r.stderr).toContain(`✘ bob's re-entered share (${share(1, 'sealed.json')}) is share 1, but bob holds share 2.`);
    expect(r.stderr).toContain("✔ bob's share 2 checks out (checksum, backup id, index).");
    expect(r.stderr).toContain("✔ carol's share 3 checks out");
    const t = JSON.parse(readFileSync(join(out, 'transcript.json'), 'utf8')) as { Status: string; Steps: Array<{ Name: string }> };
    expect(t.Status).toBe('completed');
    expect(t.Steps).toHaveLength(8);
    expect(readFileSync(join(out, 'public', 'tty.pem'), 'utf8')).toMatch(/BEGIN PUBLIC KEY/);
  });

  it('asks for the new passphrase with echo off, and stops at the step the operator declines', async () => {
    const out = join(home, 'out-declined');
    const secret = 'typed at the ceremony, never shown';
    const r = await onTerminal(
      ['ceremony', 'run', '--plan', planFile, '--out-dir', out, '--data-dir', join(home, 'data-declined')],
      [
        [/Proceed\? \[y\/N\] $/, ['y', 'y', 'n']],
        [/Strongroom passphrase: $/, [secret]],
        [/Repeat the passphrase: $/, [secret]],
      ],
      {},
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('Strongroom passphrase: ');
    expect(r.stderr).not.toContain(secret);
    expect(r.stderr).toContain('the ceremony stopped at step 3 (Generate the keys): the operator did not confirm the step');
    const t = JSON.parse(readFileSync(join(out, 'transcript.json'), 'utf8')) as { Status: string; StoppedAt: { Step: number } };
    expect(t).toMatchObject({ Status: 'stopped', StoppedAt: { Step: 3 } });
  });
});
