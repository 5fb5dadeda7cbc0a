// Settings: the installation (status card: the root key's source, place and state), the local
// AWS-compatible endpoint and its access keys (EndpointSettings.tsx), the data directory, and the
// theme.

import type { ReactElement } from 'react';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/Notice.tsx';
import { StatusCard, type LoadedStatus } from '../components/StatusCard.tsx';
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
      </div>

      {/* One Refresh: the installation card's, which reads the settings again too. */}
      <StatusCard
        loaded={props.status}
        onRefresh={() => {
          reload();
          props.onRefreshStatus();
        }}
      />

      {loaded.state === 'loading' ? <Loading>Loading settings…</Loading> : null}
      {loaded.state === 'done' && !loaded.result.ok ? <ErrorMessage error={loaded.result.error} context="The settings could not be read." /> : null}

      {settings === null ? null : (
        <>
          {/* The installation card above names the root key and where it lives; this says only what cannot be changed here. */}
          <p className="hint">
            The root key source is chosen when the installation is created (<code>strongroom init --root-key keychain|passphrase</code>, or Set up Strongroom in
            this window) and cannot be changed from the app. Back up the data directory <em>and</em> the root key: neither is any use without the other.
          </p>

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
