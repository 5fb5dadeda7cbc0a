// GetRandomPassword as Secrets Manager defines it: 32 characters by default from lower case,
// upper case, digits and punctuation (no space unless IncludeSpace), at least one of each
// included class unless RequireEachIncludedType is false, minus ExcludeCharacters. Uniform
// choices from the OS CSPRNG (crypto.randomInt rejects modulo bias).

import { randomInt } from 'node:crypto';
import { InvalidParameterException } from '../errors.ts';
import { authorizeSecret } from './access.ts';
import type { Handler } from './table-types.ts';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export const DEFAULT_PASSWORD_LENGTH = 32;

export const getRandomPassword: Handler<'GetRandomPassword'> = (ctx, input) => {
  authorizeSecret(ctx, 'secretsmanager:GetRandomPassword', null, input);
  const excluded = new Set(input.ExcludeCharacters ?? '');
  const classes = [
    input.ExcludeLowercase === true ? '' : LOWER,
    input.ExcludeUppercase === true ? '' : UPPER,
    input.ExcludeNumbers === true ? '' : DIGITS,
    input.ExcludePunctuation === true ? '' : PUNCTUATION,
    input.IncludeSpace === true ? ' ' : '',
  ]
    .map((chars) => [...chars].filter((c) => !excluded.has(c)).join(''))
    .filter((chars) => chars !== '');
  const length = input.PasswordLength ?? DEFAULT_PASSWORD_LENGTH;
  const requireEach = input.RequireEachIncludedType ?? true;
  if (classes.length === 0) {
    throw new InvalidParameterException('The password cannot be generated: every character class is excluded.');
  }
  if (requireEach && length < classes.length) {
    throw new InvalidParameterException(`PasswordLength ${length} is too short to include a character of each of the ${classes.length} included types.`);
  }
  const all = classes.join('');
  const chars = Array.from({ length }, () => all[randomInt(all.length)] as string);
  if (requireEach) {
    // One character of each class at distinct random positions; the rest stay uniform over all.
    const positions = [...Array(length).keys()];
    for (const chosen of classes) {
      const at = positions.splice(randomInt(positions.length), 1)[0] as number;
      chars[at] = chosen[randomInt(chosen.length)] as string;
    }
  }
  return { RandomPassword: chars.join('') };
};
