// The README and docs/ as a newcomer follows them (issue 23): every `strongroom` line in their
// ```sh blocks names a command the CLI knows and only flags that command's --help lists, and the
// README's Quick start block runs as written — in bash, from an empty folder, `strongroom` on
// PATH — ending with the file decrypted and the audit chain verified.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main.ts';
import { deleteKeychainRootKey } from '../../electron/kms/rootkey/keychain.ts';
import { keychainRequired, probeKeychain } from '../rootkey/helpers.ts';
import { cli, STRONGROOM_BIN } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCUMENTS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md') && f !== 'decisions.md').map((f) => `docs/${f}`)];

/** The ```sh blocks of a Markdown file, each as its logical lines (continuations joined). */
function shellBlocks(file: string): Array<Array<string>> {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').replace(/\\\n\s*/g, ' ').split('\n').filter((l) => l.trim() !== ''));
}

/** A shell line's words, quotes removed, up to a comment. Enough for documentation lines. */
function words(line: string): Array<string> {
  const out: Array<string> = [];
  let current: string | null = null;
  let quote: string | null = null;
  for (const ch of line) {
    if (quote !== null) {
      if (ch === quote) {
        quote = null;
      } else {
        current += ch;
      }
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current ??= '';
    } else if (/\s/.test(ch)) {
      if (current !== null) {
        out.push(current);
        current = null;
      }
    } else if (ch === '#' && current === null) {
      break;
    } else {
      current = (current ?? '') + ch;
    }
  }
  if (current !== null) {
    out.push(current);
  }
  return out;
}

/** Every `strongroom …` invocation in a line: pipelines, `&&`, `$(…)` and `&` split apart. */
function invocations(line: string): Array<Array<string>> {
  const found: Array<Array<string>> = [];
  for (const part of line.replace(/\$\(/g, ' ; ').replace(/\)/g, ' ').split(/&&|\||;|&(?!\S)/)) {
    const w = words(part);
    const at = w.indexOf('strongroom');
    if (at !== -1 && w.slice(0, at).every((x) => /^[A-Z_]+=/.test(x))) {
      found.push(w.slice(at + 1));
    }
  }
  return found;
}

const GLOBAL_WITH_VALUE = new Set(['--data-dir', '--output', '--query', '--passphrase-file', '--as']);
const helpCache = new Map<string, string | null>();

/** `strongroom <words> --help` run in this process: its exit code and stdout. */
async function helpText(words: ReadonlyArray<string>): Promise<{ code: number; stdout: string }> {
  const stdout = new PassThrough();
  const chunks: Array<Buffer> = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const code = await main({ argv: [...words, '--help'], env: { STRONGROOM_DATA_DIR: join(tempDir('strongroom-readme-help-'), 'none'), STRONGROOM_AGENT: 'off' }, stdin: process.stdin, stdout, stderr: new PassThrough() });
  return { code, stdout: Buffer.concat(chunks).toString('utf8') };
}

/** The command's --help text (null when the words do not name a command), for the longest match. */
async function commandHelp(args: ReadonlyArray<string>): Promise<{ command: string; help: string } | null> {
  const positional: Array<string> = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg.startsWith('--')) {
      if (GLOBAL_WITH_VALUE.has(arg.split('=')[0] ?? '') && !arg.includes('=')) {
        i++;
      }
      continue;
    }
    positional.push(arg);
  }
  for (let n = Math.min(3, positional.length); n >= 1; n--) {
    const words = positional.slice(0, n);
    if (!words.every((w) => /^[a-z][a-z0-9-]*$/.test(w))) {
      continue;
    }
    const command = words.join(' ');
    if (!helpCache.has(command)) {
      const r = await helpText(words);
      // A group's help (`audit --help`) lists its subcommands: a line naming the group alone did not
      // name a command (`audit verfy` falls back to it).
      const groupHelp = new RegExp(`^strongroom ${command} [a-z]`).test(r.stdout);
      helpCache.set(command, r.code === 0 && r.stdout.startsWith(`strongroom ${command}`) && !groupHelp ? r.stdout : null);
    }
    const help = helpCache.get(command);
    if (help !== null && help !== undefined) {
      return { command, help };
    }
  }
  return null;
}

