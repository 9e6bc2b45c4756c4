import { expect, test } from '@playwright/test';
import { e2eState } from './support/state.ts';
import { pageAlert, signInOk } from './support/sign-in.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL });

test('an admin adds a VLAN, sees it, renames it and deletes it; a duplicate ID and a bad ID are refused', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/system-settings/networking');
  await expect(page.getByRole('heading', { name: 'VLANs' })).toBeVisible();
  const id = page.getByLabel('VLAN ID (1–4094)');
  const name = page.getByLabel('Name (up to 64 characters)');
  const add = page.getByRole('button', { name: 'Add VLAN' });

  await id.fill('812');
  await name.fill('  Packaging line  ');
  await add.click();
  await expect(page.getByRole('status')).toHaveText('VLAN 812 "Packaging line" added.');
  const row = page.getByTestId('vlan-row-812');
  await expect(row).toContainText('812');
  await expect(row).toContainText('Packaging line');
  await expect(id).toHaveValue('');

  // A duplicate ID is refused with the existing name; the table is unchanged.
  await id.fill('812');
  await name.fill('Something else');
  await add.click();
  // Said at the field it is about (and only there).
  await expect(id).toHaveAccessibleDescription('VLAN 812 already exists (name "Packaging line"). Edit it instead, or choose another ID.');
  await expect(id).toHaveAttribute('aria-invalid', 'true');
  await expect(pageAlert(page)).toHaveCount(0);
  await expect(page.getByTestId('vlan-row-812')).toHaveCount(1);
  await expect(row).not.toContainText('Something else');

  // Out of range: the field says why.
  await id.fill('4095');
  await add.click();
  await expect(id).toHaveAccessibleDescription('Enter a VLAN ID: a whole number from 1 to 4094.');
  await expect(page.getByTestId('vlan-row-4095')).toHaveCount(0);

  await page.getByRole('button', { name: 'Edit VLAN 812' }).click();
  const rename = page.getByLabel('New name of VLAN 812');
  await expect(rename).toHaveValue('Packaging line');
  await rename.fill('Packaging line 2');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toHaveText('VLAN 812 renamed to "Packaging line 2".');
  await expect(row).toContainText('Packaging line 2');

  // Survives a reload: it is stored, not just shown.
  await page.reload();
  await expect(page.getByTestId('vlan-row-812')).toContainText('Packaging line 2');

  await page.getByRole('button', { name: 'Delete VLAN 812' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete VLAN 812?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Delete VLAN' }).click();
  await expect(page.getByRole('status')).toHaveText('VLAN 812 deleted.');
  await expect(page.getByTestId('vlan-row-812')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('vlan-row-812')).toHaveCount(0);
  // No client-side exception along the way.
  expect(pageErrors).toEqual([]);
});
