// Screens are addressed by the URL's hash (#/keys, #/keys/<id>, #/policies?key=<id>), which works
// the same under app:// and in browser mode, keeps Back and Forward working and lets links be
// plain <a href>. parseRoute is pure; useRoute follows hashchange.

import { useMemo, useSyncExternalStore } from 'react';

export type Route =
  | { readonly screen: 'overview' }
  | { readonly screen: 'keys' }
  | { readonly screen: 'create-key' }
  | { readonly screen: 'key'; readonly keyId: string }
  | { readonly screen: 'files' }
  | { readonly screen: 'policies'; readonly keyId: string | null }
  | { readonly screen: 'audit'; readonly query: Readonly<Record<string, string>> }
  | { readonly screen: 'custody' }
  | { readonly screen: 'secrets' }
  | { readonly screen: 'settings' }
  | { readonly screen: 'not-found'; readonly path: string };

export type Section = 'overview' | 'keys' | 'files' | 'secrets' | 'policies' | 'audit' | 'custody' | 'settings';

/** The nav section a route belongs to (for aria-current), or null. */
export function sectionOf(route: Route): Section | null {
  switch (route.screen) {
    case 'keys':
    case 'create-key':
    case 'key':
      return 'keys';
    case 'overview':
    case 'files':
    case 'policies':
    case 'audit':
    case 'custody':
    case 'secrets':
    case 'settings':
      return route.screen;
    case 'not-found':
      return null;
  }
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart = '', queryPart = ''] = raw.split('?', 2);
  const segments = pathPart.split('/').filter((s) => s !== '').map(decode);
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(queryPart)) {
    query[k] = v;
  }
  const [first, second, ...rest] = segments;
  // A fragment that is not a path (browser mode's one-time "#secret=…", if it was left in place)
  // opens the first screen, the overview.
  if (first === undefined || (first === 'overview' && second === undefined) || (!pathPart.startsWith('/') && pathPart.includes('='))) {
    return { screen: 'overview' };
  }
  if (first === 'keys' && second === undefined) {
    return { screen: 'keys' };
  }
  if (first === 'keys' && second === 'new' && rest.length === 0) {
    return { screen: 'create-key' };
  }
  if (first === 'keys' && second !== undefined && rest.length === 0) {
    return { screen: 'key', keyId: second };
  }
  if (second === undefined) {
    switch (first) {
      case 'files':
        return { screen: 'files' };
      case 'policies':
        return { screen: 'policies', keyId: query.key ?? null };
      case 'audit':
        return { screen: 'audit', query };
      case 'custody':
        return { screen: 'custody' };
      case 'secrets':
        return { screen: 'secrets' };
      case 'settings':
        return { screen: 'settings' };
    }
  }
  return { screen: 'not-found', path: `/${segments.join('/')}` };
}

/** The href of a screen: hrefTo('keys', id) → '#/keys/<id>'. */
export function hrefTo(...parts: ReadonlyArray<string>): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}

export function withQuery(href: string, query: Readonly<Record<string, string | undefined>>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== '') {
      params.set(k, v);
    }
  }
  const text = params.toString();
  return text === '' ? href : `${href}?${text}`;
}

export function navigate(href: string): void {
  window.location.hash = href.replace(/^#/, '');
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => {
    window.removeEventListener('hashchange', listener);
  };
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(
    subscribe,
    () => window.location.hash,
    () => '',
  );
  return useMemo(() => parseRoute(hash), [hash]);
}
