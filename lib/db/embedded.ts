import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../runtime/free-port.ts';
import { placeNewCluster } from './cluster-location.ts';
import { CONSOLE_ROLE, ensureConsoleRole } from './console-role.ts';
import { explainConnectionFailure } from './connection-failure.ts';
import { clusterDirOf, connectionUrl, credentialsFile, readCredentials, writeCredentials } from './credentials.ts';
import { reachableBinaries } from './postgres-binaries.ts';
import { initCluster, startServer } from './postgres-process.ts';
import { serverUser } from './postgres-user.ts';
import { StartupFailure } from '../runtime/startup-failure.ts';

// The embedded PostgreSQL that an appliance runs when DATABASE_URL is unset: a real server whose
// cluster survives restarts, found again through the data directory (cluster-location.ts says where).

export type EmbeddedDatabase = {
  // The console's own role: what the appliance uses.
  url: string;
  // The cluster's superuser, for tools that need a whole server (the integration tests' databases).
  superuserUrl?: string;
  stop: () => Promise<void>;
};

export type EmbeddedOptions = {
  onLog?: (message: string) => void;
  // PostgreSQL's native/ directory (bin, lib, share) when not the installed package's.
  nativeDir?: string;
};

// A console killed with SIGKILL leaves its postgres running; a new start would then fail on the
// cluster's lock. Stop the orphan first so that a restarted appliance comes back by itself.
// The pid file outlives its server when the whole appliance went down at once (power loss, the service
// manager killing every process of the service): its pid may since belong to any process, even this
// console. Only a postgres serving this cluster is stopped; for anything else the file is stale and is
// removed, since PostgreSQL itself refuses to start over a pid file whose pid is alive.
async function stopOrphan(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  if (pid === process.pid || !servesCluster(pid, clusterDir)) {
    await rm(pidFile, { force: true });
    return;
  }
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // not running: postgres itself removes a stale pid file
  }
  for (let waited = 0; waited < 10_000; waited += 50) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new StartupFailure(
    `An earlier PostgreSQL (pid ${pid}) still holds ${clusterDir} and does not stop: stop it (kill ${pid}) and start again.`,
  );
}

// Whether the process is a postgres started on this cluster (its command line, as startServer gives it).
function servesCluster(pid: number, clusterDir: string): boolean {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false; // no such process
  }
  const dir = args.indexOf('-D');
  return path.basename(args[0] ?? '') === 'postgres' && dir > 0 && path.resolve(args[dir + 1] ?? '') === path.resolve(clusterDir);
}

// The recorded port may have been taken while the console was down.
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

export async function startEmbeddedDatabase(dataDir: string, options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const onLog = options.onLog ?? (() => {});
  await mkdir(dataDir, { recursive: true, mode: 0o711 });
  // Traverse-only for others: PostgreSQL's own user passes through to a cluster kept here.
  if (((await stat(dataDir)).mode & 0o001) === 0) await chmod(dataDir, 0o711);
  const user = serverUser();
  const binaries = await reachableBinaries(user, options.nativeDir);

  let credentials = readCredentials(dataDir);
  if (!credentials) {
    const { clusterDir, relocated } = await placeNewCluster(dataDir, user);
    if (existsSync(path.join(clusterDir, 'PG_VERSION')))
      throw new StartupFailure(
        `${dataDir} holds a PostgreSQL cluster but not its pg-credentials.json: restore that file from a backup of the data directory, or start over with an empty data directory.`,
      );
    // What an initdb that failed half-way left behind; nothing refers to it.
    await rm(clusterDir, { recursive: true, force: true });
    credentials = {
      port: await freePort('127.0.0.1'),
      password: randomBytes(24).toString('hex'),
      database: 'console',
      role: { name: CONSOLE_ROLE, password: randomBytes(24).toString('hex') },
      ...(relocated ? { clusterDir } : {}),
    };
    await initCluster({ binaries, user, clusterDir, superuserPassword: credentials.password, onLog });
    // Written once the cluster exists: a data directory with this file always has a cluster.
    await writeCredentials(dataDir, credentials);
  } else {
    const clusterDir = clusterDirOf(dataDir, credentials);
    if (!existsSync(path.join(clusterDir, 'PG_VERSION')))
      throw new StartupFailure(
        `The PostgreSQL cluster of ${dataDir} is missing (expected in ${clusterDir}): restore it, or start over with an empty data directory.`,
      );
    await stopOrphan(clusterDir);
    if (await portTaken(credentials.port)) {
      credentials = { ...credentials, port: await freePort('127.0.0.1') };
      await writeCredentials(dataDir, credentials);
    }
  }
  // Data directories from before the console had its own role get one now.
  if (!credentials.role) {
    credentials = { ...credentials, role: { name: CONSOLE_ROLE, password: randomBytes(24).toString('hex') } };
    await writeCredentials(dataDir, credentials);
  }
  const ready = credentials;
  const server = await startServer({ binaries, user, clusterDir: clusterDirOf(dataDir, ready), port: ready.port, onLog });
  try {
    await ensureConsoleRole(connectionUrl(ready, 'superuser'), ready.database, ready.role!.password);
    // The console's own login, proven now rather than at the first page.
    const probe = new pg.Client({ connectionString: connectionUrl(ready) });
    await probe.connect();
    await probe.end();
  } catch (error) {
    await server.stop();
    throw explainConnectionFailure(error, { dataDir });
  }
  await chmod(credentialsFile(dataDir), 0o600);
  return { url: connectionUrl(ready), superuserUrl: connectionUrl(ready, 'superuser'), stop: server.stop };
}
