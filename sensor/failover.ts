// The agent's failover decisions (docs/sensor-agent.md, "Failover"; the rules are
// docs/architecture.md, "High availability: failover"). Pure: no I/O, no timers, no clock reads — the caller passes
// the time (its own monotonic milliseconds) and performs the actions. sensor/sensor.ts drives it.
//
// A sensor knows at most two consoles: `home`, the one of its connection string (and identity), and
// `peer`, the other console of the pair as home's heartbeat answers name it. It heartbeats one at a time
// — a heartbeat is a vote for that console — and only probes the other.
import { FAILOVER_TIMERS } from '../lib/ha/timing.ts';

// The agent's timers are the pair's (lib/ha/timing.ts), so that the two sides cannot disagree.
// A heartbeat with no answer within this is a failure.
export const HEARTBEAT_TIMEOUT_MS = FAILOVER_TIMERS.HEARTBEAT_TIMEOUT;
// Consecutive failed heartbeats to the console in use before leaving it for the other one (M).
export const MISSES = FAILOVER_TIMERS.MISSES;
// The leave rule, for every switch but one made during registration (no vote given yet): the first
// heartbeat to the other console goes out no sooner than this after the last answer accepted from the one
// left, and from the decision on no answer of that one is accepted (no stamp, no answer time). The
// consoles' short confirmation time rests on it (lib/ha/timing.ts, CONFIRM_MS): the console left still
// counts the last vote for a while, and must have stopped before the other can confirm the sensor.
export const LEAVE_AFTER_MS = FAILOVER_TIMERS.LEAVE_AFTER_MS;
// While on the non-preferred console, the preferred one is probed this often.
export const PROBE_MS = FAILOVER_TIMERS.PROBE_MS;
// Consecutive successful probes before returning to the preferred console (K; hysteresis).
export const PROBE_SUCCESSES = FAILOVER_TIMERS.PROBE_SUCCESSES;

export type ConsoleRef = 'home' | 'peer';
export const otherConsole = (ref: ConsoleRef): ConsoleRef => (ref === 'home' ? 'peer' : 'home');

export type ConsoleMode = 'ACTIVE' | 'STANDBY' | 'FROZEN';

// What the agent needs from a heartbeat (or probe) answer.
export type ConsoleAnswer = {
  role: string; // the configured role of the answering console
  state: ConsoleMode;
  term: number;
  stamp?: string;
  active?: 'self' | 'peer' | 'unknown';
  peerRole: string | null; // the configured role of the other console, as the answering one names it
};

// `failed`: network error, timeout, a 5xx or an answer that is not the protocol — the console is not
// serving. `refused`: a 4xx — the console answered (it is there) but did not accept this request.
export type RequestResult = { ok: true; answer: ConsoleAnswer } | { ok: false; kind: 'failed' | 'refused' };

export type SwitchReason = 'misses' | 'not-active' | 'probes' | 'registration-not-active' | 'peer-gone';

export type Decision =
  // Decided to leave `from`: the switch is made at `at` (the leave rule), and nothing is sent until then.
  | { type: 'leave'; from: ConsoleRef; to: ConsoleRef; reason: SwitchReason; at: number }
  | { type: 'switch'; from: ConsoleRef; to: ConsoleRef; reason: SwitchReason; term: number }
  | { type: 'term'; from: number; to: number }
  | { type: 'preferred'; to: ConsoleRef };

export type Action =
  // Write the term durably BEFORE any request carries it (the caller sends only what it persisted).
  | { type: 'persist-term'; term: number }
  // Heartbeat this console now, not at the next interval (after a switch).
  | { type: 'heartbeat-now'; to: ConsoleRef };
// Besides a switch, the first stamp of a stay asks for a heartbeat at once: the echo is what makes the
// sensor a vote, and the console confirms it C after the run began only once it has one (a takeover waits
// for exactly that), so it should not wait a whole interval.

