// Secrets: Secrets Manager on this installation. The list (never values), a new secret, and per
// secret: reveal the current value (a click, recorded in the audit log as GetSecretValue), a new
// version, delete with its recovery date, restore. Every action runs Secrets Manager's own
// operation through the engine, authorized and audited as on the endpoint.

import { useState, type FormEvent, type ReactElement } from 'react';
import type { AppOutputs, SecretShape } from '../../../shared/api/bridge.ts';
import { Badge } from '../components/Badge.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/Notice.tsx';
import { Table, type Column } from '../components/Table.tsx';
import { call, useAction, useLoad } from '../lib/call.ts';
import { formatDateTime } from '../lib/format.ts';

type Panel =
  | { readonly kind: 'reveal'; readonly secret: SecretShape; readonly value: AppOutputs['SecretReveal'] }
  | { readonly kind: 'put'; readonly secret: SecretShape }
  | { readonly kind: 'delete'; readonly secret: SecretShape };

export function SecretsScreen(): ReactElement {
  const { loaded, reload } = useLoad(() => call((b) => b.secretList({})), 'secrets');
  const acting = useAction();
  const [panel, setPanel] = useState<Panel | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const done = (message: string): void => {
    setPanel(null);
    setNotice(message);
    reload();
  };

  const reveal = async (secret: SecretShape): Promise<void> => {
    setNotice(null);
    const r = await acting.run(() => call((b) => b.secretReveal({ SecretId: secret.ARN })));
    if (r.ok) {
      setPanel({ kind: 'reveal', secret, value: r.value });
    }
  };

  const restore = async (secret: SecretShape): Promise<void> => {
    setNotice(null);
    const r = await acting.run(() => call((b) => b.secretRestore({ SecretId: secret.ARN })));
    if (r.ok) {
      done(`${secret.Name} is restored.`);
    }
  };

  const columns: ReadonlyArray<Column<SecretShape>> = [
    { key: 'name', header: 'Name', rowHeader: true, cell: (s) => <span className="mono">{s.Name}</span> },
    { key: 'description', header: 'Description', cell: (s) => s.Description ?? <span className="muted">—</span>, className: 'wrap' },
    { key: 'key', header: 'Key', cell: (s) => (s.KmsKeyId === undefined ? 'aws/secretsmanager (managed)' : <span className="mono small">{s.KmsKeyId.slice(s.KmsKeyId.lastIndexOf('/') + 1)}</span>) },
    { key: 'versions', header: 'Versions', cell: (s) => s.Versions },
    { key: 'changed', header: 'Last changed', cell: (s) => <time dateTime={s.LastChangedDate}>{formatDateTime(s.LastChangedDate)}</time> },
    {
      key: 'state',
      header: 'State',
      cell: (s) => (s.DeletedDate === undefined ? <Badge tone="ok">Active</Badge> : <Badge tone="warn">{`Deleted ${formatDateTime(s.DeletedDate)}, restorable`}</Badge>),
    },
    {
      key: 'actions',
      header: <span className="visually-hidden">Actions</span>,
      cell: (s) =>
        s.DeletedDate === undefined ? (
          <span className="row-actions">
            <button type="button" disabled={acting.busy} onClick={() => void reveal(s)} aria-label={`Reveal the value of ${s.Name}`}>
              Reveal
            </button>
            <button type="button" disabled={acting.busy} onClick={() => setPanel({ kind: 'put', secret: s })} aria-label={`New version of ${s.Name}`}>
              New version
            </button>
            <button type="button" className="danger" disabled={acting.busy} onClick={() => setPanel({ kind: 'delete', secret: s })} aria-label={`Delete ${s.Name}`}>
              Delete
            </button>
          </span>
        ) : (
          <button type="button" disabled={acting.busy} onClick={() => void restore(s)} aria-label={`Restore ${s.Name}`}>
            Restore
          </button>
        ),
    },
  ];

  return (
    <>
      <div className="screen-head">
        <h1 tabIndex={-1}>Secrets</h1>
        <div className="actions">
          <button type="button" onClick={reload} disabled={loaded.state === 'loading'}>
            Refresh
          </button>
        </div>
      </div>
      <p className="hint">
        Secrets Manager on this installation, also served on the local endpoint and by <code>strongroom secretsmanager</code>. Values are encrypted under the key
        managed by Strongroom, <code>aws/secretsmanager</code>. Revealing a value is recorded in the audit log.
      </p>
      {notice === null ? null : (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      {acting.error === null ? null : <ErrorMessage error={acting.error} context="The action did not complete." />}
      {loaded.state === 'loading' ? (
        <Loading>Loading secrets…</Loading>
      ) : !loaded.result.ok ? (
        <ErrorMessage error={loaded.result.error} context="The secrets could not be listed." />
      ) : (
        <Table caption="Secrets" captionHidden columns={columns} rows={loaded.result.value.Secrets} rowKey={(s) => s.ARN} empty="No secrets yet." />
      )}
      {panel === null ? null : <SecretPanel panel={panel} onClose={() => setPanel(null)} onDone={done} />}
      <CreateSecret onCreated={(name) => done(`${name} is created.`)} />
    </>
  );
}

function SecretPanel(props: { readonly panel: Panel; readonly onClose: () => void; readonly onDone: (message: string) => void }): ReactElement {
  const { panel } = props;
  const acting = useAction();
  const [value, setValue] = useState('');
  const [days, setDays] = useState('30');
  const name = panel.secret.Name;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (panel.kind === 'put') {
      const r = await acting.run(() => call((b) => b.secretPutValue({ SecretId: panel.secret.ARN, SecretString: value })));
      if (r.ok) {
        props.onDone(`${name} has a new current version (${r.value.VersionId}); the previous one is AWSPREVIOUS.`);
      }
    } else if (panel.kind === 'delete') {
      const r = await acting.run(() => call((b) => b.secretDelete({ SecretId: panel.secret.ARN, RecoveryWindowInDays: Number(days) })));
      if (r.ok) {
        props.onDone(`${name} is scheduled for deletion on ${formatDateTime(r.value.DeletionDate)}. Restore it before then to keep it.`);
      }
    }
  };

  return (
    <section className="panel" aria-labelledby="secret-panel-title">
      <h2 id="secret-panel-title">{panel.kind === 'reveal' ? `Value of ${name}` : panel.kind === 'put' ? `New version of ${name}` : `Delete ${name}`}</h2>
      {panel.kind === 'reveal' ? (
        <>
          {panel.value.SecretString === undefined ? (
            <p>A binary value of {panel.value.BinaryBytes ?? 0} bytes (read it with the CLI or an SDK).</p>
          ) : (
            <pre className="secret-value" aria-label={`The value of ${name}`}>
              {panel.value.SecretString}
            </pre>
          )}
          <p className="muted">
            Version {panel.value.VersionId}, created {formatDateTime(panel.value.CreatedDate)}.
          </p>
          <button type="button" onClick={props.onClose}>
            Hide
          </button>
        </>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          {panel.kind === 'put' ? (
            <>
              <label htmlFor="secret-new-value">New value</label>
              <textarea id="secret-new-value" required maxLength={65_536} value={value} onChange={(e) => setValue(e.target.value)} />
            </>
          ) : (
            <>
              <label htmlFor="secret-recovery-days">Recovery window (days, 7–30)</label>
              <input id="secret-recovery-days" type="number" min={7} max={30} required value={days} onChange={(e) => setDays(e.target.value)} />
              <p className="hint">The secret can be restored until the window ends; then it and all its versions are destroyed.</p>
            </>
          )}
          {acting.error === null ? null : <ErrorMessage error={acting.error} context="Nothing was changed." />}
          <div className="actions">
            <button type="submit" className={panel.kind === 'delete' ? 'danger' : 'primary'} disabled={acting.busy}>
              {panel.kind === 'put' ? 'Save version' : 'Schedule deletion'}
            </button>
            <button type="button" onClick={props.onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function CreateSecret(props: { readonly onCreated: (name: string) => void }): ReactElement {
  const acting = useAction();
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [description, setDescription] = useState('');
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const r = await acting.run(() => call((b) => b.secretCreate({ Name: name, SecretString: value, ...(description === '' ? {} : { Description: description }) })));
    if (r.ok) {
      setName('');
      setValue('');
      setDescription('');
      props.onCreated(r.value.Name);
    }
  };
  return (
    <section aria-labelledby="create-secret-title">
      <h2 id="create-secret-title">New secret</h2>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="secret-name">Name</label>
        <input id="secret-name" required maxLength={512} value={name} placeholder="db/password" onChange={(e) => setName(e.target.value)} />
        <label htmlFor="secret-value">Value</label>
        <textarea id="secret-value" required maxLength={65_536} value={value} onChange={(e) => setValue(e.target.value)} />
        <label htmlFor="secret-description">Description (optional)</label>
        <input id="secret-description" maxLength={2048} value={description} onChange={(e) => setDescription(e.target.value)} />
        {acting.error === null ? null : <ErrorMessage error={acting.error} context="The secret was not created." />}
        <div className="actions">
          <button type="submit" className="primary" disabled={acting.busy}>
            Create secret
          </button>
        </div>
      </form>
    </section>
  );
}
