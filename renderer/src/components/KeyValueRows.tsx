// Rows of key/value inputs (encryption context, tags, grant constraints, condition entries)
// in a fieldset: each input labelled with its row number, a Remove button per row naming it,
// and Add row.

import type { ReactElement, ReactNode } from 'react';
import { newPair, type Pair } from '../lib/pairs.ts';

export function KeyValueRows(props: {
  readonly legend: ReactNode;
  readonly rows: ReadonlyArray<Pair>;
  readonly onChange: (rows: Array<Pair>) => void;
  readonly keyLabel?: string;
  readonly valueLabel?: string;
  readonly addLabel?: string;
  readonly hint?: ReactNode;
  readonly disabled?: boolean;
  readonly keyPlaceholder?: string;
  readonly valuePlaceholder?: string;
}): ReactElement {
  const keyLabel = props.keyLabel ?? 'Key';
  const valueLabel = props.valueLabel ?? 'Value';
  const update = (id: number, change: Partial<Pick<Pair, 'key' | 'value'>>): void => {
    props.onChange(props.rows.map((r) => (r.id === id ? { ...r, ...change } : r)));
  };
  return (
    <fieldset className="kv-rows" disabled={props.disabled}>
      <legend>{props.legend}</legend>
      {props.hint === undefined ? null : <p className="hint">{props.hint}</p>}
      {props.rows.length === 0 ? <p className="muted">None.</p> : null}
      {props.rows.map((row, i) => (
        <div className="kv-row" key={row.id}>
          <label>
            <span className="visually-hidden">
              {keyLabel} {i + 1}
            </span>
            <input
              type="text"
              value={row.key}
              placeholder={props.keyPlaceholder ?? keyLabel}
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => {
                update(row.id, { key: e.target.value });
              }}
            />
          </label>
          <label>
            <span className="visually-hidden">
              {valueLabel} {i + 1}
            </span>
            <input
              type="text"
              value={row.value}
              placeholder={props.valuePlaceholder ?? valueLabel}
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => {
                update(row.id, { value: e.target.value });
              }}
            />
          </label>
          <button
            type="button"
            onClick={() => {
              props.onChange(props.rows.filter((r) => r.id !== row.id));
            }}
          >
            Remove<span className="visually-hidden"> row {i + 1}</span>
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => {
          props.onChange([...props.rows, newPair()]);
        }}
      >
        {props.addLabel ?? 'Add row'}
      </button>
    </fieldset>
  );
}
