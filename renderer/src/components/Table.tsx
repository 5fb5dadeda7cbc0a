// A data table with a caption, column headers (scope=col) and, when a column says so, row
// headers (scope=row), so a screen reader names each cell by its row and column.

import type { ReactElement, ReactNode } from 'react';

export type Column<T> = {
  readonly key: string;
  readonly header: ReactNode;
  readonly cell: (row: T) => ReactNode;
  /** This column's cells name their row (<th scope=row>). */
  readonly rowHeader?: boolean;
  readonly className?: string;
};

export function Table<T>(props: {
  readonly caption: ReactNode;
  /** Keep the caption for assistive technology only (the section heading shows it). */
  readonly captionHidden?: boolean;
  readonly columns: ReadonlyArray<Column<T>>;
  readonly rows: ReadonlyArray<T>;
  readonly rowKey: (row: T) => string;
  /** Shown in place of the body when there are no rows. */
  readonly empty?: ReactNode;
  readonly className?: string;
}): ReactElement {
  return (
    <div className="table-wrap">
      <table className={props.className === undefined ? 'data' : `data ${props.className}`}>
        <caption className={props.captionHidden === true ? 'visually-hidden' : undefined}>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.key} scope="col" className={c.className}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.length === 0 && props.empty !== undefined ? (
            <tr>
              <td colSpan={props.columns.length} className="empty">
                {props.empty}
              </td>
            </tr>
          ) : (
            props.rows.map((row) => (
              <tr key={props.rowKey(row)}>
                {props.columns.map((c) =>
                  c.rowHeader === true ? (
                    <th key={c.key} scope="row" className={c.className}>
                      {c.cell(row)}
                    </th>
                  ) : (
                    <td key={c.key} className={c.className}>
                      {c.cell(row)}
                    </td>
                  ),
                )}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
