// `--output table`, laid out as the AWS CLI v2 lays it out (no colours): a title box named after
// the operation, each object a section whose scalar members are columns (sorted by name) and whose
// nested lists and objects are sections indented inside it, a list of objects one row per item.
// Columns are scaled to the widest section; when that is wider than the terminal (80 columns when
// stdout is not one), sections of a single row turn vertical (name | value). One difference: a
// scalar result (`--query KeyMetadata.KeyId`) is shown in a cell, where the AWS CLI prints only
// the title.

type Cell = string;

class Section {
  title = '';
  headers: Array<Cell> = [];
  rows: Array<Array<Cell>> = [];
  indent = 0;
  widths: Array<number> = [];

  constructor(title: string, indent: number) {
    this.title = title;
    this.indent = indent;
  }

  setHeaders(headers: ReadonlyArray<string>): void {
    this.headers = [...headers];
    this.grow(this.headers);
  }

  addRow(values: ReadonlyArray<unknown>): void {
    const row = values.map(cellText);
    this.rows.push(row);
    this.grow(row);
  }

  grow(row: ReadonlyArray<Cell>): void {
    row.forEach((cell, i) => {
      this.widths[i] = Math.max(this.widths[i] ?? 0, textWidth(cell));
    });
  }

  /** Column widths with `padding` each, scaled so that they add up to `total`. */
  columnWidths(padding: number, total: number): Array<number> {
    const unscaled = this.widths.map((w) => w + padding);
    const sum = unscaled.reduce((a, b) => a + b, 0);
    if (unscaled.length === 0 || sum === 0) {
      return unscaled;
    }
    const scaled = unscaled.map((w) => roundHalfEven((total / sum) * w));
    let off = scaled.reduce((a, b) => a + b, 0) - total;
    while (off !== 0) {
      const order = off > 0 ? scaled.map((_, i) => i) : scaled.map((_, i) => scaled.length - 1 - i);
      for (const i of order) {
        scaled[i] = (scaled[i] ?? 0) + (off > 0 ? -1 : 1);
        off += off > 0 ? -1 : 1;
        if (off === 0) {
          break;
        }
      }
    }
    return scaled;
  }

  totalWidth(): number {
    const columns = this.widths.reduce((a, w) => a + w + 4, 0);
    return Math.max(textWidth(this.title) + 2 + 2 * this.indent, columns + 2 + 2 * this.indent);
  }
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  return fraction > 0.5 ? floor + 1 : fraction < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
}

function cellText(value: unknown): Cell {
  return value === null || value === undefined ? 'None' : typeof value === 'boolean' ? (value ? 'True' : 'False') : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;

/** Terminal columns: East Asian wide and full-width characters take two. */
function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    width += WIDE.test(ch) ? 2 : 1;
  }
  return width;
}

const isScalar = (v: unknown): boolean => v === null || typeof v !== 'object';
/** Python's truthiness, which decides whether the AWS CLI gives a value a section at all. */
const isEmpty = (v: unknown): boolean => v === null || v === undefined || v === '' || v === 0 || v === false || (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v).length === 0);

class TableBuilder {
  readonly sections: Array<Section> = [];
  #current: Section | null = null;

