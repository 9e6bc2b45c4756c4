import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { bootstrapAppliance, loadAuthSecret } from '../lib/boot/bootstrap.ts';
import { readTlsFiles } from '../lib/appliance/tls-files.ts';
import { loadConfig } from '../lib/config/env.ts';
import { applyMigrations } from '../lib/db/migrate.ts';
import { claimDataDir, openDatabase } from '../lib/db/open.ts';
import { serveSensorRequest } from '../lib/sensors/http/node.ts';

// Child process of bench/sensor-fast-path.ts: one appliance (database, identity, the production Next.js
// build) served on TWO ports from one process, so both paths share the same caches and database:
//   port A: every request through Next.js (the app/api/v1/sensors route handlers);
//   port B: /api/v1/sensors/* straight to the same handlers (the fast path), the rest to Next.js.
// Prints "ready <portA> <portB>" on stdout.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main() {
  const config = loadConfig();
  process.env.OTC_DATA_DIR = config.dataDir;
  // Marks the data directory as in use, so the parent's openDatabase connects to this PostgreSQL.
  const release = await claimDataDir(config.dataDir);
  const database = await openDatabase(config.dataDir, undefined);
  process.env.DATABASE_URL = database.url;
  await applyMigrations(database.url, { migrationsDir: path.join(root, 'prisma/migrations') });
  await bootstrapAppliance(config);
  process.env.NEXTAUTH_SECRET = await loadAuthSecret(config.dataDir);
  process.env.NEXTAUTH_URL = `https://${config.bindAddress}`;
  const app = next({ dev: false, dir: root, hostname: config.bindAddress, port: 0 });
  await app.prepare();
  const handle = app.getRequestHandler();
  const tls = await readTlsFiles(config.dataDir);
  const prepare = (req: import('node:http').IncomingMessage) => {
    req.headers['x-forwarded-for'] = req.socket.remoteAddress ?? 'unknown';
    req.headers['x-request-path'] = req.url ?? '/';
  };
  const viaNext = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    prepare(req);
    void handle(req, res);
  });
  const fast = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    prepare(req);
    const pathname = (req.url ?? '/').split('?')[0]!;
    if (pathname.startsWith('/api/v1/sensors/')) return void serveSensorRequest(req, res, pathname);
    void handle(req, res);
  });
  for (const s of [viaNext, fast]) s.keepAliveTimeout = 65_000;
  await Promise.all([viaNext, fast].map((s) => new Promise<void>((resolve) => s.listen(0, config.bindAddress, resolve))));
  const port = (s: https.Server) => (s.address() as import('node:net').AddressInfo).port;
  process.stdout.write(`ready ${port(viaNext)} ${port(fast)}\n`);
  process.on('SIGINT', () => {
    viaNext.close();
    fast.close();
    viaNext.closeAllConnections();
    fast.closeAllConnections();
    void app.close().finally(() => database.stop().finally(() => release().finally(() => process.exit(0))));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
