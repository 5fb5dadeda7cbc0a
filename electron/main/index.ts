// Entry point of the Electron main process (out/main/index.js). Thin on purpose: everything is
// in app.ts, which takes these objects injected so the wiring is tested without Electron.

import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell } from 'electron';
import { startApp } from './app.ts';

const started = startApp({ app, BrowserWindow, ipcMain, protocol, session, shell, dialog, env: process.env, platform: process.platform });

started.ready.catch((err: unknown) => {
  console.error('Strongroom could not start', err);
  app.exit(1);
});
