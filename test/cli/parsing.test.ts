import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../electron/cli/args.ts';
import { kebab, operationForCommand } from '../../electron/cli/names.ts';
import { cliTimestamp, formatOutput } from '../../electron/cli/output.ts';
import { buildRequest } from '../../electron/cli/params.ts';
import { parseQuery } from '../../electron/cli/query.ts';
import { UsageError } from '../../electron/cli/usage-error.ts';
import { operationNames } from '../../shared/api/operations.ts';

function request(op: Parameters<typeof buildRequest>[0], argv: Array<string>) {
  return buildRequest(op, new Map(parseArgs(argv).flags), kebab(op));
}

describe('names', () => {
  it('kebab-cases operations and members as the AWS CLI does', () => {
    expect(kebab('CreateKey')).toBe('create-key');
    expect(kebab('ReEncrypt')).toBe('re-encrypt');
    expect(kebab('GenerateDataKeyWithoutPlaintext')).toBe('generate-data-key-without-plaintext');
    expect(kebab('BypassPolicyLockoutSafetyCheck')).toBe('bypass-policy-lockout-safety-check');
    expect(kebab('AWSAccountId')).toBe('aws-account-id');
  });
  it('maps every operation to a command and back', () => {
    for (const n of operationNames) {
      expect(operationForCommand(kebab(n))).toBe(n);
    }
  });
});

describe('building requests from flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-cli-unit-'));
  const bin = join(dir, 'p.bin');
  writeFileSync(bin, Buffer.from([0, 1, 2, 255]));
  const b64 = join(dir, 'p.b64');
  writeFileSync(b64, 'AAEC/w==\n');

  it('reads fileb:// as raw bytes and file:// as base64 text, and passes base64 through', () => {
    expect(request('Encrypt', ['--key-id', 'k', '--plaintext', `fileb://${bin}`]).Plaintext).toBe('AAEC/w==');
    expect(request('Encrypt', ['--key-id', 'k', '--plaintext', `file://${b64}`]).Plaintext).toBe('AAEC/w==');
    expect(request('Encrypt', ['--key-id', 'k', '--plaintext', 'aGk=']).Plaintext).toBe('aGk=');
  });
  it('parses shorthand and JSON maps', () => {
    expect(request('Encrypt', ['--key-id', 'k', '--plaintext', 'aGk=', '--encryption-context', 'a=1,b=x=y']).EncryptionContext).toEqual({ a: '1', b: 'x=y' });
    expect(request('Encrypt', ['--key-id', 'k', '--plaintext', 'aGk=', '--encryption-context', '{"a":"1"}']).EncryptionContext).toEqual({ a: '1' });
  });
  it('parses tag lists in shorthand and JSON, and string lists', () => {
    expect(request('TagResource', ['--key-id', 'k', '--tags', 'TagKey=a,TagValue=1', 'TagKey=b,TagValue=']).Tags).toEqual([
      { TagKey: 'a', TagValue: '1' },
      { TagKey: 'b', TagValue: '' },
    ]);
    expect(request('TagResource', ['--key-id', 'k', '--tags', '[{"TagKey":"a","TagValue":"1"}]']).Tags).toEqual([{ TagKey: 'a', TagValue: '1' }]);
    expect(request('UntagResource', ['--key-id', 'k', '--tag-keys', 'a', 'b']).TagKeys).toEqual(['a', 'b']);
  });
  it('parses integers strictly and booleans as switches', () => {
    expect(request('GenerateRandom', ['--number-of-bytes', '32']).NumberOfBytes).toBe(32);
    expect(() => request('GenerateRandom', ['--number-of-bytes', '3x'])).toThrow(UsageError);
    expect(request('Encrypt', ['--key-id', 'k', '--plaintext', 'aGk=', '--dry-run']).DryRun).toBe(true);
    expect(request('Encrypt', ['--key-id', 'k', '--plaintext', 'aGk=', '--no-dry-run']).DryRun).toBe(false);
  });
  it('reports missing required flags, unknown flags and missing values as usage errors', () => {
    expect(() => request('Encrypt', ['--plaintext', 'aGk='])).toThrow(/required: --key-id/);
    expect(() => request('Encrypt', ['--key-id', 'k', '--plaintext', 'aGk=', '--colour', 'red'])).toThrow(/unknown option: --colour/);
    expect(() => request('Encrypt', ['--key-id', '--plaintext', 'aGk='])).toThrow(/--key-id: expected one argument/);
    expect(() => request('Encrypt', ['--key-id', 'k', '--plaintext', 'fileb:///no/such/file'])).toThrow(/cannot read/);
    expect(() => parseArgs(['--key-id', 'a', '--key-id', 'b'])).toThrow(/more than once/);
  });
  it('accepts --flag=value', () => {
    expect(request('DescribeKey', ['--key-id=alias/x']).KeyId).toBe('alias/x');
  });
});

