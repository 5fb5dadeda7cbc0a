// Where an installation lives. The default is the folder Electron calls userData for an app
// named "Strongroom", computed here without Electron so the CLI and the app agree on it.
// --data-dir (CLI) or STRONGROOM_DATA_DIR overrides it.

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const APP_NAME = 'Strongroom';

export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  if (platform === 'darwin') {
    return join(home, 'Library', 'Application Support', APP_NAME);
  }
  if (platform === 'win32') {
    return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME);
  }
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), APP_NAME);
}

/** Precedence: explicit flag, then STRONGROOM_DATA_DIR, then the platform default. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') {
    return resolve(flag);
  }
  const fromEnv = env.STRONGROOM_DATA_DIR;
  if (fromEnv !== undefined && fromEnv !== '') {
    return resolve(fromEnv);
  }
  return defaultDataDir();
}
