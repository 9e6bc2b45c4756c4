import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advance,
  due,
  initialFailover,
  LEAVE_AFTER_MS,
  MISSES,
  onHeartbeatResult,
  onProbeResult,
  onRegistrationNotActive,
  otherConsole,
  PROBE_MS,
  PROBE_SUCCESSES,
  probeSent,
  setPeerKnown,
  stampFor,
  switchDueAt,
  type ConsoleAnswer,
  type ConsoleRef,
  type Decision,
  type FailoverState,
  type RequestResult,
  type Step,
} from './failover.ts';

// Answers as a paired console gives them: home is the primary, peer the secondary, unless said otherwise.
const answer = (over: Partial<ConsoleAnswer> = {}): RequestResult => ({
  ok: true,
  answer: { role: 'PRIMARY', state: 'ACTIVE', term: 1, active: 'self', peerRole: 'SECONDARY', ...over },
});
const fromPeer = (over: Partial<ConsoleAnswer> = {}) => answer({ role: 'SECONDARY', state: 'STANDBY', peerRole: 'PRIMARY', ...over });
const failed: RequestResult = { ok: false, kind: 'failed' };
const refused: RequestResult = { ok: false, kind: 'refused' };
const paired = () => initialFailover({ highestTerm: 1, peer: { role: 'SECONDARY' } });
const switches = (step: Step) => step.decisions.filter((d): d is Extract<Decision, { type: 'switch' }> => d.type === 'switch');

// Heartbeats to the console in use, one per second from `t`.
function beats(state: FailoverState, results: RequestResult[], t = 0): { state: FailoverState; steps: Step[]; t: number } {
  const steps: Step[] = [];
  for (const r of results) {
    const step = onHeartbeatResult(state, state.using, r, (t += 1000));
    steps.push(step);
    state = step.state;
  }
  return { state, steps, t };
}

// Fails over from home to peer after M misses.
function failedOver(): { state: FailoverState; t: number } {
  const { state, t } = beats(paired(), Array<RequestResult>(MISSES).fill(failed));
  expect(state.using).toBe('peer');
  return { state, t };
}

function probe(state: FailoverState, result: RequestResult, t: number): Step {
  const d = due(state, t);
  expect(d.probe, `a probe is due at ${t}`).toBe(state.preferred);
  return onProbeResult(probeSent(state, t), d.probe!, result, t + 10);
}

