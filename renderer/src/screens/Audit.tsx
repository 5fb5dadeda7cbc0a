// Audit: the log's chain verified (VerifyAudit), operations over time by outcome
// (AuditActivity), and the records themselves (QueryAudit) in a virtualized table — only the rows
// in view are rendered, and further pages are fetched as the table scrolls — filtered as the
// engine filters (time range, event, key or alias, principal, error code, outcome, request id),
// with each record's JSON in a drawer; the same table reads the inspection workspace (imported
// exports). Export and import are in AuditExchange.tsx.

import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent, type ReactElement } from 'react';
import { kmsErrorNames } from '../../../shared/api/errors.ts';
import { operationNames } from '../../../shared/api/operations.ts';
import { strongroomActionNames } from '../../../shared/api/strongroom-actions.ts';
import { ActivityChart } from '../components/ActivityChart.tsx';
import { XksCallRows } from '../components/XksCallRows.tsx';
import { Badge } from '../components/Badge.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/Notice.tsx';
import {
  auditQueryFor,
  auditRow,
  EMPTY_FILTERS,
  fillBuckets,
  filtersFromQuery,
  needsMore,
  shortKey,
  shortPrincipal,
  visibleRange,
  type AuditFilters,
  type AuditRow,
} from '../lib/audit.ts';
import { call, useLoad } from '../lib/call.ts';
import { formatDateTime } from '../lib/format.ts';
import type { ErrorShape } from '../../../shared/api/errors.ts';
import { ExportSection, WorkspaceSection } from './AuditExchange.tsx';

const ROW_HEIGHT = 36;
const PAGE_SIZE = 200;

// Records that are not calls of an action: the installation's creation, the service's own events,
// and the file-writing actions (export, archive, backup, restore).
const EXTRA_EVENT_NAMES = ['CreateInstallation', 'RotateKey', 'DeleteKey', 'DeleteExpiredKeyMaterial', 'ExportAuditLog', 'ArchiveAuditLog', 'CreateBackup', 'RestoreBackup'];

const PROBLEM_WORDS: Readonly<Record<string, string>> = {
  'schema-altered': 'The audit tables were changed outside Strongroom',
  'checkpoint-invalid': 'A checkpoint’s signature does not verify',
  'checkpoint-missing': 'A checkpoint is missing or was replaced',
  edited: 'A record was edited',
  missing: 'Records are missing',
  reordered: 'Records were reordered',
  'broken-link': 'The chain is broken',
  rewritten: 'Records were rewritten',
  truncated: 'Records were cut from the end',
  inserted: 'A record was inserted',
};

export function AuditScreen(props: { readonly query: Readonly<Record<string, string>> }): ReactElement {
  const initial = useMemo(() => filtersFromQuery(props.query), [props.query]);
  const [form, setForm] = useState<AuditFilters>(initial);
  const [applied, setApplied] = useState<AuditFilters>(initial);
  useEffect(() => {
    setForm(initial);
    setApplied(initial);
  }, [initial]);
  const [source, setSource] = useState<RecordSource>('local');
  // Bumped by an import, so the workspace listing reloads.
  const [imports, setImports] = useState(0);
  const { problems } = auditQueryFor(form);
  const hasProblems = Object.keys(problems).length > 0;

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!hasProblems) {
      setApplied(form);
    }
  };

  return (
    <>
      <div className="screen-head">
        <h1 tabIndex={-1}>Audit</h1>
      </div>
      <VerifySection />
      <ActivitySection filters={applied} />
      <section className="card" aria-labelledby="records-title">
        <h2 id="records-title">Records</h2>
        <FilterForm
          form={form}
          problems={problems}
          onChange={setForm}
          onSubmit={submit}
          onClear={() => {
            setForm(EMPTY_FILTERS);
            setApplied(EMPTY_FILTERS);
          }}
        />
        <fieldset className="segmented">
          <legend>Records of</legend>
          {(['local', 'workspace'] as const).map((value) => (
            <label key={value} className="check">
              <input
                type="radio"
                name="records-source"
                value={value}
                checked={source === value}
                onChange={() => {
                  setSource(value);
                }}
              />
              <span>{value === 'local' ? 'This installation' : 'Imported exports (inspection workspace)'}</span>
            </label>
          ))}
        </fieldset>
        <RecordsTable filters={applied} source={source} refresh={imports} />
      </section>
      <ExportSection />
      <WorkspaceSection
        onImported={() => {
          setImports((n) => n + 1);
        }}
      />
    </>
  );
}

