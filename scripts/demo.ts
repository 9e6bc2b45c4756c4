// `npm run demo`: one console on its embedded PostgreSQL at https://127.0.0.11:8443 (override with the
// OTC_* variables). Its data stays across runs in the appliance's own data directory (data/console/ under
// this install unless configured), so the cyberx-management-* commands, typed exactly as the UI shows
// them, act on the demo. `--fresh` starts over; Ctrl-C stops it cleanly. `--pair` runs a primary and a
// secondary instead, paired (scripts/lib/demo-pair.ts).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureVendorKeyPair } from '../lib/activation/vendor-key.ts';
import { installRoot, loadConfig, type ApplianceConfig } from '../lib/config/env.ts';
import { removeRelocatedCluster } from '../lib/db/cluster-location.ts';

const { values } = parseArgs({
  options: { fresh: { type: 'boolean' }, rebuild: { type: 'boolean' }, pair: { type: 'boolean' } },
  strict: true,
});
const pair = values.pair ? await import('./lib/demo-pair.ts') : null;

const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: '1',
  OTC_BIND_ADDRESS: process.env.OTC_BIND_ADDRESS ?? '127.0.0.11',
  OTC_HTTPS_PORT: process.env.OTC_HTTPS_PORT ?? '8443',
};

let config: ApplianceConfig;
try {
  config = loadConfig(env);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
// The pair is two consoles, each with its own embedded PostgreSQL and domain, beside the single demo's data.
if (pair && (config.databaseUrl || config.domain)) {
  process.stderr.write(
    `--pair runs each console on its own embedded PostgreSQL with its own domain: unset ${config.databaseUrl ? 'DATABASE_URL' : 'OTC_DOMAIN'} (environment or ${config.configFile ?? 'configuration file'}).\n`,
  );
  process.exit(1);
}
const dataDirs = pair ? Object.values(pair.pairDataDirs(config.dataDir)) : [config.dataDir];
// The primary's, with --pair: the demo vendor key lives there.
const dataDir = dataDirs[0]!;
const earlier = path.join(installRoot(), 'data/demo');
if (!pair && existsSync(earlier) && !existsSync(dataDir))
  process.stdout.write(`Note: ${earlier} (where earlier versions kept the demo) is no longer used; move it to ${dataDir} to keep it.\n`);

for (const dir of values.fresh ? dataDirs : [])
  if (existsSync(dir)) {
    process.stdout.write(`Removing ${dir} (--fresh)\n`);
    await removeRelocatedCluster(dir);
    rmSync(dir, { recursive: true, force: true });
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
if (!config.activationPublicKeyFile) {
  // The mode server.ts would give the data directory it creates.
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  const vendor = await ensureVendorKeyPair(path.join(dataDir, 'demo-vendor'));
  Object.assign(env, { OTC_ACTIVATION_PUBLIC_KEY_FILE: path.resolve(vendor.publicKeyFile) });
  const expires = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  process.stdout.write(
    `Activation: the demo is its own vendor (key in ${path.dirname(vendor.privateKeyFile)}); issue a file to upload with: node --import tsx cli/ot-activation-issue.ts --private-key ${vendor.privateKeyFile} --subscription DEMO-0001 --devices 100 --expires ${expires} --out demo-activation.json\n`,
  );
}

if (pair) {
  // Both consoles listen on their own address: OTC_BIND_ADDRESS and OTC_PUBLIC_ADDRESS do not apply.
  await pair.runPairDemo({ dataDir: config.dataDir, httpsPort: env.OTC_HTTPS_PORT, peerPort: process.env.OTC_PEER_PORT || undefined, env });
}

process.stdout.write(`Starting the console (data in ${dataDir}); stop it with Ctrl-C.\n`);
const server = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], { stdio: 'inherit', env });
// Ctrl-C in a terminal reaches the console directly (same process group); a signal sent to this process
// alone (a service manager, kill) is passed on. The console stops once however often it is asked.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
