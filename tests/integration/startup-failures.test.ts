import { execFileSync } from 'node:child_process';
import { appendFile, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeRelocatedCluster } from '../../lib/db/cluster-location.ts';
import { clusterDirOf, readCredentials } from '../../lib/db/credentials.ts';
import { startEmbeddedDatabase } from '../../lib/db/embedded.ts';
import { applyMigrations } from '../../lib/db/migrate.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';
import { request } from '../support/https.ts';
import { inGroup, postgresOf, runConsoleToExit, type Exited } from '../support/processes.ts';

// Every start-up that cannot succeed ends the same way: one line naming the cause and what to do, a
// non-zero exit, no stack trace, and nothing left running (no PostgreSQL, no Next.js worker).
const HOST = '127.0.0.71';
let root: string;
const dataDirs: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'otc-startup-failures-'));
});

afterAll(async () => {
  for (const dir of dataDirs) await removeRelocatedCluster(dir).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

async function newDataDir(name: string): Promise<string> {
  const dir = path.join(root, name);
  dataDirs.push(dir);
  return dir;
}

async function attempt(name: string, env: Record<string, string>): Promise<Exited> {
  const dataDir = env.OTC_DATA_DIR ?? (await newDataDir(name));
  const port = env.OTC_HTTPS_PORT ?? String(await freePort(HOST));
  return runConsoleToExit(
    { OTC_BIND_ADDRESS: HOST, DATABASE_URL: '', ...env, OTC_DATA_DIR: dataDir, OTC_HTTPS_PORT: port },
    path.join(root, `${name}.out`),
  );
}

function expectOneLineFailure(run: Exited, cause: RegExp): void {
  expect(run.code, run.output).not.toBe(0);
  expect(run.code, run.output).not.toBeNull();
  const lines = run.output.split('\n').filter((l) => l.trim());
  expect(lines, run.output).toHaveLength(1);
  expect(lines[0]).toMatch(/^Console failed to start: /);
  expect(lines[0]).toMatch(cause);
  expect(run.output).not.toMatch(/^\s+at /m);
  expect(inGroup(run.group)).toEqual([]);
}

// A data directory whose embedded PostgreSQL has been created once (and stopped again).
async function initialised(name: string, prepare?: (db: { url: string; superuserUrl: string }) => Promise<void>) {
  const dataDir = await newDataDir(name);
  const db = await startEmbeddedDatabase(dataDir);
  await prepare?.({ url: db.url, superuserUrl: db.superuserUrl! });
  await db.stop();
  return { dataDir, clusterDir: clusterDirOf(dataDir, readCredentials(dataDir)) };
}

describe('a console that cannot start says why in one line and leaves nothing running', () => {
  it('names a bad environment variable', async () => {
    const run = await attempt('bad-env', { OTC_HTTPS_PORT: 'banana' });
    expectOneLineFailure(run, /Invalid configuration: OTC_HTTPS_PORT: /);
  });

  it('names a port already in use and how to choose another', async () => {
    const port = await freePort(HOST);
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, HOST, resolve));
    try {
      const run = await attempt('port-in-use', { OTC_HTTPS_PORT: String(port) });
      expectOneLineFailure(run, new RegExp(`Port ${port} on ${HOST} is already in use: .*OTC_HTTPS_PORT`));
    } finally {
      squatter.close();
    }
  });

  it('names a bind address that is not on this host', async () => {
    const run = await attempt('foreign-address', { OTC_BIND_ADDRESS: '192.0.2.1' });
    expectOneLineFailure(
      run,
      /Address 192\.0\.2\.1 is not on this host: set OTC_BIND_ADDRESS to one of its addresses \(.*127\.0\.0\.1.*\)/,
    );
  });

  it('names a data directory it cannot write', async () => {
    const dataDir = await newDataDir('read-only');
    await mkdir(dataDir);
    // As root, immutable: even root cannot create files in it (what a read-only mount does to a service).
    // As an ordinary user, a directory without write permission does the same.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync('chattr', ['+i', dataDir]);
    else await chmod(dataDir, 0o500);
    try {
      const run = await attempt('read-only', { OTC_DATA_DIR: dataDir });
      expectOneLineFailure(run, new RegExp(`OTC_DATA_DIR ${dataDir} is not a writable directory \\(${asRoot ? 'EPERM' : 'EACCES'}\\)`));
    } finally {
      if (asRoot) execFileSync('chattr', ['-i', dataDir]);
      else await chmod(dataDir, 0o700);
    }
  });

  it('names a data directory that is a file', async () => {
    const file = path.join(root, 'a-file');
    await writeFile(file, 'not a directory');
    const run = await attempt('file-in-the-way', { OTC_DATA_DIR: path.join(file, 'data') });
    expectOneLineFailure(run, /is not a writable directory \(a file is in the way\)/);
  });

  it("passes on PostgreSQL's own reason when it does not start, and stops it", async () => {
    const { dataDir, clusterDir } = await initialised('pg-bad-config');
    await appendFile(path.join(clusterDir, 'postgresql.conf'), "\nshared_buffers = 'banana'\n");
    const run = await attempt('pg-bad-config', { OTC_DATA_DIR: dataDir });
    expectOneLineFailure(run, /PostgreSQL stopped while starting \(cluster .*\): invalid value for parameter "shared_buffers"/);
    expect(postgresOf(clusterDir)).toEqual([]);
  });

  it('says when PostgreSQL refuses the recorded password, and stops the PostgreSQL it started', async () => {
    const { dataDir, clusterDir } = await initialised('pg-password');
    const file = path.join(dataDir, 'pg-credentials.json');
    const credentials = JSON.parse(await readFile(file, 'utf8')) as { password: string };
    await writeFile(file, JSON.stringify({ ...credentials, password: 'not-the-password' }), { mode: 0o600 });
    const run = await attempt('pg-password', { OTC_DATA_DIR: dataDir });
    expectOneLineFailure(
      run,
      /The embedded PostgreSQL refused the console's password: .*pg-credentials\.json no longer matches the cluster/,
    );
    expect(postgresOf(clusterDir)).toEqual([]);
  });

  it('says when DATABASE_URL cannot be reached', async () => {
    const port = await freePort('127.0.0.1');
    const run = await attempt('database-url', { DATABASE_URL: `postgresql://console:secret-password@127.0.0.1:${port}/console` });
    expectOneLineFailure(
      run,
      /The database at DATABASE_URL \(postgresql:\/\/console:\*\*\*@127\.0\.0\.1:\d+\/console\) cannot be reached \(ECONNREFUSED\)/,
    );
    expect(run.output).not.toContain('secret-password');
  });

  it('stops the embedded PostgreSQL when a later step (the migrations) fails', async () => {
    const { dataDir, clusterDir } = await initialised('migration-history', async (db) => {
      await applyMigrations(db.url, { migrationsDir: 'prisma/migrations' });
      const client = new pg.Client({ connectionString: db.superuserUrl });
      await client.connect();
      await client.query(
        `UPDATE _prisma_migrations SET checksum = 'x' WHERE migration_name = (SELECT min(migration_name) FROM _prisma_migrations)`,
      );
      await client.end();
    });
    const run = await attempt('migration-history', { OTC_DATA_DIR: dataDir });
    expectOneLineFailure(run, /Migration \S+ was modified after it was applied/);
    expect(postgresOf(clusterDir)).toEqual([]);
  });

  describe('beside a running console', () => {
    let first: RunningConsole;
    let dataDir: string;
    let port: number;

    beforeAll(async () => {
      dataDir = await newDataDir('shared');
      port = await freePort(HOST);
      first = await startConsole(
        { OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: HOST, OTC_HTTPS_PORT: String(port), DATABASE_URL: '' },
        {
          logFile: path.join(root, 'shared-first.out'),
        },
      );
    });

    afterAll(async () => {
      if (first) await stopConsole(first.process);
    });

    it('refuses a second console on the same data directory and leaves the first one serving', async () => {
      const clusterDir = clusterDirOf(dataDir, readCredentials(dataDir));
      const before = postgresOf(clusterDir);
      expect(before).toHaveLength(1);
      const run = await attempt('shared-second', { OTC_DATA_DIR: dataDir, OTC_HTTPS_PORT: String(await freePort(HOST)) });
      expectOneLineFailure(run, new RegExp(`Another console \\(pid ${first.process.pid}\\) is running on ${dataDir}: stop it first`));
      expect(postgresOf(clusterDir)).toEqual(before);
      const ca = await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8');
      const health = await request(`https://${HOST}:${port}/api/health`, { ca });
      expect(health.status).toBe(200);
    });
  });
});
