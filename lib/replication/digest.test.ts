import { describe, expect, it } from 'vitest';
import type { TableInfo } from '../backups/tables.ts';
import { auditBounds, auditDigestSql, compareDigests, isSettled, tableDigestSql, type EntityDigest } from './digest.ts';

const column = (name: string, json = false) => ({ name, type: json ? 'jsonb' : 'text', json, generated: false, sequence: null });
const user: TableInfo = {
  name: 'user',
  columns: [column('id'), column('username'), column('role'), column('failed_attempts'), column('locked_until'), column('updated_at')],
  primaryKey: ['id'],
  references: [],
};
const audit: TableInfo = {
  name: 'audit_event',
  columns: ['id', 'at', 'actor', 'action', 'origin', 'origin_id'].map((c) => column(c)).concat(column('details', true)),
  primaryKey: ['id'],
  references: [],
};

describe('digest SQL', () => {
  it('hashes every column but the local ones', () => {
    const sql = tableDigestSql(user);
    for (const kept of ['"id"', '"username"', '"role"']) expect(sql).toContain(`t.${kept}`);
    for (const local of ['failed_attempts', 'locked_until', 'updated_at']) expect(sql).not.toContain(local);
  });

  it('digests audit events per origin, by the id they have there, without the local id columns', () => {
    const sql = auditDigestSql(audit);
    expect(sql).toContain(`COALESCE(t."origin", $1::uuid) AS "origin"`);
    expect(sql).toContain(`CASE WHEN t."origin" IS NULL THEN t."id" ELSE t."origin_id" END AS "id"`);
    expect(sql).not.toContain('t."origin_id",');
    expect(sql).toContain('t."details"::text AS "details"');
    expect(sql).toContain('GROUP BY origin');
    expect(() => tableDigestSql(audit)).toThrow(/per origin/);
  });

  it('passes each console’s audit bound as text digits keyed by its appliance id', () => {
    expect(
      JSON.parse(
        auditBounds([
          { origin: 'a', sharedAfter: 12n },
          { origin: 'b', sharedAfter: 0n },
        ]),
      ),
    ).toEqual({ a: '12', b: '0' });
  });
});

describe('isSettled', () => {
  it('holds only when each console has applied exactly what the other has written', () => {
    expect(isSettled({ head: 10n, appliedSeq: 4n }, { head: 4n, appliedSeq: 10n })).toBe(true);
    // The peer has not applied this console's latest record, or has applied one this snapshot does not see.
    expect(isSettled({ head: 11n, appliedSeq: 4n }, { head: 4n, appliedSeq: 10n })).toBe(false);
    expect(isSettled({ head: 9n, appliedSeq: 4n }, { head: 4n, appliedSeq: 10n })).toBe(false);
    // The peer wrote more than this console has applied.
    expect(isSettled({ head: 10n, appliedSeq: 4n }, { head: 5n, appliedSeq: 10n })).toBe(false);
    // No complete snapshot on one side.
    expect(isSettled({ head: 10n, appliedSeq: null }, { head: 0n, appliedSeq: 10n })).toBe(false);
    expect(isSettled({ head: 10n, appliedSeq: 0n }, { head: 0n, appliedSeq: null })).toBe(false);
  });
});

describe('compareDigests', () => {
  const self = '11111111-1111-4111-8111-111111111111';
  const peer = '22222222-2222-4222-8222-222222222222';
  const other = '33333333-3333-4333-8333-333333333333';
  const consoles = [
    { applianceId: self, name: 'a.example' },
    { applianceId: peer, name: 'b.example' },
  ];
  const d = (table: EntityDigest['table'], rows: number, digest: string | null, origin: string | null = null): EntityDigest => ({
    table,
    origin,
    rows,
    digest,
  });

  it('lists every replicated table once and the audit events of each console, both consoles first', () => {
    const local = [d('user', 2, 'u'), d('setting', 3, 's'), d('audit_event', 5, 'x', self), d('audit_event', 1, 'o', other)];
    const entities = compareDigests(local, local, consoles);
    expect(entities.map((e) => e.entity)).toEqual([
      'user',
      'setting',
      'vlan',
      'activation',
      'sensor',
      'sensor_event',
      'device',
      'audit_event of a.example',
      'audit_event of b.example',
      `audit_event of ${other}`,
    ]);
    expect(entities.every((e) => e.same)).toBe(true);
    // A table neither console reported has no rows on either.
    expect(entities.find((e) => e.entity === 'vlan')).toMatchObject({ local: { rows: 0, digest: null }, peer: { rows: 0, digest: null } });
  });

  it('names an entity whose digest or count differs, and one side holds alone', () => {
    const entities = compareDigests(
      [d('user', 2, 'u'), d('setting', 3, 's'), d('audit_event', 5, 'x', self)],
      [d('user', 2, 'changed'), d('setting', 3, 's'), d('audit_event', 5, 'x', self), d('audit_event', 2, 'y', peer)],
      consoles,
    );
    expect(entities.filter((e) => !e.same).map((e) => e.entity)).toEqual(['user', 'audit_event of b.example']);
    expect(entities.find((e) => e.entity === 'audit_event of b.example')).toMatchObject({ local: { rows: 0 }, peer: { rows: 2 } });
  });
});
