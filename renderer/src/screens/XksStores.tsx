// External key stores on the Custody screen: what `strongroom xks` does, in the window. AWS KMS
// reaches a store through the XKS proxy API that `strongroom serve` (or Settings' endpoint)
// serves; a store is a URI prefix with its SigV4 credentials, and exposes only the keys added to
// it. A new secret access key is shown once, here, for CreateCustomKeyStore.

import { useId, useState, type FormEvent, type ReactElement } from 'react';
import type { XksKeyStoreShape } from '../../../shared/api/bridge.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/Notice.tsx';
import { Table } from '../components/Table.tsx';
import { xksProxyConfiguration } from '../../../shared/api/xks.ts';
import { call, useAction, useLoad } from '../lib/call.ts';
import { downloadText } from '../lib/download.ts';
import { formatDateTime } from '../lib/format.ts';

type NewSecret = { readonly title: string; readonly uriPath: string; readonly accessKeyId: string; readonly secret: string };

export function XksStores(): ReactElement {
  const { loaded, reload } = useLoad(() => call((b) => b.listXksKeyStores({})), 'xks-key-stores');
  const acting = useAction();
  const ids = useId();
  const [prefix, setPrefix] = useState('');
  const [exposeKey, setExposeKey] = useState('');
  const [exposeStore, setExposeStore] = useState('');
  const [secret, setSecret] = useState<NewSecret | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const stores: ReadonlyArray<XksKeyStoreShape> = loaded.state === 'done' && loaded.result.ok ? loaded.result.value.XksKeyStores : [];
  const after = (message: string | null): void => {
    setDone(message);
    reload();
  };

  const create = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setDone(null);
    const r = await acting.run(() => call((b) => b.createXksKeyStore({ UriPrefix: prefix.trim() })));
    if (r.ok) {
      setSecret({ title: `External key store ${r.value.UriPrefix}`, uriPath: r.value.XksProxyUriPath, accessKeyId: r.value.AccessKeyId, secret: r.value.SecretAccessKey });
      setPrefix('');
      after(null);
    }
  };

  const expose = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const store = exposeStore === '' ? undefined : exposeStore;
    const r = await acting.run(() => call((b) => b.addXksKey({ KeyId: exposeKey.trim(), ...(store === undefined ? {} : { UriPrefix: store }) })));
    if (r.ok) {
      setExposeKey('');
      after(`Key ${r.value.KeyId} is exposed: use it as the XksKeyId of CreateKey in AWS KMS.`);
    }
  };

  const rotate = async (s: XksKeyStoreShape): Promise<void> => {
    const r = await acting.run(() => call((b) => b.rotateXksCredentials({ UriPrefix: s.UriPrefix })));
    if (r.ok) {
      setSecret({ title: `New credential for ${s.UriPrefix}`, uriPath: s.XksProxyUriPath, accessKeyId: r.value.AccessKeyId, secret: r.value.SecretAccessKey });
      after('Both credentials work now. Give the new one to AWS KMS (UpdateCustomKeyStore), then retire the old one.');
    }
  };

  const retire = async (accessKeyId: string): Promise<void> => {
    const r = await acting.run(() => call((b) => b.retireXksCredential({ AccessKeyId: accessKeyId })));
    if (r.ok) {
      after(`Credential ${accessKeyId} is retired: requests signed with it are refused.`);
    }
  };

  const unexpose = async (s: XksKeyStoreShape, keyId: string): Promise<void> => {
    const r = await acting.run(() => call((b) => b.removeXksKey({ KeyId: keyId, UriPrefix: s.UriPrefix })));
    if (r.ok) {
      after(`Key ${keyId} is no longer exposed to ${s.UriPrefix}.`);
    }
  };

  return (
    <section className="card" aria-labelledby="xks-title">
      <div className="card-head">
        <h2 id="xks-title">External key stores (AWS KMS)</h2>
        <div className="actions">
          <button type="button" onClick={reload} disabled={loaded.state === 'loading'}>
            Refresh external key stores
          </button>
        </div>
      </div>
      <p className="hint">
        AWS KMS keeps the key’s metadata and policy; the key material stays here and every use is in this audit log. Serve the XKS proxy API with{' '}
        <code>strongroom serve --tls-cert … --tls-key …</code> (or behind a TLS tunnel), then give AWS KMS’s CreateCustomKeyStore the URI path and credential below.
      </p>
      <div role="status">{done === null ? null : <p className="notice">{done}</p>}</div>
      <ErrorMessage error={acting.error} context="The external key store was not changed." />
      {secret === null ? null : (
        <div className="notice" role="region" aria-label="New credential">
          <p>
            <strong>{secret.title}</strong>: the secret access key is shown only now.
          </p>
          <dl className="secret-once">
            <div className="row">
              <dt>XksProxyUriPath</dt>
              <dd className="mono">{secret.uriPath}</dd>
            </div>
            <div className="row">
              <dt>Access key id</dt>
              <dd className="mono">{secret.accessKeyId}</dd>
            </div>
            <div className="row">
              <dt>Secret access key</dt>
              <dd className="mono">{secret.secret}</dd>
            </div>
          </dl>
          <div className="actions">
            <button
              type="button"
              onClick={() => downloadText('xks-proxy-configuration.json', `${JSON.stringify(xksProxyConfiguration(secret.uriPath, secret.accessKeyId, secret.secret), null, 2)}\n`, 'application/json')}
            >
              Download the AWS KMS console configuration
            </button>
            <button type="button" onClick={() => setSecret(null)}>
              I have copied it
            </button>
          </div>
        </div>
      )}
      {loaded.state === 'loading' ? <Loading>Loading external key stores…</Loading> : null}
      {loaded.state === 'done' && !loaded.result.ok ? <ErrorMessage error={loaded.result.error} context="The external key stores could not be read." live={false} /> : null}
      {loaded.state === 'done' && loaded.result.ok ? (
        <Table<XksKeyStoreShape>
          caption="External key stores"
          captionHidden
          rows={stores}
          rowKey={(s) => s.UriPrefix}
          empty="No external key stores yet."
          columns={[
            { key: 'path', header: 'XksProxyUriPath', rowHeader: true, className: 'mono small', cell: (s) => s.XksProxyUriPath },
            {
              key: 'credentials',
              header: 'Credentials',
              className: 'mono small',
              cell: (s) => (
                <ul className="plain-list">
                  {s.AccessKeyIds.map((id) => (
                    <li key={id}>
                      {id}
                      {s.AccessKeyIds.length > 1 ? (
                        <button type="button" className="link-button" disabled={acting.busy} onClick={() => void retire(id)}>
                          Retire<span className="visually-hidden"> {id}</span>
                        </button>
                      ) : null}
                    </li>
                  ))}
                </ul>
              ),
            },
            {
              key: 'keys',
              header: 'Exposed keys',
              className: 'mono small',
              cell: (s) =>
                s.Keys.length === 0 ? (
                  '—'
                ) : (
                  <ul className="plain-list">
                    {s.Keys.map((k) => (
                      <li key={k.KeyId}>
                        {k.KeyId}
                        {k.AwsPrincipals === undefined ? null : <span className="muted"> (only {k.AwsPrincipals.join(', ')})</span>}
                        <button type="button" className="link-button" disabled={acting.busy} onClick={() => void unexpose(s, k.KeyId)}>
                          Stop exposing<span className="visually-hidden"> {k.KeyId}</span>
                        </button>
                      </li>
                    ))}
                  </ul>
                ),
            },
            { key: 'created', header: 'Created', cell: (s) => formatDateTime(s.CreationDate) },
            {
              key: 'actions',
              header: <span className="visually-hidden">Actions</span>,
              cell: (s) => (
                <button type="button" disabled={acting.busy || s.AccessKeyIds.length > 1} onClick={() => void rotate(s)}>
                  Rotate credentials<span className="visually-hidden"> of {s.UriPrefix}</span>
                </button>
              ),
            },
          ]}
        />
      ) : null}
      <form className="inline-form" onSubmit={(e) => void create(e)} aria-label="Create an external key store">
        <div className="field">
          <label htmlFor={`${ids}-prefix`}>URI prefix</label>
          <input id={`${ids}-prefix`} type="text" value={prefix} onChange={(e) => setPrefix(e.target.value)} placeholder="/keystores/team-a" required />
        </div>
        <button type="submit" className="primary" disabled={acting.busy}>
          Create external key store
        </button>
      </form>
      {stores.length === 0 ? null : (
        <form className="inline-form" onSubmit={(e) => void expose(e)} aria-label="Expose a key to AWS KMS">
          <div className="field">
            <label htmlFor={`${ids}-key`}>Key to expose</label>
            <input id={`${ids}-key`} type="text" value={exposeKey} onChange={(e) => setExposeKey(e.target.value)} placeholder="a SYMMETRIC_DEFAULT key id, ARN or alias" required />
          </div>
          {stores.length > 1 ? (
            <div className="field">
              <label htmlFor={`${ids}-store`}>Store</label>
              <select id={`${ids}-store`} value={exposeStore} onChange={(e) => setExposeStore(e.target.value)} required>
                <option value="">Choose…</option>
                {stores.map((s) => (
                  <option key={s.UriPrefix} value={s.UriPrefix}>
                    {s.UriPrefix}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          <button type="submit" disabled={acting.busy}>
            Expose key
          </button>
        </form>
      )}
    </section>
  );
}
