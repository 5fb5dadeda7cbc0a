// window.strongroom is put there by the preload (electron/preload/index.ts); in a plain browser
// (renderer tests with a fake bridge) the test injects an object of the same type.

import type { StrongroomBridge } from '../../shared/api/bridge.ts';

declare global {
  interface Window {
    readonly strongroom?: StrongroomBridge;
  }
}

export {};
