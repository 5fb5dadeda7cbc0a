// electron-vite build of the three parts, into out/:
//   out/main/index.js      the main process, ESM (package.json "type": "module"); native
//                          dependencies (better-sqlite3, keytar) stay runtime imports from
//                          node_modules, never bundled (docs/architecture.md, The stack)
//   out/preload/index.cjs  the preload, ONE self-contained CommonJS file: a sandboxed preload can
//                          require only `electron` and a few built-ins, and cannot be ESM
//   out/renderer/          the React renderer, served by the main process at app://strongroom/
// The renderer's CSP <meta> comes from electron/bridge/csp.ts, the same module that sets the header.

import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { CSP_META, CSP_META_DEV } from './electron/bridge/csp.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const at = (path: string): string => fileURLToPath(new URL(path, new URL('.', import.meta.url)));

/** Puts the CSP <meta> first in <head>: the production policy in builds, the dev one in serve. */
function cspMeta(): Plugin {
  let dev = false;
  return {
    name: 'strongroom:csp-meta',
    configResolved(config) {
      dev = config.command === 'serve';
    },
    transformIndexHtml: {
      order: 'pre',
      handler() {
        return [
          {
            tag: 'meta',
            attrs: { 'http-equiv': 'Content-Security-Policy', content: dev ? CSP_META_DEV : CSP_META },
            injectTo: 'head-prepend',
          },
        ];
      },
    },
  };
}

export default defineConfig({
  main: {
    root,
    build: {
      outDir: at('out/main'),
      // Everything in package.json "dependencies" stays external (the default, stated here);
      // the native modules are also listed, so they stay external even if moved.
      externalizeDeps: true,
      rolldownOptions: {
        input: { index: at('electron/main/index.ts') },
        external: ['better-sqlite3', 'keytar', 'pkcs11js'],
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    root,
    build: {
      outDir: at('out/preload'),
      // Inline everything (shared/ constants included): the sandboxed preload cannot load chunks.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: at('electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: at('renderer'),
    plugins: [react(), cspMeta()],
    build: {
      outDir: at('out/renderer'),
      emptyOutDir: true,
      sourcemap: false,
      minify: true,
      rolldownOptions: {
        input: { index: at('renderer/index.html') },
      },
    },
  },
});
