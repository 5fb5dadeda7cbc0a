// The shell: a skip link, a header with the installation's state, the main navigation (Overview,
// Keys, Files, Secrets, Policies, Audit, Custody, Settings) and the current screen in <main>. Screens are chosen by the
// URL's hash. Until the installation is set up and unlocked, every screen but Settings shows
// the installation card with what to do. Moving to another screen puts focus on its heading
// (so a screen reader announces it) and names the window after it.

import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { Badge } from './components/Badge.tsx';
import { StatusCard, statusWord, type LoadedStatus } from './components/StatusCard.tsx';
import { AppContext, isReady, type AppState } from './lib/app.ts';
import { call } from './lib/call.ts';
import { hrefTo, sectionOf, useRoute, type Route, type Section } from './lib/router.ts';
import { AuditScreen } from './screens/Audit.tsx';
import { CustodyScreen } from './screens/Custody.tsx';
import { CreateKeyScreen } from './screens/CreateKey.tsx';
import { FilesScreen } from './screens/Files.tsx';
import { KeyDetailScreen } from './screens/KeyDetail.tsx';
import { KeysScreen } from './screens/Keys.tsx';
import { OverviewScreen } from './screens/Overview.tsx';
import { PoliciesScreen } from './screens/Policies.tsx';
import { SecretsScreen } from './screens/Secrets.tsx';
import { SettingsScreen } from './screens/Settings.tsx';

export { StatusCard } from './components/StatusCard.tsx';

const NAV: ReadonlyArray<{ readonly section: Section; readonly label: string; readonly href: string }> = [
  { section: 'overview', label: 'Overview', href: hrefTo('overview') },
  { section: 'keys', label: 'Keys', href: hrefTo('keys') },
  { section: 'files', label: 'Files', href: hrefTo('files') },
  { section: 'secrets', label: 'Secrets', href: hrefTo('secrets') },
  { section: 'policies', label: 'Policies', href: hrefTo('policies') },
  { section: 'audit', label: 'Audit', href: hrefTo('audit') },
  { section: 'custody', label: 'Custody', href: hrefTo('custody') },
  { section: 'settings', label: 'Settings', href: hrefTo('settings') },
];

export function screenTitle(route: Route): string {
  switch (route.screen) {
    case 'overview':
      return 'Overview';
    case 'keys':
      return 'Keys';
    case 'create-key':
      return 'Create key';
    case 'key':
      return `Key ${route.keyId}`;
    case 'files':
      return 'Files';
    case 'policies':
      return 'Policies';
    case 'audit':
      return 'Audit';
    case 'custody':
      return 'Custody';
    case 'secrets':
      return 'Secrets';
    case 'settings':
      return 'Settings';
    case 'not-found':
      return 'Page not found';
  }
}

function NotReady(props: { readonly status: LoadedStatus; readonly onRefresh: () => void }): ReactElement {
  const word = statusWord(props.status);
  const title = props.status.state === 'loading' ? 'Checking this installation' : word.text === 'Locked' ? 'Strongroom is locked' : word.text === 'Not set up' ? 'Set up Strongroom' : 'Strongroom is unavailable';
  return (
    <>
      <h1 tabIndex={-1}>{title}</h1>
      {props.status.state === 'loading' ? null : (
        <p>Keys, files, policies and the audit log need an installation whose root key is unlocked. Here is what this one needs:</p>
      )}
      <StatusCard loaded={props.status} onRefresh={props.onRefresh} />
    </>
  );
}

function NotFound(props: { readonly path: string }): ReactElement {
  return (
    <>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        There is no screen at <code>{props.path}</code>. <a href={hrefTo('keys')}>Go to Keys</a>.
      </p>
    </>
  );
}

function Screen(props: { readonly route: Route; readonly status: LoadedStatus; readonly onRefreshStatus: () => void }): ReactElement {
  const { route } = props;
  if (route.screen === 'settings') {
    return <SettingsScreen status={props.status} onRefreshStatus={props.onRefreshStatus} />;
  }
  if (route.screen === 'not-found') {
    return <NotFound path={route.path} />;
  }
  const ready = props.status.state === 'done' && props.status.result.ok && isReady(props.status.result.value);
  if (!ready) {
    return <NotReady status={props.status} onRefresh={props.onRefreshStatus} />;
  }
  switch (route.screen) {
    case 'overview':
      return <OverviewScreen />;
    case 'keys':
      return <KeysScreen />;
    case 'create-key':
      return <CreateKeyScreen />;
    case 'key':
      return <KeyDetailScreen key={route.keyId} keyId={route.keyId} />;
    case 'files':
      return <FilesScreen />;
    case 'policies':
      return <PoliciesScreen keyId={route.keyId} />;
    case 'audit':
      return <AuditScreen query={route.query} />;
    case 'custody':
      return <CustodyScreen />;
    case 'secrets':
      return <SecretsScreen />;
  }
}

export function App(): ReactElement {
  const [status, setStatus] = useState<LoadedStatus>({ state: 'loading' });
  const route = useRoute();
  const mainRef = useRef<HTMLElement>(null);
  const firstRoute = useRef(true);

  const refreshStatus = useCallback(() => {
    setStatus({ state: 'loading' });
    void call((b) => b.status()).then((result) => {
      setStatus({ state: 'done', result });
    });
  }, []);
  useEffect(() => {
    refreshStatus();
  }, [refreshStatus]);

  const title = screenTitle(route);
  useEffect(() => {
    document.title = `${title} — Strongroom`;
  }, [title]);

  // On every screen change after the first: focus the new screen's heading. A change of query
  // only (the key chosen on Policies) is not a new screen: focus stays where the user is.
  const routeKey = route.screen === 'key' ? `key:${route.keyId}` : route.screen;
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    const heading = mainRef.current?.querySelector<HTMLElement>('h1');
    (heading ?? mainRef.current)?.focus();
  }, [routeKey]);

  // Files dropped outside the Files screen's drop zone must not make the window open them.
  useEffect(() => {
    const block = (e: DragEvent): void => {
      if (e.dataTransfer !== null && [...e.dataTransfer.types].includes('Files')) {
        e.preventDefault();
      }
    };
    window.addEventListener('dragover', block);
    window.addEventListener('drop', block);
    return () => {
      window.removeEventListener('dragover', block);
      window.removeEventListener('drop', block);
    };
  }, []);

  const appState = useMemo<AppState>(
    () => ({ status: status.state === 'done' && status.result.ok ? status.result.value : null, refreshStatus }),
    [status, refreshStatus],
  );
  const section = sectionOf(route);
  const word = statusWord(status);

  return (
    <AppContext.Provider value={appState}>
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          // The hash names screens; the skip link only moves focus.
          e.preventDefault();
          mainRef.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="app-header">
        <a className="brand" href={hrefTo('overview')}>
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          Strongroom
        </a>
        <a className="status-link" href={hrefTo('settings')}>
          <span className="visually-hidden">Installation: </span>
          <Badge tone={word.tone}>{word.text}</Badge>
        </a>
      </header>
      <div className="app-body">
        <nav className="app-nav" aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.section}>
                <a href={item.href} aria-current={section === item.section ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" ref={mainRef} tabIndex={-1}>
          <Screen route={route} status={status} onRefreshStatus={refreshStatus} />
        </main>
      </div>
    </AppContext.Provider>
  );
}
