import { insertRowsSql, qualified, quoteIdent, type TableInfo } from '../backups/tables.ts';
import { REPLICATED_TABLES, type ReplicatedTable, type ReplicatedTableName } from './tables.ts';

// The SQL that reads rows to send and writes rows received. Rows travel in the form of the backup
// archive (row_to_json on one side, json_populate_record on the other), so every column type keeps its
// exact text, and a table gains replication of a new column without code here.

const keyColumns = (table: TableInfo) =>
  table.primaryKey.map((name) => {
    const column = table.columns.find((c) => c.name === name)!;
    return `${quoteIdent(name)} ${column.type}`;
  });

const selectList = (table: TableInfo, alias: string) =>
  table.columns.map((c) => (c.json ? `${alias}.${quoteIdent(c.name)}::text AS ${quoteIdent(c.name)}` : `${alias}.${quoteIdent(c.name)}`));

const keyTuple = (table: TableInfo, alias: string) => `(${table.primaryKey.map((c) => `${alias}.${quoteIdent(c)}`).join(', ')})`;

// The rows whose primary keys are in $1 (a JSON array of key objects), one JSON text per row.
export function selectByKeysSql(table: TableInfo): string {
  return (
    `SELECT row_to_json(r)::text AS line FROM (SELECT ${selectList(table, 't').join(', ')} FROM ${qualified(table.name)} t ` +
    `WHERE ${keyTuple(table, 't')} IN (SELECT ${keyTuple(table, 'k').slice(1, -1)} FROM json_to_recordset($1::json) AS k(${keyColumns(table).join(', ')}))) r`
  );
}

export function deleteByKeysSql(table: TableInfo): string {
  return (
    `DELETE FROM ${qualified(table.name)} t WHERE ${keyTuple(table, 't')} IN ` +
    `(SELECT ${keyTuple(table, 'k').slice(1, -1)} FROM json_to_recordset($1::json) AS k(${keyColumns(table).join(', ')}))`
  );
}

// Row parameters ($1 below) are one JSON array of the row texts produced above.
export const rowsParameter = (rows: readonly string[]) => `[${rows.join(',')}]`;

// Inserts the rows in $1, or brings an existing row up to them — except
// its local columns (lib/replication/tables.ts), which stay this console's.
export function upsertRowsSql(table: TableInfo): string {
  const spec: ReplicatedTable | undefined = REPLICATED_TABLES[table.name as ReplicatedTableName];
  const local = new Set<string>(spec?.local ?? []);
  const greatest = new Set<string>(spec?.greatest ?? []);
  const least = new Set<string>(spec?.least ?? []);
  const keys = new Set(table.primaryKey);
  const updated = table.columns.filter((c) => !c.generated && !keys.has(c.name) && !local.has(c.name));
  // In DO UPDATE the existing row goes by the table's own name.
  const target = (c: string) => `${quoteIdent(table.name)}.${quoteIdent(c)}`;
  const assignments = [
    ...updated.map((c) =>
      greatest.has(c.name) || least.has(c.name)
        ? `${quoteIdent(c.name)} = ${greatest.has(c.name) ? 'GREATEST' : 'LEAST'}(${target(c.name)}, EXCLUDED.${quoteIdent(c.name)})`
        : `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`,
    ),
    ...Object.entries(spec?.peerHolds ?? {}).map(([c, from]) => `${quoteIdent(c)} = GREATEST(${target(c)}, EXCLUDED.${quoteIdent(from)})`),
  ];
  const onConflict = assignments.length ? `DO UPDATE SET ${assignments.join(', ')}` : 'DO NOTHING';
  return `${insertRowsSql(table)} ON CONFLICT (${table.primaryKey.map(quoteIdent).join(', ')}) ${onConflict}`;
}

// Another row may hold a unique value an incoming row carries (a user deleted and created again under
// the same name, in one batch): the incoming row is the sender's truth, so the other one goes.
export const UNIQUE_BESIDES_KEY: Partial<Record<ReplicatedTableName, string>> = { user: 'username', sensor: 'name' };

export function deleteUniqueConflictsSql(table: TableInfo, column: string): string {
  const keys = table.primaryKey.map(quoteIdent);
  return (
    `DELETE FROM ${qualified(table.name)} t USING (SELECT p.* FROM json_array_elements($1::json) AS e(value) ` +
    `CROSS JOIN LATERAL json_populate_record(NULL::${qualified(table.name)}, e.value) AS p) n ` +
    `WHERE t.${quoteIdent(column)} = n.${quoteIdent(column)} AND (${keys.map((k) => `t.${k}`).join(', ')}) <> (${keys.map((k) => `n.${k}`).join(', ')})`
  );
}

// Audit events from the peer get ids of this console's own sequence; (origin, origin_id) says where and
// under which id each was recorded, so the same event arriving twice is stored once. An event whose
// origin is this console (its own, sent back in a snapshot) is skipped.
export const INSERT_AUDIT_SQL =
  `INSERT INTO "public"."audit_event" (at, actor, action, target, outcome, ip, details, origin, origin_id) ` +
  `SELECT p.at, p.actor, p.action, p.target, p.outcome, p.ip, (e.value->>'details')::jsonb, ` +
  `COALESCE(p.origin, $2::uuid), CASE WHEN p.origin IS NULL THEN p.id ELSE p.origin_id END ` +
  `FROM json_array_elements($1::json) AS e(value) CROSS JOIN LATERAL json_populate_record(NULL::"public"."audit_event", e.value) AS p ` +
  `WHERE COALESCE(p.origin, $2::uuid) <> $3::uuid ON CONFLICT (origin, origin_id) DO NOTHING`;