export type FailoverState = {
  readonly using: ConsoleRef;
  readonly preferred: ConsoleRef;
  readonly peerKnown: boolean;
  // Consecutive failed heartbeats to the console in use.
  readonly misses: number;
  // Consecutive successful probes of the preferred console while using the other one.
  readonly probeSuccesses: number;
  readonly nextProbeAt: number | null;
  readonly probing: boolean;
  readonly highestTerm: number;
  // The last stamp each console gave: kept for the console in use only (the echo), dropped on a switch.
  readonly stamps: Readonly<Record<ConsoleRef, string | null>>;
  // Configured roles as last learned, from the answer with the highest term.
  readonly roles: Readonly<Record<ConsoleRef, string | null>>;
  readonly rolesTerm: number;
  // Left after M misses and not heard since: its word that it is active does not bring the sensor back
  // ("active: peer" from a console whose peer is unreachable); probes or misses elsewhere do.
  readonly unreachable: Readonly<Record<ConsoleRef, boolean>>;
  // When each console last answered a heartbeat that was accepted (the caller's monotonic ms).
  readonly answeredAt: Readonly<Record<ConsoleRef, number | null>>;
  // A switch decided at `at`, made once the leave rule allows (switchDueAt). Meanwhile the sensor is
  // silent: no heartbeat, no probe, and answers of the console in use (the one left) count as late ones.
  readonly leaving: { readonly to: ConsoleRef; readonly reason: SwitchReason; readonly at: number } | null;
  // No heartbeat before this: a restarted agent may have been with either console the moment before.
  readonly holdUntil: number | null;
};

export type Step = { state: FailoverState; actions: Action[]; decisions: Decision[] };

// The preferred console is the one whose configured role is PRIMARY; home when neither is known to be.
function preferredOf(roles: FailoverState['roles'], peerKnown: boolean): ConsoleRef {
  if (peerKnown && roles.peer === 'PRIMARY' && roles.home !== 'PRIMARY') return 'peer';
  return 'home';
}

// `startedAt`: when this process started (the caller's monotonic ms). Paired, the first heartbeat waits
// LEAVE_AFTER_MS from then: the process before it may have had an answer from the other console just before
// it ended, and remembers nothing of it here.
export function initialFailover(options: { highestTerm: number; peer: { role: string } | null; startedAt?: number }): FailoverState {
  const roles = { home: null, peer: options.peer?.role ?? null };
  const preferred = preferredOf(roles, options.peer !== null);
  return {
    // Start where the pair's primary was last known to be.
    using: preferred,
    preferred,
    peerKnown: options.peer !== null,
    misses: 0,
    probeSuccesses: 0,
    nextProbeAt: null,
    probing: false,
    highestTerm: options.highestTerm,
    stamps: { home: null, peer: null },
    roles,
    rolesTerm: 0,
    unreachable: { home: false, peer: false },
    answeredAt: { home: null, peer: null },
    leaving: null,
    holdUntil: options.peer !== null && options.startedAt !== undefined ? options.startedAt + LEAVE_AFTER_MS : null,
  };
}

// When the pending switch may be made: LEAVE_AFTER_MS after the last answer accepted from the console left
// (none accepted: at once). Null when none is pending.
export function switchDueAt(state: FailoverState): number | null {
  if (!state.leaving) return null;
  const answered = state.answeredAt[state.using];
  return answered === null ? state.leaving.at : Math.max(state.leaving.at, answered + LEAVE_AFTER_MS);
}

// Until when the sensor sends nothing (leaving, or just started): the heartbeat loop sleeps until then and
// calls advance(). Null when a heartbeat may go out now.
export function quietUntil(state: FailoverState, now: number): number | null {
  const until = switchDueAt(state) ?? state.holdUntil;
  return until !== null && now < until ? until : null;
}

// Makes the pending switch once it is due.
export function advance(state: FailoverState, now: number): Step {
  const out = collector(state);
  out.makeDueSwitch(now);
  return out.done();
}

// What is due at `now`: the heartbeat always goes to the console in use (one console at a time), a probe
// to the preferred one while away from it and its interval has passed; nothing while quiet (leaving, or
// just started — a switch that is due is made by advance() first).
export function due(state: FailoverState, now: number): { heartbeat: ConsoleRef | null; probe: ConsoleRef | null } {
  if (state.leaving || quietUntil(state, now) !== null) return { heartbeat: null, probe: null };
  const away = state.using !== state.preferred && state.peerKnown;
  const probe = away && !state.probing && state.nextProbeAt !== null && now >= state.nextProbeAt ? state.preferred : null;
  return { heartbeat: state.using, probe };
}

