import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { startHaPair, type HaPair, type LinkName, type SideName } from '../tests/support/ha-pair.ts';
import { queryOn } from '../tests/support/paired-consoles.ts';

// Failover and failback as an operator sees them in Chromium, on a pair of whole consoles of its own
// (tests/support/ha-pair.ts: both consoles, real sensor agents, a fault proxy on every link, paired by the
// commands). The sensors are cut from the primary: the secondary takes over and the primary, frozen, is
// read-only and points to it. The link healed, the sensors go back and the primary is restored; the
// secondary says so and points back.
//
// The pair's addresses are 127.0.0.211–219. Each console's trusted host names the proxy in front of its
// peer (the harness routes the peer traffic through it), so that is where the banners' links lead, and
// where the browser follows them; the browser reaches each console's own address directly otherwise.

const SENSORS = 3;

let pair: HaPair;
let context: BrowserContext;
let page: Page;
let password = '';
const domains: Record<SideName, string> = { primary: '', secondary: '' };
// The term the pair starts in: failover makes it one more, failback two.
let term = 0;

// The page of a console as the pair knows its address: the proxy in front of it, as in its peer's trusted host.
const viaPeer = (link: LinkName) => `https://${pair.links[link].host}:${pair.links[link].port}/`;
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const nameForm = () => page.getByRole('form', { name: 'Console name' });
const nameField = () => nameForm().getByLabel('Console name (up to 25 characters)');
const saved = () => nameForm().getByRole('status').filter({ hasText: 'Saved. The header shows the new name.' });

async function signInHere(username: string, secret: string) {
  await expect(page).toHaveURL(/\/login(\?|$)/);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-user')).toContainText(username);
}

async function renameConsole(origin: string, name: string) {
  await page.goto(`${origin}system-settings/general`);
  await nameField().fill(name);
  await nameForm().getByRole('button', { name: 'Save' }).click();
}

// The rows of the role-change table: console, change (action and modes), term.
async function roleChanges(): Promise<string[][]> {
  return page
    .getByTestId('role-change')
    .evaluateAll((rows) =>
      rows.map((row) => [...(row as HTMLTableRowElement).cells].slice(1, 4).map((cell) => cell.innerText.replace(/\s+/g, ' ').trim())),
    );
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(240_000);
  pair = await startHaPair({ sensors: SENSORS, addressBlock: 210 });
  // Right after pairing the primary does not hold the write lease yet.
  await pair.waitWritable('primary');
  term = (await pair.health('primary'))!.term!;
  password = pair.sides.primary.running!.adminPassword!;
  for (const name of ['primary', 'secondary'] as const)
    domains[name] = (await queryOn<{ domain: string }>(pair.sides[name], 'SELECT domain FROM appliance'))[0]!.domain;
  context = await browser.newContext({ ignoreHTTPSErrors: true });
  page = await context.newPage();
});

test.afterAll(async () => {
  test.setTimeout(120_000);
  await context?.close();
  if (!pair) return;
  // The consoles' logs outlive the pair's data directories, for a failed run's post-mortem.
  for (const side of Object.values(pair.sides))
    if (side.running) await copyFile(side.running.logFile, path.resolve(`test-results/e2e-failover-${side.name}.log`)).catch(() => {});
  await copyFile(pair.agents.logFile, path.resolve('test-results/e2e-failover-agents.log')).catch(() => {});
  await pair.close();
});

const baseName = 'Plant A control';
const takeoverName = 'Plant A on standby site';

test('the paired primary is active and takes changes; its panel says so', async () => {
  const primary = `${pair.sides.primary.url}/`;
  await page.goto(primary);
  await signInHere('admin', password);
  await renameConsole(primary, baseName);
  await expect(saved()).toBeVisible();
  await page.goto(`${primary}system-settings/high-availability`);
  await expect(page.getByTestId('read-only-banner')).toHaveCount(0);
  await expect(page.getByTestId('failover-active')).toHaveText('This console');
  await expect(page.getByTestId('failover-mode')).toHaveText('Active, primary');
  await expect(page.getByTestId('failover-term')).toHaveText(String(term));
});

