// The key table the create wizard offers agrees with the engine's key-spec table; alias checks,
// search, grant operations.

import { describe, expect, it } from 'vitest';
import { keySpecInfo } from '../../electron/kms/crypto/key-specs.ts';
import { aliasProblem, fullAliasName, grantOperationsFor, KEY_SPEC_CHOICES, keyMatches, keyLabel, isAsymmetric, canRotate, type KeyRow } from '../../renderer/src/lib/keys.ts';
import { GRANT_OPERATION_NAMES, KEY_SPECS } from '../../shared/api/operations.ts';

describe('key specs', () => {
  it('lists every KeySpec once', () => {
    expect(KEY_SPEC_CHOICES.map((c) => c.spec).sort()).toEqual([...KEY_SPECS].sort());
  });

  it('offers exactly the specs the engine creates, with the usages it allows', () => {
    for (const c of KEY_SPEC_CHOICES) {
      const engine = keySpecInfo(c.spec);
      expect(c.unavailable === null, c.spec).toBe(engine.supported);
      expect([...c.usages].sort(), c.spec).toEqual([...engine.usages].sort());
    }
  });

  it('knows which keys rotate and which have a public key', () => {
    expect(canRotate({ KeySpec: 'SYMMETRIC_DEFAULT' })).toBe(true);
    expect(canRotate({ KeySpec: 'HMAC_256' })).toBe(false);
    expect(canRotate({ KeySpec: 'SYMMETRIC_DEFAULT', Origin: 'AWS_CLOUDHSM' })).toBe(false);
    expect(canRotate({ KeySpec: 'SYMMETRIC_DEFAULT', Origin: 'EXTERNAL' })).toBe(true);
    expect(isAsymmetric({ KeySpec: 'RSA_2048' })).toBe(true);
    expect(isAsymmetric({ KeySpec: 'ECC_SECG_P256K1' })).toBe(true);
    expect(isAsymmetric({ KeySpec: 'HMAC_512' })).toBe(false);
    expect(isAsymmetric({ KeySpec: 'SYMMETRIC_DEFAULT' })).toBe(false);
  });

  it('offers grant operations a key can be given, all of them grant operations', () => {
    expect(grantOperationsFor({ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' })).toContain('GenerateDataKey');
    expect(grantOperationsFor({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' })).not.toContain('GenerateDataKey');
    expect(grantOperationsFor({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })).toContain('Sign');
    expect(grantOperationsFor({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).toEqual(['GenerateMac', 'VerifyMac', 'DescribeKey', 'CreateGrant', 'RetireGrant']);
    for (const c of KEY_SPEC_CHOICES) {
      for (const u of c.usages) {
        for (const op of grantOperationsFor({ KeySpec: c.spec, KeyUsage: u })) {
          expect(GRANT_OPERATION_NAMES as ReadonlyArray<string>).toContain(op);
        }
      }
    }
  });
});

describe('aliases', () => {
  it('accepts names with or without alias/ and refuses the rest with a reason', () => {
    expect(aliasProblem('files')).toBeNull();
    expect(aliasProblem('alias/team/files_1-a')).toBeNull();
    expect(aliasProblem('alias/')).toContain('Type a name');
    expect(aliasProblem('my files')).toContain('only letters');
    expect(aliasProblem('aws/ebs')).toContain('reserved');
    expect(aliasProblem('x'.repeat(251))).toContain('256');
    expect(fullAliasName('files')).toBe('alias/files');
    expect(fullAliasName('alias/files')).toBe('alias/files');
  });
});

describe('key search', () => {
  const row = {
    meta: {
      KeyId: '1234abcd-0000-4000-8000-000000000000',
      Arn: 'arn:aws:kms:local-1:111122223333:key/1234abcd-0000-4000-8000-000000000000',
      Description: 'Payroll exports',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'PendingDeletion',
    },
    aliases: ['alias/payroll'],
    rotation: null,
  } as unknown as KeyRow;

  it('matches every word against alias, id, description, spec, usage and state', () => {
    expect(keyMatches(row, '')).toBe(true);
    expect(keyMatches(row, 'payroll')).toBe(true);
    expect(keyMatches(row, '1234ABCD')).toBe(true);
    expect(keyMatches(row, 'pending deletion')).toBe(true);
    expect(keyMatches(row, 'symmetric exports')).toBe(true);
    expect(keyMatches(row, 'hmac')).toBe(false);
    expect(keyLabel(row)).toBe('alias/payroll');
  });
});
