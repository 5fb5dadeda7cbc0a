// JSON with error positions. JSON.parse decides what is valid (so the editor accepts exactly
// what the engine accepts); when it refuses, a small scanner walks the text the same way to say
// where and why, as line and column, because JSON.parse's own messages differ between engines.

export type JsonParse =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly message: string; readonly offset: number; readonly line: number; readonly column: number };

/** 1-based line and column of a character offset (columns count UTF-16 code units). */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

class ScanError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

function describeChar(ch: string | undefined): string {
  if (ch === undefined) {
    return 'the end of the text';
  }
  if (ch === '\n') {
    return 'a line break';
  }
  if (ch === '\t') {
    return 'a tab';
  }
  const code = ch.charCodeAt(0);
  if (code < 0x20) {
    return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  if (ch === '\u2018' || ch === '\u2019' || ch === '\u201C' || ch === '\u201D') {
    return `a curly quote (${ch}); JSON needs straight quotes (")`;
  }
  return `'${ch}'`;
}

/**
 * Walks JSON text and throws a ScanError at the first thing JSON does not allow. `onValue` hears
 * where each value starts, by its path as the engine's policy messages write it
 * (Statement[0].Condition.StringEquals.kms:CallerAccount).
 */
function scan(text: string, onValue?: (path: string, offset: number) => void): void {
  let i = 0;
  const ws = (): void => {
    while (i < text.length) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        i++;
      } else {
        break;
      }
    }
  };
  const fail = (what: string): never => {
    throw new ScanError(`${what}, found ${describeChar(text[i])}`, i);
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return;
    }
    fail('Expected a value (a string, number, object, array, true, false or null)');
  };
  const string = (): void => {
    const start = i;
    i++; // opening quote
    for (;;) {
      if (i >= text.length) {
        throw new ScanError('This string is never closed: add a " at its end', start);
      }
      const c = text[i] as string;
      const code = c.charCodeAt(0);
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === undefined) {
          throw new ScanError('This string is never closed: add a " at its end', start);
        }
        if ('"\\/bfnrt'.includes(e)) {
          i += 2;
          continue;
        }
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            throw new ScanError('\\u must be followed by four hex digits', i);
          }
          i += 6;
          continue;
        }
        throw new ScanError(`'\\${e}' is not an escape JSON knows; write \\\\ for a backslash`, i);
      }
      if (code < 0x20) {
        throw new ScanError(`A string cannot contain ${describeChar(c)}; write it as an escape (\\n, \\t)`, i);
      }
      i++;
    }
  };
  const number = (): void => {
    if (text[i] === '-') {
      i++;
    }
    if (text[i] === '0') {
      i++;
    } else if (/[1-9]/.test(text[i] ?? '')) {
      while (/[0-9]/.test(text[i] ?? '')) {
        i++;
      }
    } else {
      fail('Expected a digit');
    }
    if (text[i] === '.') {
      i++;
      if (!/[0-9]/.test(text[i] ?? '')) {
        fail('Expected a digit after the decimal point');
      }
      while (/[0-9]/.test(text[i] ?? '')) {
        i++;
      }
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') {
        i++;
      }
      if (!/[0-9]/.test(text[i] ?? '')) {
        fail('Expected a digit in the exponent');
      }
      while (/[0-9]/.test(text[i] ?? '')) {
        i++;
      }
    }
  };
  const value = (path: string): void => {
    ws();
    onValue?.(path, i);
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') {
          fail(text[i] === '}' ? 'Expected a property name after the comma (remove the trailing comma)' : 'Expected a property name in double quotes');
        }
        const keyStart = i;
        string();
        const key = onValue === undefined ? '' : (JSON.parse(text.slice(keyStart, i)) as string);
        ws();
        if (text[i] !== ':') {
          fail("Expected ':' after the property name");
        }
        i++;
        value(path === '' ? key : `${path}.${key}`);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail("Expected ',' or '}' after the property value");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        ws();
        if (text[i] === ']') {
          fail('Expected a value after the comma (remove the trailing comma)');
        }
        value(`${path}[${n}]`);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail("Expected ',' or ']' after the array element");
      }
    }
    if (c === '"') {
      string();
      return;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      number();
      return;
    }
    if (c === 't') {
      literal('true');
      return;
    }
    if (c === 'f') {
      literal('false');
      return;
    }
    if (c === 'n') {
      literal('null');
      return;
    }
    fail(c === undefined ? 'The text is empty or ends too early: expected a value' : 'Expected a value (a string, number, object, array, true, false or null)');
  };
  value('');
  ws();
  if (i < text.length) {
    fail('Expected the end of the text after the value');
  }
}

/** The first syntax error in JSON text, by the scanner alone (null when it finds none). */
export function jsonSyntaxError(text: string): { readonly message: string; readonly offset: number } | null {
  try {
    scan(text);
    return null;
  } catch (err) {
    if (err instanceof ScanError) {
      return { message: err.message, offset: err.offset };
    }
    throw err;
  }
}

/**
 * Where the value at a path starts in valid JSON text ('Statement[0].Action[1]'), with its line
 * and column; null when the text is not JSON or has no such value.
 */
export function locateJsonPath(text: string, path: string): { readonly offset: number; readonly line: number; readonly column: number } | null {
  let found: number | null = null;
  try {
    scan(text, (p, offset) => {
      if (found === null && p === path) {
        found = offset;
      }
    });
  } catch {
    return null;
  }
  if (found === null) {
    return null;
  }
  return { offset: found, ...lineColumn(text, found) };
}

/** The JSON path a MalformedPolicyDocumentException names ("… is malformed at Statement[0].Action[1]: …"), if any. */
export function policyErrorPath(message: string): string | null {
  const m = /is malformed at ([^\s:]+(?::[^\s:]+)*?)(?::\s|$)/.exec(message);
  return m === null ? null : (m[1] as string);
}

/** Parses JSON text; on failure says why and where (offset, 1-based line and column). */
export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const found = jsonSyntaxError(text);
    const message = found?.message ?? (err instanceof Error ? err.message : String(err));
    const offset = found?.offset ?? text.length;
    const { line, column } = lineColumn(text, offset);
    return { ok: false, message, offset, line, column };
  }
}

/**
 * The first character a key policy may not contain (the service model allows tab, LF, CR and
 * U+0020–U+00FF), with its position; null when all are allowed.
 */
export function policyCharacterProblem(text: string): { readonly offset: number; readonly line: number; readonly column: number; readonly message: string } | null {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!(code === 9 || code === 10 || code === 13 || (code >= 0x20 && code <= 0xff))) {
      const { line, column } = lineColumn(text, i);
      const shown = describeChar(text[i]);
      return { offset: i, line, column, message: `A key policy may contain only tab, line breaks and the characters U+0020–U+00FF; found ${shown === `'${text[i]}'` ? `${shown} (U+${code.toString(16).toUpperCase().padStart(4, '0')})` : shown}` };
    }
  }
  return null;
}
