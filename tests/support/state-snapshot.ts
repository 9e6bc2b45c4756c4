import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

// Everything an appliance keeps, reduced to something two calls can compare: every table of the
// database (found in the catalog, so that new tables are covered without naming them) and every file
// under the data directory.
//
// Log files are the one exception, because refusing a call is supposed to leave a trace there (wrong
// tokens, unknown sensors): they may only grow. Each log file that existed before must still start with
// exactly the bytes it held, so nothing can be rewritten or dropped under the cover of the exception.
//
// Sequences are left out on purpose: nextval() is not transactional, so a write that was rolled back
// still advances one; the rows are what must not change.

export type StateSnapshot = {
  tables: Record<string, { rows: number; md5: string }>;
  files: Record<string, { size: number; sha256: string }>;
  logs: Record<string, Buffer>;
};

async function snapshotTables(databaseUrl: string): Promise<StateSnapshot['tables']> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    );
    if (tables.length === 0) throw new Error(`no tables found in ${databaseUrl}: wrong database?`);
    const result: StateSnapshot['tables'] = {};
    for (const { name } of tables) {
      const quoted = `"${name.replaceAll('"', '""')}"`;
      // The whole row as text, sorted: every column, in a fixed order, whatever the physical order.
      const { rows } = await client.query<{ rows: number; md5: string }>(
        `SELECT count(*)::int AS rows, coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') AS md5 FROM ${quoted} t`,
      );
      result[name] = rows[0]!;
    }
    return result;
  } finally {
    await client.end();
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

export async function takeStateSnapshot(where: { databaseUrl: string; dataDir: string; logDir: string }): Promise<StateSnapshot> {
  const snapshot: StateSnapshot = { tables: await snapshotTables(where.databaseUrl), files: {}, logs: {} };
  const files = [...new Set([...(await listFiles(where.dataDir)), ...(await listFiles(where.logDir))])];
  for (const file of files) {
    const content = await readFile(file);
    if (isInside(file, where.logDir)) snapshot.logs[path.relative(where.logDir, file)] = content;
    else
      snapshot.files[path.relative(where.dataDir, file)] = {
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
      };
  }
  return snapshot;
}

/** What changed from `before` to `after`, one line per difference; [] when nothing did. */
export function stateDifferences(before: StateSnapshot, after: StateSnapshot): string[] {
  const differences: string[] = [];
  for (const table of new Set([...Object.keys(before.tables), ...Object.keys(after.tables)])) {
    const [b, a] = [before.tables[table], after.tables[table]];
    if (!b || !a) differences.push(`table ${table} ${b ? 'disappeared' : 'appeared'}`);
    else if (b.rows !== a.rows || b.md5 !== a.md5)
      differences.push(`table ${table}: ${b.rows} → ${a.rows} rows, content ${b.md5 === a.md5 ? 'same' : 'changed'}`);
  }
  for (const file of new Set([...Object.keys(before.files), ...Object.keys(after.files)])) {
    const [b, a] = [before.files[file], after.files[file]];
    if (!b || !a) differences.push(`file ${file} ${b ? 'disappeared' : 'appeared'}`);
    else if (b.sha256 !== a.sha256) differences.push(`file ${file} changed (${b.size} → ${a.size} bytes)`);
  }
  for (const [file, old] of Object.entries(before.logs)) {
    const now = after.logs[file];
    if (!now) differences.push(`log ${file} disappeared`);
    else if (now.length < old.length || !now.subarray(0, old.length).equals(old))
      differences.push(`log ${file} was rewritten, not appended to`);
  }
  return differences;
}
