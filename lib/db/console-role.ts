import pg from 'pg';

// The console works as a role that owns its database and nothing else: no superuser, no CREATEDB, no
// CREATEROLE, so a flaw in the application cannot read server files, run programs or reach other
// databases. Migrations, backups and restore only touch objects the owner has. A cluster from before
// (everything owned by the superuser) is converted on its next start.
export const CONSOLE_ROLE = 'console';

export async function ensureConsoleRole(superuserUrl: string, database: string, password: string): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabase(superuserUrl, 'postgres') });
  await admin.connect();
  let convert = false;
  try {
    const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [CONSOLE_ROLE]);
    const verb = role.rowCount ? 'ALTER' : 'CREATE';
    await admin.query(
      `${verb} ROLE ${admin.escapeIdentifier(CONSOLE_ROLE)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD ${admin.escapeLiteral(password)}`,
    );
    const owner = await admin.query<{ owner: string }>('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (!owner.rowCount) {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)} OWNER ${admin.escapeIdentifier(CONSOLE_ROLE)}`);
    } else if (owner.rows[0]!.owner !== CONSOLE_ROLE) {
      await admin.query(`ALTER DATABASE ${admin.escapeIdentifier(database)} OWNER TO ${admin.escapeIdentifier(CONSOLE_ROLE)}`);
      convert = true;
    }
  } finally {
    await admin.end();
  }
  if (convert) await giveObjectsToConsole(withDatabase(superuserUrl, database));
}

// REASSIGN OWNED cannot move objects away from the bootstrap superuser, so each object of the public
// schema (tables with their sequences, views, types, functions) changes owner one by one, in one transaction.
async function giveObjectsToConsole(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    const role = client.escapeIdentifier(CONSOLE_ROLE);
    const relations = await client.query<{ name: string; kind: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i') AND c.relkind = 'S')`,
    );
    const keyword: Record<string, string> = {
      r: 'TABLE',
      p: 'TABLE',
      v: 'VIEW',
      m: 'MATERIALIZED VIEW',
      S: 'SEQUENCE',
      f: 'FOREIGN TABLE',
    };
    for (const r of relations.rows) await client.query(`ALTER ${keyword[r.kind]} ${r.name} OWNER TO ${role}`);
    const types = await client.query<{ name: string }>(
      `SELECT format('%I.%I', n.nspname, t.typname) AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c') AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')`,
    );
    for (const t of types.rows) await client.query(`ALTER TYPE ${t.name} OWNER TO ${role}`);
    const functions = await client.query<{ signature: string }>(
      `SELECT p.oid::regprocedure::text AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`,
    );
    for (const f of functions.rows) await client.query(`ALTER ROUTINE ${f.signature} OWNER TO ${role}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
