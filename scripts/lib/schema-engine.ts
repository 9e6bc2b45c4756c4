import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQueryable,
  type SqlResultSet,
} from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import pg from 'pg';

// Dev tooling: drives Prisma's WASM schema engine (the same engine `prisma migrate diff` uses) through
// the pg driver adapter, because the Prisma CLI insists on downloading its native engine, which an
// offline machine cannot do. Nothing here runs on an appliance.

export type DiffOptions = {
  /** A PostgreSQL server on which a temporary shadow database may be created (and is dropped again). */
  databaseUrl: string;
  migrationsDir: string;
  schemaPath: string;
};

// ---- Loading the engine ---------------------------------------------------------------------------

// The package's entry point imports its .wasm as an ES module, which Node 20 cannot do without a flag;
// so instantiate the module by hand, as Prisma's CLI does. Once per process: wasm-bindgen keeps
// global state and breaks if it is initialised twice.
let engineClass: Promise<typeof SchemaEngine> | undefined;

function loadEngineClass(): Promise<typeof SchemaEngine> {
  engineClass ??= (async () => {
    const bindings = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    // The .wasm is not in the package's exports map: find it next to the bindings.
    const bindingsPath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const wasmPath = path.join(path.dirname(bindingsPath), 'schema_engine_bg.wasm');
    const module = new WebAssembly.Module(await readFile(wasmPath));
    const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': bindings as WebAssembly.ModuleImports });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings.SchemaEngine;
  })();
  return engineClass;
}

// The engine's panic hook reports the Rust panic message here before throwing "unreachable".
let lastPanic: string | undefined;
(globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
  set_message: (message: string) => {
    lastPanic = message;
  },
};

// ---- Driver adapter with the adapter-pg 7.10 bugs worked around --------------------------------------

// adapter-pg maps result columns by type OID and rejects PostgreSQL's internal one-byte `"char"` type
// (OID 18), which the engine's schema description reads from pg_catalog (contype, relkind, ...) and
// expects back as a Character column. Two steps: the pg client reports such columns as text (so that
// adapter-pg accepts them) and notes their positions against the rows array, which adapter-pg passes
// through untouched; the adapter then re-labels those columns Character.
const CHAR_OID = 18;
const TEXT_OID = 25;
const charColumns = new WeakMap<unknown[], number[]>();

function noteCharColumns<T>(result: T): T {
  const { fields, rows } = (result ?? {}) as { fields?: { dataTypeID: number }[]; rows?: unknown[] };
  const indices: number[] = [];
  fields?.forEach((field, i) => {
    if (field.dataTypeID !== CHAR_OID) return;
    field.dataTypeID = TEXT_OID;
    indices.push(i);
  });
  if (indices.length && rows) charColumns.set(rows, indices);
  return result;
}

class CharNotingClient extends pg.Client {
  // pg's query() has many overloads; this only inspects the result, in callback and promise style.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const callback: unknown = args.at(-1);
    if (typeof callback === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) => callback(error, error ? result : noteCharColumns(result));
      return super.query(...(args as Parameters<pg.Client['query']>));
    }
    const returned = super.query(...(args as Parameters<pg.Client['query']>)) as unknown;
    return returned instanceof Promise ? returned.then(noteCharColumns) : returned;
  }
}

function labelCharColumns(result: SqlResultSet): SqlResultSet {
  for (const i of charColumns.get(result.rows) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
  return result;
}

function withCharColumns<Q extends SqlQueryable>(queryable: Q): Q {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => labelCharColumns(await queryRaw(query));
  return queryable;
}

function withCharColumnsEverywhere(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => withCharColumns(await startTransaction(isolationLevel));
  return withCharColumns(adapter);
}

// adapter-pg's executeScript splits the script at every ';', which breaks migrations with semicolons
// in strings or in function bodies (DO $$ ... $$). PostgreSQL runs a whole multi-statement script
// itself when it comes without parameters, exactly as lib/db/migrate.ts sends it.
async function runScript(pool: pg.Pool, script: string): Promise<void> {
  try {
    await pool.query(script);
  } catch (error) {
    const e = error as pg.DatabaseError;
    if (typeof e.code !== 'string' || typeof e.severity !== 'string') throw error;
    // In the shape the engine expects, so that it reports PostgreSQL's own message.
    const { code, severity, message, detail, column, hint } = e;
    throw new DriverAdapterError({ kind: 'postgres', code, severity, message, detail, column, hint });
  }
}

// Discrete connection settings: adapter-pg spreads `database` next to a `connectionString`, and pg
// lets the connection string win, so its own shadow database would silently be the main database.
// (Dev tooling: URL parameters such as sslmode are not carried over.)
function poolConfig(databaseUrl: string, database?: string): pg.PoolConfig {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: database ?? decodeURIComponent(url.pathname.slice(1)),
    Client: CharNotingClient,
  };
}

