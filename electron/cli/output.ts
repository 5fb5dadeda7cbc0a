// Printing results as the AWS CLI v2 does: JSON with four-space indents, blobs in base64 and
// timestamps in ISO 8601 with microseconds and an offset; text, tab-separated; a table
// (output-table.ts); or YAML (output-yaml.ts).

import { encodeBase64 } from '../../shared/api/base64.ts';
import { formatTable } from './output-table.ts';
import { formatYaml } from './output-yaml.ts';
import { UsageError } from './usage-error.ts';

export const OUTPUT_FORMATS = ['json', 'text', 'table', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined) {
    return 'json';
  }
  const format = OUTPUT_FORMATS.find((f) => f === value);
  if (format === undefined) {
    throw new UsageError(`argument --output: invalid choice: '${value}' (choose from ${OUTPUT_FORMATS.map((f) => `'${f}'`).join(', ')})`);
  }
  return format;
}

/** What the table needs besides the value: its title (the operation's name) and the terminal's width. */
export type OutputContext = { readonly title: string; readonly terminalWidth: number };

/** The AWS CLI's rule: the terminal's columns when stdout is one, else 80. */
export function terminalWidth(stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }): number {
  return stdout.isTTY === true && typeof stdout.columns === 'number' && stdout.columns > 0 ? stdout.columns : 80;
}

/** 2026-11-23T05:00:00.123Z → 2026-11-23T05:00:00.123000+00:00, the CLI v2 default. */
export function cliTimestamp(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

/** Bytes → base64, Date → ISO text, recursively; everything else as is. */
export function toPrintable(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return encodeBase64(value);
  }
  if (value instanceof Date) {
    return cliTimestamp(value);
  }
  if (Array.isArray(value)) {
    return value.map(toPrintable);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPrintable(v)]));
  }
  return value;
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}

function scalarText(v: unknown): string {
  return v === null || v === undefined ? 'None' : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
}

/** The AWS CLI text format: scalars on one tab-separated line; nested lists and objects as lines headed by their upper-case name. */
function textLines(value: unknown, heading: string | null, out: Array<string>): void {
  if (isScalar(value)) {
    out.push(heading === null ? scalarText(value) : `${heading}\t${scalarText(value)}`);
    return;
  }
  if (Array.isArray(value)) {
    if (value.every(isScalar)) {
      out.push([...(heading === null ? [] : [heading]), ...value.map(scalarText)].join('\t'));
    } else {
      for (const item of value) {
        textLines(item, heading, out);
      }
    }
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const scalars = entries.filter(([, v]) => isScalar(v)).map(([, v]) => scalarText(v));
  if (scalars.length > 0) {
    out.push([...(heading === null ? [] : [heading]), ...scalars].join('\t'));
  }
  for (const [k, v] of entries) {
    if (!isScalar(v)) {
      textLines(v, k.toUpperCase(), out);
    }
  }
}

/** The text to print for a result (empty when AWS prints nothing: empty responses). */
export function formatOutput(value: unknown, format: OutputFormat, context: OutputContext = { title: '', terminalWidth: 80 }): string {
  const printable = toPrintable(value);
  if (printable === undefined || (printable !== null && typeof printable === 'object' && !Array.isArray(printable) && Object.keys(printable).length === 0)) {
    return '';
  }
  switch (format) {
    case 'json':
      return `${JSON.stringify(printable, null, 4)}\n`;
    case 'table':
      return formatTable(printable, context.title, context.terminalWidth);
    case 'yaml':
      return formatYaml(printable);
    case 'text':
      break;
  }
  const lines: Array<string> = [];
  textLines(printable, null, lines);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
