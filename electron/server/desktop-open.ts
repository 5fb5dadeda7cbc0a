// Handing something to the user's desktop: the system opener on a file (the browser, for
// `strongroom ui`) or the file manager on a folder (ShowInFolder). Both servers run on the
// user's own machine, so the desktop they open is the user's.

import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { childEnvironment } from '../kms/child-env.ts';

/** Starts a detached helper (without Strongroom's secrets in its environment); true once it started. Its exit status is not awaited (a browser or file manager keeps running). */
export function launchDetached(command: string, args: ReadonlyArray<string>): Promise<boolean> {
  return new Promise((done) => {
    try {
      const child = spawn(command, args, { stdio: 'ignore', detached: true, env: childEnvironment() });
      child.once('error', () => done(false));
      child.once('spawn', () => {
        child.unref();
        done(true);
      });
    } catch {
      done(false);
    }
  });
}

/** Opens `target` with the system's opener (open, explorer.exe, xdg-open). */
export function openWithSystem(target: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  return platform === 'darwin' ? launchDetached('open', [target]) : platform === 'win32' ? launchDetached('explorer.exe', [target]) : launchDetached('xdg-open', [target]);
}

/** Shows a file in the system file manager. */
export function openInFileManager(path: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  if (platform === 'darwin') {
    return launchDetached('open', ['-R', path]);
  }
  if (platform === 'win32') {
    return launchDetached('explorer.exe', [`/select,${path}`]);
  }
  // xdg-open has no "select this file"; the folder it is in is the next best thing.
  return launchDetached('xdg-open', [dirname(path)]);
}
