import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  initialState,
  leaseHeld,
  leaseRemaining,
  step,
  type Effect,
  type Mode,
  type Observation,
  type QuorumState,
  type StepResult,
} from './quorum.ts';
import { FAILOVER_TIMERS as T } from './timing.ts';
import type { Vote } from './votes.ts';

const W = T.VOTE_FRESH_MS;
const C = T.CONFIRM_MS;
const NOW = 100_000;

const state = (over: Partial<QuorumState> = {}): QuorumState => ({
  role: 'SECONDARY',
  mode: 'STANDBY',
  term: 5,
  termKnown: true,
  modeSince: 0,
  registered: 4,
  fresh: 0,
  confirmed: 0,
  leaseUntil: null,
  promiseUntil: null,
  grantedUntil: null,
  handover: null,
  peer: null,
  ...over,
});
const active = (over: Partial<QuorumState> = {}) => state({ role: 'PRIMARY', mode: 'ACTIVE', ...over });

// Votes as they stand at NOW: confirmed (unbroken for more than C, fresh), fresh only (a run younger than C),
// stale (fresh no more).
const confirmed = (last = NOW - 500): Vote => ({ since: NOW - C - 1000, last, issued: NOW - 10 });
const young = (): Vote => ({ since: NOW - C / 2, last: NOW - C / 2, issued: NOW - 10 });
const stale = (): Vote => ({ since: NOW - 2 * C, last: NOW - W - 1, issued: NOW - 10 });
const times = <V>(n: number, make: () => V) => Array.from({ length: n }, make);

const tick = (s: QuorumState, votes: Vote[], registered = 4, now = NOW) => step(s, { type: 'tick', now, registered, votes }, T);
const types = (effects: Effect[]) => effects.map((e) => (e.type === 'audit' ? `audit:${e.action}` : e.type));

describe('the lease', () => {
  it.each([
    // [case, held before, confirmed, fresh-only, stale, expected lease]
    ['held, exactly half confirmed: extended', true, 2, 0, 2, NOW - 500 + W],
    ['held, more than half: extended to the kth freshest', true, 3, 0, 1, NOW - 500 + W],
    ['not held, exactly half: not taken (a lapsed lease is taken like a challenger)', false, 2, 0, 2, null],
    ['not held, more than half: taken', false, 3, 0, 1, NOW - 500 + W],
    ['fresh votes whose run is younger than C do not count', false, 0, 4, 0, null],
    ['fresh-only votes do not extend either', true, 1, 3, 0, NOW + 100],
  ] as const)('%s', (_case, held, nConfirmed, nYoung, nStale, expected) => {
    const s = active({ leaseUntil: held ? NOW + 100 : null });
    const votes = [...times(nConfirmed, () => confirmed()), ...times(nYoung, young), ...times(nStale, stale)];
    expect(tick(s, votes).state.leaseUntil).toBe(expected);
  });

  it('is counted from the kth freshest stamp (k = ceil(registered/2))', () => {
    const votes = [confirmed(NOW - 100), confirmed(NOW - 200), confirmed(NOW - 300), stale(), stale()];
    expect(tick(active(), votes, 5).state.leaseUntil).toBe(NOW - 300 + W);
  });

  it('keeps what was granted when fewer than half remain, and runs out', () => {
    const s = tick(active({ leaseUntil: NOW + 400 }), [confirmed(), stale(), stale(), stale()]).state;
    expect(s.leaseUntil).toBe(NOW + 400);
    expect(leaseHeld(s, NOW + 399)).toBe(true);
    expect(leaseRemaining(s, NOW + 300)).toBe(100);
    expect(leaseHeld(s, NOW + 400)).toBe(false);
    expect(tick(s, [confirmed(), stale(), stale(), stale()], 4, NOW + 400).state.leaseUntil).toBeNull();
  });

  it('is W from now when no sensor is registered (nothing can outvote)', () => {
    expect(tick(active(), [], 0).state.leaseUntil).toBe(NOW + W);
  });

  it('is held by the peer’s promise alone', () => {
    expect(tick(active({ promiseUntil: NOW + 1000 }), []).state.leaseUntil).toBe(NOW + 1000);
    expect(tick(active({ promiseUntil: NOW }), []).state.leaseUntil).toBeNull();
  });

  it.each([
    ['not active', state({ role: 'PRIMARY', mode: 'FROZEN', modeSince: NOW })],
    ['during a handover', active({ handover: { since: NOW - 10 } })],
    ['before the term is known, even with a promise', active({ termKnown: false, promiseUntil: NOW + 1000 })],
    ['before a promise we gave has run out', active({ grantedUntil: NOW + 1 })],
  ])('is not held %s', (_case, s) => {
    const votes = s.termKnown ? times(4, () => confirmed()) : [confirmed(), confirmed(), stale(), stale()];
    const next = tick(s, votes).state;
    expect(next.leaseUntil).toBeNull();
    expect(leaseHeld(next, NOW)).toBe(false);
  });
});

