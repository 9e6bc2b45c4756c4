import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export type Exited = { code: number | null; output: string; group: number };

// Runs server.ts to its end (for start-ups that must fail), in its own process group so that whatever
// it started and left behind can be found afterwards by group.
export async function runConsoleToExit(env: Record<string, string>, logFile: string): Promise<Exited> {
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, output: readFileSync(logFile, 'utf8'), group: child.pid! };
}

type Row = { pid: number; pgid: number; user: string; args: string };

// Live processes only: a zombie whose parent just exited holds nothing and is reaped by init.
export function processes(): Row[] {
  return execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,user=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/))
    .filter(([, , stat]) => !stat!.startsWith('Z'))
    .map(([pid, pgid, , user, ...args]) => ({ pid: Number(pid), pgid: Number(pgid), user: user!, args: args.join(' ') }));
}

export const inGroup = (group: number) => processes().filter((p) => p.pgid === group);

// The postmaster serving a cluster (postgres -D <dir>), if one runs.
export const postgresOf = (clusterDir: string) =>
  processes().filter((p) => /\/postgres( |$)/.test(p.args) && p.args.includes(`-D ${clusterDir} `));
