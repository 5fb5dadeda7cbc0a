// "Who can do what": each statement of a policy as a sentence, with its parts listed under it.

import type { ReactElement } from 'react';
import type { PolicySummary } from '../lib/policy.ts';
import { Badge } from './Badge.tsx';

export function PolicySummaryView(props: { readonly summary: PolicySummary; readonly headingLevel?: 3 | 4 }): ReactElement {
  const Heading = props.headingLevel === 4 ? 'h4' : 'h3';
  const { statements, problems } = props.summary;
  return (
    <div className="policy-summary">
      {problems.length === 0 ? null : (
        <ul className="problem">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {statements.length === 0 ? <p className="muted">No statements: nobody is allowed anything by this policy.</p> : null}
      <ol className="statements">
        {statements.map((s) => (
          <li key={s.index} className={s.effect === 'Deny' ? 'statement deny' : 'statement'}>
            <Heading className="statement-title">
              <Badge tone={s.effect === 'Deny' ? 'problem' : s.effect === 'Allow' ? 'ok' : 'warn'}>{s.effect ?? 'No effect'}</Badge>{' '}
              <span className="mono small">Statement[{s.index}]</span>
              {s.sid === null ? null : <> “{s.sid}”</>}
            </Heading>
            <p>{s.sentence}</p>
            <dl className="statement-parts">
              <div className="row">
                <dt>Who</dt>
                <dd>{s.who.length === 0 ? '—' : s.who.join('; ')}</dd>
              </div>
              <div className="row">
                <dt>Actions</dt>
                <dd>{s.what.length === 0 ? '—' : s.what.join(', ')}</dd>
              </div>
              {s.conditions.length === 0 ? null : (
                <div className="row">
                  <dt>Only when</dt>
                  <dd>
                    <ul className="plain-list">
                      {s.conditions.map((c) => (
                        <li key={c}>{c}</li>
                      ))}
                    </ul>
                  </dd>
                </div>
              )}
            </dl>
          </li>
        ))}
      </ol>
    </div>
  );
}
