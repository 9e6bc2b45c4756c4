import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../lib/db/migrate.ts';
import { diffMigrationsToSchema } from '../../scripts/lib/schema-engine.ts';
import { createTestDatabase, type TestDatabase } from '../support/pg.ts';

const root = path.resolve(import.meta.dirname, '../..');
const migrationsDir = path.join(root, 'prisma', 'migrations');
const schemaPath = path.join(root, 'prisma', 'schema.prisma');

const databases: TestDatabase[] = [];
const tempDirs: string[] = [];

async function freshDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'otc-migrations-'));
  tempDirs.push(dir);
  return dir;
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function migrationNames(dir = migrationsDir): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

async function copyOfMigrations(): Promise<string> {
  const dir = path.join(await tempDir(), 'migrations');
  await cp(migrationsDir, dir, { recursive: true });
  return dir;
}

type Row = { id: string; checksum: string; migration_name: string; finished_at: Date | null; applied_steps_count: number };
const recorded = (url: string) =>
  query<Row>(url, 'SELECT id, checksum, migration_name, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name');

afterEach(async () => {
  await Promise.all(databases.splice(0).map((db) => db.drop()));
});

afterAll(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('applyMigrations', () => {
  it('applies every migration to an empty database once, recording them as prisma migrate deploy does', async () => {
    const db = await freshDatabase();
    const names = await migrationNames();
    expect(names).toContain('20261125000000_init');

    expect(await applyMigrations(db.url, { migrationsDir })).toEqual({ applied: names });
    expect(await applyMigrations(db.url, { migrationsDir })).toEqual({ applied: [] });

    const rows = await recorded(db.url);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    for (const row of rows) {
      const file = await readFile(path.join(migrationsDir, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(file).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    }
    // The schema really is there.
    const tables = await query<{ tablename: string }>(db.url, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
    expect(tables.map((t) => t.tablename)).toEqual(
      expect.arrayContaining(['appliance', 'user', 'setting', 'journal', 'audit_event', '_prisma_migrations']),
    );
  });

  it('refuses a migration edited after it was applied, and then applies nothing', async () => {
    const db = await freshDatabase();
    const dir = await copyOfMigrations();
    await applyMigrations(db.url, { migrationsDir: dir });

    const [first] = await migrationNames(dir);
    await writeFile(path.join(dir, first!, 'migration.sql'), '\n-- a harmless-looking edit\n', { flag: 'a' });
    await mkdir(path.join(dir, '29991231235959_later'));
    await writeFile(path.join(dir, '29991231235959_later', 'migration.sql'), 'CREATE TABLE later_probe (id INT);\n');

    await expect(applyMigrations(db.url, { migrationsDir: dir })).rejects.toThrow(
      new RegExp(`^Migration ${first} was modified after it was applied \\(checksum mismatch\\)`),
    );
    expect((await recorded(db.url)).map((r) => r.migration_name)).toEqual(await migrationNames());
    expect(await query(db.url, `SELECT 1 FROM pg_tables WHERE tablename = 'later_probe'`)).toEqual([]);
  });

  it('refuses a database with an applied migration that is missing on disk, or with a failed attempt', async () => {
    const db = await freshDatabase();
    await applyMigrations(db.url, { migrationsDir });

    await query(
      db.url,
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count)
       VALUES (gen_random_uuid(), repeat('0', 64), '29991231235959_from_the_future', now(), 1)`,
    );
    await expect(applyMigrations(db.url, { migrationsDir })).rejects.toThrow(
      /^Migration 29991231235959_from_the_future is applied to the database but missing from /,
    );

    await query(db.url, `UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = '29991231235959_from_the_future'`);
    await expect(applyMigrations(db.url, { migrationsDir })).rejects.toThrow(
      /^Migration 29991231235959_from_the_future failed in an earlier attempt/,
    );

    // Once marked rolled back (what `prisma migrate resolve --rolled-back` does), it is history only.
    await query(db.url, `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '29991231235959_from_the_future'`);
    expect(await applyMigrations(db.url, { migrationsDir })).toEqual({ applied: [] });
  });

  it('rolls back a failing migration completely and leaves no row behind', async () => {
    const db = await freshDatabase();
    const dir = await copyOfMigrations();
    await mkdir(path.join(dir, '29991231235959_broken'));
    await writeFile(
      path.join(dir, '29991231235959_broken', 'migration.sql'),
      'CREATE TABLE broken_probe (id INT);\nSELECT no_such_function();\n',
    );

    await expect(applyMigrations(db.url, { migrationsDir: dir })).rejects.toThrow(
      /^Migration 29991231235959_broken failed and was rolled back: function no_such_function\(\) does not exist/,
    );
    expect((await recorded(db.url)).map((r) => r.migration_name)).toEqual(await migrationNames());
    expect(await query(db.url, `SELECT 1 FROM pg_tables WHERE tablename = 'broken_probe'`)).toEqual([]);
  });

  it('lets two processes start at once: both succeed and each migration is recorded once', async () => {
    const db = await freshDatabase();
    const names = await migrationNames();

    const [a, b] = await Promise.all([applyMigrations(db.url, { migrationsDir }), applyMigrations(db.url, { migrationsDir })]);

    expect([...a.applied, ...b.applied].sort()).toEqual(names);
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, names.length]);
    const counts = await query<{ migration_name: string; n: string }>(
      db.url,
      'SELECT migration_name, count(*) AS n FROM _prisma_migrations GROUP BY migration_name ORDER BY migration_name',
    );
    expect(counts).toEqual(names.map((name) => ({ migration_name: name, n: '1' })));
  });
});

describe('schema.prisma and prisma/migrations', () => {
  it('agree: the diff from the migrations to schema.prisma is empty', async () => {
    const db = await freshDatabase();
    await applyMigrations(db.url, { migrationsDir });

    const started = Date.now();
    const diff = await diffMigrationsToSchema({ databaseUrl: db.url, migrationsDir, schemaPath });
    console.info(`schema diff took ${Date.now() - started} ms`);
    expect(diff, 'schema.prisma changed without a migration: run `npm run db:migration:new -- <name>`').toBe('');

    // The shadow database the engine replayed the migrations in is gone again.
    expect(await query(db.url, `SELECT datname FROM pg_database WHERE datname LIKE 'prisma_shadow_%'`)).toEqual([]);
  });

  it('would notice a field added to schema.prisma without a migration', async () => {
    const db = await freshDatabase();
    const modified = path.join(await tempDir(), 'schema.prisma');
    const schema = await readFile(schemaPath, 'utf8');
    const withField = schema.replace('@@map("setting")', 'probeField String?\n\n  @@map("setting")');
    expect(withField).not.toBe(schema);
    await writeFile(modified, withField);

    const diff = await diffMigrationsToSchema({ databaseUrl: db.url, migrationsDir, schemaPath: modified });

    expect(diff).toMatch(/ALTER TABLE "setting" ADD COLUMN\s+"probeField" TEXT;/);
  });
});
