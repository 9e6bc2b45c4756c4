import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsPaths } from '../../lib/appliance/tls-files.ts';
import { removeRelocatedCluster } from '../../lib/db/cluster-location.ts';
import { clusterDirOf, connectionUrl, readCredentials } from '../../lib/db/credentials.ts';
import { runningAppliancePid } from '../../lib/db/open.ts';
import { freePort } from '../support/console.ts';
import { request, signInOverHttps } from '../support/https.ts';
import { postgresOf, processes } from '../support/processes.ts';
import { waitFor } from '../support/wait-for.ts';

// `npm run demo -- --pair` as a developer runs it, on a data location of its own (OTC_DATA_DIR, which the
// demo already honours): two consoles on 127.0.0.11 and 127.0.0.12, simulated sensors, pairing through the
// appliance commands; then Ctrl-C, and a second start that finds the pair applied.

const HOSTS = ['127.0.0.11', '127.0.0.12'] as const;
let base = '';
type Location = { dirs: { primary: string; secondary: string }; env: Record<string, string> };
let paired: Location;

// A port free on both addresses, since the demo gives both consoles the same one.
async function portFreeOnBoth(taken: number[] = []): Promise<number> {
  for (;;) {
    const port = await freePort(HOSTS[0]);
    if (!taken.includes(port) && (await isFree(HOSTS[1], port))) return port;
  }
}
const isFree = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });

type Demo = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

function startDemo(at: Location, logFile: string): Demo {
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--pair'], {
    env: { ...process.env, ...at.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  return {
    child,
    output: () => readFileSync(logFile, 'utf8'),
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
}

async function running(demo: Demo): Promise<void> {
  await waitFor(
    'the demo pair to be running',
    () => {
      if (demo.child.exitCode !== null) throw new Error(`the demo exited with ${demo.child.exitCode}:\n${demo.output()}`);
      return demo.output().includes('Stop everything with Ctrl-C.');
    },
    120_000,
  );
}

async function query<R extends pg.QueryResultRow>(dataDir: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: connectionUrl(readCredentials(dataDir)!) });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

const urlOf = (output: string, label: 'Primary' | 'Secondary') => new RegExp(`^  ${label}: +(https://\\S+?)/`, 'm').exec(output)?.[1];

// Nothing the demo started is left: no console on either data directory, no PostgreSQL on their clusters,
// no sensor agent.
function leftBehind({ dirs }: Location): string[] {
  const left: string[] = [];
  for (const dir of Object.values(dirs)) {
    if (runningAppliancePid(dir) || existsSync(path.join(dir, 'appliance.pid'))) left.push(`console on ${dir}`);
    const clusterDir = clusterDirOf(dir, readCredentials(dir));
    if (postgresOf(clusterDir).length) left.push(`PostgreSQL on ${clusterDir}`);
  }
  for (const p of processes()) if (p.args.includes('sensor/cli.ts') && p.args.includes(dirs.primary)) left.push(`sensor agent ${p.pid}`);
  return left;
}

async function stopDemo(demo: Demo): Promise<number | null> {
  demo.child.kill('SIGINT');
  return demo.exited;
}

// A data location of its own (OTC_DATA_DIR=<dir>/console: the pair lives in console-primary and
// console-secondary beside it) and ports free on both addresses.
async function location(name: string): Promise<Location> {
  const httpsPort = await portFreeOnBoth();
  const dir = path.join(base, name);
  return {
    dirs: { primary: path.join(dir, 'console-primary'), secondary: path.join(dir, 'console-secondary') },
    env: {
      OTC_DATA_DIR: path.join(dir, 'console'),
      OTC_HTTPS_PORT: String(httpsPort),
      OTC_PEER_PORT: String(await portFreeOnBoth([httpsPort])),
      // The demo's consoles use their own embedded PostgreSQL and addresses, whatever the test run has.
      DATABASE_URL: '',
      OTC_BIND_ADDRESS: '',
      OTC_PUBLIC_ADDRESS: '',
      OTC_LOG_DIR: '',
      OTC_DOMAIN: '',
    },
  };
}
const locations: Location[] = [];

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'otc-demo-pair-'));
  paired = await location('paired');
  locations.push(paired);
});

afterAll(async () => {
  for (const { dirs } of locations) for (const dir of Object.values(dirs)) await removeRelocatedCluster(dir).catch(() => undefined);
  if (base) await rm(base, { recursive: true, force: true });
});

