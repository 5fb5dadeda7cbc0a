// Light and dark themes. 'system' follows prefers-color-scheme (the stylesheet's media query);
// 'light' and 'dark' set data-theme on <html>, which the stylesheet prefers over the media query.
// The choice is kept in localStorage, and applied before the first render (main.tsx).

import { useCallback, useSyncExternalStore } from 'react';

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

export const THEME_STORAGE_KEY = 'strongroom.theme';

export function isTheme(value: unknown): value is Theme {
  return typeof value === 'string' && (THEMES as ReadonlyArray<string>).includes(value);
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function readTheme(): Theme {
  const stored = storage()?.getItem(THEME_STORAGE_KEY);
  return isTheme(stored) ? stored : 'system';
}

export function applyTheme(theme: Theme): void {
  if (typeof document === 'undefined') {
    return;
  }
  const root = document.documentElement;
  if (theme === 'system') {
    delete root.dataset.theme;
  } else {
    root.dataset.theme = theme;
  }
}

const listeners = new Set<() => void>();

export function setTheme(theme: Theme): void {
  const s = storage();
  try {
    if (theme === 'system') {
      s?.removeItem(THEME_STORAGE_KEY);
    } else {
      s?.setItem(THEME_STORAGE_KEY, theme);
    }
  } catch {
    // Storage full or refused: the theme still applies for this session.
  }
  current = theme;
  applyTheme(theme);
  for (const l of listeners) {
    l();
  }
}

let current: Theme | null = null;

function snapshot(): Theme {
  if (current === null) {
    current = readTheme();
  }
  return current;
}

export function useTheme(): readonly [Theme, (theme: Theme) => void] {
  const theme = useSyncExternalStore(
    useCallback((l: () => void) => {
      listeners.add(l);
      return () => {
        listeners.delete(l);
      };
    }, []),
    snapshot,
    () => 'system' as Theme,
  );
  return [theme, setTheme] as const;
}
