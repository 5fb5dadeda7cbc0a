// Custody: who and what holds the keys besides this installation. Custom key stores (PKCS#11
// tokens: list, create, connect, disconnect, delete), custodians and the keys whose quorum rules
// name them (read-only: custodians are registered and approvals signed with the CLI, offline),
// and M-of-N backups (CLI only: shares go to the custodians' own media). D27 says why the window
// does what it does here and no more.

import { useState, type FormEvent, type ReactElement } from 'react';
import type { CustodianShape } from '../../../shared/api/bridge.ts';
import type { OperationOutput } from '../../../shared/api/operations.ts';
import { Badge } from '../components/Badge.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorMessage, Problems } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/Notice.tsx';
import { Table } from '../components/Table.tsx';
import { call, listAll, useAction, useLoad } from '../lib/call.ts';
import { connectionErrorWords, storeFormProblems, storeStateWords } from '../lib/custody.ts';
import { formatDateTime } from '../lib/format.ts';
import { hrefTo } from '../lib/router.ts';
import { XksStores } from './XksStores.tsx';

type Store = OperationOutput<'DescribeCustomKeyStores'>['CustomKeyStores'][number];
type StoreAction = { readonly kind: 'connect' | 'disconnect' | 'delete'; readonly store: Store };

const ACTION_WORDS = {
  connect: { title: 'Connect', verb: 'Connect the store', failed: 'The store was not connected.' },
  disconnect: { title: 'Disconnect', verb: 'Disconnect the store', failed: 'The store was not disconnected.' },
  delete: { title: 'Delete', verb: 'Delete the store', failed: 'The store was not deleted.' },
} as const;

function keyIdOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

export function CustodyScreen(): ReactElement {
  return (
    <>
      <div className="screen-head">
        <h1 tabIndex={-1}>Custody</h1>
      </div>
      <p className="hint">
        Keys held by hardware tokens, the custodians whose approvals guard marked keys, and backups split among them. Approvals and backups are made with the{' '}
        <code>strongroom</code> CLI: they involve other people’s keys and media, which never come to this window.
      </p>
      <KeyStores />
      <XksStores />
      <Custodians />
      <Backups />
    </>
  );
}

