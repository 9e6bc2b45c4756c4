import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { e2eState } from './support/state.ts';
import { signInOk } from './support/sign-in.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL, permissions: ['clipboard-read', 'clipboard-write'] });

let work: string;
test.beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'otc-e2e-export-'));
});
test.afterAll(() => rmSync(work, { recursive: true, force: true }));

test('an admin exports two log categories, reveals the one-time password and opens the download with 7-Zip', async ({ page }) => {
  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings');
  await page.getByRole('navigation', { name: 'System Settings' }).getByRole('link', { name: 'Export' }).click();
  await expect(page).toHaveURL(/\/system-settings\/export$/);
  await expect(page.getByRole('heading', { name: 'Export Logs' })).toBeVisible();

  // Select All toggles every category; then exactly two are chosen.
  const selectAll = page.getByLabel('Select All');
  await selectAll.check();
  for (const label of ['Core Application', 'Sensor Communication', 'System Backup']) await expect(page.getByLabel(label)).toBeChecked();
  await selectAll.uncheck();
  await expect(page.getByLabel('Core Application')).not.toBeChecked();
  await page.getByLabel('Web Application', { exact: true }).check();
  await page.getByLabel('Audit', { exact: true }).check();
  await page.getByRole('button', { name: 'Export', exact: true }).click();

  // The password is masked until revealed, with the warning that it is shown only now.
  const shown = page.getByTestId('export-password');
  await expect(shown).toHaveText('•'.repeat(20));
  await expect(page.getByText('The console does not store this password and cannot show it again.')).toBeVisible();
  await page.getByRole('button', { name: 'Reveal password' }).click();
  await expect(shown).toHaveText(/^[^•\s]{20}$/);
  const password = (await shown.textContent())!;
  await page.getByRole('button', { name: 'Copy password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Password copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(password);

  // The list follows the export to ready by itself (the page refreshes while it runs).
  const row = page.getByTestId('export-row').first();
  await expect(row).toContainText('Web Application, Audit');
  const link = row.getByRole('link', { name: 'Download' });
  await expect(link).toBeVisible({ timeout: 30_000 });
  await expect(row).toContainText('Ready');
  // Refreshing the list did not lose the password the page is showing.
  await expect(shown).toHaveText(password);

  const downloading = page.waitForEvent('download');
  await link.click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^otc-logs-\d{4}-\d\d-\d\d-\d{6}\.zip$/);
  const archive = path.join(work, download.suggestedFilename());
  await download.saveAs(archive);

  const out = path.join(work, 'extracted');
  execFileSync('7z', ['x', `-p${password}`, `-o${out}`, '-y', archive], { stdio: 'pipe' });
  const files = readdirSync(out, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(out, path.join(e.parentPath, e.name)));
  expect(files).toEqual(expect.arrayContaining(['manifest.json', 'README.txt', 'web/web.log', 'audit/audit.log']));
  expect(files.every((f) => f === 'manifest.json' || f === 'README.txt' || /^(web|audit)\//.test(f))).toBe(true);
  // Real core logs: this very page's request is in the web log, the admin's sign-in in the audit log.
  expect(readFileSync(path.join(out, 'web/web.log'), 'utf8')).toContain('"path":"/system-settings/export"');
  expect(readFileSync(path.join(out, 'audit/audit.log'), 'utf8')).toMatch(
    /"action":"auth.sign-in".*"outcome":"success"|"outcome":"success".*"action":"auth.sign-in"/,
  );
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { categories: string[]; files: { path: string }[] };
  expect(manifest.categories).toEqual(['web', 'audit']);
  expect(manifest.files.map((f) => f.path).sort()).toEqual(files.filter((f) => f.includes('/')).sort());

  const wrong = spawnSync('7z', ['t', '-pNot-The-Password-1', archive], { encoding: 'utf8' });
  expect(wrong.status).not.toBe(0);
  expect(`${wrong.stdout}${wrong.stderr}`).toContain('Wrong password');

  // The console kept no copy of the password: not in its data directory, its database files or its logs.
  const grep = spawnSync('grep', ['-rlF', password, state.dataDir]);
  expect(grep.stdout.toString()).toBe('');
});
