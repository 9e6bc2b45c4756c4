import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { e2eState } from './support/state.ts';
import { pageAlert, signInOk } from './support/sign-in.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL });

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

test('an admin backs up now, sees the ready backup with its size and SHA-256, and downloads it intact', async ({ page }) => {
  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings/backups');
  await expect(page.getByRole('heading', { name: 'Backups' })).toBeVisible();
  await expect(page.getByText('sudo cyberx-management-system-restore', { exact: false })).toBeVisible();
  const rows = page.getByTestId('backup-row');
  const before = await rows.count();

  await page.getByRole('button', { name: 'Back Up Now' }).click();
  await expect(page.getByText('Backup started. Its progress is shown in the list.')).toBeVisible();
  await expect(rows).toHaveCount(before + 1);
  const row = rows.first();
  await expect(row).toContainText('Manual');
  await expect(row).toContainText('admin');
  // Running (with a progress bar) or already done; the page follows it until it is ready.
  await expect(row.getByText('Ready')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Back Up Now' })).toBeEnabled();

  const checksum = row.getByTestId('backup-sha256');
  const shown = (await checksum.getAttribute('title'))!;
  expect(shown).toMatch(/^[0-9a-f]{64}$/);
  await expect(checksum).toHaveText(`${shown.slice(0, 12)}…`);
  await expect(row.getByTestId('backup-size')).toHaveText(/^\d+(\.\d)? (B|KiB|MiB)$/);
  const bytes = Number(/^(\d+) bytes$/.exec((await row.getByTestId('backup-size').getAttribute('title'))!)![1]);

  const downloading = page.waitForEvent('download');
  await row.getByRole('link', { name: 'Download' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-manual\.tar\.gz$/);
  const downloaded = await readFile((await download.path())!);
  expect(downloaded.length).toBe(bytes);
  expect(sha256(downloaded)).toBe(shown);
  // The very file in the appliance's backups directory, which is a gzip archive.
  expect(sha256(await readFile(path.join(state.dataDir, 'backups', download.suggestedFilename())))).toBe(shown);
  expect(downloaded.subarray(0, 2).toString('hex')).toBe('1f8b');
});

test('a weekly schedule is saved and kept after a reload; a bad value is refused at its field', async ({ page }) => {
  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings/backups');
  const form = page.getByRole('form', { name: 'Backup schedule' });
  await expect(form.getByLabel('Day of the week')).toHaveCount(0);
  await form.getByLabel('Frequency').selectOption('weekly');
  await form.getByLabel('Day of the week').selectOption({ label: 'Wednesday' });
  await form.getByLabel('Time of day').fill('03:15');
  await form.getByLabel('Time zone').selectOption('Europe/Berlin');
  await form.getByLabel('Scheduled backups to keep (1–100)').fill('0');
  await form.getByRole('button', { name: 'Save schedule' }).click();
  await expect(form.getByText('Keep at least one backup.')).toBeVisible();
  await expect(form.getByLabel('Scheduled backups to keep (1–100)')).toHaveAttribute('aria-invalid', 'true');
  await expect(pageAlert(page)).toHaveCount(0);

  await form.getByLabel('Scheduled backups to keep (1–100)').fill('5');
  await form.getByRole('button', { name: 'Save schedule' }).click();
  await expect(form.getByText('Schedule saved.')).toBeVisible();

  await page.reload();
  await expect(form.getByLabel('Frequency')).toHaveValue('weekly');
  await expect(form.getByLabel('Day of the week')).toHaveValue('3');
  await expect(form.getByLabel('Time of day')).toHaveValue('03:15');
  await expect(form.getByLabel('Time zone')).toHaveValue('Europe/Berlin');
  await expect(form.getByLabel('Scheduled backups to keep (1–100)')).toHaveValue('5');
  await expect(page.getByTestId('next-backup')).toContainText(
    /Next scheduled backup: \d{4}-\d\d-\d\d 03:15 Europe\/Berlin \(UTC\+0[12]:00\)/,
  );
});
