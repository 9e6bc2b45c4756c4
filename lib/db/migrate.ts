import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

// Applies prisma/migrations at appliance start-up. The Prisma CLI cannot do this offline (it downloads
// its Rust schema engine), so this does what `prisma migrate deploy` does, with plain `pg`, and keeps
// `_prisma_migrations` in Prisma's own format so that Prisma's tools still read the history correctly.

export type ApplyMigrationsOptions = {
  migrationsDir?: string;
  log?: (msg: string) => void;
};

// The key `prisma migrate deploy` itself locks: the appliance and a Prisma CLI exclude each other too.
const ADVISORY_LOCK_KEY = 72707369;

// Same DDL as Prisma's schema engine creates on PostgreSQL.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

type MigrationFile = { name: string; sql: string; checksum: string };
type MigrationRow = { migration_name: string; checksum: string; finished_at: Date | null };

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    throw new Error(`No migrations directory at ${dir}; the installation is incomplete — reinstall the console.`);
  });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort(); // names start with a UTC timestamp, so name order is authoring order
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(path.join(dir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
    }),
  );
}

export async function applyMigrations(databaseUrl: string, options: ApplyMigrationsOptions = {}): Promise<{ applied: string[] }> {
  const dir = path.resolve(options.migrationsDir ?? path.join(process.cwd(), 'prisma', 'migrations'));
  const log = options.log ?? (() => {});
  const migrations = await readMigrations(dir);

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Session-level lock: a second process starting at the same time waits here, then finds
    // everything applied. It is released explicitly below, or by PostgreSQL if we die.
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEY]);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      // Rolled-back rows are history only (as in Prisma): that migration counts as not applied.
      const { rows } = await client.query<MigrationRow>(
        `SELECT migration_name, checksum, finished_at FROM _prisma_migrations
         WHERE rolled_back_at IS NULL ORDER BY started_at`,
      );
      checkHistory(rows, migrations, dir);

      const done = new Set(rows.map((r) => r.migration_name));
      const applied: string[] = [];
      for (const m of migrations.filter((m) => !done.has(m.name))) {
        log(`Applying migration ${m.name}`);
        await applyOne(client, m);
        applied.push(m.name);
      }
      log(applied.length ? `Applied ${applied.length} migration(s)` : 'Database schema is up to date');
      return { applied };
    } finally {
      // Best effort: closing the session releases the lock anyway, and must not hide the real error.
      await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end();
  }
}

// Never build on a history we cannot vouch for: each case needs a human decision, so stop with
// the fix in the message rather than guess.
function checkHistory(rows: MigrationRow[], migrations: MigrationFile[], dir: string): void {
  const onDisk = new Map(migrations.map((m) => [m.name, m]));
  for (const row of rows) {
    const name = row.migration_name;
    if (row.finished_at === null) {
      throw new Error(
        `Migration ${name} failed in an earlier attempt and may be partly applied; repair the database, then set rolled_back_at (or finished_at) on its _prisma_migrations row.`,
      );
    }
    const file = onDisk.get(name);
    if (!file) {
      throw new Error(
        `Migration ${name} is applied to the database but missing from ${dir}; this database belongs to a newer or different build — run that build, or restore the migration.`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new Error(
        `Migration ${name} was modified after it was applied (checksum mismatch); restore the original ${name}/migration.sql and put the change in a new migration.`,
      );
    }
  }
}

// One transaction per migration: PostgreSQL DDL is transactional, so a failing migration leaves
// neither partial schema changes nor a failed row behind, and the next start simply retries.
async function applyOne(client: pg.Client, m: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    // started_at defaults to now() (transaction start); finished_at uses the wall clock.
    await client.query(`INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES ($1, $2, $3)`, [id, m.checksum, m.name]);
    await client.query(m.sql); // no parameters: simple protocol, so a multi-statement script is fine
    await client.query(`UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`, [id]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw new Error(`Migration ${m.name} failed and was rolled back: ${(error as Error).message}`, { cause: error });
  }
}
