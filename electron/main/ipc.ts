// Registers the bridge's IPC handlers. Each one first checks who is asking (the sending frame's
// origin must be the app's own; electron.md item 17), then runs, and always resolves with a
// BridgeResult: errors become { name, message } here, because Electron would pass only the message
// of a thrown error across, and an unknown fault's details stay in the main process's log.

import type { IpcMainInvokeEvent } from 'electron';
import { CHANNELS, type BridgeResult, type StrongroomBridge } from '../../shared/api/bridge.ts';
import { AccessDeniedException, toKmsError } from '../kms/errors.ts';
import type { OriginCheck } from './security.ts';

type ValueOf<R> = R extends Promise<BridgeResult<infer T>> ? T : never;

/** One function per bridge method; it receives the renderer's arguments, unvalidated. */
export type BridgeHandlers = {
  readonly [M in keyof StrongroomBridge]: (args: ReadonlyArray<unknown>) => Promise<ValueOf<ReturnType<StrongroomBridge[M]>>>;
};

/** The part of ipcMain used here, so tests can pass a fake. */
export type IpcMainLike = {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
};

/** The subset of the invoke event this module reads. */
export type SenderEvent = Pick<IpcMainInvokeEvent, 'senderFrame'>;

export function senderUrl(event: SenderEvent): string | null {
  try {
    // senderFrame is null when the frame has navigated away or been destroyed.
    return event.senderFrame?.url ?? null;
  } catch {
    return null;
  }
}

/** Wraps one handler with the sender check and the error-to-result conversion. */
export function guardHandler<T>(
  name: string,
  handler: (args: ReadonlyArray<unknown>) => Promise<T>,
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
    try {
      return { ok: true, value: await handler(args) };
    } catch (err) {
      const error = toKmsError(err);
      if (error.name === 'KMSInternalException') {
        log(`Strongroom: ${name} failed`, err);
      }
      return { ok: false, error: error.toShape() };
    }
  };
}

/** Registers every bridge channel on `ipcMain`. Returns the channels registered. */
export function registerIpc(
  ipcMain: IpcMainLike,
  handlers: BridgeHandlers,
  isTrusted: OriginCheck,
  log?: (message: string, detail?: unknown) => void,
): ReadonlyArray<string> {
  const registered: string[] = [];
  for (const method of Object.keys(CHANNELS) as Array<keyof typeof CHANNELS>) {
    const channel = CHANNELS[method];
    ipcMain.handle(channel, guardHandler(method, handlers[method], isTrusted, log));
    registered.push(channel);
  }
  return registered;
}
