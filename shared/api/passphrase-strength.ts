// How strong a new root-key passphrase is, for the window's setup form (feedback while typing)
// and for the host that sets the installation up (which refuses what the form calls weak, so the
// rule cannot be skipped by another client). A rough estimate, said as such: guesses an attacker
// with a copied database would need, from the characters used and the length, less what repeats,
// runs and a handful of overused words give away. scrypt (electron/kms/rootkey/passphrase.ts)
// makes each guess cost ~0.5 s of one core, which the wording does not count on.
// No Node and no DOM APIs: both sides import it.

/** At least this many characters (the engine's own floor, MIN_PASSPHRASE_LENGTH). */
export const PASSPHRASE_MIN_LENGTH = 8;
/** At most this many characters: enough for any sentence, bounded for the KDF and the bridge. */
export const PASSPHRASE_MAX_LENGTH = 1024;
/** Below this estimate a passphrase is refused. */
export const PASSPHRASE_MIN_BITS = 50;

export type PassphraseStrength = {
  readonly level: 'too-short' | 'weak' | 'fair' | 'strong';
  /** The rough estimate, in bits. */
  readonly bits: number;
  /** What to do about it, in words. */
  readonly advice: string;
  /** True when setup accepts it. */
  readonly acceptable: boolean;
};

// Words that make up much of every leaked-password list: each counts as one character.
const OVERUSED = ['password', 'passwort', 'qwerty', 'azerty', 'letmein', 'welcome', 'admin', 'login', 'iloveyou', 'monkey', 'dragon', 'secret', 'strongroom', '123456', 'abc123'];

// The character classes a guesser would have to try, and how many characters each holds.
const CLASSES: ReadonlyArray<{ readonly test: RegExp; readonly size: number }> = [
  { test: /[a-z]/, size: 26 },
  { test: /[A-Z]/, size: 26 },
  { test: /[0-9]/, size: 10 },
  { test: /[!-/:-@[-`{-~]/, size: 33 },
  { test: /\s/, size: 1 },
  { test: /[^ -~\s]/u, size: 100 },
];

function poolSize(text: string): number {
  return Math.max(1, CLASSES.reduce((pool, c) => (c.test.test(text) ? pool + c.size : pool), 0));
}

/** Characters that say something new: not a repeat of the one before, not the next in a run (abc, 321). */
function effectiveLength(text: string): number {
  let lowered = text.toLowerCase();
  let overused = 0;
  for (const word of OVERUSED) {
    while (lowered.includes(word)) {
      lowered = lowered.replace(word, '\uE000');
      overused++;
    }
  }
  const chars = [...lowered];
  let n = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '\uE000') {
      continue;
    }
    const prev = i > 0 ? (chars[i - 1] as string).codePointAt(0) ?? 0 : -10;
    const code = c.codePointAt(0) ?? 0;
    const repeatOrRun = i > 0 && Math.abs(code - prev) <= 1;
    n += repeatOrRun ? 0.25 : 1;
  }
  return n + overused;
}

export function passphraseStrength(given: string): PassphraseStrength {
  // NFC, as the engine derives the key from it: the same passphrase typed either way scores the same.
  const passphrase = given.normalize('NFC');
  const length = [...passphrase].length;
  const bits = Math.round(effectiveLength(passphrase) * Math.log2(poolSize(passphrase)));
  if (length < PASSPHRASE_MIN_LENGTH) {
    return { level: 'too-short', bits, acceptable: false, advice: `Use at least ${PASSPHRASE_MIN_LENGTH} characters; four or five unrelated words are easy to remember and hard to guess.` };
  }
  if (length > PASSPHRASE_MAX_LENGTH) {
    return { level: 'too-short', bits, acceptable: false, advice: `Use at most ${PASSPHRASE_MAX_LENGTH} characters.` };
  }
  if (bits < PASSPHRASE_MIN_BITS) {
    return { level: 'weak', bits, acceptable: false, advice: 'Too easy to guess: add more unrelated words, and avoid repeats, runs (abc, 123) and common passwords.' };
  }
  if (bits < 80) {
    return { level: 'fair', bits, acceptable: true, advice: 'Another unrelated word or two would make it strong.' };
  }
  return { level: 'strong', bits, acceptable: true, advice: 'Keep it somewhere safe: without it, this installation’s keys cannot be opened.' };
}
