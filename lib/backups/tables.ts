// Which tables a backup holds, in which order they are restored, and the SQL that reads and writes
// them. Tables are discovered from the catalog (lib/backups/data.ts), so a table added by a future
// migration is backed up without anyone remembering to list it here.

// The tables of the `public` schema that a backup leaves out, each with the reason.
export const EXCLUDED_TABLES: Readonly<Record<string, string>> = {
  // Schema history, not data: the backup records the last applied migration in its manifest instead,
  // and a restore is refused unless this console is at exactly that migration.
  _prisma_migrations: 'schema history; recorded as the manifest’s lastMigration',
  // These rows describe archive files on this appliance's own disk. Restoring another moment's rows
  // would list files that are not there and forget files that are.
  backup: 'describes backup archives on this appliance’s disk',
  log_export: 'describes log-export archives on this appliance’s disk',
  // The pairing with a peer is bound to this appliance's certificate and the peer's; restored elsewhere
  // (or after either was replaced) it would name a pair that no longer exists. Pair again after a restore.
  // How far this console has applied its peer's journal: meaningless without that pairing.
  replication_origin: 'the replication position with a paired console; pair again after a restore',
  trusted_host: 'the pairing with a peer, bound to both appliances’ certificates; pair again after a restore',
};

export type ColumnInfo = {
  name: string;
  type: string; // format_type(): valid SQL type syntax, e.g. "timestamp(3) with time zone"
  json: boolean; // json/jsonb: stored in the archive as their JSON text (see docs/backup-format.md)
  generated: boolean; // GENERATED ALWAYS AS (…) STORED: recomputed by PostgreSQL, never inserted
  sequence: string | null; // the sequence a serial/identity column draws from
};

export type TableInfo = {
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  references: string[]; // tables this one has foreign keys to
};

export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
export const qualified = (table: string) => `"public".${quoteIdent(table)}`;

// The tables to snapshot, parents before children (a table comes after every table it references),
// ties by name so the order is stable. Restoring in this order satisfies foreign keys row by row.
export function snapshotTables(all: TableInfo[]): TableInfo[] {
  const included = all.filter((t) => !(t.name in EXCLUDED_TABLES));
  const byName = new Map(included.map((t) => [t.name, t]));
  const ordered: TableInfo[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (table: TableInfo, path: string[]) => {
    if (state.get(table.name) === 'done') return;
    if (state.get(table.name) === 'visiting') throw new Error(`Foreign keys form a cycle: ${[...path, table.name].join(' → ')}`);
    state.set(table.name, 'visiting');
    for (const ref of [...table.references].sort()) {
      const parent = byName.get(ref);
      if (parent && parent.name !== table.name) visit(parent, [...path, table.name]);
    }
    state.set(table.name, 'done');
    ordered.push(table);
  };
  for (const table of [...included].sort((a, b) => a.name.localeCompare(b.name))) visit(table, []);
  return ordered;
}

// One JSON object per row, built by PostgreSQL itself so that every type keeps its exact text form
// (bigint digits, timestamp precision and offset, arrays, bytea). json/jsonb go as their text so that
// SQL NULL (null) and JSON null ("null") stay distinct.
export function selectRowsSql(table: TableInfo): string {
  const columns = table.columns.map((c) => (c.json ? `${quoteIdent(c.name)}::text AS ${quoteIdent(c.name)}` : quoteIdent(c.name)));
  const order = table.primaryKey.length ? ` ORDER BY ${table.primaryKey.map((c) => `r.${quoteIdent(c)}`).join(', ')}` : '';
  return `SELECT row_to_json(r)::text AS line FROM (SELECT ${columns.join(', ')} FROM ${qualified(table.name)}) r${order}`;
}

// Inserts a batch of archived rows, passed as one JSON array in $1. json_populate_record parses each
// value with its column type's own input function, the exact inverse of row_to_json above.
export function insertRowsSql(table: TableInfo): string {
  const columns = table.columns.filter((c) => !c.generated);
  const values = columns.map((c) => (c.json ? `(e.value->>${sqlString(c.name)})::${c.type}` : `p.${quoteIdent(c.name)}`));
  return (
    `INSERT INTO ${qualified(table.name)} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) OVERRIDING SYSTEM VALUE ` +
    `SELECT ${values.join(', ')} FROM json_array_elements($1::json) AS e(value) ` +
    `CROSS JOIN LATERAL json_populate_record(NULL::${qualified(table.name)}, e.value) AS p`
  );
}

// After a restore, serial and identity sequences continue after the highest restored value.
export function resetSequenceSql(table: TableInfo, column: ColumnInfo): string {
  return `SELECT setval(${sqlString(column.sequence!)}::regclass, COALESCE((SELECT max(${quoteIdent(column.name)}) FROM ${qualified(table.name)}), 0) + 1, false)`;
}

export function truncateSql(tables: TableInfo[]): string {
  // Exactly these tables, in one statement (foreign keys among them are fine) and without CASCADE:
  // were an excluded table ever to reference one of them, the restore must fail rather than
  // silently empty that table too.
  return `TRUNCATE TABLE ${tables.map((t) => qualified(t.name)).join(', ')}`;
}

const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`;
