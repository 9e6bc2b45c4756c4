// Started by tests/integration/embedded-postgres.test.ts as another (unprivileged) user: starts the
// embedded database of the data directory given as argument, reports who ran what and where, stops it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { clusterDirOf, readCredentials } from '../../lib/db/credentials.ts';
import { startEmbeddedDatabase } from '../../lib/db/embedded.ts';

const dataDir = process.argv[2]!;
const db = await startEmbeddedDatabase(dataDir);
const client = new pg.Client({ connectionString: db.url });
await client.connect();
const { rows } = await client.query<{ user: string; superuser: boolean }>(
  'SELECT current_user AS user, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user',
);
await client.end();
const clusterDir = clusterDirOf(dataDir, readCredentials(dataDir));
const pid = Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
const serverUid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
await db.stop();
process.stdout.write(`${JSON.stringify({ uid: process.getuid!(), serverUid, clusterDir, ...rows[0] })}\n`);
process.exit(0);
