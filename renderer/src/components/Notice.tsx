// Plain statements: something is loading, or a part the engine does not offer (yet), said as
// it is, with the command that does it instead.

import type { ReactElement, ReactNode } from 'react';

export function Loading(props: { readonly children?: ReactNode }): ReactElement {
  return (
    <p className="muted loading" role="status">
      {props.children ?? 'Loading…'}
    </p>
  );
}

/** "Not available in this app": a part the bridge has no operation for. */
export function Unavailable(props: { readonly title: string; readonly children: ReactNode; readonly headingLevel?: 2 | 3 }): ReactElement {
  const Heading = props.headingLevel === 3 ? 'h3' : 'h2';
  return (
    <div className="notice">
      <Heading className="notice-title">{props.title}</Heading>
      {props.children}
    </div>
  );
}
