import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../lib/db/open.ts';
import { freePort, startConsole, stopConsole } from '../support/console.ts';
import { cliOn as cli, connectedSensors, queryOn as query, sideEnv as env, type ConsoleSide } from '../support/paired-consoles.ts';
import { waitFor } from '../support/wait-for.ts';

// The sensor agent between the two consoles of a pair (sensor/failover.ts driven by sensor/sensor.ts):
// it fails over to the secondary when the primary stops answering, probes the primary while away, and
// returns once the primary has answered its probes three times in a row. Real consoles, real agents.

const A: ConsoleSide = { name: 'A', host: '127.0.0.91', port: 0, peerPort: 0, dataDir: '', db: '' };
const B: ConsoleSide = { name: 'B', host: '127.0.0.92', port: 0, peerPort: 0, dataDir: '', db: '' };
let agentsDir: string;
let agent: { child: ChildProcess; output: () => string; exited: Promise<number | null> } | undefined;

async function start(side: ConsoleSide) {
  side.running = await startConsole(env(side), { logFile: path.join(side.dataDir, `console-${Date.now()}.out`) });
}

type StatsLine = { type: string; failover: { switches: number; switchesTotal: number; consoles: Record<string, number> } };
const statsLines = () =>
  agent!
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as StatsLine);
const lastStats = () => statsLines().at(-1);
const storedOnB = async (name: string) =>
  (await query<{ n: number }>(B, 'SELECT acked_seq::int AS n FROM sensor WHERE name = $1', [name]))[0]?.n ?? 0;

beforeAll(async () => {
  agentsDir = await mkdtemp(path.join(tmpdir(), 'otc-failover-agents-'));
  for (const side of [A, B]) {
    side.dataDir = await mkdtemp(path.join(tmpdir(), `otc-failover-${side.name}-`));
    side.port = await freePort(side.host);
    side.peerPort = await freePort(side.host);
  }
  await Promise.all([start(A), start(B)]);
  for (const side of [A, B]) side.db = (await openDatabase(side.dataDir, undefined)).url;
  const token = (await query<{ t: string }>(A, 'SELECT connection_token AS t FROM appliance'))[0]!.t;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'sensor/cli.ts',
      ...['--connect', `${A.host}:${A.port}:${token}`, '--name', 'fo', '--count', '2', '--data-dir', agentsDir],
      ...['--events-per-minute', '120', '--stats-ms', '500'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  agent = { child, output: () => text, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  // Pairing needs two connected sensors on the primary.
  await waitFor('two connected sensors on A', async () => (await connectedSensors(A)) === 2, 60_000);
  const secondaryToken = (await query<{ t: string }>(B, 'SELECT connection_token AS t FROM appliance'))[0]!.t;
  const added = cli(A, 'cyberx-management-trusted-hosts-add', [
    '-ip',
    B.host,
    '-port',
    String(B.port),
    '-token',
    secondaryToken,
    '-confirm-replace',
  ]);
  expect(added.stderr).toBe('');
  const applied = cli(A, 'cyberx-management-trusted-hosts-apply');
  expect(applied.stderr).toBe('');
  expect(applied.status).toBe(0);
}, 180_000);

afterAll(async () => {
  if (agent && agent.child.exitCode === null) {
    agent.child.kill('SIGTERM');
    await agent.exited;
  }
  await Promise.all([A, B].map((side) => (side.running ? stopConsole(side.running.process) : null)));
  await Promise.all([A, B].map((side) => (side.dataDir ? rm(side.dataDir, { recursive: true, force: true }) : null)));
  await rm(agentsDir, { recursive: true, force: true });
}, 60_000);

describe('the sensor agent fails over between the consoles of a pair', () => {
  const atA = () => `${A.host}:${A.port}`;
  const atB = () => `${B.host}:${B.port}`;

  it('learns the secondary from the heartbeat answers and stays on the primary while it answers', async () => {
    await waitFor('both sensors to know the secondary', () =>
      ['fo-0001', 'fo-0002'].every((name) => {
        try {
          const peers = JSON.parse(readFileSync(path.join(agentsDir, name, 'peers.json'), 'utf8')) as { address: string; role: string }[];
          return peers.length === 1 && peers[0]!.address === B.host && peers[0]!.role === 'SECONDARY';
        } catch {
          return false;
        }
      }),
    );
    await waitFor('a stats line after pairing', () => lastStats()?.failover.consoles[atA()] === 2);
    expect(lastStats()!.failover.switchesTotal).toBe(0);
    expect(agent!.output()).not.toContain('switched to');
  });

  it('switches to the secondary after the primary stops answering, and keeps delivering events there', async () => {
    expect(await stopConsole(A.running!.process)).toBe(0);
    A.running = undefined;
    await waitFor('both sensors on B', () => lastStats()?.failover.consoles[atB()] === 2, 30_000);
    expect(agent!.output()).toMatch(
      new RegExp(`\\[fo-0001\\] switched to ${atB().replace(/\./g, '\\.')} \\(the console in use missed 3 heartbeats\\)`),
    );
    expect(lastStats()!.failover.switchesTotal).toBe(2);
    expect(agent!.output()).toMatch(/\[fo-0001\] disconnected from the console at .*; trying both consoles of the pair/);
    // The secondary hears them and stores their new events.
    await waitFor('both sensors heard by B', async () => (await connectedSensors(B)) === 2, 30_000);
    const before = await storedOnB('fo-0001');
    await waitFor('new events stored by B', async () => (await storedOnB('fo-0001')) > before + 1, 30_000);
  }, 60_000);

  it('returns to the primary once it answers three probes in a row', async () => {
    await start(A);
    await waitFor('both sensors back on A', () => lastStats()?.failover.consoles[atA()] === 2, 60_000);
    expect(agent!.output()).toMatch(
      new RegExp(`\\[fo-0002\\] switched to ${atA().replace(/\./g, '\\.')} \\(the preferred console answered 3 probes in a row\\)`),
    );
    expect(lastStats()!.failover.switchesTotal).toBe(4);
    await waitFor('both sensors heard by A', async () => (await connectedSensors(A)) === 2, 30_000);
    // Back home, they stay: no further switch while the primary answers.
    const lines = statsLines().length;
    await waitFor('a few more stats lines', () => statsLines().length >= lines + 4, 10_000);
    expect(lastStats()!.failover.switchesTotal).toBe(4);
  }, 90_000);
});
