// --output table and yaml as the AWS CLI v2 prints them, and --query as full JMESPath, from the
// real command line. The layouts are checked against the AWS CLI documentation's own examples.
import { beforeAll, describe, expect, it } from 'vitest';
import { formatOutput } from '../../electron/cli/output.ts';
import { cli, expectOk, expectUsageError } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';
import { join } from 'node:path';

describe('--output table', () => {
  it('lays out a list of objects as the AWS CLI documentation shows (aws ec2 describe-volumes --output table)', () => {
    const volumes = [
      { AZ: 'us-west-2a', ID: 'vol-e11a5288', InstanceId: 'i-a071c394', Size: 30 },
      { AZ: 'us-west-2a', ID: 'vol-2e410a47', InstanceId: 'i-4b41a37c', Size: 8 },
    ];
    expect(formatOutput(volumes, 'table', { title: 'DescribeVolumes', terminalWidth: 80 })).toBe(
      [
        '------------------------------------------------------',
        '|                   DescribeVolumes                  |',
        '+------------+----------------+--------------+-------+',
        '|     AZ     |      ID        | InstanceId   | Size  |',
        '+------------+----------------+--------------+-------+',
        '|  us-west-2a|  vol-e11a5288  |  i-a071c394  |  30   |',
        '|  us-west-2a|  vol-2e410a47  |  i-4b41a37c  |  8    |',
        '+------------+----------------+--------------+-------+',
        '',
      ].join('\n'),
    );
  });
  it('nests sections inside their parent, and turns one-row sections vertical when wider than the terminal', () => {
    const value = { KeyMetadata: { KeyId: 'k-1', Enabled: true, EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } };
    const wide = formatOutput(value, 'table', { title: 'DescribeKey', terminalWidth: 200 }).split('\n');
    expect(wide.find((l) => l.includes('Enabled'))).toMatch(/^\|\|\s+Enabled\s+\|\s+KeyId\s+\|\|$/);
    expect(wide.find((l) => l.includes('True'))).toMatch(/^\|\|\s+True\s*\|\s+k-1\s*\|\|$/);
    expect(wide.find((l) => l.includes('SYMMETRIC_DEFAULT'))).toMatch(/^\|\|\|\s+SYMMETRIC_DEFAULT\s*\|\|\|$/);
    const narrow = formatOutput(value, 'table', { title: 'DescribeKey', terminalWidth: 10 }).split('\n');
    expect(narrow.find((l) => l.includes('Enabled'))).toMatch(/^\|\|\s+Enabled\s*\|\s+True\s*\|\|$/);
    expect(narrow.find((l) => l.includes('KeyId'))).toMatch(/^\|\|\s+KeyId\s*\|\s+k-1\s*\|\|$/);
    // Every line of a table is as wide as its top rule.
    for (const table of [wide, narrow]) {
      const lines = table.filter((l) => l !== '');
      expect(new Set(lines.map((l) => l.length))).toEqual(new Set([lines[0]?.length]));
    }
  });
  it('prints only the title for a result with only empty members, nothing for an empty one, and a scalar in a cell', () => {
    expect(formatOutput({ Keys: [] }, 'table', { title: 'ListKeys', terminalWidth: 80 })).toBe('----------\n|ListKeys|\n+--------+\n');
    expect(formatOutput({}, 'table', { title: 'TagResource', terminalWidth: 80 })).toBe('');
    expect(formatOutput('abc', 'table', { title: 'Encrypt', terminalWidth: 80 })).toMatch(/\|\s+abc\s+\|/);
  });
});

