// Calling the engine. Every screen goes through call(): it gets the bridge from getBridge() and
// turns anything thrown (no bridge, a broken connection) into the same { ok: false } result the
// bridge itself answers with, so a screen has one error path. Paged list operations are read to
// the end with listAll().

import { useCallback, useEffect, useRef, useState } from 'react';
import type { BridgeResult, StrongroomBridge } from '../../../shared/api/bridge.ts';
import type { ErrorShape } from '../../../shared/api/errors.ts';
import { getBridge } from '../bridge/index.ts';

export type Failure = { readonly ok: false; readonly error: ErrorShape };

export function failure(err: unknown): Failure {
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, error: { name: 'KMSInternalException', message } };
}

/** Runs one bridge call; never rejects. */
export async function call<T>(fn: (bridge: StrongroomBridge) => Promise<BridgeResult<T>>): Promise<BridgeResult<T>> {
  try {
    const result = await fn(getBridge());
    if (typeof result !== 'object' || result === null || typeof (result as { ok?: unknown }).ok !== 'boolean') {
      return failure(new Error('The engine answered with something that is not a result.'));
    }
    return result;
  } catch (err) {
    return failure(err);
  }
}

type Page<P> = { readonly NextMarker?: string; readonly Truncated: boolean } & P;

/** At most this many pages are read by listAll (100 000 items at the largest page size). */
const MAX_PAGES = 100;

/**
 * Reads every page of a Marker/NextMarker list operation and concatenates the items `pick` takes
 * from each page.
 */
export async function listAll<P, I>(
  fetchPage: (bridge: StrongroomBridge, marker: string | undefined) => Promise<BridgeResult<Page<P>>>,
  pick: (page: Page<P>) => ReadonlyArray<I>,
): Promise<BridgeResult<ReadonlyArray<I>>> {
  const items: Array<I> = [];
  let marker: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const result = await call((bridge) => fetchPage(bridge, marker));
    if (!result.ok) {
      return result;
    }
    items.push(...pick(result.value));
    if (!result.value.Truncated || result.value.NextMarker === undefined) {
      return { ok: true, value: items };
    }
    marker = result.value.NextMarker;
  }
  return { ok: true, value: items };
}

/** Runs fn over items with at most `limit` calls in flight; results keep the items' order. */
export async function mapLimit<I, O>(items: ReadonlyArray<I>, limit: number, fn: (item: I) => Promise<O>): Promise<Array<O>> {
  const out = new Array<O>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as I);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export type Loadable<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'done'; readonly result: BridgeResult<T> };

/**
 * Loads something when the component mounts and whenever `key` changes; reload() loads again.
 * Answers that arrive after a newer load started (or after unmount) are dropped.
 */
export function useLoad<T>(load: () => Promise<BridgeResult<T>>, key: string): { readonly loaded: Loadable<T>; readonly reload: () => void } {
  const [loaded, setLoaded] = useState<Loadable<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    void loadRef.current().then((result) => {
      if (current) {
        setLoaded({ state: 'done', result });
      }
    });
    return () => {
      current = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => {
    setGeneration((g) => g + 1);
  }, []);
  return { loaded, reload };
}

/** State for one button-triggered action: busy while it runs, its error until the next run. */
export function useAction(): {
  readonly busy: boolean;
  readonly error: ErrorShape | null;
  readonly run: <T>(fn: () => Promise<BridgeResult<T>>) => Promise<BridgeResult<T>>;
  readonly clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorShape | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async <T>(fn: () => Promise<BridgeResult<T>>): Promise<BridgeResult<T>> => {
    setBusy(true);
    setError(null);
    let result: BridgeResult<T>;
    try {
      result = await fn();
    } catch (err) {
      result = failure(err);
    }
    if (mounted.current) {
      setBusy(false);
      setError(result.ok ? null : result.error);
    }
    return result;
  }, []);
  const clear = useCallback(() => {
    setError(null);
  }, []);
  return { busy, error, run, clear };
}
