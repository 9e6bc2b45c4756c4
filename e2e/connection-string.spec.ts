import { expect, test } from '@playwright/test';
import { peerIdentity } from '../lib/peer/protocol.ts';
import { provenStep } from '../lib/trusted-hosts/pair-client.ts';
import { e2eState } from './support/state.ts';
import { signInOk } from './support/sign-in.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL, permissions: ['clipboard-read', 'clipboard-write'] });

test('an admin reveals, copies and regenerates the connection string; the old token stops working', async ({ page }) => {
  await signInOk(page, state.admin.username, state.admin.password);
  await page.getByRole('link', { name: 'System Settings' }).click();
  await expect(page).toHaveURL(/\/system-settings\/sensor-setup$/);

  const shown = page.getByTestId('connection-string');
  const host = new URL(state.baseURL);
  // Masked by default: the address is visible, the token is not even in the page.
  await expect(shown).toHaveText(`${host.hostname}:${host.port}:${'•'.repeat(32)}`);

  await page.getByRole('button', { name: 'Reveal connection string' }).click();
  await expect(shown).toHaveText(new RegExp(`^${host.hostname.replaceAll('.', '\\.')}:${host.port}:[a-z0-9]{32}$`));
  const original = (await shown.textContent())!;

  await page.getByRole('button', { name: 'Copy connection string' }).click();
  await expect(page.getByRole('status')).toHaveText('Connection string copied to the clipboard.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(original);

  // Pairing step a, as a primary console makes it: a proof of the token, never the token itself.
  const identity = (token: string) =>
    provenStep({
      host: host.hostname,
      port: Number(host.port),
      token,
      path: '/api/v1/peer/identity',
      step: 'identity request',
      body: { protocol: 1 },
      response: peerIdentity,
    });
  const oldToken = original.split(':').at(-1)!;
  const before = await identity(oldToken);
  expect(before).toMatchObject({
    ok: true,
    value: { model: 'OTC-VM', fingerprint: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/) },
  });

  await page.getByRole('button', { name: 'Regenerate' }).click();
  const dialog = page.getByRole('dialog', { name: 'Regenerate the connection string?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Regenerate' }).click();
  await expect(page.getByRole('status')).toContainText('The old token no longer works');
  const regenerated = (await shown.textContent())!;
  expect(regenerated).toMatch(/:[a-z0-9]{32}$/);
  expect(regenerated).not.toBe(original);

  // The console can no longer prove the old token, so a caller holding it sends nothing more.
  expect(await identity(oldToken)).toMatchObject({ ok: false, code: 'WRONG_TOKEN' });
  expect(await identity(regenerated.split(':').at(-1)!)).toMatchObject({ ok: true });

  // Hiding masks it again.
  await page.getByRole('button', { name: 'Hide connection string' }).click();
  await expect(shown).toContainText('•'.repeat(32));
});
