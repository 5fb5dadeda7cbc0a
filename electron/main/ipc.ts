// Registers the bridge's IPC handlers: one channel per operation of the shared list, plus the
// preload's file intake (paths of dropped files, the open dialog). Each handler first checks who
// is asking (the sending frame's origin must be the app's own: Electron's security checklist,
// item 17), then takes at most one argument, and always resolves with a BridgeResult: errors
// become { name, message } here, because Electron would pass only the message of a thrown error
// across, and an unknown fault's details stay in the main process's log.

import type { IpcMainInvokeEvent } from 'electron';
import { ADD_PATHS_CHANNEL, bridgeOperationNames, channelOf, PICK_FILES_CHANNEL, type AddedFile, type BridgeResult } from '../../shared/api/bridge.ts';
import type { Dispatch } from '../bridge/dispatch.ts';
import { AccessDeniedException, toKmsError, ValidationException } from '../kms/errors.ts';
import type { OriginCheck } from './security.ts';

/** The part of ipcMain used here, so tests can pass a fake. */
export type IpcMainLike = {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
};

/** The subset of the invoke event this module reads. */
export type SenderEvent = Pick<IpcMainInvokeEvent, 'senderFrame'>;

/** What the preload's file members reach in the main process. */
export type FileIntake = {
  /** Registers paths the preload read from dropped File objects (webUtils.getPathForFile). */
  readonly addPaths: (paths: ReadonlyArray<string>) => Promise<ReadonlyArray<AddedFile>>;
  /** Shows the system's open dialog and registers what the user picked. */
  readonly pickFiles: () => Promise<ReadonlyArray<AddedFile>>;
};

export function senderUrl(event: SenderEvent): string | null {
  try {
    // senderFrame is null when the frame has navigated away or been destroyed.
    return event.senderFrame?.url ?? null;
  } catch {
    return null;
  }
}

/** Wraps one handler with the sender check, the one-argument rule and the error-to-result conversion. */
export function guardHandler<T>(
  name: string,
  handler: (input: unknown) => Promise<BridgeResult<T>>,
  isTrusted: OriginCheck,
  log: (message: string, detail?: unknown) => void = console.warn,
): (event: SenderEvent, ...args: unknown[]) => Promise<BridgeResult<T>> {
  return async (event, ...args) => {
    const url = senderUrl(event);
    if (url === null || !isTrusted(url)) {
      log(`Strongroom: refused ${name} from ${url === null ? 'a destroyed frame' : JSON.stringify(url)}`);
      const denied = new AccessDeniedException('This request did not come from the Strongroom window and was refused.');
      return { ok: false, error: denied.toShape() };
    }
    if (args.length > 1) {
      return { ok: false, error: new ValidationException(`${name} takes one request object; it was given ${args.length} arguments.`).toShape() };
    }
    try {
      return await handler(args[0]);
    } catch (err) {
      const error = toKmsError(err);
      if (error.name === 'KMSInternalException') {
        log(`Strongroom: ${name} failed`, err);
      }
      return { ok: false, error: error.toShape() };
    }
  };
}

function pathList(input: unknown): ReadonlyArray<string> {
  if (!Array.isArray(input) || input.length === 0 || input.length > 1000 || !input.every((p): p is string => typeof p === 'string' && p.length > 0 && p.length < 4096)) {
    throw new ValidationException('Dropped files arrive as a list of 1 to 1000 paths.');
  }
  return input;
}

/** Registers every bridge channel on `ipcMain`. Returns the channels registered. */
export function registerIpc(
  ipcMain: IpcMainLike,
  dispatch: Dispatch,
  files: FileIntake,
  isTrusted: OriginCheck,
  log?: (message: string, detail?: unknown) => void,
): ReadonlyArray<string> {
  const registered: string[] = [];
  for (const name of bridgeOperationNames) {
    const channel = channelOf(name);
    ipcMain.handle(channel, guardHandler(name, (input) => dispatch(name, input), isTrusted, log));
    registered.push(channel);
  }
  ipcMain.handle(ADD_PATHS_CHANNEL, guardHandler('addFiles', async (input) => ({ ok: true, value: await files.addPaths(pathList(input)) }), isTrusted, log));
  ipcMain.handle(PICK_FILES_CHANNEL, guardHandler('pickFiles', async () => ({ ok: true, value: await files.pickFiles() }), isTrusted, log));
  registered.push(ADD_PATHS_CHANNEL, PICK_FILES_CHANNEL);
  return registered;
}
