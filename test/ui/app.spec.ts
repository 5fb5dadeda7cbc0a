// The app in Chromium, in browser mode, against the real engine global-setup.ts started: one story
// told in order on one page — the installation is unlocked, a key is created with the wizard, two
// files dropped on the Files screen are encrypted (with progress) and one output is dropped back
// and decrypted (bytes compared on disk), the audit log shows those operations with its chain
// verified, a Deny added in the policy editor makes the next encryption fail with the engine's
// reason in plain words. Every screen is screenshotted (light, and dark for Keys and Audit) into
// .test-tmp/screenshots/ for a human to look at, and checked with axe (no serious or critical
// violation), and the main navigation and a primary action are used with the keyboard alone.
// Then the audit log is exported and imported into the inspection workspace with its public key,
// and the AWS-compatible endpoint is started from Settings and used by the AWS SDK. A second
// describe, on a page of its own, covers Custody: custodians and a quorum-guarded key, a PKCS#11
// custom key store on a SoftHSM2 token, and an exportable key.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type BrowserContext, type JSHandle, type Locator, type Page } from '@playwright/test';
import { CUSTODIANS, PASSPHRASE, TOKEN } from './global-setup.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHOTS = join(ROOT, '.test-tmp', 'screenshots');
const ACCOUNT = '111122223333';
const ALIAS = 'alias/e2e-files';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: global-setup.ts did not run.`);
  }
  return value;
}

/** Deterministic bytes (xorshift32): incompressible-looking content whose every byte is known. */
function knownBytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const FILES = [
  { name: 'e2e-alpha.bin', bytes: knownBytes(4 * 1024 * 1024, 0x5eed1), type: 'application/octet-stream' },
  { name: 'e2e-beta.bin', bytes: knownBytes(3 * 1024 * 1024 + 12_345, 0x5eed2), type: 'application/octet-stream' },
] as const;
const DENIED_FILE = { name: 'e2e-denied.txt', bytes: Buffer.from('This file must not be encrypted: the key policy denies the owner data keys.\n', 'utf8'), type: 'text/plain' };

type DropFile = { readonly name: string; readonly bytes: Buffer; readonly type: string };

/** A DataTransfer in the page holding File objects with these names and contents, as a drop has. */
function dataTransferOf(page: Page, files: ReadonlyArray<DropFile>): Promise<JSHandle<DataTransfer>> {
  const payload = files.map((f) => ({ name: f.name, type: f.type, base64: f.bytes.toString('base64') }));
  return page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const binary = atob(f.base64);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) {
        bytes[i] = binary.charCodeAt(i);
      }
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return dt;
  }, payload);
}

/** Drags files over `target` and drops them there, as the OS's drag and drop would. */
async function dropFiles(page: Page, target: Locator, files: ReadonlyArray<DropFile>, whileDragging?: () => Promise<void>): Promise<void> {
  const dataTransfer = await dataTransferOf(page, files);
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('dragover', { dataTransfer });
  // While files are held over the screen it says what letting go will do.
  await expect(page.getByText('Drop the files to add them')).toBeVisible();
  await whileDragging?.();
  await target.dispatchEvent('drop', { dataTransfer });
  await expect(page.getByText('Drop the files to add them')).toBeHidden();
  await dataTransfer.dispose();
}

/** No axe violation of impact serious or critical on the page as it is now. */
async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad
    .map((v) => `${v.id} (${v.impact ?? '?'}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')} — ${n.failureSummary?.replace(/\n/g, ' ') ?? ''}`).join('\n')}`)
    .join('\n');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), `axe on ${screen}:\n${report}`).toEqual([]);
}

async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  // Nothing is still loading when the picture is taken.
  await expect(page.locator('.loading')).toHaveCount(0);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: options.fullPage ?? true, animations: 'disabled', caret: 'hide' });
}

/** The main navigation's link to a screen. */
const navLink = (page: Page, name: string): Locator => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

async function goTo(page: Page, name: string): Promise<void> {
  await navLink(page, name).click();
  await expect(page.getByRole('heading', { level: 1, name, exact: true })).toBeFocused();
}

/** The theme, chosen on Settings (the screen must be open). */
async function chooseTheme(page: Page, theme: 'Light' | 'Dark'): Promise<void> {
  await page.getByRole('radio', { name: theme, exact: true }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme.toLowerCase());
}

test.describe.configure({ mode: 'serial' });

