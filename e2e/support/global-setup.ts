import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { disconnectDb } from '../../lib/db/client.ts';
import { openDatabase } from '../../lib/db/open.ts';
import { createUser } from '../../lib/users/mutations.ts';
import { writeVendorKeyPair } from '../../lib/activation/vendor-key.ts';
import { freePort, startConsole, stopConsole, type RunningConsole } from '../../tests/support/console.ts';
import { STATE_FILE, type E2EState } from './state.ts';

const HOST = '127.0.0.21';

export default async function globalSetup() {
  if (!existsSync('.next/BUILD_ID')) throw new Error('Build the console first: npm run build (npm test does it for you).');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'otc-e2e-'));
  const port = await freePort(HOST);
  // A test vendor for activation files: the console trusts its public key, the specs sign with its
  // private key. Inside the data directory so the teardown removes it too.
  const vendor = await writeVendorKeyPair(path.join(dataDir, 'e2e-vendor'));
  const running = await startConsole(
    { OTC_DATA_DIR: dataDir, OTC_BIND_ADDRESS: HOST, OTC_HTTPS_PORT: String(port), OTC_ACTIVATION_PUBLIC_KEY_FILE: vendor.publicKeyFile },
    { logFile: path.resolve('test-results/e2e-console.log') },
  );
  if (!running.adminPassword) throw new Error(`no initial admin password printed:\n${running.output()}`);

  try {
    await prepare(dataDir, running, vendor.privateKeyFile);
  } catch (error) {
    await stopConsole(running.process);
    throw error;
  }
}

async function prepare(dataDir: string, running: RunningConsole, vendorPrivateKeyFile: string) {
  // Extra accounts go in through the same lib mutations the product uses, on the console's own
  // embedded database (the console is running, so openDatabase connects to it).
  const database = await openDatabase(dataDir, undefined);
  process.env.DATABASE_URL = database.url;
  const accounts = {
    viewer: { username: 'viewer', password: 'Read-Only-Pass-1234', role: 'READ_ONLY' as const },
    lockme: { username: 'lockme', password: 'Lock-Me-Pass-5678', role: 'SECURITY_ANALYST' as const },
  };
  for (const a of Object.values(accounts)) {
    const created = await createUser(a, { username: 'e2e-setup' });
    if (!created.ok) throw new Error(created.message);
  }
  await disconnectDb();

  const state: E2EState = {
    baseURL: running.url,
    dataDir,
    pid: running.process.pid!,
    admin: { username: 'admin', password: running.adminPassword! },
    viewer: accounts.viewer,
    lockme: accounts.lockme,
    vendorPrivateKeyFile,
  };
  await mkdir(path.dirname(STATE_FILE), { recursive: true });
  await writeFile(STATE_FILE, JSON.stringify(state));
  process.env.E2E_BASE_URL = running.url;
  running.process.unref();
}
