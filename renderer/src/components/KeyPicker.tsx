// Choosing keys: a <select> of one key (Policies), or checkboxes of several (Files). Keys are
// named by alias with their id beside it.

import type { ReactElement, ReactNode } from 'react';
import { keyLabel, type KeyRow } from '../lib/keys.ts';

export function keyOptionText(row: KeyRow): string {
  const label = keyLabel(row);
  return label === row.meta.KeyId ? row.meta.KeyId : `${label} (${row.meta.KeyId})`;
}

export function KeySelect(props: {
  readonly id: string;
  readonly label: ReactNode;
  readonly keys: ReadonlyArray<KeyRow>;
  readonly value: string;
  readonly onChange: (keyId: string) => void;
  readonly placeholder?: string;
}): ReactElement {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        onChange={(e) => {
          props.onChange(e.target.value);
        }}
      >
        <option value="">{props.placeholder ?? 'Choose a key…'}</option>
        {props.keys.map((k) => (
          <option key={k.meta.KeyId} value={k.meta.KeyId}>
            {keyOptionText(k)}
          </option>
        ))}
      </select>
    </div>
  );
}

export function KeyCheckboxes(props: {
  readonly legend: ReactNode;
  readonly keys: ReadonlyArray<KeyRow>;
  readonly selected: ReadonlyArray<string>;
  readonly onChange: (keyIds: Array<string>) => void;
  readonly max?: number;
  readonly hint?: ReactNode;
}): ReactElement {
  const full = props.max !== undefined && props.selected.length >= props.max;
  return (
    <fieldset className="key-checkboxes">
      <legend>{props.legend}</legend>
      {props.hint === undefined ? null : <p className="hint">{props.hint}</p>}
      <ul className="plain-list">
        {props.keys.map((k) => {
          const checked = props.selected.includes(k.meta.KeyId);
          const order = props.selected.indexOf(k.meta.KeyId);
          return (
            <li key={k.meta.KeyId}>
              <label className="check">
                <input
                  type="checkbox"
                  checked={checked}
                  disabled={!checked && full}
                  onChange={(e) => {
                    props.onChange(e.target.checked ? [...props.selected, k.meta.KeyId] : props.selected.filter((id) => id !== k.meta.KeyId));
                  }}
                />
                <span>
                  {keyLabel(k)}
                  {keyLabel(k) === k.meta.KeyId ? null : <span className="muted mono small"> {k.meta.KeyId}</span>}
                  {order === 0 && props.selected.length > 1 ? <span className="muted"> — makes the data key</span> : null}
                </span>
              </label>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
