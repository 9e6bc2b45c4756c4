import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { signActivation } from '../lib/activation/format.ts';
import { ACTIVATION_MAX_BYTES, oversizedMessage } from '../lib/activation/schema.ts';
import { e2eState } from './support/state.ts';
import { pageAlert, signInOk } from './support/sign-in.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL });

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

test('an admin uploads a vendor-signed activation file and sees it; tampered and oversized files are refused with their reasons', async ({
  page,
}) => {
  // Signed with the test vendor's private key, as cli/ot-activation-issue.ts would.
  const expires = day(180);
  const text = signActivation(
    { version: 1, subscriptions: ['SUB-E2E-1'], committedDevices: 750, issuedOn: day(-1), expiresOn: expires },
    readFileSync(state.vendorPrivateKeyFile, 'utf8'),
  );

  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings/activation');
  await expect(page.getByRole('heading', { name: 'Current activation' })).toBeVisible();

  const input = page.getByLabel('Activation file');
  const upload = page.getByRole('button', { name: 'Upload', exact: true });
  await input.setInputFiles({ name: 'activation.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await upload.click();
  await expect(page.getByRole('status').filter({ hasText: 'Activation installed' })).toHaveText(
    `Activation installed: SUB-E2E-1, 750 committed devices, expires ${expires}.`,
  );
  await expect(page.getByTestId('activation-expires')).toHaveText(expires);
  const summary = page.getByRole('definition');
  await expect(summary.filter({ hasText: 'SUB-E2E-1' })).toBeVisible();
  await expect(summary.filter({ hasText: /^750$/ })).toBeVisible();

  // One digit of the signed payload changed: 750 committed devices become 950.
  const envelope = JSON.parse(text) as { payload: string };
  const payload = Buffer.from(envelope.payload, 'base64').toString('utf8');
  expect(payload).toContain('"committedDevices":750');
  const tampered = JSON.stringify({
    ...envelope,
    payload: Buffer.from(payload.replace('"committedDevices":750', '"committedDevices":950')).toString('base64'),
  });
  await input.setInputFiles({ name: 'activation.json', mimeType: 'application/json', buffer: Buffer.from(tampered) });
  await upload.click();
  await expect(pageAlert(page)).toHaveText(
    'This activation file has been changed since the vendor signed it: its signature does not match its contents. Upload the file exactly as the vendor sent it.',
  );
  // Nothing changed.
  await page.reload();
  await expect(page.getByTestId('activation-expires')).toHaveText(expires);
  await expect(page.getByRole('definition').filter({ hasText: /^750$/ })).toBeVisible();

  // Too big: refused in the browser, with the server's own words, before anything is sent.
  const big = Buffer.alloc(ACTIVATION_MAX_BYTES + 1, 0x20);
  await page.getByLabel('Activation file').setInputFiles({ name: 'huge.json', mimeType: 'application/json', buffer: big });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await expect(pageAlert(page)).toHaveText(oversizedMessage(ACTIVATION_MAX_BYTES + 1));
});
