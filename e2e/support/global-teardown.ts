import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isAlive as alive } from '../../lib/runtime/process-alive.ts';
import { e2eState, STATE_FILE } from './state.ts';

export default async function globalTeardown() {
  if (!existsSync(STATE_FILE)) return; // set-up failed before starting a console
  const state = e2eState();
  if (alive(state.pid)) process.kill(state.pid, 'SIGINT');
  const deadline = Date.now() + 20_000;
  while (alive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(state.pid)) process.kill(state.pid, 'SIGKILL');
  await rm(state.dataDir, { recursive: true, force: true });
}