function VerifySection(): ReactElement {
  const { loaded, reload } = useLoad(() => call((b) => b.verifyAudit({})), 'verify');
  return (
    <section className="card" aria-labelledby="verify-title">
      <div className="card-head">
        <h2 id="verify-title">Chain verification</h2>
        <button type="button" onClick={reload} disabled={loaded.state === 'loading'}>
          Verify again
        </button>
      </div>
      <div role="status">
        {loaded.state === 'loading' ? (
          <Loading>Verifying the audit log…</Loading>
        ) : !loaded.result.ok ? (
          <ErrorMessage error={loaded.result.error} context="The log could not be verified." live={false} />
        ) : loaded.result.value.ok ? (
          <p>
            <Badge tone="ok">Verified</Badge> {loaded.result.value.records} record{loaded.result.value.records === 1 ? '' : 's'}, {loaded.result.value.checkpoints} checkpoint
            {loaded.result.value.checkpoints === 1 ? '' : 's'}.
            {loaded.result.value.unsignedRecords > 0 ? (
              <span className="muted">
                {' '}
                The newest {loaded.result.value.unsignedRecords} record{loaded.result.value.unsignedRecords === 1 ? ' is' : 's are'} not yet signed by a checkpoint (one
                is made within the hour).
              </span>
            ) : null}
          </p>
        ) : (
          <div className="error-message">
            <p>
              <Badge tone="problem">Problem</Badge> <strong>{PROBLEM_WORDS[loaded.result.value.problem?.kind ?? ''] ?? loaded.result.value.problem?.kind ?? 'Verification failed'}</strong>
              {loaded.result.value.problem?.seq === undefined ? '' : ` at record ${loaded.result.value.problem.seq}`}
              {loaded.result.value.problem?.checkpoint === undefined ? '' : ` (checkpoint ${loaded.result.value.problem.checkpoint})`}:{' '}
              {loaded.result.value.problem?.detail ?? ''} <code className="error-code">{loaded.result.value.problem?.kind}</code>
            </p>
            <p className="hint">
              Checked with the public key stored in the installation. For proof an attacker with write access cannot fake, run{' '}
              <code>strongroom audit verify --trusted-public-key audit.pem</code> with a copy kept elsewhere.
            </p>
          </div>
        )}
      </div>
    </section>
  );
}

function ActivitySection(props: { readonly filters: AuditFilters }): ReactElement {
  const [bucket, setBucket] = useState<'hour' | 'day'>('day');
  const { query } = auditQueryFor(props.filters);
  const now = Date.now();
  const to = query.EndTime?.getTime() ?? now;
  const from = query.StartTime?.getTime() ?? to - (bucket === 'day' ? 29 : 47) * (bucket === 'day' ? 86_400_000 : 3_600_000);
  const { loaded } = useLoad(
    () => call((b) => b.auditActivity({ Bucket: bucket, StartTime: new Date(from), EndTime: new Date(to) })),
    // Minute resolution: the key does not change on every render.
    `${bucket}:${Math.floor(from / 60_000)}:${Math.floor(to / 60_000)}`,
  );
  const bucketId = useId();
  const points = loaded.state === 'done' && loaded.result.ok ? fillBuckets(loaded.result.value.buckets, bucket, from, to) : [];
  return (
    <section className="card" aria-labelledby="activity-title">
      <div className="card-head">
        <h2 id="activity-title">Activity</h2>
        <div className="field inline">
          <label htmlFor={bucketId}>Per</label>
          <select
            id={bucketId}
            value={bucket}
            onChange={(e) => {
              setBucket(e.target.value === 'hour' ? 'hour' : 'day');
            }}
          >
            <option value="day">Day</option>
            <option value="hour">Hour</option>
          </select>
        </div>
      </div>
      <p className="hint">
        {query.StartTime === undefined && query.EndTime === undefined
          ? `The last ${bucket === 'day' ? '30 days' : '48 hours'}. Set a time range in the filters below to chart another period.`
          : 'The time range of the filters below.'}
      </p>
      {loaded.state === 'loading' ? (
        <Loading>Loading activity…</Loading>
      ) : !loaded.result.ok ? (
        <ErrorMessage error={loaded.result.error} context="The activity could not be read." />
      ) : (
        <ActivityChart points={points} bucket={bucket} title="Operations by outcome" />
      )}
    </section>
  );
}

