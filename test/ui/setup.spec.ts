// The window's first run (issue 23), on a `strongroom ui` of its own over an empty data folder:
// the window offers "Set up Strongroom", says how strong the passphrase is while it is typed,
// refuses a weak one, sets the installation up in the folder the server runs on (the CLI then
// finds it there) and opens it. A file whose key policy denies the owner Decrypt, dropped on
// Files, fails as Access denied naming the key's alias and the statement — not as a damaged file.
// The server is started again without the passphrase: the window unlocks the installation itself.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'electron', 'cli', 'bin.cjs');
const SHOTS = join(ROOT, '.test-tmp', 'screenshots');
const PASSPHRASE = 'velvet harbour quietly juggles forty lanterns';

/** `strongroom ui` on `dataDir`, with no passphrase in its environment; resolves with its address. */
function startUi(dataDir: string, outputDir: string): Promise<{ readonly url: string; readonly server: ChildProcess }> {
  const env = { ...process.env, STRONGROOM_DATA_DIR: dataDir, STRONGROOM_PASSPHRASE: '', STRONGROOM_AGENT: 'off' };
  const server = spawn(process.execPath, [BIN, 'ui', '--port', '0', '--no-open', '--output-dir', outputDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`strongroom ui did not start: ${stderr}`)), 60_000);
    server.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      try {
        const printed = JSON.parse(stdout) as { Url?: string };
        if (typeof printed.Url === 'string') {
          clearTimeout(timer);
          resolve({ url: printed.Url, server });
        }
      } catch {
        // Not all of the JSON yet.
      }
    });
    server.once('exit', (code) => reject(new Error(`strongroom ui exited (${String(code)}): ${stderr}`)));
  });
}

async function stop(server: ChildProcess | null): Promise<void> {
  if (server !== null && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
}

async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), `axe on ${screen}`).toEqual([]);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await expect(page.locator('.loading')).toHaveCount(0);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' });
}

test.describe.configure({ mode: 'serial' });

