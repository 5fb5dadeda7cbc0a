// A short status word in a pill. The tone is colour and a border; the word itself always says
// the state, so colour is never the only signal.

import type { ReactElement, ReactNode } from 'react';
import type { KeyState } from '../../../shared/api/operations.ts';
import { STATE_WORDS } from '../lib/keys.ts';

export type Tone = 'ok' | 'warn' | 'problem' | 'neutral' | 'info';

export function Badge(props: { readonly tone?: Tone; readonly children: ReactNode; readonly title?: string; readonly id?: string }): ReactElement {
  return (
    <span className={`badge ${props.tone ?? 'neutral'}`} title={props.title} id={props.id}>
      {props.children}
    </span>
  );
}

const STATE_TONES: Readonly<Record<KeyState, Tone>> = {
  Enabled: 'ok',
  Disabled: 'neutral',
  PendingDeletion: 'problem',
  PendingImport: 'warn',
  PendingReplicaDeletion: 'problem',
  Creating: 'info',
  Updating: 'info',
  Unavailable: 'warn',
};

export function KeyStateBadge(props: { readonly state: KeyState }): ReactElement {
  return <Badge tone={STATE_TONES[props.state] ?? 'neutral'}>{STATE_WORDS[props.state] ?? props.state}</Badge>;
}
