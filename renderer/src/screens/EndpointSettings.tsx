// The AWS-compatible endpoint, from Settings: started on a loopback port in the process that holds
// the engine (it stops when the app does), and the access keys AWS clients sign with. A new
// key's secret is shown once, with the lines that point the AWS CLI or an SDK at the endpoint.

import { useId, useState, type FormEvent, type ReactElement } from 'react';
import type { AppOutputs, AppSettings } from '../../../shared/api/bridge.ts';
import { Badge } from '../components/Badge.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/Notice.tsx';
import { Table } from '../components/Table.tsx';
import { call, useAction, useLoad } from '../lib/call.ts';
import { endpointSetup, type EndpointSetup } from '../lib/endpoint-setup.ts';
import { formatDateTime } from '../lib/format.ts';

const DEFAULT_ENDPOINT_PORT = '8567';
/** The region clients sign for (the endpoint accepts any) and the profile name the lines use. */
const SIGNING_REGION = 'us-east-1';
const PROFILE = 'strongroom';

function Commands(props: { readonly label: string; readonly text: string }): ReactElement {
  return (
    <pre className="commands" tabIndex={0} aria-label={props.label}>
      <code>{props.text}</code>
    </pre>
  );
}

/**
 * How to point clients at the endpoint, in forms every version reads (the endpoint on each call)
 * and the profile form current versions read; lib/endpoint-setup.ts says which reads what.
 */
function SetupLines(props: { readonly setup: EndpointSetup }): ReactElement {
  const { setup } = props;
  return (
    <>
      <p>In a terminal, for the AWS CLI (any version):</p>
      <Commands label="AWS CLI" text={setup.shell} />
      <p>In Python, for boto3 (any version):</p>
      <Commands label="boto3" text={setup.python} />
      <details>
        <summary>Or as a named profile in ~/.aws</summary>
        <p>
          Add to <code>~/.aws/config</code>:
        </p>
        <Commands label="Lines for ~/.aws/config" text={setup.config} />
        <p>
          and to <code>~/.aws/credentials</code>:
        </p>
        <Commands label="Lines for ~/.aws/credentials" text={setup.credentials} />
        <p>
          AWS CLI 2.13 and boto3 1.28 or later read <code>endpoint_url</code> from the profile: <code>{setup.profileCommand}</code>. Older versions (Debian 12
          has AWS CLI 2.9 and boto3 1.26) ignore it and would call AWS itself, so give them the endpoint: <code>{setup.profileCommandOlder}</code>, or{' '}
          <code>endpoint_url=</code> in <code>boto3.Session(profile_name=&apos;{PROFILE}&apos;).client(&apos;kms&apos;, …)</code>.
        </p>
      </details>
    </>
  );
}

type Credentials = AppOutputs['CreateEndpointCredentials'];
type AccessKeyRow = AppOutputs['ListEndpointCredentials']['AccessKeys'][number];

function portProblem(text: string): string | null {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    return 'A port is a whole number from 0 to 65535 (0 picks any free port).';
  }
  return null;
}

export function EndpointSection(props: { readonly endpoint: AppSettings['endpoint'] }): ReactElement {
  const ids = useId();
  const [port, setPort] = useState(props.endpoint.url === null ? DEFAULT_ENDPOINT_PORT : new URL(props.endpoint.url).port);
  const [endpoint, setEndpoint] = useState(props.endpoint);
  const toggling = useAction();
  const problem = portProblem(port);

  const start = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (problem !== null) {
      return;
    }
    const r = await toggling.run(() => call((b) => b.setEndpoint({ Enabled: true, Port: Number(port) })));
    if (r.ok) {
      setEndpoint(r.value);
    }
  };
  const stop = async (): Promise<void> => {
    const r = await toggling.run(() => call((b) => b.setEndpoint({ Enabled: false })));
    if (r.ok) {
      setEndpoint(r.value);
    }
  };

  return (
    <section className="card" aria-labelledby="endpoint-title">
      <h2 id="endpoint-title">Local endpoint</h2>
      <p>
        The AWS KMS API on this computer, for the AWS CLI, the AWS SDKs and boto3. It listens on 127.0.0.1 only, signs nothing itself and accepts requests signed
        with an access key below. It runs while the app is open; <code>strongroom serve</code> runs the same endpoint without the app.
      </p>
      <div role="status">
        <dl>
          <div className="row">
            <dt>State</dt>
            <dd>{endpoint.running ? <Badge tone="ok">Running</Badge> : <Badge>Not running</Badge>}</dd>
          </div>
          {endpoint.url === null ? null : (
            <div className="row">
              <dt>Address</dt>
              <dd className="mono">{endpoint.url}</dd>
            </div>
          )}
        </dl>
      </div>
      <form className="inline-form" onSubmit={(e) => void start(e)} aria-label="Start the endpoint">
        <div className="field">
          <label htmlFor={`${ids}-port`}>Port</label>
          <input
            id={`${ids}-port`}
            type="text"
            inputMode="numeric"
            value={port}
            autoComplete="off"
            aria-invalid={problem !== null}
            aria-describedby={problem === null ? undefined : `${ids}-port-problem`}
            onChange={(e) => {
              setPort(e.target.value.trim());
            }}
          />
          {problem === null ? null : (
            <p id={`${ids}-port-problem`} className="problem small">
              {problem}
            </p>
          )}
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={toggling.busy || problem !== null}>
            {endpoint.running ? 'Restart on this port' : 'Start the endpoint'}
          </button>
          {endpoint.running ? (
            <button type="button" disabled={toggling.busy} onClick={() => void stop()}>
              Stop the endpoint
            </button>
          ) : null}
        </div>
      </form>
      <ErrorMessage error={toggling.error} context="The endpoint did not change." />
      <AccessKeys url={endpoint.url} />
    </section>
  );
}

