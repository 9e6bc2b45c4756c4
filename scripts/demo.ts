// `npm run demo`: one console on its embedded PostgreSQL at https://127.0.0.11:8443 (override with the
// OTC_* variables), data kept in data/demo across runs. `--fresh` starts over; Ctrl-C stops it cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

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

process.stdout.write(`Starting the console (data in ${path.resolve(env.OTC_DATA_DIR)}); stop it with Ctrl-C.\n`);
const server = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], { stdio: 'inherit', env });
// Ctrl-C reaches the console directly (same process group); forward other stop requests and wait.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (signal === 'SIGTERM') server.kill('SIGTERM');
  });
}
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
