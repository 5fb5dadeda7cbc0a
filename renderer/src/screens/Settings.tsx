// Settings: the installation (status card), the root key's source and state, the local
// AWS-compatible endpoint and its access keys (EndpointSettings.tsx), the data directory, and the
// theme.

import type { ReactElement } from 'react';
import { Badge } from '../components/Badge.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/Notice.tsx';
import { providerName, StatusCard, type LoadedStatus } from '../components/StatusCard.tsx';
import { call, useLoad } from '../lib/call.ts';
import { THEMES, useTheme, type Theme } from '../lib/theme.ts';
import { EndpointSection } from './EndpointSettings.tsx';

const THEME_WORDS: Readonly<Record<Theme, string>> = {
  system: 'Match the system',
  light: 'Light',
  dark: 'Dark',
};

export function SettingsScreen(props: { readonly status: LoadedStatus; readonly onRefreshStatus: () => void }): ReactElement {
  const { loaded, reload } = useLoad(() => call((b) => b.getSettings({})), 'settings');
  const [theme, setTheme] = useTheme();
  const settings = loaded.state === 'done' && loaded.result.ok ? loaded.result.value : null;
  return (
    <>
      <div className="screen-head">
        <h1 tabIndex={-1}>Settings</h1>
        <div className="actions">
          <button
            type="button"
            onClick={() => {
              reload();
              props.onRefreshStatus();
            }}
            disabled={loaded.state === 'loading'}
          >
            Refresh settings
          </button>
        </div>
      </div>

      <StatusCard loaded={props.status} onRefresh={props.onRefreshStatus} />

      {loaded.state === 'loading' ? <Loading>Loading settings…</Loading> : null}
      {loaded.state === 'done' && !loaded.result.ok ? <ErrorMessage error={loaded.result.error} context="The settings could not be read." /> : null}

      {settings === null ? null : (
        <>
          <section className="card" aria-labelledby="rootkey-title">
            <h2 id="rootkey-title">Root key</h2>
            <dl>
              <div className="row">
                <dt>Source</dt>
                <dd>{providerName(settings.rootKeyProvider) ?? 'None (not set up)'}</dd>
              </div>
              <div className="row">
                <dt>Where it lives</dt>
                <dd>{settings.rootKeyLocation ?? '—'}</dd>
              </div>
              <div className="row">
                <dt>State</dt>
                <dd>{settings.unlocked ? <Badge tone="ok">Unlocked</Badge> : <Badge tone="warn">Locked</Badge>}</dd>
              </div>
            </dl>
            <p className="hint">
              The root key source is chosen when the installation is created (<code>strongroom init --root-key keychain|passphrase</code>) and cannot be changed from
              the app. Back up the data directory <em>and</em> the root key: neither is any use without the other.
            </p>
          </section>

          <EndpointSection endpoint={settings.endpoint} />

          <section className="card" aria-labelledby="data-title">
            <h2 id="data-title">Data directory</h2>
            <p className="mono path">{settings.dataDirectory}</p>
            <p className="hint">
              Set with <code>--data-dir</code> or <code>STRONGROOM_DATA_DIR</code> when the app or the CLI starts; the app and the CLI share it. This window is running
              as {settings.surface === 'electron' ? 'the desktop app' : 'a browser page'}.
            </p>
          </section>
        </>
      )}

      <section className="card" aria-labelledby="appearance-title">
        <h2 id="appearance-title">Appearance</h2>
        <fieldset>
          <legend>Theme</legend>
          <ul className="plain-list">
            {THEMES.map((t) => (
              <li key={t}>
                <label className="check">
                  <input
                    type="radio"
                    name="theme"
                    value={t}
                    checked={theme === t}
                    onChange={() => {
                      setTheme(t);
                    }}
                  />
                  <span>{THEME_WORDS[t]}</span>
                </label>
              </li>
            ))}
          </ul>
          <p className="hint">Kept on this computer for this window.</p>
        </fieldset>
      </section>
    </>
  );
}
