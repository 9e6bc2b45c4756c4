import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { removeRelocatedCluster } from '../../lib/db/cluster-location.ts';
import { startEmbeddedDatabase } from '../../lib/db/embedded.ts';

// The integration run's PostgreSQL, in a process of its own (started by global-postgres.ts), so that
// nothing the database code installs in its process (exit hooks, signal handlers) can touch Vitest's own
// exit status, and a run that dies leaves no PostgreSQL behind: this process stops the server and exits
// when its stdin closes (the parent ended it, or died).
//
// Tests connect as a role that may create databases but is no superuser, like the console's own role,
// so that migrations, backups and restores are proven with an owner's rights only. Prints that role's
// URL as one line.
const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: postgres-server.ts <data directory>');
const db = await startEmbeddedDatabase(dataDir);
const password = randomBytes(18).toString('hex');
const admin = new pg.Client({ connectionString: db.superuserUrl });
await admin.connect();
await admin.query(`CREATE ROLE tester LOGIN CREATEDB PASSWORD '${password}'`);
await admin.end();
const url = new URL(db.superuserUrl!);
url.username = 'tester';
url.password = password;
url.pathname = '/postgres';
process.stdout.write(`${JSON.stringify({ url: url.toString() })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void db
    .stop()
    .then(() => removeRelocatedCluster(dataDir))
    .finally(() => process.exit(0));
});
