import { expect, test } from '@playwright/test';
import { e2eState } from './support/state.ts';
import { pageAlert, signInOk } from './support/sign-in.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL });

test('a signed-out visitor is sent to sign in, then back to the page asked for', async ({ page }) => {
  await page.goto('/system-settings/sensor-setup');
  await expect(page).toHaveURL(/\/login\?next=%2Fsystem-settings%2Fsensor-setup$/);
  await page.getByLabel('Username').fill(state.admin.username);
  await page.getByLabel('Password').fill(state.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/system-settings\/sensor-setup$/);
  await expect(page.getByRole('heading', { name: 'Connection String' })).toBeVisible();
});

test('a Read Only user is refused System Settings', async ({ page }) => {
  await signInOk(page, state.viewer.username, state.viewer.password);
  await expect(page.getByTestId('signed-in-user')).toContainText('Read Only');
  await expect(page.getByRole('link', { name: 'System Settings' })).toHaveCount(0);
  await page.goto('/system-settings/sensor-setup');
  await expect(page).toHaveURL(/\/forbidden/);
  await expect(pageAlert(page)).toContainText('This page needs the Admin role');
  await expect(page.getByTestId('connection-string')).toHaveCount(0);
});

test('signing out ends the session', async ({ page }) => {
  await signInOk(page, state.viewer.username, state.viewer.password);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
});
