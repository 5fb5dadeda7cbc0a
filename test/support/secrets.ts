// Scanning bytes for known secrets: every form a secret could be written in.

export type Secret = { readonly what: string; readonly value: Uint8Array };

/** Raw, hex (both cases), base64 (no padding, so a longer encoding matches too) and base64url. */
export function encodings(value: Uint8Array): Array<{ form: string; needle: Buffer }> {
  const raw = Buffer.from(value);
  const hex = raw.toString('hex');
  return [
    { form: 'raw', needle: raw },
    { form: 'hex', needle: Buffer.from(hex, 'latin1') },
    { form: 'HEX', needle: Buffer.from(hex.toUpperCase(), 'latin1') },
    { form: 'base64', needle: Buffer.from(raw.toString('base64').replace(/=+$/, ''), 'latin1') },
    { form: 'base64url', needle: Buffer.from(raw.toString('base64url'), 'latin1') },
  ];
}

/** Each secret found in a file, in any of its encodings, as "<what> (<form>) in <file>". */
export function findSecrets(files: ReadonlyArray<{ name: string; data: Buffer }>, secrets: ReadonlyArray<Secret>): Array<string> {
  const found: Array<string> = [];
  for (const secret of secrets) {
    for (const { form, needle } of encodings(secret.value)) {
      for (const file of files) {
        if (file.data.includes(needle)) {
          found.push(`${secret.what} (${form}) in ${file.name}`);
        }
      }
    }
  }
  return found;
}
