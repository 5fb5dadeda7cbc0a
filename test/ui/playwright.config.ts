// Playwright drives the real renderer in Debian's Chromium (/usr/bin/chromium; never a browser
// Playwright downloads) in browser mode, against a real engine on a temporary data directory that
// global-setup.ts creates, serves with `strongroom ui` and removes afterwards. One worker: the
// scenario is one story (create a key, encrypt, decrypt, audit, deny) told in order.

import { defineConfig } from '@playwright/test';

export const CHROMIUM = process.env.STRONGROOM_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  outputDir: '../../.test-tmp/ui-results',
  globalSetup: './global-setup.ts',
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 860 },
    launchOptions: {
      executablePath: CHROMIUM,
      // Root in CI, no GPU, no network services: the switches Chromium needs there.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
