// A package loaded the first time it is used instead of when its importer loads. The engine is
// loaded whole by every CLI call, but only a few operations need elliptic curves (@noble/curves,
// ~30 ms to load) or QR codes (qrcode, ~20 ms); a `strongroom list-keys` should not pay for them.
// Synchronous (Node >= 22.12 loads ES modules through require), so sync operations can use it.

import { createRequire } from 'node:module';

const requireFromHere = createRequire(import.meta.url);

/** `lazyModule<typeof Pkg>('pkg')()` (with `import type * as Pkg from 'pkg'`) loads 'pkg' on its first call and returns it. */
export function lazyModule<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireFromHere(specifier) as T);
}
