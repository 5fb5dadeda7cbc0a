// Policy validation (docs/aws-kms.md §10.1): each bad policy is refused with
// MalformedPolicyDocumentException whose message names the JSON path of what is wrong (or, for
// faults of the whole text, says what and where), and the 32 KB quota is LimitExceededException.
// AWS's own examples must parse unchanged.

import { describe, expect, it } from 'vitest';
import { MAX_POLICY_BYTES, parsePolicy, type PolicyKind } from '../../electron/kms/policy/document.ts';
import { MalformedPolicyDocumentException } from '../../electron/kms/errors.ts';
import { ACCOUNT, alice, CONSOLE_POLICY, DEFAULT_POLICY, type Json, keyAdmin, ROOT_ARN } from './fixtures.ts';

/** The error parsePolicy throws, or null when it accepts the text. */
function refusal(text: string, kind: PolicyKind): Error | null {
  try {
    parsePolicy(text, kind);
  } catch (err) {
    if (err instanceof Error) {
      return err;
    }
    throw err;
  }
  return null;
}

const KEY_ARN_PATTERN = 'arn:aws:kms:local-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A key policy with one statement: alice may decrypt, with the given changes. */
function keyStatement(changes: Readonly<Record<string, Json | undefined>>): string {
  const s: Record<string, Json> = { Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'kms:Decrypt', Resource: '*' };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) {
      delete s[k];
    } else {
      s[k] = v;
    }
  }
  return JSON.stringify({ Version: '2012-10-17', Statement: [s] });
}
const withCondition = (condition: Json): string => keyStatement({ Condition: condition });

type BadRow = {
  readonly rule: string;
  readonly kind: PolicyKind;
  readonly text: string;
  readonly error?: 'MalformedPolicyDocumentException' | 'LimitExceededException';
  /** The JSON path the message must name; null for faults of the whole text. */
  readonly path: string | null;
  /** Something else the message must say. */
  readonly says?: RegExp;
};

const NON_LATIN_1 = keyStatement({ Sid: 'Price in \u20ac' });
const OVERSIZED = JSON.stringify({
  Version: '2012-10-17',
  Statement: Array.from({ length: 300 }, (_, i) => ({ Sid: `Statement${i}`, Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'kms:Decrypt', Resource: '*' })),
});

