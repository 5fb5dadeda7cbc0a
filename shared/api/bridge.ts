// The contract between the sandboxed renderer and the main process: the channel names, the one
// result shape every bridge call resolves with, and the type of `window.strongroom`. The preload
// exposes exactly the methods of StrongroomBridge and nothing else (DESIGN.md invariant 2).
// No Node and no DOM APIs here: both sides import it.

import type { ErrorShape } from './errors.ts';

/** IPC channel names. One per bridge method; the main process registers exactly these. */
export const CHANNELS = {
  status: 'strongroom:status',
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** Every bridge call resolves (never rejects) with one of these. */
export type BridgeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorShape };

/** Why the installation cannot be used right now; `code` names the kind, `message` says what to do. */
export type InstallationProblemShape = {
  readonly code: string;
  readonly message: string;
};

/**
 * What the window shows about this installation. No paths, no secrets: the renderer never
 * receives a path it did not get from the user.
 */
export type InstallationStatus = {
  /** False when the data directory holds no installation yet (`strongroom init` creates one). */
  readonly initialized: boolean;
  readonly installationId?: string;
  /** The 12-digit account id in this installation's ARNs. */
  readonly accountId?: string;
  readonly region?: string;
  /** 'keychain' or 'passphrase'. */
  readonly rootKeyProvider?: string;
  /** Where the root key lives, in words. */
  readonly rootKeyLocation?: string;
  /** True when the root key was loaded and checked: the engine is open. */
  readonly unlocked: boolean;
  readonly problem?: InstallationProblemShape;
};

/** The type of `window.strongroom`. */
export type StrongroomBridge = {
  status(): Promise<BridgeResult<InstallationStatus>>;
};
