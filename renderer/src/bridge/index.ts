// The one way screens reach the engine: getBridge(). In the Electron app it is the preload's
// window.strongroom; in a plain browser (`strongroom ui`, the UI tests) it is the WebSocket client
// of browser-bridge.ts. A test that injects its own window.strongroom (a fake bridge) gets that.

import type { StrongroomBridge } from '../../../shared/api/bridge.ts';
import { bridgeUrlFor, createBrowserBridge, takeSecretFromPage } from './browser-bridge.ts';

const inBrowserMode = typeof window !== 'undefined' && window.strongroom === undefined;

// Taken when this module loads, before the app renders: the router reads the URL fragment as
// its route, and `#secret=…` must be gone from it (and kept safe) by then.
const pageSecret: string | null = inBrowserMode
  ? takeSecretFromPage({ location: window.location, history: window.history, storage: () => window.sessionStorage })
  : null;

let browserBridge: StrongroomBridge | null = null;

export function getBridge(): StrongroomBridge {
  if (window.strongroom !== undefined) {
    return window.strongroom;
  }
  browserBridge ??= createBrowserBridge({ url: bridgeUrlFor(window.location), secret: pageSecret }).bridge;
  return browserBridge;
}