describe('--output yaml', () => {
  it('prints as the AWS CLI documentation shows (aws iam list-users --output yaml)', () => {
    const users = { Users: [{ Arn: 'arn:aws:iam::123456789012:user/Admin', CreateDate: new Date('2014-10-16T16:03:09Z'), Path: '/', UserId: 'AIDA1111111111EXAMPLE', UserName: 'Admin' }] };
    expect(formatOutput(users, 'yaml')).toBe(
      [
        'Users:',
        '- Arn: arn:aws:iam::123456789012:user/Admin',
        "  CreateDate: '2014-10-16T16:03:09.000000+00:00'",
        '  Path: /',
        '  UserId: AIDA1111111111EXAMPLE',
        '  UserName: Admin',
        '',
      ].join('\n'),
    );
  });
  it('quotes what a YAML reader would take for something else, and writes empty collections inline', () => {
    const value = { AccountId: '123456789012', Flag: 'yes', Empty: '', Colon: 'a: b', Star: '*x', Multi: 'a\nb', Enabled: true, Count: 3, Nil: null, Tags: [], Map: {}, Nested: [['a', 'b']] };
    expect(formatOutput(value, 'yaml')).toBe(
      [
        "AccountId: '123456789012'",
        "Flag: 'yes'",
        "Empty: ''",
        "Colon: 'a: b'",
        "Star: '*x'",
        'Multi: "a\\nb"',
        'Enabled: true',
        'Count: 3',
        'Nil: null',
        'Tags: []',
        'Map: {}',
        'Nested:',
        '- - a',
        '  - b',
        '',
      ].join('\n'),
    );
    expect(formatOutput('AQID', 'yaml')).toBe('AQID\n...\n');
    expect(formatOutput('0123', 'yaml')).toBe("'0123'\n");
  });
});

describe('--output and --query on the command line', () => {
  const env = { STRONGROOM_PASSPHRASE: 'output formats test passphrase' };
  let data: string;
  let keyId: string;
  const run = (...args: Array<string>) => cli(data, args, { env });

  beforeAll(() => {
    data = join(tempDir('strongroom-cli-output-'), 'data');
    expectOk(run('init', '--root-key', 'passphrase'));
    keyId = String((expectOk(run('create-key', '--description', 'formats')) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId);
  });

  it('the AWS form KeyMetadata.[KeyId,KeyState] and a filter', () => {
    expect(expectOk(run('describe-key', '--key-id', keyId, '--query', 'KeyMetadata.[KeyId,KeyState]'))).toEqual([keyId, 'Enabled']);
    const text = run('describe-key', '--key-id', keyId, '--query', 'KeyMetadata.[KeyId,KeyState]', '--output', 'text');
    expect(text.stdout).toBe(`${keyId}\tEnabled\n`);
    const filtered = run('list-keys', '--query', `Keys[?KeyId=='${keyId}'].KeyArn | [0]`, '--output', 'text');
    expect(filtered.stdout).toMatch(new RegExp(`^arn:aws:kms:local-1:\\d{12}:key/${keyId}\\n$`));
  });

  it('--no-cli-pager is accepted anywhere, as aws users type it', () => {
    expect(run('--no-cli-pager', 'list-keys', '--query', 'length(Keys)').stdout).toBe('1\n');
  });

  it('a malformed --query is a usage error', () => {
    expect(expectUsageError(run('list-keys', '--query', 'Keys[?'))).toMatch(/argument --query: 'Keys\[\?' is not a JMESPath expression/);
  });

  it('--output table titled with the operation, and yaml', () => {
    const table = run('describe-key', '--key-id', keyId, '--output', 'table');
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^\|\s+DescribeKey\s+\|$/);
    expect(lines.some((l) => /^\|\|\s+KeyState\s*\|\s+Enabled\s+\|\|$/.test(l))).toBe(true);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    const yaml = run('describe-key', '--key-id', keyId, '--output', 'yaml');
    expect(yaml.stdout).toMatch(new RegExp(`^KeyMetadata:\\n  AWSAccountId: '\\d{12}'\\n  KeyId: ${keyId}\\n`));
    expect(yaml.stdout).toContain('  EncryptionAlgorithms:\n  - SYMMETRIC_DEFAULT\n');
    expect(expectUsageError(run('list-keys', '--output', 'xml'))).toMatch(/invalid choice: 'xml' \(choose from 'json', 'text', 'table', 'yaml'\)/);
  });
});