describe('promotion', () => {
  it('takes over with strictly more than half confirmed: term + 1, ACTIVE, persist first', () => {
    const { state: s, effects } = tick(state(), [...times(3, () => confirmed()), stale()]);
    expect(s).toMatchObject({ mode: 'ACTIVE', term: 6, modeSince: NOW, leaseUntil: NOW - 500 + W });
    expect(types(effects)).toEqual(['persist', 'audit:ha.takeover', 'notify-peer']);
    expect(effects[0]).toEqual({ type: 'persist', term: 6, mode: 'ACTIVE', role: 'SECONDARY' });
    expect(effects[1]).toMatchObject({ details: { from: 'STANDBY', to: 'ACTIVE', term: 6, fresh: 3, confirmed: 3, registered: 4 } });
  });

  it('waits, with every sensor voting for it, while it has not received the whole snapshot; then takes over', () => {
    const votes = times(4, () => confirmed());
    const waiting = step(state(), { type: 'tick', now: NOW, registered: 4, votes, holdsData: false }, T);
    expect(waiting.state).toMatchObject({ mode: 'STANDBY', term: 5 });
    expect(waiting.effects).toEqual([]);
    const received = step(waiting.state, { type: 'tick', now: NOW, registered: 4, votes, holdsData: true }, T);
    expect(received.state).toMatchObject({ mode: 'ACTIVE', term: 6 });
  });

  it('is a restore for the primary', () => {
    const { effects } = tick(
      state({ role: 'PRIMARY', mode: 'FROZEN' }),
      times(3, () => confirmed()),
    );
    expect(types(effects)).toEqual(['persist', 'audit:ha.restore', 'notify-peer']);
  });

  it.each([
    ['exactly half confirmed', state(), [...times(2, () => confirmed()), stale(), stale()], 4],
    ['one of two', state(), [confirmed(), stale()], 2],
    ['more than half fresh but not yet for C', state(), times(4, young), 4],
    ['votes counted only from our last mode change, less than C ago', state({ modeSince: NOW - C + 1 }), times(4, () => confirmed()), 4],
    ['before a promise we gave has run out', state({ grantedUntil: NOW + 1 }), times(4, () => confirmed()), 4],
    ['while the term is not known', state({ termKnown: false, grantedUntil: 0 }), [...times(2, () => confirmed()), stale(), stale()], 4],
    ['no sensors at all', state(), [], 0],
  ])('never happens with %s', (_case, s, votes, registered) => {
    const { state: next, effects } = tick(s, votes, registered);
    expect(next.mode).toBe('STANDBY');
    expect(next.term).toBe(5);
    expect(effects.filter((e) => e.type === 'persist')).toEqual([]);
  });
});

it('a console that stepped down is promoted by the sensors that stayed with it, C after the change', () => {
  const { state: next } = tick(
    state({ role: 'PRIMARY', mode: 'FROZEN', modeSince: NOW - C }),
    times(3, () => confirmed()),
    4,
  );
  expect(next).toMatchObject({ mode: 'ACTIVE', term: 6 });
});

