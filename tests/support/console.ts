import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';

export { freePort } from '../../lib/runtime/free-port.ts';

export type RunningConsole = { process: ChildProcess; url: string; logFile: string; output: () => string; adminPassword: string | null };

// Starts a real console (server.ts) and waits for its ready banner. Its terminal output goes to a
// file (not a pipe) so the console may outlive the process that started it. Used by the end-to-end
// tests, integration tests and benchmarks.
export async function startConsole(env: Record<string, string>, options: { logFile: string; timeoutMs?: number }): Promise<RunningConsole> {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const output = () => readFileSync(options.logFile, 'utf8');
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (!/is ready/.test(output())) {
    if (child.exitCode !== null) throw new Error(`console exited with ${child.exitCode} before it was ready:\n${output()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`console did not start in time:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const text = output();
  const url = /URL:\s+(https:\/\/\S+?)\/?\s/.exec(text)![1]!;
  const adminPassword = /Sign in as "admin" with password: (\S+)/.exec(text)?.[1] ?? null;
  return { process: child, url, logFile: options.logFile, output, adminPassword };
}

export async function stopConsole(running: ChildProcess): Promise<number | null> {
  if (running.exitCode !== null) return running.exitCode;
  const exited = new Promise<number | null>((resolve) => running.once('exit', (code) => resolve(code)));
  running.kill('SIGINT');
  const timer = setTimeout(() => running.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}
