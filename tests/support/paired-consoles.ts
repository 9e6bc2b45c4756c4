import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import pg from 'pg';
import type { RunningConsole } from './console.ts';

// One console of a pair under test, each on its own loopback address with its own peer port, and the
// helpers the pair tests share: its environment, SQL on its database, its commands, writes through the
// product's mutations, and sensor agents against it.
export type ConsoleSide = {
  name: string;
  host: string;
  port: number;
  peerPort: number;
  dataDir: string;
  db: string;
  running?: RunningConsole;
};

// The runner's own environment may point at another console: each side gets its own, embedded database.
export const sideEnv = (side: Pick<ConsoleSide, 'dataDir' | 'host' | 'port' | 'peerPort'>) => ({
  OTC_DATA_DIR: side.dataDir,
  OTC_BIND_ADDRESS: side.host,
  OTC_HTTPS_PORT: String(side.port),
  OTC_PEER_PORT: String(side.peerPort),
  DATABASE_URL: '',
  OTC_PUBLIC_ADDRESS: '',
  OTC_LOG_DIR: '',
});

export async function queryOn<R extends pg.QueryResultRow>(side: ConsoleSide, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: side.db });
  // A server shut down under the query (a console restarting its PostgreSQL in the fault suite) also emits
  // 'error' on the client, which without a listener is an uncaught exception; the query rejects with it anyway.
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export function cliOn(side: ConsoleSide, command: string, args: string[] = []) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', `cli/${command}.ts`, ...args], {
    env: { ...process.env, ...sideEnv(side) },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// A write through the product's own mutations (journal and audit included), in a process of its own
// pointed at the side's database: what a server action does once its guard passed. `m(path)` imports a
// module of the repository, `actor` is the writer, `must(result)` throws on a refusal. Returns stdout.
export function writeOn(side: ConsoleSide, script: string, extraEnv: Record<string, string> = {}): string {
  const program = `const m = (p) => import(new URL(p, 'file://${process.cwd()}/'));\nconst actor = { username: 'tester', ip: '127.0.0.1' };\nconst must = (r) => { if (!r.ok) throw new Error(JSON.stringify(r)); return r; };\n${script}\nprocess.exit(0);`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
    env: { ...process.env, ...sideEnv(side), DATABASE_URL: side.db, ...extraEnv },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`write on ${side.name} failed: ${result.stderr}`);
  return result.stdout;
}

// Simulated sensors registered with the side's connection-string token (pairing needs connected ones).
export async function startAgents(
  side: ConsoleSide,
  options: { name: string; count: number; dataDir: string; eventsPerMinute?: number },
): Promise<ChildProcess> {
  const token = (await queryOn<{ t: string }>(side, 'SELECT connection_token AS t FROM appliance'))[0]!.t;
  const rate = options.eventsPerMinute === undefined ? [] : ['--events-per-minute', String(options.eventsPerMinute)];
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'sensor/cli.ts',
      '--connect',
      `${side.host}:${side.port}:${token}`,
      '--name',
      options.name,
      '--count',
      String(options.count),
      '--data-dir',
      options.dataDir,
      ...rate,
    ],
    { stdio: 'ignore' },
  );
}

export async function stopAgents(agents: ChildProcess | undefined): Promise<void> {
  if (!agents || agents.exitCode !== null) return;
  const exited = new Promise((resolve) => agents.once('exit', resolve));
  agents.kill('SIGTERM');
  await exited;
}

// Sensors the side heard from in the last few seconds.
export async function connectedSensors(side: ConsoleSide): Promise<number> {
  return (
    await queryOn<{ n: number }>(side, "SELECT count(*)::int AS n FROM sensor WHERE last_heard_at > now() - interval '4 seconds'")
  )[0]!.n;
}

// What the side's /api/health says: whether it accepts people's changes now (active, and paired, holding
// the write lease). Right after a pair is applied there is a moment without the lease.
export async function isWritable(side: ConsoleSide): Promise<boolean> {
  const body = await new Promise<string>((resolve) => {
    const req = https.get({ host: side.host, port: side.port, path: '/api/health', rejectUnauthorized: false, timeout: 2000 }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', () => resolve(''));
    req.on('timeout', () => req.destroy());
  });
  try {
    return (JSON.parse(body) as { writable?: boolean }).writable === true;
  } catch {
    return false;
  }
}

export async function waitWritable(side: ConsoleSide, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isWritable(side))) {
    if (Date.now() > deadline) throw new Error(`${side.name} did not become writable within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
