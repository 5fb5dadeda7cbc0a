// An engine error in plain words: "Access denied: <the engine's message>", the AWS error name
// beside it (what documentation and the audit log call it) and, for some, what to do next.
// role=alert so it is announced when it appears.

import type { ReactElement, ReactNode } from 'react';
import { codeSpans, wordError } from '../lib/errors.ts';

/** The engine writes commands between backticks (`strongroom approval sign`): shown as code. */
function withCode(message: string): ReactNode {
  return codeSpans(message).map((part, i) => (part.code ? <code key={i}>{part.text}</code> : part.text));
}

export function ErrorMessage(props: {
  readonly error: { readonly name: string; readonly message: string } | null | undefined;
  /** What was being done: "Could not save the policy". */
  readonly context?: string;
  readonly id?: string;
  /** Announce it (default) or only show it (lists of many errors). */
  readonly live?: boolean;
}): ReactElement | null {
  if (props.error === null || props.error === undefined) {
    return null;
  }
  const w = wordError(props.error);
  return (
    <div className="error-message" role={props.live === false ? undefined : 'alert'} id={props.id}>
      {props.context === undefined ? null : <p className="error-context">{props.context}</p>}
      <p>
        <strong>{w.title}</strong>
        {w.message === '' ? null : <>: {withCode(w.message)}</>} <code className="error-code">{w.code}</code>
      </p>
      {w.hint === undefined ? null : <p className="error-hint">{w.hint}</p>}
    </div>
  );
}

/** A problem found before anything was sent (form validation), in the same style. */
export function Problems(props: { readonly problems: ReadonlyArray<string>; readonly id?: string }): ReactElement | null {
  if (props.problems.length === 0) {
    return null;
  }
  return (
    <div className="error-message" role="alert" id={props.id}>
      {props.problems.length === 1 ? (
        <p>{props.problems[0]}</p>
      ) : (
        <ul>
          {props.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
