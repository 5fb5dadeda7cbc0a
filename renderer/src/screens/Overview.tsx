// The first screen (issue 23): the installation at a glance — where the root key lives, whether
// the audit chain verifies and its last signed checkpoint, how long since the last backup (with a
// nudge), keys by state, keys pending deletion with their dates, and the recent failures and
// denials. Everything comes from operations the other screens use (status, VerifyAudit,
// QueryAudit, the key list); the pure parts are lib/overview.ts.

import type { ReactElement } from 'react';
import { providerName } from '../components/StatusCard.tsx';
import { Badge } from '../components/Badge.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/Notice.tsx';
import { useApp } from '../lib/app.ts';
import { auditRow, keysWithAliases, shortPrincipal } from '../lib/audit.ts';
import { call, useLoad, type Loadable } from '../lib/call.ts';
import { formatDate, formatDateTime, toDate } from '../lib/format.ts';
import { keyLabel, loadKeyRows, STATE_WORDS, type KeyRow } from '../lib/keys.ts';
import { backupAge, keysByState, pendingDeletions } from '../lib/overview.ts';
import { hrefTo, withQuery } from '../lib/router.ts';
import type { BridgeResult } from '../../../shared/api/bridge.ts';
import type { KeyState } from '../../../shared/api/operations.ts';

const RECENT_FAILURES = 8;

/** The loading / error / done states of one card's data. */
function Loaded<T>(props: { readonly loaded: Loadable<T>; readonly what: string; readonly children: (value: T) => ReactElement }): ReactElement {
  if (props.loaded.state === 'loading') {
    return <Loading>Loading {props.what}…</Loading>;
  }
  if (!props.loaded.result.ok) {
    return <ErrorMessage error={props.loaded.result.error} context={`The ${props.what} could not be read.`} live={false} />;
  }
  return props.children(props.loaded.result.value);
}

function RootKeyCard(): ReactElement {
  const { status } = useApp();
  return (
    <section className="card" aria-labelledby="ov-root">
      <h2 id="ov-root">Root key</h2>
      <p>
        <Badge tone="ok">Unlocked</Badge> {providerName(status?.rootKeyProvider) ?? '—'}
      </p>
      <p className="small">{status?.rootKeyLocation ?? ''}</p>
      <p className="small muted">
        Account <span className="mono">{status?.accountId ?? '—'}</span>, region <span className="mono">{status?.region ?? '—'}</span>
      </p>
    </section>
  );
}

function AuditCard(): ReactElement {
  const { loaded } = useLoad(() => call((b) => b.verifyAudit()), 'overview-verify');
  return (
    <section className="card" aria-labelledby="ov-audit">
      <h2 id="ov-audit">Audit chain</h2>
      <Loaded loaded={loaded} what="audit verification">
        {(v) => (
          <>
            <p>{v.ok ? <Badge tone="ok">Verified</Badge> : <Badge tone="problem">Not intact</Badge>} {v.records.toLocaleString()} records</p>
            {v.problem === undefined ? null : <p className="problem">{v.problem.detail}</p>}
            <p className="small">
              {v.lastCheckpoint === undefined
                ? 'No signed checkpoint yet.'
                : `Last signed checkpoint: number ${v.lastCheckpoint.number}, ${formatDateTime(v.lastCheckpoint.createdAt)}, up to record ${v.lastCheckpoint.headSeq}.`}
            </p>
            <p className="small">
              <a href={hrefTo('audit')}>Open the audit log</a>
            </p>
          </>
        )}
      </Loaded>
    </section>
  );
}

