import { expect, test } from '@playwright/test';
import { e2eState } from './support/state.ts';
import { pageAlert, signInOk } from './support/sign-in.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL });

// Works on its own account only: 'admin', 'viewer' and 'lockme' belong to the other specs.
const USERNAME = 'e2e-analyst';

test('an admin creates a Security Analyst with a generated password, who signs in; the admin resets, demotes and deletes them', async ({
  page,
  browser,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings/users');
  await page.getByLabel('Username', { exact: true }).fill(USERNAME);
  await page.getByLabel('Role', { exact: true }).selectOption('SECURITY_ANALYST');
  await expect(page.getByLabel('Generate one (shown once after creating)')).toBeChecked();
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('status')).toHaveText(`${USERNAME} has been created with the Security Analyst role.`);
  const shown = page.getByTestId('one-time-password');
  await expect(shown).toHaveText(/^\S{20}$/);
  const password = (await shown.textContent())!;
  await expect(page.getByLabel(`Role of ${USERNAME}`)).toHaveValue('SECURITY_ANALYST');

  // The new user, in a browser of their own.
  const theirs = await browser.newContext({ baseURL: state.baseURL, ignoreHTTPSErrors: true });
  const them = await theirs.newPage();
  them.on('pageerror', (error) => pageErrors.push(`their page: ${error.message}`));
  await signInOk(them, USERNAME, password);
  await expect(them.getByTestId('signed-in-user')).toContainText('Security Analyst');

  // Shown once: dismissed, it is gone for good (also after a reload).
  await page.getByRole('button', { name: 'Done, hide it' }).click();
  await expect(shown).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('one-time-password')).toHaveCount(0);

  // Demoted: their session ends at their very next page; signed in again, they have the new role.
  await page.getByLabel(`Role of ${USERNAME}`).selectOption('READ_ONLY');
  await expect(page.getByRole('status')).toHaveText(`${USERNAME} now has the Read Only role.`);
  await them.reload();
  await expect(them).toHaveURL(/\/login/);
  await signInOk(them, USERNAME, password);
  await expect(them.getByTestId('signed-in-user')).toContainText('Read Only');

  // Reset: a new one-time password; the old one stops working.
  await page.getByRole('button', { name: `Reset password of ${USERNAME}` }).click();
  await page
    .getByRole('dialog', { name: `Reset the password of ${USERNAME}?` })
    .getByRole('button', { name: 'Reset password' })
    .click();
  await expect(page.getByTestId('one-time-password')).toHaveText(/^\S{20}$/);
  const resetPassword = (await page.getByTestId('one-time-password').textContent())!;
  expect(resetPassword).not.toBe(password);
  // The reset ends their session at their next page.
  await them.reload();
  await expect(them).toHaveURL(/\/login/);
  await signInOk(them, USERNAME, resetPassword);

  // Deleted: gone from the table, and their session ends.
  await page.getByRole('button', { name: `Delete ${USERNAME}` }).click();
  await page
    .getByRole('dialog', { name: `Delete ${USERNAME}?` })
    .getByRole('button', { name: 'Delete user' })
    .click();
  await expect(page.getByRole('status')).toHaveText(`${USERNAME} has been deleted. Their sessions have ended.`);
  await expect(page.getByTestId(`user-row-${USERNAME}`)).toHaveCount(0);
  await them.reload();
  await expect(them).toHaveURL(/\/login/);
  await theirs.close();
  // No client-side exception along the way, in either browser.
  expect(pageErrors).toEqual([]);
});

test('an admin cannot delete their own account or change their own role', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings/users');
  await expect(page.getByTestId('user-row-admin')).toContainText('(you)');

  await page.getByRole('button', { name: 'Delete admin' }).click();
  await page.getByRole('dialog', { name: 'Delete admin?' }).getByRole('button', { name: 'Delete user' }).click();
  await expect(pageAlert(page)).toHaveText('You cannot delete your own account. Ask another Admin to do it.');

  await page.getByLabel('Role of admin').selectOption('READ_ONLY');
  await expect(pageAlert(page)).toHaveText('You cannot change your own role. Ask another Admin to do it.');
  // The select snaps back to the role the server still holds.
  await expect(page.getByLabel('Role of admin')).toHaveValue('ADMIN');

  await page.reload();
  await expect(page.getByTestId('user-row-admin')).toBeVisible();
  await expect(page.getByLabel('Role of admin')).toHaveValue('ADMIN');
  await expect(page.getByTestId('signed-in-user')).toContainText('Admin');
  // No client-side exception along the way.
  expect(pageErrors).toEqual([]);
});

test('changing your own password keeps this session and signs your other browsers out', async ({ page, browser }) => {
  const username = 'e2e-self';
  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings/users');
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Role', { exact: true }).selectOption('READ_ONLY');
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByTestId('one-time-password')).toHaveText(/^\S{20}$/);
  const password = (await page.getByTestId('one-time-password').textContent())!;

  const contexts = await Promise.all([0, 1].map(() => browser.newContext({ baseURL: state.baseURL, ignoreHTTPSErrors: true })));
  const [here, elsewhere] = await Promise.all(contexts.map((c) => c.newPage()));
  await signInOk(here!, username, password);
  await signInOk(elsewhere!, username, password);

  await here!.goto('/account');
  await here!.getByLabel('Current password').fill(password);
  await here!.getByLabel('New password', { exact: true }).fill('My-Own-New-Pass-2468');
  await here!.getByLabel('Repeat new password').fill('My-Own-New-Pass-2468');
  await here!.getByRole('button', { name: 'Change password' }).click();
  await expect(here!.getByRole('status')).toHaveText('Your password has been changed.');

  await here!.reload();
  await expect(here!.getByTestId('signed-in-user')).toContainText(username);
  await here!.goto('/sensors');
  await expect(here!.getByTestId('signed-in-user')).toContainText(username);

  await elsewhere!.reload();
  await expect(elsewhere!).toHaveURL(/\/login/);
  await signInOk(elsewhere!, username, 'My-Own-New-Pass-2468');
  await Promise.all(contexts.map((c) => c.close()));
});
