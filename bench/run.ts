import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchConsolePages } from './signin.ts';

// `npm run bench`: starts a real console (server.ts, embedded PostgreSQL, production Next.js build) on a
// fresh data directory, runs the benchmarks against it in sequence and prints one JSON object on stdout.
// Everything else goes to stderr so that stdout can be piped straight into a file or a comparison tool.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// A loopback address of its own, so a developer's console on 127.0.0.1 is never hit by mistake.
const HOST = '127.0.0.41';
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;

type Server = { child: ChildProcess; exited: Promise<number | null>; ready: Promise<{ origin: string; password: string }> };

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function ensureBuilt(): void {
  if (existsSync(path.join(root, '.next/BUILD_ID'))) return;
  log('.next/BUILD_ID is missing: running next build');
  const result = spawnSync(path.join(root, 'node_modules/.bin/next'), ['build'], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status ?? result.signal})`);
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

async function startConsole(dataDir: string): Promise<Server> {
  const port = await freePort(HOST);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OTC_DATA_DIR: dataDir,
    OTC_BIND_ADDRESS: HOST,
    OTC_HTTPS_PORT: String(port),
    // The warm-up and measured sign-ins all come from one address; they all succeed, but keep the
    // throttle far out of reach anyway (10 000 is the largest value lib/config/env.ts accepts).
    OTC_SIGNIN_IP_MAX_FAILURES: '10000',
    NEXT_TELEMETRY_DISABLED: '1',
  };
  // Whatever the developer's shell has, this console uses its own embedded database and addresses.
  for (const key of ['DATABASE_URL', 'OTC_PUBLIC_ADDRESS', 'OTC_LOG_DIR', 'NEXTAUTH_URL', 'NEXTAUTH_SECRET']) delete env[key];

  log(`starting console on https://${HOST}:${port} (data ${dataDir})`);
  // Own process group: if the console ignores SIGINT, the fallback kill reaches its PostgreSQL too.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));

  const ready = new Promise<{ origin: string; password: string }>((resolve, reject) => {
    let output = '';
    let password: string | undefined;
    const timer = setTimeout(() => reject(new Error(`console not ready after ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`console exited (code ${code}) before it was ready`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      // The banner goes to stderr like all progress, minus the password.
      process.stderr.write(text.replace(/(with password: )\S+/, '$1***'));
      password ??= /Sign in as "admin" with password: (\S+)/.exec(output)?.[1];
      if (!output.includes('is ready')) return;
      clearTimeout(timer);
      if (password) resolve({ origin: `https://${HOST}:${port}`, password });
      else if (output.includes('Sign in with your account')) reject(new Error('console started without an initial admin password: the data directory was not fresh'));
    });
  });
  return { child, exited, ready };
}

async function stopConsole(server: Server): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  log('stopping console (SIGINT)');
  child.kill('SIGINT');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS, 'timeout').unref());
  if ((await Promise.race([server.exited, timeout])) === 'timeout' && child.pid) {
    log(`console did not stop within ${STOP_TIMEOUT_MS / 1000} s: killing its process group`);
    process.kill(-child.pid, 'SIGKILL');
  }
  const code = await server.exited;
  if (code !== 0) log(`console exited with code ${code} (signal ${child.signalCode ?? 'none'})`);
}

async function main(): Promise<void> {
  ensureBuilt();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'otc-bench-'));
  let server: Server | undefined;
  // Ctrl+C reaches only this process (the console has its own group): stop the console and its
  // PostgreSQL; the request in flight then fails and the run ends through `finally`.
  const interrupt = () => server?.child.kill('SIGINT');
  process.on('SIGINT', interrupt);
  try {
    server = await startConsole(dataDir);
    const { origin, password } = await server.ready;
    // Our own self-signed certificate on loopback; one kept-alive connection for the whole run.
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    const pages = await benchConsolePages({ origin, agent, username: 'admin', password });
    agent.destroy();
    const result = { benchmark: 'console-pages', machine: { cpus: os.cpus().length, node: process.version }, ...pages };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    if (server) await stopConsole(server);
    process.off('SIGINT', interrupt);
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
