import { randomUUID } from 'node:crypto';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { bootstrapAppliance, loadAuthSecret } from './lib/boot/bootstrap.ts';
import { readTlsFiles } from './lib/appliance/tls-files.ts';
import { TLS_POLICY } from './lib/appliance/tls-policy.ts';
import { registerTlsReloader } from './lib/appliance/tls-reload.ts';
import { startBackupScheduler } from './lib/backups/scheduler.ts';
import { resetPasswordHint } from './lib/cli/hints.ts';
import { loadConfig } from './lib/config/env.ts';
import { explainConnectionFailure } from './lib/db/connection-failure.ts';
import { disconnectDb } from './lib/db/lifecycle.ts';
import { applyMigrations } from './lib/db/migrate.ts';
import { claimDataDir, openDatabase } from './lib/db/open.ts';
import { failoverPeerRoutes } from './lib/failover/http/handlers.ts';
import { startFailoverRuntime } from './lib/failover/runtime.ts';
import { startReplicationRuntime } from './lib/replication/runtime.ts';
import { StartupFailure } from './lib/runtime/startup-failure.ts';
import { liveAcceptor } from './lib/http/live-accept.ts';
import { getLogger } from './lib/logs/logger.ts';
import { checkCanListen, checkDataDirWritable, describeListenError, oneLine } from './lib/runtime/startup-checks.ts';
import { serveSensorRequest } from './lib/sensors/http/node.ts';
import { SENSOR_API_PREFIX } from './lib/sensors/http/router.ts';
import { flushSensorLiveness, stopLivenessFlusher } from './lib/sensors/liveness.ts';

// One appliance = this process: its database (embedded unless DATABASE_URL is set), migrations,
// first-boot identity, then Next.js served over HTTPS.
const root = path.dirname(fileURLToPath(import.meta.url));

// Connections waiting to be accepted. Sensors connect together: at start-up, and after a failover every
// one of them opens a connection to the console that took over. Node's default of 511 overflows at a few
// hundred sensors, and the kernel drops the overflow silently; the sensor's SYN is retransmitted a second
// later, past its heartbeat timeout, so it gives the connection up and opens another, and the console
// spends its time in TLS handshakes. The kernel caps this at net.core.somaxconn (4096 by default).
const LISTEN_BACKLOG = 4096;

// What has been started so far, undone in reverse order when start-up fails half-way, so that a failed
// start leaves no PostgreSQL, no Next.js and no lock file behind.
const undo: Array<() => Promise<unknown>> = [];
let logsReady = false;

// A stop asked for while the console is still starting (the service manager, Ctrl-C) waits for the step
// under way to end: that step's undo is then in place, so the stop leaves no PostgreSQL and no lock file
// behind, as a failed start does not.
class StartInterrupted extends Error {}
let stopRequested: NodeJS.Signals | null = null;
let onStopSignal: (signal: NodeJS.Signals) => void = (signal) => (stopRequested = signal);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => onStopSignal(signal));
const checkpoint = () => {
  if (stopRequested) throw new StartInterrupted(stopRequested);
};