function FilterForm(props: {
  readonly form: AuditFilters;
  readonly problems: Readonly<Partial<Record<keyof AuditFilters, string>>>;
  readonly onChange: (f: AuditFilters) => void;
  readonly onSubmit: (e: FormEvent) => void;
  readonly onClear: () => void;
}): ReactElement {
  const ids = useId();
  const set = (field: keyof AuditFilters) => (e: { target: { value: string } }) => {
    props.onChange({ ...props.form, [field]: e.target.value });
  };
  const text = (field: keyof AuditFilters, label: string, extra: { list?: string; placeholder?: string; type?: string } = {}): ReactElement => {
    const id = `${ids}-${field}`;
    const problem = props.problems[field];
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          type={extra.type ?? 'text'}
          value={props.form[field]}
          list={extra.list}
          placeholder={extra.placeholder}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={problem !== undefined}
          aria-describedby={problem === undefined ? undefined : `${id}-problem`}
          onChange={set(field)}
        />
        {problem === undefined ? null : (
          <p id={`${id}-problem`} className="problem small">
            {problem}
          </p>
        )}
      </div>
    );
  };
  return (
    <form className="filters" onSubmit={props.onSubmit} aria-label="Filter records">
      <div className="form-grid">
        {text('start', 'From', { type: 'datetime-local' })}
        {text('end', 'To', { type: 'datetime-local' })}
        {text('eventName', 'Event name', { list: `${ids}-events`, placeholder: 'Decrypt' })}
        {text('keyId', 'Key ID or alias', { placeholder: 'alias/files' })}
        {text('principal', 'Principal', { placeholder: 'root, alice, role/admin or an ARN' })}
        {text('errorCode', 'Error code', { list: `${ids}-errors`, placeholder: 'AccessDeniedException' })}
        <div className="field">
          <label htmlFor={`${ids}-outcome`}>Outcome</label>
          <select id={`${ids}-outcome`} value={props.form.outcome} onChange={set('outcome')}>
            <option value="">Any</option>
            <option value="Success">Success</option>
            <option value="Failure">Failure</option>
          </select>
        </div>
        {text('requestId', 'Request ID')}
      </div>
      <datalist id={`${ids}-events`}>
        {[...operationNames, ...strongroomActionNames, ...EXTRA_EVENT_NAMES].map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      <datalist id={`${ids}-errors`}>
        {kmsErrorNames.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      <div className="actions">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button type="button" onClick={props.onClear}>
          Clear filters
        </button>
      </div>
    </form>
  );
}

type RecordsState = {
  readonly rows: ReadonlyArray<AuditRow>;
  readonly nextToken: string | undefined;
  readonly loading: boolean;
  readonly error: ErrorShape | null;
  readonly done: boolean;
};

type RecordSource = 'local' | 'workspace';

function RecordsTable(props: { readonly filters: AuditFilters; readonly source: RecordSource; readonly refresh: number }): ReactElement {
  const [state, setState] = useState<RecordsState>({ rows: [], nextToken: undefined, loading: true, error: null, done: false });
  const generation = useRef(0);
  const loadingRef = useRef(false);
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(480);
  const [active, setActive] = useState(0);
  const focusPending = useRef(false);
  const [open, setOpen] = useState<AuditRow | null>(null);
  const filtersKey = JSON.stringify(props.filters);
  const { source, refresh } = props;

  const fetchPage = useCallback(
    async (token: string | undefined, reset: boolean): Promise<void> => {
      if (loadingRef.current && !reset) {
        return;
      }
      const gen = reset ? ++generation.current : generation.current;
      loadingRef.current = true;
      setState((s) => (reset ? { rows: [], nextToken: undefined, loading: true, error: null, done: false } : { ...s, loading: true, error: null }));
      const { query } = auditQueryFor(JSON.parse(filtersKey) as AuditFilters);
      const input = { ...query, MaxResults: PAGE_SIZE, ...(token === undefined ? {} : { NextToken: token }) };
      const r = await call((b) => (source === 'local' ? b.queryAudit(input) : b.queryAuditWorkspace(input)));
      if (gen !== generation.current) {
        return;
      }
      loadingRef.current = false;
      if (!r.ok) {
        setState((s) => ({ ...s, loading: false, error: r.error }));
        return;
      }
      const page = r.value.records.map((x) => auditRow(x.seq, x.record, x.installationId));
      setState((s) => ({
        rows: reset ? page : [...s.rows, ...page],
        nextToken: r.value.nextToken,
        loading: false,
        error: null,
        done: r.value.nextToken === undefined,
      }));
    },
    // refresh is not read: a new value (an import) makes a new fetchPage, which reloads.
    [filtersKey, source, refresh],
  );

  useEffect(() => {
    setActive(0);
    setScrollTop(0);
    if (scroller.current !== null) {
      scroller.current.scrollTop = 0;
    }
    void fetchPage(undefined, true);
  }, [fetchPage]);

  useEffect(() => {
    const el = scroller.current;
    if (el === null || typeof ResizeObserver === 'undefined') {
      return undefined;
    }
    const ro = new ResizeObserver(() => {
      setViewport(el.clientHeight);
    });
    ro.observe(el);
    setViewport(el.clientHeight);
    return () => {
      ro.disconnect();
    };
  }, []);

  const total = state.rows.length;
  const { start, end } = visibleRange(scrollTop, viewport, ROW_HEIGHT, total);

  useEffect(() => {
    if (!state.loading && state.error === null && needsMore(end, total, !state.done)) {
      void fetchPage(state.nextToken, false);
    }
  }, [end, total, state.loading, state.done, state.error, state.nextToken, fetchPage]);

  useEffect(() => {
    if (focusPending.current) {
      focusPending.current = false;
      const button = scroller.current?.querySelector<HTMLButtonElement>(`[data-row="${active}"] button`);
      button?.focus();
    }
  }, [active, start, end]);

  const move = (to: number): void => {
    const clamped = Math.max(0, Math.min(total - 1, to));
    focusPending.current = true;
    setActive(clamped);
    const el = scroller.current;
    if (el !== null) {
      const top = clamped * ROW_HEIGHT;
      const headerH = ROW_HEIGHT;
      if (top < el.scrollTop) {
        el.scrollTop = top;
      } else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight - headerH) {
        el.scrollTop = top + ROW_HEIGHT - el.clientHeight + headerH;
      }
      setScrollTop(el.scrollTop);
    }
  };

  const onKeyDown = (e: KeyboardEvent): void => {
    const page = Math.max(1, Math.floor(viewport / ROW_HEIGHT) - 1);
    const keys: Record<string, number> = { ArrowDown: active + 1, ArrowUp: active - 1, PageDown: active + page, PageUp: active - page, Home: 0, End: total - 1 };
    const to = keys[e.key];
    if (to !== undefined && total > 0) {
      e.preventDefault();
      move(to);
    }
  };

  const visible = state.rows.slice(start, end);
  return (
    <>
      <p className="hint" id="records-help">
        Newest first. Use the arrow keys, Page Up/Down, Home and End to move between records, and Enter to open one.
      </p>
      <div role="status" className="muted small">
        {state.loading && total === 0 ? 'Loading records…' : `${total}${state.done ? '' : '+'} record${total === 1 ? '' : 's'}${state.done ? '' : ' loaded so far; more load as you scroll'}.`}
      </div>
      <ErrorMessage error={state.error} context="The records could not be read." />
      {state.error !== null && total > 0 ? (
        <button type="button" onClick={() => void fetchPage(state.nextToken, false)}>
          Try loading more again
        </button>
      ) : null}
      <div
        className="audit-scroller"
        ref={scroller}
        onScroll={(e) => {
          const top = e.currentTarget.scrollTop;
          setScrollTop(top);
          // The row that takes Tab (roving tabindex) stays among the rendered rows.
          const inView = visibleRange(top, e.currentTarget.clientHeight, ROW_HEIGHT, total, 0);
          if (total > 0 && (active < inView.start || active >= inView.end)) {
            setActive(Math.min(total - 1, inView.start));
          }
        }}
      >
        <table className="data audit-table" aria-rowcount={state.done ? total + 1 : -1} aria-describedby="records-help" onKeyDown={onKeyDown}>
          <caption className="visually-hidden">Audit records, newest first</caption>
          <colgroup>
            <col className="c-time" />
            <col className="c-event" />
            <col className="c-outcome" />
            <col className="c-principal" />
            <col className="c-key" />
            <col className="c-request" />
          </colgroup>
          <thead>
            <tr aria-rowindex={1}>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">Outcome</th>
              <th scope="col">Principal</th>
              <th scope="col">Key</th>
              <th scope="col">Request ID</th>
            </tr>
          </thead>
          <tbody>
            {start > 0 ? <tr aria-hidden="true" className="spacer" style={{ height: start * ROW_HEIGHT }} /> : null}
            {visible.map((r, i) => {
              const index = start + i;
              return (
                <tr key={r.rowKey} data-row={index} aria-rowindex={index + 2} className={index === active ? 'active' : undefined}>
                  <th scope="row">
                    <button
                      type="button"
                      className="link-button"
                      tabIndex={index === active ? 0 : -1}
                      onFocus={() => {
                        if (active !== index) {
                          setActive(index);
                        }
                      }}
                      onClick={() => {
                        setActive(index);
                        setOpen(r);
                      }}
                    >
                      {formatDateTime(r.eventTime, true)}
                    </button>
                  </th>
                  <td title={r.xks?.kmsOperation === undefined ? r.eventName : `${r.eventName} for AWS KMS ${r.xks.kmsOperation}`}>
                    {r.eventName}
                    {r.xks?.kmsOperation === undefined ? null : <span className="muted small"> · {r.xks.kmsOperation}</span>}
                  </td>
                  <td>{r.outcome === 'Success' ? <Badge tone="ok">Success</Badge> : <Badge tone="problem">{r.errorCode ?? 'Failure'}</Badge>}</td>
                  <td title={r.principal}>{shortPrincipal(r.principal)}</td>
                  <td className="mono small" title={r.keys.join('\n')}>
                    {r.keys.length === 0 ? '—' : r.keys.map(shortKey).join(', ')}
                  </td>
                  <td className="mono small" title={r.requestId}>
                    {r.requestId ?? '—'}
                  </td>
                </tr>
              );
            })}
            {end < total ? <tr aria-hidden="true" className="spacer" style={{ height: (total - end) * ROW_HEIGHT }} /> : null}
          </tbody>
        </table>
        {!state.loading && total === 0 && state.error === null ? (
          <p className="empty">{source === 'workspace' && filtersKey === JSON.stringify(EMPTY_FILTERS) ? 'Nothing imported yet: import exports on the Inspection workspace card.' : 'No records match these filters.'}</p>
        ) : null}
        {state.loading && total > 0 ? <p className="muted small loading-more">Loading more…</p> : null}
      </div>
      <RecordDrawer row={open} onClose={() => setOpen(null)} />
    </>
  );
}

