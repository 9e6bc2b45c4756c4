import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { getApplianceOrThrow } from '../lib/appliance/data.ts';
import { formatConnectionString } from '../lib/appliance/connection-string.ts';
import { disconnectDb } from '../lib/db/client.ts';
import { openDatabase } from '../lib/db/open.ts';
import { outboxLines } from '../tests/support/outbox-files.ts';
import { e2eState } from './support/state.ts';
import { signInOk } from './support/sign-in.ts';

const state = e2eState();
test.use({ baseURL: state.baseURL });

// Real sensor agents (sensor/cli.ts, one process each) against the e2e console. Names of their own, so
// other specs' sensors and alerts are not touched.
const NAMES = ['e2e-agent-1', 'e2e-agent-2', 'e2e-agent-3'];
type RunningAgent = { child: ChildProcess; output: () => string; exited: Promise<number | null> };
let agentsDir: string;
const agents = new Map<string, RunningAgent>();

// Read when the test starts: another spec may have regenerated the token.
async function connectionString(): Promise<string> {
  const database = await openDatabase(state.dataDir, undefined);
  process.env.DATABASE_URL = database.url;
  try {
    const { hostname, port } = new URL(state.baseURL);
    return formatConnectionString(hostname, Number(port || 443), (await getApplianceOrThrow()).connectionToken);
  } finally {
    await disconnectDb();
  }
}

function startAgent(connect: string, name: string): RunningAgent {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'sensor/cli.ts',
      '--connect',
      connect,
      '--name',
      name,
      '--data-dir',
      agentsDir,
      '--events-per-minute',
      '240',
      '--keep-acked',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return { child, output: () => text, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

// The alert with this seq as the agent produced it (from its outbox, acknowledged segments included).
function producedAlert(name: string, seq: number): { title: string; severity: string } | undefined {
  const outbox = path.join(agentsDir, name, 'outbox');
  for (const line of outboxLines(outbox)) {
    const event = JSON.parse(line) as { seq: number; kind: string; title: string; severity: string };
    if (event.seq === seq && event.kind === 'alert') return event;
  }
  return undefined;
}

test.beforeAll(async () => {
  agentsDir = await mkdtemp(path.join(tmpdir(), 'otc-e2e-agents-'));
  const connect = await connectionString();
  for (const name of NAMES) agents.set(name, startAgent(connect, name));
});

test.afterAll(async () => {
  for (const agent of agents.values()) if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGTERM');
  await Promise.all([...agents.values()].map((a) => a.exited));
  await rm(agentsDir, { recursive: true, force: true });
});

test('three sensor agents show as connected; one stopped shows Disconnected; its alert is acknowledged on the Alerts page', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await signInOk(page, state.admin.username, state.admin.password);
  await page.getByRole('link', { name: 'Sensors', exact: true }).click();
  await expect(page).toHaveURL(/\/sensors$/);

  const row = (name: string) => page.getByTestId(`sensor-row-${name}`);
  const connectivity = (name: string, text: 'Connected' | 'Disconnected') => row(name).getByRole('cell', { name: text, exact: true });
  // The page refreshes itself every few seconds: no reloads needed.
  for (const name of NAMES) await expect(connectivity(name, 'Connected')).toBeVisible({ timeout: 30_000 });

  // Each simulated sensor first reports the devices it discovers, then alerts: wait for the first alert.
  const alertsLink = (name: string) => row(name).getByRole('link', { name: new RegExp(`^\\d+ alerts from ${name}$`) });
  await expect(alertsLink(NAMES[1]!)).toBeVisible({ timeout: 30_000 });

  const stopped = agents.get(NAMES[1]!)!;
  stopped.child.kill('SIGTERM');
  expect(await stopped.exited).toBe(0);
  expect(stopped.output()).toMatch(/stopped; every produced event is acknowledged/);
  // Disconnected after the console's window (5 s by default) plus a page refresh.
  await expect(connectivity(NAMES[1]!, 'Disconnected')).toBeVisible({ timeout: 20_000 });
  await expect(row(NAMES[1]!)).toContainText('Disconnected');
  for (const name of [NAMES[0]!, NAMES[2]!]) await expect(connectivity(name, 'Connected')).toBeVisible();

  // The stopped sensor's alerts stay; acknowledge one of them.
  const sensor = NAMES[1]!;
  await alertsLink(sensor).click();
  await expect(page).toHaveURL(new RegExp(`/alerts\\?sensor=${sensor}$`));
  const button = page.getByRole('button', { name: new RegExp(`^Acknowledge alert \\d+ from ${sensor}$`) }).first();
  await expect(button).toBeVisible();
  const seq = Number(/alert (\d+) from/.exec((await button.getAttribute('aria-label'))!)![1]);
  const produced = producedAlert(sensor, seq);
  expect(produced, `alert ${seq} in ${sensor}'s outbox`).toBeDefined();
  const alertRow = page.getByTestId(`alert-row-${sensor}-${seq}`);
  // What the agent produced is what the console shows.
  await expect(alertRow.getByRole('rowheader')).toContainText(produced!.title);
  await button.click();
  await expect(page.getByText(`Alert "${produced!.title}" from ${sensor} acknowledged.`)).toBeVisible();
  await expect(alertRow).toContainText(`by ${state.admin.username}`);
  await page.reload();
  await expect(page.getByTestId(`alert-row-${sensor}-${seq}`)).toContainText(`by ${state.admin.username}`);
  await expect(page.getByRole('button', { name: `Acknowledge alert ${seq} from ${sensor}` })).toHaveCount(0);
});
