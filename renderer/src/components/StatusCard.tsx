// The installation: what it is, where its root key lives, whether it unlocks and, when it does
// not, what to do. Shown in Settings, and in place of the screens while the installation is not
// set up or locked. Everything comes from the bridge's status().

import type { ReactElement } from 'react';
import type { BridgeResult, InstallationStatus } from '../../../shared/api/bridge.ts';
import { Badge } from './Badge.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';
import { SetupForm, UnlockForm } from './SetupForm.tsx';

export type LoadedStatus = { readonly state: 'loading' } | { readonly state: 'done'; readonly result: BridgeResult<InstallationStatus> };

export const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  keychain: 'OS keychain',
  passphrase: 'Passphrase',
};

export function providerName(provider: string | null | undefined): string | undefined {
  if (provider === undefined || provider === null) {
    return undefined;
  }
  return PROVIDER_NAMES[provider] ?? provider;
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

/** The header badge's word for a status. */
export function statusWord(loaded: LoadedStatus): { readonly text: string; readonly tone: 'ok' | 'warn' | 'problem' | 'neutral' } {
  if (loaded.state === 'loading') {
    return { text: 'Checking…', tone: 'neutral' };
  }
  if (!loaded.result.ok) {
    return { text: 'Unavailable', tone: 'problem' };
  }
  const s = loaded.result.value;
  if (!s.initialized) {
    return s.problem !== undefined && s.problem.code !== 'NotInitialized' ? { text: 'Unavailable', tone: 'problem' } : { text: 'Not set up', tone: 'warn' };
  }
  return s.unlocked ? { text: 'Unlocked', tone: 'ok' } : { text: 'Locked', tone: 'warn' };
}

function LockedAdvice(props: { readonly status: InstallationStatus; readonly onUnlocked: () => void }): ReactElement {
  if (props.status.rootKeyProvider === 'passphrase') {
    return <UnlockForm onDone={props.onUnlocked} />;
  }
  return (
    <p>
      Fix what the message above says (for the OS keychain: unlock it, or sign in again), then press Refresh.{' '}
      <code>strongroom status</code> in a terminal gives the same diagnosis.
    </p>
  );
}

export function StatusCard(props: { readonly loaded: LoadedStatus; readonly onRefresh: () => void; readonly headingLevel?: 2 | 3 }): ReactElement {
  const { loaded } = props;
  const Heading = props.headingLevel === 3 ? 'h3' : 'h2';
  let body: ReactElement;
  if (loaded.state === 'loading') {
    body = (
      <p className="muted" role="status">
        Checking this installation…
      </p>
    );
  } else if (!loaded.result.ok) {
    body = <ErrorMessage error={loaded.result.error} context="The installation could not be checked." />;
  } else if (!loaded.result.value.initialized && loaded.result.value.problem !== undefined && loaded.result.value.problem.code !== 'NotInitialized') {
    body = (
      <>
        <p>
          <Badge tone="problem">Unavailable</Badge>
        </p>
        <p className="problem" role="alert">
          {loaded.result.value.problem.message}
        </p>
      </>
    );
  } else if (!loaded.result.value.initialized) {
    body = (
      <>
        <p>
          <Badge tone="warn">Not set up</Badge>
        </p>
        <SetupForm onDone={props.onRefresh} />
      </>
    );
  } else {
    const s = loaded.result.value;
    body = (
      <>
        <p>{s.unlocked ? <Badge tone="ok">Unlocked</Badge> : <Badge tone="warn">Locked</Badge>}</p>
        <dl>
          <Row label="Root key" value={providerName(s.rootKeyProvider)} />
          <Row label="Where it lives" value={s.rootKeyLocation} />
          <Row label="Account" value={s.accountId} mono />
          <Row label="Region" value={s.region} mono />
          <Row label="Installation" value={s.installationId} mono />
        </dl>
        {s.problem === undefined || (s.rootKeyProvider === 'passphrase' && s.problem.code === 'RootKeyUnavailable') ? null : (
          <p className="problem" role="alert">
            {s.problem.message}
          </p>
        )}
        {s.unlocked ? null : <LockedAdvice status={s} onUnlocked={props.onRefresh} />}
      </>
    );
  }
  return (
    <section className="card" aria-labelledby="status-title">
      <div className="card-head">
        <Heading id="status-title">Installation</Heading>
        <button type="button" onClick={props.onRefresh} disabled={loaded.state === 'loading'}>
          Refresh
        </button>
      </div>
      {body}
    </section>
  );
}
