import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { openDatabase } from '../lib/db/open.ts';
import { freePort, startConsole, stopConsole } from '../tests/support/console.ts';
import {
  connectedSensors,
  queryOn as query,
  sideEnv as env,
  startAgents,
  stopAgents,
  type ConsoleSide,
} from '../tests/support/paired-consoles.ts';
import { signInOk } from './support/sign-in.ts';

// System Settings → High Availability between two whole consoles of their own (not the shared e2e
// console): the primary with two real sensor agents, the secondary as it comes out of the box. An Admin
// pairs them in the browser as an operator would, from the secondary's connection string.

type Side = ConsoleSide & {
  domain: string;
  context?: BrowserContext;
  page?: Page;
};
const primary: Side = { name: 'primary', host: '127.0.0.91', port: 0, peerPort: 0, dataDir: '', db: '', domain: '' };
const secondary: Side = { name: 'secondary', host: '127.0.0.92', port: 0, peerPort: 0, dataDir: '', db: '', domain: '' };
let agentsDir = '';
let agents: ChildProcess | undefined;

async function openPage(browser: Browser, side: Side): Promise<Page> {
  side.context = await browser.newContext({ baseURL: side.running!.url, ignoreHTTPSErrors: true });
  side.page = await side.context.newPage();
  return side.page;
}

const haPage = (page: Page) => page.goto('/system-settings/high-availability');
const summary = (page: Page) => page.getByTestId('ha-summary');

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  agentsDir = await mkdtemp(path.join(tmpdir(), 'otc-e2e-ha-agents-'));
  for (const side of [primary, secondary]) {
    side.dataDir = await mkdtemp(path.join(tmpdir(), `otc-e2e-ha-${side.name}-`));
    side.port = await freePort(side.host);
    side.peerPort = await freePort(side.host);
  }
  await Promise.all(
    [primary, secondary].map(async (side) => {
      side.running = await startConsole(env(side), { logFile: path.resolve(`test-results/e2e-ha-${side.name}.log`) });
      if (!side.running.adminPassword) throw new Error(`${side.name}: no initial admin password printed`);
      side.db = (await openDatabase(side.dataDir, undefined)).url;
      side.domain = (await query<{ domain: string }>(side, 'SELECT domain FROM appliance'))[0]!.domain;
    }),
  );
  // Pairing needs two connected sensors on the primary.
  agents = await startAgents(primary, { name: 'e2e-ha', count: 2, dataDir: agentsDir });
  await expect.poll(async () => connectedSensors(primary), { timeout: 60_000 }).toBe(2);
  for (const side of [primary, secondary]) {
    const page = await openPage(browser, side);
    await signInOk(page, 'admin', side.running!.adminPassword!);
  }
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  for (const side of [primary, secondary]) await side.context?.close();
  await stopAgents(agents);
  await Promise.all([primary, secondary].map((side) => (side.running ? stopConsole(side.running.process) : null)));
  await Promise.all([primary, secondary].map((side) => (side.dataDir ? rm(side.dataDir, { recursive: true, force: true }) : null)));
  if (agentsDir) await rm(agentsDir, { recursive: true, force: true });
});

let connectionString = '';

test('a standalone console offers the pair form; a malformed connection string is refused at the field', async () => {
  const page = primary.page!;
  await haPage(page);
  await expect(page.getByRole('navigation', { name: 'System Settings' }).getByRole('link', { name: 'High Availability' })).toHaveAttribute(
    'aria-current',
    'page',
  );
  await expect(summary(page)).toHaveText('This console is standalone: it is not paired with another console.');
  await expect(page.getByTestId('ha-role')).toHaveText('Standalone');
  await expect(page.getByTestId('ha-state')).toHaveText('Active');

  await page.getByLabel("Secondary's connection string").fill(`${secondary.host}:not-a-token`);
  await page.getByRole('button', { name: 'Pair', exact: true }).click();
  await expect(page.getByText('The token must be exactly 32 lowercase letters and digits')).toBeVisible();
  await expect(summary(page)).toHaveText(/standalone/);
});