// The stamp to echo on a heartbeat to `ref` (only the console in use has one).
export function stampFor(state: FailoverState, ref: ConsoleRef): string | undefined {
  return ref === state.using ? (state.stamps[ref] ?? undefined) : undefined;
}

export function probeSent(state: FailoverState, now: number): FailoverState {
  return { ...state, probing: true, nextProbeAt: now + PROBE_MS };
}

// Home's answers say whether it is paired; a peer that is no longer named is forgotten.
export function setPeerKnown(state: FailoverState, known: boolean, now: number): Step {
  if (known === state.peerKnown) return { state, actions: [], decisions: [] };
  const out = collector({ ...state, peerKnown: known, roles: known ? state.roles : { ...state.roles, peer: null } });
  // On its way to a console no longer known: it stays (it never heartbeated that one, so this is safe).
  if (!known && out.state.leaving?.to === 'peer') out.set({ leaving: null });
  if (!known && out.state.using === 'peer') out.leave('home', 'peer-gone', now);
  out.repreference(now);
  return out.done();
}

export function onHeartbeatResult(state: FailoverState, ref: ConsoleRef, result: RequestResult, now: number): Step {
  const out = collector(state);
  // The console being left is no longer in use: its answers are late ones (terms count, nothing else).
  const inUse = ref === state.using && !state.leaving;
  if (result.ok) {
    const before = state.highestTerm;
    out.learn(ref, result.answer);
    if (inUse) {
      const answer = result.answer;
      const firstStamp = state.stamps[ref] === null && answer.stamp !== undefined;
      out.set({
        misses: 0,
        stamps: { ...out.state.stamps, [ref]: answer.stamp ?? null },
        unreachable: { ...out.state.unreachable, [ref]: false },
        answeredAt: { ...out.state.answeredAt, [ref]: now },
      });
      const other = otherConsole(ref);
      if (sendsOn(answer, before) && out.state.peerKnown && !out.state.unreachable[other]) out.leave(other, 'not-active', now);
      if (firstStamp && out.state.peerKnown && !out.state.leaving) out.heartbeatNow(ref);
    }
    // A late answer from a console left meanwhile: its term counts, its stamp does not (dropped).
    out.repreference(now);
    return out.done();
  }
  if (!inUse) return out.done();
  if (result.kind === 'refused') {
    // It answered: it is there. A 4xx is not something another console would fix.
    out.set({ misses: 0 });
    return out.done();
  }
  const misses = state.misses + 1;
  out.set({ misses });
  if (misses >= MISSES && state.peerKnown) {
    out.set({ unreachable: { ...out.state.unreachable, [ref]: true } });
    // Misses move a sensor off the preferred console only. Away from it, the way back is K probe
    // successes (hysteresis), never misses where it is: the console it left failed, and when every sensor
    // of a large site arrives at once, the first heartbeats at the new console can time out behind the
    // handshakes; bouncing back on those sent 1,000 sensors to and fro thousands of times, and neither
    // console held a majority for a minute. A sensor whose console fails while away stays and probes.
    if (ref === state.preferred) out.leave(otherConsole(ref), 'misses', now);
  }
  return out.done();
}

export function onProbeResult(state: FailoverState, ref: ConsoleRef, result: RequestResult, now: number): Step {
  const out = collector({ ...state, probing: false });
  const counting = ref === state.preferred && state.using !== state.preferred && state.peerKnown && !state.leaving;
  if (result.ok) {
    const before = state.highestTerm;
    out.learn(ref, result.answer);
    // Reachable, but saying the console in use is the active one: returning would only be sent back.
    const success = !sendsOn(result.answer, before);
    if (counting && out.state.preferred === ref) {
      const probeSuccesses = success ? state.probeSuccesses + 1 : 0;
      out.set({ probeSuccesses });
      if (probeSuccesses >= PROBE_SUCCESSES) {
        out.set({ unreachable: { ...out.state.unreachable, [ref]: false } });
        out.leave(ref, 'probes', now);
      }
    }
    out.repreference(now);
    return out.done();
  }
  if (counting) out.set({ probeSuccesses: 0 });
  return out.done();
}

