// The preload: runs sandboxed, with context isolation, before the page. It exposes exactly the
// methods of StrongroomBridge as `window.strongroom`, each a fixed channel with its arguments
// passed through for the main process to validate. Never ipcRenderer itself, never a generic
// invoke(channel, …), never an event object (electron.md item 20). Bundled as one CommonJS file:
// a sandboxed preload can require only `electron` and a few Node built-ins.

import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS, type BridgeResult, type InstallationStatus, type StrongroomBridge } from '../../shared/api/bridge.ts';

const bridge: StrongroomBridge = {
  status: () => ipcRenderer.invoke(CHANNELS.status) as Promise<BridgeResult<InstallationStatus>>,
};

contextBridge.exposeInMainWorld('strongroom', bridge);