describe('npm run demo -- --pair', () => {
  let password = '';

  it("pairs a primary and a secondary through the commands; the primary's admin signs in on both; Ctrl-C stops everything", async () => {
    const demo = startDemo(paired, path.join(base, 'first-run.out'));
    await running(demo);
    const output = demo.output();
    expect(output).toMatch(/^\$ cyberx-management-trusted-hosts-add -ip 127\.0\.0\.12 .*-token <the secondary's token> -confirm-replace/m);
    expect(output).toMatch(/^ {2}Snapshot sent: \d+ rows in \d+\.\d s; the journal now streams to /m);
    // The token is never printed.
    const token = (await query<{ t: string }>(paired.dirs.secondary, 'SELECT connection_token AS t FROM appliance'))[0]!.t;
    expect(output).not.toContain(token);

    const primaryUrl = urlOf(output, 'Primary');
    const secondaryUrl = urlOf(output, 'Secondary');
    expect(primaryUrl).toBe(`https://127.0.0.11:${paired.env.OTC_HTTPS_PORT}`);
    expect(secondaryUrl).toBe(`https://127.0.0.12:${paired.env.OTC_HTTPS_PORT}`);
    password = /^ {2}Sign in as "admin" with password: (\S+) +\(on either console\)$/m.exec(output)?.[1] ?? '';
    expect(password).not.toBe('');

    const caPrimary = readFileSync(tlsPaths(paired.dirs.primary).cert, 'utf8');
    const caSecondary = readFileSync(tlsPaths(paired.dirs.secondary).cert, 'utf8');
    expect((await request(`${primaryUrl}/api/health`, { ca: caPrimary })).status).toBe(200);
    expect((await request(`${secondaryUrl}/api/health`, { ca: caSecondary })).status).toBe(200);
    expect(await query(paired.dirs.primary, 'SELECT configured_role, state FROM appliance')).toEqual([
      { configured_role: 'PRIMARY', state: 'ACTIVE' },
    ]);
    expect(await query(paired.dirs.secondary, 'SELECT configured_role, state FROM appliance')).toEqual([
      { configured_role: 'SECONDARY', state: 'STANDBY' },
    ]);
    // The secondary holds the primary's accounts (its own first-boot admin was replaced).
    const users = 'SELECT username, role, password_hash FROM "user" ORDER BY username';
    expect(await query(paired.dirs.secondary, users)).toEqual(await query(paired.dirs.primary, users));
    expect(await signInOverHttps(primaryUrl!, caPrimary, 'admin', password)).toHaveProperty('cookie');
    expect(await signInOverHttps(secondaryUrl!, caSecondary, 'admin', password)).toHaveProperty('cookie');
    expect(
      (await query<{ n: number }>(paired.dirs.primary, "SELECT count(*)::int AS n FROM sensor WHERE name LIKE 'demo-sensor-%'"))[0]!.n,
    ).toBeGreaterThanOrEqual(2);

    expect(await stopDemo(demo)).toBe(0);
    expect(demo.output()).toMatch(/Stopped\.\n$/);
    expect(leftBehind(paired)).toEqual([]);
  }, 180_000);

  it('a second start finds the pair applied, skips pairing and serves both consoles again', async () => {
    const demo = startDemo(paired, path.join(base, 'second-run.out'));
    await running(demo);
    const output = demo.output();
    expect(output).toContain('The consoles are paired already (primary and secondary): nothing to pair.');
    expect(output).not.toContain('cyberx-management-trusted-hosts-add');
    const caSecondary = readFileSync(tlsPaths(paired.dirs.secondary).cert, 'utf8');
    expect(await signInOverHttps(urlOf(output, 'Secondary')!, caSecondary, 'admin', password)).toHaveProperty('cookie');
    expect(await stopDemo(demo)).toBe(0);
    expect(leftBehind(paired)).toEqual([]);
  }, 180_000);

  it('Ctrl-C while the consoles are still starting stops them and their PostgreSQL', async () => {
    const starting = await location('interrupted');
    locations.push(starting);
    const demo = startDemo(starting, path.join(base, 'interrupted.out'));
    // As soon as the primary's PostgreSQL runs, most likely before the console is ready.
    await waitFor(
      "the primary's PostgreSQL to run",
      () => {
        if (demo.child.exitCode !== null) throw new Error(`the demo exited with ${demo.child.exitCode}:\n${demo.output()}`);
        const credentials = readCredentials(starting.dirs.primary);
        return credentials !== null && postgresOf(clusterDirOf(starting.dirs.primary, credentials)).length > 0;
      },
      120_000,
    );
    expect(await stopDemo(demo)).toBe(0);
    expect(demo.output()).toMatch(/Stopped\.\n$/);
    expect(leftBehind(starting)).toEqual([]);
  }, 180_000);
});
