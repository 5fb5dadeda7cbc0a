// A fuzzer for the command line (issue 22): any argv built from the CLI's own commands, flags and
// value shapes, plus random words, run through the CLI's entry point (main) in this process. It
// always resolves with exit 0, 1 or 2; a failure says so on stderr in one of the CLI's two forms
// (an AWS error, `An error occurred (<Name>) when calling the <command> command: …`, or
// `strongroom: …`), never with a stack trace; and it writes nothing anywhere.
//
// The data folder holds no installation, so no case pays for a KDF: this fuzzes parsing, flag
// handling and dispatch. What reaches the engine is fuzzed through the endpoint and the bridge.
// Commands that start servers or write files before opening an installation (serve, ui, agent,
// init, ceremony, custodian keygen, backup restore/decrypt-share, approval sign) are left out.
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main.ts';
import { FUZZ_TIMEOUT_MS, FuzzTally, fuzzDir, fuzzParameters } from './support.ts';

const RUNS = 1000;
const dataDir = fuzzDir('strongroom-fuzz-cli-');
const cwd = process.cwd();
const cwdBefore = readdirSync(cwd).sort();

const COMMANDS = [
  'create-key', 'encrypt', 'decrypt', 'list-keys', 'describe-key', 'put-key-policy', 'get-key-policy', 'create-grant', 'create-alias', 'list-aliases',
  'schedule-key-deletion', 'generate-data-key', 'sign', 'verify', 'tag-resource', 'import-key-material', 'get-parameters-for-import', 'encrypt-file',
  'decrypt-file', 'audit', 'backup', 'status', 'list-users', 'create-user', 'export-key', 'help', 'dev', 'quorum', 'agent', 'version',
];
const SUBCOMMANDS = ['list', 'verify', 'query', 'export', 'checkpoints', 'public-key', 'sources', 'create', 'show', 'status', 'clock', 'help'];
const FLAGS = [
  '--key-id', '--plaintext', '--ciphertext-blob', '--encryption-context', '--policy', '--policy-name', '--output', '--query', '--data-dir', '--help', '-h',
  '--as', '--limit', '--marker', '--force', '--frame-length', '--no-signing', '--passphrase-file', '--grant-tokens', '--description', '--tags', '--key-spec',
  '--key-usage', '--origin', '--alias-name', '--target-key-id', '--grantee-principal', '--operations', '--pending-window-in-days', '--number-of-bytes',
  '--message', '--signing-algorithm', '--in', '--share', '--shares', '--threshold', '--version', '--no-cli-pager', '--event-name', '--start-time', '--cli-input-json',
];
const VALUES = [
  '', '-', '--', '=', 'fileb:///nonexistent', 'file:///nonexistent', 'fileb://', 'file://', 'alias/x', 'alias/aws/x', '{}', '{"a":"b"}', '[]', 'null', '0', '-1',
  '99999999999999999999', 'json', 'table', 'yaml', 'text', 'Keys[0]', '[?', 'AAAA', '!!!', 'SYMMETRIC_DEFAULT', 'arn:aws:kms:local-1:111122223333:key/x',
  'a'.repeat(5000), '\u0000', '\ud800', 'ééé', '*', 'true',
];

const word = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FLAGS) },
  { weight: 3, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 1, arbitrary: fc.constantFrom(...SUBCOMMANDS) },
  { weight: 1, arbitrary: fc.stringMatching(/^--[a-z][a-z-]{0,15}(=.{0,10})?$/) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);
const argv = fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...COMMANDS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }), fc.array(word, { maxLength: 8 })).map(([command, rest]) => [command, ...rest]);

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('the command line', () => {
  const tally = new FuzzTally('cli-argv');
  afterAll(() => tally.write());

  it(
    'any argv: exit 0, 1 or 2, a failure in words on stderr (no stack trace), nothing written',
    async () => {
      await fc.assert(
        fc.asyncProperty(argv, async (args) => {
          tally.cases++;
          const stdout = new Collect();
          const stderr = new Collect();
          const stdin = new PassThrough();
          stdin.end();
          const code = await main({ argv: args, env: { PATH: process.env.PATH ?? '', STRONGROOM_DATA_DIR: dataDir, STRONGROOM_AGENT: 'off', STRONGROOM_PASSPHRASE: '' }, stdin: stdin as unknown as NodeJS.ReadStream, stdout, stderr });
          const failed = code !== 0;
          if (!failed) {
            tally.accepted++;
          }
          const firstLine = stderr.text.split('\n')[0] ?? '';
          // Exit 1 says why on stderr, or (`status`) reports the problem on stdout.
          const explained = /^(An error occurred \(\w+\) when calling the .+ command: |strongroom: )./.test(firstLine) || (stderr.text === '' && stdout.text.trim() !== '');
          if (![0, 1, 2].includes(code) || /\n\s+at .+:\d+:\d+\)?\n/.test(stderr.text) || (failed && code === 1 && !explained)) {
            tally.crashes++;
            throw new Error(`argv ${JSON.stringify(args)} exited ${code} with stderr: ${stderr.text.slice(0, 2000)}`);
          }
          if (failed) {
            tally.refusedWith(/^An error occurred \((\w+)\)/.exec(firstLine)?.[1] ?? (code === 2 ? 'usage' : /\((\w+)\)/.exec(firstLine)?.[1] ?? 'strongroom'));
          }
          // Nothing was created: no installation in the data folder, nothing new where the CLI runs.
          expect(readdirSync(dataDir)).toEqual([]);
        }),
        fuzzParameters(RUNS),
      );
      expect(readdirSync(cwd).sort()).toEqual(cwdBefore);
      expect(tally.crashes).toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});