describe('promises to the peer', () => {
  const ask = (s: QuorumState, votes: Vote[] = [], term = 5, mode: Mode = 'ACTIVE') =>
    step(s, { type: 'promise-request', now: NOW, term, mode, votes }, T);
  // A sensor that heartbeated here moments ago but has not echoed a stamp yet: present, not a vote.
  const arrived = (): Vote => ({ since: NOW - 100, last: null, issued: NOW - 100 });
  // One that was here, but not within W.
  const gone = (): Vote => ({ since: NOW - 2 * W, last: NOW - 2 * W, issued: NOW - W - 1 });

  it.each([
    ['standby, a quarter of the sensors here', state(), [confirmed()], 5, true],
    ['standby, exactly half here', state(), times(2, () => confirmed()), 5, true],
    ['standby, more than half here', state(), times(3, () => confirmed()), 5, false],
    ['standby, more than half here, their echoes not back yet', state(), times(3, arrived), 5, false],
    ['standby, more than half were here but not within W', state(), [...times(3, gone), confirmed()], 5, true],
    ['active (asked by a console that is not)', active(), [], 5, false],
    ['asked by a console at a lower term', state(), [], 4, false],
    ['asked by a console at a higher term', state(), [], 7, true],
  ] as const)('%s → granted: %s', (_case, s, votes, term, granted) => {
    const { state: next, effects } = ask(s, [...votes], term, s.mode === 'ACTIVE' ? 'STANDBY' : 'ACTIVE');
    const reply = effects.find((e) => e.type === 'promise-reply');
    expect(reply).toEqual({ type: 'promise-reply', granted, term: Math.max(5, term), mode: next.mode });
    expect(next.grantedUntil).toBe(granted ? NOW + T.PROMISE_GRANT_MS : null);
  });

  it('counts the sensors as they stand at the request, not at the last tick', () => {
    const reply = (r: StepResult) => r.effects.find((e) => e.type === 'promise-reply');
    const oneAtTick = tick(state(), [arrived(), gone(), gone(), gone()]).state;
    expect(reply(ask(oneAtTick, [arrived(), arrived(), arrived(), gone()]))).toMatchObject({ granted: false });
    const threeAtTick = tick(state(), [arrived(), arrived(), arrived(), gone()]).state;
    expect(reply(ask(threeAtTick, [arrived(), gone(), gone(), gone()]))).toMatchObject({ granted: true });
  });

  it('never shortens a promise already given', () => {
    expect(ask(state({ grantedUntil: NOW + 5000 })).state.grantedUntil).toBe(NOW + 5000);
  });

  it('is counted by the asker from when it sent the request', () => {
    const obs: Observation = { type: 'peer-status', now: NOW, sentAt: NOW - 900, term: 5, mode: 'STANDBY', promised: true };
    const s = step(active(), obs, T).state;
    expect(s.promiseUntil).toBe(NOW - 900 + T.PROMISE_MS);
    expect(step(active(), { ...obs, mode: 'ACTIVE' }, T).state.promiseUntil).toBeNull(); // an active peer cannot promise
  });
});