const bad: ReadonlyArray<BadRow> = [
  { rule: 'invalid JSON', kind: 'key', text: '{"Version": "2012-10-17", "Statement": [', path: null, says: /not valid JSON/ },
  { rule: 'a JSON array instead of an object', kind: 'key', text: '[]', path: null, says: /JSON object/ },
  { rule: 'no Statement', kind: 'key', text: '{"Version": "2012-10-17"}', path: null, says: /Statement/ },
  { rule: 'an empty Statement array', kind: 'key', text: '{"Version": "2012-10-17", "Statement": []}', path: 'Statement' },
  { rule: 'a statement that is not an object', kind: 'key', text: '{"Statement": ["Allow"]}', path: 'Statement[0]' },
  { rule: 'missing Effect', kind: 'key', text: keyStatement({ Effect: undefined }), path: 'Statement[0].Effect', says: /missing/ },
  { rule: 'Effect "allow" in lower case (Effect is case-sensitive)', kind: 'key', text: keyStatement({ Effect: 'allow' }), path: 'Statement[0].Effect', says: /"allow"/ },
  { rule: 'unknown top-level element', kind: 'key', text: JSON.stringify({ Version: '2012-10-17', Statements: [] }), path: 'Statements' },
  { rule: 'unknown statement element', kind: 'key', text: keyStatement({ Actions: 'kms:Decrypt' }), path: 'Statement[0].Actions' },
  {
    rule: 'unknown element in the second statement names that statement',
    kind: 'key',
    text: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }, { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condtion: {} }] }),
    path: 'Statement[1].Condtion',
  },
  { rule: 'Version that is not 2012-10-17 or 2008-10-17', kind: 'key', text: JSON.stringify({ Version: '2012-10-18', Statement: [] }), path: 'Version' },
  { rule: 'Action typo kms:Encrpyt', kind: 'key', text: keyStatement({ Action: 'kms:Encrpyt' }), path: 'Statement[0].Action', says: /kms:Encrpyt/ },
  { rule: 'Action typo inside an array names the element', kind: 'key', text: keyStatement({ Action: ['kms:Decrypt', 'kms:GenerateDatakeys'] }), path: 'Statement[0].Action[1]' },
  { rule: 'a non-KMS action s3:GetObject', kind: 'key', text: keyStatement({ Action: 's3:GetObject' }), path: 'Statement[0].Action', says: /s3:GetObject/ },
  { rule: 'NotAction typo', kind: 'key', text: keyStatement({ Action: undefined, NotAction: 'kms:Decryptt' }), path: 'Statement[0].NotAction' },
  { rule: 'both Action and NotAction', kind: 'key', text: keyStatement({ NotAction: 'kms:Encrypt' }), path: 'Statement[0]' },
  { rule: 'Resource that is neither "*" nor an ARN', kind: 'key', text: keyStatement({ Resource: 'key/1234abcd' }), path: 'Statement[0].Resource' },
  { rule: 'bad condition operator StringEqualz', kind: 'key', text: withCondition({ StringEqualz: { 'kms:CallerAccount': ACCOUNT } }), path: 'Statement[0].Condition.StringEqualz.kms:CallerAccount', says: /StringEqualz/ },
  { rule: 'unknown set qualifier ForSomeValues:', kind: 'key', text: withCondition({ 'ForSomeValues:StringEquals': { 'kms:EncryptionContextKeys': 'a' } }), path: 'Statement[0].Condition.ForSomeValues:StringEquals.kms:EncryptionContextKeys' },
  { rule: 'Null takes no IfExists', kind: 'key', text: withCondition({ NullIfExists: { 'kms:EncryptionContextKeys': 'true' } }), path: 'Statement[0].Condition.NullIfExists.kms:EncryptionContextKeys' },
  { rule: 'unknown condition key kms:EncryptionContextKey', kind: 'key', text: withCondition({ 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKey': 'Department' } }), path: 'Statement[0].Condition.ForAnyValue:StringEquals.kms:EncryptionContextKey', says: /kms:EncryptionContextKey/ },
  { rule: 'unknown global condition key aws:SourceIpAddress', kind: 'key', text: withCondition({ IpAddress: { 'aws:SourceIpAddress': '10.0.0.0/8' } }), path: 'Statement[0].Condition.IpAddress.aws:SourceIpAddress' },
  { rule: 'a condition block that is not an object', kind: 'key', text: withCondition({ StringEquals: 'kms:CallerAccount' }), path: 'Statement[0].Condition.StringEquals' },
  { rule: 'a null condition value', kind: 'key', text: withCondition({ StringEquals: { 'kms:CallerAccount': null } }), path: 'Statement[0].Condition.StringEquals.kms:CallerAccount' },
  { rule: 'non-numeric NumericLessThan value', kind: 'key', text: withCondition({ NumericLessThan: { 'kms:RotationPeriodInDays': 'ninety' } }), path: 'Statement[0].Condition.NumericLessThan.kms:RotationPeriodInDays', says: /ninety/ },
  { rule: 'non-numeric value inside a list names the element', kind: 'key', text: withCondition({ NumericEquals: { 'kms:RotationPeriodInDays': ['90', ''] } }), path: 'Statement[0].Condition.NumericEquals.kms:RotationPeriodInDays[1]' },
  { rule: 'bad date (words)', kind: 'key', text: withCondition({ DateLessThan: { 'aws:CurrentTime': 'next tuesday' } }), path: 'Statement[0].Condition.DateLessThan.aws:CurrentTime', says: /next tuesday/ },
  { rule: 'bad date (month 13)', kind: 'key', text: withCondition({ DateGreaterThan: { 'aws:CurrentTime': '2027-13-01T00:00:00Z' } }), path: 'Statement[0].Condition.DateGreaterThan.aws:CurrentTime' },
  { rule: 'bad date (day-first format)', kind: 'key', text: withCondition({ DateGreaterThan: { 'aws:CurrentTime': '31/01/2027' } }), path: 'Statement[0].Condition.DateGreaterThan.aws:CurrentTime' },
  { rule: 'bad CIDR: prefix longer than 32', kind: 'key', text: withCondition({ IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } }), path: 'Statement[0].Condition.IpAddress.aws:SourceIp', says: /10\.0\.0\.0\/33/ },
  { rule: 'bad CIDR: octet over 255', kind: 'key', text: withCondition({ NotIpAddress: { 'aws:SourceIp': '300.1.1.1/8' } }), path: 'Statement[0].Condition.NotIpAddress.aws:SourceIp' },
  { rule: 'bad CIDR: IPv6 prefix longer than 128', kind: 'key', text: withCondition({ IpAddress: { 'aws:SourceIp': '2001:db8::/129' } }), path: 'Statement[0].Condition.IpAddress.aws:SourceIp' },
  { rule: 'bad CIDR: empty prefix length "10.0.0.0/"', kind: 'key', text: withCondition({ IpAddress: { 'aws:SourceIp': '10.0.0.0/' } }), path: 'Statement[0].Condition.IpAddress.aws:SourceIp' },
  { rule: 'bad CIDR: two prefix lengths "10.0.0.0/8/16"', kind: 'key', text: withCondition({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8/16' } }), path: 'Statement[0].Condition.IpAddress.aws:SourceIp' },
  { rule: 'Bool value that is not true or false', kind: 'key', text: withCondition({ Bool: { 'aws:SecureTransport': 'yes' } }), path: 'Statement[0].Condition.Bool.aws:SecureTransport' },
  { rule: 'principal with a partial wildcard', kind: 'key', text: keyStatement({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/*` } }), path: 'Statement[0].Principal.AWS', says: /aws:PrincipalArn/ },
  { rule: 'principal with a partial wildcard inside a list names the element', kind: 'key', text: keyStatement({ Principal: { AWS: [alice.arn, 'arn:aws:iam::*:root'] } }), path: 'Statement[0].Principal.AWS[1]' },
  { rule: 'NotPrincipal with a partial wildcard', kind: 'key', text: keyStatement({ Principal: undefined, Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Key?dmin` } }), path: 'Statement[0].NotPrincipal.AWS' },
  { rule: 'principal given as a bare ARN string', kind: 'key', text: keyStatement({ Principal: alice.arn }), path: 'Statement[0].Principal' },
  { rule: 'principal that is not an account or IAM ARN', kind: 'key', text: keyStatement({ Principal: { AWS: 'alice' } }), path: 'Statement[0].Principal.AWS' },
  { rule: 'unsupported principal type', kind: 'key', text: keyStatement({ Principal: { CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be' } }), path: 'Statement[0].Principal.CanonicalUser' },
  { rule: 'key policy statement without Principal', kind: 'key', text: keyStatement({ Principal: undefined }), path: 'Statement[0]', says: /Principal/ },
  { rule: 'identity policy statement with Principal', kind: 'identity', text: keyStatement({}), path: 'Statement[0]', says: /Principal/ },
  { rule: 'identity policy statement without Resource', kind: 'identity', text: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt' }] }), path: 'Statement[0]', says: /Resource/ },
  { rule: 'identity policy statement without Action', kind: 'identity', text: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*' }] }), path: 'Statement[0]', says: /Action/ },
  { rule: 'identity policy single-object Statement: path without an index', kind: 'identity', text: JSON.stringify({ Statement: { Effect: 'Allow', Action: 'kms:Encrpyt', Resource: '*' } }), path: 'Statement.Action' },
  { rule: 'over 32 KB', kind: 'key', text: OVERSIZED, error: 'LimitExceededException', path: null, says: new RegExp(`${Buffer.byteLength(OVERSIZED)} bytes.*32 KB`) },
  { rule: 'a character outside Latin-1 (U+20AC)', kind: 'key', text: NON_LATIN_1, path: null, says: new RegExp(`U\\+20AC at offset ${NON_LATIN_1.indexOf('\u20ac')}`) },
  { rule: 'a control character other than tab, LF and CR (U+000B)', kind: 'key', text: keyStatement({}).replace('"Statement"', '\u000B"Statement"'), path: null, says: /U\+000B at offset 24/ },
];

describe('policy validation refuses bad policies, naming where', () => {
  it('the over-32 KB fixture really is over 32 KB and otherwise valid', () => {
    expect(Buffer.byteLength(OVERSIZED)).toBeGreaterThan(MAX_POLICY_BYTES);
    expect(MAX_POLICY_BYTES).toBe(32_768);
  });

  it.each(bad)('$rule', (row) => {
    const err = refusal(row.text, row.kind);
    expect(err, 'the policy was accepted').not.toBeNull();
    expect(err?.name).toBe(row.error ?? 'MalformedPolicyDocumentException');
    const message = err?.message ?? '';
    const doc = row.kind === 'key' ? 'key policy' : 'identity policy';
    if (row.path === null) {
      expect(message).toMatch(row.error === 'LimitExceededException' ? /^The (key|identity) policy is \d+ bytes/ : new RegExp(`^The ${doc} `));
    } else {
      expect(message.startsWith(`The ${doc} is malformed at ${row.path}: `), `message: ${message}`).toBe(true);
    }
    if (row.says !== undefined) {
      expect(message).toMatch(row.says);
    }
  });

  it('is a MalformedPolicyDocumentException instance (so surfaces map it to HTTP 400)', () => {
    const err = refusal(keyStatement({ Effect: 'allow' }), 'key');
    expect(err).toBeInstanceOf(MalformedPolicyDocumentException);
  });
});

describe('the 32 KB quota boundary', () => {
  /** A valid key policy padded with spaces to exactly `bytes` bytes. */
  function padded(bytes: number): string {
    const text = JSON.stringify(DEFAULT_POLICY);
    return `${text.slice(0, -1)}${' '.repeat(bytes - Buffer.byteLength(text))}}`;
  }

  it('accepts exactly 32,768 bytes', () => {
    const text = padded(MAX_POLICY_BYTES);
    expect(Buffer.byteLength(text)).toBe(MAX_POLICY_BYTES);
    expect(parsePolicy(text, 'key').statements).toHaveLength(1);
  });

  it('refuses 32,769 bytes with LimitExceededException', () => {
    expect(refusal(padded(MAX_POLICY_BYTES + 1), 'key')?.name).toBe('LimitExceededException');
  });
});

describe('AWS example policies parse', () => {
  it('the default key policy', () => {
    const doc = parsePolicy(JSON.stringify(DEFAULT_POLICY), 'key');
    expect(doc.statements).toHaveLength(1);
    const [s] = doc.statements;
    expect(s).toMatchObject({ index: 0, sid: 'Enable IAM User Permissions', effect: 'Allow', principal: { everyone: false, aws: [ROOT_ARN], services: [] } });
    expect(s?.actions?.some((a) => a.test('kms:ScheduleKeyDeletion'))).toBe(true);
  });

  it('the console key policy with its four statements', () => {
    const doc = parsePolicy(JSON.stringify(CONSOLE_POLICY), 'key');
    expect(doc.statements.map((s) => [s.index, s.sid, s.effect])).toEqual([
      [0, 'Enable IAM User Permissions', 'Allow'],
      [1, 'Allow access for Key Administrators', 'Allow'],
      [2, 'Allow use of the key', 'Allow'],
      [3, 'Allow attachment of persistent resources', 'Allow'],
    ]);
    expect([...doc.principalArns].sort()).toEqual([alice.arn, keyAdmin.arn, ROOT_ARN].sort());
    expect(doc.statements[3]?.conditions.map((c) => [c.operator, c.lowerKey, c.values])).toEqual([['Bool', 'kms:grantisforawsresource', ['true']]]);
  });

  it('a single-object Statement', () => {
    const doc = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'kms:*', Resource: '*' } }), 'key');
    expect(doc.statements).toHaveLength(1);
    expect(doc.statements[0]?.principal?.aws).toEqual([ACCOUNT]);
    // A bare account id is not an ARN to bind to a unique id.
    expect(doc.principalArns).toEqual([]);
  });

  it('Version 2008-10-17', () => {
    expect(parsePolicy(JSON.stringify({ Version: '2008-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }] }), 'key').statements).toHaveLength(1);
  });

  it('no Version at all', () => {
    expect(parsePolicy(JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }] }), 'key').statements[0]?.principal?.everyone).toBe(true);
  });

  it('service, assumed-role, role and account principals together', () => {
    const doc = parsePolicy(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Allow CloudWatch Logs', Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' }, Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'], Resource: '*' },
          { Effect: 'Allow', Principal: { AWS: [ACCOUNT, `arn:aws:sts::${ACCOUNT}:assumed-role/KeyAdmin/session-1`, keyAdmin.arn] }, Action: 'kms:Describe*', Resource: KEY_ARN_PATTERN },
        ],
      }),
      'key',
    );
    expect(doc.statements[0]?.principal?.services).toEqual(['logs.amazonaws.com']);
    expect(doc.statements[1]?.principal?.aws).toHaveLength(3);
  });

  it('tab, line feed and carriage return are allowed (a pretty-printed policy with CRLF line ends)', () => {
    const text = JSON.stringify(CONSOLE_POLICY, null, '\t').replace(/\n/g, '\r\n');
    expect(text).toContain('\t');
    expect(text).toContain('\r\n');
    expect(parsePolicy(text, 'key').statements).toHaveLength(4);
  });

  it('Latin-1 characters (U+0080–U+00FF) are allowed', () => {
    const text = withCondition({ StringEquals: { 'kms:EncryptionContext:Owner': 'Jos\u00e9 M\u00fcller' } });
    expect(parsePolicy(text, 'key').statements[0]?.conditions[0]?.values).toEqual(['Jos\u00e9 M\u00fcller']);
  });

  it('every condition operator family, with IfExists and set qualifiers, and numbers and booleans as values', () => {
    const doc = parsePolicy(
      withCondition({
        StringLike: { 'kms:EncryptionContext:AppName': 'ExampleApp*' },
        'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': ['Department', 'Project'] },
        'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'Encrypt'] },
        NumericLessThanEquals: { 'kms:RotationPeriodInDays': 365 },
        DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' },
        BoolIfExists: { 'aws:MultiFactorAuthPresent': true },
        BinaryEquals: { 'kms:EncryptionContext:blob': 'QmluYXJ5' },
        NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] },
        ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/Key*` },
        Null: { 'kms:EncryptionContextKeys': 'false' },
      }),
      'key',
    );
    const clauses = doc.statements[0]?.conditions ?? [];
    expect(clauses).toHaveLength(10);
    expect(clauses.find((c) => c.operator === 'NumericLessThanEquals')?.values).toEqual(['365']);
    expect(clauses.find((c) => c.operator === 'BoolIfExists')).toMatchObject({ ifExists: true, values: ['true'] });
    expect(clauses.find((c) => c.operator === 'ForAllValues:StringEquals')).toMatchObject({ set: 'ForAllValues', lowerKey: 'kms:grantoperations' });
  });

  it('an identity policy allowing CreateKey for symmetric keys only', () => {
    const doc = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:CreateKey', Resource: '*', Condition: { StringEquals: { 'kms:KeySpec': 'SYMMETRIC_DEFAULT' } } }] }), 'identity');
    expect(doc.statements[0]?.principal).toBeNull();
  });

  it('a key policy statement without Action is accepted (it has no effect)', () => {
    expect(parsePolicy(keyStatement({ Action: undefined }), 'key').statements[0]?.actions).toBeNull();
  });
});