test.describe('first run: set up from the window', () => {
  let base = '';
  let dataDir = '';
  let outputDir = '';
  let server: ChildProcess | null = null;
  let context: BrowserContext;
  let page: Page;
  const cli = (...args: Array<string>): string => {
    const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, STRONGROOM_DATA_DIR: dataDir, STRONGROOM_PASSPHRASE: PASSPHRASE, STRONGROOM_AGENT: 'off' }, encoding: 'utf8' });
    if (r.status !== 0) {
      throw new Error(`strongroom ${args.join(' ')} failed: ${r.stderr}`);
    }
    return r.stdout;
  };

  test.beforeAll(async ({ browser }) => {
    mkdirSync(SHOTS, { recursive: true });
    base = mkdtempSync(join(tmpdir(), 'strongroom-ui-setup-'));
    dataDir = join(base, 'data');
    outputDir = join(base, 'output');
    context = await browser.newContext({ colorScheme: 'light' });
    page = await context.newPage();
  });

  test.afterAll(async () => {
    await context.close();
    await stop(server);
    rmSync(base, { recursive: true, force: true });
  });

  test('an empty data folder offers "Set up Strongroom", with the passphrase strength said as it is typed', async () => {
    const started = await startUi(dataDir, outputDir);
    server = started.server;
    // Nothing the page asks for is missing (the favicon was a 404).
    const missing: Array<string> = [];
    page.on('response', (r) => {
      if (r.status() === 404) {
        missing.push(r.url());
      }
    });
    await page.goto(started.url);
    await expect(page.getByRole('heading', { level: 1, name: 'Set up Strongroom' })).toBeVisible();
    await expect(page.locator('link[rel="icon"]')).toHaveAttribute('href', /favicon\.svg$/);
    expect(missing).toEqual([]);
    await expect(page.getByRole('link', { name: 'Installation: Not set up' })).toBeVisible();
    const form = page.getByRole('form', { name: 'Set up Strongroom' });
    await expect(form.getByRole('radio', { name: /The OS keychain/ })).toBeChecked();
    await expectAccessible(page, 'Set up (empty data folder)');
    await screenshot(page, 'setup-empty');

    await form.getByRole('radio', { name: /A passphrase/ }).check();
    const submit = form.getByRole('button', { name: 'Set up Strongroom' });
    await form.getByLabel('Passphrase', { exact: true }).fill('password123');
    await expect(form.locator('.strength-word')).toHaveText('Weak');
    await expect(submit).toBeDisabled();
    await form.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await expect(form.locator('.strength-word')).toHaveText('Strong');
    await form.getByLabel('The same passphrase again').fill(`${PASSPHRASE}!`);
    await expect(form.getByText('The two passphrases differ.')).toBeVisible();
    await expect(submit).toBeDisabled();
    await form.getByLabel('The same passphrase again').fill(PASSPHRASE);
    await expectAccessible(page, 'Set up (passphrase typed)');
    await screenshot(page, 'setup-passphrase');
    await submit.click();

    await expect(page.getByRole('link', { name: 'Installation: Unlocked' })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Root key' })).toContainText('Passphrase');
    // It is the folder the server runs on: the CLI opens it with the same passphrase.
    expect(JSON.parse(cli('list-keys')) as Record<string, unknown>).toMatchObject({ Keys: [] });
  });

  test('a dropped file whose key policy denies Decrypt fails as Access denied, naming the alias and the statement', async () => {
    const keyArn = String((JSON.parse(cli('create-key', '--description', 'payroll')) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn);
    const account = keyArn.split(':')[4] ?? '';
    cli('create-alias', '--alias-name', 'alias/payroll', '--target-key-id', keyArn);
    const plain = join(base, 'salaries.csv');
    writeFileSync(plain, 'alice,100\n');
    cli('encrypt-file', plain, '--key-id', 'alias/payroll');
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'NoDecrypt', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    };
    writeFileSync(join(base, 'deny.json'), JSON.stringify(policy));
    cli('put-key-policy', '--key-id', keyArn, '--policy-name', 'default', '--policy', `file://${join(base, 'deny.json')}`);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Files', exact: true }).click();
    const sealed = readFileSync(`${plain}.strongroom`);
    const dataTransfer = await page.evaluateHandle((b64) => {
      const dt = new DataTransfer();
      const binary = atob(b64);
      const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], 'salaries.csv.strongroom', { type: 'application/octet-stream' }));
      return dt;
    }, sealed.toString('base64'));
    const zone = page.getByRole('region', { name: 'Add files' });
    await zone.dispatchEvent('dragenter', { dataTransfer });
    await zone.dispatchEvent('dragover', { dataTransfer });
    await zone.dispatchEvent('drop', { dataTransfer });
    await page.getByRole('region', { name: 'Decrypt 1 file' }).getByRole('button', { name: 'Decrypt' }).click();
    const job = page.getByRole('region', { name: 'Progress and results' }).getByRole('article', { name: /^Decrypting 1 file/ });
    await expect(job.getByRole('heading')).toContainText('1 failed', { timeout: 60_000 });
    const error = job.locator('.error-message');
    await expect(error).toContainText('Access denied');
    await expect(error).toContainText('AccessDeniedException');
    await expect(error).toContainText(`alias/payroll (${keyArn}) refused to open this file's data key.`);
    await expect(error).toContainText("Denied by the key policy's Statement[1] (Sid 'NoDecrypt').");
    await expect(error).not.toContainText('cannot be decrypted');
    await expectAccessible(page, 'Files (decrypt refused by policy)');
    await screenshot(page, 'files-decrypt-refused');
  });

  test('the overview and the audit log show the refusal by alias, with reads hidden, and nothing scrolls sideways at 1280 px', async () => {
    const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
    await nav('Overview').click();
    const failures = page.getByRole('region', { name: 'Recent failures and denials' });
    await expect(failures).toContainText('Denied');
    await expect(failures).toContainText('Decrypt');
    await expect(failures).toContainText('alias/payroll (');
    await expect(page.getByRole('region', { name: 'Keys by state' })).toContainText('1 Enabled');
    await expect(page.getByRole('region', { name: 'Backup' })).toContainText('No backup has been made');
    await expectAccessible(page, 'Overview');
    await screenshot(page, 'overview');

    await nav('Audit').click();
    const table = page.locator('table.audit-table');
    await expect(table.locator('tbody tr:not(.spacer)').first()).toBeVisible();
    // The window's own reads are there until hidden.
    await expect(table).toContainText('DescribeKey');
    await page.getByRole('checkbox', { name: /Hide reads/ }).check();
    await expect(table).not.toContainText('DescribeKey');
    await expect(table).not.toContainText('ListAliases');
    const denied = table.locator('tbody tr').filter({ hasText: 'AccessDeniedException' }).first();
    await expect(denied).toContainText('Decrypt');
    await expect(denied).toContainText('alias/payroll (');
    const widths = await page.evaluate(() => {
      const scroller = document.querySelector('.audit-scroller');
      return { window: window.innerWidth, page: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth, table: scroller?.scrollWidth ?? 0, box: scroller?.clientWidth ?? 0 };
    });
    expect(widths.window).toBe(1280);
    expect(widths.page, JSON.stringify(widths)).toBeLessThanOrEqual(widths.viewport);
    expect(widths.table, JSON.stringify(widths)).toBeLessThanOrEqual(widths.box);
    await expectAccessible(page, 'Audit (reads hidden)');
    await screenshot(page, 'audit-reads-hidden');
  });

  test('started again without the passphrase, the window unlocks the installation itself', async () => {
    await stop(server);
    server = null;
    const started = await startUi(dataDir, outputDir);
    server = started.server;
    await page.goto(started.url);
    await expect(page.getByRole('heading', { level: 1, name: 'Strongroom is locked' })).toBeVisible();
    const form = page.getByRole('form', { name: 'Unlock Strongroom' });
    await form.getByLabel('Passphrase').fill('not the passphrase at all');
    await form.getByRole('button', { name: 'Unlock' }).click();
    await expect(form.getByRole('alert')).toBeVisible({ timeout: 30_000 });
    await expectAccessible(page, 'Unlock (wrong passphrase)');
    await screenshot(page, 'unlock-wrong');
    await form.getByLabel('Passphrase').fill(PASSPHRASE);
    await form.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByRole('link', { name: 'Installation: Unlocked' })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Keys by state' })).toContainText('1 Enabled');
  });
});