async function onServer(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client(poolConfig(databaseUrl));
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// Our own shadow-database handling instead of adapter-pg's, which (besides the name bug above) drops
// the database while its pool still holds connections. Every connection (and shadow database) made is
// remembered, so that it is closed (and dropped) even if the engine fails before disposing of it.
class ShadowingPgFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = '@prisma/adapter-pg';
  private readonly cleanups = new Set<() => Promise<void>>();

  constructor(private readonly databaseUrl: string) {}

  connect(): Promise<SqlDriverAdapter> {
    return this.open(poolConfig(this.databaseUrl), async () => {});
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const name = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
    await onServer(this.databaseUrl, `CREATE DATABASE "${name}"`);
    // FORCE also ends any connection the engine may have left open.
    return this.open(poolConfig(this.databaseUrl, name), () =>
      onServer(this.databaseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    );
  }

  // Disposing closes the adapter's pool first, then runs `afterClose`; once only, however often called.
  private async open(config: pg.PoolConfig, afterClose: () => Promise<void>): Promise<SqlDriverAdapter> {
    const adapter = await new PrismaPg(config).connect();
    const pool = adapter.underlyingDriver();
    adapter.executeScript = (script) => runScript(pool, script);
    withCharColumnsEverywhere(adapter);
    const closePool = adapter.dispose.bind(adapter);
    let disposed: Promise<void> | undefined;
    const dispose = () => {
      disposed ??= (async () => {
        this.cleanups.delete(dispose);
        await closePool().catch(() => {});
        await afterClose();
      })();
      return disposed;
    };
    this.cleanups.add(dispose);
    adapter.dispose = dispose;
    return adapter;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.cleanups].map((dispose) => dispose()));
  }
}

// ---- Commands ----------------------------------------------------------------------------------------

// The migrations directory in the shape the engine expects (as Prisma's CLI reads it).
async function readMigrationList(migrationsDir: string): Promise<MigrationList> {
  const baseDir = path.resolve(migrationsDir);
  const lockfile: MigrationList['lockfile'] = {
    path: 'migration_lock.toml',
    content: await readFile(path.join(baseDir, 'migration_lock.toml'), 'utf8').catch(() => null),
  };
  const entries = await readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: await readFile(path.join(baseDir, name, 'migration.sql'), 'utf8').then(
          (value) => ({ tag: 'ok' as const, value }),
          (error: Error) => ({ tag: 'error' as const, value: error.message }),
        ),
      },
    })),
  );
  // Before the first migration there is no lock file yet to name the connector: assume ours, as the
  // first `prisma migrate dev` does. (Diffing from an empty shadow database, not from "nothing",
  // also keeps a needless CREATE SCHEMA "public" out of the first migration.)
  if (lockfile.content === null && migrationDirectories.length === 0) lockfile.content = 'provider = "postgresql"\n';
  return { baseDir, lockfile, shadowDbInitScript: '', migrationDirectories };
}

// Engine errors end with a Rust span trace ("   0: schema_engine_wasm::…"): keep only the message.
function engineError(error: unknown): Error {
  const raw = lastPanic ? `schema engine panicked: ${lastPanic}` : ((error as Error)?.message ?? String(error));
  lastPanic = undefined;
  const message = raw
    .split(/\n\s*0: /)[0]!
    .trim()
    .replace(/\s*\n\s*/g, ' ');
  return new Error(message, { cause: error });
}

// A Rust panic surfaces as a WebAssembly.RuntimeError thrown from a task queue, not as a rejection
// of the pending call, which would then never settle. Turn it into a rejection for the duration of
// `run`; any other uncaught error is re-thrown as it would have been without us.
async function rejectingOnPanic<T>(run: () => Promise<T>): Promise<T> {
  let onUncaught: ((error: Error) => void) | undefined;
  const panicked = new Promise<never>((_, reject) => {
    onUncaught = (error) => {
      if (error instanceof WebAssembly.RuntimeError) return reject(error);
      process.removeListener('uncaughtException', onUncaught!);
      setImmediate(() => {
        throw error;
      });
    };
    process.on('uncaughtException', onUncaught);
  });
  try {
    return await Promise.race([run(), panicked]);
  } finally {
    process.removeListener('uncaughtException', onUncaught!);
  }
}

/**
 * The SQL that takes a database from the state `migrationsDir` produces to the state `schemaPath`
 * describes; '' when they agree. Replays the migrations in a temporary shadow database on the server
 * of `databaseUrl` (dropped again afterwards).
 */
export async function diffMigrationsToSchema({ databaseUrl, migrationsDir, schemaPath }: DiffOptions): Promise<string> {
  const schema = { path: path.resolve(schemaPath), content: await readFile(schemaPath, 'utf8') };
  const migrations = await readMigrationList(migrationsDir);
  const Engine = await loadEngineClass();
  const factory = new ShadowingPgFactory(databaseUrl);
  let engine: SchemaEngine | undefined;
  try {
    const { stdout } = await rejectingOnPanic(async () => {
      engine = await Engine.new({ datamodels: [[schema.path, schema.content]] }, () => {}, bindMigrationAwareSqlAdapterFactory(factory));
      return engine.diff({
        from: { tag: 'migrations', ...migrations },
        to: { tag: 'schemaDatamodel', files: [schema] },
        script: true,
        exitCode: null,
        filters: { externalTables: [], externalEnums: [] },
      });
    }).catch((error: unknown) => {
      throw engineError(error);
    });
    const script = stdout ?? '';
    // An empty diff comes back as a comment ("-- This is an empty migration."): normalise to ''.
    const statements = script.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('--'));
    return statements.length ? script : '';
  } finally {
    try {
      engine?.free();
    } catch {
      // after a panic the engine may be unusable; nothing left to free
    }
    await factory.closeAll();
  }
}
