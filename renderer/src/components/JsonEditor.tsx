// A JSON editor: a plain textarea (so every platform's text editing, undo and screen reader
// support work) with line numbers beside it and live validation under it — JSON syntax errors
// at their line and column, with a button that puts the cursor there. Extra checks (a key
// policy's character set) come from `extraProblem`.

import { useId, useMemo, useRef, type ReactElement } from 'react';
import { parseJson } from '../lib/json.ts';

export type JsonProblem = { readonly offset: number; readonly line: number; readonly column: number; readonly message: string };

export function JsonEditor(props: {
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly readOnly?: boolean;
  readonly rows?: number;
  readonly extraProblem?: (text: string) => JsonProblem | null;
  /** Ids of elements that further describe the field. */
  readonly describedBy?: string;
  readonly id?: string;
}): ReactElement {
  const generated = useId();
  const id = props.id ?? generated;
  const statusId = `${id}-status`;
  const textRef = useRef<HTMLTextAreaElement>(null);
  const gutterRef = useRef<HTMLDivElement>(null);
  const { value, extraProblem } = props;
  const problem = useMemo((): JsonProblem | null => {
    if (value.trim() === '') {
      return { offset: 0, line: 1, column: 1, message: 'Empty: type a JSON document' };
    }
    const parsed = parseJson(value);
    if (!parsed.ok) {
      return parsed;
    }
    return extraProblem?.(value) ?? null;
  }, [value, extraProblem]);
  const lineCount = useMemo(() => value.split('\n').length, [value]);
  const goTo = (): void => {
    const t = textRef.current;
    if (t === null || problem === null) {
      return;
    }
    t.focus();
    t.setSelectionRange(problem.offset, Math.min(problem.offset + 1, value.length));
  };
  return (
    <div className="json-editor">
      <label htmlFor={id}>{props.label}</label>
      <div className={problem === null ? 'json-frame' : 'json-frame invalid'}>
        <div className="json-gutter" ref={gutterRef} aria-hidden="true">
          {Array.from({ length: lineCount }, (_, i) => (
            <div key={i} className={problem !== null && problem.line === i + 1 ? 'error-line' : undefined}>
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          id={id}
          ref={textRef}
          className="json-text"
          value={value}
          rows={props.rows ?? 18}
          readOnly={props.readOnly}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          autoComplete="off"
          wrap="off"
          aria-invalid={problem !== null}
          aria-describedby={[statusId, props.describedBy].filter((x) => x !== undefined).join(' ')}
          onChange={(e) => {
            props.onChange(e.target.value);
          }}
          onScroll={(e) => {
            if (gutterRef.current !== null) {
              gutterRef.current.scrollTop = e.currentTarget.scrollTop;
            }
          }}
        />
      </div>
      <div className="json-status" id={statusId} role="status">
        {problem === null ? (
          <span className="ok-text">Valid JSON.</span>
        ) : (
          <span className="problem">
            Line {problem.line}, column {problem.column}: {problem.message}.{' '}
          </span>
        )}
      </div>
      {problem === null || value.trim() === '' ? null : (
        <button type="button" className="link-button" onClick={goTo}>
          Go to line {problem.line}, column {problem.column}
        </button>
      )}
    </div>
  );
}
