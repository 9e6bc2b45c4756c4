import { expect, test } from '@playwright/test';
import { e2eState } from './support/state.ts';
import { pageAlert, signIn } from './support/sign-in.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL });

test('repeated wrong passwords lock the account, and then even the right one is refused', async ({ page }) => {
  const { username, password } = state.lockme;
  for (let i = 1; i <= 4; i++) {
    await signIn(page, username, `wrong-password-${i}`);
    await expect(pageAlert(page)).toHaveText('Invalid username or password.');
  }
  await signIn(page, username, 'wrong-password-5');
  await expect(pageAlert(page)).toContainText('This account is now locked after 5 failed sign-ins');
  await signIn(page, username, password);
  await expect(pageAlert(page)).toContainText('This account is locked');
  await expect(page).toHaveURL(/\/login/);
});
