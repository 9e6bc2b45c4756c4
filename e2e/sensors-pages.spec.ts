import https from 'node:https';
import { expect, test } from '@playwright/test';
import { getApplianceOrThrow } from '../lib/appliance/data.ts';
import { disconnectDb } from '../lib/db/client.ts';
import { openDatabase } from '../lib/db/open.ts';
import { registerOnce } from '../sensor/registration.ts';
import { e2eState } from './support/state.ts';
import { pageAlert, signInOk } from './support/sign-in.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL });

// The Sensors and Alerts pages with sensors driven straight over the protocol (no agent process):
// delete refused while connected and allowed once disconnected, filters, and what Read Only may do.
// Names of their own so that other specs' sensors are not touched.
const LIVE = 'e2e-pages-live';
const GONE = 'e2e-pages-gone';
const SWAPPED = 'e2e-pages-swapped';

function post(pathname: string, authorization: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${state.baseURL}${pathname}`,
      { method: 'POST', rejectUnauthorized: false, headers: { authorization, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

// Read when the test starts: another spec may have regenerated the token.
async function connectionToken(): Promise<string> {
  const database = await openDatabase(state.dataDir, undefined);
  process.env.DATABASE_URL = database.url;
  try {
    return (await getApplianceOrThrow()).connectionToken;
  } finally {
    await disconnectDb();
  }
}

// Both registration steps, as a sensor does them: the token is proven, never sent.
function registerOutcome(token: string, name: string) {
  const { hostname, port } = new URL(state.baseURL);
  return registerOnce({ host: hostname, port: Number(port || 443), token, request: { name, version: '0.1.0' } });
}

async function register(token: string, name: string): Promise<string> {
  const r = await registerOutcome(token, name);
  if (!r.ok) throw new Error(r.message);
  return `Sensor ${r.response.sensorId}:${r.response.credential}`;
}

const heartbeat = { protocol: 1, version: '0.1.0', highestTerm: 1, counters: { packets: 1, alerts: 3, devices: 2, outbox: 0 } };
let beating: NodeJS.Timeout | undefined;

test.afterAll(() => clearInterval(beating));

test('sensors table, delete only when disconnected, alert filters; Read Only sees but cannot change', async ({ page, browser }) => {
  test.setTimeout(60_000);
  const token = await connectionToken();
  const live = await register(token, LIVE);
  await register(token, GONE);
  beating = setInterval(
    () => void post('/api/v1/sensors/heartbeat', live, { ...heartbeat, clock: Date.now() }).catch(() => undefined),
    1000,
  );
  const at = Date.now();
  const stored = await post('/api/v1/sensors/events', live, {
    protocol: 1,
    events: [
      {
        seq: 1,
        kind: 'alert',
        at,
        severity: 'critical',
        title: 'S7 PLC stop command from engineering workstation',
        protocol: 's7',
        source: '10.1.1.5',
        destination: '10.1.1.20',
      },
      { seq: 2, kind: 'device', at, key: '00:1b:1b:00:00:01', protocol: 's7', vendor: 'Siemens', ip: '10.1.1.20' },
      {
        seq: 3,
        kind: 'alert',
        at,
        severity: 'low',
        title: 'New Modbus client seen',
        protocol: 'modbus',
        source: '10.1.1.7',
        destination: '10.1.1.21',
      },
      { seq: 4, kind: 'device', at, key: '00:80:f4:00:00:02', protocol: 'modbus', vendor: 'Schneider', ip: '10.1.1.21' },
      {
        seq: 5,
        kind: 'alert',
        at,
        severity: 'critical',
        title: 'Unauthorized Modbus write to holding register 40001',
        protocol: 'modbus',
        source: '10.1.1.9',
        destination: '10.1.1.21',
      },
    ],
  });
  expect(stored.json).toMatchObject({ ackedSeq: 5, stored: 5 });

  await signInOk(page, state.admin.username, state.admin.password);
  await page.getByRole('link', { name: 'Sensors', exact: true }).click();
  const liveRow = page.getByTestId(`sensor-row-${LIVE}`);
  await expect(liveRow.getByRole('cell', { name: 'Connected', exact: true })).toBeVisible();
  await expect(liveRow).toContainText('Synced');
  await expect(liveRow.getByRole('cell').nth(5)).toHaveText('2');
  await expect(liveRow.getByRole('link', { name: `3 alerts from ${LIVE}` })).toBeVisible();

  // A connected sensor cannot be deleted: the refusal says why, and the row stays.
  await liveRow.getByRole('button', { name: `Delete sensor ${LIVE}` }).click();
  await page
    .getByRole('dialog', { name: `Delete sensor ${LIVE}?` })
    .getByRole('button', { name: 'Delete sensor' })
    .click();
  await expect(pageAlert(page)).toContainText(`Sensor "${LIVE}" is connected`);
  await expect(liveRow).toBeVisible();

  // The other sensor said nothing after registering: Disconnected after the 5 s window, with no reload.
  const goneRow = page.getByTestId(`sensor-row-${GONE}`);
  await expect(goneRow.getByRole('cell', { name: 'Disconnected', exact: true })).toBeVisible({ timeout: 15_000 });
  await goneRow.getByRole('button', { name: `Delete sensor ${GONE}` }).click();
  await page
    .getByRole('dialog', { name: `Delete sensor ${GONE}?` })
    .getByRole('button', { name: 'Delete sensor' })
    .click();
  await expect(page.getByRole('status').filter({ hasText: 'deleted' })).toHaveText(
    `Sensor "${GONE}" deleted, with its alerts and devices.`,
  );
  await expect(goneRow).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId(`sensor-row-${GONE}`)).toHaveCount(0);

  // Alerts: filtered by sensor and severity through the form; the filters stay in the URL.
  await page.getByRole('link', { name: 'Alerts', exact: true }).click();
  await expect(page).toHaveURL(/\/alerts$/);
  const filters = page.getByRole('form', { name: 'Filter alerts' });
  await filters.getByLabel('Sensor', { exact: true }).fill(LIVE);
  await filters.getByLabel('Severity', { exact: true }).selectOption('critical');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(new RegExp(`/alerts\\?sensor=${LIVE}&severity=critical$`));
  await expect(page.getByTestId('alert-summary')).toHaveText('2 alerts match the filters.');
  const rows = page.locator('[data-testid^="alert-row-"]');
  await expect(rows).toHaveCount(2);
  // Newest first (same batch: higher seq first).
  await expect(rows.first()).toHaveAttribute('data-testid', `alert-row-${LIVE}-5`);
  await expect(rows.first().getByRole('rowheader')).toHaveText('Unauthorized Modbus write to holding register 40001');
  await page.goto('/alerts?sensor=no-such-sensor');
  await expect(page.getByTestId('alert-summary')).toHaveText('No sensor is named "no-such-sensor".');

  // Read Only: the same lists, no Delete and no Acknowledge.
  const viewer = await browser.newPage({ baseURL: state.baseURL });
  await signInOk(viewer, state.viewer.username, state.viewer.password);
  await viewer.goto('/sensors');
  await expect(viewer.getByTestId(`sensor-row-${LIVE}`)).toBeVisible();
  await expect(viewer.getByRole('button', { name: /^Delete sensor/ })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: /^Replace sensor/ })).toHaveCount(0);
  await viewer.goto(`/alerts?sensor=${LIVE}`);
  await expect(viewer.getByTestId(`alert-row-${LIVE}-1`)).toContainText('Open');
  await expect(viewer.getByRole('button', { name: /^Acknowledge/ })).toHaveCount(0);
  await viewer.close();
});

test("an Admin's Replace sensor lets the next registration under that name take the sensor over", async ({ page }) => {
  const token = await connectionToken();
  const first = await registerOutcome(token, SWAPPED);
  if (!first.ok) throw new Error(first.message);
  // The token alone does not take over a registered name.
  const refused = await registerOutcome(token, SWAPPED);
  expect(refused).toMatchObject({ ok: false, fatal: true, code: 'NAME_TAKEN' });
  expect(refused.ok ? '' : refused.message).toContain(`an Admin chooses "Replace sensor" for "${SWAPPED}" on the Sensors page`);

  await signInOk(page, state.admin.username, state.admin.password);
  await page.goto('/sensors');
  await page
    .getByTestId(`sensor-row-${SWAPPED}`)
    .getByRole('button', { name: `Replace sensor ${SWAPPED}` })
    .click();
  await page
    .getByRole('dialog', { name: `Replace sensor ${SWAPPED}?` })
    .getByRole('button', { name: 'Allow replacement' })
    .click();
  await expect(page.getByRole('status').filter({ hasText: 'can be replaced until' })).toContainText(
    `register the new sensor under the name "${SWAPPED}" with the connection string`,
  );

  const replacement = await registerOutcome(token, SWAPPED);
  if (!replacement.ok) throw new Error(replacement.message);
  expect(replacement.response.sensorId).toBe(first.response.sensorId);
  expect(replacement.response.credential).not.toBe(first.response.credential);
  // Used once.
  expect(await registerOutcome(token, SWAPPED)).toMatchObject({ ok: false, code: 'NAME_TAKEN' });
});