describe('a higher term', () => {
  const sources: [string, (term: number) => Observation][] = [
    ['a sensor', (term) => ({ type: 'term-seen', now: NOW, term, source: 'sensor' })],
    ['the peer', (term) => ({ type: 'term-seen', now: NOW, term, source: 'peer' })],
    ['the peer’s status', (term) => ({ type: 'peer-status', now: NOW, sentAt: NOW - 5, term, mode: 'ACTIVE', promised: false })],
    ['a promise request', (term) => ({ type: 'promise-request', now: NOW, term, mode: 'ACTIVE', votes: [] })],
  ];

  it.each(sources)('from %s steps an active primary down to FROZEN, persisting first', (_from, obs) => {
    const { state: s, effects } = step(active({ leaseUntil: NOW + 1000, promiseUntil: NOW + 1000 }), obs(9), T);
    expect(s).toMatchObject({ mode: 'FROZEN', term: 9, leaseUntil: null, promiseUntil: null, modeSince: NOW });
    expect(effects[0]).toEqual({ type: 'persist', term: 9, mode: 'FROZEN', role: 'PRIMARY' });
    expect(types(effects)).toContain('audit:ha.step-down');
    expect(leaseHeld(s, NOW)).toBe(false);
  });

  it.each(sources)('from %s sends an active secondary to STANDBY', (_from, obs) => {
    const { state: s, effects } = step(active({ role: 'SECONDARY' }), obs(9), T);
    expect(s.mode).toBe('STANDBY');
    expect(effects[0]).toEqual({ type: 'persist', term: 9, mode: 'STANDBY', role: 'SECONDARY' });
  });

  it('is adopted and persisted by a console on standby', () => {
    const { state: s, effects } = step(state(), sources[0]![1](8), T);
    expect(s).toMatchObject({ mode: 'STANDBY', term: 8, modeSince: NOW });
    expect(types(effects)).toEqual(['persist', 'audit:ha.term-learned']);
  });

  it.each([5, 4, 0])('is not a lower or equal term (%s): nothing changes', (term) => {
    const before = active({ leaseUntil: NOW + 1000 });
    const { state: s, effects } = step(before, sources[0]![1](term), T);
    expect(s).toEqual(before);
    expect(effects).toEqual([]);
  });

  it('makes both step down when the peer is active in the same term', () => {
    const obs: Observation = { type: 'peer-status', now: NOW, sentAt: NOW - 5, term: 5, mode: 'ACTIVE', promised: false };
    const { state: s, effects } = step(active({ leaseUntil: NOW + 1000 }), obs, T);
    expect(s).toMatchObject({ mode: 'FROZEN', term: 5, leaseUntil: null });
    expect(types(effects)).toEqual(['persist', 'audit:ha.step-down']);
  });
});

describe('a promotion the database refused (its term was already stored, from the peer)', () => {
  const refused = (term: number): Observation => ({ type: 'promotion-refused', now: NOW, term });

  it.each([
    ['equal to', 5],
    ['above', 7],
  ])('with the stored term %s ours: steps down at once, in the stored term, persisting first', (_what, term) => {
    const { state: s, effects } = step(active({ role: 'SECONDARY', leaseUntil: NOW + 1000 }), refused(term), T);
    expect(s).toMatchObject({ mode: 'STANDBY', term, leaseUntil: null, modeSince: NOW });
    expect(effects[0]).toEqual({ type: 'persist', term, mode: 'STANDBY', role: 'SECONDARY' });
    expect(types(effects)).toEqual(['persist', 'audit:ha.step-down']);
    expect(leaseHeld(s, NOW)).toBe(false);
  });

  it('is ignored when no longer active, or for a term below ours (a late answer to an older persist)', () => {
    for (const before of [state(), active({ term: 6 })]) {
      const { state: s, effects } = step(before, refused(5), T);
      expect(s).toEqual(before);
      expect(effects).toEqual([]);
    }
  });
});

