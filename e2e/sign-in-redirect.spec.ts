import { expect, test } from '@playwright/test';
import { e2eState } from './support/state.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL });

// Sign-in links whose `next` browsers would follow off-site if it were used as given.
const OFF_SITE = [
  '/login?next=/\\evil.example',
  '/login?next=/%09/evil.example',
  '/login?next=//evil.example',
  '/login?next=https://evil.example/',
  '/login?next=/%252F%252Fevil.example',
  '/login?next=/.//evil.example',
  '/login?next=/a/..//evil.example',
];

for (const raw of OFF_SITE) {
  test(`after sign-in from ${raw}, the browser lands on the overview of this console`, async ({ page }) => {
    const origin = new URL(state.baseURL).origin;
    await page.goto(raw);
    await page.getByLabel('Username').fill(state.viewer.username);
    await page.getByLabel('Password').fill(state.viewer.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('signed-in-user')).toContainText(state.viewer.username);
    expect(new URL(page.url()).origin).toBe(origin);
    expect(new URL(page.url()).pathname).toBe('/');

    // Signed in already, the login page itself redirects: the same rule applies on the server.
    await page.goto(raw);
    await expect(page.getByTestId('signed-in-user')).toContainText(state.viewer.username);
    expect(new URL(page.url()).origin).toBe(origin);
    expect(new URL(page.url()).pathname).toBe('/');
  });
}

test('a path on this console is still followed after sign-in', async ({ page }) => {
  await page.goto(`/login?next=${encodeURIComponent('/alerts')}`);
  await page.getByLabel('Username').fill(state.viewer.username);
  await page.getByLabel('Password').fill(state.viewer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/alerts$/);
});