function RecordDrawer(props: { readonly row: AuditRow | null; readonly onClose: () => void }): ReactElement {
  const { row } = props;
  const identity = row?.record.userIdentity as Record<string, unknown> | undefined;
  return (
    <Dialog open={row !== null} title={row === null ? '' : `Record ${row.seq}: ${row.eventName}`} onClose={props.onClose} variant="drawer">
      {row === null ? null : (
        <>
          <dl>
            <div className="row">
              <dt>Time</dt>
              <dd>
                {formatDateTime(row.eventTime, true)} <span className="muted mono small">{row.eventTime}</span>
              </dd>
            </div>
            <div className="row">
              <dt>Outcome</dt>
              <dd>{row.outcome === 'Success' ? <Badge tone="ok">Success</Badge> : <Badge tone="problem">Failure</Badge>}</dd>
            </div>
            {row.errorCode === undefined ? null : (
              <div className="row">
                <dt>Error</dt>
                <dd>
                  <ErrorMessage error={{ name: row.errorCode, message: row.errorMessage ?? '' }} live={false} />
                </dd>
              </div>
            )}
            {row.installationId === undefined ? null : (
              <div className="row">
                <dt>Installation</dt>
                <dd className="mono small">
                  {String((row.record.recipientAccountId as string | undefined) ?? '')} · {row.installationId}
                </dd>
              </div>
            )}
            <div className="row">
              <dt>Principal</dt>
              <dd className="mono small">{row.xks === undefined ? row.principal : `AWS KMS (XKS proxy API), key store ${String(identity?.principalId ?? '')}`}</dd>
            </div>
            {row.xks === undefined ? null : <XksCallRows call={row.xks} />}
            {typeof identity?.accessKeyId === 'string' ? (
              <div className="row">
                <dt>Access key</dt>
                <dd className="mono small">{identity.accessKeyId}</dd>
              </div>
            ) : null}
            <div className="row">
              <dt>Keys</dt>
              <dd className="mono small">{row.keys.length === 0 ? '—' : row.keys.join('\n')}</dd>
            </div>
            <div className="row">
              <dt>Request ID</dt>
              <dd className="mono small">{row.requestId ?? '—'}</dd>
            </div>
          </dl>
          <h3>Record JSON</h3>
          <pre className="json-view" tabIndex={0} aria-label={`Record ${row.seq} as JSON`}>
            {JSON.stringify(row.record, null, 2)}
          </pre>
        </>
      )}
    </Dialog>
  );
}