function AccessKeys(props: { readonly url: string | null }): ReactElement {
  const { loaded, reload } = useLoad(() => call((b) => b.listEndpointCredentials({})), 'endpoint-credentials');
  const creating = useAction();
  const deleting = useAction();
  const [created, setCreated] = useState<Credentials | null>(null);
  const [doomed, setDoomed] = useState<string | null>(null);
  const remove = async (): Promise<void> => {
    if (doomed === null) {
      return;
    }
    const r = await deleting.run(() => call((b) => b.deleteEndpointCredentials({ AccessKeyId: doomed })));
    setDoomed(null);
    if (r.ok) {
      reload();
    }
  };
  const url = props.url ?? `http://127.0.0.1:${DEFAULT_ENDPOINT_PORT}`;
  const keys = loaded.state === 'done' && loaded.result.ok ? loaded.result.value.AccessKeys : [];

  return (
    <>
      <h3>Access keys</h3>
      <p className="hint">
        A key made here signs requests as the installation owner (root); keys made with <code>strongroom create-access-key --principal</code> sign as the user or
        role the table names. Delete a key to stop every client that uses it.
      </p>
      <div className="actions">
        <button
          type="button"
          disabled={creating.busy}
          onClick={() => {
            void creating.run(() => call((b) => b.createEndpointCredentials({}))).then((r) => {
              if (r.ok) {
                setCreated(r.value);
                reload();
              }
            });
          }}
        >
          Create an access key
        </button>
      </div>
      <ErrorMessage error={creating.error} context="No access key was created." />
      <div role="status">
        {created === null ? null : (
          <div className="notice secret-once">
            <p>
              <strong>Copy the secret now:</strong> it is not shown again (the installation keeps it wrapped under the root key).
            </p>
            <dl>
              <div className="row">
                <dt>Access key ID</dt>
                <dd className="mono">{created.AccessKeyId}</dd>
              </div>
              <div className="row">
                <dt>Secret access key</dt>
                <dd className="mono">{created.SecretAccessKey}</dd>
              </div>
            </dl>
            <SetupLines setup={endpointSetup({ url, accessKeyId: created.AccessKeyId, secretAccessKey: created.SecretAccessKey, region: SIGNING_REGION, profile: PROFILE })} />
            <button
              type="button"
              onClick={() => {
                setCreated(null);
              }}
            >
              I have copied it
            </button>
          </div>
        )}
      </div>
      {loaded.state === 'loading' ? <Loading>Loading access keys…</Loading> : null}
      {loaded.state === 'done' && !loaded.result.ok ? <ErrorMessage error={loaded.result.error} context="The access keys could not be read." live={false} /> : null}
      <ErrorMessage error={deleting.error} context="The access key was not deleted." />
      {loaded.state === 'done' && loaded.result.ok ? (
        <Table<AccessKeyRow>
          caption="Access keys"
          captionHidden
          rows={keys}
          rowKey={(k) => k.AccessKeyId}
          empty="No access keys: create one to use the endpoint."
          columns={[
            { key: 'id', header: 'Access key ID', cell: (k) => k.AccessKeyId, rowHeader: true, className: 'mono small' },
            { key: 'principal', header: 'Signs as', cell: (k) => k.PrincipalArn, className: 'mono small' },
            { key: 'created', header: 'Created', cell: (k) => formatDateTime(k.CreateDate) },
            {
              key: 'delete',
              header: <span className="visually-hidden">Actions</span>,
              cell: (k) => (
                <button
                  type="button"
                  className="danger"
                  disabled={deleting.busy}
                  onClick={() => {
                    setDoomed(k.AccessKeyId);
                  }}
                >
                  Delete<span className="visually-hidden"> {k.AccessKeyId}</span>
                </button>
              ),
            },
          ]}
        />
      ) : null}
      <Dialog
        open={doomed !== null}
        title="Delete this access key?"
        onClose={() => {
          setDoomed(null);
        }}
        description={`Clients that sign with ${doomed ?? ''} stop working at once. This cannot be undone.`}
      >
        <div className="actions">
          <button type="button" className="danger" disabled={deleting.busy} onClick={() => void remove()}>
            Delete the key
          </button>
          <button
            type="button"
            data-autofocus
            onClick={() => {
              setDoomed(null);
            }}
          >
            Cancel
          </button>
        </div>
      </Dialog>
    </>
  );
}
