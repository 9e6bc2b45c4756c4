import { describe, expect, it } from 'vitest';
import { TIMELINE_LIMIT, toTimeline, toTimelineEntry, type RoleChangeRow } from './timeline.ts';

const PEER = { applianceId: '6d1f3c2a-0b7e-4c55-9d21-5a0f3e8b9c11', domain: 'otc-b.plant.test' };
const row = (over: Partial<RoleChangeRow>): RoleChangeRow => ({
  id: 1n,
  at: new Date('2026-12-02T08:00:00.000Z'),
  action: 'ha.takeover',
  origin: null,
  details: { from: 'STANDBY', to: 'ACTIVE', term: 4, reason: '3 of 5 sensors confirmed', fresh: 3, confirmed: 3, registered: 5 },
  ...over,
});

describe('a role-change audit event on the timeline', () => {
  it('carries the details the worker records, and says which console changed', () => {
    expect(toTimelineEntry(row({}), PEER)).toEqual({
      id: 'self:1',
      at: '2026-12-02T08:00:00.000Z',
      action: 'ha.takeover',
      console: 'self',
      consoleName: 'This console',
      from: 'STANDBY',
      to: 'ACTIVE',
      term: '4',
      reason: '3 of 5 sensors confirmed',
      fresh: 3,
      confirmed: 3,
      registered: 5,
    });
    const replicated = toTimelineEntry(row({ id: 9n, origin: PEER.applianceId, action: 'ha.step-down' }), PEER);
    expect(replicated).toMatchObject({ id: `${PEER.applianceId}:9`, console: 'peer', consoleName: PEER.domain, action: 'ha.step-down' });
  });

  it('names a replicated event of a console that is no longer the peer by its id', () => {
    const old = 'aaaaaaaa-0000-4000-8000-000000000000';
    expect(toTimelineEntry(row({ origin: old }), PEER)).toMatchObject({ console: 'peer', consoleName: `Console ${old}` });
    expect(toTimelineEntry(row({ origin: old }), null)).toMatchObject({ console: 'peer', consoleName: `Console ${old}` });
  });

  it('reads a term written as digits, and a field of another shape or missing as null', () => {
    expect(toTimelineEntry(row({ details: { term: '12345678901234567890' } }), PEER)).toMatchObject({
      term: '12345678901234567890',
      from: null,
      reason: null,
      registered: null,
    });
    expect(toTimelineEntry(row({ details: { term: -1, fresh: 'three', from: 7, reason: '' } }), PEER)).toMatchObject({
      term: null,
      fresh: null,
      from: null,
      reason: null,
      to: null,
    });
    for (const details of [null, 'junk', [1, 2], 42])
      expect(toTimelineEntry(row({ details }), PEER), JSON.stringify(details)).toMatchObject({
        action: 'ha.takeover',
        from: null,
        to: null,
        term: null,
        reason: null,
        fresh: null,
        confirmed: null,
        registered: null,
      });
  });

  it('is not made of other audit events', () => {
    expect(toTimelineEntry(row({ action: 'setting.change' }), PEER)).toBeNull();
    expect(toTimelineEntry(row({ action: 'ha.peer-unreachable' }), PEER)).toBeNull();
  });
});

describe('the timeline', () => {
  it('mixes both consoles newest first, a tie in time going to the higher term', () => {
    const at = (s: string) => new Date(`2026-12-02T08:00:${s}.000Z`);
    const timeline = toTimeline(
      [
        row({ id: 1n, at: at('01'), action: 'ha.step-down', details: { term: 5 } }),
        row({ id: 7n, at: at('03'), origin: PEER.applianceId, action: 'ha.restore', details: { term: 6 } }),
        row({ id: 2n, at: at('01'), action: 'ha.takeover', details: { term: 4 } }),
        row({ id: 8n, at: at('01'), origin: PEER.applianceId, action: 'ha.takeover', details: { term: 5 } }),
        row({ id: 3n, at: at('02'), action: 'ha.audit-something-else' }),
      ],
      PEER,
    );
    expect(timeline.map((e) => `${e.consoleName} ${e.action} ${e.term}`)).toEqual([
      `${PEER.domain} ha.restore 6`,
      'This console ha.step-down 5',
      `${PEER.domain} ha.takeover 5`,
      'This console ha.takeover 4',
    ]);
  });

  it(`keeps at most ${TIMELINE_LIMIT} events`, () => {
    const rows = Array.from({ length: TIMELINE_LIMIT + 5 }, (_, i) => row({ id: BigInt(i), at: new Date(Date.UTC(2026, 11, 2, 8, 0, i)) }));
    const timeline = toTimeline(rows, PEER);
    expect(timeline).toHaveLength(TIMELINE_LIMIT);
    expect(timeline[0]!.id).toBe(`self:${TIMELINE_LIMIT + 4}`);
  });
});