test('cut from its sensors, the primary freezes: its banner names the secondary, now active, and links to it', async () => {
  test.setTimeout(120_000);
  await pair.partition(['sensors-primary'], { mode: 'blackhole' });
  await expect
    .poll(() => pair.health('secondary'), { timeout: 60_000, message: 'the secondary takes over' })
    .toMatchObject({ state: 'ACTIVE', term: term + 1 });
  await expect
    .poll(() => pair.health('primary'), { timeout: 60_000, message: 'the primary learns the term and freezes' })
    .toMatchObject({ state: 'FROZEN', term: term + 1, writable: false });

  const secondary = viaPeer('sensors-secondary');
  await page.goto(`${pair.sides.primary.url}/`);
  const banner = page.getByTestId('read-only-banner');
  await expect(banner).toHaveText(
    `Read-only. This console is frozen: ${domains.secondary} is the active console. Make changes there: ${secondary}.`,
  );
  await expect(banner.getByRole('link')).toHaveAttribute('href', secondary);

  // Its High Availability page still renders, and says who leads now.
  await page.goto(`${pair.sides.primary.url}/system-settings/high-availability`);
  await expect(page.getByTestId('failover-active')).toHaveText(domains.secondary);
  await expect(page.getByTestId('failover-active').getByRole('link')).toHaveAttribute('href', secondary);
  await expect(page.getByTestId('failover-mode')).toHaveText('Frozen, primary');
  await expect(page.getByTestId('failover-peer-mode')).toHaveText(`Active, term ${term + 1}`);
  await expect(page.getByTestId('failover-term')).toHaveText(String(term + 1));
  await expect(page.getByTestId('failover-lease')).toHaveText('Not held: this console is frozen, not active');
  await expect(page.getByRole('button', { name: 'Make the peer active' })).toBeDisabled();
});

test('a change on the frozen primary is refused on the page, and after a reload the value is unchanged', async () => {
  const primary = `${pair.sides.primary.url}/`;
  await renameConsole(primary, 'Changed while frozen');
  await expect(nameForm().getByRole('alert')).toHaveText(
    `This console is frozen: ${domains.secondary} is the active console. Make changes there: ${viaPeer('sensors-secondary')}.`,
  );
  await page.reload();
  await expect(nameField()).toHaveValue(baseName);
  await expect(page.getByTestId('read-only-banner')).toBeVisible();
});

test("following the banner's link, the primary's admin signs in on the active secondary with the same credentials and changes a setting there", async () => {
  const secondary = viaPeer('sensors-secondary');
  await page.goto(`${pair.sides.primary.url}/`);
  await page.getByTestId('read-only-banner').getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`^${literal(secondary)}login`));
  await signInHere('admin', password);

  await page.goto(`${secondary}system-settings/high-availability`);
  await expect(page.getByTestId('read-only-banner')).toHaveCount(0);
  await expect(page.getByTestId('failover-active')).toHaveText('This console');
  await expect(page.getByTestId('failover-mode')).toHaveText('Active, secondary');
  await expect(page.getByTestId('failover-term')).toHaveText(String(term + 1));
  await expect(page.getByTestId('failover-lease')).toHaveText(/^Held: /);
  await expect(page.getByTestId('failover-votes-self')).toHaveText(`${SENSORS} of ${SENSORS} sensors`);

  // The setting was replicated before the failover; a change is taken here now.
  await page.goto(`${secondary}system-settings/general`);
  await expect(nameField()).toHaveValue(baseName);
  await renameConsole(secondary, takeoverName);
  await expect(saved()).toBeVisible();
});

