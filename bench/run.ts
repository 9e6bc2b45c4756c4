import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { freePort, startConsole, stopConsole } from '../tests/support/console.ts';
import { benchConsolePages } from './signin.ts';

// `npm run bench`: starts a real console (server.ts, embedded PostgreSQL, production Next.js build) on a
// fresh data directory, runs the benchmarks against it in sequence and prints one JSON object on stdout.
// Everything else goes to stderr so that stdout can be piped straight into a file or a comparison tool.

// A loopback address of its own, so a developer's console on 127.0.0.1 is never hit by mistake.
const HOST = '127.0.0.41';

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function ensureBuilt(): void {
  if (existsSync('.next/BUILD_ID')) return;
  log('.next/BUILD_ID is missing: running next build');
  const result = spawnSync('node_modules/.bin/next', ['build'], {
    stdio: ['ignore', process.stderr, process.stderr],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status ?? result.signal})`);
}

async function main(): Promise<void> {
  ensureBuilt();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'otc-bench-'));
  const port = await freePort(HOST);
  log(`starting console on https://${HOST}:${port} (data ${dataDir})`);
  const running = await startConsole(
    {
      OTC_DATA_DIR: dataDir,
      OTC_BIND_ADDRESS: HOST,
      OTC_HTTPS_PORT: String(port),
      // Whatever the developer's shell has, this console uses its own embedded database and addresses.
      DATABASE_URL: '',
      OTC_PUBLIC_ADDRESS: '',
      OTC_LOG_DIR: '',
      // Every measured sign-in comes from one address; keep the throttle out of reach anyway.
      OTC_SIGNIN_IP_MAX_FAILURES: '10000',
    },
    { logFile: path.join(dataDir, 'console.out') },
  );
  // Ctrl-C: stop the console and its PostgreSQL; the request in flight fails and `finally` cleans up.
  const interrupt = () => running.process.kill('SIGINT');
  process.on('SIGINT', interrupt);
  try {
    if (!running.adminPassword) throw new Error('console started without an initial admin password');
    // Our own self-signed certificate on loopback; one kept-alive connection for the whole run.
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    const pages = await benchConsolePages({ origin: running.url, agent, username: 'admin', password: running.adminPassword });
    agent.destroy();
    const result = { benchmark: 'console-pages', machine: { cpus: os.cpus().length, node: process.version }, ...pages };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    const code = await stopConsole(running.process);
    if (code !== 0) log(`console exited with code ${code}`);
    process.off('SIGINT', interrupt);
    await rm(dataDir, { recursive: true, force: true });
  }
}

// `npm run bench -- ingest`: the sensor ingest benchmark (bench/ingest.ts) instead of the page timings;
// `npm run bench -- replication`: replication between a pair of consoles (bench/replication.ts);
// `npm run bench -- failover`: how long a pair is without a writable console after the primary is lost (bench/failover.ts).
const benches: Record<string, () => Promise<void>> = {
  ingest: () => import('./ingest.ts').then((m) => m.benchIngest()),
  replication: () => import('./replication.ts').then((m) => m.benchReplication()),
  failover: () => import('./failover.ts').then((m) => m.benchFailover()),
};
(benches[process.argv[2] ?? '']?.() ?? main()).catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
