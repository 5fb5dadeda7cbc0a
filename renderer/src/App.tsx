// The minimal window: what this installation is, where its root key lives and whether it
// unlocks. Everything comes from window.strongroom.status(); the renderer has no other access.

import { useCallback, useEffect, useState, type ReactElement } from 'react';
import type { BridgeResult, InstallationStatus } from '../../shared/api/bridge.ts';

type Loaded = { readonly state: 'loading' } | { readonly state: 'done'; readonly result: BridgeResult<InstallationStatus> };

const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  keychain: 'OS keychain',
  passphrase: 'Passphrase',
};

async function fetchStatus(): Promise<BridgeResult<InstallationStatus>> {
  const bridge = window.strongroom;
  if (bridge === undefined) {
    return {
      ok: false,
      error: { name: 'KMSInternalException', message: 'The Strongroom bridge is missing: this page must be opened by the Strongroom app.' },
    };
  }
  try {
    return await bridge.status();
  } catch (err) {
    return { ok: false, error: { name: 'KMSInternalException', message: err instanceof Error ? err.message : String(err) } };
  }
}

function Row(props: { readonly label: string; readonly value: string | undefined; readonly mono?: boolean }): ReactElement | null {
  if (props.value === undefined) {
    return null;
  }
  return (
    <div className="row">
      <dt>{props.label}</dt>
      <dd className={props.mono === true ? 'mono' : undefined}>{props.value}</dd>
    </div>
  );
}

export function StatusCard(props: { readonly loaded: Loaded; readonly onRefresh: () => void }): ReactElement {
  const { loaded } = props;
  let body: ReactElement;
  if (loaded.state === 'loading') {
    body = <p className="muted">Checking this installation…</p>;
  } else if (!loaded.result.ok) {
    body = (
      <p className="problem" role="alert">
        {loaded.result.error.name}: {loaded.result.error.message}
      </p>
    );
  } else if (!loaded.result.value.initialized && loaded.result.value.problem !== undefined && loaded.result.value.problem.code !== 'NotInitialized') {
    body = (
      <p className="problem" role="alert">
        {loaded.result.value.problem.message}
      </p>
    );
  } else if (!loaded.result.value.initialized) {
    body = (
      <>
        <p>
          <span className="badge warn">Not set up</span>
        </p>
        <p>
          Run <code>strongroom init</code> in a terminal to create this computer&apos;s installation, then press Refresh.
        </p>
      </>
    );
  } else {
    const s = loaded.result.value;
    body = (
      <>
        <p>
          {s.unlocked ? <span className="badge ok">Unlocked</span> : <span className="badge warn">Locked</span>}
        </p>
        <dl>
          <Row label="Root key" value={s.rootKeyProvider === undefined ? undefined : (PROVIDER_NAMES[s.rootKeyProvider] ?? s.rootKeyProvider)} />
          <Row label="Where it lives" value={s.rootKeyLocation} />
          <Row label="Account" value={s.accountId} mono />
          <Row label="Region" value={s.region} mono />
          <Row label="Installation" value={s.installationId} mono />
        </dl>
        {s.problem === undefined ? null : (
          <p className="problem" role="alert">
            {s.problem.message}
          </p>
        )}
      </>
    );
  }
  return (
    <section className="card" aria-labelledby="status-title">
      <div className="card-head">
        <h2 id="status-title">Installation</h2>
        <button type="button" onClick={props.onRefresh} disabled={loaded.state === 'loading'}>
          Refresh
        </button>
      </div>
      {body}
    </section>
  );
}

export function App(): ReactElement {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const refresh = useCallback(() => {
    setLoaded({ state: 'loading' });
    void fetchStatus().then((result) => {
      setLoaded({ state: 'done', result });
    });
  }, []);
  useEffect(() => {
    refresh();
  }, [refresh]);
  return (
    <main>
      <header>
        <h1>Strongroom</h1>
        <p className="muted">A key management service on this computer.</p>
      </header>
      <StatusCard loaded={loaded} onRefresh={refresh} />
      <p className="note">
        Key management screens are not in this version yet. Use the <code>strongroom</code> command to create and use keys.
      </p>
    </main>
  );
}
