// What every screen may need from the shell: the installation's status (its account id fills
// policy templates and names "this installation's account"), and a way to ask for it again.

import { createContext, useContext } from 'react';
import type { InstallationStatus } from '../../../shared/api/bridge.ts';

export type AppState = {
  readonly status: InstallationStatus | null;
  readonly refreshStatus: () => void;
};

export const AppContext = createContext<AppState>({ status: null, refreshStatus: () => {} });

export function useApp(): AppState {
  return useContext(AppContext);
}

/** Ready for key work: initialized and the root key unlocked. */
export function isReady(status: InstallationStatus | null): boolean {
  return status !== null && status.initialized && status.unlocked;
}
