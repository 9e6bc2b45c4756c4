import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { removeRelocatedCluster } from '../../lib/db/cluster-location.ts';
import { startEmbeddedDatabase } from '../../lib/db/embedded.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

// One real PostgreSQL server for the whole integration run; each test file makes its own database.
// Tests connect as a role that may create databases but is no superuser, like the console's own role,
// so that migrations, backups and restores are proven with an owner's rights only.
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'otc-it-pg-'));
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
  project.provide('postgresUrl', url.toString());
  return async () => {
    await db.stop();
    await removeRelocatedCluster(dataDir);
    await rm(dataDir, { recursive: true, force: true });
  };
}
