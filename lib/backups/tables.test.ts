import { describe, expect, it } from 'vitest';
import { EXCLUDED_TABLES, insertRowsSql, selectRowsSql, snapshotTables, type TableInfo } from './tables.ts';

const table = (name: string, references: string[] = [], extra: Partial<TableInfo> = {}): TableInfo => ({
  name,
  columns: [{ name: 'id', type: 'integer', json: false, generated: false, sequence: null }],
  primaryKey: ['id'],
  references,
  ...extra,
});

describe('snapshotTables', () => {
  it('leaves out exactly the excluded tables, each with a reason', () => {
    const names = snapshotTables(['user', '_prisma_migrations', 'backup', 'log_export', 'setting'].map((n) => table(n))).map((t) => t.name);
    expect(names).toEqual(['setting', 'user']);
    expect(Object.keys(EXCLUDED_TABLES).sort()).toEqual([
      '_prisma_migrations',
      'backup',
      'log_export',
      'replication_origin',
      'trusted_host',
    ]);
    for (const reason of Object.values(EXCLUDED_TABLES)) expect(reason.length).toBeGreaterThan(10);
  });

  it('orders parents before the tables that reference them, otherwise by name', () => {
    const names = snapshotTables([
      table('a_child', ['m_parent']),
      table('m_parent', ['z_root']),
      table('z_root'),
      table('b_alone'),
      table('self', ['self']),
    ]).map((t) => t.name);
    expect(names).toEqual(['z_root', 'm_parent', 'a_child', 'b_alone', 'self']);
  });

  it('refuses a foreign-key cycle instead of guessing an order', () => {
    expect(() => snapshotTables([table('a', ['b']), table('b', ['a'])])).toThrow('Foreign keys form a cycle');
  });
});

describe('row SQL', () => {
  const t = table('odd "name"', [], {
    columns: [
      { name: 'id', type: 'bigint', json: false, generated: false, sequence: 'public.x_seq' },
      { name: 'doc', type: 'jsonb', json: true, generated: false, sequence: null },
      { name: 'len', type: 'integer', json: false, generated: true, sequence: null },
    ],
  });

  it('reads json columns as text and quotes identifiers', () => {
    expect(selectRowsSql(t)).toBe(
      `SELECT row_to_json(r)::text AS line FROM (SELECT "id", "doc"::text AS "doc", "len" FROM "public"."odd ""name""") r ORDER BY r."id"`,
    );
  });

  it('inserts every column but generated ones, parsing json text back to its type', () => {
    const sql = insertRowsSql(t);
    expect(sql).toContain(
      `INSERT INTO "public"."odd ""name""" ("id", "doc") OVERRIDING SYSTEM VALUE SELECT p."id", (e.value->>'doc')::jsonb FROM`,
    );
    expect(sql).not.toContain('"len"');
  });
});
