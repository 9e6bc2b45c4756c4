import { readFileSync } from 'node:fs';
import path from 'node:path';

export type E2EState = {
  baseURL: string;
  dataDir: string;
  pid: number;
  admin: { username: string; password: string };
  viewer: { username: string; password: string };
  lockme: { username: string; password: string };
  // Signs activation files the console accepts (its public key is OTC_ACTIVATION_PUBLIC_KEY_FILE).
  vendorPrivateKeyFile: string;
};

export const STATE_FILE = path.resolve('test-results/e2e-state.json');

export function e2eState(): E2EState {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2EState;
}