describe('--query (JMESPath)', () => {
  const value = {
    Keys: [
      { KeyId: 'a', KeyArn: 'arn-a' },
      { KeyId: 'b', KeyArn: 'arn-b' },
    ],
    KeyMetadata: { Arn: 'x', KeyId: 'k', KeyState: 'Enabled', Tags: [] },
    Truncated: false,
  };
  it.each<[string, unknown]>([
    ['KeyMetadata.Arn', 'x'],
    ['Keys[].KeyId', ['a', 'b']],
    ['Keys[0]', { KeyId: 'a', KeyArn: 'arn-a' }],
    ['Keys[-1].KeyArn', 'arn-b'],
    ['Keys[]', value.Keys],
    ['[Truncated, KeyMetadata.Arn]', [false, 'x']],
    ['Missing', null],
    // What the hand-written subset refused: the AWS CLI's multiselect after a dot, filters, functions, hashes, pipes.
    ['KeyMetadata.[KeyId,KeyState]', ['k', 'Enabled']],
    ["Keys[?KeyId=='b'].KeyArn", ['arn-b']],
    ["Keys[?KeyId=='b'] | [0].KeyArn", 'arn-b'],
    ['length(Keys)', 2],
    ['sort_by(Keys, &KeyArn)[-1].KeyId', 'b'],
    ['Keys[*].{Id: KeyId}', [{ Id: 'a' }, { Id: 'b' }]],
    ["contains(Keys[].KeyId, 'a')", true],
  ])('%s', async (q, expected) => {
    expect((await parseQuery(q)).evaluate(value)).toEqual(expected);
  });
  it('refuses a malformed expression before anything runs, and reports one that fails as it runs', async () => {
    await expect(parseQuery('a..b')).rejects.toThrow(/argument --query: 'a\.\.b' is not a JMESPath expression/);
    await expect(parseQuery('Keys[?')).rejects.toThrow(UsageError);
    const unknown = await parseQuery('no_such_function(Keys)');
    expect(() => unknown.evaluate(value)).toThrow(/argument --query: .* failed: Unknown function: no_such_function/);
  });
});

describe('output', () => {
  it('prints JSON as the AWS CLI v2 does', () => {
    const out = formatOutput({ CiphertextBlob: new Uint8Array([1, 2, 3]), CreationDate: new Date(Date.UTC(2026, 10, 23, 5, 0, 0, 123)) }, 'json');
    expect(out).toBe('{\n    "CiphertextBlob": "AQID",\n    "CreationDate": "2026-11-23T05:00:00.123000+00:00"\n}\n');
    expect(cliTimestamp(new Date(0))).toBe('1970-01-01T00:00:00.000000+00:00');
  });
  it('prints nothing for empty responses', () => {
    expect(formatOutput({}, 'json')).toBe('');
  });
  it('prints text with scalars tab-separated and nested lists under their names', () => {
    expect(formatOutput('AQID', 'text')).toBe('AQID\n');
    expect(formatOutput({ Keys: [{ KeyId: 'a', KeyArn: 'b' }] }, 'text')).toBe('KEYS\ta\tb\n');
    expect(formatOutput({ KeyId: 'k', Enabled: true }, 'text')).toBe('k\tTrue\n');
  });
});

describe('global flags (a fixed number of values)', () => {
  const fixed = new Map<string, 0 | 1>([
    ['data-dir', 1],
    ['help', 0],
  ]);
  it('take their own values and hand the rest of the line back to the command', () => {
    const r = parseArgs(['--data-dir', 'D', 'list-keys', '--limit', '5'], { fixed });
    expect(r.words).toEqual(['list-keys']);
    expect([...r.flags]).toEqual([
      ['data-dir', ['D']],
      ['limit', ['5']],
    ]);
    expect(parseArgs(['--data-dir=D', 'audit', 'query'], { fixed }).words).toEqual(['audit', 'query']);
    expect(parseArgs(['--help', 'list-keys'], { fixed }).words).toEqual(['list-keys']);
    expect(parseArgs(['encrypt-file', 'a', '--key-id', 'k', '--data-dir', 'D', 'b'], { fixed }).words).toEqual(['encrypt-file', 'a', 'b']);
  });
  it('leave a missing value missing, and read -h as --help', () => {
    expect(parseArgs(['list-keys', '--data-dir', '--limit', '5'], { fixed }).flags.get('data-dir')).toEqual([]);
    expect(parseArgs(['list-keys', '-h'], { fixed }).flags.get('help')).toEqual([]);
  });
});
