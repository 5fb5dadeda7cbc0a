// The CLI's half of an engine error: the engine says what is wrong and names the inputs it is
// about in its own terms (KmsError.inputs: `out`, `shareDir`, `threshold`); the command that set
// those inputs from its flags adds which flags (or which command to run), as a hint after the
// engine's message. Errors about other inputs, and every other error, pass through unchanged.

import { KmsError } from '../kms/errors.ts';

/** For each engine input a command sets: the flag that sets it, or what to do about it. */
export type InputHints = Readonly<Record<string, string>>;

/** The error with the hints of the inputs it names, or the error itself when it names none of them. */
export function withInputHints(err: unknown, hints: InputHints): unknown {
  if (!(err instanceof KmsError)) {
    return err;
  }
  const named = [...new Set(err.inputs.map((input) => hints[input]).filter((hint): hint is string => hint !== undefined))];
  return named.length === 0 ? err : err.withHint(named.join(', '));
}

/** Runs an engine call, adding the command's hints to an error it throws. */
export async function hinting<T>(hints: InputHints, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw withInputHints(err, hints);
  }
}

/** hinting() for a synchronous engine call. */
export function hintingSync<T>(hints: InputHints, run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw withInputHints(err, hints);
  }
}