describe('sensor failover rules', () => {
  it('exports the agent timers of the design', () => {
    expect({ MISSES, PROBE_MS, PROBE_SUCCESSES }).toEqual({ MISSES: 3, PROBE_MS: 2000, PROBE_SUCCESSES: 3 });
  });

  it('starts on home, or on the peer when the peer was last known to be the primary', () => {
    expect(initialFailover({ highestTerm: 0, peer: null })).toMatchObject({ using: 'home', preferred: 'home', peerKnown: false });
    expect(paired()).toMatchObject({ using: 'home', preferred: 'home', peerKnown: true });
    expect(initialFailover({ highestTerm: 4, peer: { role: 'PRIMARY' } })).toMatchObject({
      using: 'peer',
      preferred: 'peer',
      highestTerm: 4,
    });
  });

  it.each([
    { results: [failed, failed], using: 'home', misses: 2 },
    { results: [failed, failed, failed], using: 'peer', misses: 0 },
    { results: [failed, failed, answer(), failed, failed], using: 'home', misses: 2 },
    // A 4xx is an answer: the console is there, and the count starts again.
    { results: [failed, failed, refused, failed, failed], using: 'home', misses: 2 },
  ] satisfies { results: RequestResult[]; using: ConsoleRef; misses: number }[])(
    'switches only after M consecutive failures on the console in use (%#)',
    ({ results, using, misses }) => {
      const { state, steps } = beats(paired(), results);
      expect(state).toMatchObject({ using, misses });
      expect(steps.flatMap(switches).map((s) => s.reason)).toEqual(using === 'peer' ? ['misses'] : []);
    },
  );

  it('heartbeats the new console at once on a switch, and drops the stamp of the one it left', () => {
    let state = onHeartbeatResult(paired(), 'home', answer({ stamp: 'h.1.mac' }), 0).state;
    expect(stampFor(state, 'home')).toBe('h.1.mac');
    const { state: after, steps } = beats(state, [failed, failed, failed]);
    expect(steps.at(-1)!.actions).toEqual([{ type: 'heartbeat-now', to: 'peer' }]);
    expect(after.stamps).toEqual({ home: null, peer: null });
    // The first heartbeat to the peer carries no stamp; the next echoes the peer's.
    expect(stampFor(after, 'peer')).toBeUndefined();
    state = onHeartbeatResult(after, 'peer', fromPeer({ stamp: 'p.7.mac' }), 5000).state;
    expect(stampFor(state, 'peer')).toBe('p.7.mac');
    expect(stampFor(state, 'home')).toBeUndefined();
  });

  it('echoes the first stamp of a stay at once, and only the first (the run is confirmed without waiting an interval)', () => {
    const { state: after } = failedOver();
    const first = onHeartbeatResult(after, 'peer', fromPeer({ stamp: 'p.7.mac' }), 5000);
    expect(first.actions).toEqual([{ type: 'heartbeat-now', to: 'peer' }]);
    const second = onHeartbeatResult(first.state, 'peer', fromPeer({ stamp: 'p.8.mac' }), 5050);
    expect(second.actions).toEqual([]);
    // Not when unpaired (nothing to confirm), not without a stamp, not for a console being left.
    const alone = initialFailover({ highestTerm: 1, peer: null });
    expect(onHeartbeatResult(alone, 'home', answer({ stamp: 'h.1.mac' }), 0).actions).toEqual([]);
    expect(onHeartbeatResult(after, 'peer', fromPeer(), 5000).actions).toEqual([]);
    const reachableHome = { ...after, unreachable: { home: false, peer: false } };
    const sentHome = onHeartbeatResult(reachableHome, 'peer', fromPeer({ stamp: 'p.7.mac', active: 'peer' }), 5000);
    expect(sentHome.state.leaving).not.toBeNull();
    expect(sentHome.actions.filter((a) => a.type === 'heartbeat-now')).toEqual([]);
  });

  // The leave rule, reason by reason: the sensor decides at `decided`, its last accepted answer from the
  // console it leaves came at `answered`; it switches at answered + LEAVE_AFTER_MS, not before, and answers
  // of the console left meanwhile change nothing but the term.
  it.each([
    {
      reason: 'misses',
      // Answered at 1000, then three instant refusals of the connection within 600 ms.
      setup: () => {
        let state = onHeartbeatResult(paired(), 'home', answer({ stamp: 'h.1.mac' }), 1000).state;
        let last!: Step;
        for (const t of [1200, 1400, 1600]) state = (last = onHeartbeatResult(state, 'home', failed, t)).state;
        return { state, last, answered: 1000, from: 'home' as ConsoleRef };
      },
    },
    {
      reason: 'not-active',
      setup: () => {
        const last = onHeartbeatResult(paired(), 'home', answer({ role: 'SECONDARY', state: 'STANDBY', active: 'peer', term: 1 }), 1000);
        return { state: last.state, last, answered: 1000, from: 'home' as ConsoleRef };
      },
    },
    {
      reason: 'probes',
      setup: () => {
        let { state, t } = failedOver();
        let last!: Step;
        for (let i = 0; i < PROBE_SUCCESSES; i++) {
          // The peer answered a heartbeat 500 ms before each probe.
          state = onHeartbeatResult(state, 'peer', fromPeer({ stamp: `p.${i}.mac` }), t + PROBE_MS - 500).state;
          state = (last = probe(state, answer(), (t += PROBE_MS))).state;
        }
        return { state, last, answered: t - 500, from: 'peer' as ConsoleRef };
      },
    },
  ])('switches for $reason no sooner than LEAVE_AFTER_MS after the last accepted answer', ({ reason, setup }) => {
    const { state, last, answered, from } = setup();
    const to = otherConsole(from);
    expect(last.decisions).toContainEqual({ type: 'leave', from, to, reason, at: answered + LEAVE_AFTER_MS });
    expect(switches(last)).toEqual([]);
    expect(state).toMatchObject({ using: from, leaving: { to, reason } });
    expect(switchDueAt(state)).toBe(answered + LEAVE_AFTER_MS);
    // Silent meanwhile: no heartbeat, no probe, no stamp to echo.
    expect(due(state, answered + 1)).toEqual({ heartbeat: null, probe: null });
    expect(state.stamps).toEqual({ home: null, peer: null });
    // An answer of the console left is not accepted: the due time does not move, no stamp is kept; its term counts.
    const late = onHeartbeatResult(
      state,
      from,
      answer({ stamp: 'x.9.mac', term: 7, role: from === 'home' ? 'PRIMARY' : 'SECONDARY' }),
      answered + 2000,
    );
    expect(late.state.answeredAt).toEqual(state.answeredAt);
    expect(late.state.stamps).toEqual({ home: null, peer: null });
    expect(late.state.highestTerm).toBe(7);
    expect(switchDueAt(late.state)).toBe(answered + LEAVE_AFTER_MS);
    expect(onHeartbeatResult(state, from, failed, answered + 2000).state.leaving).toEqual(state.leaving);
    // Not a moment before; at the due time the switch is made, with a heartbeat to the new console at once.
    const early = advance(late.state, answered + LEAVE_AFTER_MS - 1);
    expect(early.state.using).toBe(from);
    expect(switches(early)).toEqual([]);
    const made = advance(late.state, answered + LEAVE_AFTER_MS);
    expect(switches(made).map((d) => [d.from, d.to, d.reason])).toEqual([[from, to, reason]]);
    expect(made.actions).toContainEqual({ type: 'heartbeat-now', to });
    expect(made.state).toMatchObject({ using: to, leaving: null });
    expect(due(made.state, answered + LEAVE_AFTER_MS).heartbeat).toBe(to);
  });

  it('switches at once when nothing was ever accepted from the console left, and during registration', () => {
    expect(switches(beats(paired(), [failed, failed, failed]).steps.at(-1)!).map((d) => d.reason)).toEqual(['misses']);
    const step = onRegistrationNotActive(paired(), 'home', 0);
    expect(switches(step).map((d) => d.reason)).toEqual(['registration-not-active']);
    expect(step.decisions.filter((d) => d.type === 'leave')).toEqual([]);
  });

  it('stays when the console it was leaving for is forgotten, and leaves a forgotten peer by the rule', () => {
    const leaving = onHeartbeatResult(paired(), 'home', answer({ role: 'SECONDARY', state: 'STANDBY', active: 'peer' }), 1000).state;
    const stays = setPeerKnown(leaving, false, 2000).state;
    expect(stays).toMatchObject({ using: 'home', leaving: null });
    expect(due(stays, 2000).heartbeat).toBe('home');
    const { state: s0, t } = failedOver();
    let state = s0;
    state = onHeartbeatResult(state, 'peer', fromPeer(), t).state;
    const gone = setPeerKnown(state, false, t + 10);
    expect(gone.state).toMatchObject({ using: 'peer', leaving: { to: 'home', reason: 'peer-gone' } });
    expect(advance(gone.state, t + LEAVE_AFTER_MS).state.using).toBe('home');
  });

  it('holds the first heartbeat of a restarted paired agent for LEAVE_AFTER_MS, not an unpaired one', () => {
    const restarted = initialFailover({ highestTerm: 1, peer: { role: 'SECONDARY' }, startedAt: 500 });
    expect(due(restarted, 500 + LEAVE_AFTER_MS - 1).heartbeat).toBeNull();
    expect(due(restarted, 500 + LEAVE_AFTER_MS).heartbeat).toBe('home');
    expect(due(initialFailover({ highestTerm: 1, peer: null, startedAt: 500 }), 500).heartbeat).toBe('home');
  });

  it('keeps the disconnected behaviour when unpaired: no switch however many failures', () => {
    const { state, steps } = beats(initialFailover({ highestTerm: 0, peer: null }), Array<RequestResult>(10).fill(failed));
    expect(state).toMatchObject({ using: 'home', misses: 10 });
    expect(steps.flatMap((s) => s.actions)).toEqual([]);
    expect(due(state, 100_000)).toEqual({ heartbeat: 'home', probe: null });
  });

  it('probes the preferred console every PROBE_MS while away, never while on it', () => {
    const { state, t } = failedOver();
    expect(due(state, t)).toEqual({ heartbeat: 'peer', probe: null });
    expect(due(state, t + PROBE_MS - 1).probe).toBeNull();
    expect(due(state, t + PROBE_MS)).toEqual({ heartbeat: 'peer', probe: 'home' });
    // One probe at a time, the next one PROBE_MS after it was sent.
    const sent = probeSent(state, t + PROBE_MS);
    expect(due(sent, t + 3 * PROBE_MS).probe).toBeNull();
    const back = onProbeResult(sent, 'home', failed, t + PROBE_MS + 1000).state;
    expect(due(back, t + 2 * PROBE_MS - 1).probe).toBeNull();
    expect(due(back, t + 2 * PROBE_MS).probe).toBe('home');
    expect(due(paired(), 1e9).probe).toBeNull();
  });

  it.each([
    { probes: [answer(), answer(), answer()], back: true },
    { probes: [answer(), answer()], back: false },
    // Any failure resets the count.
    { probes: [answer(), answer(), failed, answer(), answer()], back: false },
    { probes: [answer(), refused, answer(), answer(), answer()], back: true },
    // A frozen primary is a success: the votes of the sensors that return are what restores it.
    { probes: [answer(), answer({ state: 'FROZEN', active: 'peer', term: 2 }), answer()], back: true },
  ] satisfies { probes: RequestResult[]; back: boolean }[])('returns after K consecutive probe successes only (%#)', ({ probes, back }) => {
    let { state, t } = failedOver();
    const decisions: Decision[] = [];
    for (const r of probes) {
      t += PROBE_MS;
      const step = probe(state, r, t);
      decisions.push(...step.decisions);
      state = step.state;
    }
    expect(state.using).toBe(back ? 'home' : 'peer');
    expect(decisions.filter((d) => d.type === 'switch').map((d) => d.type === 'switch' && d.reason)).toEqual(back ? ['probes'] : []);
    if (back) expect(due(state, t + 10 * PROBE_MS).probe).toBeNull();
  });

  it('away from the preferred console, misses there never send it back: only K probe successes do', () => {
    let { state, t } = failedOver();
    // Advance past the leave window so that a switch, were one decided, would be made at once.
    t += LEAVE_AFTER_MS;
    const missed = beats(state, Array<RequestResult>(MISSES * 3).fill(failed), t);
    expect(missed.steps.flatMap(switches)).toEqual([]);
    expect(missed.steps.flatMap((s) => s.decisions).filter((d) => d.type === 'leave')).toEqual([]);
    ({ state, t } = missed);
    expect(state).toMatchObject({ using: 'peer', leaving: null });
    // Still probing home, and K successes bring it back.
    const moves: Decision[] = [];
    for (let i = 0; i < PROBE_SUCCESSES; i++) {
      t += PROBE_MS;
      const step = probe(state, answer({ state: 'FROZEN', active: 'peer', term: 2 }), t);
      moves.push(...step.decisions);
      state = step.state;
    }
    expect(moves.filter((d) => d.type === 'switch').map((d) => d.type === 'switch' && d.reason)).toEqual(['probes']);
    expect(state.using).toBe('home');
  });

  it.each([
    {
      name: 'planned switchover: standby with the same term names the peer',
      reply: answer({ role: 'SECONDARY', state: 'STANDBY', active: 'peer', term: 1 }),
      moves: true,
    },
    {
      name: 'a secondary back on standby after the primary was restored',
      reply: answer({ role: 'SECONDARY', state: 'STANDBY', active: 'peer', term: 5 }),
      moves: true,
    },
    // Its sensors' votes are what restores a frozen primary: it never sends them away.
    { name: 'a frozen primary', reply: answer({ role: 'PRIMARY', state: 'FROZEN', active: 'peer', term: 5 }), moves: false },
    { name: 'an older term', reply: answer({ state: 'STANDBY', active: 'peer', term: 0 }), moves: false },
    { name: 'an ACTIVE console naming its peer', reply: answer({ state: 'ACTIVE', active: 'peer', term: 3 }), moves: false },
    { name: 'a standby that does not know', reply: answer({ state: 'STANDBY', active: 'unknown', term: 3 }), moves: false },
    { name: "today's console (no active field)", reply: answer({ state: 'STANDBY', active: undefined, term: 3 }), moves: false },
  ])('moves when the console in use is not active and names its peer, by the leave rule: $name', ({ reply, moves }) => {
    const step = advance(onHeartbeatResult(paired(), 'home', reply, 1000).state, 1000 + LEAVE_AFTER_MS);
    expect(step.state.using).toBe(moves ? 'peer' : 'home');
    expect(switches(step).map((s) => s.reason)).toEqual(moves ? ['not-active'] : []);
    expect(step.actions.filter((a) => a.type === 'heartbeat-now')).toEqual(moves ? [{ type: 'heartbeat-now', to: 'peer' }] : []);
  });

  it('does not follow "active: peer" back to a console it left unreachable, nor to an unknown peer', () => {
    const { state } = failedOver();
    // The secondary has not taken over yet and still believes the primary is active.
    const step = onHeartbeatResult(state, 'peer', fromPeer({ active: 'peer', term: 1 }), 5000);
    expect(step.state.using).toBe('peer');
    const unpaired = onHeartbeatResult(
      initialFailover({ highestTerm: 0, peer: null }),
      'home',
      answer({ state: 'FROZEN', active: 'peer' }),
      0,
    );
    expect(unpaired.state.using).toBe('home');
  });

  it('prefers the console whose configured role is PRIMARY, and follows a switchover', () => {
    // Home was switched over: it is now SECONDARY (standby), its peer PRIMARY and active at term 2.
    let step = onHeartbeatResult(
      paired(),
      'home',
      answer({ role: 'SECONDARY', peerRole: 'PRIMARY', state: 'STANDBY', active: 'peer', term: 2 }),
      0,
    );
    expect(step.decisions).toContainEqual({ type: 'preferred', to: 'peer' });
    step = advance(step.state, LEAVE_AFTER_MS);
    expect(step.state).toMatchObject({ using: 'peer', preferred: 'peer', nextProbeAt: null });
    step = onHeartbeatResult(step.state, 'peer', answer({ role: 'PRIMARY', peerRole: 'SECONDARY', term: 2 }), LEAVE_AFTER_MS + 1000);
    expect(step.state).toMatchObject({ using: 'peer', preferred: 'peer' });
    expect(due(step.state, 1e9).probe).toBeNull();
    // A late answer from a console that missed the switchover (older term) does not undo it.
    step = onHeartbeatResult(step.state, 'home', answer({ role: 'PRIMARY', peerRole: 'SECONDARY', term: 1 }), LEAVE_AFTER_MS + 1100);
    expect(step.state.preferred).toBe('peer');
  });

  it('keeps the highest term, asks to persist it when it rises, and never lowers it', () => {
    let step = onHeartbeatResult(paired(), 'home', answer({ term: 4 }), 0);
    expect(step.state.highestTerm).toBe(4);
    expect(step.actions).toContainEqual({ type: 'persist-term', term: 4 });
    step = onHeartbeatResult(step.state, 'home', answer({ term: 2 }), 1000);
    expect(step.state.highestTerm).toBe(4);
    expect(step.actions).toEqual([]);
    // Probes and late answers count too.
    const { state, t } = failedOver();
    step = probe(state, answer({ term: 9 }), t + PROBE_MS);
    expect(step.state.highestTerm).toBe(9);
    expect(onHeartbeatResult(step.state, 'home', answer({ term: 11 }), t + 5000).state.highestTerm).toBe(11);
  });

  it('ignores the failures and stamps of a console no longer in use', () => {
    const { state } = failedOver();
    const late = onHeartbeatResult(state, 'home', failed, 4000);
    expect(late.state).toEqual(state);
    const lateAnswer = onHeartbeatResult(state, 'home', answer({ stamp: 'h.9.mac' }), 4000);
    expect(lateAnswer.state.stamps).toEqual({ home: null, peer: null });
    expect(lateAnswer.state.using).toBe('peer');
  });

  it('tries the other console when registration is refused NOT_ACTIVE, and a forgotten peer brings the sensor home', () => {
    expect(onRegistrationNotActive(paired(), 'home', 0).state.using).toBe('peer');
    expect(onRegistrationNotActive(initialFailover({ highestTerm: 0, peer: null }), 'home', 0).state.using).toBe('home');
    const { state, t } = failedOver();
    const gone = setPeerKnown(state, false, t);
    expect(gone.state).toMatchObject({ using: 'home', preferred: 'home', peerKnown: false });
    expect(switches(gone).map((s) => s.reason)).toEqual(['peer-gone']);
  });
});