describe('a restarted console', () => {
  const boot = (mode: 'ACTIVE' | 'STANDBY') => initialState({ role: 'PRIMARY', mode, term: 7 }, NOW - 10_000, T);
  // Runs that began after the boot, unbroken for C, fresh.
  const after = (): Vote => ({ since: NOW - C - 100, last: NOW - 200, issued: NOW - 10 });

  it('boots with its persisted term and mode, no lease, the term unknown', () => {
    const s = boot('ACTIVE');
    expect(s).toMatchObject({
      mode: 'ACTIVE',
      term: 7,
      termKnown: false,
      leaseUntil: null,
      grantedUntil: NOW - 10_000 + T.PROMISE_GRANT_MS,
    });
    expect(leaseHeld(s, NOW - 10_000)).toBe(false);
  });

  it('takes neither a lease nor the lead with only half of the sensors', () => {
    const votes = [after(), after(), stale(), stale()];
    const resumed = tick(boot('ACTIVE'), votes).state;
    expect(resumed).toMatchObject({ termKnown: false, leaseUntil: null });
    const standby = tick(boot('STANDBY'), votes).state;
    expect(standby).toMatchObject({ termKnown: false, mode: 'STANDBY', term: 7 });
  });

  it('learns the term from more than half of the sensors, then resumes its lease in the same term', () => {
    const { state: s, effects } = tick(boot('ACTIVE'), [after(), after(), after(), stale()]);
    expect(s).toMatchObject({ termKnown: true, mode: 'ACTIVE', term: 7, leaseUntil: NOW - 200 + W });
    expect(types(effects)).toEqual(['audit:ha.term-learned']);
  });

  it('learns the term from the peer’s status', () => {
    const obs: Observation = { type: 'peer-status', now: NOW, sentAt: NOW - 5, term: 7, mode: 'FROZEN', promised: false };
    const { state: s, effects } = step(boot('STANDBY'), obs, T);
    expect(s.termKnown).toBe(true);
    expect(types(effects)).toEqual(['audit:ha.term-learned']);
    // and then needs more than half of the sensors, as always
    expect(tick(s, [after(), after(), stale(), stale()]).state.mode).toBe('STANDBY');
    expect(tick(s, [after(), after(), after(), stale()]).state).toMatchObject({ mode: 'ACTIVE', term: 8 });
  });
});

describe('planned switchover', () => {
  it('start: stops writes at once, and the lease stays off during the handover', () => {
    const s = step(active({ leaseUntil: NOW + 1000 }), { type: 'handover-start', now: NOW }, T).state;
    expect(s).toMatchObject({ handover: { since: NOW }, leaseUntil: null });
    expect(leaseHeld(s, NOW)).toBe(false);
    expect(
      tick(
        s,
        times(4, () => confirmed()),
      ).state.leaseUntil,
    ).toBeNull();
  });

  it('start: ignored when not active', () => {
    const before = state();
    expect(step(before, { type: 'handover-start', now: NOW }, T)).toEqual({ state: before, effects: [] });
  });

  it('abort: back to normal, the lease taken again only with more than half', () => {
    const during = active({ handover: { since: NOW - 100 } });
    const { state: s, effects } = step(during, { type: 'handover-abort', now: NOW, reason: 'peer unreachable' }, T);
    expect(s.handover).toBeNull();
    expect(types(effects)).toEqual(['audit:ha.switchover-aborted']);
    expect(tick(s, [...times(2, () => confirmed()), stale(), stale()]).state.leaseUntil).toBeNull();
    expect(tick(s, [...times(3, () => confirmed()), stale()]).state.leaseUntil).toBe(NOW - 500 + W);
  });

  it('done: the peer leads at our term + 1, we take its role and stand by', () => {
    const during = active({ handover: { since: NOW - 100 } });
    const { state: s, effects } = step(during, { type: 'handover-done', now: NOW, term: 6 }, T);
    expect(s).toMatchObject({ role: 'SECONDARY', mode: 'STANDBY', term: 6, handover: null, leaseUntil: null });
    expect(effects[0]).toEqual({ type: 'persist', term: 6, mode: 'STANDBY', role: 'SECONDARY' });
    expect(types(effects)).toEqual(['persist', 'audit:ha.switchover']);
  });

  it('done without a handover of ours: only a higher term (step down, role kept)', () => {
    const { state: s } = step(active(), { type: 'handover-done', now: NOW, term: 6 }, T);
    expect(s).toMatchObject({ role: 'PRIMARY', mode: 'FROZEN', term: 6 });
  });

  it('offer: accepted at our term + 1 when not active — ACTIVE, role swapped, persist first', () => {
    const { state: s, effects } = step(state(), { type: 'handover-offer', now: NOW, term: 6 }, T);
    expect(s).toMatchObject({ role: 'PRIMARY', mode: 'ACTIVE', term: 6, modeSince: NOW, leaseUntil: null });
    expect(types(effects)).toEqual(['persist', 'audit:ha.switchover', 'handover-reply']);
    expect(effects.at(-1)).toEqual({ type: 'handover-reply', accepted: true });
  });

  it.each([
    ['we are active', active(), 6],
    ['the offered term is ours', state(), 5],
    ['the offered term skips one', state(), 7],
    ['the offered term is lower', state(), 4],
  ])('offer: refused when %s, nothing changes', (_case, before, term) => {
    const { state: s, effects } = step(before, { type: 'handover-offer', now: NOW, term }, T);
    expect(s).toEqual(before);
    expect(effects).toEqual([{ type: 'handover-reply', accepted: false, reason: expect.any(String) }]);
  });
});

