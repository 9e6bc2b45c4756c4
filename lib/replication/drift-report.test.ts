import { describe, expect, it } from 'vitest';
import type { DriftEntity } from './digest.ts';
import { driftAgreement, driftProblem, formatDriftTable } from './drift-report.ts';

const entity = (name: string, rows: [number, number], same: boolean): DriftEntity => ({
  entity: name,
  table: 'user',
  origin: null,
  local: { rows: rows[0], digest: 'a'.repeat(64) },
  peer: { rows: rows[1], digest: (same ? 'a' : 'b').repeat(64) },
  same,
});
const peer = { domain: 'b.example', applianceId: '22222222-2222-4222-8222-222222222222' };
const positions = { local: { head: '40', appliedSeq: '7' }, peer: { head: '7', appliedSeq: '40' } };

describe('drift report', () => {
  it('prints one aligned line per entity', () => {
    const result = {
      ok: true as const,
      settled: true as const,
      attempts: 1,
      peer,
      positions,
      entities: [entity('user', [3, 3], true), entity('sensor_event', [1200, 1199], false)],
    };
    expect(formatDriftTable(result)).toBe(
      'ENTITY        HERE  PEER  RESULT\nuser          3     3     same\nsensor_event  1200  1199  differs\n',
    );
    expect(driftProblem(result, 10)).toBe('1 of 2 entities differ from b.example: sensor_event.');
  });

  it('says nothing is wrong when every entity agrees', () => {
    const result = { ok: true as const, settled: true as const, peer, positions, attempts: 1, entities: [entity('user', [3, 3], true)] };
    expect(driftProblem(result, 10)).toBeNull();
    expect(driftAgreement(result)).toBe('All 1 entities are the same on b.example (journal head here 40, there 7).\n');
  });

  it('reports a check that never stood still as not settled, with both positions', () => {
    const result = {
      ok: true as const,
      settled: false as const,
      peer,
      positions: { local: { head: '41', appliedSeq: '7' }, peer: { head: '7', appliedSeq: null } },
      attempts: 3,
      entities: [] as [],
    };
    expect(driftProblem(result, 2)).toBe(
      "Not settled: replication between this console (journal head 41, applied 7 of the other's) and b.example (journal head 7, applied none of the other's) kept moving for 2 s, so the digests would compare two moments. Retry the check.",
    );
  });
});