test.describe('Strongroom in the browser', () => {
  let context: BrowserContext;
  let page: Page;
  let keyId = '';
  const outputDir = (): string => env('STRONGROOM_UI_OUTPUT_DIR');

  test.beforeAll(async ({ browser }) => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    // A context of our own (axe needs one it can open a page in) with the light system theme.
    context = await browser.newContext({ colorScheme: 'light' });
    page = await context.newPage();
  });

  test.afterAll(async () => {
    await context.close();
  });

  test('the app loads and the installation is unlocked', async () => {
    await page.goto(env('STRONGROOM_UI_URL'));
    // The secret is taken out of the address bar; the first screen is the overview.
    await expect(page).toHaveTitle('Overview — Strongroom');
    expect(page.url()).not.toContain('secret=');
    await expect(page.getByRole('link', { name: 'Installation: Unlocked' })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Audit chain' })).toContainText('Verified');
    await expect(page.getByRole('region', { name: 'Backup' })).toContainText('No backup has been made');
    await expectAccessible(page, 'Overview (new installation)');
    await screenshot(page, 'overview-new');
    await goTo(page, 'Keys');
    await expect(page.getByText('0 keys')).toBeVisible();
    await expect(page.getByText('No keys yet.')).toBeVisible();
    // A reload (no secret in the address any more) still connects: the tab kept it.
    await page.reload();
    await expect(page.getByRole('link', { name: 'Installation: Unlocked' })).toBeVisible();
    await expect(page.getByText('0 keys')).toBeVisible();
    await expectAccessible(page, 'Keys (empty)');
  });

  test('the main navigation and a primary action work from the keyboard', async () => {
    /** Presses Tab until `target` has focus (failing after `limit` presses). */
    const tabUntil = async (target: Locator, limit = 15): Promise<void> => {
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press('Tab');
        if (await target.evaluate((el) => el === document.activeElement)) {
          return;
        }
      }
      throw new Error(`Tab did not reach ${target.toString()} in ${limit} presses.`);
    };

    // The first Tab on the page reaches the skip link, which shows itself; Enter moves focus to the content.
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await page.keyboard.press('Tab');
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('main')).toBeFocused();

    // From the top of the page, Tab reaches the nav's Files link; Enter opens Files and focuses its heading.
    await skip.focus();
    await tabUntil(navLink(page, 'Files'));
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/#\/files$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Files' })).toBeFocused();
    await expect(navLink(page, 'Files')).toHaveAttribute('aria-current', 'page');

    // Back to Keys the same way, then on to the screen's primary action, Create key, and Enter.
    await skip.focus();
    await tabUntil(navLink(page, 'Keys'));
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1, name: 'Keys' })).toBeFocused();
    await tabUntil(page.getByRole('main').getByRole('link', { name: 'Create key' }), 3);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1, name: 'Create key' })).toBeFocused();
    await expect(page.getByRole('heading', { level: 2, name: 'Step 1 of 4: Key type' })).toBeVisible();
  });

  test('a symmetric key is created with the wizard and listed', async () => {
    // Step 1: the kind of key (symmetric encryption is the default).
    await expect(page.getByRole('radio', { name: /^SYMMETRIC_DEFAULT/ })).toBeChecked();
    await expect(page.getByRole('radio', { name: /^Encrypt and decrypt/ })).toBeChecked();
    await expectAccessible(page, 'Create key (step 1)');
    await screenshot(page, 'create-key-wizard');
    await page.getByRole('button', { name: 'Next' }).click();

    // Step 2: the alias.
    await expect(page.getByRole('heading', { name: 'Step 2 of 4: Details' })).toBeFocused();
    await page.getByLabel('Alias (optional)').fill(ALIAS);
    await page.getByLabel('Description (optional)').fill('Files encrypted by the UI tests');
    await expectAccessible(page, 'Create key (step 2)');
    await screenshot(page, 'create-key-details');
    await page.getByRole('button', { name: 'Next' }).click();

    // Step 3: the default policy, summarised.
    await expect(page.getByRole('heading', { name: 'Step 3 of 4: Key policy' })).toBeFocused();
    await expect(page.getByRole('radio', { name: /^Default/ })).toBeChecked();
    await expect(page.getByRole('heading', { name: 'Who can do what' })).toBeVisible();
    await expectAccessible(page, 'Create key (step 3)');
    await page.getByRole('button', { name: 'Next' }).click();

    // Step 4: review, create.
    await expect(page.getByRole('heading', { name: 'Step 4 of 4: Review' })).toBeFocused();
    await expect(page.locator('dl.review')).toContainText(ALIAS);
    await expectAccessible(page, 'Create key (review)');
    await screenshot(page, 'create-key-review');
    await page.getByRole('button', { name: 'Create key' }).click();

    // The new key's page.
    await expect(page).toHaveURL(/#\/keys\/[0-9a-f-]{36}$/);
    keyId = decodeURIComponent(page.url().split('#/keys/')[1] ?? '');
    await expect(page.getByRole('status').filter({ hasText: `Key created with alias ${ALIAS}.` })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name: ALIAS })).toBeVisible();
    await expect(page.getByRole('region', { name: 'General' })).toContainText(keyId);
    await expect(page.getByRole('region', { name: 'General' })).toContainText('SYMMETRIC_DEFAULT');
    await expect(page.getByRole('region', { name: 'Aliases' })).toContainText(ALIAS);
    await expectAccessible(page, 'Key detail');
    await screenshot(page, 'key-detail');

    // Listed on Keys.
    await goTo(page, 'Keys');
    await expect(page.getByText('1 key', { exact: true })).toBeVisible();
    const row = page.getByRole('row', { name: new RegExp(ALIAS) });
    await expect(row).toContainText(keyId);
    await expect(row).toContainText('Enabled');
    await expectAccessible(page, 'Keys');
    await screenshot(page, 'keys');
  });

  test('two dropped files are encrypted with progress, and an output dropped back decrypts', async () => {
    await goTo(page, 'Files');
    await expectAccessible(page, 'Files (empty)');
    await dropFiles(page, page.getByRole('region', { name: 'Add files' }), FILES, async () => {
      await expectAccessible(page, 'Files (files held over the screen)');
      await screenshot(page, 'files-dragging', { fullPage: false });
    });

    const selected = page.getByRole('region', { name: 'Add files' }).getByRole('listitem');
    await expect(selected).toHaveCount(2);
    await expect(selected.nth(0)).toContainText('e2e-alpha.bin');
    await expect(selected.nth(0)).toContainText('4.0 MB');
    await expect(selected.nth(1)).toContainText('e2e-beta.bin');

    const encryptPanel = page.getByRole('region', { name: 'Encrypt 2 files' });
    await encryptPanel.getByRole('checkbox', { name: new RegExp(ALIAS) }).check();
    await expectAccessible(page, 'Files (ready to encrypt)');

    // Every progress bar the screen shows, and every value it took, from here on.
    await page.evaluate(() => {
      const seen: Record<string, Array<number>> = {};
      (window as unknown as { __progress: typeof seen }).__progress = seen;
      const record = (): void => {
        for (const bar of document.querySelectorAll('[role="progressbar"]')) {
          const label = bar.getAttribute('aria-label') ?? '';
          const value = Number(bar.getAttribute('aria-valuenow'));
          const values = (seen[label] ??= []);
          if (values[values.length - 1] !== value) {
            values.push(value);
          }
        }
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
    });
    await encryptPanel.getByRole('button', { name: 'Encrypt' }).click();

    const results = page.getByRole('region', { name: 'Progress and results' });
    const job = results.getByRole('article', { name: /^Encrypting 2 files/ });
    await expect(job.getByRole('heading')).toContainText('finished: 2 done', { timeout: 60_000 });
    for (const f of FILES) {
      await expect(job.getByRole('listitem').filter({ hasText: f.name })).toContainText(`Encrypted to ${f.name}.strongroom`);
    }
    const progress = await page.evaluate(() => (window as unknown as { __progress: Record<string, Array<number>> }).__progress);
    test.info().annotations.push({ type: 'progress seen', description: JSON.stringify(progress) });
    for (const f of FILES) {
      const values = progress[`${f.name} progress`];
      expect(values, `a progress bar for ${f.name} (seen: ${JSON.stringify(progress)})`).toBeDefined();
      expect(values?.every((v) => v >= 0 && v <= 100)).toBe(true);
    }
    // The bars moved: at least one value between start and finish was shown.
    expect(Object.values(progress).flat().some((v) => v > 0), JSON.stringify(progress)).toBe(true);
    for (const values of Object.values(progress)) {
      expect(values, 'progress never goes back').toEqual([...values].sort((a, b) => a - b));
    }

    // On disk: both outputs, in the ESDK message format v2 (first byte 0x02).
    for (const f of FILES) {
      const out = readFileSync(join(outputDir(), `${f.name}.strongroom`));
      expect(out[0], `${f.name}.strongroom starts with 0x02`).toBe(0x02);
      expect(out.length).toBeGreaterThan(f.bytes.length);
      expect(out.includes(f.bytes.subarray(0, 64))).toBe(false);
    }

    // One output dropped back is offered for decryption, and decrypts to the original bytes.
    const alpha = FILES[0];
    const encrypted = { name: `${alpha.name}.strongroom`, bytes: readFileSync(join(outputDir(), `${alpha.name}.strongroom`)), type: 'application/octet-stream' };
    await dropFiles(page, page.getByRole('heading', { level: 1, name: 'Files' }), [encrypted]);
    await expect(page.getByRole('region', { name: 'Add files' }).getByRole('listitem').filter({ hasText: encrypted.name })).toContainText('Encrypted');
    const decryptPanel = page.getByRole('region', { name: 'Decrypt 1 file' });
    await expect(page.getByRole('region', { name: /^Encrypt \d+ file/ })).toHaveCount(0);
    await decryptPanel.getByRole('button', { name: 'Decrypt' }).click();
    const decryptJob = results.getByRole('article', { name: /^Decrypting 1 file/ });
    await expect(decryptJob.getByRole('heading')).toContainText('finished: 1 done', { timeout: 60_000 });
    await expect(decryptJob).toContainText(`Decrypted to ${alpha.name}`);
    await expect(decryptJob).toContainText(`Opened with ${ALIAS} (${keyId}); encryption context: none`);
    const decrypted = readFileSync(join(outputDir(), alpha.name));
    expect(decrypted.equals(alpha.bytes), 'the decrypted file equals the original').toBe(true);

    await expectAccessible(page, 'Files (results)');
    await screenshot(page, 'files-results');
  });

  test('the audit log shows those operations and its chain verifies', async () => {
    await goTo(page, 'Audit');
    const verify = page.getByRole('region', { name: 'Chain verification' });
    await expect(verify.locator('.badge')).toHaveText('Verified');
    await expect(verify).toContainText(/\d+ records?/);

    const records = page.getByRole('region', { name: 'Records' });
    await expect(records.getByRole('status')).toHaveText(/^\d+ records?\.$/);
    const rows = records.getByRole('table', { name: 'Audit records, newest first' }).getByRole('row');
    const shortId = keyId.slice(0, 8);
    const forKey = (event: string): Locator => rows.filter({ has: page.getByRole('cell', { name: event, exact: true }) }).filter({ hasText: shortId });
    await expect(forKey('GenerateDataKey')).toHaveCount(2);
    await expect(forKey('Decrypt')).toHaveCount(1);
    await expect(forKey('CreateKey')).toHaveCount(1);
    await expect(forKey('GenerateDataKey').first()).toContainText('Success');

    // The activity chart has today's operations, with no failures yet.
    await expect(page.getByRole('img', { name: /Operations by outcome/ })).toHaveAccessibleName(/succeeded and 0 failed/);

    await expectAccessible(page, 'Audit');
    await screenshot(page, 'audit');

    // A record's drawer.
    await forKey('Decrypt').getByRole('button').click();
    const drawer = page.getByRole('dialog', { name: /^Record \d+: Decrypt$/ });
    await expect(drawer).toBeVisible();
    await expect(drawer).toContainText(keyId);
    await expect(drawer.getByLabel(/^Record \d+ as JSON$/)).toContainText('"eventName": "Decrypt"');
    await expectAccessible(page, 'Audit (record drawer)');
    await screenshot(page, 'audit-drawer', { fullPage: false });
    await page.keyboard.press('Escape');
    await expect(drawer).toBeHidden();
  });

  test('a Deny for the owner is added in the policy editor and saved', async () => {
    await goTo(page, 'Policies');
    await expectAccessible(page, 'Policies (no key chosen)');
    await page.getByLabel('Key', { exact: true }).selectOption({ label: `${ALIAS} (${keyId})` });
    await expect(page).toHaveURL(new RegExp(`#/policies\\?key=${keyId}$`));

    const editor = page.getByLabel('Policy document (JSON)');
    await expect(editor).toHaveValue(/"Statement"/);
    const policy = JSON.parse(await editor.inputValue()) as { Statement: Array<Record<string, unknown>> };
    expect(policy.Statement.some((s) => s.Effect === 'Allow' && s.Action === 'kms:*')).toBe(true);
    policy.Statement.push({
      Sid: 'DenyOwnerDataKeys',
      Effect: 'Deny',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
    });
    await editor.fill(JSON.stringify(policy, null, 2));
    await expect(page.getByText('Valid JSON.')).toBeVisible();
    await expect(page.getByText('Unsaved changes')).toBeVisible();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Policy saved.' })).toBeVisible();
    await expect(page.getByText('Unsaved changes')).toBeHidden();

    // "Who can do what" now has the Deny.
    const summary = page.getByRole('region', { name: 'Who can do what' });
    await expect(summary.locator('.statement.deny')).toHaveCount(1);
    await expect(summary.locator('.statement.deny')).toContainText('DenyOwnerDataKeys');
    // An account in a Deny reaches all its users and roles, whatever their identity policies.
    await expect(summary.locator('.statement.deny')).toContainText(`this installation’s account (${ACCOUNT}): its owner, and every user and role in it`);

    // The simulator agrees: the owner is explicitly denied GenerateDataKey.
    const sim = page.getByRole('region', { name: 'Policy simulator' });
    await sim.getByLabel('Principal').fill('root');
    await sim.getByLabel('Action').selectOption('kms:GenerateDataKey');
    await sim.getByRole('button', { name: 'Simulate' }).click();
    await expect(sim.locator('.sim-result')).toContainText('Explicitly denied');
    await expect(sim.locator('.sim-result')).toContainText('DenyOwnerDataKeys');

    await expectAccessible(page, 'Policies');
    await screenshot(page, 'policies');
  });

  test('encrypting under the key now fails with Access denied and the engine’s reason', async () => {
    await goTo(page, 'Files');
    await dropFiles(page, page.getByRole('region', { name: 'Add files' }), [DENIED_FILE]);
    const encryptPanel = page.getByRole('region', { name: 'Encrypt 1 file' });
    await encryptPanel.getByRole('checkbox', { name: new RegExp(ALIAS) }).check();
    await encryptPanel.getByRole('button', { name: 'Encrypt' }).click();

    const job = page.getByRole('region', { name: 'Progress and results' }).getByRole('article', { name: /^Encrypting 1 file/ });
    await expect(job.getByRole('heading')).toContainText('finished: 0 done, 1 failed', { timeout: 60_000 });
    const error = job.getByRole('listitem').filter({ hasText: DENIED_FILE.name }).locator('.error-message');
    await expect(error).toBeVisible();
    await expect(error).toContainText(`${DENIED_FILE.name} failed.`);
    await expect(error).toContainText('Access denied');
    await expect(error).toContainText(/explicit deny/i);
    await expect(error).toContainText('AccessDeniedException');
    // No output was written for it.
    expect(() => readFileSync(join(outputDir(), `${DENIED_FILE.name}.strongroom`))).toThrow();

    await expectAccessible(page, 'Files (access denied)');
    await screenshot(page, 'files-access-denied');
  });

  test('the audit log is exported, its public key downloaded, and the export imported into the workspace with that key', async () => {
    await goTo(page, 'Audit');
    const exportCard = page.getByRole('region', { name: 'Export' });
    await exportCard.getByLabel('Format').selectOption('jsonl');
    await exportCard.getByRole('checkbox', { name: 'Compress (gzip)' }).uncheck();
    await exportCard.getByRole('button', { name: 'Export the log…' }).click();
    // The result's own status region (the "Exporting…" notice is another, while it lasts).
    const result = exportCard.getByRole('status').filter({ hasText: 'Exported' });
    await expect(result).toContainText(/Exported \d+ records \(1–\d+\) to strongroom-audit-111122223333-\d{4}-\d{2}-\d{2}\.jsonl/);
    const name = (await result.locator('strong').textContent()) ?? '';
    // The file is in the output folder, and its SHA-256 is the one shown.
    const exported = readFileSync(join(outputDir(), name));
    await expect(result).toContainText(createHash('sha256').update(exported).digest('hex'));
    expect(exported.toString('utf8')).toContain(keyId);

    const download = page.waitForEvent('download');
    await exportCard.getByRole('button', { name: 'Download public key' }).click();
    const pem = readFileSync((await (await download).path()) ?? '', 'utf8');
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);

    const workspace = page.getByRole('region', { name: 'Inspection workspace' });
    await expect(workspace.getByText('Nothing imported yet.')).toBeVisible();
    await workspace.getByLabel('Export files', { exact: true }).setInputFiles({ name, mimeType: 'application/jsonl', buffer: exported });
    await workspace.getByLabel('Trusted public key (optional)').setInputFiles({ name: 'audit.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(pem) });
    await workspace.getByLabel('Label (optional)').fill('desk one;');
    await expect(workspace.getByText('Letters, digits, spaces and . _ / - only')).toBeVisible();
    await expect(workspace.getByRole('button', { name: 'Verify and import' })).toBeDisabled();
    await workspace.getByLabel('Label (optional)').fill('desk-one');
    await workspace.getByRole('button', { name: 'Verify and import' }).click();
    await expect(workspace.getByRole('status').filter({ hasText: 'Verified' })).toContainText(/desk-one: \d+ new records of \d+, signed by the trusted public key you gave/);
    await expect(workspace.getByRole('row', { name: /desk-one/ })).toContainText(ACCOUNT);

    // The Records card reads the workspace: the imported key's records are there.
    const records = page.getByRole('region', { name: 'Records' });
    await records.getByRole('radio', { name: 'Imported exports (inspection workspace)' }).check();
    await records.getByLabel('Event name').fill('CreateKey');
    await records.getByRole('button', { name: 'Apply filters' }).click();
    const rows = records.getByRole('table', { name: 'Audit records, newest first' }).getByRole('row');
    await expect(rows.filter({ has: page.getByRole('cell', { name: 'CreateKey', exact: true }) }).filter({ hasText: keyId.slice(0, 8) })).toHaveCount(1);
    await expectAccessible(page, 'Audit (export and workspace)');
    await screenshot(page, 'audit-workspace');
    await records.getByRole('button', { name: 'Clear filters' }).click();
    await records.getByRole('radio', { name: 'This installation' }).check();
  });

  test('the AWS-compatible endpoint is started from Settings and the AWS SDK uses it with an access key made there', async () => {
    await goTo(page, 'Settings');
    const endpoint = page.getByRole('region', { name: 'Local endpoint' });
    await expect(endpoint.getByRole('status').first()).toContainText('Not running');
    await endpoint.getByLabel('Port').fill('70000');
    await expect(endpoint.getByText('A port is a whole number from 0 to 65535')).toBeVisible();
    await endpoint.getByLabel('Port').fill('0');
    await endpoint.getByRole('button', { name: 'Start the endpoint' }).click();
    await expect(endpoint.getByRole('status').first()).toContainText('Running');
    const url = (await endpoint.locator('dd.mono').first().textContent()) ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    await endpoint.getByRole('button', { name: 'Create an access key' }).click();
    const secretBox = endpoint.locator('.secret-once');
    await expect(secretBox).toContainText('Copy the secret now');
    const accessKeyId = (await secretBox.locator('dd').nth(0).textContent()) ?? '';
    const secretAccessKey = (await secretBox.locator('dd').nth(1).textContent()) ?? '';
    // Lines every client version reads (test/interop/endpoint-setup.test.ts runs them with Debian's AWS CLI 2.9 and boto3 1.26).
    await expect(secretBox.getByLabel('AWS CLI', { exact: true })).toContainText(`aws kms list-keys --endpoint-url ${url}`);
    await expect(secretBox.getByLabel('boto3', { exact: true })).toContainText(`endpoint_url='${url}'`);
    await expect(endpoint.getByRole('row', { name: new RegExp(accessKeyId) })).toBeVisible();
    await expectAccessible(page, 'Settings (endpoint running, new access key)');
    await screenshot(page, 'settings-endpoint');

    const client = new KMSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
    try {
      const listed = await client.send(new ListKeysCommand({}));
      expect(listed.Keys?.map((k) => k.KeyId)).toContain(keyId);

      await secretBox.getByRole('button', { name: 'I have copied it' }).click();
      await expect(secretBox).toHaveCount(0);
      await endpoint.getByRole('button', { name: `Delete ${accessKeyId}` }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete this access key?' });
      await confirm.getByRole('button', { name: 'Delete the key' }).click();
      await expect(endpoint.getByText('No access keys: create one to use the endpoint.')).toBeVisible();
      await expect(client.send(new ListKeysCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    } finally {
      client.destroy();
    }
    await endpoint.getByRole('button', { name: 'Stop the endpoint' }).click();
    await expect(endpoint.getByRole('status').first()).toContainText('Not running');
    await goTo(page, 'Keys');
  });

  test('Settings, and Keys and Audit in the dark theme', async () => {
    await goTo(page, 'Settings');
    await expect(page.getByRole('region', { name: 'Installation' })).toContainText('Unlocked');
    await expect(page.getByRole('region', { name: 'Installation' })).toContainText(ACCOUNT);
    await expect(page.getByRole('region', { name: 'Data directory' })).toContainText(env('STRONGROOM_UI_DATA_DIR'));
    await expectAccessible(page, 'Settings');
    await screenshot(page, 'settings');

    await chooseTheme(page, 'Dark');
    await expectAccessible(page, 'Settings (dark)');
    await screenshot(page, 'settings-dark');

    // The overview after the story: the key enabled, and the refused encryption among the denials.
    await goTo(page, 'Overview');
    await expect(page.getByRole('region', { name: 'Keys by state' })).toContainText('Enabled');
    await expect(page.getByRole('region', { name: 'Recent failures and denials' })).toContainText('Denied');
    await expect(page.getByRole('region', { name: 'Recent failures and denials' })).toContainText(ALIAS);
    await expectAccessible(page, 'Overview (dark)');
    await screenshot(page, 'overview-dark');

    await goTo(page, 'Keys');
    await expect(page.getByRole('row', { name: new RegExp(ALIAS) })).toBeVisible();
    await expectAccessible(page, 'Keys (dark)');
    await screenshot(page, 'keys-dark');

    await page.getByRole('row', { name: new RegExp(ALIAS) }).getByRole('link').click();
    await expect(page.getByRole('heading', { level: 1, name: ALIAS })).toBeFocused();
    await expect(page.getByRole('region', { name: 'Rotation' })).toBeVisible();
    await expectAccessible(page, 'Key detail (dark)');
    await screenshot(page, 'key-detail-dark');

    await goTo(page, 'Keys');
    await page.getByRole('main').getByRole('link', { name: 'Create key' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Create key' })).toBeFocused();
    await expectAccessible(page, 'Create key (dark)');
    await screenshot(page, 'create-key-wizard-dark');

    await goTo(page, 'Audit');
    await expect(page.getByRole('region', { name: 'Chain verification' }).locator('.badge')).toHaveText('Verified');
    // The pages visited since the denied call wrote audited reads of their own (a key's quorum
    // rule, the access keys): the outcome filter finds the denied call wherever it now stands.
    await page.getByLabel('Outcome', { exact: true }).selectOption('Failure');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page.getByRole('cell', { name: 'AccessDeniedException' }).first()).toBeVisible();
    await expectAccessible(page, 'Audit (dark)');
    await screenshot(page, 'audit-dark');
    const failed = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'AccessDeniedException' }) }).first();
    await failed.getByRole('button').click();
    const drawer = page.getByRole('dialog', { name: /^Record \d+: GenerateDataKey$/ });
    await expect(drawer).toContainText('Access denied');
    await expectAccessible(page, 'Audit record drawer (dark)');
    await screenshot(page, 'audit-drawer-dark', { fullPage: false });
    await drawer.getByRole('button', { name: 'Close' }).click();
    await expect(drawer).toBeHidden();

    await goTo(page, 'Policies');
    await page.getByLabel('Key', { exact: true }).selectOption({ label: `${ALIAS} (${keyId})` });
    await expect(page.getByRole('region', { name: 'Who can do what' }).locator('.statement.deny')).toHaveCount(1);
    const sim = page.getByRole('region', { name: 'Policy simulator' });
    await sim.getByLabel('Action').selectOption('kms:GenerateDataKeyWithoutPlaintext');
    await sim.getByRole('button', { name: 'Simulate' }).click();
    await expect(sim.locator('.sim-result')).toContainText('Explicitly denied');
    await expectAccessible(page, 'Policies (dark)');
    await screenshot(page, 'policies-dark');

    // Files, with a file chosen through the screen's own picker (the other way in than a drop).
    await goTo(page, 'Files');
    await page.getByLabel('Choose files').setInputFiles({ name: 'e2e-picked.txt', mimeType: 'text/plain', buffer: Buffer.from('Chosen with the file picker.\n') });
    await expect(page.getByRole('region', { name: 'Add files' }).getByRole('listitem').filter({ hasText: 'e2e-picked.txt' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Encrypt 1 file' }).getByRole('checkbox', { name: new RegExp(ALIAS) })).toBeVisible();
    await expectAccessible(page, 'Files (dark)');
    await screenshot(page, 'files-dark');

    await goTo(page, 'Settings');
    await chooseTheme(page, 'Light');
  });
});

// Custody, on a page of its own after the story: custodians registered with the CLI in
// global-setup, a key marked 2-of-2 with the CLI here (after the story, whose first screen counts
// no keys), its Quorum card and the refusal the window gets for a guarded call; then a SoftHSM2
// token made a custom key store from the window, connected, given a key with the wizard, used,
// disconnected — and the key is Unavailable.
test.describe('Custody', () => {
  const HSM_STORE = 'e2e-hsm';
  const HSM_ALIAS = 'alias/e2e-in-token';
  let context: BrowserContext;
  let page: Page;
  let guardedKeyId = '';

  const cli = (...args: Array<string>): string => {
    const run = spawnSync(process.execPath, [join(ROOT, 'electron', 'cli', 'bin.cjs'), ...args], {
      env: { ...process.env, STRONGROOM_DATA_DIR: env('STRONGROOM_UI_DATA_DIR'), STRONGROOM_PASSPHRASE: PASSPHRASE, STRONGROOM_AGENT: 'off' },
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      throw new Error(`strongroom ${args.join(' ')} failed: ${run.stderr}`);
    }
    return run.stdout;
  };

  test.beforeAll(async ({ browser }) => {
    const created = JSON.parse(cli('create-key', '--description', 'Guarded by a 2-of-2 quorum')) as { KeyMetadata: { KeyId: string } };
    guardedKeyId = created.KeyMetadata.KeyId;
    cli('quorum', 'set', '--key-id', guardedKeyId, '--threshold', '2', '--custodians', CUSTODIANS.join(','));
    context = await browser.newContext({ colorScheme: 'light' });
    page = await context.newPage();
    await page.goto(env('STRONGROOM_UI_URL'));
    await expect(page.getByRole('link', { name: 'Installation: Unlocked' })).toBeVisible();
  });

  test.afterAll(async () => {
    await context.close();
  });

  test('Custody is reached from the keyboard and lists the custodians with the keys that name them', async () => {
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await skip.focus();
    let reached = false;
    for (let i = 0; i < 15 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await navLink(page, 'Custody').evaluate((el) => el === document.activeElement);
    }
    expect(reached, 'Tab reaches the Custody link').toBe(true);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/#\/custody$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Custody' })).toBeFocused();
    await expect(navLink(page, 'Custody')).toHaveAttribute('aria-current', 'page');
    await expect(page).toHaveTitle('Custody — Strongroom');

    const custodians = page.getByRole('region', { name: 'Custodians' });
    for (const name of CUSTODIANS) {
      const row = custodians.getByRole('row', { name: new RegExp(`^${name}\\b`) });
      await expect(row).toContainText('SHA256:');
      await expect(row.getByRole('link', { name: guardedKeyId })).toBeVisible();
    }
    await expect(page.getByRole('region', { name: 'Custom key stores' })).toContainText('No custom key stores yet.');
    const backups = page.getByRole('region', { name: 'Backups (M of N)' });
    await expect(backups).toContainText('strongroom backup create');
    await expect(backups).toContainText('backup verify');
    await expect(backups).toContainText('backup restore');
    await expectAccessible(page, 'Custody');
    await screenshot(page, 'custody');
  });

  test('the guarded key shows its quorum rule, and scheduling its deletion from the window is refused with what to do', async () => {
    await page.getByRole('region', { name: 'Custodians' }).getByRole('link', { name: guardedKeyId }).first().click();
    await expect(page).toHaveURL(new RegExp(`#/keys/${guardedKeyId}$`));
    const quorum = page.getByRole('region', { name: 'Quorum' });
    await expect(quorum).toContainText('2 of 2');
    await expect(quorum).toContainText('alice, bob');
    await expect(quorum).toContainText('Schedule deletion, Edit policy, Disable, Export key material need 2 custodian approvals');
    const steps = quorum.getByLabel('Approval commands');
    await expect(steps).toContainText('strongroom approval request ScheduleKeyDeletion');
    await expect(steps).toContainText('strongroom approval sign --request request.json');
    await expect(steps).toContainText(new RegExp(`strongroom schedule-key-deletion --key-id arn:aws:kms:[a-z0-9-]+:${ACCOUNT}:key/${guardedKeyId} --pending-window-in-days 30 --approvals`));
    await quorum.getByLabel('Steps for').selectOption({ label: 'Disable' });
    await expect(steps).toContainText('strongroom disable-key --key-id');
    await expect(page.getByRole('region', { name: 'General' })).toContainText('No (fixed at creation)');
    await expectAccessible(page, 'Key detail (quorum)');
    await screenshot(page, 'key-detail-quorum');

    await page.getByRole('button', { name: 'Schedule key deletion' }).click();
    const dialog = page.getByRole('dialog', { name: 'Schedule key deletion' });
    await dialog.getByRole('button', { name: 'Schedule deletion' }).click();
    const error = dialog.locator('.error-message');
    await expect(error).toContainText('Access denied');
    await expect(error).toContainText('needs 2 of 2 custodian approvals (alice, bob); no approvals were given');
    await expect(error).toContainText('cannot carry custodian approvals');
    await expect(error).toContainText('AccessDeniedException');
    await expectAccessible(page, 'Key detail (quorum refusal)');
    await screenshot(page, 'key-detail-quorum-refused', { fullPage: false });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('region', { name: 'General' })).toContainText('Enabled');
  });

  test('a PKCS#11 token becomes a store, holds a key made with the wizard, and the key is unavailable once it is disconnected', async () => {
    await goTo(page, 'Custody');
    const stores = page.getByRole('region', { name: 'Custom key stores' });
    await stores.getByRole('button', { name: 'Add a PKCS#11 store' }).click();
    const form = page.getByRole('dialog', { name: 'Add a PKCS#11 custom key store' });
    await expect(form.getByLabel('Store name')).toBeFocused();
    await form.getByLabel('Store name').fill(HSM_STORE);
    await form.getByLabel('PKCS#11 module path').fill(env('STRONGROOM_UI_SOFTHSM_MODULE'));
    await form.getByLabel('Token label').fill(TOKEN.label);
    await form.getByLabel('User PIN').fill(TOKEN.pin);
    await expect(form.getByLabel('User PIN')).toHaveAttribute('type', 'password');
    await expectAccessible(page, 'Custody (new store)');
    await screenshot(page, 'custody-new-store', { fullPage: false });
    await form.getByRole('button', { name: 'Create the store' }).click();
    await expect(form).toBeHidden();
    const row = stores.getByRole('row', { name: new RegExp(`^${HSM_STORE}\\b`) });
    await expect(row).toContainText('Disconnected');
    await expect(row).toContainText('PKCS11');
    await expect(row).toContainText(TOKEN.label);
    // The PIN is nowhere in the page once sent.
    expect(await page.content()).not.toContain(TOKEN.pin);

    await row.getByRole('button', { name: `Connect ${HSM_STORE}` }).click();
    await page.getByRole('dialog', { name: `Connect ${HSM_STORE}?` }).getByRole('button', { name: 'Connect the store' }).click();
    await expect(row).toContainText('Connected');
    await expect(stores.getByText(`Asked ${HSM_STORE} to connect`)).toBeVisible();

    // The wizard offers the connected store; the key it makes there is SYMMETRIC_DEFAULT.
    await goTo(page, 'Keys');
    await page.getByRole('main').getByRole('link', { name: 'Create key' }).click();
    await page.getByRole('radio', { name: new RegExp(`^In the custom key store ${HSM_STORE}`) }).check();
    await expect(page.getByRole('checkbox', { name: /^Exportable/ })).toBeDisabled();
    await expectAccessible(page, 'Create key (custom key store)');
    await screenshot(page, 'create-key-in-store');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Alias (optional)').fill(HSM_ALIAS.replace(/^alias\//, ''));
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.locator('dl.review')).toContainText(`Custom key store ${HSM_STORE}`);
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByRole('heading', { level: 1, name: HSM_ALIAS })).toBeVisible();
    const general = page.getByRole('region', { name: 'General' });
    await expect(general).toContainText('AWS_CLOUDHSM');
    await expect(general).toContainText(/cks-[0-9a-f]{17}/);
    await expect(general).toContainText('Enabled');

    // Used: a small file encrypted under it on the Files screen.
    await goTo(page, 'Files');
    await page.getByLabel('Choose files').setInputFiles({ name: 'e2e-token.txt', mimeType: 'text/plain', buffer: Buffer.from('Sealed by a key that lives in a PKCS#11 token.\n') });
    const encryptPanel = page.getByRole('region', { name: 'Encrypt 1 file' });
    await encryptPanel.getByRole('checkbox', { name: new RegExp(HSM_ALIAS) }).check();
    await encryptPanel.getByRole('button', { name: 'Encrypt' }).click();
    const job = page.getByRole('region', { name: 'Progress and results' }).getByRole('article', { name: /^Encrypting 1 file/ });
    await expect(job.getByRole('heading')).toContainText('finished: 1 done', { timeout: 60_000 });
    expect(readFileSync(join(env('STRONGROOM_UI_OUTPUT_DIR'), 'e2e-token.txt.strongroom'))[0]).toBe(0x02);

    // Disconnected: the key is Unavailable.
    await goTo(page, 'Custody');
    await row.getByRole('button', { name: `Disconnect ${HSM_STORE}` }).click();
    await page.getByRole('dialog', { name: `Disconnect ${HSM_STORE}?` }).getByRole('button', { name: 'Disconnect the store' }).click();
    await expect(row).toContainText('Disconnected');
    // Deleting it is refused while it holds a key, in plain words.
    await row.getByRole('button', { name: `Delete ${HSM_STORE}` }).click();
    await page.getByRole('dialog', { name: `Delete ${HSM_STORE}?` }).getByRole('button', { name: 'Delete the store' }).click();
    const refused = stores.locator('.error-message');
    await expect(refused).toContainText('The store was not deleted.');
    await expect(refused).toContainText('The custom key store still holds keys');
    await expect(refused).toContainText('CustomKeyStoreHasCMKsException');
    await expect(row).toBeVisible();
    await goTo(page, 'Keys');
    await expect(page.getByRole('row', { name: new RegExp(HSM_ALIAS) })).toContainText('Unavailable');
    await page.getByRole('row', { name: new RegExp(HSM_ALIAS) }).getByRole('link').first().click();
    await expect(page.getByRole('region', { name: 'General' })).toContainText('Unavailable');
    // A token's key does not rotate: no Rotation card offers it.
    await expect(page.getByRole('region', { name: 'Rotation' })).toHaveCount(0);
    await expectAccessible(page, 'Key detail (unavailable)');
    await screenshot(page, 'key-detail-unavailable');
  });

  test('an exportable key is created with the wizard, and its page says so with the export command', async () => {
    await goTo(page, 'Keys');
    await page.getByRole('main').getByRole('link', { name: 'Create key' }).click();
    const exportable = page.getByRole('checkbox', { name: 'Exportable (can be wrapped for AWS KMS import; cannot be changed later)' });
    await expect(exportable).not.toBeChecked();
    await exportable.check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Alias (optional)').fill('e2e-exportable');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.locator('dl.review').getByRole('definition').filter({ hasText: /^Yes$/ })).toBeVisible();
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'alias/e2e-exportable' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'General' }).locator('.badge', { hasText: 'Exportable' })).toBeVisible();
    const exportCard = page.getByRole('region', { name: 'Export for AWS KMS' });
    await expect(exportCard).toContainText('strongroom export-key --key-id');
    await expect(exportCard).toContainText('strongroom:ExportKeyMaterial');
    await expect(page.getByRole('region', { name: 'Quorum' })).toContainText('No quorum rule');
    await expectAccessible(page, 'Key detail (exportable)');
    await screenshot(page, 'key-detail-exportable');
  });

  test('Custody and the quorum card in the dark theme', async () => {
    await goTo(page, 'Settings');
    await chooseTheme(page, 'Dark');
    await goTo(page, 'Custody');
    await expect(page.getByRole('region', { name: 'Custom key stores' })).toContainText(HSM_STORE);
    await expectAccessible(page, 'Custody (dark)');
    await screenshot(page, 'custody-dark');
    await page.goto(`${new URL(env('STRONGROOM_UI_URL')).origin}/#/keys/${guardedKeyId}`);
    await expect(page.getByRole('region', { name: 'Quorum' })).toContainText('2 of 2');
    await expectAccessible(page, 'Key detail (quorum, dark)');
    await screenshot(page, 'key-detail-quorum-dark');
    await goTo(page, 'Settings');
    await chooseTheme(page, 'Light');
  });
});
