import { describe, expect, it } from 'vitest';
import { digestRequest, digestResponse } from './replication-protocol.ts';

const from = '11111111-1111-4111-8111-111111111111';
const request = { protocol: 1, from, term: '3', head: '120', appliedSeq: '44', auditSharedAfter: '0' };

describe('drift check messages', () => {
  it('take positions as decimal strings, a missing position as null', () => {
    expect(digestRequest.safeParse(request).success).toBe(true);
    expect(digestRequest.safeParse({ ...request, appliedSeq: null }).success).toBe(true);
    for (const bad of [{ head: 120 }, { head: '-1' }, { appliedSeq: '4.5' }, { auditSharedAfter: undefined }, { extra: true }])
      expect(digestRequest.safeParse({ ...request, ...bad }).success, JSON.stringify(bad)).toBe(false);
  });

  it('answer digests only as SHA-256 hex of a replicated table', () => {
    const answer = {
      applianceId: from,
      head: '44',
      appliedSeq: '120',
      settled: true,
      auditSharedAfter: '7',
      digests: [
        { table: 'user', origin: null, rows: 2, digest: 'a'.repeat(64) },
        { table: 'audit_event', origin: from, rows: 0, digest: null },
      ],
    };
    expect(digestResponse.safeParse(answer).success).toBe(true);
    expect(digestResponse.safeParse({ ...answer, digests: null, settled: false }).success).toBe(true);
    const digest = (d: Record<string, unknown>) => ({
      ...answer,
      digests: [{ table: 'user', origin: null, rows: 1, digest: 'a'.repeat(64), ...d }],
    });
    for (const bad of [{ digest: 'A'.repeat(64) }, { digest: 'ab' }, { table: 'appliance' }, { rows: -1 }])
      expect(digestResponse.safeParse(digest(bad)).success, JSON.stringify(bad)).toBe(false);
  });
});