// Random sequences of what can happen to an agent, checked against counts kept independently here.
// Answers are drawn without their roles; the roles are those of the console answering, home being the
// primary unless the draw says a switchover swapped them (rarely: otherwise the preference would flip on
// nearly every answer and the counts would hardly ever run long).
type Drawn = { ok: true; answer: Omit<ConsoleAnswer, 'role' | 'peerRole'>; swapped: boolean } | Extract<RequestResult, { ok: false }>;
type Event = { type: 'beat'; to: 'using' | 'other'; result: Drawn } | { type: 'probe'; result: Drawn } | { type: 'peer'; known: boolean };

const answerArb: fc.Arbitrary<Drawn> = fc.record({
  ok: fc.constant(true as const),
  answer: fc.record({
    state: fc.oneof(
      { weight: 3, arbitrary: fc.constant('ACTIVE' as const) },
      { weight: 1, arbitrary: fc.constantFrom('STANDBY' as const, 'FROZEN' as const) },
    ),
    term: fc.integer({ min: 0, max: 8 }),
    stamp: fc.option(fc.string({ minLength: 1, maxLength: 4 }), { nil: undefined }),
    active: fc.oneof(
      { weight: 4, arbitrary: fc.constant('self' as const) },
      { weight: 2, arbitrary: fc.constantFrom('peer' as const, 'unknown' as const, undefined) },
    ),
  }),
  swapped: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});