describe('the documentation’s command lines', () => {
  const lines = DOCUMENTS.flatMap((file) => shellBlocks(file).flatMap((block) => block.flatMap((line) => invocations(line).map((args) => ({ file, line, args })))));

  it('are found (the check is not vacuous)', () => {
    expect(lines.filter((l) => l.file === 'README.md').length).toBeGreaterThanOrEqual(8);
    expect(lines.length).toBeGreaterThan(40);
  });

  it('each names a command the CLI knows, with only flags its --help lists', async () => {
    const problems: Array<string> = [];
    for (const { file, line, args } of lines) {
      const found = await commandHelp(args);
      if (found === null) {
        problems.push(`${file}: no command in: ${line.trim()}`);
        continue;
      }
      for (const flag of args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0] ?? a)) {
        if (!new RegExp(`(^|[\\s\\[(|])${flag.replace(/[-]/g, '\\-')}([\\s\\]=|,)]|$)`, 'm').test(found.help)) {
          problems.push(`${file}: '${found.command}' has no flag ${flag}: ${line.trim()}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

const keychainProblem = await probeKeychain();
const withKeychain = keychainProblem === null || keychainRequired ? describe : describe.skip;

withKeychain('the README’s Quick start', () => {
  let installationId = '';
  afterAll(async () => {
    if (installationId !== '') {
      await deleteKeychainRootKey(installationId);
    }
  });

  /** The ```sh block after a README heading. */
  function blockAfter(heading: string): string {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    return /```sh\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(heading)))?.[1] ?? '';
  }

  const work = tempDir('strongroom-readme-quickstart-');
  const bin = join(work, 'bin');
  const folder = join(work, 'folder');
  const data = join(work, 'data');
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, STRONGROOM_DATA_DIR: data, STRONGROOM_AGENT: 'off', STRONGROOM_PASSPHRASE: '' });

  it('runs as written in bash, from an empty folder, and ends with the file back and the chain verified', () => {
    const block = blockAfter('## Quick start');
    expect(block).toContain('strongroom init');
    mkdirSync(bin);
    mkdirSync(folder);
    writeFileSync(join(bin, 'strongroom'), `#!/bin/sh\nexec "${process.execPath}" "${STRONGROOM_BIN}" "$@"\n`);
    chmodSync(join(bin, 'strongroom'), 0o755);
    const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', block], { cwd: folder, env: env(), encoding: 'utf8' });
    const status = cli(data, ['status']);
    installationId = String((status.json() as { InstallationId?: string }).InstallationId ?? '');
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(readFileSync(join(folder, 'restored', 'note.txt'), 'utf8')).toBe('attack at dawn\n');
    expect(readFileSync(join(folder, 'note.txt.strongroom')).subarray(0, 1)).toEqual(Buffer.from([0x02]));
    // audit query printed the records of the alias's key, newest first; audit verify printed ok.
    expect(r.stdout).toContain('"eventName": "Decrypt"');
    expect(r.stdout).toContain('"Intact": true');
  });

  it('then the endpoint block runs with the AWS CLI, given the printed keys and a free port', async () => {
    const block = blockAfter('## The AWS-compatible endpoint');
    const [first, ...rest] = block.split('\n').filter((l) => l.trim() !== '');
    expect(first).toMatch(/^strongroom create-access-key /);
    const created = spawnSync('bash', ['-e', '-c', first ?? ''], { cwd: folder, env: env(), encoding: 'utf8' });
    expect(created.status, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as { AccessKey: { AccessKeyId: string; SecretAccessKey: string } };
    const port = await freePort();
    // What a user does by hand: paste the printed keys, and wait for serve's line before the next.
    const script = rest
      .join('\n')
      .replaceAll('<AccessKeyId>', key.AccessKey.AccessKeyId)
      .replaceAll('<SecretAccessKey>', key.AccessKey.SecretAccessKey)
      .replaceAll('8567', String(port))
      .replace(/^strongroom serve &.*$/m, `strongroom serve --port ${port} > serve.out & SERVE=$!; trap 'kill $SERVE' EXIT; until [ -s serve.out ]; do sleep 0.1; done`);
    const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: folder, env: env(), encoding: 'utf8', timeout: 60_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('"AliasName": "alias/files"');
    expect(r.stdout).toContain('"CiphertextBlob"');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
