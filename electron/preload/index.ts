// The preload: runs sandboxed, with context isolation, before the page. It exposes exactly the
// members of StrongroomBridge as `window.strongroom`: one method per operation of the shared list
// (each a fixed channel taking one request object for the main process to validate), the file
// intake and the progress subscription. Never ipcRenderer itself, never a generic
// invoke(channel, …), never an event object (Electron's security checklist, item 20). Dropped
// files become paths only here (webUtils.getPathForFile works only on File objects backed by a
// real file, so a page cannot forge one). Bundled as one CommonJS file: a sandboxed preload can
// require only `electron` and a few Node built-ins.

import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  ADD_PATHS_CHANNEL,
  bridgeOperationNames,
  channelOf,
  FILE_PROGRESS_CHANNEL,
  methodNameOf,
  PICK_FILES_CHANNEL,
  type AddedFile,
  type BridgeResult,
  type FileProgress,
} from '../../shared/api/bridge.ts';

export function buildBridge(): Record<string, unknown> {
  const bridge: Record<string, unknown> = {};
  for (const name of bridgeOperationNames) {
    const channel = channelOf(name);
    // Exactly one argument crosses, whatever the page passes.
    bridge[methodNameOf(name)] = (input?: unknown) => ipcRenderer.invoke(channel, input ?? {}) as Promise<BridgeResult<unknown>>;
  }
  bridge.addFiles = async (files: ReadonlyArray<File>): Promise<BridgeResult<ReadonlyArray<AddedFile>>> => {
    const paths: Array<string> = [];
    for (const file of Array.from(files)) {
      const path = webUtils.getPathForFile(file);
      if (path === '') {
        return { ok: false, error: { name: 'ValidationException', message: `${file.name} is not a file on this computer (it was made by the page, not dropped or picked).` } };
      }
      paths.push(path);
    }
    return ipcRenderer.invoke(ADD_PATHS_CHANNEL, paths) as Promise<BridgeResult<ReadonlyArray<AddedFile>>>;
  };
  bridge.pickFiles = () => ipcRenderer.invoke(PICK_FILES_CHANNEL) as Promise<BridgeResult<ReadonlyArray<AddedFile>>>;
  bridge.onFileProgress = (listener: (progress: FileProgress) => void): (() => void) => {
    const forward = (_event: unknown, progress: FileProgress): void => listener(progress);
    ipcRenderer.on(FILE_PROGRESS_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(FILE_PROGRESS_CHANNEL, forward);
    };
  };
  return bridge;
}

contextBridge.exposeInMainWorld('strongroom', buildBridge());