// Registration refused with NOT_ACTIVE: try the other console (when there is one), at once — a sensor
// that is not registered has given no vote, so the leave rule has nothing to wait for.
export function onRegistrationNotActive(state: FailoverState, ref: ConsoleRef, now: number): Step {
  const out = collector(state);
  if (ref === state.using && state.peerKnown && !state.leaving) out.switchTo(otherConsole(ref), 'registration-not-active', now);
  return out.done();
}

// A secondary that is not ACTIVE, names its peer (the primary) as active and is at least as current as
// the sensor sends it home at once: after a planned switchover, or once the primary is restored. A frozen
// PRIMARY never sends its sensors away: their votes are what restores it.
function sendsOn(answer: ConsoleAnswer, highestTerm: number): boolean {
  return answer.role === 'SECONDARY' && answer.active === 'peer' && answer.state !== 'ACTIVE' && answer.term >= highestTerm;
}

function collector(initial: FailoverState) {
  let state = initial;
  const actions: Action[] = [];
  const decisions: Decision[] = [];
  const api = {
    get state() {
      return state;
    },
    set(patch: Partial<FailoverState>) {
      state = { ...state, ...patch };
    },
    learn(ref: ConsoleRef, answer: ConsoleAnswer) {
      if (answer.term > state.highestTerm) {
        decisions.push({ type: 'term', from: state.highestTerm, to: answer.term });
        actions.push({ type: 'persist-term', term: answer.term });
        state = { ...state, highestTerm: answer.term };
      }
      // Roles from the most current answer: a console that missed a switchover does not undo it.
      if (answer.term >= state.rolesTerm) {
        const other = otherConsole(ref);
        state = {
          ...state,
          rolesTerm: answer.term,
          roles: { ...state.roles, [ref]: answer.role, ...(answer.peerRole !== null ? { [other]: answer.peerRole } : {}) },
        };
      }
    },
    // Decides to leave the console in use for `to` (the leave rule), and makes the switch now if due.
    leave(to: ConsoleRef, reason: SwitchReason, now: number) {
      if (state.using === to || state.leaving) return;
      state = {
        ...state,
        leaving: { to, reason, at: now },
        misses: 0,
        probeSuccesses: 0,
        probing: false,
        stamps: { home: null, peer: null },
      };
      decisions.push({ type: 'leave', from: state.using, to, reason, at: switchDueAt(state)! });
      api.makeDueSwitch(now);
    },
    makeDueSwitch(now: number) {
      const at = switchDueAt(state);
      if (at === null || now < at || !state.leaving) return;
      const { to, reason } = state.leaving;
      state = { ...state, leaving: null };
      api.switchTo(to, reason, now);
    },
    switchTo(to: ConsoleRef, reason: SwitchReason, now: number) {
      const from = state.using;
      if (from === to) return;
      state = {
        ...state,
        leaving: null,
        using: to,
        misses: 0,
        probeSuccesses: 0,
        stamps: { home: null, peer: null },
        nextProbeAt: to !== state.preferred ? now + PROBE_MS : null,
      };
      decisions.push({ type: 'switch', from, to, reason, term: state.highestTerm });
      api.heartbeatNow(to);
    },
    // One heartbeat action per step, to the console now in use.
    heartbeatNow(to: ConsoleRef) {
      const at = actions.findIndex((a) => a.type === 'heartbeat-now');
      if (at >= 0) actions.splice(at, 1);
      actions.push({ type: 'heartbeat-now', to });
    },
    // The preference follows the roles; probing runs exactly while the sensor is away from it.
    repreference(now: number) {
      const preferred = preferredOf(state.roles, state.peerKnown);
      if (preferred !== state.preferred) {
        decisions.push({ type: 'preferred', to: preferred });
        state = { ...state, preferred, probeSuccesses: 0 };
      }
      if (state.using === state.preferred) state = { ...state, nextProbeAt: null, probeSuccesses: 0 };
      else if (state.nextProbeAt === null) state = { ...state, nextProbeAt: now + PROBE_MS, probeSuccesses: 0 };
    },
    done(): Step {
      return { state, actions, decisions };
    },
  };
  return api;
}
