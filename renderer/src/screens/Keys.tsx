// Keys: every key of the installation with its alias, id, spec, usage, state, rotation and
// creation date (ListKeys, DescribeKey, ListAliases, GetKeyRotationStatus), a search over them,
// and the way to a new key and to each key's page.

import { useMemo, useState, type ReactElement } from 'react';
import { Badge, KeyStateBadge } from '../components/Badge.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/Notice.tsx';
import { Table, type Column } from '../components/Table.tsx';
import { useLoad } from '../lib/call.ts';
import { formatDateTime, isoOf } from '../lib/format.ts';
import { canRotate, keyMatches, loadKeyRows, USAGE_WORDS, type KeyRow } from '../lib/keys.ts';
import { hrefTo } from '../lib/router.ts';

function rotationText(row: KeyRow): string {
  if (!canRotate(row.meta)) {
    return 'Not applicable';
  }
  if (row.meta.Origin !== 'AWS_KMS') {
    return 'Manual (imported)';
  }
  if (row.rotation === null) {
    return '—';
  }
  return row.rotation.enabled ? `On, every ${row.rotation.periodDays ?? 365} days` : 'Off';
}

/** What a managed key is for, from its alias/aws/<service> name. */
function managedUse(aliases: ReadonlyArray<string>): string {
  if (aliases.includes('alias/aws/secretsmanager')) {
    return 'Secrets';
  }
  return aliases.includes('alias/aws/strongroom-files') ? 'Files without a chosen key' : 'a Strongroom feature';
}

const columns: ReadonlyArray<Column<KeyRow>> = [
  {
    key: 'alias',
    header: 'Alias',
    rowHeader: true,
    cell: (r) => (
      <a href={hrefTo('keys', r.meta.KeyId)}>
        {r.aliases.length === 0 ? <span className="muted">No alias</span> : r.aliases[0]}
        {r.aliases.length > 1 ? <span className="muted"> +{r.aliases.length - 1}</span> : null}
        <span className="visually-hidden"> (key {r.meta.KeyId})</span>
      </a>
    ),
  },
  {
    key: 'manager',
    header: 'Managed by',
    // AWS managed keys (alias/aws/…): made and used by a Strongroom feature; their policy is fixed.
    cell: (r) => (r.meta.KeyManager === 'AWS' ? <Badge tone="info" title="Made and used by a Strongroom feature; its policy cannot be changed">{`Managed by Strongroom · ${managedUse(r.aliases)}`}</Badge> : 'You'),
  },
  { key: 'id', header: 'Key ID', cell: (r) => <span className="mono small">{r.meta.KeyId}</span> },
  { key: 'description', header: 'Description', cell: (r) => (r.meta.Description === '' ? <span className="muted">—</span> : r.meta.Description), className: 'wrap' },
  { key: 'spec', header: 'Spec', cell: (r) => <span className="mono small">{r.meta.KeySpec}</span> },
  { key: 'usage', header: 'Usage', cell: (r) => USAGE_WORDS[r.meta.KeyUsage] ?? r.meta.KeyUsage },
  { key: 'state', header: 'State', cell: (r) => <KeyStateBadge state={r.meta.KeyState} /> },
  { key: 'rotation', header: 'Rotation', cell: rotationText },
  { key: 'created', header: 'Created', cell: (r) => <time dateTime={isoOf(r.meta.CreationDate)}>{formatDateTime(r.meta.CreationDate)}</time> },
];

export function KeysScreen(): ReactElement {
  const { loaded, reload } = useLoad(() => loadKeyRows(), 'keys');
  const [query, setQuery] = useState('');
  const rows = useMemo(() => (loaded.state === 'done' && loaded.result.ok ? loaded.result.value.filter((r) => keyMatches(r, query)) : []), [loaded, query]);
  const total = loaded.state === 'done' && loaded.result.ok ? loaded.result.value.length : 0;
  return (
    <>
      <div className="screen-head">
        <h1 tabIndex={-1}>Keys</h1>
        <div className="actions">
          <button type="button" onClick={reload} disabled={loaded.state === 'loading'}>
            Refresh
          </button>
          <a className="button primary" href={hrefTo('keys', 'new')}>
            Create key
          </a>
        </div>
      </div>
      <div className="toolbar" role="search">
        <label htmlFor="key-search">Search keys</label>
        <input
          id="key-search"
          type="search"
          value={query}
          placeholder="Alias, key ID, description, spec, state…"
          aria-describedby="key-count"
          onChange={(e) => {
            setQuery(e.target.value);
          }}
        />
        <span id="key-count" className="muted" role="status">
          {loaded.state === 'done' && loaded.result.ok ? (query.trim() === '' ? `${total} key${total === 1 ? '' : 's'}` : `${rows.length} of ${total} keys match`) : ''}
        </span>
      </div>
      {loaded.state === 'loading' ? (
        <Loading>Loading keys…</Loading>
      ) : !loaded.result.ok ? (
        <ErrorMessage error={loaded.result.error} context="The keys could not be listed." />
      ) : (
        <Table
          caption="Keys"
          captionHidden
          columns={columns}
          rows={rows}
          rowKey={(r) => r.meta.KeyId}
          empty={
            total === 0 ? (
              <>
                No keys yet. <a href={hrefTo('keys', 'new')}>Create your first key</a>.
              </>
            ) : (
              'No key matches the search.'
            )
          }
        />
      )}
    </>
  );
}
