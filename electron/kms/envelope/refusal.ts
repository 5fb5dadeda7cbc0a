// A file no key would open because a policy refused it is a refusal, not a damaged file: the
// reader throws AccessDeniedException naming the key by its alias and the statement that denied
// (issue 23), and keeps InvalidCiphertextException for messages that really are damaged or are
// for keys that are not here.

import { AccessDeniedException, type Denial, type KmsError } from '../errors.ts';
import type { KeyringProblem } from './keyrings.ts';

/** "alias/finance (arn:…)", or the bare ARN when the key has no alias. */
export function keyName(keyArn: string, aliases: ReadonlyArray<string>): string {
  return aliases.length === 0 ? keyArn : `${aliases.join(', ')} (${keyArn})`;
}

/** The refusal's sentence: which key refused the data key, why, then AWS's own message. */
export function refusalMessage(error: KmsError, denial: Denial): string {
  const aws = error.message.replace(/\.+$/, '');
  const who = denial.keyArn === null ? 'A policy' : keyName(denial.keyArn, denial.aliases);
  return `${who} refused to open this file's data key. ${denial.explanation} (${aws}.)`;
}

/**
 * The AccessDeniedException for a message whose data key no keyring opened, when at least one of
 * the keys it is wrapped for refused by policy; null when none refused (the file is damaged or
 * is for other keys). The first refusal is the one reported: any one of them would have opened it.
 */
export function refusalOf(problems: ReadonlyArray<KeyringProblem>): KmsError | null {
  // Only a policy's decision (it carries a denial): Decrypt also answers AccessDeniedException
  // for a wrapped data key that names no key here, as AWS does, and that is a damaged EDK.
  const refused = problems.find((p) => p.error?.name === 'AccessDeniedException' && p.error.denial !== undefined)?.error;
  const denial = refused?.denial;
  if (refused === undefined || denial === undefined) {
    return null;
  }
  return new AccessDeniedException(refusalMessage(refused, denial), { cause: refused, denial });
}