  section(title: string, indent: number): void {
    this.#current = new Section(title, indent);
    this.sections.push(this.#current);
  }

  get current(): Section {
    if (this.#current === null) {
      this.section('', 0);
    }
    return this.#current as Section;
  }

  build(title: string | null, value: unknown, indent: number): void {
    if (isEmpty(value)) {
      return;
    }
    if (title !== null) {
      this.section(title, indent);
    }
    if (Array.isArray(value)) {
      if (value[0] !== null && typeof value[0] === 'object' && !Array.isArray(value[0])) {
        this.fromList(value as Array<Record<string, unknown>>, indent, title ?? '');
      } else {
        for (const item of value) {
          if (isScalar(item)) {
            this.current.addRow([item]);
          } else if (Array.isArray(item) && item.every(isScalar)) {
            this.current.addRow(item);
          } else {
            this.build(null, item, indent);
          }
        }
      }
    } else if (typeof value === 'object') {
      this.fromObject(value as Record<string, unknown>, indent);
    } else {
      this.current.addRow([value]);
    }
  }

  fromObject(value: Record<string, unknown>, indent: number): void {
    const { scalars, nested } = splitKeys([value]);
    if (scalars.length === 1) {
      this.current.addRow([scalars[0], value[scalars[0] ?? '']]);
    } else if (scalars.length > 1) {
      this.current.setHeaders(scalars);
      this.current.addRow(scalars.map((k) => value[k]));
    }
    for (const k of nested) {
      this.build(k, value[k], indent + 1);
    }
  }

  fromList(items: ReadonlyArray<Record<string, unknown>>, indent: number, title: string): void {
    const { scalars, nested } = splitKeys(items);
    this.current.setHeaders(scalars);
    items.forEach((item, i) => {
      if (i > 0 && nested.length > 0) {
        this.section(title, indent);
        this.current.setHeaders(scalars);
      }
      this.current.addRow(scalars.map((k) => (Object.hasOwn(item, k) ? item[k] : '')));
      for (const k of nested) {
        if (Object.hasOwn(item, k)) {
          this.build(k, item[k], indent + 1);
        }
      }
    });
  }
}

/** The members with scalar values (the columns) and the others (nested sections), each sorted. */
function splitKeys(objects: ReadonlyArray<Record<string, unknown>>): { scalars: Array<string>; nested: Array<string> } {
  const scalars = new Set<string>();
  const nested = new Set<string>();
  for (const o of objects) {
    for (const [k, v] of Object.entries(o)) {
      (isScalar(v) ? scalars : nested).add(k);
    }
  }
  const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return { scalars: [...scalars].sort(byCodePoint), nested: [...nested].sort(byCodePoint) };
}

function centered(text: string, length: number, left: string, right: string): string {
  const start = Math.floor(length / 2) - Math.floor(textWidth(text) / 2) - 1;
  const soFar = left.length + start + textWidth(text);
  return `${left}${' '.repeat(Math.max(0, start))}${text}${' '.repeat(Math.max(0, length - right.length - soFar))}${right}`;
}

function leftAligned(text: string, length: number, left: string, right: string): string {
  const padding = length - (textWidth(text) + 2 + left.length + right.length) >= 0 ? 2 : 0;
  return `${left}${' '.repeat(padding)}${text}${' '.repeat(Math.max(0, length - (left.length + padding + textWidth(text)) - right.length))}${right}`;
}

function lineBreak(widths: ReadonlyArray<number>): string {
  return widths.map((w, i) => (i === 0 ? `+${'-'.repeat(Math.max(0, w - 2))}+` : `${'-'.repeat(Math.max(0, w - 1))}+`)).join('');
}

function renderSection(section: Section, fullWidth: number, out: Array<string>): void {
  const edge = '|'.repeat(section.indent);
  const width = fullWidth - section.indent * 2;
  const emit = (line: string): void => {
    out.push(`${edge}${line}${edge}`);
  };
  if (section.title !== '') {
    emit(centered(section.title, width, '|', '|'));
    if (section.headers.length === 0 && section.rows.length === 0) {
      emit(`+${'-'.repeat(width - 2)}+`);
    }
  }
  if (section.headers.length > 0) {
    const widths = section.columnWidths(4, width);
    emit(lineBreak(widths));
    emit(section.headers.map((h, i) => centered(h, widths[i] ?? 0, i === 0 ? '|' : '', '|')).join(''));
  }
  if (section.rows.length > 0) {
    const widths = section.columnWidths(4, width);
    if (widths.length === 0) {
      return;
    }
    emit(lineBreak(widths));
    for (const row of section.rows) {
      emit(row.map((cell, i) => leftAligned(cell, widths[i] ?? 0, i === 0 ? '|' : '', '|')).join(''));
    }
    emit(lineBreak(widths));
  }
}

/** A single-row section as name | value rows, as the AWS CLI does when the table is too wide. */
function vertical(section: Section): Section {
  if (section.rows.length !== 1 || section.headers.length === 0) {
    return section;
  }
  const turned = new Section(section.title, section.indent);
  section.headers.forEach((h, i) => turned.addRow([h, section.rows[0]?.[i] ?? '']));
  return turned;
}

/** The table for a (printable: no bytes, no dates) value, or '' when the AWS CLI prints none. */
export function formatTable(value: unknown, title: string, terminalWidth: number): string {
  const builder = new TableBuilder();
  builder.build(title, value, 0);
  let sections = builder.sections;
  if (sections.length === 0) {
    return '';
  }
  let width = Math.max(...sections.map((s) => s.totalWidth()));
  if (width > terminalWidth) {
    sections = sections.map(vertical);
    width = Math.max(...sections.map((s) => s.totalWidth()));
  }
  const out = ['-'.repeat(width)];
  for (const s of sections) {
    renderSection(s, width, out);
  }
  return `${out.join('\n')}\n`;
}
