import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { e2eState } from './support/state.ts';
import { pageAlert, signInOk } from './support/sign-in.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL });

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

test('an admin creates the encryption key, backs up now, downloads the backup intact and opens it with age and the saved identity', async ({
  page,
}, testInfo) => {
  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings/backups');
  await expect(page.getByRole('heading', { name: 'Backups', exact: true })).toBeVisible();
  await expect(page.getByText('sudo cyberx-management-system-restore -i <identity file>', { exact: false })).toBeVisible();

  // No key yet: nothing can be backed up, and the page says where to set one.
  await expect(page.getByText('no backup is made until one is')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Back Up Now' })).toBeDisabled();
  await page.getByRole('link', { name: 'Set the encryption key' }).click();
  await expect(page).toHaveURL(/#encryption-key$/);

  // A pasted value that is not a recipient is refused at its field.
  await page.getByLabel('Recipient (age1…)').fill('AGE-SECRET-KEY-1QQQQ');
  await page.getByRole('button', { name: 'Save recipient' }).click();
  await expect(page.getByText('That is an identity (a secret key), not a recipient.', { exact: false })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Back Up Now' })).toBeDisabled();

  await page.getByRole('button', { name: 'Create key' }).click();
  const identity = page.getByTestId('backup-identity');
  await expect(identity).toContainText('AGE-SECRET-KEY-1');
  const identityText = (await identity.textContent())!;
  const recipient = /# public key: (age1\w+)/.exec(identityText)![1]!;
  await expect(page.getByTestId('backup-recipient')).toHaveText(recipient);
  const savingIdentity = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download identity file' }).click();
  const identityDownload = await savingIdentity;
  expect(identityDownload.suggestedFilename()).toBe('otc-backup-identity.txt');
  const identityFile = testInfo.outputPath('identity.txt');
  await identityDownload.saveAs(identityFile);
  expect(await readFile(identityFile, 'utf8')).toBe(identityText);

  const rows = page.getByTestId('backup-row');
  const before = await rows.count();
  await page.getByRole('button', { name: 'Back Up Now' }).click();
  await expect(page.getByText('Backup started. Its progress is shown in the list.')).toBeVisible();
  await expect(rows).toHaveCount(before + 1);
  const row = rows.first();
  await expect(row).toContainText('Manual');
  await expect(row).toContainText('admin');
  await expect(row.getByTestId('backup-row-recipient')).toHaveAttribute('title', `Encrypted to ${recipient}`);
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
  expect(download.suggestedFilename()).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-manual\.tar\.gz\.age$/);
  const downloaded = await readFile((await download.path())!);
  expect(downloaded.length).toBe(bytes);
  expect(sha256(downloaded)).toBe(shown);
  // The very file in the appliance's backups directory: an age file, which the saved identity opens.
  expect(sha256(await readFile(path.join(state.dataDir, 'backups', download.suggestedFilename())))).toBe(shown);
  expect(downloaded.subarray(0, 22).toString('latin1')).toBe('age-encryption.org/v1\n');
  const opened = spawnSync('age', ['-d', '-i', identityFile], { input: downloaded });
  expect(opened.stderr.toString()).toBe('');
  expect(opened.status).toBe(0);
  const listing = spawnSync('tar', ['-tz'], { input: opened.stdout, encoding: 'utf8' });
  expect(listing.stdout).toContain('manifest.json\n');
  expect(listing.stdout).toContain('tables/user.jsonl\n');

  // Once the page is left, the identity is gone: the console kept only the recipient, and the secret
  // key is nowhere in its data directory (database files, logs, backups).
  await page.reload();
  await expect(page.getByTestId('backup-identity')).toHaveCount(0);
  await expect(page.getByTestId('backup-recipient')).toHaveText(recipient);
  const secret = /^AGE-SECRET-KEY-1\w+$/m.exec(identityText)![0];
  const grep = spawnSync('grep', ['-rlF', secret, state.dataDir]);
  expect(grep.stdout.toString()).toBe('');
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
