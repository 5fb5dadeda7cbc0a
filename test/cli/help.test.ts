// Help as `aws` users expect it: `help`, `-h`, `help <command>`; every command's --help lists
// its own flags with types and limits (a subcommand's, not its group's); create-key offers only
// the key specs the engine accepts; "did you mean" for mistyped commands, subcommands and flags.
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { SUPPORTED_KEY_SPECS } from '../../electron/kms/crypto/key-specs.ts';
import { LIMITS, LOCAL_COMMAND_FLAGS } from '../../electron/cli/command-flags.ts';
import { MAX_AUDIT_RESULTS } from '../../shared/api/audit.ts';
import { DEFAULT_FRAME_LENGTH, MAX_FRAME_LENGTH } from '../../electron/kms/envelope/message.ts';
import { main } from '../../electron/cli/main.ts';
import { KEY_SPECS } from '../../shared/api/operations.ts';
import { cli, expectOk, expectUsageError } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';

const work = tempDir('strongroom-cli-help-');
const noData = join(work, 'none');
const run = (...args: Array<string>) => cli(noData, args);
// The file commands read their flags once they have a KMS to use: they need an installation.
const env = { STRONGROOM_PASSPHRASE: 'help test passphrase' };
const data = join(work, 'data');
beforeAll(() => {
  expectOk(cli(data, ['init', '--root-key', 'passphrase'], { env }));
});

function helpOf(...args: Array<string>): string {
  const r = run(...args);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout;
}

describe('help', () => {
  it('help, -h and --help print the commands; help <command> is <command> --help', () => {
    const top = helpOf('--help');
    expect(top).toMatch(/^strongroom \S+ — /);
    expect(top).toContain('Usage: strongroom <command> [flags]');
    expect(helpOf('help')).toBe(top);
    expect(helpOf('-h')).toBe(top);
    expect(helpOf('help', 'encrypt')).toBe(helpOf('encrypt', '--help'));
    expect(helpOf('encrypt', '-h')).toBe(helpOf('encrypt', '--help'));
    expect(helpOf('help', 'audit', 'query')).toBe(helpOf('audit', 'query', '--help'));
  });

  it.each([
    ['init', ['--root-key', 'keychain | passphrase', '--region', '--account-id', '12 digits', '--developer']],
    ['serve', ['--port', 'integer 0–65535', '--host', '--allow-remote']],
    ['ui', ['--port', '--output-dir', '--no-open', '--renderer-dir']],
    ['encrypt-file', ['<files…>', '--key-id', '--recipient-public-key', '--encryption-context', '--output-dir', '--no-signing', '--frame-length', 'integer 1–16777216', '--force']],
    ['decrypt-file', ['<files…>', '--output-dir', '--force']],
  ])('%s --help lists its flags with their types', (command, expected) => {
    const text = helpOf(command, '--help');
    expect(text).toContain('Flags:');
    for (const part of expected) {
      expect(text, part).toContain(part);
    }
    expect(text).toContain('Global flags:');
  });

  it('a subcommand’s --help is the subcommand’s, not its group’s', () => {
    const query = helpOf('audit', 'query', '--help');
    expect(query).toMatch(/^strongroom audit query /);
    expect(query).toMatch(/--max-results\s+integer 1–1000: /);
    expect(query).not.toContain('audit verify');
    const create = helpOf('backup', 'create', '--help');
    expect(create).toMatch(/--shares\s+\(required\) integer 2–255: /);
    expect(create).not.toContain('backup restore');
    // The group alone lists its subcommands.
    expect(helpOf('audit', '--help')).toContain('strongroom audit verify');
  });

  it('create-key --help offers only the key specs the engine accepts', () => {
    const line = helpOf('create-key', '--help')
      .split('\n')
      .find((l) => l.trimStart().startsWith('--key-spec '));
    const offered = (line ?? '').replace(/^\s*--key-spec\s+/, '').split(' | ');
    expect(offered).toEqual(KEY_SPECS.filter((s) => SUPPORTED_KEY_SPECS.includes(s)));
    expect(offered).not.toContain('SM2');
    expect(offered).toContain('ML_DSA_44');
    expect(offered).toContain('ECC_NIST_EDWARDS25519');
  });

  it('did you mean: commands, subcommands and flags', () => {
    expect(expectUsageError(run('lsit-keys'))).toMatch(/unknown command 'lsit-keys'\. Did you mean 'list-keys'\?/);
    expect(expectUsageError(run('help', 'lsit-keys'))).toMatch(/Did you mean 'list-keys'\?/);
    expect(expectUsageError(run('list-keys', '--limt', '3'))).toMatch(/unknown option: --limt\. Did you mean '--limit'\?/);
    expect(expectUsageError(cli(data, ['encrypt-file', 'a.txt', '--key-di', 'k'], { env }))).toMatch(/Did you mean '--key-id'\?/);
    expect(expectUsageError(run('init', '--regoin', 'x'))).toMatch(/Did you mean '--region'\?/);
    expect(expectUsageError(run('audit', 'qurey'))).toMatch(/got 'qurey'\. Did you mean 'query'\?/);
    expect(expectUsageError(run('list-keys', '--data-dri', noData))).toMatch(/Did you mean '--data-dir'\?/);
    // Nothing near: no guess.
    expect(expectUsageError(run('list-keys', '--zzzzzz'))).not.toMatch(/Did you mean/);
  });
});

describe('the flag list behind --help and "did you mean"', () => {
  /** Runs a command line in this process, with a flag no command takes, so nothing runs past flag parsing. */
  async function stderrOf(argv: ReadonlyArray<string>): Promise<string> {
    const stderr = new PassThrough();
    const chunks: Array<Buffer> = [];
    stderr.on('data', (c: Buffer) => chunks.push(c));
    await main({ argv: [...argv, '--zz-probe'], env: { STRONGROOM_DATA_DIR: data, STRONGROOM_AGENT: 'off', ...env }, stdin: process.stdin, stdout: new PassThrough(), stderr });
    return Buffer.concat(chunks).toString('utf8');
  }

  it('states the engine’s own limits', () => {
    expect(LIMITS).toEqual({ defaultFrameLength: DEFAULT_FRAME_LENGTH, maxFrameLength: MAX_FRAME_LENGTH, maxAuditResults: MAX_AUDIT_RESULTS });
  });

  it('every flag listed for a command is one the command takes (it is never reported unknown)', async () => {
    let checked = 0;
    for (const [command, docs] of Object.entries(LOCAL_COMMAND_FLAGS)) {
      for (const doc of docs.filter((d) => d.flag.startsWith('--'))) {
        const argv = [...command.split(' '), doc.flag, ...(doc.value === undefined ? [] : ['x'])];
        const stderr = await stderrOf(argv);
        expect(stderr, argv.join(' ')).not.toMatch(new RegExp(`unknown options?: [^\\n]*${doc.flag}\\b(?!-)`));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    // A flag a command does not take is reported as such, so the check above can fail. (A command
    // that first refuses a missing required flag, such as backup create, says less here.)
    for (const command of ['init', 'status', 'serve', 'ui', 'encrypt-file', 'decrypt-file', 'audit query', 'audit export']) {
      expect(await stderrOf(command.split(' ')), command).toMatch(/unknown option: --zz-probe/);
    }
  });
});