async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig();
  await checkDataDirWritable(config.dataDir);
  if (config.logDir !== path.join(config.dataDir, 'logs')) await checkDataDirWritable(config.logDir, 'OTC_LOG_DIR');
  // The Next.js bundle reads the same configuration from the environment.
  process.env.OTC_DATA_DIR = config.dataDir;
  process.env.OTC_LOG_DIR = config.logDir;
  process.env.NEXT_TELEMETRY_DISABLED = '1';
  logsReady = true;
  const log = getLogger('core');
  await checkCanListen(config.bindAddress, config.httpsPort);
  undo.push(await claimDataDir(config.dataDir));
  checkpoint();

  const database = await openDatabase(config.dataDir, config.databaseUrl, { onLog: (m) => getLogger('database').info(m.trim()) });
  undo.push(database.stop, disconnectDb);
  checkpoint();
  process.env.DATABASE_URL = database.url;
  const migrations = await applyMigrations(database.url, {
    migrationsDir: path.join(root, 'prisma/migrations'),
    log: (m) => getLogger('database').info(m),
  }).catch((error: unknown) => {
    // Its messages name the migration and the fix; a refused connection is explained like any other.
    const explained = explainConnectionFailure(error, { dataDir: config.dataDir, databaseUrl: config.databaseUrl });
    throw explained instanceof StartupFailure ? explained : new StartupFailure(oneLine(explained));
  });
  checkpoint();
  const boot = await bootstrapAppliance(config);

  const origin = `https://${config.publicAddress}${config.httpsPort === 443 ? '' : `:${config.httpsPort}`}`;
  process.env.NEXTAUTH_SECRET = await loadAuthSecret(config.dataDir);
  process.env.NEXTAUTH_URL = origin;

  const app = next({ dev: false, dir: root, hostname: config.publicAddress, port: config.httpsPort });
  await app.prepare();
  undo.push(() => app.close());
  checkpoint();
  const handle = app.getRequestHandler();
  const tls = await readTlsFiles(config.dataDir);
  const web = getLogger('web');
  const server = https.createServer({ key: tls.key, cert: tls.cert, ...TLS_POLICY }, (req, res) => {
    // Only paths reach the handlers: `POST * HTTP/1.1` or an absolute URL would make Next.js's URL parsing
    // throw and answer 500.
    if (!req.url?.startsWith('/')) {
      res
        .writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' })
        .end('Bad request: the target must be a path.\n');
      return;
    }
    // Whatever a client claims, the address the console sees is the socket's: sign-in throttling and the
    // audit trail depend on it.
    req.headers['x-forwarded-for'] = req.socket.remoteAddress ?? 'unknown';
    // Layouts cannot see the URL; the guard uses this to send a signed-out user back after sign-in.
    req.headers['x-request-path'] = req.url;
    // Ties a failed request's core-log record (instrumentation.ts) to the response the client got.
    const requestId = randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    const requestPath = req.url.split('?')[0]!;
    const failed = (error: unknown) => {
      log.error({ requestId, method: req.method, path: requestPath, err: error }, 'request failed');
      if (!res.headersSent)
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`Internal error (request ${requestId}).\n`);
      else res.destroy();
    };
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
      serveSensorRequest(req, res, requestPath).catch(failed);
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
            requestId,
          },
          'request',
        );
      });
    handle(req, res).catch(failed);
  });
  // The console is no proxy. Without a listener Node drops a CONNECT without a word.
  server.on('connect', (_req, socket) => {
    socket.end(
      'HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
  });
  server.keepAliveTimeout = 65_000;
  // New certificates (System Settings → SSL/TLS Certificates) apply to new connections without a restart.
  registerTlsReloader(async () => {
    const next = await readTlsFiles(config.dataDir);
    server.setSecureContext({ key: next.key, cert: next.cert, ...TLS_POLICY });
    log.info('HTTPS certificate reloaded');
  });
  // Before the first request: a paired console accepts no change until it knows the current term and
  // holds the lease (lib/failover/runtime.ts).
  const failover = await startFailoverRuntime(config, getLogger('ha'));
  undo.push(() => failover.stop());
  checkpoint();
  // Connections reach the HTTPS server through this listener, which drops those whose client is gone.
  const { listener, stats: admitted } = liveAcceptor(server);
  // Every 10 s in which clients gave up before the console took their connections, or some were still
  // waiting for their handshake: the console is behind on new connections (many sensors failing over to
  // it at once, or a machine short of CPU).
  let lastAdmitted = { ...admitted };
  const admissionLog = setInterval(() => {
    if (admitted.dropped === lastAdmitted.dropped && admitted.waiting === 0) return;
    web.warn(
      {
        handedOver: admitted.handedOver - lastAdmitted.handedOver,
        dropped: admitted.dropped - lastAdmitted.dropped,
        waiting: admitted.waiting,
      },
      'behind on new connections (dropped: clients that left before their TLS handshake)',
    );
    lastAdmitted = { ...admitted };
  }, 10_000).unref();
  await new Promise<void>((resolve, reject) => {
    listener.once('error', (error) => reject(describeListenError(error, config.bindAddress, config.httpsPort)));
    listener.listen(config.httpsPort, config.bindAddress, LISTEN_BACKLOG, resolve);
  });
  const closeServer = () => {
    clearInterval(admissionLog);
    listener.close();
    server.close();
    server.closeAllConnections();
  };
  undo.push(async () => closeServer());

  // The peer listener (its own port) and the replication pump, while a peer is trusted.
  const replication = await startReplicationRuntime(config, getLogger('ha'), { peerRoutes: failoverPeerRoutes });
  undo.push(() => replication.stop());
  checkpoint();

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
    lines.push(`    ${resetPasswordHint(config)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  let stopping = false;
  const stop = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'console stopping');
    // A backup already under way finishes before the database goes.
    const schedulerStopped = stopBackupScheduler();
    closeServer();
    await replication.stop().catch(() => undefined);
    await failover.stop().catch(() => undefined);
    // Heartbeat liveness is written in batches; write the last one before the database goes.
    stopLivenessFlusher();
    await flushSensorLiveness().catch(() => undefined);
    await app.close().catch(() => undefined);
    await schedulerStopped.catch(() => undefined);
    await disconnectDb().catch(() => undefined);
    await database.stop().catch(() => undefined);
    await undo[0]!().catch(() => undefined); // the data directory's lock, taken first
    process.stdout.write('  Console stopped.\n');
    process.exit(code);
  };
  onStopSignal = (signal) => void stop(signal);
  // From now on a bug that escapes every handler is recorded in the core log (and so in an export) and
  // ends in an orderly stop, rather than a stack trace on the terminal and a PostgreSQL left running.
  onUncaught = (error) => {
    log.fatal({ err: error }, 'unexpected error; stopping');
    process.stderr.write(
      `Console stopped after an unexpected error: ${oneLine(error)} (details in ${path.join(config.logDir, 'core.log')})\n`,
    );
    void stop('uncaughtException', 1);
  };
  onUnhandledRejection = (error) => {
    log.error({ err: error }, 'unhandled promise rejection');
  };
}

let failing = false;
async function failStart(error: unknown): Promise<void> {
  if (failing) return;
  failing = true;
  if (error instanceof StartInterrupted) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    process.stdout.write(`  Console stopped (${error.message}) before it was ready.\n`);
    process.exit(0);
  }
  const expected = error instanceof StartupFailure || (error instanceof Error && error.message.startsWith('Invalid configuration:'));
  let line = oneLine(error);
  if (logsReady) {
    getLogger('core').fatal({ err: error }, 'console failed to start');
    if (!expected) line += ` (details in ${path.join(process.env.OTC_LOG_DIR!, 'core.log')})`;
  }
  for (const step of undo.reverse()) await step().catch(() => undefined);
  process.stderr.write(`Console failed to start: ${line}\n`);
  process.exit(1);
}

// Until the console is ready, anything thrown anywhere is a failed start.
let onUncaught: (error: unknown) => void = (error) => void failStart(error);
let onUnhandledRejection: (error: unknown) => void = (error) => void failStart(error);
process.on('uncaughtException', (error) => onUncaught(error));
process.on('unhandledRejection', (error) => onUnhandledRejection(error));

main().catch(failStart);
