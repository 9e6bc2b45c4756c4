import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { e2eState, STATE_FILE } from './state.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default async function globalTeardown() {
  if (!existsSync(STATE_FILE)) return; // set-up failed before starting a console
  const state = e2eState();
  if (alive(state.pid)) process.kill(state.pid, 'SIGINT');
  const deadline = Date.now() + 20_000;
  while (alive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(state.pid)) process.kill(state.pid, 'SIGKILL');
  await rm(state.dataDir, { recursive: true, force: true });
}