function KeyStores(): ReactElement {
  const { loaded, reload } = useLoad(
    () => listAll((b, marker) => b.describeCustomKeyStores(marker === undefined ? {} : { Marker: marker }), (page) => page.CustomKeyStores),
    'custom-key-stores',
  );
  const acting = useAction();
  const [pending, setPending] = useState<StoreAction | null>(null);
  const [creating, setCreating] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [failedContext, setFailedContext] = useState<string>('');

  const confirm = async (): Promise<void> => {
    if (pending === null) {
      return;
    }
    const { kind, store } = pending;
    const id = store.CustomKeyStoreId ?? '';
    const name = store.CustomKeyStoreName ?? id;
    setFailedContext(ACTION_WORDS[kind].failed);
    setDone(null);
    const r = await acting.run(() =>
      call((b) =>
        kind === 'connect'
          ? b.connectCustomKeyStore({ CustomKeyStoreId: id })
          : kind === 'disconnect'
            ? b.disconnectCustomKeyStore({ CustomKeyStoreId: id })
            : b.deleteCustomKeyStore({ CustomKeyStoreId: id }),
      ),
    );
    setPending(null);
    if (r.ok) {
      setDone(kind === 'connect' ? `Asked ${name} to connect: its state below says whether the token accepted.` : kind === 'disconnect' ? `${name} is disconnected: its keys are unavailable until it connects again.` : `${name} was deleted (the token and its objects are left as they are).`);
    }
    reload();
  };

  const stores = loaded.state === 'done' && loaded.result.ok ? loaded.result.value : [];
  return (
    <section className="card" aria-labelledby="stores-title">
      <div className="card-head">
        <h2 id="stores-title">Custom key stores</h2>
        <div className="actions">
          <button type="button" onClick={reload} disabled={loaded.state === 'loading'}>
            Refresh stores
          </button>
          <button
            type="button"
            className="primary"
            onClick={() => {
              setCreating(true);
            }}
          >
            Add a PKCS#11 store
          </button>
        </div>
      </div>
      <p className="hint">
        A PKCS#11 token (a smart card, an HSM, SoftHSM) generates and keeps the keys created in it: they never leave it, and while the store is disconnected they are
        unavailable. Create such a key from <a href={hrefTo('keys', 'new')}>Create key</a> once the store is connected.
      </p>
      <div role="status">{done === null ? null : <p className="notice">{done}</p>}</div>
      <ErrorMessage error={acting.error} context={failedContext} />
      {loaded.state === 'loading' ? <Loading>Loading custom key stores…</Loading> : null}
      {loaded.state === 'done' && !loaded.result.ok ? <ErrorMessage error={loaded.result.error} context="The custom key stores could not be read." live={false} /> : null}
      {loaded.state === 'done' && loaded.result.ok ? (
        <Table<Store>
          caption="Custom key stores"
          captionHidden
          rows={stores}
          rowKey={(s) => s.CustomKeyStoreId ?? ''}
          empty="No custom key stores yet."
          columns={[
            { key: 'name', header: 'Name', rowHeader: true, cell: (s) => s.CustomKeyStoreName ?? '—' },
            { key: 'id', header: 'ID', className: 'mono small', cell: (s) => s.CustomKeyStoreId ?? '—' },
            { key: 'type', header: 'Type', className: 'mono small', cell: (s) => s.CustomKeyStoreType ?? '—' },
            { key: 'label', header: 'Token label', className: 'mono small', cell: (s) => s.XStrongroomPkcs11TokenLabel ?? '—' },
            {
              key: 'state',
              header: 'Connection',
              cell: (s) => {
                const w = storeStateWords(s.ConnectionState);
                const problem = connectionErrorWords(s.ConnectionErrorCode);
                return (
                  <>
                    <Badge tone={w.tone}>{w.text}</Badge>
                    {problem === null ? null : (
                      <span className="small block">
                        {problem} <code className="error-code">{s.ConnectionErrorCode}</code>
                      </span>
                    )}
                  </>
                );
              },
            },
            { key: 'created', header: 'Created', cell: (s) => formatDateTime(s.CreationDate) },
            {
              key: 'actions',
              header: <span className="visually-hidden">Actions</span>,
              cell: (s) => {
                const name = s.CustomKeyStoreName ?? s.CustomKeyStoreId ?? '';
                const connected = s.ConnectionState === 'CONNECTED';
                const disconnected = s.ConnectionState === 'DISCONNECTED';
                return (
                  <div className="actions">
                    {disconnected ? (
                      <button
                        type="button"
                        disabled={acting.busy}
                        onClick={() => {
                          setPending({ kind: 'connect', store: s });
                        }}
                      >
                        Connect<span className="visually-hidden"> {name}</span>
                      </button>
                    ) : (
                      <button
                        type="button"
                        disabled={acting.busy}
                        onClick={() => {
                          setPending({ kind: 'disconnect', store: s });
                        }}
                      >
                        Disconnect<span className="visually-hidden"> {name}</span>
                      </button>
                    )}
                    {connected ? null : (
                      <button
                        type="button"
                        className="danger"
                        disabled={acting.busy}
                        onClick={() => {
                          setPending({ kind: 'delete', store: s });
                        }}
                      >
                        Delete<span className="visually-hidden"> {name}</span>
                      </button>
                    )}
                  </div>
                );
              },
            },
          ]}
        />
      ) : null}
      <Dialog
        open={pending !== null}
        title={pending === null ? '' : `${ACTION_WORDS[pending.kind].title} ${pending.store.CustomKeyStoreName ?? ''}?`}
        onClose={() => {
          setPending(null);
        }}
        description={
          pending === null
            ? undefined
            : pending.kind === 'connect'
              ? 'Strongroom logs in to the token with the PIN it keeps (wrapped under the root key). Its keys become usable.'
              : pending.kind === 'disconnect'
                ? 'Every key in this store becomes unavailable — encrypt and decrypt are refused — until the store is connected again. Other Strongroom processes stop at their next call.'
                : 'The store must hold no KMS keys (schedule their deletion and wait it out first). The token and the objects on it are left as they are. This cannot be undone.'
        }
      >
        <div className="actions">
          <button type="button" className={pending?.kind === 'delete' ? 'danger' : 'primary'} disabled={acting.busy} onClick={() => void confirm()}>
            {pending === null ? '' : ACTION_WORDS[pending.kind].verb}
          </button>
          <button
            type="button"
            data-autofocus
            onClick={() => {
              setPending(null);
            }}
          >
            Cancel
          </button>
        </div>
      </Dialog>
      <CreateStoreDialog
        open={creating}
        onClose={() => {
          setCreating(false);
        }}
        onCreated={(name, id) => {
          setCreating(false);
          setDone(`${name} was created (${id}) and is disconnected: connect it to use it.`);
          reload();
        }}
      />
    </section>
  );
}