describe('any sequence of observations', () => {
  const observation = (now: number): fc.Arbitrary<Observation> => {
    const term = fc.integer({ min: 0, max: 12 });
    const mode = fc.constantFrom('ACTIVE' as const, 'STANDBY' as const, 'FROZEN' as const);
    const vote = fc.record({
      since: fc.integer({ min: now - 3 * C, max: now }),
      last: fc.option(fc.integer({ min: now - 2 * W, max: now }), { nil: null }),
      issued: fc.option(fc.integer({ min: now - 2 * W, max: now }), { nil: null }),
    });
    return fc.oneof(
      fc.record({
        type: fc.constant('tick' as const),
        now: fc.constant(now),
        registered: fc.integer({ min: 0, max: 5 }),
        votes: fc.array(vote, { maxLength: 5 }),
      }),
      fc.record({
        type: fc.constant('term-seen' as const),
        now: fc.constant(now),
        term,
        source: fc.constantFrom('sensor' as const, 'peer' as const),
      }),
      fc.record({
        type: fc.constant('peer-status' as const),
        now: fc.constant(now),
        sentAt: fc.constant(now - 50),
        term,
        mode,
        promised: fc.boolean(),
      }),
      fc.record({ type: fc.constant('promise-request' as const), now: fc.constant(now), term, mode, votes: fc.constant([]) }),
      fc.record({ type: fc.constant('handover-start' as const), now: fc.constant(now) }),
      fc.record({ type: fc.constant('handover-abort' as const), now: fc.constant(now), reason: fc.constant('test') }),
      fc.record({ type: fc.constant('handover-done' as const), now: fc.constant(now), term }),
      fc.record({ type: fc.constant('handover-offer' as const), now: fc.constant(now), term }),
      fc.record({ type: fc.constant('peer-unreachable' as const), now: fc.constant(now) }),
    );
  };

  it('never lowers the term, never mutates its input, and persists first whenever term, mode or role change', () => {
    const run = fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 40 }).chain((gaps) => {
      let now = 50_000;
      return fc.tuple(...gaps.map((g) => observation((now += g))));
    });
    fc.assert(
      fc.property(run, (observations) => {
        let s = initialState({ role: 'PRIMARY', mode: 'ACTIVE', term: 3 }, 50_000, T);
        for (const o of observations) {
          const before = structuredClone(s);
          const { state: next, effects } = step(s, o, T);
          expect(s).toEqual(before);
          expect(next.term).toBeGreaterThanOrEqual(s.term);
          const changed = next.term !== s.term || next.mode !== s.mode || next.role !== s.role;
          expect(effects.filter((e) => e.type === 'persist')).toHaveLength(changed ? 1 : 0);
          if (changed) expect(effects[0]).toEqual({ type: 'persist', term: next.term, mode: next.mode, role: next.role });
          if (next.mode !== 'ACTIVE' || next.handover) expect(leaseHeld(next, o.now)).toBe(false);
          s = next;
        }
      }),
      { numRuns: 300 },
    );
  });
});