test('without the confirmation pairing is refused, saying what on the secondary would be deleted, and nothing is written', async () => {
  // The secondary's connection string, as its Admin reveals it on Sensor Setup.
  const other = secondary.page!;
  await other.goto('/system-settings/sensor-setup');
  await other.getByRole('button', { name: 'Reveal connection string' }).click();
  await expect(other.getByTestId('connection-string')).toHaveText(
    new RegExp(`^${secondary.host.replaceAll('.', '\\.')}:\\d+:[a-z0-9]{32}$`),
  );
  connectionString = (await other.getByTestId('connection-string').textContent())!;

  const page = primary.page!;
  await page.getByLabel("Secondary's connection string").fill(connectionString);
  await expect(page.getByLabel(/Replace the secondary’s data/)).not.toBeChecked();
  await page.getByRole('button', { name: 'Pair', exact: true }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'Pairing refused' });
  await expect(refusal).toContainText('Pairing refused: 1 prerequisite not met; nothing was written.');
  await expect(refusal.getByRole('listitem')).toHaveCount(1);
  await expect(refusal.getByRole('listitem')).toContainText(
    new RegExp(
      `Pairing replaces the secondary's own data with this console's: .* on ${secondary.domain.replaceAll('.', '\\.')} will be deleted\\.`,
    ),
  );
  await page.reload();
  await expect(summary(page)).toHaveText(/standalone/);
  await haPage(other);
  await expect(summary(other)).toHaveText(/standalone/);
});