function CreateStoreDialog(props: { readonly open: boolean; readonly onClose: () => void; readonly onCreated: (name: string, id: string) => void }): ReactElement {
  return (
    <Dialog open={props.open} title="Add a PKCS#11 custom key store" onClose={props.onClose} description="The token must already be initialised with a user PIN (its own tools do that).">
      {props.open ? <CreateStoreForm onCreated={props.onCreated} onCancel={props.onClose} /> : null}
    </Dialog>
  );
}

/** Its own component so the PIN lives only while the dialog is open, and is cleared once sent. */
function CreateStoreForm(props: { readonly onCreated: (name: string, id: string) => void; readonly onCancel: () => void }): ReactElement {
  const [name, setName] = useState('');
  const [modulePath, setModulePath] = useState('');
  const [tokenLabel, setTokenLabel] = useState('');
  const [pin, setPin] = useState('');
  const [problems, setProblems] = useState<ReadonlyArray<string>>([]);
  const action = useAction();

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const p = storeFormProblems({ name, modulePath, tokenLabel, pin });
    setProblems(p);
    if (p.length > 0) {
      return;
    }
    const sent = pin;
    // The PIN crosses the bridge once, in this call's input (a sensitive member: never echoed,
    // never audited); the form forgets it whatever the answer.
    setPin('');
    const r = await action.run(() =>
      call((b) =>
        b.createCustomKeyStore({
          CustomKeyStoreName: name.trim(),
          CustomKeyStoreType: 'PKCS11',
          XStrongroomPkcs11ModulePath: modulePath.trim(),
          XStrongroomPkcs11TokenLabel: tokenLabel,
          KeyStorePassword: sent,
        }),
      ),
    );
    if (r.ok) {
      props.onCreated(name.trim(), r.value.CustomKeyStoreId ?? '');
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-label="New custom key store">
      <div className="field">
        <label htmlFor="store-name">Store name</label>
        <input id="store-name" type="text" data-autofocus value={name} autoComplete="off" onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="store-module">PKCS#11 module path</label>
        <input
          id="store-module"
          type="text"
          className="mono"
          value={modulePath}
          spellCheck={false}
          autoComplete="off"
          aria-describedby="store-module-hint"
          onChange={(e) => setModulePath(e.target.value)}
        />
        <p id="store-module-hint" className="hint">
          The token vendor’s library on this computer, for instance <code>/usr/lib/softhsm/libsofthsm2.so</code>.
        </p>
      </div>
      <div className="field">
        <label htmlFor="store-label">Token label</label>
        <input id="store-label" type="text" value={tokenLabel} spellCheck={false} autoComplete="off" onChange={(e) => setTokenLabel(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="store-pin">User PIN</label>
        <input id="store-pin" type="password" value={pin} autoComplete="off" aria-describedby="store-pin-hint" onChange={(e) => setPin(e.target.value)} />
        <p id="store-pin-hint" className="hint">
          Kept wrapped under the root key so Strongroom can log in when the store connects; never shown again.
        </p>
      </div>
      <Problems problems={problems} />
      <ErrorMessage error={action.error} context="The store was not created." />
      <div className="actions">
        <button type="submit" className="primary" disabled={action.busy}>
          {action.busy ? 'Creating…' : 'Create the store'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Custodians(): ReactElement {
  const { loaded, reload } = useLoad(() => call((b) => b.listCustodians({})), 'custodians');
  return (
    <section className="card" aria-labelledby="custodians-title">
      <div className="card-head">
        <h2 id="custodians-title">Custodians</h2>
        <div className="actions">
          <button type="button" onClick={reload} disabled={loaded.state === 'loading'}>
            Refresh custodians
          </button>
        </div>
      </div>
      <p className="hint">
        A custodian is a person with an Ed25519 key pair. A key with a quorum rule needs M of its custodians to sign each schedule-deletion, disable, policy change or
        export — signatures made offline with the CLI, so this list is read-only. Register one with <code>strongroom custodian add --name alice --public-key alice.pub.pem</code>{' '}
        and mark a key with <code>strongroom quorum set --key-id … --threshold 2 --custodians alice,bob</code>.
      </p>
      {loaded.state === 'loading' ? <Loading>Loading custodians…</Loading> : null}
      {loaded.state === 'done' && !loaded.result.ok ? <ErrorMessage error={loaded.result.error} context="The custodians could not be read." live={false} /> : null}
      {loaded.state === 'done' && loaded.result.ok ? (
        <Table<CustodianShape>
          caption="Custodians"
          captionHidden
          rows={loaded.result.value.Custodians}
          rowKey={(c) => c.Name}
          empty="No custodians are registered."
          columns={[
            { key: 'name', header: 'Name', rowHeader: true, cell: (c) => c.Name },
            { key: 'fingerprint', header: 'Key fingerprint', className: 'mono small', cell: (c) => c.Fingerprint },
            {
              key: 'keys',
              header: 'Keys whose rules name them',
              cell: (c) =>
                c.KeyArns.length === 0 ? (
                  <span className="muted">none</span>
                ) : (
                  <ul className="plain-list">
                    {c.KeyArns.map((arn) => (
                      <li key={arn}>
                        <a className="mono small" href={hrefTo('keys', keyIdOfArn(arn))}>
                          {keyIdOfArn(arn)}
                        </a>
                      </li>
                    ))}
                  </ul>
                ),
            },
            { key: 'created', header: 'Registered', cell: (c) => formatDateTime(c.CreationDate) },
          ]}
        />
      ) : null}
    </section>
  );
}

function Backups(): ReactElement {
  return (
    <section className="card" aria-labelledby="backups-title">
      <h2 id="backups-title">Backups (M of N)</h2>
      <p>
        A backup holds the whole installation — every key, policy and audit record — encrypted under a fresh key that is split into N shares, any M of which recover it.
        Fewer than M reveal nothing. Give each share to a different custodian, on their own media.
      </p>
      <p>
        This window does not make backups: the shares must go straight to the custodians’ media (paper words, QR codes, or files sealed to their public keys), and a
        window that showed or saved all N shares on one screen would put them in one place — the thing the split exists to avoid. Use the CLI:
      </p>
      <pre className="commands" tabIndex={0} aria-label="Backup commands">
        <code>
          {[
            '# 5 shares, any 3 restore; share 1 sealed to alice’s public key, the others as words',
            'strongroom backup create --shares 5 --threshold 3 --out strongroom.backup \\',
            '  --share-dir shares --encrypt-share-to 1=alice.pub.pem',
            '# a custodian reveals a sealed share with their own key: backup decrypt-share --in <share> --key alice.key',
            '# check any 3 shares against the backup without restoring',
            'strongroom backup verify --in strongroom.backup --share <share> <share> <share>',
            '# restore into a new, empty data directory',
            'strongroom backup restore --in strongroom.backup --share <share> <share> <share> \\',
            '  --root-key keychain --data-dir <new folder>',
          ].join('\n')}
        </code>
      </pre>
    </section>
  );
}
