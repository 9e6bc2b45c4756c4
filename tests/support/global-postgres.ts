import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

// One real PostgreSQL server for the whole integration run; each test file makes its own database.
// The server runs in a child process (see postgres-server.ts for why): Vitest's exit status is then its
// own, and a run that dies leaves no PostgreSQL behind (the child stops when its stdin closes).
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'otc-it-pg-'));
  const server = path.join(path.dirname(new URL(import.meta.url).pathname), 'postgres-server.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', server, dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve((JSON.parse(line!) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`the test PostgreSQL exited with ${code} before it was ready`)));
  });
  project.provide('postgresUrl', url);
  return async () => {
    child.stdin!.end();
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  };
}
