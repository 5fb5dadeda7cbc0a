// A live countdown to a date (a key's deletion). role=timer: assistive technology does not
// announce every tick; the date itself is always shown beside it.

import type { ReactElement } from 'react';
import { formatCountdown, formatDateTime, isoOf, toDate } from '../lib/format.ts';
import { useNow } from '../lib/useNow.ts';

export function Countdown(props: { readonly to: unknown; readonly label: string; readonly whenDue?: string }): ReactElement {
  const target = toDate(props.to);
  const now = useNow(1000, target !== null);
  if (target === null) {
    return <span>—</span>;
  }
  const left = target.getTime() - now;
  return (
    <span className="countdown">
      <span role="timer" aria-label={props.label}>
        {left > 0 ? `in ${formatCountdown(left)}` : (props.whenDue ?? 'due now')}
      </span>{' '}
      <span className="muted">
        (<time dateTime={isoOf(target)}>{formatDateTime(target, true)}</time>)
      </span>
    </span>
  );
}
