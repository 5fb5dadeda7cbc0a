// The setup form's strength feedback, which the host also enforces: short, repetitive and
// common passphrases are refused; a few unrelated words pass.
import { describe, expect, it } from 'vitest';
import { passphraseStrength } from '../../shared/api/passphrase-strength.ts';

describe('passphraseStrength', () => {
  it('refuses what is short, repetitive, a run or a common password', () => {
    expect(passphraseStrength('abc12')).toMatchObject({ level: 'too-short', acceptable: false });
    expect(passphraseStrength('aaaaaaaaaaaaaaaa')).toMatchObject({ level: 'weak', acceptable: false });
    expect(passphraseStrength('abcdefghijklmnop')).toMatchObject({ level: 'weak', acceptable: false });
    expect(passphraseStrength('Password123!')).toMatchObject({ level: 'weak', acceptable: false });
    expect(passphraseStrength('passwordpassword')).toMatchObject({ acceptable: false });
  });

  it('accepts unrelated words, and calls more of them strong', () => {
    expect(passphraseStrength('velvet harbour')).toMatchObject({ level: 'fair', acceptable: true });
    expect(passphraseStrength('velvet harbour quietly juggles 42 lanterns')).toMatchObject({ level: 'strong', acceptable: true });
  });

  it('counts characters, not UTF-16 units, and compares composed forms', () => {
    expect(passphraseStrength('é'.repeat(7)).level).toBe('too-short');
    expect(passphraseStrength('e\u0301'.repeat(8)).bits).toBe(passphraseStrength('\u00e9'.repeat(8)).bits);
  });
});
