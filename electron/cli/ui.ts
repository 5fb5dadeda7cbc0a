// `strongroom ui`: the app's window in the system browser, for a user without the Electron
// binary. It serves the renderer that `npm run build` made (out/renderer) with the browser-mode
// bridge (electron/server/browser.ts) on 127.0.0.1, prints the address with its per-launch secret,
// and opens it unless --no-open. It does not build: a build needs the development dependencies
// and takes a while, so it is a step of its own (`npm run start:browser` does both).
//
// Opening the browser: the address holds the secret, and a command line is visible to every
// user of the machine (ps), as the browser's own is if this launch starts it. So the browser is
// handed a private file (0600, in a 0700 folder) that redirects to the address, never the
// address itself.

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProviderForKind } from '../kms/installation.ts';
import { createEngineHost } from '../bridge/engine-host.ts';
import { openWithSystem } from '../server/desktop-open.ts';

export type UiOptions = {
  readonly dataDir: string;
  readonly port: number;
  readonly outputDir: string | undefined;
  readonly rendererDir: string | undefined;
  readonly open: boolean;
  readonly providerForKind: ProviderForKind;
  readonly print: (value: unknown) => void;
  readonly stderr: NodeJS.WritableStream;
};

/** The renderer `npm run build` writes, beside this package's sources. */
export function defaultRendererDir(): string {
  return fileURLToPath(new URL('../../out/renderer/', import.meta.url));
}

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Opens `url` in the system browser through a private redirect file; `folder` holds that file (remove it at exit). */
export async function openInBrowser(url: string): Promise<{ opened: boolean; folder: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'strongroom-open-'));
  const file = join(folder, 'open-strongroom.html');
  await writeFile(
    file,
    `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${escapeHtml(url)}"><title>Strongroom</title><p><a href="${escapeHtml(url)}" rel="noreferrer">Open Strongroom</a></p>\n`,
    { mode: 0o600 },
  );
  return { opened: await openWithSystem(file), folder };
}

export async function runUi(options: UiOptions): Promise<number> {
  const rendererDir = resolve(options.rendererDir ?? defaultRendererDir());
  if (!existsSync(join(rendererDir, 'index.html'))) {
    options.stderr.write(
      `strongroom: the app's pages are not built (${join(rendererDir, 'index.html')} is missing). Run \`npm run build\` in the Strongroom folder first, or \`npm run start:browser\` to build and start in one step.\n`,
    );
    return 1;
  }
  const log = (line: string, detail?: unknown): void => {
    const more = detail instanceof Error ? `: ${detail.message}` : '';
    options.stderr.write(`${new Date().toISOString()} ${line}${more}\n`);
  };
  // The server module loads `ws`; only this command needs it.
  const { startBrowserServer } = await import('../server/browser.ts');
  const host = createEngineHost({ dataDir: options.dataDir, providerForKind: options.providerForKind, log });
  let launchFolder: string | null = null;
  try {
    // Open now, so a passphrase prompt or a locked keychain is dealt with here in the terminal,
    // not discovered later in the page. A problem is reported; the page shows it too.
    const status = await host.status();
    if (status.problem !== undefined) {
      log(`Strongroom: ${status.problem.message}`);
    }
    const server = await startBrowserServer({
      dataDir: options.dataDir,
      rendererDir,
      host,
      port: options.port,
      ...(options.outputDir === undefined ? {} : { outputDir: options.outputDir }),
      log,
    });
    options.print({ Url: server.url, OutputDir: server.outputDir, DataDir: options.dataDir });
    log(`Strongroom is at ${server.url} (this address, with its secret, works until this command stops; share it with no one). Encrypted and decrypted files go to ${server.outputDir}. Ctrl-C stops it.`);
    if (options.open) {
      const launched = await openInBrowser(server.url).catch(() => null);
      launchFolder = launched?.folder ?? null;
      if (launched?.opened !== true) {
        log('Could not open a browser here: open the address above yourself.');
      }
    }
    await new Promise<void>((done) => {
      const stop = (signal: string): void => {
        log(`${signal}: stopping`);
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        done();
      };
      const onInt = (): void => stop('SIGINT');
      const onTerm = (): void => stop('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    });
    await server.close();
    return 0;
  } finally {
    host.close();
    if (launchFolder !== null) {
      await rm(launchFolder, { recursive: true, force: true });
    }
  }
}