const resultArb: fc.Arbitrary<Drawn> = fc.oneof(
  { weight: 4, arbitrary: answerArb },
  { weight: 2, arbitrary: fc.constant(failed as Drawn) },
  { weight: 1, arbitrary: fc.constant(refused as Drawn) },
);
const eventArb: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('beat' as const),
      to: fc.constantFrom('using' as const, 'other' as const),
      result: resultArb,
    }),
  },
  { weight: 5, arbitrary: fc.record({ type: fc.constant('probe' as const), result: resultArb }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('peer' as const), known: fc.boolean() }) },
);

function resolve(drawn: Drawn, from: ConsoleRef): RequestResult {
  if (!drawn.ok) return drawn;
  const homePrimary = !drawn.swapped;
  const role = (ref: ConsoleRef) => ((ref === 'home') === homePrimary ? 'PRIMARY' : 'SECONDARY');
  return { ok: true, answer: { ...drawn.answer, role: role(from), peerRole: role(otherConsole(from)) } };
}

describe('sensor failover properties', () => {
  it('one console heartbeated per step, no return without K probe successes, no failover below M failures, terms never decrease', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        fc.array(eventArb, { minLength: 50, maxLength: 300 }),
        (term, withPeer, events) => {
          let state = initialFailover({ highestTerm: term, peer: withPeer ? { role: 'SECONDARY' } : null });
          let now = 0;
          // Kept here, from the results alone: consecutive failures of the console in use, consecutive
          // successful probes of each console since its last failed one.
          let failures = 0;
          const probeRun: Record<ConsoleRef, number> = { home: 0, peer: 0 };
          let maxSeen = term;
          for (const event of events) {
            now += 500;
            const before = state;
            let step: Step;
            let result: RequestResult | null = null;
            if (event.type === 'beat') {
              const to = event.to === 'using' ? state.using : otherConsole(state.using);
              result = resolve(event.result, to);
              step = onHeartbeatResult(state, to, result, now);
              if (to === before.using) failures = !result.ok && result.kind === 'failed' ? failures + 1 : 0;
            } else if (event.type === 'probe') {
              const target = due(state, now).probe;
              if (target === null) continue;
              result = resolve(event.result, target);
              step = onProbeResult(probeSent(state, now), target, result, now + 100);
              // Reachable and not a secondary sending it on (a frozen primary's "active: peer" still
              // counts: the returning votes are what restore it).
              const success =
                result.ok &&
                !(
                  result.answer.role === 'SECONDARY' &&
                  result.answer.active === 'peer' &&
                  result.answer.state !== 'ACTIVE' &&
                  result.answer.term >= before.highestTerm
                );
              probeRun[target] = success ? probeRun[target] + 1 : 0;
            } else {
              step = setPeerKnown(state, event.known, now);
            }
            if (result?.ok) maxSeen = Math.max(maxSeen, result.answer.term);
            state = step.state;

            // Never two consoles in one step: at most one immediate heartbeat, to the console in use, and
            // the scheduled heartbeat goes there too. Only the console in use holds a stamp.
            const beatsNow = step.actions.filter((a) => a.type === 'heartbeat-now');
            expect(beatsNow.length).toBeLessThanOrEqual(1);
            for (const a of beatsNow) expect(a.to).toBe(state.using);
            expect(due(state, now).heartbeat).toBe(state.leaving ? null : state.using);
            expect(state.stamps[otherConsole(state.using)]).toBeNull();
            expect(switches(step).length).toBeLessThanOrEqual(1);
            for (const s of switches(step)) {
              expect(s.from).toBe(before.using);
              if (s.reason === 'misses') expect(failures).toBeGreaterThanOrEqual(MISSES);
              if (s.reason === 'probes') expect(probeRun[s.to]).toBeGreaterThanOrEqual(PROBE_SUCCESSES);
              if (s.reason === 'not-active' && event.type === 'beat' && result?.ok) expect(result.answer).toMatchObject({ active: 'peer' });
              else if (s.reason === 'not-active') expect.fail('a not-active switch without such an answer');
              expect(s.reason).not.toBe('registration-not-active');
            }
            // Misses move a sensor off the preferred console only (hysteresis on the way back).
            for (const d of step.decisions) if (d.type === 'leave' && d.reason === 'misses') expect(before.using).toBe(before.preferred);
            // Any switch starts the counts again, as the module does.
            if (state.using !== before.using) {
              failures = 0;
              probeRun.home = probeRun.peer = 0;
            }
            if (state.using === state.preferred) probeRun.home = probeRun.peer = 0;
            if (state.preferred !== before.preferred) probeRun.home = probeRun.peer = 0;

            expect(state.highestTerm).toBeGreaterThanOrEqual(before.highestTerm);
            expect(state.highestTerm).toBe(maxSeen);
            for (const a of step.actions) if (a.type === 'persist-term') expect(a.term).toBeGreaterThan(before.highestTerm);
            if (!state.peerKnown) expect(state.leaving?.to ?? state.using).toBe('home');
          }
        },
      ),
      { numRuns: 400 },
    );
  }, 60_000);
});
