// The Secrets screen in the browser against the real engine (global-setup.ts): a secret is made
// from the form, listed without its value, revealed with a click that the audit log records as
// GetSecretValue, given a new version, deleted with its recovery date shown, and restored; the
// managed key it made is shown apart on Keys as "Managed by Strongroom".
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { PASSPHRASE } from './global-setup.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VALUE = 'ui-secret-value-3e9d';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: global-setup.ts sets it`);
  }
  return value;
}

function cli(...args: Array<string>): Record<string, unknown> {
  const run = spawnSync(process.execPath, [join(ROOT, 'electron', 'cli', 'bin.cjs'), ...args], {
    env: { ...process.env, STRONGROOM_DATA_DIR: env('STRONGROOM_UI_DATA_DIR'), STRONGROOM_PASSPHRASE: PASSPHRASE, STRONGROOM_AGENT: 'off' },
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    throw new Error(`strongroom ${args.join(' ')} failed: ${run.stderr}`);
  }
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

test.describe.configure({ mode: 'serial' });

test.describe('Secrets', () => {
  let context: BrowserContext;
  let page: Page;

  test.beforeAll(async ({ browser }) => {
    context = await browser.newContext({ colorScheme: 'light' });
    page = await context.newPage();
    await page.goto(env('STRONGROOM_UI_URL'));
    await expect(page.getByRole('link', { name: 'Installation: Unlocked' })).toBeVisible();
  });

  test.afterAll(async () => {
    await context.close();
  });

  test('a secret is created from the form and listed without its value', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Secrets', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Secrets' })).toBeFocused();
    await expect(page.getByText('No secrets yet.')).toBeVisible();
    await page.getByLabel('Name', { exact: true }).fill('ui/db-password');
    await page.getByLabel('Value', { exact: true }).fill(VALUE);
    await page.getByLabel('Description (optional)').fill('made in the window');
    await page.getByRole('button', { name: 'Create secret' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'ui/db-password is created.' })).toBeVisible();
    const row = page.getByRole('row', { name: /ui\/db-password/ });
    await expect(row).toContainText('made in the window');
    await expect(row).toContainText('Active');
    await expect(page.getByRole('main')).not.toContainText(VALUE);
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  });

  test('revealing the value is a click the audit log records', async () => {
    await page.getByRole('button', { name: 'Reveal the value of ui/db-password' }).click();
    await expect(page.getByLabel('The value of ui/db-password', { exact: true })).toHaveText(VALUE);
    const records = (cli('audit', 'list', '--event-name', 'GetSecretValue').Records as Array<{ Record: { eventSource: string; resources: Array<{ type: string }> } }>).map((r) => r.Record);
    expect(records).toHaveLength(1);
    expect(records[0]?.eventSource).toBe('secretsmanager.amazonaws.com');
    expect(records[0]?.resources.map((r) => r.type)).toEqual(['AWS::KMS::Key', 'AWS::SecretsManager::Secret']);
    await page.getByRole('button', { name: 'Hide' }).click();
    await expect(page.getByLabel('The value of ui/db-password', { exact: true })).toHaveCount(0);
  });

  test('a new version becomes current', async () => {
    await page.getByRole('button', { name: 'New version of ui/db-password' }).click();
    await page.getByLabel('New value').fill(`${VALUE}-2`);
    await page.getByRole('button', { name: 'Save version' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'has a new current version' })).toBeVisible();
    await expect(page.getByRole('row', { name: /ui\/db-password/ })).toContainText('2');
    await page.getByRole('button', { name: 'Reveal the value of ui/db-password' }).click();
    await expect(page.getByLabel('The value of ui/db-password', { exact: true })).toHaveText(`${VALUE}-2`);
    await page.getByRole('button', { name: 'Hide' }).click();
  });

  test('delete shows the recovery date, and restore brings the secret back', async () => {
    await page.getByRole('button', { name: 'Delete ui/db-password' }).click();
    await page.getByLabel('Recovery window (days, 7–30)').fill('7');
    await page.getByRole('button', { name: 'Schedule deletion' }).click();
    await expect(page.getByRole('status').filter({ hasText: /ui\/db-password is scheduled for deletion on .+\. Restore it before then/ })).toBeVisible();
    const row = page.getByRole('row', { name: /ui\/db-password/ });
    await expect(row).toContainText('restorable');
    await page.getByRole('button', { name: 'Restore ui/db-password' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'ui/db-password is restored.' })).toBeVisible();
    await expect(row).toContainText('Active');
  });

  test('Keys shows the managed key apart', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Keys', exact: true }).click();
    const row = page.getByRole('row', { name: /alias\/aws\/secretsmanager/ });
    await expect(row).toContainText('Managed by Strongroom · Secrets');
    await row.getByRole('link').first().click();
    await expect(page.getByText('A Strongroom feature made this key')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Disable key' })).toHaveCount(0);
  });
});
