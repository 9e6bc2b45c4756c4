// `npm run demo`: one console on its embedded PostgreSQL at https://127.0.0.11:8443 (override with the
// OTC_* variables), data kept in data/demo across runs. `--fresh` starts over; Ctrl-C stops it cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureVendorKeyPair } from '../lib/activation/vendor-key.ts';
import { removeRelocatedCluster } from '../lib/db/cluster-location.ts';

const { values } = parseArgs({ options: { fresh: { type: 'boolean' }, rebuild: { type: 'boolean' } }, strict: true });

const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: '1',
  OTC_DATA_DIR: process.env.OTC_DATA_DIR ?? 'data/demo',
  OTC_BIND_ADDRESS: process.env.OTC_BIND_ADDRESS ?? '127.0.0.11',
  OTC_HTTPS_PORT: process.env.OTC_HTTPS_PORT ?? '8443',
};

if (values.fresh && existsSync(env.OTC_DATA_DIR)) {
  process.stdout.write(`Removing ${env.OTC_DATA_DIR} (--fresh)\n`);
  await removeRelocatedCluster(env.OTC_DATA_DIR);
  rmSync(env.OTC_DATA_DIR, { recursive: true, force: true });
}

if (values.rebuild || !existsSync('.next/BUILD_ID')) {
  process.stdout.write('Building the console (first run only; --rebuild forces it)…\n');
  const build = spawnSync('node_modules/.bin/next', ['build'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (build.status !== 0) {
    process.stderr.write('The build failed; run `npm run build` to see why.\n');
    process.exit(1);
  }
}

// Activation files need a vendor key. Unless one is configured, the demo plays the vendor: a key pair
// made once under the data directory, whose public key the console trusts.
if (!process.env.OTC_ACTIVATION_PUBLIC_KEY_FILE) {
  // The mode server.ts would give the data directory it creates.
  mkdirSync(env.OTC_DATA_DIR, { recursive: true, mode: 0o711 });
  const vendor = await ensureVendorKeyPair(path.join(env.OTC_DATA_DIR, 'demo-vendor'));
  Object.assign(env, { OTC_ACTIVATION_PUBLIC_KEY_FILE: path.resolve(vendor.publicKeyFile) });
  const expires = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  process.stdout.write(
    `Activation: the demo is its own vendor (key in ${path.dirname(vendor.privateKeyFile)}); issue a file to upload with: node --import tsx cli/ot-activation-issue.ts --private-key ${vendor.privateKeyFile} --subscription DEMO-0001 --devices 100 --expires ${expires} --out demo-activation.json\n`,
  );
}

process.stdout.write(`Starting the console (data in ${path.resolve(env.OTC_DATA_DIR)}); stop it with Ctrl-C.\n`);
const server = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], { stdio: 'inherit', env });
// Ctrl-C in a terminal reaches the console directly (same process group); a signal sent to this process
// alone (a service manager, kill) is passed on. The console stops once however often it is asked.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