test('healed, the sensors go back and the primary is restored; the secondary says so and links to it', async () => {
  test.setTimeout(120_000);
  await pair.heal();
  await expect
    .poll(() => pair.health('primary'), { timeout: 90_000, message: 'the primary is restored' })
    .toMatchObject({ state: 'ACTIVE', term: term + 2 });
  await pair.waitWritable('primary');
  await expect
    .poll(() => pair.health('secondary'), { timeout: 60_000, message: 'the secondary steps down' })
    .toMatchObject({ state: 'STANDBY', term: term + 2 });

  const primary = viaPeer('sensors-primary');
  const banner = page.getByTestId('primary-restored-banner');
  // The secondary's worker learns that the primary is active when it next hears from it.
  await expect(async () => {
    await page.goto(`${viaPeer('sensors-secondary')}sensors`);
    await expect(banner).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(banner).toHaveText(
    `The primary console has been restored. ${domains.primary} is the active console again: go on working at ${primary} and sign in there with the same credentials.`,
  );
  await expect(banner.getByRole('link')).toHaveAttribute('href', primary);

  await banner.getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`^${literal(primary)}login`));
  await signInHere('admin', password);
  await expect(page.getByTestId('read-only-banner')).toHaveCount(0);
  await expect(page.getByTestId('primary-restored-banner')).toHaveCount(0);
  // The change made on the secondary while it was active is here, and the primary takes changes again.
  await page.goto(`${primary}system-settings/general`);
  await expect(nameField()).toHaveValue(takeoverName);
  await renameConsole(primary, baseName);
  await expect(saved()).toBeVisible();
});

test("the High Availability page of each console shows its role, its peer's, the term and the role changes", async () => {
  test.setTimeout(60_000);
  const primary = `${pair.sides.primary.url}/`;
  await page.goto(`${primary}system-settings/high-availability`);
  await expect(page.getByTestId('failover-active')).toHaveText('This console');
  await expect(page.getByTestId('failover-mode')).toHaveText('Active, primary');
  await expect(page.getByTestId('failover-term')).toHaveText(String(term + 2));
  // Votes and the peer's mode are what the worker last heard: the page is read again until they settle.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('failover-peer-mode')).toHaveText(`Standby, term ${term + 2}`, { timeout: 1000 });
    await expect(page.getByTestId('failover-votes-self')).toHaveText(`${SENSORS} of ${SENSORS} sensors`, { timeout: 1000 });
    await expect(page.getByTestId('failover-votes-peer')).toHaveText(`0 of ${SENSORS} sensors`, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId('failover-lease')).toHaveText(/^Held: /);
  await expect(page.getByTestId('vote-chart')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Make the peer active' })).toBeEnabled();
  await expect(async () => {
    await page.reload();
    expect(await roleChanges()).toEqual(
      expect.arrayContaining([
        ['This console', 'Step-down Active → Frozen', String(term + 1)],
        [domains.secondary, 'Takeover Standby → Active', String(term + 1)],
        ['This console', 'Restore Frozen → Active', String(term + 2)],
        [domains.secondary, 'Step-down Active → Standby', String(term + 2)],
      ]),
    );
  }).toPass({ timeout: 30_000 });

  const secondary = viaPeer('sensors-secondary');
  await page.goto(`${secondary}system-settings/high-availability`);
  await expect(page.getByTestId('failover-active')).toHaveText(domains.primary);
  await expect(page.getByTestId('failover-active').getByRole('link')).toHaveAttribute('href', viaPeer('sensors-primary'));
  await expect(page.getByTestId('failover-mode')).toHaveText('Standby, secondary');
  await expect(page.getByTestId('failover-peer-mode')).toHaveText(`Active, term ${term + 2}`);
  await expect(page.getByTestId('failover-term')).toHaveText(String(term + 2));
  await expect(page.getByTestId('failover-lease')).toHaveText('Not held: this console is standby, not active');
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('failover-votes-peer')).toHaveText(`${SENSORS} of ${SENSORS} sensors`, { timeout: 1000 });
    await expect(page.getByTestId('failover-votes-self')).toHaveText(new RegExp(`^0 of ${SENSORS} sensors; `), { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId('vote-chart')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Make the peer active' })).toBeDisabled();
  await expect(page.getByTestId('switchover-unavailable')).toHaveText(
    `Only the active console hands over its role: ${domains.primary} is active, so a switchover is started there.`,
  );
  expect(await roleChanges()).toEqual(
    expect.arrayContaining([
      ['This console', 'Takeover Standby → Active', String(term + 1)],
      ['This console', 'Step-down Active → Standby', String(term + 2)],
    ]),
  );
});
