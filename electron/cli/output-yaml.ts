// `--output yaml`, as the AWS CLI v2 prints it (ruamel.yaml's block style): members in the
// response's order, two-space indents, list items (`- `) at their key's indent, `[]` and `{}` for
// empty ones. A string is quoted when a YAML reader would otherwise take it for something else
// (a number, a boolean, null, a timestamp, or text starting with an indicator): single quotes,
// or double quotes with escapes when it holds a line break or a control character. A lone plain
// scalar ends with the document end marker `...`, as ruamel writes it.

const RESERVED = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
const NUMBER = /^[-+]?(?:\d[\d_]*(?:\.[\d_]*)?(?:[eE][-+]?\d+)?|\.\d[\d_]*(?:[eE][-+]?\d+)?|0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+|\.inf|\.Inf|\.INF|\.nan|\.NaN|\.NAN|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$/;
const TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|[ \t]+)\d{1,2}:\d{2}:\d{2}(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d{1,2}(?::?\d{2})?))?)?$/;
const INDICATOR_FIRST = /^[-?:,[\]{}#&*!|>'"%@`]/;

function needsQuotes(text: string): boolean {
  return (
    text === '' ||
    RESERVED.test(text) ||
    NUMBER.test(text) ||
    TIMESTAMP.test(text) ||
    INDICATOR_FIRST.test(text) ||
    /^\s|\s$/.test(text) ||
    text.includes(': ') ||
    text.includes(' #') ||
    text.endsWith(':')
  );
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPES = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

function scalar(value: unknown): string {
  if (value === null || value === undefined) {
    return 'null';
  }
  if (typeof value === 'boolean' || typeof value === 'number') {
    return String(value);
  }
  const text = String(value);
  if (NEEDS_ESCAPES.test(text)) {
    // JSON's escapes are YAML's too, within double quotes.
    return JSON.stringify(text);
  }
  return needsQuotes(text) ? `'${text.replace(/'/g, "''")}'` : text;
}

const isCollection = (v: unknown): v is object => v !== null && typeof v === 'object';
const isEmptyCollection = (v: object): boolean => (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);

/** The lines for a collection at `indent` spaces. */
function block(value: object, indent: number, out: Array<string>): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmptyCollection(item)) {
        // The item's first line shares the dash's line: `- Key: v` / `- - a`.
        const nested: Array<string> = [];
        block(item, indent + 2, nested);
        out.push(`${pad}- ${(nested[0] ?? '').slice(indent + 2)}`, ...nested.slice(1));
      } else {
        out.push(`${pad}- ${isCollection(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item)}`);
      }
    }
    return;
  }
  for (const [key, member] of Object.entries(value)) {
    const name = scalar(key);
    if (isCollection(member) && !isEmptyCollection(member)) {
      out.push(`${pad}${name}:`);
      // Lists sit at their key's indent (ruamel's default); mappings one step in.
      block(member, Array.isArray(member) ? indent : indent + 2, out);
    } else {
      out.push(`${pad}${name}: ${isCollection(member) ? (Array.isArray(member) ? '[]' : '{}') : scalar(member)}`);
    }
  }
}

/** The YAML document for a (printable: no bytes, no dates) value. */
export function formatYaml(value: unknown): string {
  if (!isCollection(value)) {
    const text = scalar(value);
    const quoted = text.startsWith("'") || text.startsWith('"');
    return quoted ? `${text}\n` : `${text}\n...\n`;
  }
  if (isEmptyCollection(value)) {
    return Array.isArray(value) ? '[]\n' : '{}\n';
  }
  const out: Array<string> = [];
  block(value, 0, out);
  return `${out.join('\n')}\n`;
}