test('confirmed, the pair is added and applied; the snapshot finishes and the status shows the pair with its lag', async () => {
  test.setTimeout(120_000);
  const page = primary.page!;
  await page.getByLabel("Secondary's connection string").fill(connectionString);
  await page.getByLabel(/Replace the secondary’s data/).check();
  await page.getByRole('button', { name: 'Pair', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Trusted host added' })).toContainText(
    `Trusted host added: ${secondary.domain} (${secondary.host}:${secondary.port}, SHA-256 `,
  );
  await expect(summary(page)).toHaveText(
    `Pairing with ${secondary.domain} is pending: apply it to make ${secondary.domain} the secondary of this console.`,
  );
  await expect(page.getByTestId('ha-peer')).toHaveText(secondary.domain);
  await expect(page.getByTestId('ha-peer-status')).toHaveText('Pending');
  await expect(page.getByLabel("Secondary's connection string")).toHaveCount(0);

  // Until applied, the secondary only points at the primary.
  const other = secondary.page!;
  await expect(summary(other)).toHaveText(
    `This console is the pending secondary of ${primary.domain}: the pair takes effect when it is applied on the primary.`,
  );
  await expect(other.getByRole('button', { name: 'Apply', exact: true })).toHaveCount(0);

  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Applied' })).toContainText(
    `Applied: ${secondary.domain} is now the secondary of this console.`,
  );
  await expect(page.getByTestId('ha-snapshot')).toHaveText(/^Snapshot complete: [\d,]+ rows \(100%\)\.$/, { timeout: 60_000 });
  await expect(page.getByRole('progressbar', { name: 'Snapshot' })).toHaveAttribute('aria-valuenow', '100');
  await expect(summary(page)).toHaveText(`This console is the primary; ${secondary.domain} is its secondary.`);
  await expect(page.getByTestId('ha-role')).toHaveText('Primary');
  await expect(page.getByTestId('ha-peer-status')).toHaveText('Paired');
  await expect(page.getByTestId('ha-lag')).toHaveText(/^\d+\.\d s$/);
  await expect(page.getByTestId('ha-backlog')).toHaveText(/^[\d,]+ records?$/);
  // Unpairing is offered, with what the other console must run.
  await expect(page.getByText(`sudo cyberx-management-trusted-hosts-remove -d ${primary.domain}`)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Unpair', exact: true })).toBeVisible();
});

test("the secondary's page shows it is the secondary of the primary, for the primary's users", async () => {
  const other = secondary.page!;
  // The snapshot replaced the secondary's accounts with the primary's: its former session is gone, and
  // the primary's Admin signs in with the same credentials.
  await haPage(other);
  await expect(other).toHaveURL(/\/login/);
  await signInOk(other, 'admin', primary.running!.adminPassword!);
  await haPage(other);
  await expect(summary(other)).toHaveText(`This console is the secondary of ${primary.domain}, the primary.`);
  await expect(other.getByTestId('ha-role')).toHaveText('Secondary');
  await expect(other.getByTestId('ha-state')).toHaveText('Standby');
  await expect(other.getByTestId('ha-peer')).toHaveText(primary.domain);
  await expect(other.getByTestId('ha-peer-status')).toHaveText('Paired');
  await expect(other.getByTestId('ha-last-applied')).toHaveText(new RegExp(`^record \\d+ of ${primary.domain.replaceAll('.', '\\.')}, `));

  // Read-only: the banner names the primary with a link, and a change is refused with the same words.
  const banner = other.getByTestId('read-only-banner');
  await expect(banner).toContainText(`This console is the secondary of ${primary.domain}; it is read-only while the primary is active.`);
  await expect(banner.getByRole('link')).toHaveAttribute('href', new RegExp(`^https://${primary.host.replaceAll('.', '\\.')}:\\d+/$`));
  await other.goto(`${secondary.running!.url}/system-settings/general`);
  await other.getByLabel('Console name (up to 25 characters)').fill('Not here');
  await other.getByRole('button', { name: 'Save' }).click();
  await expect(other.getByRole('form', { name: 'Console name' }).getByRole('alert')).toContainText(
    `This console is the secondary of ${primary.domain}`,
  );
  await haPage(other);
});

test('unpairing on the primary, then on the secondary, makes both standalone again', async () => {
  test.setTimeout(60_000);
  const page = primary.page!;
  await page.getByRole('button', { name: 'Unpair', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Unpair from ${secondary.domain}?` });
  await expect(dialog).toContainText(`${secondary.domain} must be unpaired on its own side as well.`);
  await dialog.getByRole('button', { name: 'Unpair', exact: true }).click();
  const done = page.getByRole('status').filter({ hasText: 'Unpaired' });
  await expect(done).toContainText(`Unpaired: this console no longer trusts ${secondary.domain} and is standalone.`);
  await expect(done).toContainText(`sudo cyberx-management-trusted-hosts-remove -d ${primary.domain}`);
  await expect(summary(page)).toHaveText('This console is standalone: it is not paired with another console.');
  await expect(page.getByLabel("Secondary's connection string")).toBeVisible();

  // The secondary still holds its side of the pair until it is unpaired there.
  const other = secondary.page!;
  await expect(summary(other)).toHaveText(
    new RegExp(`^This console is the secondary of ${primary.domain.replaceAll('.', '\\.')}, the primary\\.`),
  );
  await other.getByRole('button', { name: 'Unpair', exact: true }).click();
  await other
    .getByRole('dialog', { name: `Unpair from ${primary.domain}?` })
    .getByRole('button', { name: 'Unpair', exact: true })
    .click();
  await expect(other.getByRole('status').filter({ hasText: 'Unpaired' })).toContainText(
    `Unpaired: this console no longer trusts ${primary.domain} and is standalone.`,
  );
  await expect(summary(other)).toHaveText('This console is standalone: it is not paired with another console.');
  await expect(other.getByTestId('ha-role')).toHaveText('Standalone');
  await expect(other.getByTestId('ha-state')).toHaveText('Active');
});

test('applying while the secondary is down says so and leaves the pair pending', async () => {
  test.setTimeout(90_000);
  const page = primary.page!;
  await page.getByLabel("Secondary's connection string").fill(connectionString);
  await page.getByLabel(/Replace the secondary’s data/).check();
  await page.getByRole('button', { name: 'Pair', exact: true }).click();
  await expect(summary(page)).toHaveText(
    `Pairing with ${secondary.domain} is pending: apply it to make ${secondary.domain} the secondary of this console.`,
  );

  await stopConsole(secondary.running!.process);
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'did not take the pair' });
  await expect(refusal).toContainText(`${secondary.domain} did not take the pair: `, { timeout: 60_000 });
  await expect(refusal).toContainText('Nothing changed on this console.');
  await page.reload();
  await expect(summary(page)).toHaveText(
    `Pairing with ${secondary.domain} is pending: apply it to make ${secondary.domain} the secondary of this console.`,
  );
  await expect(page.getByTestId('ha-role')).toHaveText('Standalone');
});