function BackupCard(): ReactElement {
  const { loaded } = useLoad(() => call((b) => b.queryAudit({ EventName: 'CreateBackup', Outcome: 'Success', MaxResults: 1 })), 'overview-backup');
  return (
    <section className="card" aria-labelledby="ov-backup">
      <h2 id="ov-backup">Backup</h2>
      <Loaded loaded={loaded} what="last backup">
        {(page) => {
          const last = page.records[0];
          const age = backupAge(last === undefined ? null : toDate(last.record.eventTime), new Date());
          return (
            <>
              <p>
                {age.nudge ? <Badge tone="warn">{age.days === null ? 'Never backed up' : `${age.days} days`}</Badge> : <Badge tone="ok">{age.days === 0 ? 'Today' : `${age.days ?? 0} days`}</Badge>} {age.words}
              </p>
              {age.nudge ? (
                <p className="small">
                  A lost or broken disk loses every key not backed up. Make one with <code>strongroom backup create</code> (sealed shares for custodians:{' '}
                  <code>strongroom backup create --help</code>).
                </p>
              ) : null}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

function KeysCards(props: { readonly loaded: Loadable<ReadonlyArray<KeyRow>> }): ReactElement {
  return (
    <>
      <section className="card" aria-labelledby="ov-keys">
        <h2 id="ov-keys">Keys by state</h2>
        <Loaded loaded={props.loaded} what="keys">
          {(rows) =>
            rows.length === 0 ? (
              <p>
                No keys yet. <a href={hrefTo('keys', 'new')}>Create your first key</a>.
              </p>
            ) : (
              <ul className="plain-list state-counts">
                {keysByState(rows).map((s) => (
                  <li key={s.state}>
                    <strong>{s.count}</strong> {STATE_WORDS[s.state as KeyState] ?? s.state}
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      </section>
      <section className="card" aria-labelledby="ov-pending">
        <h2 id="ov-pending">Pending deletion</h2>
        <Loaded loaded={props.loaded} what="keys">
          {(rows) => {
            const pending = pendingDeletions(rows);
            return pending.length === 0 ? (
              <p className="muted">No key is scheduled for deletion.</p>
            ) : (
              <ul className="plain-list">
                {pending.map((p) => (
                  <li key={p.row.meta.KeyId}>
                    <a href={hrefTo('keys', p.row.meta.KeyId)}>{keyLabel(p.row)}</a>: deleted on {formatDate(p.deletionDate)} unless cancelled
                  </li>
                ))}
              </ul>
            );
          }}
        </Loaded>
      </section>
    </>
  );
}

function FailuresCard(props: { readonly aliases: ReadonlyMap<string, ReadonlyArray<string>> }): ReactElement {
  const { loaded } = useLoad(() => call((b) => b.queryAudit({ Outcome: 'Failure', MaxResults: RECENT_FAILURES })), 'overview-failures');
  return (
    <section className="card wide" aria-labelledby="ov-failures">
      <h2 id="ov-failures">Recent failures and denials</h2>
      <Loaded loaded={loaded} what="recent failures">
        {(page) =>
          page.records.length === 0 ? (
            <p className="muted">No call has failed.</p>
          ) : (
            <>
              <ul className="plain-list failures">
                {page.records.map((r) => {
                  const row = auditRow(r.seq, r.record);
                  return (
                    <li key={row.rowKey}>
                      <Badge tone={row.errorCode === 'AccessDeniedException' ? 'problem' : 'warn'}>{row.errorCode === 'AccessDeniedException' ? 'Denied' : 'Failed'}</Badge>{' '}
                      <strong>{row.eventName}</strong> by {shortPrincipal(row.principal)}
                      {row.keys.length === 0 ? null : <> on {keysWithAliases(row.keys, props.aliases)}</>}, {formatDateTime(row.eventTime)}{' '}
                      <span className="mono small">{row.errorCode}</span>
                    </li>
                  );
                })}
              </ul>
              <p className="small">
                <a href={withQuery(hrefTo('audit'), { outcome: 'Failure' })}>All failures in the audit log</a>
              </p>
            </>
          )
        }
      </Loaded>
    </section>
  );
}

function aliasMap(loaded: Loadable<ReadonlyArray<KeyRow>>): ReadonlyMap<string, ReadonlyArray<string>> {
  const result: BridgeResult<ReadonlyArray<KeyRow>> | null = loaded.state === 'done' ? loaded.result : null;
  return new Map(result !== null && result.ok ? result.value.map((r) => [r.meta.KeyId, r.aliases]) : []);
}

export function OverviewScreen(): ReactElement {
  const { loaded: keys } = useLoad(() => loadKeyRows({ rotation: false }), 'overview-keys');
  return (
    <>
      <div className="screen-head">
        <h1 tabIndex={-1}>Overview</h1>
      </div>
      <div className="overview-grid">
        <RootKeyCard />
        <AuditCard />
        <BackupCard />
        <KeysCards loaded={keys} />
        <FailuresCard aliases={aliasMap(keys)} />
      </div>
    </>
  );
}
