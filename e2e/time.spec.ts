import { expect, test } from '@playwright/test';
import { e2eState } from './support/state.ts';
import { signInOk } from './support/sign-in.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL });

test('an admin sets the time zone and NTP server; a bad server is refused; the console name shows in the header', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings/time');
  await expect(page.getByTestId('console-time-zone')).toHaveText('UTC (UTC+00:00)');
  await expect(page.getByTestId('console-time')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

  await page.getByLabel('NTP server').fill('not a host');
  await page.getByLabel('Time zone').selectOption('Asia/Tokyo');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByLabel('NTP server')).toHaveAccessibleDescription('Enter an IPv4 address or a host name (or leave it empty).');
  await expect(page.getByLabel('NTP server')).toHaveAttribute('aria-invalid', 'true');
  await page.reload();
  await expect(page.getByTestId('console-time-zone')).toHaveText('UTC (UTC+00:00)');

  await page.getByLabel('NTP server').fill('192.0.2.10');
  await page.getByLabel('Time zone').selectOption('Asia/Tokyo');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved.');
  await expect(page.getByTestId('console-time-zone')).toHaveText('Asia/Tokyo (UTC+09:00)');
  await page.reload();
  await expect(page.getByLabel('NTP server')).toHaveValue('192.0.2.10');
  await expect(page.getByLabel('Time zone')).toHaveValue('Asia/Tokyo');

  // Back to the defaults for the other specs.
  await page.getByLabel('NTP server').fill('');
  await page.getByLabel('Time zone').selectOption('UTC');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('console-time-zone')).toHaveText('UTC (UTC+00:00)');

  await page.getByRole('link', { name: 'General' }).click();
  const header = page.getByRole('banner').getByRole('link').first();
  const domain = (await header.textContent())!;
  await page.getByLabel('Console name (up to 25 characters)').fill('Plant North OT');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved. The header shows the new name.');
  await expect(header).toHaveText('Plant North OT');
  await page.getByLabel('Console name (up to 25 characters)').fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(header).toHaveText(domain);
  // No client-side exception along the way.
  expect(pageErrors).toEqual([]);
});
