import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterDirOf, readCredentials } from '../../lib/db/credentials.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../lib/db/embedded.ts';
import { isAlive } from '../../lib/runtime/process-alive.ts';

// After the whole appliance went down at once (power loss, every process of the service killed), the
// cluster's postmaster.pid names a pid that may since belong to anything — another program, or the
// console now starting. The console must start anyway, and signal nothing that is not its own postgres
// (a console killed alone, whose postgres lives on, is tests/integration/appliance.test.ts and
// tests/integration/ha-pair.test.ts).

let root: string;
let dataDir: string;
let pidFile: string;
let lockText: string;
let database: EmbeddedDatabase | undefined;
let bystander: ChildProcess | undefined;

const answers = async (url: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one;
  } finally {
    await client.end();
  }
};

// The pid file as the stopped server wrote it, but naming `pid`: what a crash leaves.
async function leaveLockNaming(pid: number) {
  await writeFile(pidFile, lockText.replace(/^\d+/, String(pid)), { mode: 0o600 });
  // Owned like the cluster (PostgreSQL's own user when run as root).
  const owner = await stat(path.dirname(pidFile));
  await chown(pidFile, owner.uid, owner.gid);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'otc-stale-pid-'));
  await chmod(root, 0o711);
  dataDir = path.join(root, 'data');
  database = await startEmbeddedDatabase(dataDir);
  pidFile = path.join(clusterDirOf(dataDir, readCredentials(dataDir)), 'postmaster.pid');
  lockText = await readFile(pidFile, 'utf8');
  await database.stop();
  database = undefined;
}, 60_000);

afterAll(async () => {
  await database?.stop();
  bystander?.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

describe('a postmaster.pid left by a crash', () => {
  it('naming another live process: the cluster starts and that process is left alone', async () => {
    bystander = spawn('sleep', ['300'], { stdio: 'ignore' });
    await leaveLockNaming(bystander.pid!);
    database = await startEmbeddedDatabase(dataDir);
    expect(await answers(database.url)).toBe(1);
    expect(isAlive(bystander.pid!)).toBe(true);
    await database.stop();
    database = undefined;
  }, 60_000);

  it('naming the console starting now: it starts and does not signal itself', async () => {
    let interrupted = false;
    const onSigint = () => (interrupted = true);
    process.on('SIGINT', onSigint);
    try {
      await leaveLockNaming(process.pid);
      database = await startEmbeddedDatabase(dataDir);
      expect(await answers(database.url)).toBe(1);
    } finally {
      process.off('SIGINT', onSigint);
    }
    expect(interrupted).toBe(false);
  }, 60_000);
});
